//! Article jobs: fetch an entry's page politely, extract its full text, and store it with the
//! feed's own content as the fallback for paywalled, short or unreachable pages.

use roundup_fetch::{FetchOutcome, Fetcher};
use roundup_store::{ArticleRecord, Job, Store};
use std::sync::Arc;

/// Below this quality an extraction is replaced by the feed's content when that is longer.
pub const MIN_QUALITY: f32 = 0.35;

/// What happened to one article job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleResult {
    /// Extracted from the page.
    Extracted,
    /// The page gave too little; the feed's content was kept.
    Fallback,
    /// A transient failure; the job will be retried.
    Retry,
}

/// Runs one claimed article job to its end (complete, retry, or fail), recording the outcome.
pub async fn run_article_job(
    store: &Store,
    fetcher: &Arc<Fetcher>,
    job: &Job,
) -> anyhow::Result<ArticleResult> {
    let entry_id = job.payload["entry"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("job {} has no entry id", job.id))?;
    let entry = match store.entry(entry_id).await {
        Ok(e) => e,
        Err(roundup_store::StoreError::NotFound(_)) => {
            store.complete_job(job.id).await?;
            return Ok(ArticleResult::Fallback);
        }
        Err(e) => return Err(e.into()),
    };
    let now = roundup_store::now_secs();
    let feed_fallback = |why: String| {
        let e = &entry.entry;
        let text = if e.content.trim().len() > e.summary.trim().len() {
            e.content.clone()
        } else {
            e.summary.clone()
        };
        ArticleRecord {
            status: "fallback".into(),
            article: roundup_model::Article {
                url: e.url.clone(),
                title: Some(e.title.clone()),
                text,
                authors: e.authors.clone(),
                published: e.published,
                image: e.image.clone(),
                ..Default::default()
            },
            extractor_version: roundup_extract::EXTRACTOR_VERSION.to_string(),
            quality: 0.0,
            error: Some(why),
        }
    };
    let Some(url) = entry.entry.url.clone() else {
        store
            .save_article(entry_id, &feed_fallback("entry has no link".into()), now)
            .await?;
        store.complete_job(job.id).await?;
        return Ok(ArticleResult::Fallback);
    };
    match fetcher.fetch(&url).await {
        FetchOutcome::Ok(page) => {
            let opts = roundup_extract::Options {
                url: Some(&page.final_url),
                ..Default::default()
            };
            let mut article =
                match roundup_extract::extract_html(page.text_lossy().as_bytes(), &opts) {
                    Ok(x) => x.article,
                    Err(e) => {
                        store
                            .save_article(entry_id, &feed_fallback(format!("{url}: {e}")), now)
                            .await?;
                        store.complete_job(job.id).await?;
                        return Ok(ArticleResult::Fallback);
                    }
                };
            let quality = roundup_extract::quality(&article);
            let feed_text_len = entry.entry.content.len().max(entry.entry.summary.len());
            let rec = if quality < MIN_QUALITY && feed_text_len > article.text.len() {
                feed_fallback(format!("page text too thin (quality {quality:.2})"))
            } else {
                if article
                    .title
                    .as_deref()
                    .map(str::trim)
                    .unwrap_or("")
                    .is_empty()
                {
                    article.title = Some(entry.entry.title.clone());
                }
                if article.published.is_none() {
                    article.published = entry.entry.published;
                }
                if article.authors.is_empty() {
                    article.authors = entry.entry.authors.clone();
                }
                ArticleRecord {
                    status: "ok".into(),
                    article,
                    extractor_version: roundup_extract::EXTRACTOR_VERSION.to_string(),
                    quality: quality as f64,
                    error: None,
                }
            };
            let fallback = rec.status == "fallback";
            if fallback {
                crate::app::metrics().inc_extraction_failures();
            }
            store.save_article(entry_id, &rec, now).await?;
            store.complete_job(job.id).await?;
            Ok(if fallback {
                ArticleResult::Fallback
            } else {
                ArticleResult::Extracted
            })
        }
        FetchOutcome::NotModified(_) => {
            store.complete_job(job.id).await?;
            Ok(ArticleResult::Fallback)
        }
        FetchOutcome::Failed(err) => {
            let msg = format!("{url}: {}", err.message());
            if err.is_transient() && job.attempts < job.max_attempts {
                let wait = roundup_fetch::next_backoff(job.attempts.max(1) as u32).as_secs() as i64;
                let retry = err
                    .retry_after()
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0)
                    .max(wait);
                store.fail_job(job.id, &msg, now + retry).await?;
                Ok(ArticleResult::Retry)
            } else {
                // Permanent failure (or out of attempts): keep the feed's content, as data.
                store
                    .save_article(entry_id, &feed_fallback(msg.clone()), now)
                    .await?;
                store.fail_job(job.id, &msg, now).await?;
                store.complete_job(job.id).await?;
                Ok(ArticleResult::Fallback)
            }
        }
    }
}

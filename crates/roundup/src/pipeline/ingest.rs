//! Feed ingestion: fetch every due feed politely, parse it, store new entries, and record the
//! outcome as the feed's fetch health.

use super::poll::{jitter, next_interval, PollBounds, PollObservation};
use futures_util::stream::{self, StreamExt};
use roundup_fetch::{FetchOutcome, Fetcher, Validators};
use roundup_store::{DueFeed, FetchRecord, NewJob, Store};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Counts from one ingestion pass.
#[derive(Debug, Default)]
pub struct PassStats {
    /// Feeds attempted.
    pub feeds: AtomicUsize,
    /// Feeds answered 200 and parsed.
    pub fetched: AtomicUsize,
    /// Feeds answered 304.
    pub not_modified: AtomicUsize,
    /// Feeds that failed (fetch or parse).
    pub failed: AtomicUsize,
    /// New entries stored.
    pub new_entries: AtomicUsize,
}

impl PassStats {
    /// One-line summary.
    pub fn summary(&self) -> String {
        format!(
            "{} feeds: {} fetched, {} not modified, {} failed; {} new entries",
            self.feeds.load(Ordering::Relaxed),
            self.fetched.load(Ordering::Relaxed),
            self.not_modified.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
            self.new_entries.load(Ordering::Relaxed)
        )
    }
}

/// Polls feeds and stores what they carry.
#[derive(Clone)]
pub struct Ingestor {
    /// The store.
    pub store: Store,
    /// The shared polite fetcher.
    pub fetcher: Arc<Fetcher>,
    /// Polling bounds.
    pub bounds: PollBounds,
    /// Feeds processed at once (the fetcher still applies per-host limits).
    pub concurrency: usize,
    /// Queue an "article" job for each new entry (page fetch + extraction).
    pub enqueue_articles: bool,
}

/// Kind of the job that fetches and extracts one entry's page.
pub const ARTICLE_JOB: &str = "article";

impl Ingestor {
    /// Polls every feed due now, once. `on_feed` is called after each feed (progress).
    pub async fn run_pass(
        &self,
        stats: &PassStats,
        on_feed: &(dyn Fn(&str) + Sync),
    ) -> anyhow::Result<()> {
        let now = roundup_store::now_secs();
        loop {
            let due = self.store.due_feeds(now, 1000).await?;
            if due.is_empty() {
                return Ok(());
            }
            self.poll_feeds(due, stats, on_feed).await;
        }
    }

    /// Polls `feeds` with at most `concurrency` in flight (the fetcher still applies its
    /// per-host limits). A feed whose outcome could not be recorded is logged; `on_feed` is
    /// called after each feed (progress).
    pub async fn poll_feeds(
        &self,
        feeds: Vec<DueFeed>,
        stats: &PassStats,
        on_feed: &(dyn Fn(&str) + Sync),
    ) {
        stream::iter(feeds)
            .for_each_concurrent(self.concurrency, |feed| async move {
                let name = feed.name.clone();
                if let Err(e) = self.poll_feed(feed, stats).await {
                    tracing::error!(feed = %name, error = %e, "recording feed outcome failed");
                }
                on_feed(&name);
            })
            .await;
    }

    /// Fetches, parses and stores one feed, and records its health.
    pub async fn poll_feed(&self, feed: DueFeed, stats: &PassStats) -> anyhow::Result<()> {
        stats.feeds.fetch_add(1, Ordering::Relaxed);
        let validators = Validators {
            etag: feed.etag.clone(),
            last_modified: feed.last_modified.clone(),
        };
        let outcome = self
            .fetcher
            .fetch_conditional(&feed.feed_url, &validators)
            .await;
        let now = roundup_store::now_secs();
        let failures = feed.consecutive_failures.max(0) as u32;
        let record = match outcome {
            FetchOutcome::Ok(f) => {
                match crate::feedio::parse(&f.body, &f.final_url, f.content_type.as_deref()) {
                    Ok(parsed) => {
                        let entries = parsed.entries;
                        let ids = self
                            .store
                            .insert_entries(feed.outlet_id, &entries, now)
                            .await?;
                        stats.fetched.fetch_add(1, Ordering::Relaxed);
                        stats.new_entries.fetch_add(ids.len(), Ordering::Relaxed);
                        if self.enqueue_articles {
                            for id in &ids {
                                let mut job =
                                    NewJob::new(ARTICLE_JOB, serde_json::json!({ "entry": id }));
                                job.unique_key = Some(format!("article:{id}"));
                                self.store.enqueue(&job).await?;
                            }
                        }
                        let hint = parsed.poll_hint_secs.max(f.max_age_secs.map(|s| s as i64));
                        let obs = PollObservation {
                            previous_secs: feed.poll_interval_secs,
                            new_entries: ids.len(),
                            entry_times: entries.iter().filter_map(|e| e.published).collect(),
                            publisher_hint_secs: hint,
                        };
                        FetchRecord::Success {
                            status: "ok".into(),
                            etag: f.etag.clone(),
                            last_modified: f.last_modified.clone(),
                            poll_interval_secs: jitter(
                                next_interval(&obs, self.bounds),
                                self.bounds,
                            ),
                        }
                    }
                    Err(e) => {
                        stats.failed.fetch_add(1, Ordering::Relaxed);
                        FetchRecord::Failure {
                            status: "parse-error".into(),
                            error: format!("feed {} is not a readable feed: {e}", feed.feed_url),
                            retry_in_secs: roundup_fetch::next_backoff(failures + 1).as_secs()
                                as i64,
                        }
                    }
                }
            }
            FetchOutcome::NotModified(nm) => {
                stats.not_modified.fetch_add(1, Ordering::Relaxed);
                let obs = PollObservation {
                    previous_secs: feed.poll_interval_secs,
                    new_entries: 0,
                    entry_times: Vec::new(),
                    publisher_hint_secs: nm.max_age_secs.map(|s| s as i64),
                };
                FetchRecord::Success {
                    status: "not-modified".into(),
                    etag: nm.etag.clone(),
                    last_modified: nm.last_modified.clone(),
                    poll_interval_secs: jitter(next_interval(&obs, self.bounds), self.bounds),
                }
            }
            FetchOutcome::Failed(err) => {
                stats.failed.fetch_add(1, Ordering::Relaxed);
                let backoff = roundup_fetch::next_backoff(failures + 1).as_secs() as i64;
                let retry = err
                    .retry_after()
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0)
                    .max(backoff);
                FetchRecord::Failure {
                    status: err.code(),
                    error: err.message(),
                    retry_in_secs: retry,
                }
            }
        };
        self.store
            .record_fetch(feed.outlet_id, &record, now)
            .await?;
        Ok(())
    }
}

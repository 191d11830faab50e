//! Named queries for outlets, fetch state, entries and articles, kept together.

use crate::{now_secs, QueryCtx, Result, Store, StoreError};
use chrono::{DateTime, TimeZone, Utc};
use roundup_model::{FeedEntry, Lean, Section};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A new outlet to follow.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewOutlet {
    /// Display name.
    pub name: String,
    /// Home page URL.
    pub homepage: Option<String>,
    /// Feed URL (unique).
    pub feed_url: String,
    /// Political leaning.
    pub lean: Option<Lean>,
    /// Region.
    pub region: Option<String>,
    /// Language tag.
    pub language: Option<String>,
    /// Section hint.
    pub section_hint: Option<Section>,
}

/// An outlet as stored, with its fetch health.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutletRow {
    /// Outlet id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Home page URL.
    pub homepage: Option<String>,
    /// Feed URL.
    pub feed_url: String,
    /// Political leaning.
    pub lean: Option<Lean>,
    /// Region.
    pub region: Option<String>,
    /// Language tag.
    pub language: Option<String>,
    /// Section hint.
    pub section_hint: Option<Section>,
    /// Paused outlets are not fetched.
    pub paused: bool,
    /// Fetch health of its feed.
    pub state: FeedState,
}

/// Fetch health of one feed: a row, not a log line.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FeedState {
    /// ETag of the last successful response.
    pub etag: Option<String>,
    /// Last-Modified of the last successful response.
    pub last_modified: Option<String>,
    /// Last attempt (unix seconds).
    pub last_attempt: Option<i64>,
    /// Last success (unix seconds).
    pub last_success: Option<i64>,
    /// Short status of the last attempt ("ok", "not-modified", "http-500", "timeout", …).
    pub last_status: Option<String>,
    /// Human message of the last error, if the last attempt failed.
    pub last_error: Option<String>,
    /// Failures since the last success.
    pub consecutive_failures: i64,
    /// When the feed is next due (unix seconds).
    pub next_check: i64,
    /// Current polling interval in seconds (adaptive).
    pub poll_interval_secs: i64,
    /// Entries stored from this feed so far.
    pub entries_total: i64,
}

/// A feed due for a fetch, with the validators for a conditional GET.
#[derive(Debug, Clone, PartialEq)]
pub struct DueFeed {
    /// Outlet id.
    pub outlet_id: i64,
    /// Outlet name.
    pub name: String,
    /// Feed URL.
    pub feed_url: String,
    /// ETag to send as If-None-Match.
    pub etag: Option<String>,
    /// Last-Modified to send as If-Modified-Since.
    pub last_modified: Option<String>,
    /// Failures since the last success.
    pub consecutive_failures: i64,
    /// Current polling interval in seconds.
    pub poll_interval_secs: i64,
}

/// The outcome of one fetch of a feed, to record as its health.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchRecord {
    /// The feed was fetched (200) or was unchanged (304).
    Success {
        /// "ok" or "not-modified".
        status: String,
        /// New ETag (kept from before when None on a 304).
        etag: Option<String>,
        /// New Last-Modified.
        last_modified: Option<String>,
        /// Next poll interval in seconds.
        poll_interval_secs: i64,
    },
    /// The fetch or the parse failed.
    Failure {
        /// Short machine status ("timeout", "http-503", "parse-error", …).
        status: String,
        /// Human message naming the cause.
        error: String,
        /// Seconds until the next attempt (backoff).
        retry_in_secs: i64,
    },
}

/// A stored feed entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryRow {
    /// Entry id.
    pub id: i64,
    /// Outlet id.
    pub outlet_id: i64,
    /// The entry itself.
    pub entry: FeedEntry,
    /// When it was stored (unix seconds).
    pub fetched_at: i64,
}

/// An extraction result to store for an entry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArticleRecord {
    /// "ok", "fallback" (feed content used), or "failed".
    pub status: String,
    /// The article.
    pub article: roundup_model::Article,
    /// Extractor version that produced it.
    pub extractor_version: String,
    /// Quality signal in 0..1.
    pub quality: f64,
    /// Error message when status is "failed" or "fallback".
    pub error: Option<String>,
}

/// Text as stored: NUL characters removed (PostgreSQL TEXT cannot hold them; SQLite would
/// truncate them in some tools), so both backends keep the same value.
pub(crate) fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\0') {
        std::borrow::Cow::Owned(s.replace('\0', ""))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

fn clean_opt(s: Option<&str>) -> Option<std::borrow::Cow<'_, str>> {
    s.map(clean)
}

pub(crate) fn ts(v: Option<i64>) -> Option<DateTime<Utc>> {
    v.and_then(|s| Utc.timestamp_opt(s, 0).single())
}

fn parse_opt<T: std::str::FromStr>(table: &'static str, v: Option<String>) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match v {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|e: T::Err| StoreError::Corrupt {
                table,
                detail: e.to_string(),
            }),
    }
}

fn json_list(table: &'static str, s: &str) -> Result<Vec<String>> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        table,
        detail: format!("list column: {e}"),
    })
}

/// The `FeedEntry` columns of a row from `entries` (selected under their own names).
fn entry_from_row(r: &AnyRow) -> Result<FeedEntry> {
    let g = |e: sqlx::Error| StoreError::Query {
        what: "decoding entry",
        source: e,
    };
    Ok(FeedEntry {
        guid: r.try_get("guid").map_err(g)?,
        url: r.try_get("url").map_err(g)?,
        title: r.try_get("title").map_err(g)?,
        summary: r.try_get("summary").map_err(g)?,
        summary_html: r.try_get("summary_html").map_err(g)?,
        content: r.try_get("content").map_err(g)?,
        authors: json_list("entries", &r.try_get::<String, _>("authors").map_err(g)?)?,
        categories: json_list("entries", &r.try_get::<String, _>("categories").map_err(g)?)?,
        published: ts(r.try_get("published").map_err(g)?),
        updated: ts(r.try_get("updated").map_err(g)?),
        image: r.try_get("image").map_err(g)?,
        position: r
            .try_get::<i64, _>("position")
            .map_err(g)?
            .clamp(0, u32::MAX as i64) as u32,
    })
}

const OUTLET_COLS: &str = "o.id, o.name, o.homepage, o.feed_url, o.lean, o.region, o.language, o.section_hint, o.paused, \
    s.etag, s.last_modified, s.last_attempt, s.last_success, s.last_status, s.last_error, s.consecutive_failures, \
    s.next_check, s.poll_interval_secs, s.entries_total";

fn outlet_from_row(r: &AnyRow) -> Result<OutletRow> {
    let g = |e: sqlx::Error| StoreError::Query {
        what: "decoding outlet",
        source: e,
    };
    Ok(OutletRow {
        id: r.try_get("id").map_err(g)?,
        name: r.try_get("name").map_err(g)?,
        homepage: r.try_get("homepage").map_err(g)?,
        feed_url: r.try_get("feed_url").map_err(g)?,
        lean: parse_opt("outlets", r.try_get("lean").map_err(g)?)?,
        region: r.try_get("region").map_err(g)?,
        language: r.try_get("language").map_err(g)?,
        section_hint: parse_opt("outlets", r.try_get("section_hint").map_err(g)?)?,
        paused: r.try_get::<i64, _>("paused").map_err(g)? != 0,
        state: FeedState {
            etag: r.try_get("etag").map_err(g)?,
            last_modified: r.try_get("last_modified").map_err(g)?,
            last_attempt: r.try_get("last_attempt").map_err(g)?,
            last_success: r.try_get("last_success").map_err(g)?,
            last_status: r.try_get("last_status").map_err(g)?,
            last_error: r.try_get("last_error").map_err(g)?,
            consecutive_failures: r.try_get("consecutive_failures").map_err(g)?,
            next_check: r.try_get("next_check").map_err(g)?,
            poll_interval_secs: r.try_get("poll_interval_secs").map_err(g)?,
            entries_total: r.try_get("entries_total").map_err(g)?,
        },
    })
}

impl Store {
    /// Adds an outlet, or updates name/lean/region/… of the outlet with the same feed URL.
    /// Returns its id. The feed becomes due at once.
    pub async fn upsert_outlet(&self, o: &NewOutlet) -> Result<i64> {
        let now = now_secs();
        let row = sqlx::query(&self.sql(
            "INSERT INTO outlets (name, homepage, feed_url, lean, region, language, section_hint, paused, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) \
             ON CONFLICT (feed_url) DO UPDATE SET name = excluded.name, \
               homepage = COALESCE(excluded.homepage, outlets.homepage), lean = COALESCE(excluded.lean, outlets.lean), \
               region = COALESCE(excluded.region, outlets.region), language = COALESCE(excluded.language, outlets.language), \
               section_hint = COALESCE(excluded.section_hint, outlets.section_hint) \
             RETURNING id",
        ))
        .bind(clean(&o.name).into_owned())
        .bind(o.homepage.as_deref())
        .bind(&o.feed_url)
        .bind(o.lean.map(|l| l.as_str()))
        .bind(o.region.as_deref())
        .bind(o.language.as_deref())
        .bind(o.section_hint.map(|s| s.as_str()))
        .bind(now)
        .fetch_one(self.pool())
        .await
        .ctx("adding outlet")?;
        let id: i64 = row.try_get("id").ctx("adding outlet")?;
        sqlx::query(&self.sql(
            "INSERT INTO feed_state (outlet_id, next_check) VALUES ($1, $2) ON CONFLICT (outlet_id) DO NOTHING",
        ))
        .bind(id)
        .bind(now)
        .execute(self.pool())
        .await
        .ctx("adding feed state")?;
        Ok(id)
    }

    /// Every outlet with its fetch health, by name.
    pub async fn list_outlets(&self) -> Result<Vec<OutletRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {OUTLET_COLS} FROM outlets o JOIN feed_state s ON s.outlet_id = o.id ORDER BY o.name, o.id"
        ))
        .fetch_all(self.pool())
        .await
        .ctx("listing outlets")?;
        rows.iter().map(outlet_from_row).collect()
    }

    /// One outlet by id.
    pub async fn outlet(&self, id: i64) -> Result<OutletRow> {
        let row = sqlx::query(&self.sql(&format!(
            "SELECT {OUTLET_COLS} FROM outlets o JOIN feed_state s ON s.outlet_id = o.id WHERE o.id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .ctx("reading outlet")?;
        match row {
            Some(r) => outlet_from_row(&r),
            None => Err(StoreError::NotFound(format!("outlet {id}"))),
        }
    }

    /// Pauses or resumes an outlet.
    pub async fn set_paused(&self, id: i64, paused: bool) -> Result<()> {
        let r = sqlx::query(&self.sql("UPDATE outlets SET paused = $1 WHERE id = $2"))
            .bind(paused as i64)
            .bind(id)
            .execute(self.pool())
            .await
            .ctx("pausing outlet")?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("outlet {id}")));
        }
        Ok(())
    }

    /// Sets an outlet's leaning and region.
    pub async fn set_outlet_tags(
        &self,
        id: i64,
        lean: Option<Lean>,
        region: Option<&str>,
    ) -> Result<()> {
        let r = sqlx::query(&self.sql("UPDATE outlets SET lean = $1, region = $2 WHERE id = $3"))
            .bind(lean.map(|l| l.as_str()))
            .bind(region)
            .bind(id)
            .execute(self.pool())
            .await
            .ctx("tagging outlet")?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("outlet {id}")));
        }
        Ok(())
    }

    /// Feeds of unpaused outlets whose next check is at or before `now`, most overdue first.
    pub async fn due_feeds(&self, now: i64, limit: i64) -> Result<Vec<DueFeed>> {
        let rows = sqlx::query(&self.sql(
            "SELECT o.id, o.name, o.feed_url, s.etag, s.last_modified, s.consecutive_failures, s.poll_interval_secs \
             FROM outlets o JOIN feed_state s ON s.outlet_id = o.id \
             WHERE o.paused = 0 AND s.next_check <= $1 ORDER BY s.next_check, o.id LIMIT $2",
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .ctx("listing due feeds")?;
        rows.iter()
            .map(|r| {
                Ok(DueFeed {
                    outlet_id: r.try_get("id").ctx("decoding due feed")?,
                    name: r.try_get("name").ctx("decoding due feed")?,
                    feed_url: r.try_get("feed_url").ctx("decoding due feed")?,
                    etag: r.try_get("etag").ctx("decoding due feed")?,
                    last_modified: r.try_get("last_modified").ctx("decoding due feed")?,
                    consecutive_failures: r
                        .try_get("consecutive_failures")
                        .ctx("decoding due feed")?,
                    poll_interval_secs: r.try_get("poll_interval_secs").ctx("decoding due feed")?,
                })
            })
            .collect()
    }

    /// Claims up to `limit` due feeds for one poller: their next check moves `lease_secs` ahead
    /// in the same statement, so concurrent workers never poll the same feed, and a worker
    /// that dies mid-poll only delays the feed by the lease. `record_fetch` then sets the real
    /// next check. PostgreSQL uses `FOR UPDATE SKIP LOCKED`.
    pub async fn claim_due_feeds(
        &self,
        now: i64,
        limit: i64,
        lease_secs: i64,
    ) -> Result<Vec<DueFeed>> {
        let lock = match self.backend() {
            crate::Backend::Postgres => " FOR UPDATE OF s SKIP LOCKED",
            crate::Backend::Sqlite => "",
        };
        let rows = sqlx::query(&self.sql(&format!(
            "UPDATE feed_state SET next_check = $1 + $3 WHERE outlet_id IN ( \
               SELECT s.outlet_id FROM feed_state s JOIN outlets o ON o.id = s.outlet_id \
               WHERE o.paused = 0 AND s.next_check <= $1 ORDER BY s.next_check, s.outlet_id LIMIT $2{lock}) \
             RETURNING outlet_id, etag, last_modified, consecutive_failures, poll_interval_secs"
        )))
        .bind(now)
        .bind(limit)
        .bind(lease_secs)
        .fetch_all(self.pool())
        .await
        .ctx("claiming due feeds")?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("outlet_id").ctx("decoding due feed")?;
            let o = sqlx::query(&self.sql("SELECT name, feed_url FROM outlets WHERE id = $1"))
                .bind(id)
                .fetch_one(self.pool())
                .await
                .ctx("reading claimed feed")?;
            out.push(DueFeed {
                outlet_id: id,
                name: o.try_get("name").ctx("decoding due feed")?,
                feed_url: o.try_get("feed_url").ctx("decoding due feed")?,
                etag: r.try_get("etag").ctx("decoding due feed")?,
                last_modified: r.try_get("last_modified").ctx("decoding due feed")?,
                consecutive_failures: r.try_get("consecutive_failures").ctx("decoding due feed")?,
                poll_interval_secs: r.try_get("poll_interval_secs").ctx("decoding due feed")?,
            });
        }
        out.sort_by_key(|d| d.outlet_id);
        Ok(out)
    }

    /// Earliest next check among unpaused feeds, if any.
    pub async fn next_due_at(&self) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT MIN(s.next_check) AS t FROM outlets o JOIN feed_state s ON s.outlet_id = o.id WHERE o.paused = 0",
        )
        .fetch_one(self.pool())
        .await
        .ctx("reading next due time")?;
        row.try_get::<Option<i64>, _>("t")
            .ctx("reading next due time")
    }

    /// Records the outcome of a fetch as the feed's health and schedules its next check.
    pub async fn record_fetch(&self, outlet_id: i64, rec: &FetchRecord, now: i64) -> Result<()> {
        let ok_sql = self.sql(
            "UPDATE feed_state SET etag = COALESCE($1, etag), last_modified = COALESCE($2, last_modified), \
             last_attempt = $3, last_success = $3, last_status = $4, last_error = NULL, consecutive_failures = 0, \
             poll_interval_secs = $5, next_check = $3 + $5 WHERE outlet_id = $6",
        );
        let fail_sql = self.sql(
            "UPDATE feed_state SET last_attempt = $1, last_status = $2, last_error = $3, \
             consecutive_failures = consecutive_failures + 1, next_check = $1 + $4 WHERE outlet_id = $5",
        );
        let q = match rec {
            FetchRecord::Success {
                status,
                etag,
                last_modified,
                poll_interval_secs,
            } => sqlx::query(&ok_sql)
                .bind(etag.as_deref())
                .bind(last_modified.as_deref())
                .bind(now)
                .bind(status.as_str())
                .bind(*poll_interval_secs)
                .bind(outlet_id),
            FetchRecord::Failure {
                status,
                error,
                retry_in_secs,
            } => sqlx::query(&fail_sql)
                .bind(now)
                .bind(status.as_str())
                .bind(error.as_str())
                .bind(*retry_in_secs)
                .bind(outlet_id),
        };
        let _w = self.write_guard().await;
        let r = q.execute(self.pool()).await.ctx("recording fetch health")?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!(
                "feed state of outlet {outlet_id}"
            )));
        }
        Ok(())
    }

    /// Stores a feed's entries, skipping ones already stored for this outlet (by GUID, else
    /// canonical URL). Returns the ids of the new entries, in feed order. One transaction.
    pub async fn insert_entries(
        &self,
        outlet_id: i64,
        entries: &[FeedEntry],
        now: i64,
    ) -> Result<Vec<i64>> {
        let _w = self.write_guard().await;
        let mut tx = self.pool().begin().await.ctx("starting entry insert")?;
        let sql = self.sql(
            "INSERT INTO entries (outlet_id, dedup_key, guid, url, title, summary, summary_html, content, authors, \
             categories, published, updated, image, position, fetched_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (outlet_id, dedup_key) DO NOTHING RETURNING id",
        );
        let mut ids = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for e in entries {
            let key = e.dedup_key();
            if !seen.insert(key.clone()) {
                continue;
            }
            let row = sqlx::query(&sql)
                .bind(outlet_id)
                .bind(clean(&key).into_owned())
                .bind(clean_opt(e.guid.as_deref()).map(|c| c.into_owned()))
                .bind(clean_opt(e.url.as_deref()).map(|c| c.into_owned()))
                .bind(clean(&e.title).into_owned())
                .bind(clean(&e.summary).into_owned())
                .bind(clean(&e.summary_html).into_owned())
                .bind(clean(&e.content).into_owned())
                .bind(
                    clean(&serde_json::to_string(&e.authors).unwrap_or_else(|_| "[]".into()))
                        .replace("\\u0000", ""),
                )
                .bind(
                    clean(&serde_json::to_string(&e.categories).unwrap_or_else(|_| "[]".into()))
                        .replace("\\u0000", ""),
                )
                .bind(e.published.map(|t| t.timestamp()))
                .bind(e.updated.map(|t| t.timestamp()))
                .bind(clean_opt(e.image.as_deref()).map(|c| c.into_owned()))
                .bind(e.position as i64)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await
                .ctx("inserting entry")?;
            if let Some(r) = row {
                ids.push(r.try_get::<i64, _>("id").ctx("inserting entry")?);
            }
        }
        if !ids.is_empty() {
            sqlx::query(&self.sql(
                "UPDATE feed_state SET entries_total = entries_total + $1 WHERE outlet_id = $2",
            ))
            .bind(ids.len() as i64)
            .bind(outlet_id)
            .execute(&mut *tx)
            .await
            .ctx("counting entries")?;
        }
        tx.commit().await.ctx("committing entries")?;
        Ok(ids)
    }

    /// Number of stored entries (all outlets).
    pub async fn count_entries(&self) -> Result<i64> {
        let r = sqlx::query("SELECT COUNT(*) AS n FROM entries")
            .fetch_one(self.pool())
            .await
            .ctx("counting entries")?;
        r.try_get::<i64, _>("n").ctx("counting entries")
    }

    /// One entry by id.
    pub async fn entry(&self, id: i64) -> Result<EntryRow> {
        let rows = self.entries_where("e.id = $1", id).await?;
        rows.into_iter()
            .next()
            .ok_or_else(|| StoreError::NotFound(format!("entry {id}")))
    }

    /// Entries of one outlet, newest first.
    pub async fn entries_of_outlet(&self, outlet_id: i64) -> Result<Vec<EntryRow>> {
        self.entries_where("e.outlet_id = $1", outlet_id).await
    }

    async fn entries_where(&self, cond: &str, arg: i64) -> Result<Vec<EntryRow>> {
        let rows = sqlx::query(&self.sql(&format!(
            "SELECT e.id, e.outlet_id, e.guid, e.url, e.title, e.summary, e.summary_html, e.content, e.authors, \
             e.categories, e.published, e.updated, e.image, e.position, e.fetched_at FROM entries e WHERE {cond} \
             ORDER BY COALESCE(e.published, e.fetched_at) DESC, e.id DESC"
        )))
        .bind(arg)
        .fetch_all(self.pool())
        .await
        .ctx("reading entries")?;
        rows.iter()
            .map(|r| {
                let g = |e: sqlx::Error| StoreError::Query {
                    what: "decoding entry",
                    source: e,
                };
                Ok(EntryRow {
                    id: r.try_get("id").map_err(g)?,
                    outlet_id: r.try_get("outlet_id").map_err(g)?,
                    fetched_at: r.try_get("fetched_at").map_err(g)?,
                    entry: entry_from_row(r)?,
                })
            })
            .collect()
    }

    /// Stores (or replaces) the extraction result of an entry.
    pub async fn save_article(&self, entry_id: i64, rec: &ArticleRecord, now: i64) -> Result<()> {
        let a = &rec.article;
        let _w = self.write_guard().await;
        sqlx::query(&self.sql(
            "INSERT INTO articles (entry_id, status, url, title, text, html, authors, published, language, image, \
             site_name, description, extractor_version, quality, error, attempts, extracted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16) \
             ON CONFLICT (entry_id) DO UPDATE SET status = excluded.status, url = excluded.url, title = excluded.title, \
             text = excluded.text, html = excluded.html, authors = excluded.authors, published = excluded.published, \
             language = excluded.language, image = excluded.image, site_name = excluded.site_name, \
             description = excluded.description, extractor_version = excluded.extractor_version, \
             quality = excluded.quality, error = excluded.error, attempts = articles.attempts + 1, \
             extracted_at = excluded.extracted_at",
        ))
        .bind(entry_id)
        .bind(rec.status.as_str())
        .bind(a.url.as_deref())
        .bind(clean_opt(a.title.as_deref()).map(|c| c.into_owned()))
        .bind(clean(&a.text).into_owned())
        .bind(clean(&a.html).into_owned())
        .bind(serde_json::to_string(&a.authors).unwrap_or_else(|_| "[]".into()))
        .bind(a.published.map(|t| t.timestamp()))
        .bind(a.language.as_deref())
        .bind(a.image.as_deref())
        .bind(a.site_name.as_deref())
        .bind(a.description.as_deref())
        .bind(rec.extractor_version.as_str())
        .bind(rec.quality)
        .bind(rec.error.as_deref())
        .bind(now)
        .execute(self.pool())
        .await
        .ctx("saving article")?;
        Ok(())
    }

    /// The stored extraction of an entry, if any.
    pub async fn article(&self, entry_id: i64) -> Result<Option<ArticleRecord>> {
        let row = sqlx::query(&self.sql(
            "SELECT status, url, title, text, html, authors, published, language, image, site_name, description, \
             extractor_version, quality, error FROM articles WHERE entry_id = $1",
        ))
        .bind(entry_id)
        .fetch_optional(self.pool())
        .await
        .ctx("reading article")?;
        let Some(r) = row else { return Ok(None) };
        let g = |e: sqlx::Error| StoreError::Query {
            what: "decoding article",
            source: e,
        };
        Ok(Some(ArticleRecord {
            status: r.try_get("status").map_err(g)?,
            extractor_version: r.try_get("extractor_version").map_err(g)?,
            quality: r.try_get("quality").map_err(g)?,
            error: r.try_get("error").map_err(g)?,
            article: roundup_model::Article {
                url: r.try_get("url").map_err(g)?,
                title: r.try_get("title").map_err(g)?,
                text: r.try_get("text").map_err(g)?,
                html: r.try_get("html").map_err(g)?,
                authors: json_list("articles", &r.try_get::<String, _>("authors").map_err(g)?)?,
                published: ts(r.try_get("published").map_err(g)?),
                updated: None,
                language: r.try_get("language").map_err(g)?,
                image: r.try_get("image").map_err(g)?,
                site_name: r.try_get("site_name").map_err(g)?,
                description: r.try_get("description").map_err(g)?,
            },
        }))
    }
}

/// An entry in the clustering window with its outlet and extracted text: the input of the
/// story stage.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowItem {
    /// Entry id.
    pub entry_id: i64,
    /// Outlet id.
    pub outlet_id: i64,
    /// Outlet name.
    pub outlet_name: String,
    /// Outlet leaning.
    pub lean: Option<Lean>,
    /// Outlet region.
    pub region: Option<String>,
    /// Outlet section hint.
    pub section_hint: Option<Section>,
    /// The feed entry.
    pub entry: FeedEntry,
    /// Extracted (or fallback) article text, when extraction has run.
    pub text: Option<String>,
    /// Article language, when detected.
    pub language: Option<String>,
    /// Article publication time, when the page gave one.
    pub article_published: Option<DateTime<Utc>>,
    /// When the entry was stored.
    pub fetched_at: i64,
}

impl Store {
    /// Entries published (or, undated, fetched) at or after `since`, oldest first, with their
    /// outlet and article text.
    pub async fn window_items(&self, since: i64) -> Result<Vec<WindowItem>> {
        let rows = sqlx::query(&self.sql(
            "SELECT e.id, e.outlet_id, o.name AS outlet_name, o.lean, o.region, o.section_hint, e.guid, e.url, e.title, \
             e.summary, e.summary_html, e.content, e.authors, e.categories, e.published, e.updated, e.image, e.position, \
             e.fetched_at, a.text AS article_text, a.language, a.published AS article_published \
             FROM entries e JOIN outlets o ON o.id = e.outlet_id LEFT JOIN articles a ON a.entry_id = e.id \
             WHERE COALESCE(e.published, e.fetched_at) >= $1 ORDER BY COALESCE(e.published, e.fetched_at), e.id",
        ))
        .bind(since)
        .fetch_all(self.pool())
        .await
        .ctx("reading the clustering window")?;
        rows.iter()
            .map(|r| {
                let g = |e: sqlx::Error| StoreError::Query {
                    what: "decoding window item",
                    source: e,
                };
                Ok(WindowItem {
                    entry_id: r.try_get("id").map_err(g)?,
                    outlet_id: r.try_get("outlet_id").map_err(g)?,
                    outlet_name: r.try_get("outlet_name").map_err(g)?,
                    lean: parse_opt("outlets", r.try_get("lean").map_err(g)?)?,
                    region: r.try_get("region").map_err(g)?,
                    section_hint: parse_opt("outlets", r.try_get("section_hint").map_err(g)?)?,
                    fetched_at: r.try_get("fetched_at").map_err(g)?,
                    text: r.try_get("article_text").map_err(g)?,
                    language: r.try_get("language").map_err(g)?,
                    article_published: ts(r.try_get("article_published").map_err(g)?),
                    entry: entry_from_row(r)?,
                })
            })
            .collect()
    }
}

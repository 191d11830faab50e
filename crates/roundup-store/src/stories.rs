//! Stories (clusters of entries) with stable ids and merge redirects; immutable editions;
//! settings.

use crate::{now_secs, QueryCtx, Result, Store, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A story to create (`id == 0`) or update.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoryRecord {
    /// Existing id, or 0 to create.
    pub id: i64,
    /// Headline chosen by the digest.
    pub headline: String,
    /// Section slug ("world", …).
    pub section: Option<String>,
    /// First article time (unix seconds).
    pub first_seen: i64,
    /// Latest article time (unix seconds).
    pub last_updated: i64,
    /// Articles in the story.
    pub article_count: i64,
    /// Distinct outlets covering it.
    pub outlet_count: i64,
    /// Ranking score.
    pub score: f64,
    /// Passes the good-news filter.
    pub good_news: bool,
    /// The digest as JSON (roundup-digest's `Digest`).
    pub digest: serde_json::Value,
}

/// A stored story.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryRow {
    /// Stable id.
    pub id: i64,
    /// URL slug (stable once created): the story page is `/story/{slug}`.
    pub slug: String,
    /// Headline shown: the editor's override when set, else the digest's.
    pub headline: String,
    /// The digest's own headline.
    pub auto_headline: String,
    /// Section slug.
    pub section: Option<String>,
    /// First article time.
    pub first_seen: i64,
    /// Latest article time.
    pub last_updated: i64,
    /// Articles in the story.
    pub article_count: i64,
    /// Distinct outlets.
    pub outlet_count: i64,
    /// Ranking score.
    pub score: f64,
    /// Good-news story.
    pub good_news: bool,
    /// Pinned by an editor (ranked first).
    pub pinned: bool,
    /// Suppressed by an editor (hidden).
    pub suppressed: bool,
    /// Digest JSON.
    pub digest: serde_json::Value,
}

/// A published edition: an immutable snapshot of what readers saw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EditionRow {
    /// Edition id.
    pub id: i64,
    /// "briefing", "ten-things", "good-news", "front-page", …
    pub kind: String,
    /// Edition date, YYYY-MM-DD.
    pub date: String,
    /// Title.
    pub title: String,
    /// Publication time (unix seconds).
    pub published_at: i64,
    /// The snapshot JSON (roundup-digest's `Edition`).
    pub snapshot: serde_json::Value,
}

/// Lower-case ASCII slug of a headline, at most 60 characters.
pub fn slugify(s: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in s.chars() {
        let c = match c {
            'à'..='å' | 'À'..='Å' => 'a',
            'è'..='ë' | 'È'..='Ë' => 'e',
            'ì'..='ï' | 'Ì'..='Ï' => 'i',
            'ò'..='ö' | 'Ò'..='Ö' => 'o',
            'ù'..='ü' | 'Ù'..='Ü' => 'u',
            'ñ' | 'Ñ' => 'n',
            'ç' | 'Ç' => 'c',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
            if out.len() >= 60 {
                break;
            }
        } else {
            dash = true;
        }
    }
    if out.is_empty() {
        out.push_str("story");
    }
    out
}

const STORY_COLS: &str =
    "id, slug, headline, headline_override, section, first_seen, last_updated, article_count, \
    outlet_count, score, good_news, pinned, suppressed, digest";

fn story_from_row(r: &AnyRow) -> Result<StoryRow> {
    let g = |e: sqlx::Error| StoreError::Query {
        what: "decoding story",
        source: e,
    };
    let auto: String = r.try_get("headline").map_err(g)?;
    let over: Option<String> = r.try_get("headline_override").map_err(g)?;
    let digest: String = r.try_get("digest").map_err(g)?;
    Ok(StoryRow {
        id: r.try_get("id").map_err(g)?,
        slug: r.try_get("slug").map_err(g)?,
        headline: over.unwrap_or_else(|| auto.clone()),
        auto_headline: auto,
        section: r.try_get("section").map_err(g)?,
        first_seen: r.try_get("first_seen").map_err(g)?,
        last_updated: r.try_get("last_updated").map_err(g)?,
        article_count: r.try_get("article_count").map_err(g)?,
        outlet_count: r.try_get("outlet_count").map_err(g)?,
        score: r.try_get("score").map_err(g)?,
        good_news: r.try_get::<i64, _>("good_news").map_err(g)? != 0,
        pinned: r.try_get::<i64, _>("pinned").map_err(g)? != 0,
        suppressed: r.try_get::<i64, _>("suppressed").map_err(g)? != 0,
        digest: serde_json::from_str(&digest).map_err(|e| StoreError::Corrupt {
            table: "stories",
            detail: format!("digest: {e}"),
        })?,
    })
}

fn edition_from_row(r: &AnyRow) -> Result<EditionRow> {
    let g = |e: sqlx::Error| StoreError::Query {
        what: "decoding edition",
        source: e,
    };
    let snap: String = r.try_get("snapshot").map_err(g)?;
    Ok(EditionRow {
        id: r.try_get("id").map_err(g)?,
        kind: r.try_get("kind").map_err(g)?,
        date: r.try_get("edition_date").map_err(g)?,
        title: r.try_get("title").map_err(g)?,
        published_at: r.try_get("published_at").map_err(g)?,
        snapshot: serde_json::from_str(&snap).map_err(|e| StoreError::Corrupt {
            table: "editions",
            detail: format!("snapshot: {e}"),
        })?,
    })
}

impl Store {
    /// Creates (id 0) or updates a story; returns its id. The slug is made once, at creation.
    pub async fn save_story(&self, s: &StoryRecord) -> Result<i64> {
        let digest = crate::queries::clean(&s.digest.to_string()).into_owned();
        let headline = crate::queries::clean(&s.headline).into_owned();
        if s.id == 0 {
            let mut tx = self.pool().begin().await.ctx("creating story")?;
            let row = sqlx::query(&self.sql(
                "INSERT INTO stories (slug, headline, section, first_seen, last_updated, article_count, outlet_count, \
                 score, good_news, digest) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            ))
            .bind(format!("tmp-{}", uuidish()))
            .bind(&headline)
            .bind(s.section.as_deref())
            .bind(s.first_seen)
            .bind(s.last_updated)
            .bind(s.article_count)
            .bind(s.outlet_count)
            .bind(s.score)
            .bind(s.good_news as i64)
            .bind(&digest)
            .fetch_one(&mut *tx)
            .await
            .ctx("creating story")?;
            let id: i64 = row.try_get("id").ctx("creating story")?;
            sqlx::query(&self.sql("UPDATE stories SET slug = $1 WHERE id = $2"))
                .bind(format!("{}-{}", slugify(&headline), id))
                .bind(id)
                .execute(&mut *tx)
                .await
                .ctx("naming story")?;
            tx.commit().await.ctx("creating story")?;
            return Ok(id);
        }
        let r = sqlx::query(&self.sql(
            "UPDATE stories SET headline = $1, section = $2, first_seen = $3, last_updated = $4, article_count = $5, \
             outlet_count = $6, score = $7, good_news = $8, digest = $9 WHERE id = $10",
        ))
        .bind(&headline)
        .bind(s.section.as_deref())
        .bind(s.first_seen)
        .bind(s.last_updated)
        .bind(s.article_count)
        .bind(s.outlet_count)
        .bind(s.score)
        .bind(s.good_news as i64)
        .bind(&digest)
        .bind(s.id)
        .execute(self.pool())
        .await
        .ctx("updating story")?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("story {}", s.id)));
        }
        Ok(s.id)
    }

    /// Assigns entries to a story (an entry belongs to exactly one story).
    pub async fn assign_entries(&self, story_id: i64, entry_ids: &[i64]) -> Result<()> {
        let mut tx = self.pool().begin().await.ctx("assigning entries")?;
        let sql = self.sql(
            "INSERT INTO story_entries (entry_id, story_id) VALUES ($1, $2) \
             ON CONFLICT (entry_id) DO UPDATE SET story_id = excluded.story_id",
        );
        for e in entry_ids {
            sqlx::query(&sql)
                .bind(*e)
                .bind(story_id)
                .execute(&mut *tx)
                .await
                .ctx("assigning entries")?;
        }
        tx.commit().await.ctx("assigning entries")
    }

    /// Entry ids of a story, oldest first.
    pub async fn story_entry_ids(&self, story_id: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            &self.sql("SELECT entry_id FROM story_entries WHERE story_id = $1 ORDER BY entry_id"),
        )
        .bind(story_id)
        .fetch_all(self.pool())
        .await
        .ctx("reading story entries")?;
        rows.iter()
            .map(|r| r.try_get::<i64, _>("entry_id").ctx("reading story entries"))
            .collect()
    }

    /// Story id of an entry, if clustered.
    pub async fn story_of_entry(&self, entry_id: i64) -> Result<Option<i64>> {
        let row = sqlx::query(&self.sql("SELECT story_id FROM story_entries WHERE entry_id = $1"))
            .bind(entry_id)
            .fetch_optional(self.pool())
            .await
            .ctx("reading story of entry")?;
        row.map(|r| {
            r.try_get::<i64, _>("story_id")
                .ctx("reading story of entry")
        })
        .transpose()
    }

    /// Merges story `old` into `into`: its entries move, the old id redirects to the new one
    /// (as do ids that redirected to the old one), and the old row goes. Editor flags carry over.
    pub async fn merge_stories(&self, old: i64, into: i64) -> Result<()> {
        if old == into {
            return Ok(());
        }
        let mut tx = self.pool().begin().await.ctx("merging stories")?;
        for (sql, what) in [
            ("UPDATE story_entries SET story_id = $2 WHERE story_id = $1", "moving entries"),
            ("UPDATE story_redirects SET new_id = $2 WHERE new_id = $1", "moving redirects"),
            (
                "UPDATE stories SET pinned = MAX_FN(pinned, (SELECT pinned FROM stories WHERE id = $1)), \
                 suppressed = MAX_FN(suppressed, (SELECT suppressed FROM stories WHERE id = $1)) WHERE id = $2",
                "carrying flags",
            ),
            (
                "INSERT INTO story_redirects (old_id, new_id) VALUES ($1, $2) \
                 ON CONFLICT (old_id) DO UPDATE SET new_id = excluded.new_id",
                "recording redirect",
            ),
            ("DELETE FROM stories WHERE id = $1", "removing merged story"),
        ] {
            let max_fn = match self.backend() {
                crate::Backend::Sqlite => "MAX",
                crate::Backend::Postgres => "GREATEST",
            };
            let sql = self.sql(&sql.replace("MAX_FN", max_fn));
            sqlx::query(&sql).bind(old).bind(into).execute(&mut *tx).await.ctx(what)?;
        }
        tx.commit().await.ctx("merging stories")
    }

    /// The current id of a story id (following merge redirects), if it exists.
    pub async fn resolve_story_id(&self, id: i64) -> Result<Option<i64>> {
        let row = sqlx::query(&self.sql(
            "SELECT id FROM stories WHERE id = $1 UNION ALL SELECT new_id AS id FROM story_redirects WHERE old_id = $1",
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .ctx("resolving story id")?;
        row.map(|r| r.try_get::<i64, _>("id").ctx("resolving story id"))
            .transpose()
    }

    /// A story by id (redirects followed).
    pub async fn story(&self, id: i64) -> Result<Option<StoryRow>> {
        let Some(id) = self.resolve_story_id(id).await? else {
            return Ok(None);
        };
        let row =
            sqlx::query(&self.sql(&format!("SELECT {STORY_COLS} FROM stories WHERE id = $1")))
                .bind(id)
                .fetch_optional(self.pool())
                .await
                .ctx("reading story")?;
        row.as_ref().map(story_from_row).transpose()
    }

    /// A story by slug. A slug of a merged story resolves through its trailing id.
    pub async fn story_by_slug(&self, slug: &str) -> Result<Option<StoryRow>> {
        let row =
            sqlx::query(&self.sql(&format!("SELECT {STORY_COLS} FROM stories WHERE slug = $1")))
                .bind(slug)
                .fetch_optional(self.pool())
                .await
                .ctx("reading story")?;
        if let Some(r) = row {
            return story_from_row(&r).map(Some);
        }
        match slug.rsplit('-').next().and_then(|t| t.parse::<i64>().ok()) {
            Some(id) => self.story(id).await,
            None => Ok(None),
        }
    }

    /// Stories updated at or after `since`, best score first (pinned first), suppressed ones
    /// only when asked.
    pub async fn stories_since(
        &self,
        since: i64,
        include_suppressed: bool,
        limit: i64,
    ) -> Result<Vec<StoryRow>> {
        let rows = sqlx::query(&self.sql(&format!(
            "SELECT {STORY_COLS} FROM stories WHERE last_updated >= $1 AND ($2 = 1 OR suppressed = 0) \
             ORDER BY pinned DESC, score DESC, id LIMIT $3"
        )))
        .bind(since)
        .bind(include_suppressed as i64)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .ctx("listing stories")?;
        rows.iter().map(story_from_row).collect()
    }

    /// Sets editor flags on a story; `None` leaves a flag as it is.
    pub async fn set_story_flags(
        &self,
        id: i64,
        pinned: Option<bool>,
        suppressed: Option<bool>,
    ) -> Result<()> {
        let id = self
            .resolve_story_id(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("story {id}")))?;
        sqlx::query(&self.sql(
            "UPDATE stories SET pinned = COALESCE($1, pinned), suppressed = COALESCE($2, suppressed) WHERE id = $3",
        ))
        .bind(pinned.map(|b| b as i64))
        .bind(suppressed.map(|b| b as i64))
        .bind(id)
        .execute(self.pool())
        .await
        .ctx("flagging story")?;
        Ok(())
    }

    /// Sets (or with `None` clears) an editor's headline for a story.
    pub async fn rename_story(&self, id: i64, headline: Option<&str>) -> Result<()> {
        let id = self
            .resolve_story_id(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("story {id}")))?;
        let h = headline
            .map(|h| crate::queries::clean(h.trim()).into_owned())
            .filter(|h| !h.is_empty());
        sqlx::query(&self.sql("UPDATE stories SET headline_override = $1 WHERE id = $2"))
            .bind(h)
            .bind(id)
            .execute(self.pool())
            .await
            .ctx("renaming story")?;
        Ok(())
    }

    /// Publishes an edition snapshot; editions are never updated afterwards.
    pub async fn publish_edition(
        &self,
        kind: &str,
        date: &str,
        title: &str,
        snapshot: &serde_json::Value,
    ) -> Result<i64> {
        let row = sqlx::query(&self.sql(
            "INSERT INTO editions (kind, edition_date, title, published_at, snapshot) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        ))
        .bind(kind)
        .bind(date)
        .bind(crate::queries::clean(title).into_owned())
        .bind(now_secs())
        .bind(crate::queries::clean(&snapshot.to_string()).into_owned())
        .fetch_one(self.pool())
        .await
        .ctx("publishing edition")?;
        row.try_get::<i64, _>("id").ctx("publishing edition")
    }

    /// One edition by id.
    pub async fn edition(&self, id: i64) -> Result<Option<EditionRow>> {
        let row = sqlx::query(&self.sql(
            "SELECT id, kind, edition_date, title, published_at, snapshot FROM editions WHERE id = $1",
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .ctx("reading edition")?;
        row.as_ref().map(edition_from_row).transpose()
    }

    /// The newest edition of a kind.
    pub async fn latest_edition(&self, kind: &str) -> Result<Option<EditionRow>> {
        let row = sqlx::query(&self.sql(
            "SELECT id, kind, edition_date, title, published_at, snapshot FROM editions WHERE kind = $1 \
             ORDER BY published_at DESC, id DESC LIMIT 1",
        ))
        .bind(kind)
        .fetch_optional(self.pool())
        .await
        .ctx("reading edition")?;
        row.as_ref().map(edition_from_row).transpose()
    }

    /// Editions, newest first, optionally of one kind and/or one date (snapshots included).
    pub async fn editions(
        &self,
        kind: Option<&str>,
        date: Option<&str>,
        limit: i64,
    ) -> Result<Vec<EditionRow>> {
        let rows = sqlx::query(&self.sql(
            "SELECT id, kind, edition_date, title, published_at, snapshot FROM editions \
             WHERE ($1 IS NULL OR kind = $1) AND ($2 IS NULL OR edition_date = $2) \
             ORDER BY published_at DESC, id DESC LIMIT $3",
        ))
        .bind(kind)
        .bind(date)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .ctx("listing editions")?;
        rows.iter().map(edition_from_row).collect()
    }

    /// A setting's value.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let row = sqlx::query(&self.sql("SELECT value FROM settings WHERE key = $1"))
            .bind(key)
            .fetch_optional(self.pool())
            .await
            .ctx("reading setting")?;
        row.map(|r| r.try_get::<String, _>("value").ctx("reading setting"))
            .transpose()
    }

    /// Sets a setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        sqlx::query(&self.sql(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        ))
        .bind(key)
        .bind(value)
        .execute(self.pool())
        .await
        .ctx("writing setting")?;
        Ok(())
    }
}

fn uuidish() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}-{}",
        std::process::id(),
        now_secs(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

//! Newsletter tables: subscribers, list subscriptions, issues and the per-recipient send ledger.
//!
//! The send ledger has one row per (issue, subscriber). Its states: `queued` → (claimed)
//! `sending` under a lease → `sent` | `queued` again (transient failure, retried at
//! `next_attempt_at`) | `failed` (permanent failure or attempts exhausted) | `suppressed` (the
//! subscriber was no longer deliverable when the row came up). A `sending` row whose lease has
//! expired — its worker died — is claimable again, so no recipient is skipped after a crash;
//! the cost is that a message the server accepted just before the crash, but whose row was not
//! yet marked `sent`, goes out twice (the mail crate documents that window and bounds it).
//! Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL so several senders can share one issue.

use crate::{Backend, QueryCtx, Result, Store, StoreError};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// Lifecycle state of a subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SubscriberState {
    /// Signed up, confirmation link not clicked yet.
    Pending,
    /// Double opt-in complete: receives mail.
    Confirmed,
    /// Unsubscribed by themselves.
    Unsubscribed,
    /// Undeliverable (hard bounce, complaint): never mailed again unless re-confirmed.
    Suppressed,
}

impl SubscriberState {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriberState::Pending => "pending",
            SubscriberState::Confirmed => "confirmed",
            SubscriberState::Unsubscribed => "unsubscribed",
            SubscriberState::Suppressed => "suppressed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => SubscriberState::Pending,
            "confirmed" => SubscriberState::Confirmed,
            "unsubscribed" => SubscriberState::Unsubscribed,
            "suppressed" => SubscriberState::Suppressed,
            _ => return None,
        })
    }
}

/// A subscriber row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriberRow {
    /// Subscriber id.
    pub id: i64,
    /// Normalized address (unique).
    pub email: String,
    /// State.
    pub state: SubscriberState,
    /// Creation time (unix seconds).
    pub created_at: i64,
    /// Confirmation time.
    pub confirmed_at: Option<i64>,
    /// When a pending sign-up lapses.
    pub pending_expires: Option<i64>,
}

/// A newsletter issue: one edition sent to one list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueRow {
    /// Issue id.
    pub id: i64,
    /// List identifier.
    pub list: String,
    /// The edition sent.
    pub edition_id: i64,
    /// Subject line.
    pub subject: String,
    /// Creation time.
    pub created_at: i64,
}

/// State of a send-ledger row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SendState {
    /// Waiting for `next_attempt_at`.
    Queued,
    /// Claimed by a sender under a lease.
    Sending,
    /// Accepted by the SMTP server.
    Sent,
    /// Permanently failed.
    Failed,
    /// Skipped: the subscriber was suppressed or left before delivery.
    Suppressed,
}

impl SendState {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SendState::Queued => "queued",
            SendState::Sending => "sending",
            SendState::Sent => "sent",
            SendState::Failed => "failed",
            SendState::Suppressed => "suppressed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => SendState::Queued,
            "sending" => SendState::Sending,
            "sent" => SendState::Sent,
            "failed" => SendState::Failed,
            "suppressed" => SendState::Suppressed,
            _ => return None,
        })
    }
}

/// A send-ledger row (claimed or inspected), with the recipient's address and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendRow {
    /// Ledger row id.
    pub id: i64,
    /// Issue.
    pub issue_id: i64,
    /// Recipient.
    pub subscriber_id: i64,
    /// Recipient's address.
    pub email: String,
    /// Recipient's state when read.
    pub subscriber_state: SubscriberState,
    /// Row state.
    pub state: SendState,
    /// Attempts so far, counting a current claim.
    pub attempts: i64,
    /// Last error.
    pub last_error: Option<String>,
}

/// Counts of ledger rows per state for one issue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LedgerCounts {
    /// Queued rows.
    pub queued: i64,
    /// Rows being sent.
    pub sending: i64,
    /// Sent rows.
    pub sent: i64,
    /// Failed rows.
    pub failed: i64,
    /// Suppressed rows.
    pub suppressed: i64,
}

impl LedgerCounts {
    /// Rows not finished yet (queued or sending).
    pub fn open(&self) -> i64 {
        self.queued + self.sending
    }
    /// All rows.
    pub fn total(&self) -> i64 {
        self.queued + self.sending + self.sent + self.failed + self.suppressed
    }
}

const SUB_COLS: &str = "id, email, state, created_at, confirmed_at, pending_expires";

fn corrupt(table: &'static str, detail: String) -> StoreError {
    StoreError::Corrupt { table, detail }
}

fn subscriber_from_row(r: &AnyRow) -> Result<SubscriberRow> {
    let what = "decoding subscriber";
    let state: String = r.try_get("state").ctx(what)?;
    Ok(SubscriberRow {
        id: r.try_get("id").ctx(what)?,
        email: r.try_get("email").ctx(what)?,
        state: SubscriberState::parse(&state)
            .ok_or_else(|| corrupt("subscribers", format!("state {state:?}")))?,
        created_at: r.try_get("created_at").ctx(what)?,
        confirmed_at: r.try_get("confirmed_at").ctx(what)?,
        pending_expires: r.try_get("pending_expires").ctx(what)?,
    })
}

fn issue_from_row(r: &AnyRow) -> Result<IssueRow> {
    let what = "decoding issue";
    Ok(IssueRow {
        id: r.try_get("id").ctx(what)?,
        list: r.try_get("list").ctx(what)?,
        edition_id: r.try_get("edition_id").ctx(what)?,
        subject: r.try_get("subject").ctx(what)?,
        created_at: r.try_get("created_at").ctx(what)?,
    })
}

fn send_from_row(r: &AnyRow) -> Result<SendRow> {
    let what = "decoding send row";
    let state: String = r.try_get("state").ctx(what)?;
    let sstate: String = r.try_get("sub_state").ctx(what)?;
    Ok(SendRow {
        id: r.try_get("id").ctx(what)?,
        issue_id: r.try_get("issue_id").ctx(what)?,
        subscriber_id: r.try_get("subscriber_id").ctx(what)?,
        email: r.try_get("email").ctx(what)?,
        subscriber_state: SubscriberState::parse(&sstate)
            .ok_or_else(|| corrupt("subscribers", format!("state {sstate:?}")))?,
        state: SendState::parse(&state)
            .ok_or_else(|| corrupt("send_ledger", format!("state {state:?}")))?,
        attempts: r.try_get("attempts").ctx(what)?,
        last_error: r.try_get("last_error").ctx(what)?,
    })
}

const SEND_SELECT: &str =
    "SELECT l.id, l.issue_id, l.subscriber_id, s.email, s.state AS sub_state, l.state, \
     l.attempts, l.last_error FROM send_ledger l JOIN subscribers s ON s.id = l.subscriber_id";

impl Store {
    // ----- subscribers -------------------------------------------------------------------

    /// The subscriber with this (already normalized) address.
    pub async fn subscriber_by_email(&self, email: &str) -> Result<Option<SubscriberRow>> {
        let row = sqlx::query(&self.sql(&format!(
            "SELECT {SUB_COLS} FROM subscribers WHERE email = $1"
        )))
        .bind(email)
        .fetch_optional(self.pool())
        .await
        .ctx("reading subscriber")?;
        row.as_ref().map(subscriber_from_row).transpose()
    }

    /// The subscriber with this id.
    pub async fn subscriber(&self, id: i64) -> Result<Option<SubscriberRow>> {
        let row =
            sqlx::query(&self.sql(&format!("SELECT {SUB_COLS} FROM subscribers WHERE id = $1")))
                .bind(id)
                .fetch_optional(self.pool())
                .await
                .ctx("reading subscriber")?;
        row.as_ref().map(subscriber_from_row).transpose()
    }

    /// Inserts a subscriber in `state` unless the address exists. Returns the row and whether
    /// it was created by this call (an existing row is returned unchanged).
    pub async fn insert_subscriber(
        &self,
        email: &str,
        state: SubscriberState,
        pending_expires: Option<i64>,
        now: i64,
    ) -> Result<(SubscriberRow, bool)> {
        let email = crate::queries::clean(email);
        let confirmed_at = (state == SubscriberState::Confirmed).then_some(now);
        let created = {
            let _w = self.write_guard().await;
            sqlx::query(&self.sql(
                "INSERT INTO subscribers (email, state, created_at, confirmed_at, pending_expires, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $3) ON CONFLICT (email) DO NOTHING RETURNING id",
            ))
            .bind(email.as_ref())
            .bind(state.as_str())
            .bind(now)
            .bind(confirmed_at)
            .bind(pending_expires)
            .fetch_optional(self.pool())
            .await
            .ctx("inserting subscriber")?
            .is_some()
        };
        let row = self
            .subscriber_by_email(&email)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("subscriber {email}")))?;
        Ok((row, created))
    }

    /// Sets a subscriber's state. `Confirmed` records the confirmation time (kept if already
    /// set) and clears the pending expiry; `Pending` sets `pending_expires`.
    pub async fn set_subscriber_state(
        &self,
        id: i64,
        state: SubscriberState,
        pending_expires: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let _w = self.write_guard().await;
        let r = sqlx::query(&self.sql(
            "UPDATE subscribers SET state = $1, \
             confirmed_at = CASE WHEN $1 = 'confirmed' THEN COALESCE(confirmed_at, $2) ELSE confirmed_at END, \
             pending_expires = $3, updated_at = $2 WHERE id = $4",
        ))
        .bind(state.as_str())
        .bind(now)
        .bind(pending_expires)
        .bind(id)
        .execute(self.pool())
        .await
        .ctx("updating subscriber")?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("subscriber {id}")));
        }
        Ok(())
    }

    /// Suppresses the subscriber with this normalized address (hard bounce, complaint).
    /// Returns whether such a subscriber exists.
    pub async fn suppress_email(&self, email: &str, now: i64) -> Result<bool> {
        let _w = self.write_guard().await;
        let r = sqlx::query(&self.sql(
            "UPDATE subscribers SET state = 'suppressed', pending_expires = NULL, updated_at = $1 WHERE email = $2",
        ))
        .bind(now)
        .bind(email)
        .execute(self.pool())
        .await
        .ctx("suppressing subscriber")?;
        Ok(r.rows_affected() > 0)
    }

    /// Deletes pending subscribers whose confirmation window ended before `now`; returns how
    /// many.
    pub async fn expire_pending_subscribers(&self, now: i64) -> Result<u64> {
        let _w = self.write_guard().await;
        let r = sqlx::query(&self.sql(
            "DELETE FROM subscribers WHERE state = 'pending' AND pending_expires IS NOT NULL AND pending_expires < $1",
        ))
        .bind(now)
        .execute(self.pool())
        .await
        .ctx("expiring pending subscribers")?;
        Ok(r.rows_affected())
    }

    /// Adds list subscriptions (existing ones are kept).
    pub async fn add_subscriptions(
        &self,
        subscriber_id: i64,
        lists: &[&str],
        now: i64,
    ) -> Result<()> {
        let _w = self.write_guard().await;
        let mut tx = self.pool().begin().await.ctx("adding subscriptions")?;
        for l in lists {
            sqlx::query(&self.sql(
                "INSERT INTO subscriptions (subscriber_id, list, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (subscriber_id, list) DO NOTHING",
            ))
            .bind(subscriber_id)
            .bind(*l)
            .bind(now)
            .execute(&mut *tx)
            .await
            .ctx("adding subscriptions")?;
        }
        tx.commit().await.ctx("adding subscriptions")
    }

    /// Replaces a subscriber's lists with exactly `lists`.
    pub async fn set_subscriptions(
        &self,
        subscriber_id: i64,
        lists: &[&str],
        now: i64,
    ) -> Result<()> {
        {
            let _w = self.write_guard().await;
            let mut tx = self.pool().begin().await.ctx("setting subscriptions")?;
            sqlx::query(&self.sql("DELETE FROM subscriptions WHERE subscriber_id = $1"))
                .bind(subscriber_id)
                .execute(&mut *tx)
                .await
                .ctx("setting subscriptions")?;
            for l in lists {
                sqlx::query(&self.sql(
                    "INSERT INTO subscriptions (subscriber_id, list, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (subscriber_id, list) DO NOTHING",
                ))
                .bind(subscriber_id)
                .bind(*l)
                .bind(now)
                .execute(&mut *tx)
                .await
                .ctx("setting subscriptions")?;
            }
            tx.commit().await.ctx("setting subscriptions")?;
        }
        Ok(())
    }

    /// Removes one list subscription; returns whether it existed.
    pub async fn remove_subscription(&self, subscriber_id: i64, list: &str) -> Result<bool> {
        let _w = self.write_guard().await;
        let r = sqlx::query(
            &self.sql("DELETE FROM subscriptions WHERE subscriber_id = $1 AND list = $2"),
        )
        .bind(subscriber_id)
        .bind(list)
        .execute(self.pool())
        .await
        .ctx("removing subscription")?;
        Ok(r.rows_affected() > 0)
    }

    /// The lists a subscriber is on, sorted.
    pub async fn subscriptions_of(&self, subscriber_id: i64) -> Result<Vec<String>> {
        let rows = sqlx::query(
            &self.sql("SELECT list FROM subscriptions WHERE subscriber_id = $1 ORDER BY list"),
        )
        .bind(subscriber_id)
        .fetch_all(self.pool())
        .await
        .ctx("reading subscriptions")?;
        rows.iter()
            .map(|r| r.try_get("list").ctx("reading subscriptions"))
            .collect()
    }

    /// Every subscriber with their lists, by id (for export).
    pub async fn all_subscribers(&self) -> Result<Vec<(SubscriberRow, Vec<String>)>> {
        let rows = sqlx::query(&format!("SELECT {SUB_COLS} FROM subscribers ORDER BY id"))
            .fetch_all(self.pool())
            .await
            .ctx("listing subscribers")?;
        let subs: Vec<SubscriberRow> = rows
            .iter()
            .map(subscriber_from_row)
            .collect::<Result<_>>()?;
        let rows = sqlx::query(
            "SELECT subscriber_id, list FROM subscriptions ORDER BY subscriber_id, list",
        )
        .fetch_all(self.pool())
        .await
        .ctx("listing subscriptions")?;
        let mut lists: std::collections::HashMap<i64, Vec<String>> = Default::default();
        for r in &rows {
            let id: i64 = r.try_get("subscriber_id").ctx("listing subscriptions")?;
            lists
                .entry(id)
                .or_default()
                .push(r.try_get("list").ctx("listing subscriptions")?);
        }
        Ok(subs
            .into_iter()
            .map(|s| {
                let l = lists.remove(&s.id).unwrap_or_default();
                (s, l)
            })
            .collect())
    }

    /// Bulk import in one transaction: each (normalized address, state, lists) is inserted
    /// unless the address exists (an existing subscriber keeps its state; a `confirmed` import
    /// upgrades only `pending` rows), and its lists are added. Returns (created, existing).
    pub async fn import_subscribers(
        &self,
        rows: &[(String, SubscriberState, Vec<String>)],
        now: i64,
    ) -> Result<(u64, u64)> {
        let _w = self.write_guard().await;
        let (mut created, mut existing) = (0u64, 0u64);
        for chunk in rows.chunks(1000) {
            let mut tx = self.pool().begin().await.ctx("importing subscribers")?;
            for (email, state, lists) in chunk {
                let email = crate::queries::clean(email);
                let confirmed_at = (*state == SubscriberState::Confirmed).then_some(now);
                let new = sqlx::query(&self.sql(
                    "INSERT INTO subscribers (email, state, created_at, confirmed_at, pending_expires, updated_at) \
                     VALUES ($1, $2, $3, $4, NULL, $3) ON CONFLICT (email) DO NOTHING RETURNING id",
                ))
                .bind(email.as_ref())
                .bind(state.as_str())
                .bind(now)
                .bind(confirmed_at)
                .fetch_optional(&mut *tx)
                .await
                .ctx("importing subscribers")?;
                let id: i64 = match new {
                    Some(r) => {
                        created += 1;
                        r.try_get("id").ctx("importing subscribers")?
                    }
                    None => {
                        existing += 1;
                        if *state == SubscriberState::Confirmed {
                            sqlx::query(&self.sql(
                                "UPDATE subscribers SET state = 'confirmed', confirmed_at = COALESCE(confirmed_at, $1), \
                                 pending_expires = NULL, updated_at = $1 WHERE email = $2 AND state = 'pending'",
                            ))
                            .bind(now)
                            .bind(email.as_ref())
                            .execute(&mut *tx)
                            .await
                            .ctx("importing subscribers")?;
                        }
                        sqlx::query(&self.sql("SELECT id FROM subscribers WHERE email = $1"))
                            .bind(email.as_ref())
                            .fetch_one(&mut *tx)
                            .await
                            .ctx("importing subscribers")?
                            .try_get("id")
                            .ctx("importing subscribers")?
                    }
                };
                for l in lists {
                    sqlx::query(&self.sql(
                        "INSERT INTO subscriptions (subscriber_id, list, created_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (subscriber_id, list) DO NOTHING",
                    ))
                    .bind(id)
                    .bind(l.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .ctx("importing subscribers")?;
                }
            }
            tx.commit().await.ctx("importing subscribers")?;
        }
        Ok((created, existing))
    }

    /// Subscribers of `list` per state (`confirmed`, `pending`, `unsubscribed`, `suppressed`),
    /// for the admin's list statistics.
    pub async fn subscriber_counts(&self, list: &str) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(&self.sql(
            "SELECT s.state AS state, COUNT(*) AS n FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id \
             WHERE t.list = $1 GROUP BY s.state ORDER BY s.state",
        ))
        .bind(list)
        .fetch_all(self.pool())
        .await
        .ctx("counting subscribers")?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("state").ctx("counting subscribers")?,
                    r.try_get("n").ctx("counting subscribers")?,
                ))
            })
            .collect()
    }

    /// Confirmed subscribers of `list`.
    pub async fn count_confirmed(&self, list: &str) -> Result<i64> {
        let row = sqlx::query(&self.sql(
            "SELECT COUNT(*) AS n FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id \
             WHERE t.list = $1 AND s.state = 'confirmed'",
        ))
        .bind(list)
        .fetch_one(self.pool())
        .await
        .ctx("counting subscribers")?;
        row.try_get("n").ctx("counting subscribers")
    }

    /// Records a rate-limited event under `key` at `now` unless `max` events already happened
    /// in the last `window_secs`; returns whether it was allowed. Old events are pruned.
    pub async fn rate_event(
        &self,
        key: &str,
        max: i64,
        window_secs: i64,
        now: i64,
    ) -> Result<bool> {
        let _w = self.write_guard().await;
        let mut tx = self.pool().begin().await.ctx("rate limiting")?;
        sqlx::query(&self.sql("DELETE FROM signup_events WHERE key = $1 AND at <= $2"))
            .bind(key)
            .bind(now - window_secs)
            .execute(&mut *tx)
            .await
            .ctx("rate limiting")?;
        let n: i64 =
            sqlx::query(&self.sql("SELECT COUNT(*) AS n FROM signup_events WHERE key = $1"))
                .bind(key)
                .fetch_one(&mut *tx)
                .await
                .ctx("rate limiting")?
                .try_get("n")
                .ctx("rate limiting")?;
        if n >= max {
            tx.commit().await.ctx("rate limiting")?;
            return Ok(false);
        }
        sqlx::query(&self.sql("INSERT INTO signup_events (key, at) VALUES ($1, $2)"))
            .bind(key)
            .bind(now)
            .execute(&mut *tx)
            .await
            .ctx("rate limiting")?;
        tx.commit().await.ctx("rate limiting")?;
        Ok(true)
    }

    // ----- issues and the ledger ---------------------------------------------------------

    /// Creates the issue of `edition_id` for `list`, or returns the existing one (an edition
    /// is sent to a list at most once). The flag tells whether it was created now.
    pub async fn create_issue(
        &self,
        list: &str,
        edition_id: i64,
        subject: &str,
        now: i64,
    ) -> Result<(IssueRow, bool)> {
        let created = {
            let _w = self.write_guard().await;
            sqlx::query(&self.sql(
                "INSERT INTO newsletter_issues (list, edition_id, subject, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (list, edition_id) DO NOTHING RETURNING id",
            ))
            .bind(list)
            .bind(edition_id)
            .bind(crate::queries::clean(subject).as_ref())
            .bind(now)
            .fetch_optional(self.pool())
            .await
            .ctx("creating issue")?
            .is_some()
        };
        let row = sqlx::query(&self.sql(
            "SELECT id, list, edition_id, subject, created_at FROM newsletter_issues WHERE list = $1 AND edition_id = $2",
        ))
        .bind(list)
        .bind(edition_id)
        .fetch_one(self.pool())
        .await
        .ctx("reading issue")?;
        Ok((issue_from_row(&row)?, created))
    }

    /// One issue by id.
    pub async fn issue(&self, id: i64) -> Result<Option<IssueRow>> {
        let row = sqlx::query(&self.sql(
            "SELECT id, list, edition_id, subject, created_at FROM newsletter_issues WHERE id = $1",
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .ctx("reading issue")?;
        row.as_ref().map(issue_from_row).transpose()
    }

    /// Issues that still have open ledger rows (queued or sending), oldest first: what a
    /// scheduler resumes after a crash or a relay outage.
    pub async fn issues_with_open_sends(&self) -> Result<Vec<IssueRow>> {
        let rows = sqlx::query(
            "SELECT id, list, edition_id, subject, created_at FROM newsletter_issues i WHERE EXISTS \
             (SELECT 1 FROM send_ledger l WHERE l.issue_id = i.id AND l.state IN ('queued', 'sending')) \
             ORDER BY id",
        )
        .fetch_all(self.pool())
        .await
        .ctx("listing open issues")?;
        rows.iter().map(issue_from_row).collect()
    }

    /// The newest issue of a list.
    pub async fn latest_issue(&self, list: &str) -> Result<Option<IssueRow>> {
        let row = sqlx::query(&self.sql(
            "SELECT id, list, edition_id, subject, created_at FROM newsletter_issues WHERE list = $1 \
             ORDER BY created_at DESC, id DESC LIMIT 1",
        ))
        .bind(list)
        .fetch_optional(self.pool())
        .await
        .ctx("reading issue")?;
        row.as_ref().map(issue_from_row).transpose()
    }

    /// Adds a `queued` ledger row for every confirmed subscriber of the issue's list that has
    /// none yet. Idempotent; returns the number of rows added.
    pub async fn enqueue_issue(&self, issue_id: i64, now: i64) -> Result<u64> {
        let _w = self.write_guard().await;
        let r = sqlx::query(&self.sql(
            "INSERT INTO send_ledger (issue_id, subscriber_id, state, attempts, next_attempt_at, updated_at) \
             SELECT i.id, s.id, 'queued', 0, $2, $2 FROM newsletter_issues i \
             JOIN subscriptions t ON t.list = i.list JOIN subscribers s ON s.id = t.subscriber_id \
             WHERE i.id = $1 AND s.state = 'confirmed' \
             ON CONFLICT (issue_id, subscriber_id) DO NOTHING",
        ))
        .bind(issue_id)
        .bind(now)
        .execute(self.pool())
        .await
        .ctx("enqueueing issue")?;
        Ok(r.rows_affected())
    }

    /// Claims up to `limit` ledger rows of `issue_id` for `worker` under a lease of
    /// `lease_secs`: queued rows due by `now`, and `sending` rows whose lease expired (their
    /// sender died). Each claim counts an attempt. Concurrent claimers never get the same row
    /// (`FOR UPDATE SKIP LOCKED` on PostgreSQL; a single writer on SQLite).
    pub async fn claim_sends(
        &self,
        issue_id: i64,
        worker: &str,
        limit: i64,
        lease_secs: i64,
        now: i64,
    ) -> Result<Vec<SendRow>> {
        if limit <= 0 {
            return Ok(Vec::new());
        }
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = self.sql(&format!(
            "UPDATE send_ledger SET state = 'sending', attempts = attempts + 1, lease_until = $1 + $2, worker = $3, updated_at = $1 \
             WHERE id IN (SELECT id FROM send_ledger WHERE issue_id = $5 AND \
               ((state = 'queued' AND next_attempt_at <= $1) OR (state = 'sending' AND lease_until < $1)) \
               ORDER BY id LIMIT $4{lock}) RETURNING id"
        ));
        let ids: Vec<i64> = {
            let _w = self.write_guard().await;
            let rows = sqlx::query(&sql)
                .bind(now)
                .bind(lease_secs)
                .bind(worker)
                .bind(limit)
                .bind(issue_id)
                .fetch_all(self.pool())
                .await
                .ctx("claiming sends")?;
            rows.iter()
                .map(|r| r.try_get("id").ctx("claiming sends"))
                .collect::<Result<_>>()?
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = self.sql(&format!(
                "{SEND_SELECT} WHERE l.id IN ({}) ORDER BY l.id",
                params.join(", ")
            ));
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            let rows = q
                .fetch_all(self.pool())
                .await
                .ctx("reading claimed sends")?;
            for r in &rows {
                out.push(send_from_row(r)?);
            }
        }
        Ok(out)
    }

    /// Extends the lease of every row `worker` is sending (a heartbeat); returns how many.
    pub async fn extend_send_leases(&self, worker: &str, lease_secs: i64, now: i64) -> Result<u64> {
        let _w = self.write_guard().await;
        let r = sqlx::query(&self.sql(
            "UPDATE send_ledger SET lease_until = $1 + $2 WHERE worker = $3 AND state = 'sending'",
        ))
        .bind(now)
        .bind(lease_secs)
        .bind(worker)
        .execute(self.pool())
        .await
        .ctx("extending send leases")?;
        Ok(r.rows_affected())
    }

    /// Marks a row sent (the server accepted the message).
    pub async fn mark_sent(&self, id: i64, now: i64) -> Result<()> {
        self.finish_send(id, SendState::Sent, None, now).await
    }

    /// Marks a row permanently failed with `error`.
    pub async fn mark_send_failed(&self, id: i64, error: &str, now: i64) -> Result<()> {
        self.finish_send(id, SendState::Failed, Some(error), now)
            .await
    }

    /// Marks a row skipped because its subscriber is no longer deliverable.
    pub async fn mark_send_suppressed(&self, id: i64, now: i64) -> Result<()> {
        self.finish_send(id, SendState::Suppressed, None, now).await
    }

    async fn finish_send(
        &self,
        id: i64,
        state: SendState,
        error: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let sent_at = (state == SendState::Sent).then_some(now);
        let _w = self.write_guard().await;
        let r = sqlx::query(&self.sql(
            "UPDATE send_ledger SET state = $1, last_error = COALESCE($2, last_error), sent_at = $3, \
             lease_until = NULL, worker = NULL, updated_at = $4 WHERE id = $5",
        ))
        .bind(state.as_str())
        .bind(error)
        .bind(sent_at)
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await
        .ctx("updating send row")?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("send row {id}")));
        }
        Ok(())
    }

    /// Records a transient failure: the row is queued again at `retry_at`, or marked failed
    /// when `max_attempts` are used up. Returns the new state.
    pub async fn retry_send(
        &self,
        id: i64,
        error: &str,
        retry_at: i64,
        max_attempts: i64,
        now: i64,
    ) -> Result<SendState> {
        let _w = self.write_guard().await;
        let r = sqlx::query(&self.sql(
            "UPDATE send_ledger SET state = CASE WHEN attempts >= $1 THEN 'failed' ELSE 'queued' END, \
             last_error = $2, next_attempt_at = $3, lease_until = NULL, worker = NULL, updated_at = $4 \
             WHERE id = $5 RETURNING state",
        ))
        .bind(max_attempts)
        .bind(error)
        .bind(retry_at)
        .bind(now)
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .ctx("retrying send row")?
        .ok_or_else(|| StoreError::NotFound(format!("send row {id}")))?;
        let s: String = r.try_get("state").ctx("retrying send row")?;
        SendState::parse(&s).ok_or_else(|| corrupt("send_ledger", format!("state {s:?}")))
    }

    /// Puts a claimed row back in the queue at `retry_at` without spending the attempt (the
    /// failure was not the recipient's: relay unreachable, graceful shutdown).
    pub async fn requeue_send(&self, id: i64, error: &str, retry_at: i64, now: i64) -> Result<()> {
        let _w = self.write_guard().await;
        let r = sqlx::query(&self.sql(
            "UPDATE send_ledger SET state = 'queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, \
             last_error = $1, next_attempt_at = $2, lease_until = NULL, worker = NULL, updated_at = $3 \
             WHERE id = $4 AND state = 'sending'",
        ))
        .bind(error)
        .bind(retry_at)
        .bind(now)
        .bind(id)
        .execute(self.pool())
        .await
        .ctx("requeueing send row")?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("sending row {id}")));
        }
        Ok(())
    }

    /// Ledger counts per state for an issue.
    pub async fn ledger_counts(&self, issue_id: i64) -> Result<LedgerCounts> {
        self.count_ledger(Some(issue_id)).await
    }

    /// Counts of ledger rows per state over every issue (the durable "emails sent" figure
    /// behind `/metrics`, whichever process sent them).
    pub async fn ledger_totals(&self) -> Result<LedgerCounts> {
        self.count_ledger(None).await
    }

    async fn count_ledger(&self, issue_id: Option<i64>) -> Result<LedgerCounts> {
        let filter = if issue_id.is_some() {
            " WHERE issue_id = $1"
        } else {
            ""
        };
        let sql = self.sql(&format!(
            "SELECT state, COUNT(*) AS n FROM send_ledger{filter} GROUP BY state"
        ));
        let mut q = sqlx::query(&sql);
        if let Some(id) = issue_id {
            q = q.bind(id);
        }
        let rows = q.fetch_all(self.pool()).await.ctx("counting ledger")?;
        let mut c = LedgerCounts::default();
        for r in &rows {
            let s: String = r.try_get("state").ctx("counting ledger")?;
            let n: i64 = r.try_get("n").ctx("counting ledger")?;
            match SendState::parse(&s) {
                Some(SendState::Queued) => c.queued = n,
                Some(SendState::Sending) => c.sending = n,
                Some(SendState::Sent) => c.sent = n,
                Some(SendState::Failed) => c.failed = n,
                Some(SendState::Suppressed) => c.suppressed = n,
                None => return Err(corrupt("send_ledger", format!("state {s:?}"))),
            }
        }
        Ok(c)
    }

    /// Every ledger row of an issue, by id.
    pub async fn ledger_rows(&self, issue_id: i64) -> Result<Vec<SendRow>> {
        let rows = sqlx::query(&self.sql(&format!(
            "{SEND_SELECT} WHERE l.issue_id = $1 ORDER BY l.id"
        )))
        .bind(issue_id)
        .fetch_all(self.pool())
        .await
        .ctx("listing ledger")?;
        rows.iter().map(send_from_row).collect()
    }

    /// The earliest time an open row of the issue becomes claimable (next retry or lease
    /// expiry), if any row is open.
    pub async fn next_send_due(&self, issue_id: i64) -> Result<Option<i64>> {
        let row = sqlx::query(&self.sql(
            "SELECT MIN(CASE WHEN state = 'queued' THEN next_attempt_at ELSE lease_until + 1 END) AS t \
             FROM send_ledger WHERE issue_id = $1 AND state IN ('queued', 'sending')",
        ))
        .bind(issue_id)
        .fetch_one(self.pool())
        .await
        .ctx("reading next due send")?;
        row.try_get::<Option<i64>, _>("t")
            .ctx("reading next due send")
    }

    /// Records what an inbound message said about `email` (`kind`: `hard`, `soft`,
    /// `complaint`, `delivered`, `unsubscribe`). `message_key` identifies the message (a hash
    /// of its bytes): the same message recorded twice adds nothing. Returns whether a row was
    /// added.
    pub async fn record_bounce_event(
        &self,
        email: &str,
        kind: &str,
        at: i64,
        message_key: &str,
        detail: &str,
    ) -> Result<bool> {
        let _w = self.write_guard().await;
        let r = sqlx::query(&self.sql(
            "INSERT INTO bounce_events (email, kind, at, message_key, detail) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (message_key, email) DO NOTHING",
        ))
        .bind(email)
        .bind(kind)
        .bind(at)
        .bind(message_key)
        .bind(detail)
        .execute(self.pool())
        .await
        .ctx("recording bounce event")?;
        Ok(r.rows_affected() > 0)
    }

    /// The inbound events of `email` at or after `since`, oldest first: `(kind, at)`.
    pub async fn bounce_events(&self, email: &str, since: i64) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(&self.sql(
            "SELECT kind, at FROM bounce_events WHERE email = $1 AND at >= $2 ORDER BY at, id",
        ))
        .bind(email)
        .bind(since)
        .fetch_all(self.pool())
        .await
        .ctx("listing bounce events")?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>("kind")
                        .ctx("listing bounce events")?,
                    r.try_get::<i64, _>("at").ctx("listing bounce events")?,
                ))
            })
            .collect()
    }
}

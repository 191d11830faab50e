//! Sending an issue through the send ledger.
//!
//! [`prepare_issue`] creates the issue of a list's latest edition (once per list and
//! edition) and adds a ledger row for every confirmed subscriber. [`Sender::send_issue`] then
//! claims rows in batches under a lease, renders each message, sends it over SMTP with at most
//! `concurrency` messages in flight and at most `rate_per_sec` messages started per second,
//! and records the outcome of each row as soon as the server answers:
//!
//! - `250` → `sent`;
//! - transient `4xx` (421, 450, 451, 452, …) → `queued` again after an exponential backoff
//!   (`retry_base_secs · 2^(attempt-1)`, capped at `retry_max_secs`), `failed` once
//!   `max_attempts` are used;
//! - permanent `5xx` → `failed`; mailbox-level codes (550, 551, 553) also suppress the
//!   subscriber so later issues skip them (message-level codes such as 552/554 do not: the
//!   fault is the message, not the reader);
//! - no answer at all (connection refused, TLS failure, timeout) → `queued` again without
//!   spending an attempt, and after `max_connection_failures` in a row the run stops with
//!   [`NewsletterError::Smtp`]: a relay outage never marks readers failed.
//!
//! # Crash safety
//!
//! A row is `sending` only while a sender holds its lease, which a heartbeat renews every
//! `lease_secs / 3`. If the process is killed (even `kill -9`), its rows stay `sending` until
//! the lease runs out; the next run — of any process — claims them again, so **no recipient is
//! skipped**. A message is sent twice only when the server had accepted it but the sender died
//! before recording `sent`: that window holds at most the messages in flight, so **duplicates
//! per crash ≤ `concurrency`** (the rows claimed but not yet started are simply sent once after
//! the restart). Every copy carries the same `Message-ID` (derived from issue and subscriber
//! ids, [`super::render::message_id`]), so receivers and the bounce processor can de-duplicate.

use super::pool::SmtpPool;
use super::render::{self, IssueContent, IssueTemplate};
use super::token::Signer;
use super::{NewsletterConfig, NewsletterError, Result};
use chrono::Utc;
use roundup_store::{IssueRow, SendRow, SendState, Store, SubscriberState};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Semaphore};
use tokio::task::JoinSet;

/// Default of [`DeliveryConfig::max_connection_failures`].
pub const MAX_CONNECTION_FAILURES: u64 = 20;

/// Pacing, leases and retries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    /// Messages started per second (0 = unlimited).
    pub rate_per_sec: f64,
    /// Messages in flight at once (also the bound on duplicates after a crash).
    pub concurrency: usize,
    /// Rows claimed per batch.
    pub batch: i64,
    /// Lease of claimed rows, renewed while the sender lives.
    pub lease_secs: i64,
    /// Attempts per recipient before a transient failure becomes permanent.
    pub max_attempts: i64,
    /// First retry delay.
    pub retry_base_secs: i64,
    /// Longest retry delay.
    pub retry_max_secs: i64,
    /// Keep running until every row is final, sleeping until retries fall due (otherwise a
    /// run ends when nothing is claimable now).
    pub wait_for_retries: bool,
    /// Connection-level failures in a row (relay down, TLS or AUTH refused) that stop a run.
    pub max_connection_failures: u64,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            rate_per_sec: 50.0,
            concurrency: 8,
            batch: 200,
            lease_secs: 60,
            max_attempts: 5,
            retry_base_secs: 60,
            retry_max_secs: 3600,
            wait_for_retries: true,
            max_connection_failures: MAX_CONNECTION_FAILURES,
        }
    }
}

impl DeliveryConfig {
    /// Checks the ranges.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(NewsletterError::Config(format!("delivery: {m}")));
        if !(self.rate_per_sec >= 0.0 && self.rate_per_sec.is_finite()) {
            return bad("rate_per_sec must be ≥ 0");
        }
        if self.concurrency == 0 || self.concurrency > 1024 {
            return bad("concurrency must be 1..=1024");
        }
        if self.batch <= 0
            || self.lease_secs < 2
            || self.max_attempts <= 0
            || self.max_connection_failures == 0
        {
            return bad(
                "batch, max_attempts, max_connection_failures must be > 0 and lease_secs ≥ 2",
            );
        }
        if self.retry_base_secs < 0 || self.retry_max_secs < self.retry_base_secs {
            return bad("retry_base_secs ≤ retry_max_secs, both ≥ 0");
        }
        Ok(())
    }

    /// Delay before retry number `attempt` (1-based).
    pub fn backoff(&self, attempt: i64) -> i64 {
        let exp = (attempt.max(1) - 1).min(30) as u32;
        self.retry_base_secs
            .saturating_mul(1i64 << exp)
            .min(self.retry_max_secs)
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SendReport {
    /// Issue id.
    pub issue_id: i64,
    /// Messages the server accepted in this run.
    pub sent: u64,
    /// Rows marked failed in this run.
    pub failed: u64,
    /// Rows skipped (subscriber no longer confirmed) in this run.
    pub suppressed: u64,
    /// Transient failures scheduled for a retry in this run.
    pub retried: u64,
    /// Rows still open (queued or sending) when the run ended.
    pub remaining: i64,
    /// Wall time in seconds.
    pub elapsed_secs: f64,
}

/// Creates (or finds) the issue of the latest edition of `list_id`'s edition kind and queues
/// every confirmed subscriber. `None` when no edition of that kind exists.
pub async fn prepare_issue(
    store: &Store,
    cfg: &NewsletterConfig,
    list_id: &str,
) -> Result<Option<IssueRow>> {
    let list = cfg.list(list_id)?;
    let Some(edition) = store.latest_edition(&list.edition_kind).await? else {
        return Ok(None);
    };
    let content = IssueContent::from_edition(&edition)?;
    let now = Utc::now().timestamp();
    let (issue, _) = store
        .create_issue(&list.id, edition.id, &content.title, now)
        .await?;
    store.enqueue_issue(issue.id, now).await?;
    Ok(Some(issue))
}

/// Spaces message starts `1 / rate` seconds apart.
struct Pacer {
    interval: Option<Duration>,
    next: Mutex<Instant>,
}

impl Pacer {
    fn new(rate: f64) -> Pacer {
        Pacer {
            interval: (rate > 0.0).then(|| Duration::from_secs_f64(1.0 / rate)),
            next: Mutex::new(Instant::now()),
        }
    }

    async fn wait(&self) {
        let Some(iv) = self.interval else { return };
        let at = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let at = (*next).max(now);
            *next = at + iv;
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    failed: AtomicU64,
    suppressed: AtomicU64,
    retried: AtomicU64,
    conn_failures_in_row: AtomicU64,
    last_conn_error: Mutex<String>,
}

pub use super::pool::Outcome;

/// Sends issues for one worker identity.
#[derive(Clone)]
pub struct Sender {
    store: Store,
    cfg: Arc<NewsletterConfig>,
    signer: Signer,
    smtp: Arc<SmtpPool>,
    dkim: Option<Arc<lettre::message::dkim::DkimConfig>>,
    worker: String,
    stop: Option<Arc<std::sync::atomic::AtomicBool>>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("worker", &self.worker)
            .finish_non_exhaustive()
    }
}

impl Sender {
    /// A sender over `store` using the SMTP relay, DKIM key and secret of `cfg`.
    pub fn new(store: Store, cfg: NewsletterConfig) -> Result<Sender> {
        cfg.delivery.validate()?;
        let signer = Signer::new(cfg.secret.as_bytes())?;
        let smtp = SmtpPool::new(&cfg.smtp)?;
        let dkim = match &cfg.dkim {
            Some(d) => Some(Arc::new(d.load()?)),
            None => None,
        };
        let worker = roundup_store::lease_holder();
        Ok(Sender {
            store,
            cfg: Arc::new(cfg),
            signer,
            smtp,
            dkim,
            worker,
            stop: None,
        })
    }

    /// Stops a run soon after `stop` becomes true (graceful shutdown): no new row is started,
    /// messages in flight finish and are recorded, claimed rows not started go back to the
    /// queue without spending an attempt. The run then returns its report normally.
    pub fn with_stop(mut self, stop: Arc<std::sync::atomic::AtomicBool>) -> Self {
        self.stop = Some(stop);
        self
    }

    fn stopping(&self) -> bool {
        self.stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    }

    /// Uses this DKIM configuration instead of the configured one.
    pub fn with_dkim(mut self, dkim: lettre::message::dkim::DkimConfig) -> Self {
        self.dkim = Some(Arc::new(dkim));
        self
    }

    /// The worker identity written into leases.
    pub fn worker(&self) -> &str {
        &self.worker
    }

    /// Sends every open row of `issue` (see the module docs for the semantics).
    pub async fn send_issue(&self, issue: &IssueRow) -> Result<SendReport> {
        let started = Instant::now();
        let list = self.cfg.list(&issue.list)?.clone();
        let edition = self.store.edition(issue.edition_id).await?.ok_or_else(|| {
            NewsletterError::Edition {
                id: issue.edition_id,
                detail: "not found".into(),
            }
        })?;
        let content = IssueContent::from_edition(&edition)?;
        let template = Arc::new(IssueTemplate::new(&self.cfg, &list, issue.id, &content)?);
        let d = self.cfg.delivery.clone();
        let counters = Arc::new(Counters::default());
        let pacer = Arc::new(Pacer::new(d.rate_per_sec));
        let sem = Arc::new(Semaphore::new(d.concurrency));

        // Heartbeat: keep our leases alive while we run.
        let hb = {
            let store = self.store.clone();
            let worker = self.worker.clone();
            let lease = d.lease_secs;
            tokio::spawn(async move {
                let every = Duration::from_secs_f64((lease as f64 / 3.0).max(0.5));
                loop {
                    tokio::time::sleep(every).await;
                    if let Err(e) = store
                        .extend_send_leases(&worker, lease, Utc::now().timestamp())
                        .await
                    {
                        tracing::warn!(error = %e, "extending send leases");
                    }
                }
            })
        };

        let result = self
            .run(issue, &list.id, template, &d, &counters, &pacer, &sem)
            .await;
        hb.abort();
        let counts = self.store.ledger_counts(issue.id).await?;
        result?;
        Ok(SendReport {
            issue_id: issue.id,
            sent: counters.sent.load(Ordering::Relaxed),
            failed: counters.failed.load(Ordering::Relaxed),
            suppressed: counters.suppressed.load(Ordering::Relaxed),
            retried: counters.retried.load(Ordering::Relaxed),
            remaining: counts.open(),
            elapsed_secs: started.elapsed().as_secs_f64(),
        })
    }

    #[allow(clippy::too_many_arguments)]
    async fn run(
        &self,
        issue: &IssueRow,
        list_id: &str,
        template: Arc<IssueTemplate>,
        d: &DeliveryConfig,
        counters: &Arc<Counters>,
        pacer: &Arc<Pacer>,
        sem: &Arc<Semaphore>,
    ) -> Result<()> {
        let mut tasks: JoinSet<Result<()>> = JoinSet::new();
        loop {
            if self.stopping() {
                while let Some(r) = tasks.join_next().await {
                    flatten(r)?;
                }
                return Ok(());
            }
            if counters.conn_failures_in_row.load(Ordering::Relaxed) >= d.max_connection_failures {
                while let Some(r) = tasks.join_next().await {
                    let _ = r;
                }
                return Err(NewsletterError::Smtp(format!(
                    "relay {}:{} unavailable ({} connection failures in a row, last: {}); \
                     the remaining rows stay queued",
                    self.cfg.smtp.host,
                    self.cfg.smtp.effective_port(),
                    d.max_connection_failures,
                    counters.last_conn_error.lock().await.clone()
                )));
            }
            let now = Utc::now().timestamp();
            let rows = self
                .store
                .claim_sends(issue.id, &self.worker, d.batch, d.lease_secs, now)
                .await?;
            if rows.is_empty() {
                // Let our own in-flight rows finish before deciding.
                while let Some(r) = tasks.join_next().await {
                    flatten(r)?;
                }
                if counters.conn_failures_in_row.load(Ordering::Relaxed) >= MAX_CONNECTION_FAILURES
                {
                    continue;
                }
                let counts = self.store.ledger_counts(issue.id).await?;
                if counts.open() == 0 || !d.wait_for_retries {
                    return Ok(());
                }
                let due = self.store.next_send_due(issue.id).await?.unwrap_or(now + 1);
                let wait = (due - Utc::now().timestamp()).clamp(0, 5) as f64;
                tokio::time::sleep(Duration::from_secs_f64(wait.max(0.2))).await;
                continue;
            }
            for row in rows {
                if self.stopping() {
                    let now = Utc::now().timestamp();
                    self.store
                        .requeue_send(row.id, "sender stopped", now, now)
                        .await?;
                    continue;
                }
                if counters.conn_failures_in_row.load(Ordering::Relaxed)
                    >= d.max_connection_failures
                {
                    // The relay is gone: hand the rest of the batch back untouched.
                    let now = Utc::now().timestamp();
                    self.store
                        .requeue_send(row.id, "relay unavailable", now + 1, now)
                        .await?;
                    continue;
                }
                let permit = sem.clone().acquire_owned().await.expect("semaphore open");
                pacer.wait().await;
                let this = self.clone();
                let template = template.clone();
                let counters = counters.clone();
                let list_id = list_id.to_string();
                let d = d.clone();
                tasks.spawn(async move {
                    let _permit = permit;
                    this.deliver_one(&row, &list_id, &template, &d, &counters)
                        .await
                });
                // Reap finished tasks so errors surface early and memory stays flat.
                while let Some(r) = tasks.try_join_next() {
                    flatten(r)?;
                }
            }
        }
    }

    async fn deliver_one(
        &self,
        row: &SendRow,
        list_id: &str,
        template: &IssueTemplate,
        d: &DeliveryConfig,
        counters: &Counters,
    ) -> Result<()> {
        let now = Utc::now();
        if row.subscriber_state != SubscriberState::Confirmed {
            self.store
                .mark_send_suppressed(row.id, now.timestamp())
                .await?;
            counters.suppressed.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
        let links = render::links(&self.cfg, &self.signer, row.subscriber_id, list_id, now)?;
        let mut msg = match template.message(row.subscriber_id, &row.email, &links, now) {
            Ok(m) => m,
            Err(e) => {
                self.store
                    .mark_send_failed(row.id, &e.to_string(), now.timestamp())
                    .await?;
                counters.failed.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            }
        };
        if let Some(k) = &self.dkim {
            msg.sign(k);
        }
        let outcome = self.smtp.send(msg.envelope(), &msg.formatted()).await;
        let done = Utc::now().timestamp();
        match outcome {
            Outcome::Sent => {
                self.store.mark_sent(row.id, done).await?;
                counters.sent.fetch_add(1, Ordering::Relaxed);
                counters.conn_failures_in_row.store(0, Ordering::Relaxed);
            }
            Outcome::Transient(err) => {
                counters.conn_failures_in_row.store(0, Ordering::Relaxed);
                let st = self
                    .store
                    .retry_send(
                        row.id,
                        &err,
                        done + d.backoff(row.attempts),
                        d.max_attempts,
                        done,
                    )
                    .await?;
                if st == SendState::Failed {
                    counters.failed.fetch_add(1, Ordering::Relaxed);
                } else {
                    counters.retried.fetch_add(1, Ordering::Relaxed);
                }
            }
            Outcome::Permanent { error, suppress } => {
                counters.conn_failures_in_row.store(0, Ordering::Relaxed);
                self.store.mark_send_failed(row.id, &error, done).await?;
                if suppress {
                    self.store.suppress_email(&row.email, done).await?;
                }
                counters.failed.fetch_add(1, Ordering::Relaxed);
            }
            Outcome::Connection(err) => {
                counters
                    .conn_failures_in_row
                    .fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %err, "relay did not take the message; row stays queued");
                *counters.last_conn_error.lock().await = err.clone();
                // Not the reader's fault: no attempt is spent.
                self.store
                    .requeue_send(row.id, &err, done + d.retry_base_secs.min(5), done)
                    .await?;
                counters.retried.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }
}

fn flatten(r: std::result::Result<Result<()>, tokio::task::JoinError>) -> Result<()> {
    match r {
        Ok(x) => x,
        Err(e) => Err(NewsletterError::Message(format!("send task failed: {e}"))),
    }
}

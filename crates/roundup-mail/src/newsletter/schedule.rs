//! The newsletter scheduler: sends each list when its cron schedule comes due, and resumes any
//! interrupted send. `roundup run` / `roundup worker` call [`Scheduler::tick`] every few
//! seconds.
//!
//! A tick:
//! 1. under the store lock [`SCHEDULER_LOCK`] (one process decides at a time), for every list
//!    whose next run after its last run (kept in the store's settings as
//!    `newsletter.last_run.<list>`, unix seconds) is due, creates the issue of the list's latest
//!    edition and queues its confirmed subscribers ([`super::deliver::prepare_issue`]); the
//!    last run becomes now, so runs missed while nothing was running are not replayed one by one.
//!    An issue exists once per (list, edition), so a schedule that fires again before a new
//!    edition is published sends nothing twice. A list seen for the first time counts as last run
//!    an hour ago (a worker started just after 07:00 still sends the 07:00 briefing);
//! 2. sends every issue that has open ledger rows (the new ones, and any left by a crash, a
//!    relay outage or a retry coming due). Any number of processes may do this step at once: the
//!    ledger's leases share the rows out.
//!
//! Each tick also deletes pending sign-ups whose confirmation window has lapsed.
//!
//! Sending within a tick does not wait for retries (a later tick picks them up), so a tick ends
//! when nothing is claimable now.

use super::deliver::{prepare_issue, SendReport, Sender};
use super::{lists, NewsletterConfig, Result};
use chrono::{DateTime, Utc};
use roundup_store::Store;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Name of the lock under which due lists are decided.
pub const SCHEDULER_LOCK: &str = "newsletter-scheduler";
/// How far back a list seen for the first time counts as last run.
pub const FIRST_RUN_GRACE_SECS: i64 = 3600;

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TickReport {
    /// Lists that came due, with the issue prepared (`None`: no edition of its kind yet).
    pub due: Vec<(String, Option<i64>)>,
    /// One report per issue sent in this tick.
    pub sends: Vec<SendReport>,
    /// Another process held the scheduler lock (this tick only helped sending).
    pub lock_busy: bool,
    /// Errors of issues whose send stopped (relay down, …); their rows stay queued.
    pub errors: Vec<String>,
    /// Lapsed pending sign-ups deleted.
    pub expired_pending: u64,
}

impl TickReport {
    /// Messages accepted by the relay in this tick.
    pub fn sent(&self) -> u64 {
        self.sends.iter().map(|r| r.sent).sum()
    }
}

/// Decides due lists and sends (see the module docs).
#[derive(Clone)]
pub struct Scheduler {
    store: Store,
    cfg: NewsletterConfig,
    sender: Sender,
    holder: String,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("holder", &self.holder)
            .finish_non_exhaustive()
    }
}

fn setting_key(list: &str) -> String {
    format!("newsletter.last_run.{list}")
}

impl Scheduler {
    /// A scheduler over `store` sending with `cfg` (retries are left to later ticks).
    pub fn new(store: Store, mut cfg: NewsletterConfig) -> Result<Scheduler> {
        cfg.delivery.wait_for_retries = false;
        let sender = Sender::new(store.clone(), cfg.clone())?;
        let holder = sender.worker().to_string();
        Ok(Scheduler {
            store,
            cfg,
            sender,
            holder,
        })
    }

    /// Stops sends in progress soon after `stop` becomes true ([`Sender::with_stop`]).
    pub fn with_stop(mut self, stop: Arc<AtomicBool>) -> Self {
        self.sender = self.sender.with_stop(stop);
        self
    }

    /// One tick at `now` (see the module docs).
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<TickReport> {
        let mut rep = TickReport::default();
        let t = now.timestamp();
        if self
            .store
            .try_lock(SCHEDULER_LOCK, &self.holder, 300, t)
            .await?
        {
            let r = match self.store.expire_pending_subscribers(t).await {
                Ok(n) => {
                    rep.expired_pending = n;
                    self.prepare_due(now, &mut rep).await
                }
                Err(e) => Err(e.into()),
            };
            if let Err(e) = self.store.unlock(SCHEDULER_LOCK, &self.holder).await {
                tracing::warn!(error = %e, "releasing the scheduler lock (it expires by itself)");
            }
            r?;
        } else {
            rep.lock_busy = true;
        }
        for issue in self.store.issues_with_open_sends().await? {
            match self.sender.send_issue(&issue).await {
                Ok(r) => rep.sends.push(r),
                Err(e) => {
                    tracing::warn!(issue = issue.id, list = %issue.list, error = %e, "newsletter send stopped");
                    rep.errors
                        .push(format!("issue {} ({}): {e}", issue.id, issue.list));
                }
            }
        }
        Ok(rep)
    }

    async fn prepare_due(&self, now: DateTime<Utc>, rep: &mut TickReport) -> Result<()> {
        let t = now.timestamp();
        for list in &self.cfg.lists {
            let key = setting_key(&list.id);
            let last = self
                .store
                .setting(&key)
                .await?
                .and_then(|v| v.trim().parse::<i64>().ok())
                .unwrap_or(t - FIRST_RUN_GRACE_SECS);
            let last = DateTime::from_timestamp(last, 0).unwrap_or(now);
            if lists::next_run(list, last)? > now {
                continue;
            }
            let issue = prepare_issue(&self.store, &self.cfg, &list.id).await?;
            match &issue {
                Some(i) => {
                    tracing::info!(list = %list.id, issue = i.id, "newsletter due: issue queued")
                }
                None => {
                    tracing::warn!(list = %list.id, kind = %list.edition_kind, "newsletter due but no edition of its kind yet")
                }
            }
            self.store.set_setting(&key, &t.to_string()).await?;
            rep.due.push((list.id.clone(), issue.map(|i| i.id)));
        }
        Ok(())
    }
}

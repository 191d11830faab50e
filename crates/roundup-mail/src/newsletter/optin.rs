//! Double opt-in: sign-up, confirmation, one-click unsubscribe and list changes.
//!
//! - [`Optin::signup`] answers the same `Ok(())` whether the address is new, pending,
//!   confirmed, unsubscribed or suppressed, so the form cannot be used to learn who subscribes
//!   (only malformed input and the per-IP limit are reported). New and pending addresses get a
//!   confirmation mail with a signed, expiring [`Purpose::Confirm`] link naming the lists;
//!   confirmed addresses asking for lists they do not have get one too (their state never
//!   changes: a re-subscription never downgrades a confirmed reader); suppressed addresses and
//!   confirmed readers asking for nothing new get no mail.
//! - Pending sign-ups lapse after `pending_ttl_hours` (deleted by the next sign-up or
//!   [`Optin::expire_pending`]).
//! - Rate limits: at most `per_ip_max` sign-ups per IP per `per_ip_window_secs` (refused with
//!   [`OptinError::RateLimited`]) and at most `per_address_max` confirmation mails per address
//!   per `per_address_window_secs` (silently not sent: the answer stays the same).
//! - [`Optin::confirm`] turns the token's lists on; [`Optin::unsubscribe`] (the RFC 8058
//!   one-click POST) removes the token's list and marks the reader `unsubscribed` when no list
//!   is left; [`Optin::change_lists`] replaces the lists with a preferences token.
//!
//! The web crate's `SignupHandler` is adapted by the binary (this crate does not depend on
//! roundup-web): map [`OptinError::Invalid`] and [`OptinError::RateLimited`] to the visible
//! error and everything else to the logged one.

use super::address;
use super::pool::{Outcome, SmtpPool};
use super::render::escape_html;
use super::token::{Claims, Purpose, Signer, TokenError};
use super::{NewsletterConfig, NewsletterError};
use chrono::{DateTime, Duration, Utc};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;
use roundup_store::{Store, SubscriberState};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::sync::Arc;

/// Double opt-in settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OptinConfig {
    /// Hours a pending sign-up (and its confirmation link) stays valid.
    pub pending_ttl_hours: i64,
    /// Sign-ups allowed per IP address per window.
    pub per_ip_max: i64,
    /// Per-IP window in seconds.
    pub per_ip_window_secs: i64,
    /// Confirmation mails allowed per address per window.
    pub per_address_max: i64,
    /// Per-address window in seconds.
    pub per_address_window_secs: i64,
}

impl Default for OptinConfig {
    fn default() -> Self {
        OptinConfig {
            pending_ttl_hours: 48,
            per_ip_max: 20,
            per_ip_window_secs: 3600,
            per_address_max: 3,
            per_address_window_secs: 86_400,
        }
    }
}

/// Errors of the opt-in service.
#[derive(Debug, thiserror::Error)]
pub enum OptinError {
    /// Bad input, safe to show the visitor.
    #[error("{0}")]
    Invalid(String),
    /// Too many sign-ups from this IP, safe to show.
    #[error("{0}")]
    RateLimited(String),
    /// The link is invalid, expired or for something else.
    #[error("invalid link: {0}")]
    Token(#[from] TokenError),
    /// The subscriber of a valid link no longer exists (e.g. a lapsed sign-up).
    #[error("subscription not found (the sign-up may have expired)")]
    NotFound,
    /// Infrastructure failure (store, SMTP): log, do not show.
    #[error(transparent)]
    Internal(#[from] NewsletterError),
}

impl From<roundup_store::StoreError> for OptinError {
    fn from(e: roundup_store::StoreError) -> Self {
        OptinError::Internal(NewsletterError::Store(e))
    }
}

/// The result of a confirmation or list change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    /// Subscriber id.
    pub subscriber_id: i64,
    /// Normalized address.
    pub email: String,
    /// State after the operation.
    pub state: SubscriberState,
    /// Lists after the operation.
    pub lists: Vec<String>,
}

/// The opt-in service.
#[derive(Clone)]
pub struct Optin {
    store: Store,
    cfg: Arc<NewsletterConfig>,
    signer: Signer,
    smtp: Arc<SmtpPool>,
}

impl std::fmt::Debug for Optin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Optin").finish_non_exhaustive()
    }
}

impl Optin {
    /// The service over `store`, mailing through `cfg.smtp`.
    pub fn new(store: Store, cfg: NewsletterConfig) -> Result<Optin, NewsletterError> {
        let signer = Signer::new(cfg.secret.as_bytes())?;
        let smtp = SmtpPool::new(&cfg.smtp)?;
        Ok(Optin {
            store,
            cfg: Arc::new(cfg),
            signer,
            smtp,
        })
    }

    fn check_lists(&self, lists: &[&str]) -> Result<Vec<String>, OptinError> {
        if lists.is_empty() {
            return Err(OptinError::Invalid("Please choose a newsletter.".into()));
        }
        let mut out = Vec::new();
        for l in lists {
            let l = l.trim();
            if self.cfg.list(l).is_err() {
                return Err(OptinError::Invalid(
                    "Please choose one of the newsletters offered.".into(),
                ));
            }
            if !out.iter().any(|x: &String| x == l) {
                out.push(l.to_string());
            }
        }
        out.sort();
        Ok(out)
    }

    /// Starts a subscription of `email` to `lists` (see the module docs). `ip` is the
    /// visitor's address for the per-IP limit, when known.
    pub async fn signup(
        &self,
        email: &str,
        lists: &[&str],
        ip: Option<IpAddr>,
    ) -> Result<(), OptinError> {
        self.signup_at(email, lists, ip, Utc::now()).await
    }

    /// [`Optin::signup`] at a given time (tests).
    pub async fn signup_at(
        &self,
        email: &str,
        lists: &[&str],
        ip: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<(), OptinError> {
        let email = address::normalize(email)
            .map_err(|_| OptinError::Invalid("Please enter a valid email address.".into()))?;
        let lists = self.check_lists(lists)?;
        let o = &self.cfg.optin;
        let t = now.timestamp();
        if let Some(ip) = ip {
            if !self
                .store
                .rate_event(&format!("ip:{ip}"), o.per_ip_max, o.per_ip_window_secs, t)
                .await?
            {
                return Err(OptinError::RateLimited(
                    "Too many sign-ups from your network; please try again later.".into(),
                ));
            }
        }
        self.store.expire_pending_subscribers(t).await?;
        let expires = t + o.pending_ttl_hours * 3600;
        let (sub, created) = self
            .store
            .insert_subscriber(&email, SubscriberState::Pending, Some(expires), t)
            .await?;
        let ask: Vec<String> = match sub.state {
            SubscriberState::Suppressed => Vec::new(),
            SubscriberState::Confirmed => {
                let have = self.store.subscriptions_of(sub.id).await?;
                lists.into_iter().filter(|l| !have.contains(l)).collect()
            }
            SubscriberState::Pending => {
                if !created {
                    self.store
                        .set_subscriber_state(sub.id, SubscriberState::Pending, Some(expires), t)
                        .await?;
                }
                lists
            }
            SubscriberState::Unsubscribed => lists,
        };
        if ask.is_empty() {
            return Ok(());
        }
        if !self
            .store
            .rate_event(
                &format!("addr:{email}"),
                o.per_address_max,
                o.per_address_window_secs,
                t,
            )
            .await?
        {
            tracing::info!("confirmation mail rate limit reached for one address");
            return Ok(());
        }
        let token = self.signer.sign(&Claims {
            subscriber_id: sub.id as u64,
            list: ask.join(","),
            purpose: Purpose::Confirm,
            expires_at: now + Duration::hours(o.pending_ttl_hours),
        })?;
        self.send_confirmation(&email, &ask, &token, now).await?;
        Ok(())
    }

    async fn send_confirmation(
        &self,
        email: &str,
        lists: &[String],
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<(), NewsletterError> {
        let link = format!("{}/confirm?token={token}", self.cfg.base());
        let names: Vec<String> = lists
            .iter()
            .map(|l| {
                self.cfg
                    .list(l)
                    .map(|c| c.name.clone())
                    .unwrap_or(l.clone())
            })
            .collect();
        let names = names.join(", ");
        let hours = self.cfg.optin.pending_ttl_hours;
        let text = format!(
            "Please confirm your subscription to {names}.\n\nConfirm: {link}\n\n\
             The link works for {hours} hours. If you did not ask for this, ignore this mail: \
             you will not be subscribed.\n"
        );
        let html = format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"color-scheme\" content=\"light dark\"></head>\
             <body style=\"font-family:Arial,Helvetica,sans-serif;\"><p>Please confirm your subscription to {n}.</p>\
             <p><a href=\"{l}\">Confirm my subscription</a></p><p style=\"color:#666666;font-size:12px;\">The link works for {hours} hours. \
             If you did not ask for this, ignore this mail: you will not be subscribed.</p></body></html>",
            n = escape_html(&names),
            l = escape_html(&link),
        );
        let from: Mailbox = self
            .cfg
            .from
            .parse()
            .map_err(|e| NewsletterError::Config(format!("from: {e}")))?;
        let to: Mailbox = email
            .parse()
            .map_err(|e| NewsletterError::Message(format!("recipient: {e}")))?;
        let msg = Message::builder()
            .from(from)
            .to(to)
            .subject("Please confirm your subscription")
            .date(now.into())
            .message_id(Some(format!(
                "<confirm-{:016x}@{}>",
                rand::random::<u64>(),
                self.cfg.mail_domain()
            )))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| NewsletterError::Message(e.to_string()))?;
        match self.smtp.send(msg.envelope(), &msg.formatted()).await {
            Outcome::Sent => Ok(()),
            Outcome::Transient(e)
            | Outcome::Connection(e)
            | Outcome::Permanent { error: e, .. } => Err(NewsletterError::Smtp(e)),
        }
    }

    /// Confirms the sign-up of a [`Purpose::Confirm`] token: the reader becomes `confirmed`
    /// (unless suppressed) and gets the token's lists.
    pub async fn confirm(&self, token: &str) -> Result<Subscription, OptinError> {
        self.confirm_at(token, Utc::now()).await
    }

    /// [`Optin::confirm`] at a given time (tests).
    pub async fn confirm_at(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Subscription, OptinError> {
        let c = self.signer.verify(token, Purpose::Confirm, now)?;
        let t = now.timestamp();
        let sub = self
            .store
            .subscriber(c.subscriber_id as i64)
            .await?
            .ok_or(OptinError::NotFound)?;
        if sub.state == SubscriberState::Pending && sub.pending_expires.is_some_and(|e| e < t) {
            return Err(OptinError::NotFound);
        }
        let lists: Vec<&str> = c
            .list
            .split(',')
            .filter(|l| self.cfg.list(l).is_ok())
            .collect();
        if sub.state != SubscriberState::Suppressed {
            self.store.add_subscriptions(sub.id, &lists, t).await?;
            if sub.state != SubscriberState::Confirmed {
                self.store
                    .set_subscriber_state(sub.id, SubscriberState::Confirmed, None, t)
                    .await?;
            }
        }
        self.current(sub.id).await
    }

    async fn current(&self, id: i64) -> Result<Subscription, OptinError> {
        let s = self
            .store
            .subscriber(id)
            .await?
            .ok_or(OptinError::NotFound)?;
        Ok(Subscription {
            subscriber_id: s.id,
            email: s.email,
            state: s.state,
            lists: self.store.subscriptions_of(id).await?,
        })
    }

    /// One-click unsubscribe with a [`Purpose::Unsubscribe`] token (from `List-Unsubscribe`
    /// or the footer): removes the token's list; with no list left the reader is
    /// `unsubscribed`. Idempotent.
    pub async fn unsubscribe(&self, token: &str) -> Result<Subscription, OptinError> {
        self.unsubscribe_at(token, Utc::now()).await
    }

    /// [`Optin::unsubscribe`] at a given time (tests).
    pub async fn unsubscribe_at(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Subscription, OptinError> {
        let c = self.signer.verify(token, Purpose::Unsubscribe, now)?;
        let id = c.subscriber_id as i64;
        let sub = self
            .store
            .subscriber(id)
            .await?
            .ok_or(OptinError::NotFound)?;
        self.store.remove_subscription(id, &c.list).await?;
        if self.store.subscriptions_of(id).await?.is_empty()
            && matches!(
                sub.state,
                SubscriberState::Confirmed | SubscriberState::Pending
            )
        {
            self.store
                .set_subscriber_state(id, SubscriberState::Unsubscribed, None, now.timestamp())
                .await?;
        }
        self.current(id).await
    }

    /// Replaces the reader's lists with a [`Purpose::Preferences`] token. An empty set
    /// unsubscribes; a non-empty set re-activates an unsubscribed reader (the token was mailed
    /// to them, which proves the address). Suppressed readers stay suppressed.
    pub async fn change_lists(
        &self,
        token: &str,
        lists: &[&str],
    ) -> Result<Subscription, OptinError> {
        self.change_lists_at(token, lists, Utc::now()).await
    }

    /// [`Optin::change_lists`] at a given time (tests).
    pub async fn change_lists_at(
        &self,
        token: &str,
        lists: &[&str],
        now: DateTime<Utc>,
    ) -> Result<Subscription, OptinError> {
        let c = self.signer.verify(token, Purpose::Preferences, now)?;
        let id = c.subscriber_id as i64;
        let sub = self
            .store
            .subscriber(id)
            .await?
            .ok_or(OptinError::NotFound)?;
        let lists = if lists.is_empty() {
            Vec::new()
        } else {
            self.check_lists(lists)?
        };
        let refs: Vec<&str> = lists.iter().map(|s| s.as_str()).collect();
        let t = now.timestamp();
        self.store.set_subscriptions(id, &refs, t).await?;
        let next = match (sub.state, lists.is_empty()) {
            (SubscriberState::Suppressed, _) => SubscriberState::Suppressed,
            (_, true) => SubscriberState::Unsubscribed,
            (_, false) => SubscriberState::Confirmed,
        };
        if next != sub.state {
            self.store.set_subscriber_state(id, next, None, t).await?;
        }
        self.current(id).await
    }

    /// Deletes lapsed pending sign-ups; returns how many.
    pub async fn expire_pending(&self) -> Result<u64, OptinError> {
        Ok(self
            .store
            .expire_pending_subscribers(Utc::now().timestamp())
            .await?)
    }
}

/// The preferences page's reads (the web's `GET /preferences?token=`).
impl Optin {
    /// The reader and their current lists for a [`Purpose::Preferences`] token, without
    /// changing anything (the page a preferences link opens; link scanners follow links).
    pub async fn preferences(&self, token: &str) -> Result<Subscription, OptinError> {
        self.preferences_at(token, Utc::now()).await
    }

    /// [`Optin::preferences`] at a given time (tests).
    pub async fn preferences_at(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Subscription, OptinError> {
        let c = self.signer.verify(token, Purpose::Preferences, now)?;
        self.current(c.subscriber_id as i64).await
    }

    /// The newsletter settings the service runs with (the lists offered, their names,
    /// descriptions and schedules).
    pub fn config(&self) -> &NewsletterConfig {
        &self.cfg
    }
}

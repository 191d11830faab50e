//! Newsletter delivery: lists and their schedules, rendering, SMTP delivery through a
//! crash-safe send ledger, and the double opt-in subscription service.
//!
//! - [`lists`]: the lists (`briefing`, `ten-things`, `good-news`, …), each with a cron
//!   expression, an IANA time zone and the edition kind it sends; [`lists::next_run`].
//! - [`address`]: e-mail syntax checks and normalization (IDN domains to punycode).
//! - [`render`]: one issue for one recipient as a multipart/alternative message (email-safe
//!   HTML + real plain text) with `List-Id`, `List-Unsubscribe` (https + mailto) and RFC 8058
//!   one-click headers, a stable `Message-ID` and optional DKIM signature.
//! - [`smtp`]: relay settings (plain, STARTTLS or implicit TLS, auth, pool size) and DKIM
//!   keys.
//! - [`deliver`]: sends an issue through the send ledger of the store with a rate limit and a
//!   concurrency bound; see its docs for the crash-safety guarantee.
//! - [`optin`]: sign-up, confirmation, unsubscribe and list changes (double opt-in).
//! - [`schedule`]: sends each list when its schedule comes due, resumes interrupted sends.
//! - [`inbound`]: bounces, complaints, auto-replies and mailto unsubscribes applied to the
//!   subscribers.
//! - [`pool`]: the SMTP sessions (TCP_NODELAY, implicit TLS, STARTTLS, AUTH).
//! - [`sink`]: a loopback SMTP server that captures messages and can inject failures, for
//!   tests, the kill test and the send benchmark.
//!
//! Configuration is a [`NewsletterConfig`], read from a TOML file (`newsletter.toml`) and/or
//! environment variables (`ROUNDUP_SMTP_URL`, …): see [`NewsletterConfig::load`].

pub mod address;
pub mod deliver;
pub mod inbound;
pub mod lists;
pub mod optin;
pub mod pool;
pub mod render;
pub mod schedule;
pub mod sink;
pub mod smtp;

/// The signed link tokens ([`crate::token`]), re-exported for the newsletter's users.
pub use crate::token;

use serde::{Deserialize, Serialize};
use std::path::Path;

pub use lists::{next_run, ListConfig};

/// Errors of the newsletter modules.
#[derive(Debug, thiserror::Error)]
pub enum NewsletterError {
    /// The configuration is invalid.
    #[error("newsletter config: {0}")]
    Config(String),
    /// A store operation failed.
    #[error(transparent)]
    Store(#[from] roundup_store::StoreError),
    /// The edition snapshot could not be read.
    #[error("edition {id}: {detail}")]
    Edition {
        /// Edition id.
        id: i64,
        /// What was wrong.
        detail: String,
    },
    /// Building a message failed.
    #[error("building message: {0}")]
    Message(String),
    /// The SMTP transport could not be set up.
    #[error("smtp: {0}")]
    Smtp(String),
    /// A signed link could not be made or read.
    #[error(transparent)]
    Token(#[from] token::TokenError),
    /// Unknown list.
    #[error("unknown list {0:?}")]
    UnknownList(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// Result alias of the newsletter modules.
pub type Result<T, E = NewsletterError> = std::result::Result<T, E>;

/// Everything the newsletter needs besides the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewsletterConfig {
    /// Public site URL, no trailing slash (links: `{base_url}/edition/{id}`, `/unsubscribe`).
    pub base_url: String,
    /// From header, e.g. `Roundup <news@example.org>`.
    pub from: String,
    /// Reply-To header (default: none).
    pub reply_to: Option<String>,
    /// Mailbox that receives mailto unsubscribe requests.
    pub unsubscribe_mailto: String,
    /// Domain of `List-Id` and `Message-ID` values (default: the From address's domain).
    pub domain: Option<String>,
    /// HMAC secret of the links (at least 16 bytes).
    pub secret: String,
    /// The lists.
    pub lists: Vec<ListConfig>,
    /// SMTP relay.
    pub smtp: smtp::SmtpConfig,
    /// DKIM signing (default: off).
    pub dkim: Option<smtp::DkimConfigFile>,
    /// Delivery pacing and retries.
    pub delivery: deliver::DeliveryConfig,
    /// Double opt-in settings.
    pub optin: optin::OptinConfig,
    /// Suppression policy for inbound bounces.
    pub bounces: inbound::BounceConfig,
}

impl Default for NewsletterConfig {
    fn default() -> Self {
        NewsletterConfig {
            base_url: "http://localhost:8080".into(),
            from: "Roundup <newsletter@localhost>".into(),
            reply_to: None,
            unsubscribe_mailto: "unsubscribe@localhost".into(),
            domain: None,
            secret: String::new(),
            lists: lists::default_lists(),
            smtp: smtp::SmtpConfig::default(),
            dkim: None,
            delivery: deliver::DeliveryConfig::default(),
            optin: optin::OptinConfig::default(),
            bounces: inbound::BounceConfig::default(),
        }
    }
}

impl NewsletterConfig {
    /// Loads `path` (TOML; missing fields take defaults), or the defaults when `path` is
    /// `None`, then applies environment overrides from `env`:
    ///
    /// | variable | field |
    /// | --- | --- |
    /// | `ROUNDUP_SMTP_URL` | `smtp` (`smtp://`, `smtp+starttls://`, `smtps://`, with `user:pass@`) |
    /// | `ROUNDUP_NEWSLETTER_FROM` | `from` |
    /// | `ROUNDUP_NEWSLETTER_REPLY_TO` | `reply_to` |
    /// | `ROUNDUP_NEWSLETTER_UNSUBSCRIBE_MAILTO` | `unsubscribe_mailto` |
    /// | `ROUNDUP_NEWSLETTER_RATE` | `delivery.rate_per_sec` |
    /// | `ROUNDUP_NEWSLETTER_CONCURRENCY` | `delivery.concurrency` |
    /// | `ROUNDUP_DKIM_SELECTOR`, `ROUNDUP_DKIM_DOMAIN`, `ROUNDUP_DKIM_KEY_FILE`, `ROUNDUP_DKIM_ALGORITHM` | `dkim` |
    ///
    /// `base_url` and `secret` usually come from the main config (the caller sets them).
    pub fn load(path: Option<&Path>, env: &[(String, String)]) -> Result<Self> {
        let mut cfg: NewsletterConfig = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| NewsletterError::Io {
                    path: p.display().to_string(),
                    source,
                })?;
                toml::from_str(&text)
                    .map_err(|e| NewsletterError::Config(format!("{}: {e}", p.display())))?
            }
            None => NewsletterConfig::default(),
        };
        let get = |k: &str| {
            env.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        if let Some(u) = get("ROUNDUP_SMTP_URL") {
            cfg.smtp = smtp::SmtpConfig::from_url(&u)?;
        }
        if let Some(v) = get("ROUNDUP_NEWSLETTER_FROM") {
            cfg.from = v;
        }
        if let Some(v) = get("ROUNDUP_NEWSLETTER_REPLY_TO") {
            cfg.reply_to = Some(v);
        }
        if let Some(v) = get("ROUNDUP_NEWSLETTER_UNSUBSCRIBE_MAILTO") {
            cfg.unsubscribe_mailto = v;
        }
        if let Some(v) = get("ROUNDUP_NEWSLETTER_RATE") {
            cfg.delivery.rate_per_sec = v
                .parse()
                .map_err(|_| NewsletterError::Config(format!("ROUNDUP_NEWSLETTER_RATE={v:?}")))?;
        }
        if let Some(v) = get("ROUNDUP_NEWSLETTER_CONCURRENCY") {
            cfg.delivery.concurrency = v.parse().map_err(|_| {
                NewsletterError::Config(format!("ROUNDUP_NEWSLETTER_CONCURRENCY={v:?}"))
            })?;
        }
        if let (Some(selector), Some(domain), Some(key_file)) = (
            get("ROUNDUP_DKIM_SELECTOR"),
            get("ROUNDUP_DKIM_DOMAIN"),
            get("ROUNDUP_DKIM_KEY_FILE"),
        ) {
            cfg.dkim = Some(smtp::DkimConfigFile {
                selector,
                domain,
                key_file: key_file.into(),
                algorithm: get("ROUNDUP_DKIM_ALGORITHM").unwrap_or_else(|| "rsa".into()),
            });
        }
        Ok(cfg)
    }

    /// Checks the settings that every use needs.
    pub fn validate(&self) -> Result<()> {
        if self.lists.is_empty() {
            return Err(NewsletterError::Config("no lists configured".into()));
        }
        for l in &self.lists {
            l.schedule()?;
        }
        let mut ids: Vec<&str> = self.lists.iter().map(|l| l.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        if ids.len() != self.lists.len() {
            return Err(NewsletterError::Config("duplicate list ids".into()));
        }
        url::Url::parse(&self.base_url)
            .map_err(|e| NewsletterError::Config(format!("base_url {:?}: {e}", self.base_url)))?;
        render::parse_mailbox(&self.from)?;
        self.delivery.validate()?;
        Ok(())
    }

    /// The list with this id.
    pub fn list(&self, id: &str) -> Result<&ListConfig> {
        self.lists
            .iter()
            .find(|l| l.id == id)
            .ok_or_else(|| NewsletterError::UnknownList(id.to_string()))
    }

    /// The domain of `List-Id` and `Message-ID` values.
    pub fn mail_domain(&self) -> String {
        if let Some(d) = &self.domain {
            return d.clone();
        }
        render::parse_mailbox(&self.from)
            .ok()
            .and_then(|(_, addr)| addr.rsplit_once('@').map(|(_, d)| d.to_string()))
            .unwrap_or_else(|| "localhost".into())
    }

    /// `base_url` without a trailing slash.
    pub fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }
}

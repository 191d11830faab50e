//! Inbound mail applied to the subscribers: bounces, complaints, auto-replies and mailto
//! unsubscribe requests, read from a maildir, an mbox file or the inbound webhook.
//!
//! For each message, [`Inbound::process`]:
//! - if it is an unsubscribe request (a message whose subject carries the signed token of our
//!   `List-Unsubscribe` mailto link, `unsubscribe <token>`), unsubscribes exactly as the
//!   one-click link does; a request without a valid token changes nothing (a forged `From`
//!   cannot unsubscribe someone else);
//! - otherwise classifies it ([`crate::bounce::classify`]) and, for every failed recipient that
//!   is a subscriber, records the event (idempotently: one row per message and address, so
//!   a folder processed twice counts nothing twice) and applies the suppression policy
//!   ([`crate::suppression::decide`]) over the events since the reader subscribed: a hard bounce
//!   or repeated soft bounces → `suppressed`; a complaint → unsubscribed from every list;
//!   an auto-reply or delivery report → recorded as a sign of life (it resets soft bounces).

use super::optin::{Optin, OptinError};
use super::{NewsletterConfig, NewsletterError, Result};
use crate::bounce::{self, Action, ReportKind};
use crate::suppression::{self, BounceEvent, Decision, EventKind, Policy};
use chrono::{DateTime, TimeZone, Utc};
use roundup_store::{Store, SubscriberState};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Settings of the suppression policy applied to inbound bounces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BounceConfig {
    /// Soft bounces that suppress a reader…
    pub soft_threshold: u32,
    /// …when spread over at least this many days.
    pub soft_span_days: i64,
}

impl Default for BounceConfig {
    fn default() -> Self {
        let p = Policy::default();
        BounceConfig {
            soft_threshold: p.soft_threshold,
            soft_span_days: p.soft_span.num_days(),
        }
    }
}

/// What processing did to one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "effect")]
pub enum Effect {
    /// The reader is now suppressed (hard bounce or repeated soft bounces).
    Suppressed {
        /// Why, as the policy said it.
        reason: String,
    },
    /// The reader was unsubscribed (complaint or unsubscribe request).
    Unsubscribed,
    /// A soft bounce was counted; the reader stays.
    Counted {
        /// Soft bounces in the current run.
        soft_count: u32,
    },
    /// Recorded as a sign of life (auto-reply, successful delivery report).
    Alive,
    /// Not one of our subscribers.
    UnknownAddress,
    /// Already suppressed or unsubscribed: nothing to change.
    AlreadyInactive,
    /// Nothing done (e.g. an unsubscribe request without a valid token).
    Ignored {
        /// Why.
        why: String,
    },
}

/// The outcome for one address of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressOutcome {
    /// The address (may be empty when the message named none).
    pub address: String,
    /// The classifier's action for it.
    pub action: Option<Action>,
    /// What was done.
    #[serde(flatten)]
    pub effect: Effect,
}

/// What processing one message did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboundReport {
    /// `delivery-status`, `complaint`, `auto-reply`, `unrecognized` or
    /// `unsubscribe-request`.
    pub kind: String,
    /// Per address.
    pub addresses: Vec<AddressOutcome>,
    /// The message had been processed before (no new event was recorded).
    pub duplicate: bool,
}

/// Applies inbound mail to the store (see the module docs).
#[derive(Clone)]
pub struct Inbound {
    store: Store,
    optin: Optin,
    policy: Policy,
}

impl std::fmt::Debug for Inbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbound")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Inbound {
    /// The processor over `store` with `cfg`'s secret (to check unsubscribe tokens) and bounce
    /// policy.
    pub fn new(store: Store, cfg: NewsletterConfig) -> Result<Inbound> {
        let policy = Policy::new(cfg.bounces.soft_threshold, cfg.bounces.soft_span_days)
            .map_err(|e| NewsletterError::Config(format!("bounces: {e}")))?;
        let optin = Optin::new(store.clone(), cfg)?;
        Ok(Inbound {
            store,
            optin,
            policy,
        })
    }

    /// Processes one raw message now.
    pub async fn process(&self, raw: &[u8]) -> Result<InboundReport> {
        self.process_at(raw, Utc::now()).await
    }

    /// [`Inbound::process`] at a given time (tests).
    pub async fn process_at(&self, raw: &[u8], now: DateTime<Utc>) -> Result<InboundReport> {
        if let Some(token) = unsubscribe_token(raw) {
            return self.unsubscribe_request(&token, now).await;
        }
        let report = match bounce::classify(raw) {
            Ok(r) => r,
            Err(e) => {
                return Ok(InboundReport {
                    kind: "unrecognized".into(),
                    addresses: vec![AddressOutcome {
                        address: String::new(),
                        action: None,
                        effect: Effect::Ignored { why: e.to_string() },
                    }],
                    duplicate: false,
                })
            }
        };
        let key = message_key(raw);
        let mut out = InboundReport {
            kind: match report.kind {
                ReportKind::DeliveryStatus => "delivery-status",
                ReportKind::Complaint => "complaint",
                ReportKind::AutoReply => "auto-reply",
                ReportKind::Unrecognized => "unrecognized",
            }
            .into(),
            addresses: Vec::new(),
            duplicate: false,
        };
        let (mut attempted, mut added_any) = (false, false);
        for r in &report.recipients {
            let address = r.address.trim().to_lowercase();
            let effect = if address.is_empty() {
                Effect::Ignored {
                    why: "the report names no address".into(),
                }
            } else {
                let (effect, added) = self
                    .apply(&address, r.action, &key, &r.diagnostic, now)
                    .await?;
                attempted |= effect != Effect::UnknownAddress;
                added_any |= added;
                effect
            };
            out.addresses.push(AddressOutcome {
                address,
                action: Some(r.action),
                effect,
            });
        }
        out.duplicate = attempted && !added_any;
        Ok(out)
    }

    async fn apply(
        &self,
        address: &str,
        action: Action,
        key: &str,
        diagnostic: &str,
        now: DateTime<Utc>,
    ) -> Result<(Effect, bool)> {
        let Some(sub) = self.store.subscriber_by_email(address).await? else {
            return Ok((Effect::UnknownAddress, false));
        };
        let kind = EventKind::from(action);
        let t = now.timestamp();
        let added = self
            .store
            .record_bounce_event(address, kind_name(kind), t, key, diagnostic)
            .await?;
        if !matches!(
            sub.state,
            SubscriberState::Confirmed | SubscriberState::Pending
        ) {
            return Ok((Effect::AlreadyInactive, added));
        }
        let since = sub.confirmed_at.unwrap_or(sub.created_at);
        let history: Vec<BounceEvent> = self
            .store
            .bounce_events(address, since)
            .await?
            .into_iter()
            .filter_map(|(k, at)| {
                Some(BounceEvent {
                    at: Utc.timestamp_opt(at, 0).single()?,
                    kind: kind_of(&k)?,
                })
            })
            .collect();
        let effect = match suppression::decide(&history, &self.policy) {
            Decision::Suppress { reason } => {
                if matches!(reason, suppression::SuppressReason::Complaint { .. }) {
                    self.store.set_subscriptions(sub.id, &[], t).await?;
                    self.store
                        .set_subscriber_state(sub.id, SubscriberState::Unsubscribed, None, t)
                        .await?;
                    Effect::Unsubscribed
                } else {
                    self.store.suppress_email(address, t).await?;
                    Effect::Suppressed {
                        reason: serde_json::to_value(reason)
                            .ok()
                            .and_then(|v| v.get("why").and_then(|w| w.as_str()).map(String::from))
                            .unwrap_or_else(|| "policy".into()),
                    }
                }
            }
            Decision::Keep { soft_count } => match kind {
                EventKind::Soft => Effect::Counted { soft_count },
                _ => Effect::Alive,
            },
        };
        Ok((effect, added))
    }

    async fn unsubscribe_request(&self, token: &str, now: DateTime<Utc>) -> Result<InboundReport> {
        let outcome = match self.optin.unsubscribe_at(token, now).await {
            Ok(sub) => AddressOutcome {
                address: sub.email,
                action: Some(Action::Unsubscribe),
                effect: Effect::Unsubscribed,
            },
            Err(OptinError::Internal(e)) => return Err(e),
            Err(e) => AddressOutcome {
                address: String::new(),
                action: None,
                effect: Effect::Ignored { why: e.to_string() },
            },
        };
        Ok(InboundReport {
            kind: "unsubscribe-request".into(),
            addresses: vec![outcome],
            duplicate: false,
        })
    }
}

fn kind_name(k: EventKind) -> &'static str {
    match k {
        EventKind::Hard => "hard",
        EventKind::Soft => "soft",
        EventKind::Complaint => "complaint",
        EventKind::Delivered => "delivered",
    }
}

fn kind_of(s: &str) -> Option<EventKind> {
    Some(match s {
        "hard" => EventKind::Hard,
        "soft" => EventKind::Soft,
        "complaint" => EventKind::Complaint,
        "delivered" => EventKind::Delivered,
        _ => return None,
    })
}

/// A stable key of a message: its own `Message-ID` when it has one (the same report saved
/// twice, or in a maildir and an mbox, is one message), else SHA-256 of its bytes with line
/// endings normalized and trailing whitespace dropped.
pub fn message_key(raw: &[u8]) -> String {
    if let Some(id) = mail_parser::MessageParser::default()
        .parse_headers(raw)
        .and_then(|m| m.message_id().map(|s| s.trim().to_string()))
        .filter(|s| !s.is_empty())
    {
        return format!("mid:{id}");
    }
    let end = raw
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let raw = &raw[..end];
    let mut h = Sha256::new();
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\r' => {
                h.update(b"\n");
                if raw.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b => h.update([b]),
        }
        i += 1;
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha:{hex}")
}

/// The token of an unsubscribe request: the `Subject` is `unsubscribe <token>` (what our
/// `List-Unsubscribe` mailto link pre-fills; mail clients may prefix `Re:` or add words).
/// Only the message's own headers are read, never a quoted or attached message, so a bounce of
/// a newsletter (which quotes our headers) is not taken for a request.
pub fn unsubscribe_token(raw: &[u8]) -> Option<String> {
    let msg = mail_parser::MessageParser::default().parse_headers(raw)?;
    let subject = msg.subject()?;
    let mut words = subject.split_whitespace();
    for w in words.by_ref() {
        if w.eq_ignore_ascii_case("unsubscribe") {
            break;
        }
    }
    let token = words.find(|w| w.contains('.') && w.len() > 20)?;
    let token = token.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    let ok = token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    (ok && !token.is_empty()).then(|| token.to_string())
}

/// One message read from a mail folder.
#[derive(Debug)]
pub struct FolderMessage {
    /// Where it came from (file path, or `mbox:N`).
    pub origin: String,
    /// The raw bytes.
    pub raw: Vec<u8>,
    /// For maildir messages in `new/`: where to move it once processed.
    pub done_path: Option<(PathBuf, PathBuf)>,
}

/// Reads a maildir: the messages of `new/` (and of `cur/` too when `all`). Processed `new/`
/// messages should then be moved with [`FolderMessage::mark_done`].
pub fn read_maildir(dir: &Path, all: bool) -> std::io::Result<Vec<FolderMessage>> {
    let mut out = Vec::new();
    let new = dir.join("new");
    let cur = dir.join("cur");
    if !new.is_dir() && !cur.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} is not a maildir (no new/ or cur/)", dir.display()),
        ));
    }
    let mut read = |sub: &Path, move_to_cur: bool| -> std::io::Result<()> {
        if !sub.is_dir() {
            return Ok(());
        }
        let mut names: Vec<_> = std::fs::read_dir(sub)?
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .map(|e| e.path())
            .filter(|p| {
                !p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
            })
            .collect();
        names.sort();
        for p in names {
            let raw = std::fs::read(&p)?;
            let done_path = move_to_cur.then(|| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("msg");
                let base = name.split(":2,").next().unwrap_or(name);
                (p.clone(), cur.join(format!("{base}:2,S")))
            });
            out.push(FolderMessage {
                origin: p.display().to_string(),
                raw,
                done_path,
            });
        }
        Ok(())
    };
    read(&new, true)?;
    if all {
        read(&cur, false)?;
    }
    Ok(out)
}

/// Reads an mbox file (mboxrd/mboxo `>From ` quoting undone).
pub fn read_mbox(path: &Path) -> std::io::Result<Vec<FolderMessage>> {
    let f = std::fs::File::open(path)?;
    let it = mail_parser::mailbox::mbox::MessageIterator::new(std::io::BufReader::new(f));
    let mut out = Vec::new();
    for (i, m) in it.enumerate() {
        let m = m.map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: message {} is not valid mbox", path.display(), i + 1),
            )
        })?;
        out.push(FolderMessage {
            origin: format!("{}:{}", path.display(), i + 1),
            raw: m.unwrap_contents(),
            done_path: None,
        });
    }
    Ok(out)
}

impl FolderMessage {
    /// Moves a processed maildir message from `new/` to `cur/` (flag `S`, seen).
    pub fn mark_done(&self) -> std::io::Result<()> {
        if let Some((from, to)) = &self.done_path {
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(from, to)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_from_subject_forms() {
        let t = "eyJzIjoxfQ.abcdefghijklmnopqrstuv";
        for subj in [
            format!("unsubscribe {t}"),
            format!("Re: Unsubscribe {t}"),
            format!("UNSUBSCRIBE please {t}"),
        ] {
            let raw = format!("From: a@b.example\r\nSubject: {subj}\r\n\r\nbody\r\n");
            assert_eq!(
                unsubscribe_token(raw.as_bytes()).as_deref(),
                Some(t),
                "{subj}"
            );
        }
        for subj in ["Unsubscribe", "hello there", "unsubscribe me now"] {
            let raw = format!("Subject: {subj}\n\nx\n");
            assert_eq!(unsubscribe_token(raw.as_bytes()), None, "{subj}");
        }
        // A token only in the body (e.g. a bounce quoting our headers) is not a request.
        let raw = format!("Subject: Undelivered Mail\n\nSubject: unsubscribe {t}\n");
        assert_eq!(unsubscribe_token(raw.as_bytes()), None);
        assert_eq!(unsubscribe_token(b"\xff\xfe garbage"), None);
    }

    #[test]
    fn message_key_ignores_line_endings() {
        let lf = b"Subject: x\n\nbody\n";
        let crlf = b"Subject: x\r\n\r\nbody\r\n";
        let cr = b"Subject: x\r\rbody\r";
        assert_eq!(message_key(lf), message_key(crlf));
        assert_eq!(message_key(lf), message_key(cr));
        assert_ne!(message_key(lf), message_key(b"Subject: y\n\nbody\n"));
        assert_eq!(message_key(lf), message_key(b"Subject: x\n\nbody\n\n\n"));
        let a = message_key(b"Message-ID: <1@x>\nSubject: a\n\nbody");
        assert_eq!(
            a,
            message_key(b"Message-ID: <1@x>\r\nSubject: a\r\n\r\nbody\r\n\r\n")
        );
        assert_ne!(a, message_key(b"Message-ID: <2@x>\nSubject: a\n\nbody"));
    }
}

//! Bounce, complaint and auto-reply classification.
//!
//! [`classify`] takes the raw bytes of one message that came back to a sender (a delivery
//! status notification, a non-standard bounce, an abuse feedback report or an auto-reply) and
//! returns, per failed recipient and in the order the report lists them, the address, the
//! delivery status code, the SMTP reply code, a fine [`Reason`] and the [`Action`] a newsletter
//! sender should take.
//!
//! The MIME structure and transfer/charset decoding come from `mail-parser`; everything after
//! that (finding the recipients in RFC 3464 reports and in the free-text formats of the many
//! mail systems that do not send them, and mapping the diagnostic text to a reason) is our own
//! heuristics. Line endings (LF, CRLF, lone CR) are normalised first, and arbitrary bytes never
//! panic: the worst outcome is an [`Report`] of kind [`ReportKind::Unrecognized`].
//!
//! When unsure, the classifier prefers [`Action::Soft`] over [`Action::Suppress`]: suppressing a
//! live reader is the costly mistake.

mod dsn;
mod mime;
mod reason;
mod text;

use serde::{Deserialize, Serialize};

pub use reason::Reason;

/// What a newsletter sender should do about one recipient of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Hard bounce: the address (or its domain) does not exist or has moved; stop at once.
    Suppress,
    /// Temporary, policy or content failure: count it, retry later, suppress when repeated.
    Soft,
    /// Abuse complaint / feedback report: unsubscribe at once.
    Unsubscribe,
    /// Auto-reply or delivery success: nothing to do.
    Ignore,
}

impl Action {
    /// The lowercase name used in JSON output (`suppress`, `soft`, `unsubscribe`, `ignore`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Suppress => "suppress",
            Action::Soft => "soft",
            Action::Unsubscribe => "unsubscribe",
            Action::Ignore => "ignore",
        }
    }
}

/// The kind of message that was classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportKind {
    /// A delivery status notification (RFC 3464 or a non-standard bounce).
    DeliveryStatus,
    /// An abuse / feedback report (ARF, RFC 5965, or a provider's complaint notification).
    Complaint,
    /// An automatic reply (vacation, out of office, RFC 3834 `Auto-Submitted`).
    AutoReply,
    /// Nothing recognisable as a bounce, complaint or auto-reply.
    Unrecognized,
}

/// One recipient of a report, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    /// The failed (or complaining / auto-replying) address, lowercased domain; may be empty when
    /// the report names no address at all.
    pub address: String,
    /// Delivery status code `x.y.z` (RFC 3463); `None` for complaints and auto-replies.
    pub status: Option<String>,
    /// True when `status` was not in the message but inferred from the reason and wording.
    pub status_inferred: bool,
    /// SMTP reply code (e.g. 550) when the report carries one.
    pub reply_code: Option<u16>,
    /// Fine reason of the failure.
    pub reason: Reason,
    /// What to do.
    pub action: Action,
    /// The diagnostic text the decision was based on (trimmed, single spaces, at most ~400 chars).
    pub diagnostic: String,
}

/// The classification of one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// What kind of message this is.
    pub kind: ReportKind,
    /// Failed recipients in report order (empty for [`ReportKind::Unrecognized`]).
    pub recipients: Vec<Recipient>,
}

/// Errors of [`classify`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BounceError {
    /// The input holds no bytes other than whitespace.
    #[error("empty message")]
    Empty,
}

/// Classifies one raw message (any bytes; any line endings).
///
/// Returns [`BounceError::Empty`] for empty input; every other input yields a [`Report`]
/// (possibly [`ReportKind::Unrecognized`] with no recipients).
pub fn classify(raw: &[u8]) -> Result<Report, BounceError> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(BounceError::Empty);
    }
    let normalized = mime::normalize_line_endings(raw);
    let mut report: Option<Report> = None;
    for one in mime::split_mbox(&normalized) {
        let doc = mime::Doc::parse(one);
        let r = text::analyze(&doc);
        match report.as_mut() {
            None => report = Some(r),
            Some(acc) => {
                if acc.kind == ReportKind::Unrecognized {
                    acc.kind = r.kind;
                }
                acc.recipients.extend(r.recipients);
            }
        }
    }
    Ok(report.unwrap_or(Report {
        kind: ReportKind::Unrecognized,
        recipients: Vec::new(),
    }))
}

#[cfg(test)]
mod tests;

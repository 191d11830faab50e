//! The typed result of a fetch.

use crate::charset::CharsetSource;
use crate::error::FetchError;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Validators for a conditional GET (`If-None-Match` / `If-Modified-Since`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    /// ETag from the last response, sent as `If-None-Match`.
    pub etag: Option<String>,
    /// Last-Modified from the last response, sent verbatim as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

impl Validators {
    /// Whether neither validator is set.
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// A successful (2xx) response with its body read, decoded and capped.
///
/// Serializing skips `body` and `text` (the store keeps the metadata as fetch health, not
/// the payload); they deserialize as empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fetched {
    /// HTTP status (2xx).
    pub status: u16,
    /// The URL that was asked for.
    pub url: String,
    /// The URL that answered, after redirects.
    pub final_url: String,
    /// Redirects followed.
    pub redirects: u32,
    /// The final URL when every redirect followed was permanent (301/308): the caller may
    /// update its stored URL.
    pub permanent_redirect: Option<String>,
    /// `ETag` response header.
    pub etag: Option<String>,
    /// `Last-Modified` response header.
    pub last_modified: Option<String>,
    /// `Cache-Control: max-age` in seconds.
    pub max_age_secs: Option<u64>,
    /// `Content-Type` response header.
    pub content_type: Option<String>,
    /// `Content-Encoding` that was decoded, if any.
    pub content_encoding: Option<String>,
    /// Decoded body length in bytes.
    pub body_len: u64,
    /// Decoded body bytes (after gzip/deflate/br; before charset decoding).
    #[serde(skip)]
    pub body: Bytes,
    /// The body as UTF-8 text, for textual content types.
    #[serde(skip)]
    pub text: Option<String>,
    /// The charset the text was decoded from (WHATWG name), for textual content types.
    pub charset: Option<String>,
    /// Where that charset came from.
    pub charset_source: Option<CharsetSource>,
    /// Attempts made (1 + retries), over all redirect hops.
    pub attempts: u32,
    /// Wall time of the whole fetch, in milliseconds.
    pub elapsed_ms: u64,
}

impl Fetched {
    /// The decoded text, or the body read as lossy UTF-8 for non-textual types.
    pub fn text_lossy(&self) -> Cow<'_, str> {
        match &self.text {
            Some(t) => Cow::Borrowed(t.as_str()),
            None => String::from_utf8_lossy(&self.body),
        }
    }

    /// The validators to send on the next fetch of this URL.
    pub fn validators(&self) -> Validators {
        Validators {
            etag: self.etag.clone(),
            last_modified: self.last_modified.clone(),
        }
    }
}

/// A `304 Not Modified` answer to a conditional GET.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotModified {
    /// The URL that was asked for.
    pub url: String,
    /// The URL that answered, after redirects.
    pub final_url: String,
    /// `ETag` of the 304, if the server repeated it.
    pub etag: Option<String>,
    /// `Last-Modified` of the 304, if the server repeated it.
    pub last_modified: Option<String>,
    /// `Cache-Control: max-age` in seconds.
    pub max_age_secs: Option<u64>,
    /// Attempts made.
    pub attempts: u32,
    /// Wall time of the whole fetch, in milliseconds.
    pub elapsed_ms: u64,
}

/// Every fetch ends in one of these. Serializes as
/// `{"outcome": "ok" | "not-modified" | "failed", "detail": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "kebab-case")]
pub enum FetchOutcome {
    /// A 2xx response with its body.
    Ok(Box<Fetched>),
    /// A 304: the resource has not changed since the validators sent.
    NotModified(NotModified),
    /// The fetch failed.
    Failed(FetchError),
}

impl FetchOutcome {
    /// A short stable code: `"ok"`, `"not-modified"` or the error's [`FetchError::code`].
    pub fn code(&self) -> String {
        match self {
            FetchOutcome::Ok(_) => "ok".into(),
            FetchOutcome::NotModified(_) => "not-modified".into(),
            FetchOutcome::Failed(e) => e.code(),
        }
    }

    /// A short human message.
    pub fn message(&self) -> String {
        match self {
            FetchOutcome::Ok(f) => format!("HTTP {} ({} bytes)", f.status, f.body_len),
            FetchOutcome::NotModified(_) => "not modified".into(),
            FetchOutcome::Failed(e) => e.message(),
        }
    }

    /// Whether the fetch failed.
    pub fn is_failure(&self) -> bool {
        matches!(self, FetchOutcome::Failed(_))
    }

    /// The error, if the fetch failed.
    pub fn error(&self) -> Option<&FetchError> {
        match self {
            FetchOutcome::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// Whether a failure is worth retrying soon (false for successes).
    pub fn is_transient(&self) -> bool {
        self.error().is_some_and(FetchError::is_transient)
    }

    /// The successful response, if any.
    pub fn fetched(&self) -> Option<&Fetched> {
        match self {
            FetchOutcome::Ok(f) => Some(f),
            _ => None,
        }
    }

    /// The validators to store for the next conditional GET (from a 200 or a 304).
    pub fn validators(&self) -> Option<Validators> {
        match self {
            FetchOutcome::Ok(f) => Some(f.validators()),
            FetchOutcome::NotModified(n) => Some(Validators {
                etag: n.etag.clone(),
                last_modified: n.last_modified.clone(),
            }),
            FetchOutcome::Failed(_) => None,
        }
    }
}

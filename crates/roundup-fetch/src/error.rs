//! Typed fetch failures, serializable so the store can keep them as a feed's fetch health.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// Why the SSRF guard refused an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockReason {
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// 10/8, 172.16/12, 192.168/16, fc00::/7.
    Private,
    /// 169.254/16 (cloud metadata lives at 169.254.169.254), fe80::/10.
    LinkLocal,
    /// 0.0.0.0/8, ::.
    Unspecified,
    /// 224/4, ff00::/8, 255.255.255.255.
    Multicast,
    /// 100.64/10 (carrier-grade NAT).
    SharedAddressSpace,
    /// Documentation, benchmarking, reserved and other special-purpose ranges.
    Reserved,
}

impl fmt::Display for BlockReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BlockReason::Loopback => "a loopback address",
            BlockReason::Private => "a private-network address",
            BlockReason::LinkLocal => "a link-local address",
            BlockReason::Unspecified => "an unspecified address",
            BlockReason::Multicast => "a multicast or broadcast address",
            BlockReason::SharedAddressSpace => "a carrier-grade NAT address",
            BlockReason::Reserved => "a reserved or special-purpose address",
        })
    }
}

/// Which time limit ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeoutPhase {
    /// Establishing the TCP/TLS connection.
    Connect,
    /// The whole request: connect, response head and body.
    Total,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Connect => "connecting",
            TimeoutPhase::Total => "waiting for the response",
        })
    }
}

/// Every way a fetch can fail. Serializes as `{"kind": "...", ...fields}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FetchError {
    /// The URL does not parse or has no host.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Not http or https.
    #[error("unsupported URL scheme {scheme:?} (only http and https are fetched)")]
    UnsupportedScheme {
        /// The scheme.
        scheme: String,
    },
    /// The host name did not resolve.
    #[error("DNS lookup of {host} failed: {message}")]
    Dns {
        /// Host name.
        host: String,
        /// Resolver message.
        message: String,
    },
    /// The SSRF guard refused the destination address.
    #[error("refused to fetch {host}: {addr} is {reason}")]
    Blocked {
        /// Host as in the URL.
        host: String,
        /// The refused address.
        addr: String,
        /// Which kind of address it is.
        reason: BlockReason,
    },
    /// TCP or TLS connection failed (refused, unreachable, bad certificate, …).
    #[error("could not connect to {host}: {message}")]
    Connect {
        /// Host as in the URL.
        host: String,
        /// Cause.
        message: String,
    },
    /// A time limit ran out.
    #[error("timed out {phase} after {after_ms} ms")]
    Timeout {
        /// Which limit.
        phase: TimeoutPhase,
        /// The limit, in milliseconds.
        after_ms: u64,
    },
    /// The server answered with an error status (after any retries).
    #[error("HTTP {status}{}", retry_after_secs.map(|s| format!(" (retry after {s} s)")).unwrap_or_default())]
    Http {
        /// Status code.
        status: u16,
        /// The server's Retry-After, in seconds, when it sent one.
        retry_after_secs: Option<u64>,
    },
    /// The body is larger than the configured limit.
    #[error("body larger than the {limit}-byte limit")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// A compressed body inflates past the limit (a decompression bomb, or just too big).
    #[error("{encoding}-compressed body inflates past the {limit}-byte limit (after {compressed_bytes} compressed bytes)")]
    DecompressionBomb {
        /// Content coding.
        encoding: String,
        /// The limit in bytes (decoded).
        limit: u64,
        /// Compressed bytes read when the limit was hit.
        compressed_bytes: u64,
    },
    /// More redirects than allowed.
    #[error("more than {limit} redirects (last: {last_url})")]
    TooManyRedirects {
        /// The limit.
        limit: usize,
        /// The last redirect target.
        last_url: String,
    },
    /// A redirect led back to a URL already visited.
    #[error("redirect loop back to {url}")]
    RedirectLoop {
        /// The repeated URL.
        url: String,
    },
    /// A redirect without a usable Location.
    #[error("bad redirect: {reason}")]
    BadRedirect {
        /// What is wrong.
        reason: String,
    },
    /// robots.txt disallows the URL for our user agent.
    #[error("robots.txt disallows {url}")]
    RobotsDisallowed {
        /// The disallowed URL.
        url: String,
    },
    /// robots.txt answered a server error: the host counts as disallowed for a while.
    #[error("robots.txt unavailable (HTTP {status}); not fetching from the host for now")]
    RobotsUnavailable {
        /// Status of the robots.txt response.
        status: u16,
    },
    /// The body's content coding is unsupported or corrupt.
    #[error("could not decode the {encoding} body: {message}")]
    Decode {
        /// Content coding.
        encoding: String,
        /// Cause.
        message: String,
    },
    /// The connection broke before the response was complete (closed, reset, truncated).
    #[error("connection broke before the response was complete: {message}")]
    Interrupted {
        /// Cause.
        message: String,
    },
    /// Any other request failure.
    #[error("request failed: {message}")]
    Request {
        /// Cause.
        message: String,
    },
}

impl FetchError {
    /// Whether trying again later may succeed (timeouts, connection trouble, 5xx, 429, 408,
    /// robots.txt unavailable). Permanent errors (4xx, blocked, too large, robots disallow,
    /// bad URL) return false.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Dns { .. }
            | FetchError::Connect { .. }
            | FetchError::Timeout { .. }
            | FetchError::Interrupted { .. }
            | FetchError::RobotsUnavailable { .. } => true,
            FetchError::Http { status, .. } => is_retryable_status(*status),
            _ => false,
        }
    }

    /// A short stable code for dashboards and the store: `"timeout"`, `"http-503"`, `"dns"`,
    /// `"too-large"`, `"robots-disallowed"`, ….
    pub fn code(&self) -> String {
        match self {
            FetchError::InvalidUrl { .. } => "invalid-url".into(),
            FetchError::UnsupportedScheme { .. } => "unsupported-scheme".into(),
            FetchError::Dns { .. } => "dns".into(),
            FetchError::Blocked { .. } => "blocked".into(),
            FetchError::Connect { .. } => "connect".into(),
            FetchError::Timeout { .. } => "timeout".into(),
            FetchError::Http { status, .. } => format!("http-{status}"),
            FetchError::TooLarge { .. } => "too-large".into(),
            FetchError::DecompressionBomb { .. } => "decompression-bomb".into(),
            FetchError::TooManyRedirects { .. } => "too-many-redirects".into(),
            FetchError::RedirectLoop { .. } => "redirect-loop".into(),
            FetchError::BadRedirect { .. } => "bad-redirect".into(),
            FetchError::RobotsDisallowed { .. } => "robots-disallowed".into(),
            FetchError::RobotsUnavailable { .. } => "robots-unavailable".into(),
            FetchError::Decode { .. } => "decode".into(),
            FetchError::Interrupted { .. } => "interrupted".into(),
            FetchError::Request { .. } => "request".into(),
        }
    }

    /// A short human message (the `Display` text).
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// The server's requested wait (Retry-After), if it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Http {
                retry_after_secs: Some(s),
                ..
            } => Some(Duration::from_secs(*s)),
            _ => None,
        }
    }
}

/// Statuses worth retrying: 408, 429 and every 5xx except 501 (not implemented) and 505.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    status == 408 || status == 429 || (500..600).contains(&status) && status != 501 && status != 505
}

//! Fetcher settings.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Settings of a [`crate::Fetcher`]. `Default` is polite production behaviour; tests against a
/// loopback server must set `allow_private_addresses = true` explicitly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FetchConfig {
    /// User-Agent header. Its product token (first word before `/`) is the name matched
    /// against robots.txt groups.
    pub user_agent: String,
    /// Requests in flight across all hosts.
    pub global_concurrency: usize,
    /// Requests in flight to one host (scheme + host + port).
    pub per_host_concurrency: usize,
    /// Minimum time between the starts of two requests to one host. A robots.txt
    /// `Crawl-delay` raises it for that host (up to `max_crawl_delay`).
    pub per_host_delay: Duration,
    /// Time limit to establish a connection.
    pub connect_timeout: Duration,
    /// Time limit of one request attempt: connect, response head and the whole body.
    pub timeout: Duration,
    /// Largest body accepted, counted after decompression.
    pub max_body_bytes: u64,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Retries after a timeout, a broken connection, a 5xx, 408 or 429.
    pub max_retries: u32,
    /// First retry waits about this long; each further retry doubles it (with jitter).
    pub retry_base_delay: Duration,
    /// Longest wait before a retry. A Retry-After longer than this is not waited for: the
    /// fetch fails with the status and the server's Retry-After, for the caller to schedule.
    pub max_retry_wait: Duration,
    /// Allow loopback, private, link-local and other internal addresses (off: SSRF guard).
    pub allow_private_addresses: bool,
    /// Fetch and obey robots.txt.
    pub obey_robots: bool,
    /// How long a fetched robots.txt (or its absence) is trusted.
    pub robots_ttl: Duration,
    /// How long a robots.txt server error keeps the host disallowed.
    pub robots_error_ttl: Duration,
    /// Cap on a robots.txt `Crawl-delay`.
    pub max_crawl_delay: Duration,
    /// How long a vetted DNS answer is reused.
    pub dns_ttl: Duration,
    /// Accept header of ordinary requests.
    pub accept: String,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: concat!(
                "roundup/",
                env!("CARGO_PKG_VERSION"),
                " (+https://github.com/roundup-news/roundup; self-hosted news roundup)"
            )
            .into(),
            global_concurrency: 32,
            per_host_concurrency: 2,
            per_host_delay: Duration::from_millis(1000),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            max_retries: 3,
            retry_base_delay: Duration::from_millis(500),
            max_retry_wait: Duration::from_secs(30),
            allow_private_addresses: false,
            obey_robots: true,
            robots_ttl: Duration::from_secs(3600),
            robots_error_ttl: Duration::from_secs(600),
            max_crawl_delay: Duration::from_secs(30),
            dns_ttl: Duration::from_secs(60),
            accept: "application/rss+xml, application/atom+xml, application/feed+json, \
                     application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, \
                     text/html;q=0.8, */*;q=0.5"
                .into(),
        }
    }
}

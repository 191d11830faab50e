//! Polite HTTP fetching: per-host pools and delays, robots.txt, conditional GET, retries, size
//! caps, charset, SSRF guard.
//!
//! One [`Fetcher`] holds one shared HTTP client and cheap per-host state; clone it freely
//! (clones share everything) and call [`Fetcher::fetch`] from many tasks at once. Every call
//! ends in a typed [`FetchOutcome`]: `Ok` (2xx, body read and decoded), `NotModified` (304) or
//! `Failed` with a [`FetchError`] that says what went wrong, whether it is transient, and
//! serializes for the store.
//!
//! Per request, for every redirect hop:
//! 1. the destination is vetted by the SSRF guard (host names are resolved here and the client
//!    connects only to the vetted addresses);
//! 2. the host's robots.txt is consulted (fetched once per TTL per host, parsed by
//!    [`robots::RobotsTxt`]);
//! 3. the request waits for a per-host slot (concurrency limit and minimum spacing, raised by
//!    `Crawl-delay`) and a global slot;
//! 4. the body is streamed through the content-coding decoder with the size cap on the
//!    decoded bytes, then decoded to UTF-8 text for textual types ([`charset`]).
//!
//! Timeouts, broken connections, 5xx, 408 and 429 are retried with exponential backoff and
//! jitter, honouring `Retry-After`.
//!
//! ```no_run
//! # async fn demo() {
//! use roundup_fetch::{FetchConfig, FetchOutcome, FetchRequest, Fetcher};
//! let fetcher = Fetcher::new(FetchConfig::default()).expect("client");
//! match fetcher.fetch_request(&FetchRequest::new("https://example.com/feed.xml")).await {
//!     FetchOutcome::Ok(page) => println!("{} bytes", page.body_len),
//!     FetchOutcome::NotModified(_) => println!("unchanged"),
//!     FetchOutcome::Failed(e) => println!("{} ({})", e, e.code()),
//! }
//! # }
//! ```

#![warn(missing_docs)]

pub mod backoff;
pub mod charset;
mod config;
mod decode;
mod error;
mod outcome;
pub mod robots;
mod ssrf;

pub use backoff::{next_backoff, next_backoff_with, parse_retry_after};
pub use charset::{decode_text, CharsetSource, DecodedText};
pub use config::FetchConfig;
pub use error::{BlockReason, FetchError, TimeoutPhase};
pub use outcome::{FetchOutcome, Fetched, NotModified, Validators};
pub use robots::RobotsTxt;
pub use ssrf::classify_ip;

use decode::{BodyDecoder, Coding, DecodeError};
use error::is_retryable_status;
use reqwest::header::{self, HeaderMap};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

/// What to fetch: a URL plus optional validators and Accept header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchRequest {
    /// Absolute http(s) URL.
    pub url: String,
    /// Validators for a conditional GET.
    pub validators: Validators,
    /// Accept header; the configured default when `None`.
    pub accept: Option<String>,
}

impl FetchRequest {
    /// A plain GET of `url`.
    pub fn new(url: impl Into<String>) -> FetchRequest {
        FetchRequest {
            url: url.into(),
            ..FetchRequest::default()
        }
    }

    /// Send `If-None-Match: etag`.
    pub fn with_etag(mut self, etag: impl Into<String>) -> FetchRequest {
        self.validators.etag = Some(etag.into());
        self
    }

    /// Send `If-Modified-Since: last_modified` (verbatim, as the server sent Last-Modified).
    pub fn with_last_modified(mut self, last_modified: impl Into<String>) -> FetchRequest {
        self.validators.last_modified = Some(last_modified.into());
        self
    }

    /// Send both validators (either may be `None`).
    pub fn with_validators(mut self, validators: Validators) -> FetchRequest {
        self.validators = validators;
        self
    }

    /// Use this Accept header.
    pub fn with_accept(mut self, accept: impl Into<String>) -> FetchRequest {
        self.accept = Some(accept.into());
        self
    }
}

/// robots.txt state of one host.
#[derive(Clone)]
enum RobotsVerdict {
    Rules(Arc<RobotsTxt>),
    /// Server error fetching robots.txt: disallow until the entry expires.
    Unavailable(u16),
    /// robots.txt could not be reached (DNS, connect, timeout, …): the same error for every
    /// fetch to the host until the entry expires, so a dead host costs one timeout, not one
    /// per queued fetch.
    Unreachable(FetchError),
}

struct RobotsEntry {
    verdict: RobotsVerdict,
    expires: Instant,
}

/// Politeness state of one host (scheme + host + port).
struct HostState {
    permits: Arc<Semaphore>,
    /// Earliest start of the next request.
    next_slot: Mutex<Instant>,
    crawl_delay: Mutex<Option<Duration>>,
    robots: tokio::sync::Mutex<Option<RobotsEntry>>,
}

struct Inner {
    client: reqwest::Client,
    config: FetchConfig,
    agent_token: String,
    global: Arc<Semaphore>,
    hosts: Mutex<HashMap<String, Arc<HostState>>>,
    guard: Arc<ssrf::Guard>,
}

/// The polite fetcher. Cheap to clone; clones share the client and per-host state.
#[derive(Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Per-call knobs (ordinary fetches vs. robots.txt fetches).
struct Opts<'a> {
    obey_robots: bool,
    max_redirects: usize,
    max_retries: u32,
    cap: u64,
    /// Keep the first `cap` bytes instead of failing with TooLarge.
    truncate: bool,
    accept: &'a str,
    validators: &'a Validators,
}

/// A response with its body read (empty for non-2xx).
struct RawResponse {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    coding: Coding,
}

/// The last hop of a fetch.
struct Final {
    resp: RawResponse,
    url: Url,
    redirects: u32,
    all_permanent: bool,
    attempts: u32,
}

type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

const ROBOTS_MAX_BYTES: u64 = 512 * 1024;
/// Per-host state kept before idle hosts are forgotten.
const MAX_IDLE_HOSTS: usize = 20_000;
/// A host untouched this long may be forgotten.
const HOST_IDLE: Duration = Duration::from_secs(3600);
/// Longest a robots.txt network failure is remembered.
const UNREACHABLE_TTL: Duration = Duration::from_secs(60);

impl Fetcher {
    /// Builds the fetcher and its HTTP client. Fails only if the TLS backend cannot start.
    pub fn new(config: FetchConfig) -> Result<Fetcher, FetchError> {
        let guard = Arc::new(ssrf::Guard::new(
            config.allow_private_addresses,
            config.dns_ttl,
        ));
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(config.per_host_concurrency.max(1))
            .tcp_nodelay(true)
            .dns_resolver(Arc::new(ssrf::GuardResolver(guard.clone())))
            .build()
            .map_err(|e| FetchError::Request {
                message: format!("building the HTTP client: {}", error_chain(&e)),
            })?;
        let agent_token = robots::product_token(&config.user_agent);
        Ok(Fetcher {
            inner: Arc::new(Inner {
                client,
                global: Arc::new(Semaphore::new(config.global_concurrency.max(1))),
                agent_token,
                hosts: Mutex::new(HashMap::new()),
                guard,
                config,
            }),
        })
    }

    /// The settings in use.
    pub fn config(&self) -> &FetchConfig {
        &self.inner.config
    }

    /// GET `url` (no validators).
    pub async fn fetch(&self, url: &str) -> FetchOutcome {
        self.fetch_request(&FetchRequest::new(url)).await
    }

    /// Conditional GET of `url` with these validators.
    pub async fn fetch_conditional(&self, url: &str, validators: &Validators) -> FetchOutcome {
        self.fetch_request(&FetchRequest::new(url).with_validators(validators.clone()))
            .await
    }

    /// Fetches as described in the crate docs. Never panics; every failure is a
    /// [`FetchOutcome::Failed`].
    pub async fn fetch_request(&self, req: &FetchRequest) -> FetchOutcome {
        let started = Instant::now();
        let cfg = &self.inner.config;
        let opts = Opts {
            obey_robots: cfg.obey_robots,
            max_redirects: cfg.max_redirects,
            max_retries: cfg.max_retries,
            cap: cfg.max_body_bytes,
            truncate: false,
            accept: req.accept.as_deref().unwrap_or(&cfg.accept),
            validators: &req.validators,
        };
        match self.run(&req.url, &opts).await {
            Ok(fin) => finish(&req.url, fin, started),
            Err(e) => {
                tracing::debug!(url = %req.url, error = %e, "fetch failed");
                FetchOutcome::Failed(e)
            }
        }
    }

    /// Whether robots.txt lets us fetch `url` (fetching robots.txt if not cached).
    pub async fn robots_allowed(&self, url: &str) -> Result<bool, FetchError> {
        let url = parse_url(url)?;
        let host = self.host_state(&url);
        match self.check_robots(&host, &url).await {
            Ok(()) => Ok(true),
            Err(FetchError::RobotsDisallowed { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn host_key(url: &Url) -> String {
        format!(
            "{}://{}:{}",
            url.scheme(),
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        )
    }

    fn host_state(&self, url: &Url) -> Arc<HostState> {
        let key = Self::host_key(url);
        let mut hosts = self.inner.hosts.lock().unwrap_or_else(|e| e.into_inner());
        if hosts.len() >= MAX_IDLE_HOSTS && !hosts.contains_key(&key) {
            // Forget hosts nobody is using and nobody contacted lately (their robots.txt
            // is simply fetched again if they come back).
            let now = Instant::now();
            hosts.retain(|_, h| {
                let last = *h.next_slot.lock().unwrap_or_else(|e| e.into_inner());
                Arc::strong_count(h) > 1 || now.saturating_duration_since(last) < HOST_IDLE
            });
        }
        hosts
            .entry(key)
            .or_insert_with(|| {
                Arc::new(HostState {
                    permits: Arc::new(Semaphore::new(
                        self.inner.config.per_host_concurrency.max(1),
                    )),
                    next_slot: Mutex::new(Instant::now()),
                    crawl_delay: Mutex::new(None),
                    robots: tokio::sync::Mutex::new(None),
                })
            })
            .clone()
    }

    /// The SSRF check of one hop's destination.
    async fn vet(&self, url: &Url) -> Result<(), FetchError> {
        let host = url.host_str().unwrap_or("");
        match url.host() {
            Some(url::Host::Ipv4(ip)) => self.inner.guard.check_ip(host, ip.into()),
            Some(url::Host::Ipv6(ip)) => self.inner.guard.check_ip(host, ip.into()),
            Some(url::Host::Domain(d)) => self.inner.guard.resolve(d).await.map(|_| ()),
            None => Err(FetchError::InvalidUrl {
                url: url.to_string(),
                reason: "no host".into(),
            }),
        }
    }

    /// Waits for a per-host slot (concurrency and spacing) and a global slot. The global
    /// slot is never held while waiting on a host, so a slow host cannot starve others.
    async fn gate(
        &self,
        host: &HostState,
    ) -> (Option<OwnedSemaphorePermit>, Option<OwnedSemaphorePermit>) {
        let host_permit = host.permits.clone().acquire_owned().await.ok();
        let cfg = &self.inner.config;
        let crawl = host
            .crawl_delay
            .lock()
            .map(|d| *d)
            .unwrap_or(None)
            .map(|d| d.min(cfg.max_crawl_delay))
            .unwrap_or(Duration::ZERO);
        let spacing = cfg.per_host_delay.max(crawl);
        loop {
            let wait = {
                let slot = host.next_slot.lock().unwrap_or_else(|e| e.into_inner());
                slot.saturating_duration_since(Instant::now())
            };
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            let global = self.inner.global.clone().acquire_owned().await.ok();
            let mut slot = host.next_slot.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            if *slot <= now {
                *slot = now + spacing;
                return (host_permit, global);
            }
            // Another request to this host took the slot meanwhile: give the global slot
            // back and wait again.
            drop(slot);
            drop(global);
        }
    }

    /// Follows redirects, vetting and robots-checking every hop.
    async fn run(&self, start: &str, opts: &Opts<'_>) -> Result<Final, FetchError> {
        let mut url = parse_url(start)?;
        let mut seen: HashSet<String> = HashSet::new();
        seen.insert(url.as_str().to_string());
        let mut redirects = 0u32;
        let mut all_permanent = true;
        let mut attempts = 0u32;
        loop {
            self.vet(&url).await?;
            let host = self.host_state(&url);
            if opts.obey_robots {
                self.check_robots(&host, &url).await?;
            }
            let (resp, n) = self.attempt_with_retries(&host, &url, opts).await?;
            attempts += n;
            if !matches!(resp.status, 301 | 302 | 303 | 307 | 308) {
                return Ok(Final {
                    resp,
                    url,
                    redirects,
                    all_permanent,
                    attempts,
                });
            }
            let location = resp
                .headers
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .ok_or_else(|| FetchError::BadRedirect {
                    reason: format!("HTTP {} without a Location header", resp.status),
                })?;
            let mut next = url.join(location).map_err(|e| FetchError::BadRedirect {
                reason: format!("Location {location:?} is not a URL: {e}"),
            })?;
            next.set_fragment(None);
            if !matches!(next.scheme(), "http" | "https") {
                return Err(FetchError::BadRedirect {
                    reason: format!("redirect to unsupported scheme {:?}", next.scheme()),
                });
            }
            redirects += 1;
            all_permanent &= matches!(resp.status, 301 | 308);
            if !seen.insert(next.as_str().to_string()) {
                return Err(FetchError::RedirectLoop {
                    url: next.to_string(),
                });
            }
            if redirects as usize > opts.max_redirects {
                return Err(FetchError::TooManyRedirects {
                    limit: opts.max_redirects,
                    last_url: next.to_string(),
                });
            }
            tracing::debug!(from = %url, to = %next, "following redirect");
            url = next;
        }
    }

    /// One hop with retries. Returns the response and the number of attempts.
    async fn attempt_with_retries(
        &self,
        host: &HostState,
        url: &Url,
        opts: &Opts<'_>,
    ) -> Result<(RawResponse, u32), FetchError> {
        let cfg = &self.inner.config;
        let mut retry = 0u32;
        loop {
            let result = self.attempt(host, url, opts).await;
            let (err, retry_after) = match result {
                Ok(resp) if is_retryable_status(resp.status) => {
                    let ra = resp
                        .headers
                        .get(header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_retry_after);
                    (
                        FetchError::Http {
                            status: resp.status,
                            retry_after_secs: ra.map(|d| d.as_secs_f64().ceil() as u64),
                        },
                        ra,
                    )
                }
                Ok(resp) => return Ok((resp, retry + 1)),
                Err(
                    e @ (FetchError::Timeout { .. }
                    | FetchError::Connect { .. }
                    | FetchError::Interrupted { .. }),
                ) => (e, None),
                Err(e) => return Err(e),
            };
            if let Some(ra) = retry_after {
                // The server asked the whole host to slow down: every request to it waits
                // (up to max_retry_wait), not just this one.
                let until = Instant::now() + ra.min(cfg.max_retry_wait);
                let mut slot = host.next_slot.lock().unwrap_or_else(|e| e.into_inner());
                if *slot < until {
                    *slot = until;
                }
            }
            if retry >= opts.max_retries {
                return Err(err);
            }
            let wait = match retry_after {
                Some(ra) if ra > cfg.max_retry_wait => return Err(err),
                Some(ra) => ra,
                None => backoff::retry_delay(retry, cfg.retry_base_delay, cfg.max_retry_wait),
            };
            tracing::debug!(%url, error = %err, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }

    /// One request, under the politeness gate and the total timeout.
    async fn attempt(
        &self,
        host: &HostState,
        url: &Url,
        opts: &Opts<'_>,
    ) -> Result<RawResponse, FetchError> {
        let _permits = self.gate(host).await;
        let timeout = self.inner.config.timeout;
        match tokio::time::timeout(timeout, self.send_and_read(url, opts)).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout {
                phase: TimeoutPhase::Total,
                after_ms: timeout.as_millis() as u64,
            }),
        }
    }

    async fn send_and_read(&self, url: &Url, opts: &Opts<'_>) -> Result<RawResponse, FetchError> {
        let mut rb = self
            .inner
            .client
            .get(url.clone())
            .header(header::ACCEPT, opts.accept)
            .header(header::ACCEPT_ENCODING, "gzip, deflate, br");
        if let Some(etag) = &opts.validators.etag {
            rb = rb.header(header::IF_NONE_MATCH, etag.as_str());
        }
        if let Some(lm) = &opts.validators.last_modified {
            rb = rb.header(header::IF_MODIFIED_SINCE, lm.as_str());
        }
        let mut resp = rb.send().await.map_err(|e| self.map_send_error(&e, url))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        if !(200..300).contains(&status) {
            // Error, redirect and 304 bodies are not needed.
            return Ok(RawResponse {
                status,
                headers,
                body: Vec::new(),
                coding: Coding::Identity,
            });
        }
        let encoding = headers
            .get(header::CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok());
        let coding = Coding::parse(encoding).map_err(|message| FetchError::Decode {
            encoding: encoding.unwrap_or("").to_string(),
            message,
        })?;
        let cap = opts.cap;
        // The wire length bounds nothing for compressed bodies, but a compressed body longer
        // than the cap would decode to more than the cap too.
        if !opts.truncate {
            if let Some(len) = resp.content_length() {
                if len > cap {
                    return Err(FetchError::TooLarge { limit: cap });
                }
            }
        }
        let mut dec = BodyDecoder::new(
            coding,
            usize::try_from(cap).unwrap_or(usize::MAX),
            opts.truncate,
        );
        let over_cap = |dec: &BodyDecoder| {
            if coding == Coding::Identity {
                FetchError::TooLarge { limit: cap }
            } else {
                FetchError::DecompressionBomb {
                    encoding: coding.name().to_string(),
                    limit: cap,
                    compressed_bytes: dec.wire_bytes,
                }
            }
        };
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    match dec.push(&chunk) {
                        Ok(()) => {}
                        Err(DecodeError::OverCap) => return Err(over_cap(&dec)),
                        Err(DecodeError::Corrupt(message)) => {
                            return Err(FetchError::Decode {
                                encoding: coding.name().to_string(),
                                message,
                            })
                        }
                    }
                    if opts.truncate && dec.truncated() {
                        break;
                    }
                    if dec.wire_bytes > cap && !opts.truncate {
                        return Err(FetchError::TooLarge { limit: cap });
                    }
                }
                Ok(None) => break,
                Err(e) => return Err(self.map_body_error(&e)),
            }
        }
        let body = match dec.finish() {
            Ok(b) => b,
            Err(DecodeError::OverCap) => {
                return Err(if coding == Coding::Identity {
                    FetchError::TooLarge { limit: cap }
                } else {
                    FetchError::DecompressionBomb {
                        encoding: coding.name().to_string(),
                        limit: cap,
                        compressed_bytes: 0,
                    }
                })
            }
            Err(DecodeError::Corrupt(message)) => {
                return Err(FetchError::Decode {
                    encoding: coding.name().to_string(),
                    message,
                })
            }
        };
        Ok(RawResponse {
            status,
            headers,
            body,
            coding,
        })
    }

    fn map_send_error(&self, e: &reqwest::Error, url: &Url) -> FetchError {
        if let Some(fe) = find_source::<FetchError>(e) {
            return fe.clone();
        }
        let host = url.host_str().unwrap_or("").to_string();
        let cfg = &self.inner.config;
        if e.is_timeout() {
            return if e.is_connect() {
                FetchError::Timeout {
                    phase: TimeoutPhase::Connect,
                    after_ms: cfg.connect_timeout.as_millis() as u64,
                }
            } else {
                FetchError::Timeout {
                    phase: TimeoutPhase::Total,
                    after_ms: cfg.timeout.as_millis() as u64,
                }
            };
        }
        if e.is_connect() {
            return FetchError::Connect {
                host,
                message: error_chain(e),
            };
        }
        if e.is_builder() {
            return FetchError::Request {
                message: error_chain(e),
            };
        }
        FetchError::Interrupted {
            message: error_chain(e),
        }
    }

    fn map_body_error(&self, e: &reqwest::Error) -> FetchError {
        if e.is_timeout() {
            return FetchError::Timeout {
                phase: TimeoutPhase::Total,
                after_ms: self.inner.config.timeout.as_millis() as u64,
            };
        }
        FetchError::Interrupted {
            message: error_chain(e),
        }
    }

    /// Refuses `url` when the host's robots.txt disallows it (or is unavailable).
    async fn check_robots(&self, host: &HostState, url: &Url) -> Result<(), FetchError> {
        if url.path() == "/robots.txt" {
            return Ok(());
        }
        match self.robots_verdict(host, url).await? {
            RobotsVerdict::Unavailable(status) => Err(FetchError::RobotsUnavailable { status }),
            RobotsVerdict::Unreachable(e) => Err(e),
            RobotsVerdict::Rules(rules) => {
                let mut path = url.path().to_string();
                if let Some(q) = url.query() {
                    path.push('?');
                    path.push_str(q);
                }
                if rules.is_allowed(&self.inner.agent_token, &path) {
                    Ok(())
                } else {
                    Err(FetchError::RobotsDisallowed {
                        url: url.to_string(),
                    })
                }
            }
        }
    }

    /// The cached robots verdict for the host, fetching robots.txt when missing or expired.
    /// Concurrent callers for one host wait for a single fetch.
    fn robots_verdict<'a>(
        &'a self,
        host: &'a HostState,
        url: &'a Url,
    ) -> BoxFut<'a, Result<RobotsVerdict, FetchError>> {
        Box::pin(async move {
            let mut slot = host.robots.lock().await;
            if let Some(entry) = slot.as_ref() {
                if Instant::now() < entry.expires {
                    return Ok(entry.verdict.clone());
                }
            }
            let cfg = &self.inner.config;
            let robots_url = url
                .join("/robots.txt")
                .map_err(|e| FetchError::InvalidUrl {
                    url: url.to_string(),
                    reason: e.to_string(),
                })?;
            let none = Validators::default();
            let opts = Opts {
                obey_robots: false,
                max_redirects: 5,
                max_retries: 0,
                cap: ROBOTS_MAX_BYTES,
                truncate: true,
                accept: "text/plain, */*;q=0.5",
                validators: &none,
            };
            let (verdict, ttl) = match self.run(robots_url.as_str(), &opts).await {
                Ok(fin) if (200..300).contains(&fin.resp.status) => {
                    let text = String::from_utf8_lossy(&fin.resp.body);
                    (
                        RobotsVerdict::Rules(Arc::new(RobotsTxt::parse(&text))),
                        cfg.robots_ttl,
                    )
                }
                Ok(fin) if fin.resp.status >= 500 => (
                    RobotsVerdict::Unavailable(fin.resp.status),
                    cfg.robots_error_ttl,
                ),
                // 4xx (and anything else odd): no usable robots.txt, everything allowed.
                Ok(_) => (
                    RobotsVerdict::Rules(Arc::new(RobotsTxt::allow_all())),
                    cfg.robots_ttl,
                ),
                Err(FetchError::Http { status, .. }) if status >= 500 || status == 429 => {
                    (RobotsVerdict::Unavailable(status), cfg.robots_error_ttl)
                }
                Err(FetchError::Http { .. }) => (
                    RobotsVerdict::Rules(Arc::new(RobotsTxt::allow_all())),
                    cfg.robots_ttl,
                ),
                // The host is unreachable: report that, and remember it briefly.
                Err(
                    e @ (FetchError::Dns { .. }
                    | FetchError::Connect { .. }
                    | FetchError::Timeout { .. }
                    | FetchError::Interrupted { .. }
                    | FetchError::Blocked { .. }),
                ) => (
                    RobotsVerdict::Unreachable(e),
                    cfg.robots_error_ttl.min(UNREACHABLE_TTL),
                ),
                // Redirect trouble, undecodable body, …: treat as no robots.txt.
                Err(_) => (
                    RobotsVerdict::Rules(Arc::new(RobotsTxt::allow_all())),
                    cfg.robots_ttl,
                ),
            };
            if let RobotsVerdict::Rules(r) = &verdict {
                let delay = r.crawl_delay(&self.inner.agent_token);
                if let Ok(mut d) = host.crawl_delay.lock() {
                    *d = delay;
                }
            }
            *slot = Some(RobotsEntry {
                verdict: verdict.clone(),
                expires: Instant::now() + ttl,
            });
            match verdict {
                RobotsVerdict::Unreachable(e) => Err(e),
                v => Ok(v),
            }
        })
    }
}

fn parse_url(s: &str) -> Result<Url, FetchError> {
    let mut url = Url::parse(s.trim()).map_err(|e| FetchError::InvalidUrl {
        url: s.to_string(),
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::UnsupportedScheme {
            scheme: url.scheme().to_string(),
        });
    }
    if url.host_str().unwrap_or("").is_empty() {
        return Err(FetchError::InvalidUrl {
            url: s.to_string(),
            reason: "no host".into(),
        });
    }
    url.set_fragment(None);
    Ok(url)
}

/// The error and its sources, joined with ": " (reqwest's own message is terse).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = s.source();
    }
    parts.join(": ")
}

fn find_source<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut cur: Option<&'a (dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<T>() {
            return Some(t);
        }
        cur = err.source();
    }
    None
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// `max-age` of a Cache-Control header.
fn max_age(headers: &HeaderMap) -> Option<u64> {
    headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|d| {
            let (k, v) = d.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("max-age")
                .then(|| v.trim().trim_matches('"').parse().ok())
                .flatten()
        })
}

/// Turns the last hop into the outcome.
fn finish(requested: &str, fin: Final, started: Instant) -> FetchOutcome {
    let Final {
        resp,
        url,
        redirects,
        all_permanent,
        attempts,
    } = fin;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let etag = header_str(&resp.headers, header::ETAG);
    let last_modified = header_str(&resp.headers, header::LAST_MODIFIED);
    let max_age_secs = max_age(&resp.headers);
    if resp.status == 304 {
        return FetchOutcome::NotModified(NotModified {
            url: requested.to_string(),
            final_url: url.to_string(),
            etag,
            last_modified,
            max_age_secs,
            attempts,
            elapsed_ms,
        });
    }
    if !(200..300).contains(&resp.status) {
        let retry_after_secs = resp
            .headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after)
            .map(|d| d.as_secs_f64().ceil() as u64);
        return FetchOutcome::Failed(FetchError::Http {
            status: resp.status,
            retry_after_secs,
        });
    }
    let content_type = header_str(&resp.headers, header::CONTENT_TYPE);
    let (text, charset, charset_source) =
        if charset::is_textual(content_type.as_deref(), &resp.body) {
            let d = decode_text(&resp.body, content_type.as_deref());
            (Some(d.text), Some(d.encoding.to_string()), Some(d.source))
        } else {
            (None, None, None)
        };
    let body_len = resp.body.len() as u64;
    FetchOutcome::Ok(Box::new(Fetched {
        status: resp.status,
        url: requested.to_string(),
        final_url: url.to_string(),
        redirects,
        permanent_redirect: (redirects > 0 && all_permanent).then(|| url.to_string()),
        etag,
        last_modified,
        max_age_secs,
        content_type,
        content_encoding: (resp.coding != Coding::Identity).then(|| resp.coding.name().to_string()),
        body_len,
        body: resp.body.into(),
        text,
        charset,
        charset_source,
        attempts,
        elapsed_ms,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(matches!(
            parse_url("ftp://x/y"),
            Err(FetchError::UnsupportedScheme { .. })
        ));
        assert!(matches!(
            parse_url("not a url"),
            Err(FetchError::InvalidUrl { .. })
        ));
        assert_eq!(
            parse_url("http://a.example/x#frag").unwrap().as_str(),
            "http://a.example/x"
        );
    }

    /// The client's own resolver refuses internal addresses too (so a DNS answer that changes
    /// after the pre-connect check cannot slip through), and the refusal stays typed.
    #[tokio::test]
    async fn client_resolver_refuses_and_stays_typed() {
        let guard = Arc::new(ssrf::Guard::new(false, Duration::from_secs(60)));
        let client = reqwest::Client::builder()
            .no_proxy()
            .dns_resolver(Arc::new(ssrf::GuardResolver(guard)))
            .build()
            .unwrap();
        let e = client.get("http://localhost:9/").send().await.unwrap_err();
        let found = find_source::<FetchError>(&e).cloned();
        assert!(
            matches!(
                found,
                Some(FetchError::Blocked {
                    reason: BlockReason::Loopback,
                    ..
                })
            ),
            "{e:?}"
        );
    }

    #[test]
    fn max_age_parsing() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CACHE_CONTROL,
            "public, max-age=300".parse().unwrap(),
        );
        assert_eq!(max_age(&h), Some(300));
        h.insert(header::CACHE_CONTROL, "no-cache".parse().unwrap());
        assert_eq!(max_age(&h), None);
    }

    #[test]
    fn outcomes_serialize() {
        let o = FetchOutcome::Failed(FetchError::Http {
            status: 503,
            retry_after_secs: Some(7),
        });
        let s = serde_json::to_string(&o).unwrap();
        assert!(
            s.contains("\"outcome\":\"failed\"") && s.contains("\"kind\":\"http\""),
            "{s}"
        );
        let back: FetchOutcome = serde_json::from_str(&s).unwrap();
        assert_eq!(back, o);
        assert!(o.is_transient());
        assert_eq!(o.code(), "http-503");
        let blocked = FetchError::Blocked {
            host: "x".into(),
            addr: "10.0.0.1".into(),
            reason: BlockReason::Private,
        };
        assert!(!blocked.is_transient());
        assert!(blocked.message().contains("private"));
    }
}

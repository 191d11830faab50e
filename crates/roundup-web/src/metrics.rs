//! Prometheus metrics: a registry of simple atomics the pipeline increments, per-route request
//! counts and latency histograms, and the text exposition at /metrics.

use crate::Shared;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct RouteStats {
    by_status: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The metrics registry. The pipeline shares it (see [`crate::WebConfig::metrics`] and
/// [`crate::SiteHandle::metrics`]) and increments its counters; the site adds request
/// metrics. All counters are monotonic.
#[derive(Default)]
pub struct Metrics {
    fetches: AtomicU64,
    fetch_failures: AtomicU64,
    extraction_failures: AtomicU64,
    emails_sent: AtomicU64,
    editions_published: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("fetches", &self.fetches.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Metrics {
    /// A new, zeroed registry.
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// Counts one feed fetch (successful or not).
    pub fn inc_fetches(&self) {
        self.fetches.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one failed feed fetch.
    pub fn inc_fetch_failures(&self) {
        self.fetch_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one article whose extraction failed.
    pub fn inc_extraction_failures(&self) {
        self.extraction_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts `n` emails sent.
    pub fn add_emails_sent(&self, n: u64) {
        self.emails_sent.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts one published edition.
    pub fn inc_editions_published(&self) {
        self.editions_published.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn cache_hit(&self) {
        self.cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn cache_miss(&self) {
        self.cache_misses.fetch_add(1, Ordering::Relaxed);
    }

    /// Records one HTTP request.
    pub(crate) fn observe(&self, route: &str, method: &str, status: u16, secs: f64) {
        let Ok(mut routes) = self.routes.lock() else {
            return;
        };
        let key = (route.to_string(), method.to_string());
        let r = routes.entry(key).or_default();
        *r.by_status.entry(status).or_default() += 1;
        r.count += 1;
        r.sum += secs;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                r.buckets[i] += 1;
            }
        }
    }

    /// The Prometheus text exposition of the counters and request metrics, plus the given
    /// gauges (name, help, value).
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        let counters = [
            (
                "roundup_fetches_total",
                "Feed fetches attempted.",
                &self.fetches,
            ),
            (
                "roundup_fetch_failures_total",
                "Feed fetches that failed.",
                &self.fetch_failures,
            ),
            (
                "roundup_extraction_failures_total",
                "Articles whose extraction failed.",
                &self.extraction_failures,
            ),
            (
                "roundup_emails_sent_total",
                "Emails sent.",
                &self.emails_sent,
            ),
            (
                "roundup_editions_published_total",
                "Editions published.",
                &self.editions_published,
            ),
            (
                "roundup_page_cache_hits_total",
                "Page cache hits.",
                &self.cache_hits,
            ),
            (
                "roundup_page_cache_misses_total",
                "Page cache misses.",
                &self.cache_misses,
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        for (name, help, v) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        let routes = match self.routes.lock() {
            Ok(r) => r,
            Err(p) => p.into_inner(),
        };
        let _ = writeln!(out, "# HELP roundup_http_requests_total HTTP requests by route, method and status.\n# TYPE roundup_http_requests_total counter");
        for ((route, method), r) in routes.iter() {
            for (status, n) in &r.by_status {
                let _ = writeln!(
                    out,
                    "roundup_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                    label(route),
                    label(method)
                );
            }
        }
        let _ = writeln!(out, "# HELP roundup_http_request_duration_seconds HTTP request latency by route.\n# TYPE roundup_http_request_duration_seconds histogram");
        for ((route, method), r) in routes.iter() {
            let (route, method) = (label(route), label(method));
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "roundup_http_request_duration_seconds_bucket{{route=\"{route}\",method=\"{method}\",le=\"{b}\"}} {}",
                    r.buckets[i]
                );
            }
            let _ = writeln!(out, "roundup_http_request_duration_seconds_bucket{{route=\"{route}\",method=\"{method}\",le=\"+Inf\"}} {}", r.count);
            let _ = writeln!(out, "roundup_http_request_duration_seconds_sum{{route=\"{route}\",method=\"{method}\"}} {}", r.sum);
            let _ = writeln!(out, "roundup_http_request_duration_seconds_count{{route=\"{route}\",method=\"{method}\"}} {}", r.count);
        }
        out
    }
}

/// Escapes a label value for the exposition format.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: times every request and records it under its route pattern (never the raw
/// path, so label cardinality stays bounded).
pub(crate) async fn track(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().as_str().to_string();
    let start = Instant::now();
    let resp = next.run(req).await;
    st.metrics.observe(
        &route,
        &method,
        resp.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    resp
}

/// GET /metrics.
pub(crate) async fn exposition(State(st): State<Shared>) -> Response {
    let now = roundup_store::now_secs();
    let mut gauges: Vec<(&str, &str, f64)> = Vec::new();
    let up = match st.store.list_outlets().await {
        Ok(outlets) => {
            let failing = outlets
                .iter()
                .filter(|o| !o.paused && o.state.consecutive_failures > 0)
                .count();
            let paused = outlets.iter().filter(|o| o.paused).count();
            gauges.push(("roundup_outlets", "Outlets followed.", outlets.len() as f64));
            gauges.push(("roundup_outlets_paused", "Paused outlets.", paused as f64));
            gauges.push((
                "roundup_feeds_failing",
                "Unpaused feeds whose last fetch failed.",
                failing as f64,
            ));
            match st
                .store
                .stories_since(now - 48 * 3600, false, 100_000)
                .await
            {
                Ok(s) => {
                    gauges.push((
                        "roundup_stories_recent",
                        "Stories updated in the last 48 hours.",
                        s.len() as f64,
                    ));
                    1.0
                }
                Err(_) => 0.0,
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: store unavailable");
            0.0
        }
    };
    match st.store.ledger_totals().await {
        Ok(c) => {
            gauges.push((
                "roundup_newsletter_messages_sent",
                "Newsletter messages accepted by the relay (send ledger, all processes).",
                c.sent as f64,
            ));
            gauges.push((
                "roundup_newsletter_messages_failed",
                "Newsletter messages that failed permanently (send ledger).",
                c.failed as f64,
            ));
            gauges.push((
                "roundup_newsletter_messages_open",
                "Newsletter messages queued or being sent (send ledger).",
                c.open() as f64,
            ));
        }
        Err(e) => tracing::warn!(error = %e, "metrics: send ledger unavailable"),
    }
    gauges.push(("roundup_store_up", "1 when the store answered.", up));
    let mut r = st.metrics.render(&gauges).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

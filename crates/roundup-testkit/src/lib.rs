//! Test kit: a loopback fixture HTTP server with faults on demand.
//!
//! [`TestServer`] is an in-process HTTP/1.1 server (tokio + hyper) bound to `127.0.0.1:0` by
//! default, or to any `127.x.y.z` address (Linux routes all of 127.0.0.0/8 to loopback), so
//! tests and benchmarks can simulate many hosts in one process. It serves registered
//! [`Route`]s, each a sequence of [`Reply`]s, and records every request it receives
//! ([`RecordedRequest`]: path, headers, listener, arrival time) plus how many were in flight
//! at once, so tests can assert politeness (per-host spacing, concurrency) and conditional
//! headers.
//!
//! Faults on demand, all as [`Reply`] constructors: slow bodies ([`Reply::slow_body`]), any
//! status ([`Reply::status`]), `429`/`503` with `Retry-After` ([`Reply::retry_after`],
//! [`Reply::retry_after_date`]), `304` ([`Reply::not_modified`], or automatic with
//! [`Route::with_etag`] / [`Route::with_last_modified`]), redirects ([`Reply::redirect`],
//! chains and loops are several routes), huge streamed bodies ([`Reply::huge`],
//! [`Reply::huge_chunked`]), gzip bombs ([`Reply::gzip_bomb`]), any charset or none
//! ([`Reply::bytes`]), robots.txt ([`TestServer::robots`]), closing mid-body
//! ([`Reply::close_mid_body`]) or before answering ([`Reply::close`]), resetting it (TCP RST:
//! [`Reply::reset`], [`Reply::reset_mid_body`]), and hanging forever
//! ([`Reply::hang`]). Delays before the response head: [`Reply::with_delay`].
//!
//! The plain-serving part ([`TestServer::serve_files`], [`Route::file`]) has no test-only
//! dependencies and can serve a demo's sample world.

#![warn(missing_docs)]

mod reply;
mod server;

pub use reply::{guess_content_type, Reply, Route};

/// A path inside the shared read-only inputs (benchmarks, scorers, fixtures): under
/// `$ROUNDUP_SHARED` when set (`scripts/test` sets it, also for a checkout that is not beside
/// `shared/`), else `../shared` beside the workspace. Tests that read it skip, with a notice,
/// when it is absent.
pub fn shared_path(rel: &str) -> std::path::PathBuf {
    let root = match std::env::var_os("ROUNDUP_SHARED") {
        Some(d) if !d.is_empty() => std::path::PathBuf::from(d),
        _ => std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")),
    };
    root.join(rel)
}
pub use server::{min_gap, RecordedRequest, ServerBuilder, TestServer};

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A tiny HTTP/1.0 client: sends one request, reads until the server closes.
    async fn get(server: &TestServer, path: &str, extra: &str) -> String {
        let mut s = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        let req = format!("GET {path} HTTP/1.0\r\nHost: x\r\n{extra}\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        String::from_utf8_lossy(&out).into_owned()
    }

    #[tokio::test]
    async fn serves_routes_and_records_requests() {
        let server = TestServer::start().await.unwrap();
        server.route("/a", Reply::text("hello"));
        let resp = get(&server, "/a?x=1", "X-Test: 1\r\n").await;
        assert!(resp.starts_with("HTTP/1.0 200"), "{resp}");
        assert!(resp.ends_with("hello"));
        let resp = get(&server, "/missing", "").await;
        assert!(resp.contains(" 404 "), "{resp}");
        let log = server.requests();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].path, "/a?x=1");
        assert_eq!(log[0].header("x-test"), Some("1"));
        assert_eq!(server.hits("/a"), 1);
    }

    #[tokio::test]
    async fn sequences_repeat_the_last_reply() {
        let server = TestServer::start().await.unwrap();
        server.route(
            "/s",
            Route::sequence([Reply::status(503), Reply::text("ok")]),
        );
        assert!(get(&server, "/s", "").await.contains(" 503 "));
        assert!(get(&server, "/s", "").await.contains(" 200 "));
        assert!(get(&server, "/s", "").await.contains(" 200 "));
    }

    #[tokio::test]
    async fn conditional_requests_get_304() {
        let server = TestServer::start().await.unwrap();
        let lm = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        server.route(
            "/f",
            Route::new(Reply::xml("<x/>"))
                .with_etag("\"v1\"")
                .with_last_modified(lm),
        );
        let full = get(&server, "/f", "").await;
        assert!(
            full.contains(" 200 ") && full.contains("etag: \"v1\""),
            "{full}"
        );
        let nm = get(&server, "/f", "If-None-Match: \"v1\"\r\n").await;
        assert!(nm.contains(" 304 "), "{nm}");
        let changed = get(&server, "/f", "If-None-Match: \"v0\"\r\n").await;
        assert!(changed.contains(" 200 "), "{changed}");
        let ims = format!("If-Modified-Since: {}\r\n", httpdate::fmt_http_date(lm));
        assert!(get(&server, "/f", &ims).await.contains(" 304 "));
        let old = httpdate::fmt_http_date(lm - Duration::from_secs(60));
        let ims = format!("If-Modified-Since: {old}\r\n");
        assert!(get(&server, "/f", &ims).await.contains(" 200 "));
    }

    #[tokio::test]
    async fn huge_body_is_streamed_with_length() {
        let server = TestServer::start().await.unwrap();
        server.route("/big", Reply::huge(300_000));
        let resp = get(&server, "/big", "").await;
        assert!(resp.contains("content-length: 300000"), "{}", &resp[..200]);
        let body = resp.split("\r\n\r\n").nth(1).unwrap();
        assert_eq!(body.len(), 300_000);
    }

    #[tokio::test]
    async fn gzip_bomb_inflates_to_the_requested_size() {
        use std::io::Read;
        let server = TestServer::start().await.unwrap();
        // Around the 1 MiB + 1 unit the stream repeats, and the empty / tiny cases.
        for len in [3_000_123u64, 2 * 1_048_513, 0, 1, 300] {
            server.route("/bomb", Reply::gzip_bomb(len));
            let mut s = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
            s.write_all(b"GET /bomb HTTP/1.0\r\n\r\n").await.unwrap();
            let mut raw = Vec::new();
            s.read_to_end(&mut raw).await.unwrap();
            let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
            let body = &raw[split..];
            assert!(
                body.len() as u64 <= 100 + len / 150,
                "compressed size {}",
                body.len()
            );
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out.len() as u64, len);
            assert!(out.iter().all(|&b| b == 0));
        }
    }

    #[tokio::test]
    async fn close_and_hang_faults() {
        let server = TestServer::start().await.unwrap();
        server.route("/close", Reply::close());
        server.route("/hang", Reply::hang());
        server.route("/cut", Reply::close_mid_body("partial", 1000));
        server.route("/reset", Reply::reset());
        server.route("/cut-rst", Reply::reset_mid_body("partial", 1000));
        assert_eq!(get(&server, "/close", "").await, "");
        // A reset shows as an error on read.
        for path in ["/reset", "/cut-rst"] {
            let mut s = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
            let req = format!("GET {path} HTTP/1.0\r\n\r\n");
            s.write_all(req.as_bytes()).await.unwrap();
            let mut out = Vec::new();
            let r = s.read_to_end(&mut out).await;
            assert_eq!(
                r.map_err(|e| e.kind()).err(),
                Some(std::io::ErrorKind::ConnectionReset),
                "{path}: {}",
                String::from_utf8_lossy(&out)
            );
        }
        let cut = get(&server, "/cut", "").await;
        assert!(
            cut.contains("content-length: 1000") && cut.ends_with("partial"),
            "{cut}"
        );
        let hang = tokio::time::timeout(Duration::from_millis(200), get(&server, "/hang", ""));
        assert!(hang.await.is_err(), "hang answered");
    }

    #[tokio::test]
    async fn many_loopback_hosts_share_routes() {
        let ips = (1..=3).map(|i| std::net::IpAddr::from([127, 0, 0, 10 + i]));
        let server = TestServer::start_many(ips).await.unwrap();
        server.add_files([
            ("/feed.rss", "<rss/>"),
            ("/news/index.html", "<h1>News</h1>"),
        ]);
        for (i, addr) in server.addrs().iter().enumerate() {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(b"GET /feed.rss HTTP/1.0\r\n\r\n")
                .await
                .unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).await.unwrap();
            assert!(out.contains("application/rss+xml"), "{i}: {out}");
            assert_eq!(server.requests_on(*addr).len(), 1);
        }
        let mut s = tokio::net::TcpStream::connect(server.addr()).await.unwrap();
        s.write_all(b"GET /news/ HTTP/1.0\r\n\r\n").await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        assert!(
            out.contains("text/html") && out.ends_with("<h1>News</h1>"),
            "{out}"
        );
    }
}

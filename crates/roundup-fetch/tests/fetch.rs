//! End-to-end tests of the fetcher against the testkit's loopback server.
//!
//! Every config here sets `allow_private_addresses = true` explicitly (the server is on
//! loopback); the SSRF tests set it to false.

use roundup_fetch::{
    BlockReason, CharsetSource, FetchConfig, FetchError, FetchOutcome, FetchRequest, Fetched,
    Fetcher, TimeoutPhase,
};
use roundup_testkit::{min_gap, Reply, Route, TestServer};
use std::net::IpAddr;
use std::time::{Duration, Instant, SystemTime};

/// Fast settings for loopback tests.
fn cfg() -> FetchConfig {
    FetchConfig {
        allow_private_addresses: true,
        per_host_delay: Duration::ZERO,
        timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_secs(1),
        retry_base_delay: Duration::from_millis(20),
        max_retry_wait: Duration::from_secs(3),
        max_retries: 2,
        ..FetchConfig::default()
    }
}

fn fetcher(c: FetchConfig) -> Fetcher {
    Fetcher::new(c).expect("client")
}

#[track_caller]
fn ok(o: FetchOutcome) -> Fetched {
    match o {
        FetchOutcome::Ok(f) => *f,
        other => panic!("expected Ok, got {other:?}"),
    }
}

#[track_caller]
fn err(o: FetchOutcome) -> FetchError {
    match o {
        FetchOutcome::Failed(e) => e,
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

#[tokio::test]
async fn ok_response_carries_headers_text_and_identifies_itself() {
    let server = TestServer::start().await.unwrap();
    server.route(
        "/feed.xml",
        Route::new(
            Reply::bytes("application/rss+xml; charset=utf-8", "<rss>café</rss>")
                .with_header("Cache-Control", "public, max-age=600"),
        )
        .with_etag("\"abc\"")
        .with_last_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
    );
    let f = fetcher(cfg());
    let page = ok(f.fetch(&server.url("/feed.xml?x=1#frag")).await);
    assert_eq!(page.status, 200);
    assert_eq!(page.text.as_deref(), Some("<rss>café</rss>"));
    assert_eq!(page.etag.as_deref(), Some("\"abc\""));
    assert_eq!(
        page.last_modified.as_deref(),
        Some("Tue, 14 Nov 2023 22:13:20 GMT")
    );
    assert_eq!(page.max_age_secs, Some(600));
    assert_eq!(page.charset.as_deref(), Some("UTF-8"));
    assert_eq!(page.charset_source, Some(CharsetSource::Http));
    assert!(page
        .content_type
        .unwrap()
        .starts_with("application/rss+xml"));
    assert_eq!(page.redirects, 0);
    let reqs = server.requests_to("/feed.xml");
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].path, "/feed.xml?x=1", "fragment must not be sent");
    assert!(reqs[0]
        .header("user-agent")
        .unwrap()
        .starts_with("roundup/"));
    let ae = reqs[0].header("accept-encoding").unwrap();
    assert!(
        ae.contains("gzip") && ae.contains("br") && ae.contains("deflate"),
        "{ae}"
    );
    // robots.txt was asked for first (404 here → allowed)
    assert_eq!(server.hits("/robots.txt"), 1);
}

#[tokio::test]
async fn conditional_get_sends_validators_and_gets_not_modified() {
    let server = TestServer::start().await.unwrap();
    let lm = SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    server.route(
        "/f",
        Route::new(Reply::xml("<feed/>"))
            .with_etag("\"v7\"")
            .with_last_modified(lm),
    );
    let f = fetcher(cfg());
    let first = ok(f.fetch(&server.url("/f")).await);
    let validators = first.validators();
    let second = f.fetch_conditional(&server.url("/f"), &validators).await;
    let FetchOutcome::NotModified(nm) = &second else {
        panic!("expected 304, got {second:?}")
    };
    assert_eq!(nm.etag.as_deref(), Some("\"v7\""));
    assert_eq!(second.code(), "not-modified");
    let reqs = server.requests_to("/f");
    assert_eq!(reqs[0].header("if-none-match"), None);
    assert_eq!(reqs[1].header("if-none-match"), Some("\"v7\""));
    assert_eq!(
        reqs[1].header("if-modified-since"),
        first.last_modified.as_deref()
    );
    // Only If-Modified-Since: still 304.
    let third = f
        .fetch_request(
            &FetchRequest::new(server.url("/f")).with_last_modified(first.last_modified.unwrap()),
        )
        .await;
    assert!(matches!(third, FetchOutcome::NotModified(_)), "{third:?}");
    // A stale ETag gets the full body.
    let fourth = f
        .fetch_request(&FetchRequest::new(server.url("/f")).with_etag("\"v6\""))
        .await;
    assert_eq!(ok(fourth).text.as_deref(), Some("<feed/>"));
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let server = TestServer::start().await.unwrap();
    server.route(
        "/flaky",
        Route::sequence([Reply::status(500), Reply::status(503), Reply::text("fine")]),
    );
    server.route("/down", Reply::status(500));
    server.route("/gone", Reply::status(404));
    let f = fetcher(cfg());
    let page = ok(f.fetch(&server.url("/flaky")).await);
    assert_eq!(page.attempts, 3);
    assert_eq!(page.text.as_deref(), Some("fine"));

    let e = err(f.fetch(&server.url("/down")).await);
    assert_eq!(
        e,
        FetchError::Http {
            status: 500,
            retry_after_secs: None
        }
    );
    assert!(e.is_transient());
    assert_eq!(server.hits("/down"), 3, "1 try + max_retries 2");

    let e = err(f.fetch(&server.url("/gone")).await);
    assert_eq!(e.code(), "http-404");
    assert!(!e.is_transient());
    assert_eq!(server.hits("/gone"), 1, "4xx is not retried");
}

#[tokio::test]
async fn retry_after_is_honored_in_seconds_and_dates() {
    let server = TestServer::start().await.unwrap();
    server.route(
        "/limited",
        Route::sequence([Reply::retry_after(429, 1), Reply::text("ok")]),
    );
    server.route(
        "/dated",
        Route::sequence([
            Reply::retry_after_date(503, Duration::from_secs(2)),
            Reply::text("ok"),
        ]),
    );
    server.route("/later", Reply::retry_after(429, 120));
    let f = fetcher(cfg());
    let (a, b) = tokio::join!(
        f.fetch_request_owned(server.url("/limited")),
        f.fetch_request_owned(server.url("/dated"))
    );
    ok(a);
    ok(b);
    let gap = min_gap(&server.requests_to("/limited")).unwrap();
    assert!(gap >= Duration::from_millis(990), "waited only {gap:?}");

    // A Retry-After holds back the whole host, not only the URL that got the 429.
    server.route(
        "/slowdown",
        Route::sequence([Reply::retry_after(429, 1), Reply::text("ok")]),
    );
    server.route("/plain", Reply::text("plain"));
    let first = tokio::spawn(f.fetch_request_owned(server.url("/slowdown")));
    while server.hits("/slowdown") == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    ok(f.fetch(&server.url("/plain")).await);
    ok(first.await.unwrap());
    let wait = server.requests_to("/plain")[0].at - server.requests_to("/slowdown")[0].at;
    assert!(
        wait >= Duration::from_millis(950),
        "other URL went ahead after {wait:?}"
    );
    // An HTTP-date has whole-second precision: 2 s from now is 1–2 s away.
    let gap = min_gap(&server.requests_to("/dated")).unwrap();
    assert!(gap >= Duration::from_millis(900), "waited only {gap:?}");

    // Longer than max_retry_wait: give up at once and report the server's wish.
    let started = Instant::now();
    let e = err(f.fetch(&server.url("/later")).await);
    assert_eq!(
        e,
        FetchError::Http {
            status: 429,
            retry_after_secs: Some(120)
        }
    );
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(server.hits("/later"), 1);
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn redirects_chains_loops_and_limits() {
    let server = TestServer::start().await.unwrap();
    server.route("/c0", Reply::redirect(301, "/c1"));
    server.route("/c1", Reply::redirect(308, &server.url("/c2")));
    server.route("/c2", Reply::redirect(301, "c3"));
    server.route("/c3", Reply::text("end"));
    server.route("/t0", Reply::redirect(302, "/t1"));
    server.route("/t1", Reply::redirect(301, "/c3"));
    server.redirect_loop("/loop-a", "/loop-b");
    server.route("/nowhere", Reply::status(302));
    server.route("/ftp", Reply::redirect(302, "ftp://example.com/x"));
    let long = server.redirect_chain("/long", 8, 307, Reply::text("too far"));
    assert_eq!(long, "/long0");
    let f = fetcher(FetchConfig {
        max_redirects: 4,
        ..cfg()
    });
    let page = ok(f.fetch(&server.url("/c0")).await);
    assert_eq!(page.redirects, 3);
    assert_eq!(page.final_url, server.url("/c3"));
    assert_eq!(page.url, server.url("/c0"));
    assert_eq!(
        page.permanent_redirect.as_deref(),
        Some(server.url("/c3").as_str())
    );
    let page = ok(f.fetch(&server.url("/t0")).await);
    assert_eq!(
        page.permanent_redirect, None,
        "a 302 in the chain is not permanent"
    );

    let e = err(f.fetch(&server.url("/loop-a")).await);
    assert!(matches!(e, FetchError::RedirectLoop { .. }), "{e:?}");
    let e = err(f.fetch(&server.url("/long0")).await);
    assert!(
        matches!(e, FetchError::TooManyRedirects { limit: 4, .. }),
        "{e:?}"
    );
    assert_eq!(server.hits("/long4"), 1);
    assert_eq!(server.hits("/long5"), 0, "stopped at the limit");
    let e = err(f.fetch(&server.url("/nowhere")).await);
    assert!(matches!(e, FetchError::BadRedirect { .. }), "{e:?}");
    let e = err(f.fetch(&server.url("/ftp")).await);
    assert!(matches!(e, FetchError::BadRedirect { .. }), "{e:?}");
}

#[tokio::test]
async fn huge_bodies_are_refused_without_buffering() {
    let server = TestServer::start().await.unwrap();
    server.route("/huge", Reply::huge(5 << 30)); // 5 GiB with Content-Length
    server.route("/stream", Reply::huge_chunked(5 << 30)); // 5 GiB, length unknown
    server.route("/fits", Reply::huge(100_000));
    let f = fetcher(FetchConfig {
        max_body_bytes: 1 << 20,
        ..cfg()
    });
    let started = Instant::now();
    let e = err(f.fetch(&server.url("/huge")).await);
    assert_eq!(e, FetchError::TooLarge { limit: 1 << 20 });
    let e = err(f.fetch(&server.url("/stream")).await);
    assert_eq!(e, FetchError::TooLarge { limit: 1 << 20 });
    assert!(!e.is_transient());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "read far too much"
    );
    assert_eq!(ok(f.fetch(&server.url("/fits")).await).body_len, 100_000);
}

#[tokio::test]
async fn compressed_bodies_are_decoded_and_bombs_stopped() {
    let server = TestServer::start().await.unwrap();
    let text = "<html><body>".to_string() + &"news ".repeat(5000) + "</body></html>";
    server.route(
        "/gz",
        Reply::gzip("text/html; charset=utf-8", text.as_bytes()),
    );
    server.route("/bomb", Reply::gzip_bomb(10 << 30)); // inflates to 10 GiB
    let br = |data: &[u8]| {
        let mut out = Vec::new();
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        std::io::Write::write_all(&mut w, data).unwrap();
        drop(w);
        out
    };
    server.route(
        "/br",
        Reply::bytes("text/html; charset=utf-8", br(text.as_bytes()))
            .with_header("Content-Encoding", "br"),
    );
    server.route(
        "/br-big",
        Reply::bytes("text/html", br(&vec![b'a'; 3 << 20])).with_header("Content-Encoding", "br"),
    );
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut z, text.as_bytes()).unwrap();
    server.route(
        "/deflate",
        Reply::bytes("text/html; charset=utf-8", z.finish().unwrap())
            .with_header("Content-Encoding", "deflate"),
    );
    server.route(
        "/corrupt",
        Reply::bytes("text/html", "not gzip at all").with_header("Content-Encoding", "gzip"),
    );
    server.route(
        "/zstd",
        Reply::bytes("text/html", "x").with_header("Content-Encoding", "zstd"),
    );
    let f = fetcher(FetchConfig {
        max_body_bytes: 1 << 20,
        ..cfg()
    });
    let page = ok(f.fetch(&server.url("/gz")).await);
    assert_eq!(page.content_encoding.as_deref(), Some("gzip"));
    assert_eq!(page.text.as_deref(), Some(text.as_str()));
    let page = ok(f.fetch(&server.url("/br")).await);
    assert_eq!(page.content_encoding.as_deref(), Some("br"));
    assert_eq!(page.text.as_deref(), Some(text.as_str()));
    let page = ok(f.fetch(&server.url("/deflate")).await);
    assert_eq!(page.content_encoding.as_deref(), Some("deflate"));
    assert_eq!(page.text.as_deref(), Some(text.as_str()));
    // A brotli body that inflates past the cap.
    let e = err(f.fetch(&server.url("/br-big")).await);
    assert!(
        matches!(&e, FetchError::DecompressionBomb { encoding, .. } if encoding == "br"),
        "{e:?}"
    );

    let started = Instant::now();
    let e = err(f.fetch(&server.url("/bomb")).await);
    match &e {
        FetchError::DecompressionBomb {
            encoding,
            limit,
            compressed_bytes,
        } => {
            assert_eq!(encoding, "gzip");
            assert_eq!(*limit, 1 << 20);
            assert!(
                *compressed_bytes < 100_000,
                "read {compressed_bytes} compressed bytes"
            );
        }
        other => panic!("expected DecompressionBomb, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    let e = err(f.fetch(&server.url("/corrupt")).await);
    assert!(matches!(e, FetchError::Decode { .. }), "{e:?}");
    let e = err(f.fetch(&server.url("/zstd")).await);
    assert!(matches!(e, FetchError::Decode { .. }), "{e:?}");
}

#[tokio::test]
async fn slow_bodies_hangs_and_broken_connections() {
    let server = TestServer::start().await.unwrap();
    server.route(
        "/trickle-ok",
        Reply::slow_body("abcdefghij", 2, Duration::from_millis(30)),
    );
    server.route(
        "/trickle-slow",
        Reply::slow_body("abcdefghij", 1, Duration::from_millis(300)),
    );
    server.route("/hang", Reply::hang());
    server.route("/cut", Reply::close_mid_body("<rss><item>", 10_000));
    server.route("/close", Reply::close());
    server.route("/rst", Reply::reset());
    server.route("/cut-rst", Reply::reset_mid_body("<rss><item>", 10_000));
    server.route(
        "/recovers",
        Route::sequence([Reply::close(), Reply::text("second time lucky")]),
    );
    let f = fetcher(FetchConfig {
        timeout: Duration::from_millis(800),
        max_retries: 1,
        ..cfg()
    });
    let page = ok(f.fetch(&server.url("/trickle-ok")).await);
    assert_eq!(page.text.as_deref(), Some("abcdefghij"));

    let (slow, hang, cut, close, recovers) = tokio::join!(
        f.fetch_request_owned(server.url("/trickle-slow")),
        f.fetch_request_owned(server.url("/hang")),
        f.fetch_request_owned(server.url("/cut")),
        f.fetch_request_owned(server.url("/close")),
        f.fetch_request_owned(server.url("/recovers")),
    );
    for (name, o) in [("trickle-slow", slow), ("hang", hang)] {
        let e = err(o);
        assert_eq!(
            e,
            FetchError::Timeout {
                phase: TimeoutPhase::Total,
                after_ms: 800
            },
            "{name}"
        );
        assert!(e.is_transient());
    }
    assert_eq!(server.hits("/hang"), 2, "timeouts are retried");
    let e = err(cut);
    assert!(matches!(e, FetchError::Interrupted { .. }), "{e:?}");
    let e = err(close);
    assert!(matches!(e, FetchError::Interrupted { .. }), "{e:?}");
    assert_eq!(ok(recovers).text.as_deref(), Some("second time lucky"));
    for path in ["/rst", "/cut-rst"] {
        let e = err(f.fetch(&server.url(path)).await);
        assert!(matches!(e, FetchError::Interrupted { .. }), "{path}: {e:?}");
        assert!(e.is_transient());
        assert_eq!(server.hits(path), 2, "{path}: retried once");
    }
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let f = fetcher(FetchConfig {
        max_retries: 0,
        ..cfg()
    });
    let e = err(f.fetch(&format!("http://127.0.0.1:{port}/feed")).await);
    assert!(matches!(e, FetchError::Connect { .. }), "{e:?}");
    assert!(e.is_transient());
    let e = err(f.fetch("gopher://127.0.0.1/").await);
    assert!(matches!(e, FetchError::UnsupportedScheme { .. }), "{e:?}");
    let e = err(f.fetch("http://").await);
    assert!(matches!(e, FetchError::InvalidUrl { .. }), "{e:?}");
}

#[tokio::test]
async fn connect_timeout_is_typed() {
    // A listener that never accepts, its backlog filled: further SYNs are dropped and the
    // client's connect hangs until the connect timeout.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    let _listener = socket.listen(1).unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        if let Ok(Ok(s)) = tokio::time::timeout(
            Duration::from_millis(100),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            fillers.push(s);
        }
    }
    let f = fetcher(FetchConfig {
        connect_timeout: Duration::from_millis(300),
        max_retries: 0,
        obey_robots: false,
        ..cfg()
    });
    let started = Instant::now();
    let e = err(f.fetch(&format!("http://{addr}/feed")).await);
    assert_eq!(
        e,
        FetchError::Timeout {
            phase: TimeoutPhase::Connect,
            after_ms: 300
        }
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn robots_txt_is_obeyed_and_cached() {
    let server = TestServer::start().await.unwrap();
    server.robots(
        "User-agent: *\nDisallow: /\n\nUser-agent: roundup\nDisallow: /private\nAllow: /private/ok\n\
         Disallow: /*.pdf$\n",
    );
    server.route("/private/secret", Reply::text("no"));
    server.route("/private/ok/x", Reply::text("yes"));
    server.route("/doc.pdf", Reply::text("pdf"));
    server.route("/public", Reply::text("public"));
    server.route("/to-private", Reply::redirect(302, "/private/secret"));
    let f = fetcher(cfg());
    let e = err(f.fetch(&server.url("/private/secret")).await);
    assert!(matches!(e, FetchError::RobotsDisallowed { .. }), "{e:?}");
    assert!(!e.is_transient());
    ok(f.fetch(&server.url("/private/ok/x")).await);
    ok(f.fetch(&server.url("/doc.pdf?download=1")).await);
    let e = err(f.fetch(&server.url("/doc.pdf")).await);
    assert!(matches!(e, FetchError::RobotsDisallowed { .. }), "{e:?}");
    ok(f.fetch(&server.url("/public")).await);
    // A redirect into a disallowed path is checked too.
    let e = err(f.fetch(&server.url("/to-private")).await);
    assert!(matches!(e, FetchError::RobotsDisallowed { .. }), "{e:?}");
    assert_eq!(server.hits("/private/secret"), 0);
    assert_eq!(
        server.hits("/robots.txt"),
        1,
        "robots.txt is cached per host"
    );
    assert!(!f.robots_allowed(&server.url("/private/x")).await.unwrap());

    // A different user agent falls back to the * group.
    let other = fetcher(FetchConfig {
        user_agent: "otherbot/1.0".into(),
        ..cfg()
    });
    let e = err(other.fetch(&server.url("/public")).await);
    assert!(matches!(e, FetchError::RobotsDisallowed { .. }), "{e:?}");
    // Robots off: fetched anyway.
    let rude = fetcher(FetchConfig {
        obey_robots: false,
        user_agent: "otherbot/1.0".into(),
        ..cfg()
    });
    ok(rude.fetch(&server.url("/public")).await);
}

#[tokio::test]
async fn robots_server_error_disallows_for_a_while_and_4xx_allows() {
    let down = TestServer::start_on(ip(21)).await.unwrap();
    down.route("/robots.txt", Reply::status(503));
    down.route("/feed", Reply::text("feed"));
    let missing = TestServer::start_on(ip(22)).await.unwrap();
    missing.route("/robots.txt", Reply::status(403));
    missing.route("/feed", Reply::text("feed"));
    let f = fetcher(cfg());
    let e = err(f.fetch(&down.url("/feed")).await);
    assert_eq!(e, FetchError::RobotsUnavailable { status: 503 });
    assert!(e.is_transient());
    let e = err(f.fetch(&down.url("/feed")).await);
    assert_eq!(e, FetchError::RobotsUnavailable { status: 503 });
    assert_eq!(down.hits("/robots.txt"), 1, "the failure is cached");
    assert_eq!(down.hits("/feed"), 0);
    ok(f.fetch(&missing.url("/feed")).await);
}

#[tokio::test]
async fn unreachable_robots_costs_one_timeout_per_host() {
    let server = TestServer::start().await.unwrap();
    server.route("/robots.txt", Reply::hang());
    server.route("/feed", Reply::text("feed"));
    let f = fetcher(FetchConfig {
        timeout: Duration::from_millis(400),
        ..cfg()
    });
    let started = Instant::now();
    let outs =
        futures_join_all((0..4).map(|i| f.fetch_request_owned(server.url(&format!("/feed?{i}")))))
            .await;
    for o in outs {
        let e = err(o);
        assert!(matches!(e, FetchError::Timeout { .. }), "{e:?}");
    }
    assert_eq!(
        server.hits("/robots.txt"),
        1,
        "robots.txt is not retried per fetch"
    );
    assert_eq!(server.hits("/feed"), 0);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn crawl_delay_spaces_requests() {
    let server = TestServer::start().await.unwrap();
    server.robots("User-agent: *\nCrawl-delay: 0.3\n");
    server.route("/a", Reply::text("a"));
    let f = fetcher(cfg());
    let fetches = (0..3).map(|_| f.fetch_request_owned(server.url("/a")));
    for o in futures_join_all(fetches).await {
        ok(o);
    }
    let reqs = server.requests_to("/a");
    assert_eq!(reqs.len(), 3);
    let gap = min_gap(&reqs).unwrap();
    assert!(gap >= Duration::from_millis(240), "gap {gap:?}");
}

#[tokio::test]
async fn per_host_delay_and_concurrency_are_respected() {
    let server = TestServer::start_many([ip(31), ip(32)]).await.unwrap();
    server.route(
        "/item",
        Reply::text("x").with_delay(Duration::from_millis(150)),
    );
    server.route("/quick", Reply::text("q"));
    // Spacing: 6 requests to one host, 100 ms apart at least.
    let spaced = fetcher(FetchConfig {
        per_host_delay: Duration::from_millis(100),
        ..cfg()
    });
    let started = Instant::now();
    let all = futures_join_all(
        (0..6).map(|i| spaced.fetch_request_owned(server.url_on(0, &format!("/quick?{i}")))),
    )
    .await;
    all.into_iter().for_each(|o| {
        ok(o);
    });
    let reqs = server.requests_on(server.addrs()[0]);
    assert_eq!(reqs.len(), 7, "robots.txt + 6");
    let gap = min_gap(&reqs).unwrap();
    // Spacing is enforced at the client; arrival times at the server can jitter a little.
    assert!(gap >= Duration::from_millis(60), "gap {gap:?}");
    assert!(started.elapsed() >= Duration::from_millis(600));

    // Concurrency: 8 slow requests to one host with per-host limit 2, while the other host
    // gets its own 2.
    server.clear_requests();
    let limited = fetcher(FetchConfig {
        per_host_concurrency: 2,
        global_concurrency: 16,
        ..cfg()
    });
    let a = (0..8).map(|i| limited.fetch_request_owned(server.url_on(0, &format!("/item?{i}"))));
    let b = (0..8).map(|i| limited.fetch_request_owned(server.url_on(1, &format!("/item?{i}"))));
    for o in futures_join_all(a.chain(b)).await {
        ok(o);
    }
    assert_eq!(server.max_in_flight_on(server.addrs()[0]), 2);
    assert_eq!(server.max_in_flight_on(server.addrs()[1]), 2);
    assert_eq!(server.max_in_flight(), 4);

    // Global limit below the per-host sum.
    server.clear_requests();
    let global = fetcher(FetchConfig {
        per_host_concurrency: 4,
        global_concurrency: 3,
        ..cfg()
    });
    let a = (0..6).map(|i| global.fetch_request_owned(server.url_on(0, &format!("/item?g{i}"))));
    let b = (0..6).map(|i| global.fetch_request_owned(server.url_on(1, &format!("/item?g{i}"))));
    for o in futures_join_all(a.chain(b)).await {
        ok(o);
    }
    assert_eq!(server.max_in_flight(), 3);
}

#[tokio::test]
async fn a_slow_or_failing_host_does_not_delay_others() {
    let slow = TestServer::start_on(ip(41)).await.unwrap();
    slow.route("/feed", Reply::hang());
    slow.route("/err", Reply::status(503));
    let fast = TestServer::start_on(ip(42)).await.unwrap();
    fast.route("/feed", Reply::text("fast"));
    let f = fetcher(FetchConfig {
        timeout: Duration::from_secs(2),
        max_retries: 3,
        retry_base_delay: Duration::from_millis(300),
        per_host_delay: Duration::from_millis(50),
        ..cfg()
    });
    let f2 = f.clone();
    let slow_urls: Vec<String> = (0..4).map(|i| slow.url(&format!("/feed?{i}"))).collect();
    let err_url = slow.url("/err");
    let hogs = tokio::spawn(async move {
        let mut futs: Vec<_> = slow_urls
            .into_iter()
            .map(|u| f2.fetch_request_owned(u))
            .collect();
        futs.push(f2.fetch_request_owned(err_url));
        futures_join_all(futs).await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    for i in 0..5 {
        ok(f.fetch(&fast.url(&format!("/feed?{i}"))).await);
    }
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(1500),
        "fast host took {took:?}"
    );
    hogs.abort();
}

#[tokio::test]
async fn charsets_are_detected_and_decoded() {
    let server = TestServer::start().await.unwrap();
    // windows-1252 bytes, no declaration anywhere.
    let cp1252 = b"<html><body><p>Les \x93guillemets\x94 du caf\xe9 \x96 d\xe9j\xe0 vu, na\xefve \
        fa\xe7ade, tr\xe8s \xe9l\xe9gant.</p></body></html>"
        .to_vec();
    server.route("/undeclared", Reply::bytes("text/html", cp1252.clone()));
    // BOM beats a wrong header.
    let mut bom = vec![0xef, 0xbb, 0xbf];
    bom.extend_from_slice("<p>Zürich – naïve</p>".as_bytes());
    server.route("/bom", Reply::bytes("text/html; charset=iso-8859-1", bom));
    // UTF-16 with BOM.
    let mut utf16 = vec![0xff, 0xfe];
    for u in "<p>Ünïcödé</p>".encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    server.route("/utf16", Reply::bytes("text/html", utf16));
    // meta charset
    let mut meta = b"<html><head><meta charset=\"windows-1251\"></head><body>".to_vec();
    meta.extend_from_slice(b"\xcf\xf0\xe8\xe2\xe5\xf2</body></html>"); // "Привет"
    server.route("/meta", Reply::bytes("text/html", meta));
    // XML declaration
    let mut xml = b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><rss><title>".to_vec();
    xml.extend_from_slice(b"\xa4 prix</title></rss>"); // € in latin-9
    server.route("/xml", Reply::xml(xml));
    // Header claims UTF-8 but the bytes are windows-1252.
    server.route("/wrong", Reply::bytes("text/html; charset=utf-8", cp1252));
    // Binary: no text.
    server.route(
        "/img",
        Reply::bytes("image/png", vec![0x89, b'P', b'N', b'G', 0, 1, 2]),
    );
    let f = fetcher(cfg());
    let p = ok(f.fetch(&server.url("/undeclared")).await);
    assert_eq!(p.charset_source, Some(CharsetSource::Detected));
    assert_eq!(p.charset.as_deref(), Some("windows-1252"));
    let t = p.text.unwrap();
    assert!(t.contains("“guillemets” du café – déjà vu"), "{t}");
    let p = ok(f.fetch(&server.url("/bom")).await);
    assert_eq!(p.charset_source, Some(CharsetSource::Bom));
    assert_eq!(p.text.as_deref(), Some("<p>Zürich – naïve</p>"));
    let p = ok(f.fetch(&server.url("/utf16")).await);
    assert_eq!(p.charset.as_deref(), Some("UTF-16LE"));
    assert_eq!(p.text.as_deref(), Some("<p>Ünïcödé</p>"));
    let p = ok(f.fetch(&server.url("/meta")).await);
    assert_eq!(p.charset_source, Some(CharsetSource::HtmlMeta));
    assert!(p.text.unwrap().contains("Привет"));
    let p = ok(f.fetch(&server.url("/xml")).await);
    assert_eq!(p.charset_source, Some(CharsetSource::XmlDeclaration));
    assert!(p.text.unwrap().contains("€ prix"));
    let p = ok(f.fetch(&server.url("/wrong")).await);
    assert_eq!(p.charset_source, Some(CharsetSource::Detected));
    assert!(p.text.unwrap().contains("café"));
    let p = ok(f.fetch(&server.url("/img")).await);
    assert_eq!(p.text, None);
    assert_eq!(&p.body[..4], b"\x89PNG");
}

#[tokio::test]
async fn ssrf_guard_refuses_internal_addresses() {
    let server = TestServer::start().await.unwrap();
    server.route("/feed", Reply::text("internal"));
    let port = server.addr().port();
    let guarded = fetcher(FetchConfig {
        allow_private_addresses: false,
        ..cfg()
    });
    let e = err(guarded.fetch(&server.url("/feed")).await);
    assert_eq!(
        e,
        FetchError::Blocked {
            host: "127.0.0.1".into(),
            addr: "127.0.0.1".into(),
            reason: BlockReason::Loopback
        }
    );
    assert!(!e.is_transient());
    // A name that resolves to loopback is refused after our own resolution.
    let e = err(guarded
        .fetch(&format!("http://localhost:{port}/feed"))
        .await);
    assert!(
        matches!(
            e,
            FetchError::Blocked {
                reason: BlockReason::Loopback,
                ..
            }
        ),
        "{e:?}"
    );
    for (url, reason) in [
        (
            "http://169.254.169.254/latest/meta-data/",
            BlockReason::LinkLocal,
        ),
        ("http://10.0.0.1/", BlockReason::Private),
        ("http://192.168.1.1:8080/", BlockReason::Private),
        ("http://100.64.1.1/", BlockReason::SharedAddressSpace),
        ("http://0.0.0.0/", BlockReason::Unspecified),
        ("http://[::1]/", BlockReason::Loopback),
        ("http://[fd12::1]/", BlockReason::Private),
        ("http://[::ffff:127.0.0.1]/", BlockReason::Loopback),
        ("http://2130706433/", BlockReason::Loopback), // 127.0.0.1 as one number
    ] {
        let e = err(guarded.fetch(url).await);
        assert!(
            matches!(&e, FetchError::Blocked { reason: r, .. } if *r == reason),
            "{url}: {e:?}"
        );
    }
    assert!(server.requests().is_empty(), "nothing reached the server");

    // With the guard off (explicitly), the same URL works.
    let open = fetcher(cfg());
    ok(open.fetch(&format!("http://localhost:{port}/feed")).await);
}

#[tokio::test]
async fn outcomes_round_trip_through_serde() {
    let server = TestServer::start().await.unwrap();
    server.route("/a", Reply::text("hello"));
    let f = fetcher(cfg());
    let o = f.fetch(&server.url("/a")).await;
    let json = serde_json::to_string(&o).unwrap();
    assert!(json.contains("\"outcome\":\"ok\""), "{json}");
    assert!(!json.contains("hello"), "bodies are not serialized: {json}");
    let back: FetchOutcome = serde_json::from_str(&json).unwrap();
    let back = ok(back);
    assert_eq!(back.status, 200);
    assert_eq!(back.body_len, 5);
    let e = FetchOutcome::Failed(FetchError::TooLarge { limit: 10 });
    let json = serde_json::to_string(&e).unwrap();
    assert_eq!(
        json,
        r#"{"outcome":"failed","detail":{"kind":"too-large","limit":10}}"#
    );
    assert_eq!(serde_json::from_str::<FetchOutcome>(&json).unwrap(), e);
}

/// Owned-future helper so tests can build many fetches from iterators.
trait FetchOwned {
    fn fetch_request_owned(
        &self,
        url: String,
    ) -> impl std::future::Future<Output = FetchOutcome> + Send + 'static;
}

impl FetchOwned for Fetcher {
    fn fetch_request_owned(
        &self,
        url: String,
    ) -> impl std::future::Future<Output = FetchOutcome> + Send + 'static {
        let f = self.clone();
        async move { f.fetch(&url).await }
    }
}

/// Runs futures concurrently as tasks and collects their outputs in order.
async fn futures_join_all<F>(futs: impl IntoIterator<Item = F>) -> Vec<FetchOutcome>
where
    F: std::future::Future<Output = FetchOutcome> + Send + 'static,
{
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.expect("fetch task panicked"));
    }
    out
}

//! The binary as a user runs it: feed autodiscovery through `roundup feeds add`, OPML export →
//! import round trip, `feeds list` health, and `roundup run` stopping cleanly on SIGTERM.

use roundup_testkit::{Reply, TestServer};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RSS: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Quill Weekly</title>
<link>http://q/</link><item><title>First</title><link>http://q/1</link><guid>q1</guid></item></channel></rss>"#;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_roundup")
}

fn workdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("roundup-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn roundup(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env(
            "ROUNDUP_DATABASE_URL",
            format!("sqlite://{}", dir.join("t.db").display()),
        )
        .env("ROUNDUP_FETCH_ALLOW_PRIVATE_ADDRESSES", "true")
        .env("ROUNDUP_FETCH_PER_HOST_DELAY_MS", "0")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn feeds_add_discovers_export_import_and_list() {
    let server = TestServer::start().await.unwrap();
    server.route(
        "/site/",
        Reply::html(r#"<html><head><link rel="alternate" type="application/rss+xml" href="/feeds/quill.xml"></head><body>hi</body></html>"#),
    );
    server.route("/feeds/quill.xml", Reply::xml(RSS));
    server.route(
        "/bare/",
        Reply::html("<html><body>no links here</body></html>"),
    );
    server.route(
        "/bare/rss.xml",
        Reply::xml(RSS.replace("Quill Weekly", "Bare Times")),
    );
    let dir = workdir("feeds");
    let out = roundup(
        &dir,
        &[
            "feeds",
            "add",
            &server.url("/site/"),
            "--lean",
            "center-right",
            "--region",
            "uk",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Quill Weekly") && stdout.contains("/feeds/quill.xml"),
        "{stdout}"
    );
    // No <link>: a common path is probed.
    let out = roundup(&dir, &["feeds", "add", &server.url("/bare/")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("/bare/rss.xml"));
    // Not a feed anywhere: a clear error naming the URL.
    let out = roundup(&dir, &["feeds", "add", &server.url("/nothing/")]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/nothing/"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = roundup(&dir, &["feeds", "export"]);
    let opml = String::from_utf8(out.stdout).unwrap();
    assert!(
        opml.contains("<opml") && opml.contains("Quill Weekly") && opml.contains("center-right"),
        "{opml}"
    );
    let other = workdir("feeds-import");
    std::fs::write(other.join("feeds.opml"), &opml).unwrap();
    let out = roundup(&other, &["feeds", "import", "feeds.opml"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("imported 2 feeds"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = roundup(&other, &["feeds", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let quill = list
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Quill Weekly")
        .unwrap()
        .clone();
    assert_eq!(quill["lean"], "center-right");
    assert_eq!(quill["region"], "uk");
    // A broken OPML file names the file.
    std::fs::write(other.join("bad.opml"), "<opml><body><outline").unwrap();
    let out = roundup(&other, &["feeds", "import", "bad.opml"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.opml"));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn run_stops_cleanly_on_sigterm() {
    let server = TestServer::start().await.unwrap();
    server.route("/feed.xml", Reply::xml(RSS));
    let dir = workdir("run");
    let out = roundup(&dir, &["feeds", "add", &server.url("/feed.xml")]);
    assert!(out.status.success());
    let mut child = Command::new(bin())
        .args(["run", "--idle-secs", "1"])
        .current_dir(&dir)
        .env(
            "ROUNDUP_DATABASE_URL",
            format!("sqlite://{}", dir.join("t.db").display()),
        )
        .env("ROUNDUP_FETCH_ALLOW_PRIVATE_ADDRESSES", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the feed has been polled (the server saw it), then ask the worker to stop.
    let t = Instant::now();
    while server
        .requests()
        .iter()
        .all(|r| r.path_only() != "/feed.xml")
        && t.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        t.elapsed() < Duration::from_secs(30),
        "roundup run never polled the feed"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let t = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "roundup run did not stop within 20 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(status.success(), "exit {status:?}: {err}");
    assert!(err.contains("stopped"), "{err}");
    let out = roundup(&dir, &["feeds", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        list[0]["state"]["last_status"], "ok",
        "the poll was recorded before stopping"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn extract_fetches_a_url_politely() {
    let server = TestServer::start().await.unwrap();
    server.route(
        "/a/story.html",
        Reply::html(
            "<html lang=\"en\"><head><title>Harbor vote</title></head><body><nav><a href=\"/\">Home</a></nav><article>\
             <h1>Harbor vote</h1><p>The Harbor City council voted seven to two on Tuesday to approve the long-debated plan to \
             rebuild the old fishing piers, ending a dispute that had run for almost three years.</p><p>Construction is \
             expected to begin in the spring, officials said, and the first rebuilt pier should open next year.</p>\
             </article><footer>Subscribe to our newsletter</footer></body></html>",
        ),
    );
    let dir = workdir("extract");
    let out = roundup(
        &dir,
        &["extract", &server.url("/a/story.html"), "--format", "text"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("seven to two") && !text.contains("Subscribe"),
        "{text}"
    );
    // The SSRF guard applies unless the config allows private addresses.
    let out = Command::new(bin())
        .args(["extract", &server.url("/a/story.html")])
        .current_dir(&dir)
        .env_remove("ROUNDUP_FETCH_ALLOW_PRIVATE_ADDRESSES")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .to_lowercase()
            .contains("127.0.0.1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_discovery_hook_resolves_a_page_to_its_feed() {
    let server = TestServer::start().await.unwrap();
    server.route(
        "/site/",
        Reply::html(r#"<html><head><link rel="alternate" type="application/atom+xml" href="/quill.xml"></head></html>"#),
    );
    server.route("/quill.xml", Reply::xml(RSS));
    let mut cfg = roundup::config::Config::default();
    cfg.fetch.allow_private_addresses = true;
    cfg.fetch.per_host_delay_ms = 0;
    let d = roundup::cmd::feeds::FetcherDiscovery(roundup::app::fetcher(&cfg).unwrap());
    let (url, title) = roundup_web::FeedDiscovery::discover(&d, &server.url("/site/"))
        .await
        .unwrap();
    assert_eq!(
        (url.as_str(), title.as_deref()),
        (server.url("/quill.xml").as_str(), Some("Quill Weekly"))
    );
    let err = roundup_web::FeedDiscovery::discover(&d, &server.url("/nothing/"))
        .await
        .unwrap_err();
    assert!(err.contains("/nothing/"), "{err}");
}

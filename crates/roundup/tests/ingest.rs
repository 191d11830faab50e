//! End-to-end ingestion against a real loopback HTTP server and a real SQLite store:
//! feeds polled, entries stored and deduplicated, fetch health recorded, conditional GET on
//! the second pass, a failing feed isolated, and article pages fetched and extracted.

use roundup::config::Config;
use roundup::pipeline::articles::{run_article_job, ArticleResult};
use roundup::pipeline::ingest::{Ingestor, PassStats, ARTICLE_JOB};
use roundup::pipeline::poll::PollBounds;
use roundup_testkit::{Reply, Route, TestServer};
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

fn rss(base: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Harbor Gazette</title><link>{base}/</link><ttl>30</ttl>
<item><title>Council approves &lt;b&gt;harbor&lt;/b&gt; plan</title><link>{base}/a/harbor.html?utm_source=rss</link>
<guid isPermaLink="false">hg-1</guid><pubDate>Tue, 01 Dec 2026 07:00:00 GMT</pubDate><category>Local</category>
<description>&lt;p&gt;The council voted 7-2.&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description></item>
<item><title>Missing page story</title><link>{base}/a/gone.html</link><guid>hg-2</guid>
<pubDate>Tue, 01 Dec 2026 06:00:00 GMT</pubDate><description>Teaser text that the feed carries for this story.</description></item>
</channel></rss>"#
    )
}

fn atom(_base: &str) -> String {
    r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Valley Ledger</title><id>urn:vl</id><updated>2026-12-01T08:00:00Z</updated>
<entry><title>Valley rail line reopens</title><id>urn:vl:1</id><link href="/b/rail.html"/>
<updated>2026-12-01T08:00:00Z</updated><author><name>Mara Quill</name></author><summary>Trains run again.</summary></entry>
</feed>"#
        .to_string()
}

const ARTICLE: &str = r#"<!doctype html><html lang="en"><head><title>Council approves harbor plan | Harbor Gazette</title>
<meta property="og:title" content="Council approves harbor plan"></head><body>
<nav><a href="/">Home</a> <a href="/local">Local</a></nav>
<article><h1>Council approves harbor plan</h1><p class="byline">By Ida Fenwick</p>
<p>The Harbor City council voted seven to two on Tuesday to approve a long-debated plan to rebuild the old fishing piers, ending a dispute that had run for almost three years.</p>
<p>"This is the day the waterfront comes back to the people who work on it," said Mayor Tomas Reyes after the vote, which drew a crowd of more than two hundred residents.</p>
<p>The plan sets aside forty million in state and city money and requires that half of the new berths go to working boats rather than private yachts, a condition opponents had fought.</p>
<p>Construction is expected to begin in the spring, officials said, and the first rebuilt pier should open before the end of next year if the weather cooperates.</p>
</article><aside><h3>Sign up for our newsletter</h3><p>Get the morning news in your inbox.</p></aside>
<footer>© Harbor Gazette</footer></body></html>"#;

async fn setup() -> (
    TestServer,
    roundup_store::Store,
    Ingestor,
    std::path::PathBuf,
) {
    let server = TestServer::start().await.unwrap();
    let base = server.base_url();
    let t = SystemTime::now() - Duration::from_secs(600);
    server.route("/hg/feed.xml", Route::file("/hg/feed.xml", rss(&base), t));
    server.route("/vl/atom.xml", Route::file("/vl/atom.xml", atom(&base), t));
    server.route("/broken/feed.xml", Reply::status(500));
    server.route(
        "/notafeed/feed.xml",
        Reply::html("<html><body>hello</body></html>"),
    );
    server.route("/a/harbor.html", Reply::html(ARTICLE));
    server.route("/a/gone.html", Reply::status(404));
    server.route(
        "/b/rail.html",
        Reply::html("<html><body><p>Short.</p></body></html>"),
    );
    let dir = std::env::temp_dir().join(format!(
        "roundup-ingest-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let store = roundup_store::Store::connect(&format!("sqlite://{}", dir.join("t.db").display()))
        .await
        .unwrap();
    for (name, path) in [
        ("Harbor Gazette", "/hg/feed.xml"),
        ("Valley Ledger", "/vl/atom.xml"),
        ("Broken", "/broken/feed.xml"),
        ("Not a feed", "/notafeed/feed.xml"),
    ] {
        store
            .upsert_outlet(&roundup_store::NewOutlet {
                name: name.into(),
                feed_url: server.url(path),
                ..Default::default()
            })
            .await
            .unwrap();
    }
    let mut cfg = Config::default();
    cfg.fetch.allow_private_addresses = true; // the fixture server is on loopback
    cfg.fetch.per_host_delay_ms = 0;
    cfg.fetch.max_retries = 1;
    let fc = roundup_fetch::FetchConfig {
        retry_base_delay: Duration::from_millis(20),
        ..roundup::app::fetch_config(&cfg)
    };
    let ing = Ingestor {
        store: store.clone(),
        fetcher: std::sync::Arc::new(roundup_fetch::Fetcher::new(fc).unwrap()),
        bounds: PollBounds {
            min_secs: 600,
            max_secs: 86_400,
        },
        concurrency: 4,
        enqueue_articles: true,
    };
    (server, store, ing, dir)
}

fn rand_suffix() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[tokio::test]
async fn poll_store_health_conditional_get_and_articles() {
    let (server, store, ing, dir) = setup().await;
    let stats = PassStats::default();
    ing.run_pass(&stats, &|_| {}).await.unwrap();
    assert_eq!(stats.feeds.load(Ordering::Relaxed), 4);
    assert_eq!(stats.fetched.load(Ordering::Relaxed), 2);
    assert_eq!(stats.failed.load(Ordering::Relaxed), 2);
    assert_eq!(stats.new_entries.load(Ordering::Relaxed), 3);

    let outlets = store.list_outlets().await.unwrap();
    let by = |n: &str| outlets.iter().find(|o| o.name == n).unwrap().clone();
    let hg = by("Harbor Gazette");
    assert_eq!(hg.state.last_status.as_deref(), Some("ok"));
    assert!(hg.state.etag.is_some());
    // TTL 30 min is a floor for the next poll.
    assert!(
        hg.state.poll_interval_secs >= 1800,
        "{}",
        hg.state.poll_interval_secs
    );
    let broken = by("Broken");
    assert_eq!(broken.state.consecutive_failures, 1);
    assert!(
        broken
            .state
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("500"),
        "{:?}",
        broken.state.last_error
    );
    assert!(
        broken.state.next_check > roundup_store::now_secs(),
        "a failing feed backs off"
    );
    let naf = by("Not a feed");
    assert_eq!(naf.state.last_status.as_deref(), Some("parse-error"));
    assert!(naf
        .state
        .last_error
        .as_deref()
        .unwrap()
        .contains("notafeed/feed.xml"));

    // Entries: canonical URLs, sanitized HTML, plain text, resolved relative links.
    let hg_entries = store.entries_of_outlet(hg.id).await.unwrap();
    assert_eq!(hg_entries.len(), 2);
    let harbor = hg_entries
        .iter()
        .find(|e| e.entry.guid.as_deref() == Some("hg-1"))
        .unwrap();
    // Tracking parameters are stripped from the canonical URL.
    assert_eq!(
        harbor.entry.url.as_deref(),
        Some(server.url("/a/harbor.html").as_str())
    );
    assert!(
        !harbor.entry.summary_html.contains("<script"),
        "{}",
        harbor.entry.summary_html
    );
    assert!(!harbor.entry.title.contains('<'), "{}", harbor.entry.title);
    let vl = store
        .entries_of_outlet(by("Valley Ledger").id)
        .await
        .unwrap();
    assert_eq!(
        vl[0].entry.url.as_deref(),
        Some(server.url("/b/rail.html").as_str())
    );
    assert_eq!(vl[0].entry.authors, vec!["Mara Quill".to_string()]);

    // Second pass: all due again → conditional GET → 304, nothing new.
    let before = server.requests().len();
    let stats2 = PassStats::default();
    for f in store.due_feeds(i64::MAX / 4, 100).await.unwrap() {
        if f.name == "Harbor Gazette" || f.name == "Valley Ledger" {
            ing.poll_feed(f, &stats2).await.unwrap();
        }
    }
    assert_eq!(stats2.not_modified.load(Ordering::Relaxed), 2);
    assert_eq!(stats2.new_entries.load(Ordering::Relaxed), 0);
    let reqs = server.requests();
    assert!(reqs[before..]
        .iter()
        .filter(|r| r.path_only().ends_with(".xml"))
        .all(|r| r.header("if-none-match").is_some()));
    assert_eq!(store.count_entries().await.unwrap(), 3);

    // Article jobs: one extracted, one 404 → feed fallback, one thin page → feed fallback.
    let jobs = store
        .claim_jobs(&[ARTICLE_JOB], "t", 10, 60, roundup_store::now_secs())
        .await
        .unwrap();
    assert_eq!(jobs.len(), 3);
    let mut results = Vec::new();
    for j in &jobs {
        results.push(run_article_job(&store, &ing.fetcher, j).await.unwrap());
    }
    assert_eq!(
        results
            .iter()
            .filter(|r| **r == ArticleResult::Extracted)
            .count(),
        1,
        "{results:?}"
    );
    let a = store.article(harbor.id).await.unwrap().unwrap();
    assert_eq!(a.status, "ok");
    assert!(
        a.article.text.contains("seven to two"),
        "{}",
        a.article.text
    );
    assert!(!a.article.text.contains("newsletter"), "{}", a.article.text);
    let gone = hg_entries
        .iter()
        .find(|e| {
            e.entry
                .url
                .as_deref()
                .unwrap_or("")
                .ends_with("/a/gone.html")
        })
        .unwrap();
    let g = store.article(gone.id).await.unwrap().unwrap();
    assert_eq!(g.status, "fallback");
    assert!(g.article.text.contains("Teaser text"));
    assert!(
        g.error.as_deref().unwrap_or("").contains("404"),
        "{:?}",
        g.error
    );
    for j in &jobs {
        assert_eq!(
            store.job(j.id).await.unwrap().state,
            roundup_store::JobState::Done
        );
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

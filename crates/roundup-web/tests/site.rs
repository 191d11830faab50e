//! Pages, feeds, API, cache and metrics, over real HTTP against a real SQLite store.

mod common;

use common::*;
use quick_xml::events::Event;
use serde_json::Value;

async fn site() -> (Server, World) {
    let s = store().await;
    let w = world(&s).await;
    (serve(s, config()).await, w)
}

#[tokio::test]
async fn home_shows_front_page_edition_and_ten_things() {
    let (srv, w) = site().await;
    let r = srv.get("/").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let b = &r.body;
    assert!(
        b.contains("Council approves harbor budget"),
        "lead headline"
    );
    assert!(b.contains("Storm closes coastal roads"));
    assert!(b.contains(&format!("href=\"/story/{}\"", w.budget_slug)));
    assert!(
        b.contains("The council approved the harbor budget by seven votes to two."),
        "key fact"
    );
    assert!(b.contains("seg left"), "coverage bar segments");
    assert!(b.contains("aria-label=\"Coverage: left 1, center 1, right 1, unrated 1 outlets\""));
    assert!(b.contains("4 outlets"));
    assert!(b.contains("Politics"), "section label");
    assert!(b.contains("<time datetime="));
    assert!(b.contains("things you need to know today"));
    assert!(
        b.contains("Harbor budget passes 7-2"),
        "ten-things edition item"
    );
    // Landmarks (the page header and footer are banner/contentinfo by their implicit roles).
    for l in [
        "<main",
        "<header class=\"masthead\"",
        "<footer class=\"site-footer\"",
        "aria-label=\"Sections\"",
        "role=\"search\"",
    ] {
        assert!(b.contains(l), "landmark {l}");
    }
    assert!(!b.contains("<script"), "no scripts at all");
    assert!(!b.contains("style=\""), "no inline styles (CSP)");
    // Security headers.
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    assert!(r.header("referrer-policy").is_some());
    assert!(r.header("etag").is_some());
}

#[tokio::test]
async fn stories_pinned_after_the_edition_lead_the_front_page() {
    let (srv, _) = site().await;
    let now = roundup_store::now_secs();
    let id = srv
        .store
        .save_story(&roundup_store::StoryRecord {
            headline: "Late breaking pinned story".into(),
            first_seen: now - 60,
            last_updated: now - 30,
            score: 0.5,
            digest: serde_json::json!({}),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        !srv.get("/")
            .await
            .body
            .contains("Late breaking pinned story"),
        "not in the edition"
    );
    srv.store
        .set_story_flags(id, Some(true), None)
        .await
        .unwrap();
    srv.handle.refresh();
    let b = srv.get("/").await.body;
    let pinned = b
        .find("Late breaking pinned story")
        .expect("pinned story shown");
    assert!(
        pinned < b.find("Council approves harbor budget").unwrap(),
        "and leads"
    );
    assert!(b.contains("Editor&#39;s pick") || b.contains("Editor's pick"));
}

#[tokio::test]
async fn home_without_editions_ranks_live_stories() {
    // A store with stories but no editions.
    let s2 = store().await;
    let now = roundup_store::now_secs();
    s2.save_story(&roundup_store::StoryRecord {
        headline: "Low story".into(),
        last_updated: now - 100,
        first_seen: now - 200,
        score: 1.0,
        digest: serde_json::json!({"facts": [{"text": "Low fact."}]}),
        ..Default::default()
    })
    .await
    .unwrap();
    s2.save_story(&roundup_store::StoryRecord {
        headline: "High story".into(),
        last_updated: now - 100,
        first_seen: now - 200,
        score: 8.0,
        digest: serde_json::json!({}),
        ..Default::default()
    })
    .await
    .unwrap();
    s2.save_story(&roundup_store::StoryRecord {
        headline: "Old story".into(),
        last_updated: now - 5 * 86400,
        first_seen: now - 6 * 86400,
        score: 99.0,
        digest: serde_json::json!({}),
        ..Default::default()
    })
    .await
    .unwrap();
    let srv = serve(s2, config()).await;
    let r = srv.get("/").await;
    assert_eq!(r.status, 200);
    let hi = r.body.find("High story").expect("high");
    let lo = r.body.find("Low story").expect("low");
    assert!(hi < lo, "ordered by score");
    assert!(!r.body.contains("Old story"), "only the last 48 hours");
    let empty = serve(store().await, config()).await;
    let r = empty.get("/").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("No stories yet"));
}

#[tokio::test]
async fn story_page_shows_digest_coverage_and_related() {
    let (srv, w) = site().await;
    let r = srv.get(&format!("/story/{}", w.budget_slug)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let b = &r.body;
    assert!(b.contains("<h1 id=\"story-h\">Council approves harbor budget</h1>"));
    assert!(b.contains("Key facts"));
    assert!(b.contains("The budget sets aside 40 million for dredging."));
    assert!(
        b.contains("href=\"https://gazette.example/budget\""),
        "fact source linked"
    );
    assert!(b.contains("Who said what"));
    assert!(b.contains("This budget keeps the harbor open for the next decade"));
    assert!(b.contains("Mayor Ana Ruiz"));
    assert!(b.contains("How each side covers it"));
    assert!(b.contains("Taxpayers will foot the bill."));
    // Every article of the coverage, with outlet, lean and link.
    for (outlet, url) in [
        ("Harbor Gazette", "https://gazette.example/budget"),
        ("Central Times", "https://central.example/budget"),
        ("Ridge Post", "https://ridge.example/budget"),
        ("Unrated Daily", "https://unrated.example/budget"),
    ] {
        assert!(b.contains(outlet), "{outlet}");
        assert!(b.contains(url), "{url}");
    }
    assert!(b.contains("<span class=\"lean right\">right</span>"));
    assert!(b.contains("4 articles"));
    // Storm: blindspot note, timeline, and the budget story is not related by terms but the
    // storm story has no section peers either.
    let r = srv.get(&format!("/story/{}", w.storm_slug)).await;
    assert_eq!(r.status, 200);
    assert!(r
        .body
        .contains("Blindspot: few centrist outlets cover this story."));
    assert!(r.body.contains("Timeline"));
}

#[tokio::test]
async fn related_stories_share_terms_or_section() {
    let (srv, w) = site().await;
    let now = roundup_store::now_secs();
    srv.store
        .save_story(&roundup_store::StoryRecord {
            headline: "Harbor dredging contract awarded".into(),
            section: Some("business".into()),
            first_seen: now - 100,
            last_updated: now - 50,
            score: 2.0,
            digest: serde_json::json!({}),
            ..Default::default()
        })
        .await
        .unwrap();
    let r = srv.get(&format!("/story/{}", w.budget_slug)).await;
    assert!(r.body.contains("Related stories"));
    assert!(
        r.body.contains("Harbor dredging contract awarded"),
        "shares 'harbor'"
    );
    assert!(
        !r.body[r.body.find("Related stories").unwrap()..].contains("Storm closes coastal roads")
    );
}

#[tokio::test]
async fn merged_slugs_redirect_and_unknown_stories_404() {
    let (srv, w) = site().await;
    let r = srv.get(&format!("/story/{}", w.merged_old_slug)).await;
    assert_eq!(r.status, 301, "permanent redirect");
    assert_eq!(
        r.header("location"),
        Some(format!("/story/{}", w.budget_slug).as_str())
    );
    assert_eq!(srv.get("/story/no-such-story").await.status, 404);
    assert_eq!(srv.get("/story/no-such-story-99999").await.status, 404);
    let r = srv.get("/no/such/page").await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("Not found"));
    // Suppressed stories disappear.
    srv.store
        .set_story_flags(w.storm, None, Some(true))
        .await
        .unwrap();
    srv.handle.refresh();
    assert_eq!(
        srv.get(&format!("/story/{}", w.storm_slug)).await.status,
        404
    );
    assert!(
        !srv.get("/")
            .await
            .body
            .contains("Storm closes coastal roads"),
        "suppressed leaves the front page"
    );
}

#[tokio::test]
async fn sections_outlets_and_health() {
    let (srv, w) = site().await;
    let r = srv.get("/section/politics").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Council approves harbor budget"));
    assert!(!r.body.contains("Storm closes coastal roads"));
    assert!(r.body.contains("aria-current=\"page\""));
    let r = srv.get("/section/tech").await;
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/section/technology"));
    assert_eq!(srv.get("/section/astrology").await.status, 404);
    let r = srv.get("/section/sports").await;
    assert!(r.body.contains("No Sports stories this week."));

    let r = srv.get("/outlets").await;
    assert_eq!(r.status, 200);
    for n in [
        "Harbor Gazette",
        "Central Times",
        "Ridge Post",
        "Unrated Daily",
    ] {
        assert!(r.body.contains(n));
    }
    assert!(r.body.contains("1 with failing feeds"));
    let r = srv
        .get(&format!("/outlet/{}", w.outlets["Ridge Post"]))
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("server answered 503 Service Unavailable"),
        "last error shown"
    );
    assert!(r.body.contains("http-503"));
    assert!(r.body.contains("Budget vote: taxpayers on the hook"));
    assert!(
        r.body.contains(&format!("/story/{}", w.budget_slug)),
        "entry links its story"
    );
    let r = srv
        .get(&format!("/outlet/{}", w.outlets["Central Times"]))
        .await;
    assert!(r.body.contains("<span class=\"status ok\">ok</span>"));
    assert_eq!(srv.get("/outlet/9999").await.status, 404);
    assert_eq!(srv.get("/outlet/abc").await.status, 404);
}

#[tokio::test]
async fn archive_shows_editions_exactly_as_published() {
    let (srv, w) = site().await;
    // An editor renames the story after publication: the edition must not change.
    srv.store
        .rename_story(w.budget, Some("Renamed after publication"))
        .await
        .unwrap();
    srv.handle.refresh();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let r = srv.get("/archive").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains(&format!("href=\"/archive/{today}\"")));
    assert!(r.body.contains("href=\"/archive/2026-11-30\""));
    assert!(r.body.contains("Monday briefing"));
    let r = srv.get(&format!("/archive/{today}")).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("Council approves harbor budget"),
        "snapshot headline"
    );
    assert!(!r.body.contains("Renamed after publication"));
    assert!(r.body.contains("The harbor budget leads the day."));
    let r = srv.get(&format!("/edition/{}", w.briefing_edition)).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("Yesterday&#x27;s lead story")
            || r.body.contains("Yesterday&#39;s lead story"),
        "{}",
        r.body
    );
    assert!(srv
        .get(&format!("/edition/{}", w.front_edition))
        .await
        .body
        .contains("Storm closes coastal roads"));
    assert_eq!(srv.get("/edition/424242").await.status, 404);
    assert_eq!(srv.get("/edition/x").await.status, 404);
    assert_eq!(srv.get("/archive/2020-01-01").await.status, 404);
    assert_eq!(srv.get("/archive/not-a-date").await.status, 404);
    // The live front page shows the current headline link but the edition's text.
    assert!(srv
        .get(&format!("/story/{}", w.budget_slug))
        .await
        .body
        .contains("Renamed after publication"));
}

#[tokio::test]
async fn search_finds_stories_and_articles() {
    let (srv, w) = site().await;
    let r = srv.get("/search?q=harbor+budget").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Council approves harbor budget"));
    assert!(r.body.contains(&format!("/story/{}", w.budget_slug)));
    assert!(
        r.body
            .contains("Council passes harbor budget after long night"),
        "article hit"
    );
    let r = srv.get("/search?q=coast").await;
    assert!(
        r.body.contains("Storm closes coastal roads"),
        "prefix match"
    );
    assert!(!r.body.contains("Council approves harbor budget"));
    let r = srv.get("/search?q=zzzqqq").await;
    assert!(r.body.contains("0 results"));
    let r = srv.get("/search").await;
    assert_eq!(r.status, 200);
    // Refresh rebuilds the index.
    let now = roundup_store::now_secs();
    srv.store
        .save_story(&roundup_store::StoryRecord {
            headline: "Zebra crossing repainted".into(),
            first_seen: now,
            last_updated: now,
            digest: serde_json::json!({}),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        !srv.get("/search?q=zebra")
            .await
            .body
            .contains("Zebra crossing"),
        "cached"
    );
    srv.handle.refresh();
    assert!(srv
        .get("/search?q=zebra")
        .await
        .body
        .contains("Zebra crossing repainted"));
}

#[tokio::test]
async fn signup_page_is_identical_for_every_address() {
    let (srv, _) = site().await;
    let r = srv.get("/subscribe").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("name=\"email\""));
    let a = srv
        .post_form(
            "/subscribe",
            &[("email", "ana@example.org"), ("list", "daily")],
            "",
        )
        .await;
    let b = srv
        .post_form(
            "/subscribe",
            &[("email", "someone.else@example.com"), ("list", "daily")],
            "",
        )
        .await;
    assert_eq!(a.status, 200);
    assert!(a.body.contains("Check your inbox"));
    assert_eq!(a.body, b.body, "no difference between addresses");
    let bad = srv
        .post_form(
            "/subscribe",
            &[("email", "not-an-address"), ("list", "daily")],
            "",
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("valid email"));
    let bad = srv
        .post_form(
            "/subscribe",
            &[("email", "ana@example.org"), ("list", "nope")],
            "",
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn signup_hook_receives_the_address() {
    use roundup_web::{BoxFuture, SignupError, SignupHandler};
    use std::sync::{Arc, Mutex};
    struct Rec(Mutex<Vec<(String, String, Option<std::net::IpAddr>)>>);
    impl SignupHandler for Rec {
        fn signup(
            &self,
            email: &str,
            list: &str,
            ip: Option<std::net::IpAddr>,
        ) -> BoxFuture<'_, Result<(), SignupError>> {
            self.0.lock().unwrap().push((email.into(), list.into(), ip));
            let fail = email.starts_with("fail");
            Box::pin(async move {
                if fail {
                    Err(SignupError::Failed("smtp down".into()))
                } else {
                    Ok(())
                }
            })
        }
    }
    let rec = Arc::new(Rec(Mutex::new(vec![])));
    let cfg = roundup_web::WebConfig {
        signup: rec.clone(),
        ..config()
    };
    let srv = serve(store().await, cfg).await;
    let ok = srv
        .post_form(
            "/subscribe",
            &[("email", " ana@example.org "), ("list", "daily")],
            "",
        )
        .await;
    let failed = srv
        .post_form(
            "/subscribe",
            &[("email", "fail@example.org"), ("list", "daily")],
            "",
        )
        .await;
    assert_eq!(
        ok.body, failed.body,
        "a failing hook is not visible to the visitor"
    );
    assert_eq!(
        *rec.0.lock().unwrap(),
        vec![
            (
                "ana@example.org".to_string(),
                "daily".to_string(),
                Some(std::net::Ipv4Addr::LOCALHOST.into())
            ),
            (
                "fail@example.org".to_string(),
                "daily".to_string(),
                Some(std::net::Ipv4Addr::LOCALHOST.into())
            )
        ],
        "the hook gets the TCP peer's address"
    );
}

/// Well-formedness check plus (path, text) of every element and attribute.
fn xml_fields(s: &str) -> Vec<(String, String)> {
    let mut r = quick_xml::Reader::from_str(s);
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    loop {
        match r
            .read_event()
            .unwrap_or_else(|e| panic!("XML error {e} in {s}"))
        {
            Event::Start(e) => {
                path.push(String::from_utf8_lossy(e.name().as_ref()).to_string());
                for a in e.attributes() {
                    let a = a.unwrap();
                    out.push((
                        format!(
                            "{}/@{}",
                            path.join("/"),
                            String::from_utf8_lossy(a.key.as_ref())
                        ),
                        a.unescape_value().unwrap().to_string(),
                    ));
                }
            }
            Event::Empty(e) => {
                let p = format!(
                    "{}/{}",
                    path.join("/"),
                    String::from_utf8_lossy(e.name().as_ref())
                );
                for a in e.attributes() {
                    let a = a.unwrap();
                    out.push((
                        format!("{p}/@{}", String::from_utf8_lossy(a.key.as_ref())),
                        a.unescape_value().unwrap().to_string(),
                    ));
                }
            }
            Event::End(_) => {
                path.pop();
            }
            Event::Text(t) => {
                let t = t.unescape().unwrap().to_string();
                if !t.trim().is_empty() {
                    out.push((path.join("/"), t));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(path.is_empty(), "unclosed elements");
    out
}

fn all<'a>(f: &'a [(String, String)], p: &str) -> Vec<&'a str> {
    f.iter()
        .filter(|(k, _)| k == p)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn check_rss(body: &str, min_items: usize) {
    let f = xml_fields(body);
    assert!(!all(&f, "rss/channel/title").is_empty());
    assert!(all(&f, "rss/@version") == vec!["2.0"]);
    assert!(all(&f, "rss/channel/link")[0].starts_with(BASE));
    assert_eq!(all(&f, "rss/channel/description").len(), 1);
    assert!(chrono::DateTime::parse_from_rfc2822(all(&f, "rss/channel/lastBuildDate")[0]).is_ok());
    let titles = all(&f, "rss/channel/item/title");
    let links = all(&f, "rss/channel/item/link");
    let guids = all(&f, "rss/channel/item/guid");
    let dates = all(&f, "rss/channel/item/pubDate");
    assert!(titles.len() >= min_items, "{body}");
    assert_eq!(titles.len(), links.len());
    assert_eq!(titles.len(), guids.len());
    assert_eq!(titles.len(), dates.len());
    assert!(links.iter().all(|l| l.starts_with(BASE)));
    let mut g = guids.clone();
    g.sort();
    g.dedup();
    assert_eq!(g.len(), guids.len(), "unique guids");
    for d in dates {
        chrono::DateTime::parse_from_rfc2822(d).unwrap_or_else(|e| panic!("{d}: {e}"));
    }
    assert!(all(&f, "rss/channel/atom:link/@rel").contains(&"self"));
}

fn check_atom(body: &str, min_items: usize) {
    let f = xml_fields(body);
    assert_eq!(all(&f, "feed/@xmlns"), vec!["http://www.w3.org/2005/Atom"]);
    assert!(all(&f, "feed/id")[0].starts_with(BASE));
    assert!(!all(&f, "feed/title").is_empty());
    chrono::DateTime::parse_from_rfc3339(all(&f, "feed/updated")[0]).unwrap();
    assert!(
        !all(&f, "feed/author/name").is_empty(),
        "feed-level author (entries inherit it)"
    );
    let ids = all(&f, "feed/entry/id");
    assert!(ids.len() >= min_items);
    assert_eq!(all(&f, "feed/entry/title").len(), ids.len());
    let ups = all(&f, "feed/entry/updated");
    assert_eq!(ups.len(), ids.len());
    for u in ups {
        chrono::DateTime::parse_from_rfc3339(u).unwrap();
    }
    let mut u = ids.clone();
    u.sort();
    u.dedup();
    assert_eq!(u.len(), ids.len());
    assert!(all(&f, "feed/entry/link/@href")
        .iter()
        .all(|h| h.starts_with(BASE)));
}

fn check_json_feed(body: &str, min_items: usize) {
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["version"], "https://jsonfeed.org/version/1.1");
    assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(v["feed_url"].as_str().unwrap().starts_with(BASE));
    let items = v["items"].as_array().unwrap();
    assert!(items.len() >= min_items);
    let mut ids = std::collections::HashSet::new();
    for i in items {
        assert!(ids.insert(i["id"].as_str().unwrap().to_string()));
        assert!(i["url"].as_str().unwrap().starts_with(BASE));
        assert!(i["content_text"].is_string() || i["content_html"].is_string());
        chrono::DateTime::parse_from_rfc3339(i["date_published"].as_str().unwrap()).unwrap();
    }
}

#[tokio::test]
async fn feeds_are_valid_and_complete() {
    let (srv, w) = site().await;
    let r = srv.get("/feed.xml").await;
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/rss+xml"));
    check_rss(&r.body, 2);
    assert!(r.body.contains(&format!("{BASE}/story/{}", w.budget_slug)));
    check_atom(&srv.get("/atom.xml").await.body, 2);
    let j = srv.get("/feed.json").await;
    assert!(j
        .header("content-type")
        .unwrap()
        .starts_with("application/feed+json"));
    check_json_feed(&j.body, 2);

    check_rss(&srv.get("/section/politics/feed.xml").await.body, 1);
    check_atom(&srv.get("/section/politics/atom.xml").await.body, 1);
    check_json_feed(&srv.get("/section/politics/feed.json").await.body, 1);
    check_rss(&srv.get("/section/sports/feed.xml").await.body, 0);
    assert_eq!(srv.get("/section/astrology/feed.xml").await.status, 404);

    let r = srv.get("/editions/briefing/feed.xml").await;
    check_rss(&r.body, 1);
    assert!(r.body.contains("Monday briefing"));
    assert!(r
        .body
        .contains(&format!("{BASE}/edition/{}", w.briefing_edition)));
    check_atom(&srv.get("/editions/front-page/atom.xml").await.body, 1);
    check_json_feed(&srv.get("/editions/ten-things/feed.json").await.body, 1);
    check_rss(&srv.get("/editions/good-news/feed.xml").await.body, 0);
    assert_eq!(srv.get("/editions/made-up/feed.xml").await.status, 404);
    assert_eq!(srv.get("/editions/BAD%20KIND/feed.xml").await.status, 404);
}

#[tokio::test]
async fn api_paginates_with_etags() {
    let (srv, w) = site().await;
    let r = srv.get("/api/v1/stories?per_page=1").await;
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let v = r.json();
    assert_eq!(v["stories"].as_array().unwrap().len(), 1);
    assert_eq!(v["stories"][0]["id"], w.budget, "best score first");
    let next = v["next"].as_str().expect("next page");
    assert!(next.starts_with(BASE));
    assert!(r.header("link").unwrap().contains("rel=\"next\""));
    let path = next.strip_prefix(BASE).unwrap();
    let v2 = srv.get(path).await.json();
    assert_eq!(v2["stories"][0]["id"], w.storm);
    assert!(v2["next"].is_null(), "last page");
    assert!(v2["prev"].is_string());
    assert_eq!(srv.get("/api/v1/stories?per_page=0").await.status, 400);
    assert_eq!(srv.get("/api/v1/stories?per_page=500").await.status, 400);
    let bad = srv.get("/api/v1/stories?page=abc").await;
    assert_eq!(bad.status, 400);
    assert!(bad.json()["error"].as_str().unwrap().contains("page"));

    // ETag + 304.
    let etag = r.header("etag").unwrap().to_string();
    assert!(r.header("cache-control").unwrap().contains("max-age"));
    let nm = srv
        .get_with("/api/v1/stories?per_page=1", &[("If-None-Match", &etag)])
        .await;
    assert_eq!(nm.status, 304);
    assert!(nm.body.is_empty());
    let other = srv
        .get_with(
            "/api/v1/stories?per_page=1",
            &[("If-None-Match", "\"nope\"")],
        )
        .await;
    assert_eq!(other.status, 200);
    // Same body after a refresh gives the same ETag; a changed body a new one.
    srv.handle.refresh();
    assert_eq!(
        srv.get("/api/v1/stories?per_page=1")
            .await
            .header("etag")
            .unwrap(),
        etag
    );
    srv.store
        .rename_story(w.budget, Some("New name"))
        .await
        .unwrap();
    srv.handle.refresh();
    assert_ne!(
        srv.get("/api/v1/stories?per_page=1")
            .await
            .header("etag")
            .unwrap(),
        etag
    );
}

#[tokio::test]
async fn api_items_and_openapi() {
    let (srv, w) = site().await;
    let v = srv
        .get(&format!("/api/v1/story/{}", w.budget_slug))
        .await
        .json();
    assert_eq!(v["headline"], "Council approves harbor budget");
    assert_eq!(v["articles"].as_array().unwrap().len(), 4);
    assert_eq!(v["digest"]["coverage"]["total"], 4);
    let r = srv.get(&format!("/api/v1/story/{}", w.budget)).await;
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("location").unwrap(),
        format!("/api/v1/story/{}", w.budget_slug)
    );
    let r = srv
        .get(&format!("/api/v1/story/{}", w.merged_old_slug))
        .await;
    assert_eq!(r.status, 301);
    let r = srv.get("/api/v1/story/nope").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["status"], 404);

    let v = srv.get("/api/v1/editions").await.json();
    assert_eq!(v["count"], 3);
    let v = srv.get("/api/v1/editions?kind=briefing").await.json();
    assert_eq!(v["editions"][0]["id"], w.briefing_edition);
    let v = srv
        .get(&format!("/api/v1/edition/{}", w.front_edition))
        .await
        .json();
    assert_eq!(v["snapshot"]["intro"], "The harbor budget leads the day.");
    assert_eq!(srv.get("/api/v1/edition/999").await.status, 404);

    let v = srv.get("/api/v1/outlets").await.json();
    assert_eq!(v["count"], 4);
    let ridge = v["outlets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Ridge Post")
        .unwrap();
    assert_eq!(ridge["health"]["ok"], false);
    assert_eq!(ridge["health"]["consecutive_failures"], 1);

    let v = srv.get("/api/v1/search?q=storm").await.json();
    assert!(v["count"].as_u64().unwrap() >= 1);
    assert_eq!(v["results"][0]["kind"], "story");
    assert_eq!(srv.get("/api/v1/search?q=").await.status, 400);

    let o = srv.get("/api/openapi.json").await.json();
    assert!(o["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/v1/stories",
        "/api/v1/story/{key}",
        "/api/v1/editions",
        "/api/v1/edition/{id}",
        "/api/v1/outlets",
        "/api/v1/search",
    ] {
        assert!(o["paths"][p]["get"].is_object(), "{p}");
    }
    assert_eq!(o["servers"][0]["url"], BASE);
}

#[tokio::test]
async fn pages_are_cached_until_refresh() {
    let (srv, w) = site().await;
    let before = srv.get(&format!("/story/{}", w.storm_slug)).await;
    srv.store
        .rename_story(w.storm, Some("Storm headline changed"))
        .await
        .unwrap();
    let cached = srv.get(&format!("/story/{}", w.storm_slug)).await;
    assert_eq!(before.body, cached.body, "served from the cache");
    srv.handle.refresh();
    let fresh = srv.get(&format!("/story/{}", w.storm_slug)).await;
    assert!(fresh.body.contains("Storm headline changed"));
    // Conditional GET on pages too.
    let etag = fresh.header("etag").unwrap().to_string();
    assert_eq!(
        srv.get_with(
            &format!("/story/{}", w.storm_slug),
            &[("If-None-Match", &etag)]
        )
        .await
        .status,
        304
    );
    // The stylesheet has a long cache lifetime and is linked with its version.
    let home = srv.get("/").await;
    let i = home.body.find("/static/style.css?v=").unwrap();
    assert!(home.body[i..].starts_with("/static/style.css?v="));
    let css = srv.get("/static/style.css").await;
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap().starts_with("text/css"));
    assert!(css
        .header("cache-control")
        .unwrap()
        .contains("max-age=31536000"));
    assert!(css.body.contains("prefers-color-scheme: dark"));
    assert_eq!(srv.get("/static/other.js").await.status, 404);
}

#[tokio::test]
async fn healthz_and_metrics() {
    let s = store().await;
    let _w = world(&s).await;
    // Two newsletter messages in the send ledger: one sent (by "another process"), one open.
    let mut ids = Vec::new();
    for e in ["a@example.org", "b@example.org"] {
        let (row, _) = s
            .insert_subscriber(e, roundup_store::SubscriberState::Confirmed, None, 1)
            .await
            .unwrap();
        s.add_subscriptions(row.id, &["briefing"], 1).await.unwrap();
        ids.push(row.id);
    }
    let ed = s
        .publish_edition(
            "briefing",
            "2026-03-02",
            "Briefing",
            &serde_json::json!({"items": []}),
        )
        .await
        .unwrap();
    let (issue, _) = s.create_issue("briefing", ed, "Briefing", 1).await.unwrap();
    s.enqueue_issue(issue.id, 1).await.unwrap();
    let claimed = s.claim_sends(issue.id, "w", 1, 60, 2).await.unwrap();
    s.mark_sent(claimed[0].id, 3).await.unwrap();
    let srv = serve(s, config()).await;
    let r = srv.get("/healthz").await;
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with("ok"));
    srv.get("/").await;
    srv.get("/").await;
    srv.get("/story/nope").await;
    let m = srv.handle.metrics();
    m.inc_fetches();
    m.inc_fetches();
    m.inc_extraction_failures();
    m.add_emails_sent(5);
    let r = srv.get("/metrics").await;
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let b = &r.body;
    assert!(b.contains("roundup_fetches_total 2\n"), "{b}");
    assert!(b.contains("roundup_extraction_failures_total 1\n"));
    assert!(b.contains("roundup_emails_sent_total 5\n"));
    assert!(b.contains("roundup_newsletter_messages_sent 1\n"), "{b}");
    assert!(b.contains("roundup_newsletter_messages_open 1\n"), "{b}");
    assert!(b.contains("roundup_newsletter_messages_failed 0\n"), "{b}");
    assert!(b.contains("roundup_http_requests_total{route=\"/\",method=\"GET\",status=\"200\"} 2"));
    assert!(b.contains(
        "roundup_http_requests_total{route=\"/story/{slug}\",method=\"GET\",status=\"404\"} 1"
    ));
    assert!(b.contains(
        "roundup_http_request_duration_seconds_bucket{route=\"/\",method=\"GET\",le=\"+Inf\"} 2"
    ));
    assert!(b.contains("roundup_outlets 4\n"));
    assert!(b.contains("roundup_feeds_failing 1\n"));
    assert!(b.contains("roundup_stories_recent 2\n"));
    assert!(b.contains("roundup_page_cache_hits_total 1\n"));
    // Every sample line parses as name{labels} value.
    for line in b.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let v = line.rsplit(' ').next().unwrap();
        assert!(v.parse::<f64>().is_ok(), "{line}");
    }
}

#[tokio::test]
async fn theme_folder_overrides_templates_and_css() {
    let dir = temp_dir("theme");
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::create_dir_all(dir.join("static")).unwrap();
    std::fs::write(
        dir.join("templates/home.html"),
        "{% extends \"base.html\" %}{% block content %}<p>THEMED {{ lead.headline }}</p>{% endblock %}",
    )
    .unwrap();
    std::fs::write(dir.join("static/style.css"), "body{color:red}").unwrap();
    let s = store().await;
    world(&s).await;
    let srv = serve(
        s,
        roundup_web::WebConfig {
            theme_dir: Some(dir.clone()),
            ..config()
        },
    )
    .await;
    assert!(srv
        .get("/")
        .await
        .body
        .contains("THEMED Council approves harbor budget"));
    assert_eq!(srv.get("/static/style.css").await.body, "body{color:red}");
    // A broken theme template is a typed error at build time, not a panic at request time.
    std::fs::write(dir.join("templates/home.html"), "{% if %}").unwrap();
    let err = roundup_web::Site::new(
        store().await,
        roundup_web::WebConfig {
            theme_dir: Some(dir),
            ..config()
        },
    );
    assert!(matches!(err, Err(roundup_web::WebError::Template(_))));
}

#[tokio::test]
async fn editions_written_by_the_digest_crate_render() {
    use roundup_digest::editions::{Edition, EditionItem, EditionKind};
    let (srv, w) = site().await;
    // The fixtures' digest JSON is the digest crate's own type.
    let row = srv.store.story(w.budget).await.unwrap().unwrap();
    let d: roundup_digest::Digest = serde_json::from_value(row.digest.clone())
        .expect("fixture digest matches roundup_digest::Digest");
    let ed = Edition {
        kind: EditionKind::MorningBriefing,
        title: "Today's roundup".into(),
        generated_at: chrono::Utc::now(),
        items: vec![
            EditionItem {
                position: 1,
                story_id: w.storm.to_string(),
                headline: "Storm item from the digest crate".into(),
                summary: "Roads closed.".into(),
                url: Some("https://gazette.example/storm".into()),
                section: roundup_model::Section::Science,
                outlets: 2,
                score: 4.0,
                digest: None,
            },
            EditionItem {
                position: 2,
                story_id: w.budget.to_string(),
                headline: d.headline.text.clone(),
                summary: d.summary.clone(),
                url: d.headline.url.clone(),
                section: d.section.section,
                outlets: d.coverage.total,
                score: 9.0,
                digest: Some(d),
            },
        ],
    };
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let id = srv
        .store
        .publish_edition(
            "front-page",
            &today,
            &ed.title,
            &serde_json::to_value(&ed).unwrap(),
        )
        .await
        .unwrap();
    srv.handle.refresh();
    let home = srv.get("/").await.body;
    let storm = home
        .find("Storm item from the digest crate")
        .expect("item headline");
    assert!(
        storm < home.find("Council approves harbor budget").unwrap(),
        "edition order kept"
    );
    assert!(
        home.contains(&format!("href=\"/story/{}\"", w.storm_slug)),
        "links the story page, not the article"
    );
    assert!(
        home.contains("The council approved the harbor budget by seven votes to two."),
        "facts from the item's digest"
    );
    let page = srv.get(&format!("/edition/{id}")).await.body;
    assert!(page.contains("Storm item from the digest crate"));
    assert!(page.contains(&format!("href=\"/story/{}\"", w.budget_slug)));
    check_rss(&srv.get("/feed.xml").await.body, 2);
}

#[tokio::test]
async fn a_digest_made_by_the_digest_crate_renders_on_the_story_page() {
    use roundup_digest::{Story, StoryArticle};
    let art = |outlet: &str, lean, url: &str, title: &str, text: &str, mins: i64| StoryArticle {
        outlet: outlet.into(),
        lean,
        url: Some(url.into()),
        title: title.into(),
        text: text.into(),
        published: chrono::DateTime::from_timestamp(roundup_store::now_secs() - mins * 60, 0),
        ..Default::default()
    };
    let story = Story {
        id: "1".into(),
        articles: vec![
            art("Harbor Gazette", Some(roundup_model::Lean::Left), "https://gazette.example/b", "Council passes harbor budget",
                "The city council approved the harbor budget on Tuesday by seven votes to two.\n\n\"This budget keeps the harbor open for a decade,\" said Mayor Ana Ruiz.\n\nThe plan sets aside 40 million dollars for dredging the main channel.", 90),
            art("Central Times", Some(roundup_model::Lean::Center), "https://central.example/b", "Harbor budget approved",
                "The council approved the harbor budget by seven votes to two after a long debate.\n\nThe budget includes 40 million dollars for dredging, officials said.", 80),
            art("Ridge Post", Some(roundup_model::Lean::Right), "https://ridge.example/b", "Budget vote raises port fees",
                "Opponents said the harbor budget raises port fees for local businesses.\n\n\"Taxpayers will foot the bill,\" said Councillor Tom Reyes.", 70),
        ],
    };
    let d =
        roundup_digest::digest(&story, &roundup_digest::DigestConfig::default()).expect("digest");
    assert!(!d.facts.is_empty());
    let s = store().await;
    let now = roundup_store::now_secs();
    let id = s
        .save_story(&roundup_store::StoryRecord {
            headline: d.headline.text.clone(),
            section: Some(d.section.section.as_str().to_string()),
            first_seen: now - 5400,
            last_updated: now - 4200,
            article_count: 3,
            outlet_count: 3,
            score: 1.0,
            digest: serde_json::to_value(&d).unwrap(),
            ..Default::default()
        })
        .await
        .unwrap();
    let slug = s.story(id).await.unwrap().unwrap().slug;
    let srv = serve(s, config()).await;
    let r = srv.get(&format!("/story/{slug}")).await;
    assert_eq!(r.status, 200);
    let first_fact = roundup_web::view::escape_html(&d.facts[0].text);
    assert!(r.body.contains(&first_fact), "fact {first_fact} in page");
    for q in &d.quotes {
        assert!(
            r.body.contains(&roundup_web::view::escape_html(&q.speaker)),
            "speaker {}",
            q.speaker
        );
    }
    assert!(r.body.contains(&format!(
        "aria-label=\"Coverage: left {}, center {}, right {}",
        d.coverage.left, d.coverage.center, d.coverage.right
    )));
    // No entries were assigned: the coverage list comes from the digest's timeline.
    assert!(r.body.contains("https://ridge.example/b"));
}

#[tokio::test]
async fn head_requests_do_not_poison_the_cache() {
    let (srv, _) = site().await;
    assert!(srv
        .get("/robots.txt")
        .await
        .body
        .contains("Disallow: /admin"));
    let h = srv.request("HEAD", "/outlets", &[], "").await;
    assert_eq!(h.status, 200);
    let g = srv.get("/outlets").await;
    assert!(
        g.body.contains("Harbor Gazette"),
        "GET after HEAD has its body"
    );
    let h2 = srv.request("HEAD", "/outlets", &[], "").await;
    assert_eq!(h2.status, 200);
    assert_eq!(h2.header("etag"), g.header("etag"));
}

#[tokio::test]
async fn api_subscribe_answers_the_same_for_every_address_and_explains_bad_input() {
    use roundup_web::{BoxFuture, SignupError, SignupHandler};
    use std::sync::{Arc, Mutex};
    struct Rec(Mutex<Vec<(String, String)>>);
    impl SignupHandler for Rec {
        fn signup(
            &self,
            email: &str,
            list: &str,
            _ip: Option<std::net::IpAddr>,
        ) -> BoxFuture<'_, Result<(), SignupError>> {
            self.0.lock().unwrap().push((email.into(), list.into()));
            let r = match email {
                e if e.starts_with("limited") => {
                    Err(SignupError::RateLimited("Too many sign-ups.".into()))
                }
                e if e.starts_with("known") => Err(SignupError::Failed("already confirmed".into())),
                _ => Ok(()),
            };
            Box::pin(async move { r })
        }
    }
    let rec = Arc::new(Rec(Mutex::new(vec![])));
    let cfg = roundup_web::WebConfig {
        signup: rec.clone(),
        ..config()
    };
    let srv = serve(store().await, cfg).await;
    let post = |body: &'static str| {
        let srv = &srv;
        async move {
            srv.request(
                "POST",
                "/api/v1/subscribe",
                &[("Content-Type", "application/json")],
                body,
            )
            .await
        }
    };
    let new = post(r#"{"email": " new@example.org ", "list": "daily"}"#).await;
    let known = post(r#"{"email": "known@example.org"}"#).await;
    assert_eq!(new.status, 202, "{}", new.body);
    assert_eq!(
        (known.status, &known.body),
        (202, &new.body),
        "no enumeration"
    );
    let v: serde_json::Value = serde_json::from_str(&new.body).unwrap();
    assert_eq!(
        v["message"],
        "You will receive a verification email shortly."
    );
    assert_eq!(v["list"], "daily");
    for (body, want) in [
        (r#"{"email": "not-an-address"}"#, "valid email"),
        (
            r#"{"email": "a@example.org", "list": "nope"}"#,
            "unknown list",
        ),
        (r#"{"mail": "a@example.org"}"#, "expected a JSON object"),
        ("not json", "expected a JSON object"),
    ] {
        let r = post(body).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert!(
            v["error"].as_str().unwrap().contains(want),
            "{body}: {}",
            r.body
        );
    }
    let r = post(r#"{"email": "limited@example.org"}"#).await;
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r.body.contains("Too many"), "{}", r.body);
    let calls = rec.0.lock().unwrap().clone();
    assert_eq!(
        calls,
        vec![
            ("new@example.org".to_string(), "daily".to_string()),
            ("known@example.org".to_string(), "daily".to_string()),
            ("limited@example.org".to_string(), "daily".to_string()),
        ],
        "only well-formed requests reach the hook"
    );
}

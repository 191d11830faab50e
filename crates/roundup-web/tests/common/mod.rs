//! Test helpers: a real SQLite store in a temp dir filled through the Store API, a site served
//! on 127.0.0.1:0, and a tiny HTTP/1.1 client.
#![allow(dead_code)]

use chrono::{TimeZone, Utc};
use roundup_model::{FeedEntry, Lean};
use roundup_store::{FetchRecord, NewOutlet, Store, StoryRecord};
use roundup_web::{Site, SiteHandle, WebConfig};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const BASE: &str = "https://news.example.org";

/// A fresh temp folder.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let d = std::env::temp_dir().join(format!(
        "roundup-web-{tag}-{}-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A store on a new SQLite file.
pub async fn store() -> Store {
    let d = temp_dir("db");
    Store::connect(&format!("sqlite://{}", d.join("t.db").display()))
        .await
        .unwrap()
}

pub fn config() -> WebConfig {
    WebConfig {
        base_url: BASE.into(),
        secret: "test-secret-0123456789".into(),
        site_title: "Test Roundup".into(),
        ..Default::default()
    }
}

/// A running site.
pub struct Server {
    pub addr: std::net::SocketAddr,
    pub handle: SiteHandle,
    pub store: Store,
}

pub async fn serve(store: Store, cfg: WebConfig) -> Server {
    let site = Site::new(store.clone(), cfg).expect("site builds");
    let handle = site.handle();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = roundup_web::serve_site(listener, &site).await;
    });
    Server {
        addr,
        handle,
        store,
    }
}

/// A response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl Server {
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Resp {
        let mut s = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        req.push_str(body);
        s.write_all(req.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.unwrap();
        parse_response(&raw)
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[], "").await
    }

    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        self.request("GET", path, headers, "").await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)], cookies: &str) -> Resp {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut h = vec![("Content-Type", "application/x-www-form-urlencoded")];
        if !cookies.is_empty() {
            h.push(("Cookie", cookies));
        }
        self.request("POST", path, &h, &body).await
    }
}

pub fn urlencode(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                o.push(b as char)
            }
            b' ' => o.push('+'),
            _ => o.push_str(&format!("%{b:02X}")),
        }
    }
    o
}

fn parse_response(raw: &[u8]) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response has a header block");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size =
                usize::from_str_radix(String::from_utf8_lossy(&rest[..nl]).trim(), 16).unwrap();
            rest = &rest[nl + 2..];
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
        body = out;
    }
    Resp {
        status,
        headers,
        body: String::from_utf8(body).expect("UTF-8 body"),
    }
}

/// The cookies set by a response, as a Cookie header value.
pub fn cookies_of(r: &Resp) -> String {
    r.headers_named("set-cookie")
        .iter()
        .filter_map(|c| c.split(';').next())
        .filter(|kv| !kv.ends_with('='))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The value of a hidden `csrf` input.
pub fn csrf_of(html: &str) -> String {
    let i =
        html.find("name=\"csrf\" value=\"").expect("csrf field") + "name=\"csrf\" value=\"".len();
    html[i..i + html[i..].find('"').unwrap()].to_string()
}

/// A digest JSON in the shape of roundup_digest::Digest.
pub fn digest(
    headline: &str,
    facts: &[(&str, &str, &str)],
    quotes: &[(&str, &str, &str)],
    cov: (u64, u64, u64, u64),
    blind: &[&str],
    section: &str,
    timeline: &[(&str, &str, &str, &str)],
) -> Value {
    json!({
        "story_id": "0",
        "headline": {"text": headline, "outlet": facts.first().map(|f| f.1).unwrap_or(""), "url": null},
        "summary": facts.first().map(|f| f.0).unwrap_or(headline),
        "facts": facts.iter().map(|(t, o, u)| json!({"text": t, "sources": [{"outlet": o, "url": u}]})).collect::<Vec<_>>(),
        "quotes": quotes.iter().map(|(t, sp, o)| json!({"text": t, "speaker": sp, "speaker_role": "the mayor", "kind": "direct", "reported_by": [{"outlet": o, "url": null}]})).collect::<Vec<_>>(),
        "attributions": [],
        "perspectives": [
            {"side": "left", "outlets": ["Harbor Gazette"], "distinctive_terms": ["workers"], "sentences": [{"text": "Unions welcomed the plan.", "source": {"outlet": "Harbor Gazette", "url": "https://gazette.example/a"}}]},
            {"side": "right", "outlets": ["Ridge Post"], "distinctive_terms": ["taxes"], "sentences": [{"text": "Taxpayers will foot the bill.", "source": {"outlet": "Ridge Post", "url": "https://ridge.example/a"}}]}
        ],
        "coverage": {"left": cov.0, "center": cov.1, "right": cov.2, "unrated": cov.3, "total": cov.0 + cov.1 + cov.2 + cov.3, "blindspots": blind},
        "timeline": {
            "first_report": null, "last_report_at": null, "hourly": [], "bursts": [],
            "entries": timeline.iter().map(|(o, t, u, l)| json!({"published": "2026-11-30T08:00:00Z", "outlet": o, "title": t, "url": u, "lean": l})).collect::<Vec<_>>()
        },
        "section": {"section": section, "confidence": 0.8, "scores": [[section, 3.0]]},
        "good_news": {"score": 0.0, "positive": [], "negative": [], "is_good": false}
    })
}

pub struct World {
    pub outlets: HashMap<&'static str, i64>,
    pub budget: i64,
    pub storm: i64,
    pub merged_old_slug: String,
    pub budget_slug: String,
    pub storm_slug: String,
    pub front_edition: i64,
    pub briefing_edition: i64,
}

pub fn entry(title: &str, url: &str, mins_ago: i64) -> FeedEntry {
    FeedEntry {
        guid: Some(url.to_string()),
        url: Some(url.to_string()),
        title: title.to_string(),
        summary: format!("Summary of {title}."),
        authors: vec!["Sam Reporter".into()],
        published: Utc
            .timestamp_opt(roundup_store::now_secs() - mins_ago * 60, 0)
            .single(),
        ..Default::default()
    }
}

/// Fills the store with four outlets, two live stories (one with a merged-away duplicate)
/// and three editions.
pub async fn world(s: &Store) -> World {
    let now = roundup_store::now_secs();
    let mut outlets = HashMap::new();
    for (name, lean, feed) in [
        (
            "Harbor Gazette",
            Some(Lean::Left),
            "https://gazette.example/feed.xml",
        ),
        (
            "Central Times",
            Some(Lean::Center),
            "https://central.example/rss",
        ),
        (
            "Ridge Post",
            Some(Lean::Right),
            "https://ridge.example/atom.xml",
        ),
        ("Unrated Daily", None, "https://unrated.example/feed"),
    ] {
        let id = s
            .upsert_outlet(&NewOutlet {
                name: name.into(),
                feed_url: feed.into(),
                homepage: Some(feed.rsplit_once('/').unwrap().0.to_string()),
                lean,
                region: Some("us".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        outlets.insert(name, id);
    }
    s.record_fetch(
        outlets["Central Times"],
        &FetchRecord::Success {
            status: "ok".into(),
            etag: None,
            last_modified: None,
            poll_interval_secs: 900,
        },
        now - 600,
    )
    .await
    .unwrap();
    s.record_fetch(
        outlets["Ridge Post"],
        &FetchRecord::Failure {
            status: "http-503".into(),
            error: "server answered 503 Service Unavailable".into(),
            retry_in_secs: 300,
        },
        now - 300,
    )
    .await
    .unwrap();
    let g = s
        .insert_entries(
            outlets["Harbor Gazette"],
            &[
                entry(
                    "Council passes harbor budget after long night",
                    "https://gazette.example/budget",
                    120,
                ),
                entry(
                    "Storm closes coastal roads",
                    "https://gazette.example/storm",
                    60,
                ),
            ],
            now,
        )
        .await
        .unwrap();
    let c = s
        .insert_entries(
            outlets["Central Times"],
            &[entry(
                "Harbor budget approved 7-2",
                "https://central.example/budget",
                110,
            )],
            now,
        )
        .await
        .unwrap();
    let r = s
        .insert_entries(
            outlets["Ridge Post"],
            &[
                entry(
                    "Budget vote: taxpayers on the hook",
                    "https://ridge.example/budget",
                    100,
                ),
                entry(
                    "Coastal storm: roads shut",
                    "https://ridge.example/storm",
                    50,
                ),
            ],
            now,
        )
        .await
        .unwrap();
    let u = s
        .insert_entries(
            outlets["Unrated Daily"],
            &[entry("Budget passes", "https://unrated.example/budget", 90)],
            now,
        )
        .await
        .unwrap();

    let budget_digest = digest(
        "Council approves harbor budget",
        &[
            (
                "The council approved the harbor budget by seven votes to two.",
                "Central Times",
                "https://central.example/budget",
            ),
            (
                "The budget sets aside 40 million for dredging.",
                "Harbor Gazette",
                "https://gazette.example/budget",
            ),
            (
                "Opponents said the plan raises port fees.",
                "Ridge Post",
                "https://ridge.example/budget",
            ),
        ],
        &[(
            "This budget keeps the harbor open for the next decade",
            "Mayor Ana Ruiz",
            "Central Times",
        )],
        (1, 1, 1, 1),
        &[],
        "politics",
        &[],
    );
    let budget = s
        .save_story(&StoryRecord {
            headline: "Council approves harbor budget".into(),
            section: Some("politics".into()),
            first_seen: now - 7200,
            last_updated: now - 5400,
            article_count: 4,
            outlet_count: 4,
            score: 9.5,
            digest: budget_digest,
            ..Default::default()
        })
        .await
        .unwrap();
    s.assign_entries(budget, &[g[0], c[0], r[0], u[0]])
        .await
        .unwrap();

    let storm_digest = digest(
        "Storm closes coastal roads",
        &[(
            "Heavy rain closed three coastal roads overnight.",
            "Harbor Gazette",
            "https://gazette.example/storm",
        )],
        &[],
        (1, 0, 1, 0),
        &["center"],
        "science",
        &[(
            "Harbor Gazette",
            "Storm closes coastal roads",
            "https://gazette.example/storm",
            "left",
        )],
    );
    let storm = s
        .save_story(&StoryRecord {
            headline: "Storm closes coastal roads".into(),
            section: Some("science".into()),
            first_seen: now - 3600,
            last_updated: now - 3000,
            article_count: 2,
            outlet_count: 2,
            score: 5.0,
            digest: storm_digest,
            ..Default::default()
        })
        .await
        .unwrap();
    s.assign_entries(storm, &[g[1], r[1]]).await.unwrap();

    // A duplicate of the budget story, merged into it: its slug must redirect.
    let dup = s
        .save_story(&StoryRecord {
            headline: "Harbor budget vote".into(),
            section: Some("politics".into()),
            first_seen: now - 7000,
            last_updated: now - 6000,
            article_count: 1,
            outlet_count: 1,
            score: 1.0,
            digest: json!({}),
            ..Default::default()
        })
        .await
        .unwrap();
    let merged_old_slug = s.story(dup).await.unwrap().unwrap().slug;
    s.merge_stories(dup, budget).await.unwrap();

    let budget_slug = s.story(budget).await.unwrap().unwrap().slug;
    let storm_slug = s.story(storm).await.unwrap().unwrap().slug;
    let today = Utc::now().format("%Y-%m-%d").to_string();
    let front_edition = s.publish_edition("front-page", &today, "Front page", &json!({
        "kind": "front-page",
        "intro": "The harbor budget leads the day.",
        "stories": [
            {"story_id": budget, "slug": budget_slug, "headline": "Council approves harbor budget",
             "facts": ["The council approved the harbor budget by seven votes to two.", "The budget sets aside 40 million for dredging."],
             "coverage": {"left": 1, "center": 1, "right": 1, "unrated": 1, "total": 4, "blindspots": []},
             "section": "politics", "outlet_count": 4, "last_updated": now - 5400},
            {"story_id": storm, "slug": storm_slug, "headline": "Storm closes coastal roads",
             "summary": "Heavy rain closed three coastal roads overnight.",
             "coverage": {"left": 1, "center": 0, "right": 1, "unrated": 0, "total": 2, "blindspots": ["center"]},
             "section": "science", "outlet_count": 2, "last_updated": now - 3000}
        ]
    })).await.unwrap();
    s.publish_edition("ten-things", &today, "10 things to know", &json!({
        "items": [
            {"story_id": budget, "headline": "Harbor budget passes 7-2", "summary": "Dredging gets 40 million."},
            {"story_id": storm, "headline": "Coastal roads shut by storm", "summary": "Three roads closed."}
        ]
    })).await.unwrap();
    let briefing_edition = s.publish_edition("briefing", "2026-11-30", "Monday briefing", &json!({
        "stories": [{"headline": "Yesterday's lead story", "summary": "It happened yesterday.", "facts": ["One fact."]}]
    })).await.unwrap();
    World {
        outlets,
        budget,
        storm,
        merged_old_slug,
        budget_slug,
        storm_slug,
        front_edition,
        briefing_edition,
    }
}

/// An argon2id hash with small parameters, so debug-build tests log in quickly; the server
/// verifies with the parameters stored in the hash, exactly as for `hash_password`'s output.
pub fn cheap_hash(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let params = argon2::Params::new(256, 1, 1, None).unwrap();
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::encode_b64(b"fixed-test-salt!").unwrap();
    a.hash_password(password.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

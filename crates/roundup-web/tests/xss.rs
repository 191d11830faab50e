//! Untrusted text from feeds and articles — script tags, event handlers, javascript: URLs,
//! SVG onload, broken markup — stored through the real Store and rendered through the real
//! pages, feeds and API: no executable markup may come out.

mod common;

use common::*;
use roundup_model::FeedEntry;
use roundup_store::{NewOutlet, StoryRecord};
use serde_json::json;

const PAYLOADS: &[&str] = &[
    "<script>alert('xss')</script>",
    "\"><script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "<svg/onload=alert(4)//",
    "</title></textarea><script>alert(5)</script>",
    "<a href=\"javascript:alert(6)\">click</a>",
    "' onmouseover='alert(7)",
    "\" autofocus onfocus=\"alert(8)",
    "<iframe src=javascript:alert(9)>",
    "<!--<script>alert(10)//-->",
    "<<script>script>alert(11)<</script>/script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(12)>",
    "]]><script>alert(13)</script>",
];

const BAD_URLS: &[&str] = &[
    "javascript:alert(101)",
    "JaVaScRiPt:alert(102)",
    " javascript:alert(103)",
    "java\tscript:alert(104)",
    "data:text/html,<script>alert(105)</script>",
    "vbscript:msgbox(106)",
    "//evil.example/x",
    "\" onclick=\"alert(107)",
];

fn p(i: usize) -> &'static str {
    PAYLOADS[i % PAYLOADS.len()]
}

fn u(i: usize) -> &'static str {
    BAD_URLS[i % BAD_URLS.len()]
}

/// Decodes the few entities that could hide a scheme in an attribute value.
fn decode(v: &str) -> String {
    let mut s = v.to_string();
    for (e, c) in [
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&#x2f;", "/"),
        ("&#58;", ":"),
        ("&colon;", ":"),
        ("&Tab;", "\t"),
        ("&amp;", "&"),
    ] {
        s = s.replace(e, c);
    }
    s
}

/// Every tag of a document: (name, attributes). Text never contains a raw `<` when escaping
/// works, so every `<` starts markup.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let b = html.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'<' {
            i += 1;
            continue;
        }
        if html[i..].starts_with("<!--") {
            let end = html[i..].find("-->").map(|e| i + e + 3).unwrap_or(b.len());
            out.push((
                "!--".to_string(),
                vec![("comment".into(), html[i..end].to_string())],
            ));
            i = end;
            continue;
        }
        i += 1;
        let start = i;
        while i < b.len()
            && !b[i].is_ascii_whitespace()
            && b[i] != b'>'
            && !(b[i] == b'/' && i > start)
        {
            i += 1;
        }
        let name = html[start..i].trim_start_matches('/').to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' {
                i += 1;
                break;
            }
            let ks = i;
            while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'>' {
                i += 1;
            }
            let key = html[ks..i].to_ascii_lowercase();
            let mut val = String::new();
            if i < b.len() && b[i] == b'=' {
                i += 1;
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    i += 1;
                    let vs = i;
                    while i < b.len() && b[i] != q {
                        i += 1;
                    }
                    val = html[vs..i.min(b.len())].to_string();
                    i += 1;
                } else {
                    let vs = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    val = html[vs..i].to_string();
                }
            }
            attrs.push((key, val));
        }
        out.push((name, attrs));
    }
    out
}

fn assert_inert(what: &str, html: &str) {
    for (name, attrs) in tags(html) {
        assert!(
            ![
                "script", "iframe", "svg", "math", "object", "embed", "img", "style", "base",
                "textarea", "title"
            ]
            .contains(&name.as_str())
                || (name == "title" && attrs.is_empty()),
            "{what}: dangerous tag <{name}> in output"
        );
        if name == "!--" {
            panic!("{what}: comment in output: {:?}", attrs);
        }
        for (k, v) in attrs {
            assert!(
                !k.starts_with("on"),
                "{what}: event handler attribute {k}={v:?} on <{name}>"
            );
            assert!(
                !["autofocus", "formaction", "srcdoc"].contains(&k.as_str()),
                "{what}: attribute {k} on <{name}>"
            );
            if ["href", "src", "action", "xlink:href"].contains(&k.as_str()) {
                let d: String = decode(&v)
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                for scheme in ["javascript:", "data:", "vbscript:"] {
                    assert!(!d.starts_with(scheme), "{what}: {k}={v:?} on <{name}>");
                }
                assert!(!d.starts_with("//"), "{what}: protocol-relative {k}={v:?}");
            }
        }
    }
}

async fn evil_site() -> (Server, i64, String, i64) {
    let s = store().await;
    let now = roundup_store::now_secs();
    let mut outlet_ids = Vec::new();
    for i in 0..4 {
        let id = s
            .upsert_outlet(&NewOutlet {
                name: format!("{} Outlet {i}", p(i)),
                homepage: Some(u(i).to_string()),
                feed_url: format!("{}#{i}", u(i + 1)),
                lean: [
                    Some(roundup_model::Lean::Left),
                    Some(roundup_model::Lean::Right),
                    None,
                    Some(roundup_model::Lean::Center),
                ][i],
                region: Some(p(i + 5).to_string()),
                ..Default::default()
            })
            .await
            .unwrap();
        s.record_fetch(
            id,
            &roundup_store::FetchRecord::Failure {
                status: p(i + 2).into(),
                error: p(i + 3).into(),
                retry_in_secs: 60,
            },
            now,
        )
        .await
        .unwrap();
        outlet_ids.push(id);
    }
    let mut entry_ids = Vec::new();
    for (n, o) in outlet_ids.iter().enumerate() {
        let entries: Vec<FeedEntry> = (0..PAYLOADS.len())
            .map(|i| FeedEntry {
                guid: Some(format!("g{n}-{i}")),
                url: Some(u(i + n).to_string()),
                title: format!("harbor {} title {i}", p(i + n)),
                summary: format!("harbor {} summary", p(i + n + 1)),
                summary_html: p(i).to_string(),
                content: p(i + 2).to_string(),
                authors: vec![p(i + 3).to_string()],
                categories: vec![p(i + 4).to_string()],
                published: chrono::DateTime::from_timestamp(now - 60 * i as i64, 0),
                image: Some(u(i).to_string()),
                position: i as u32,
                ..Default::default()
            })
            .collect();
        entry_ids.extend(s.insert_entries(*o, &entries, now).await.unwrap());
    }
    let facts: Vec<_> = (0..PAYLOADS.len())
        .map(|i| json!({"text": format!("harbor {}", p(i)), "sources": [{"outlet": p(i + 1), "url": u(i)}]}))
        .collect();
    let quotes: Vec<_> = (0..4)
        .map(|i| json!({"text": p(i), "speaker": p(i + 1), "speaker_role": p(i + 2), "kind": p(i + 3), "reported_by": [{"outlet": p(i), "url": u(i)}]}))
        .collect();
    let digest = json!({
        "headline": {"text": p(0), "outlet": p(1), "url": u(0)},
        "summary": format!("harbor {}", p(2)),
        "facts": facts,
        "quotes": quotes,
        "attributions": quotes,
        "perspectives": [
            {"side": "left", "outlets": [p(3), p(4)], "distinctive_terms": [p(5)], "sentences": [{"text": p(6), "source": {"outlet": p(7), "url": u(2)}}]},
            {"side": p(8), "outlets": [p(9)], "distinctive_terms": [p(10)], "sentences": [{"text": p(11), "source": {"outlet": p(12), "url": u(3)}}]}
        ],
        "coverage": {"left": 2, "center": 1, "right": 1, "unrated": 1, "total": 5, "blindspots": [p(0), "right"]},
        "timeline": {
            "first_report": {"published": "2026-11-30T08:00:00Z", "outlet": p(1), "title": p(2), "url": u(4), "lean": p(3)},
            "bursts": [],
            "entries": (0..6).map(|i| json!({"published": "2026-11-30T08:00:00Z", "outlet": p(i), "title": p(i + 1), "url": u(i), "lean": p(i + 2)})).collect::<Vec<_>>()
        },
        "section": {"section": p(4)}
    });
    let story = s
        .save_story(&StoryRecord {
            headline: format!("harbor {}", p(1)),
            section: Some("politics".into()),
            first_seen: now - 100,
            last_updated: now - 50,
            article_count: 5,
            outlet_count: 5,
            score: 3.0,
            digest: digest.clone(),
            ..Default::default()
        })
        .await
        .unwrap();
    s.assign_entries(story, &entry_ids).await.unwrap();
    // A second story whose section column itself is hostile.
    s.save_story(&StoryRecord {
        headline: format!("harbor {}", p(3)),
        section: Some(p(1).to_string()),
        first_seen: now - 100,
        last_updated: now - 40,
        score: 2.0,
        digest: json!({"facts": [p(2), {"text": p(5)}], "coverage": {"left": p(0)}, "summary": p(4)}),
        ..Default::default()
    })
    .await
    .unwrap();
    let slug = s.story(story).await.unwrap().unwrap().slug;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let snap = json!({
        "intro": p(0),
        "stories": (0..PAYLOADS.len()).map(|i| json!({
            "story_id": if i == 0 { json!(story) } else { json!(p(i)) },
            "slug": if i == 1 { u(i).to_string() } else { p(i).to_string() },
            "headline": format!("harbor {}", p(i)),
            "summary": p(i + 1), "facts": [p(i + 2)], "section": p(i + 3),
            "coverage": {"left": 1, "right": 1, "total": 2, "blindspots": [p(i)]},
            "last_updated": p(i)
        })).collect::<Vec<_>>()
    });
    let ed = s
        .publish_edition("front-page", &today, p(0), &snap)
        .await
        .unwrap();
    s.publish_edition("ten-things", &today, p(1), &snap)
        .await
        .unwrap();
    s.set_setting("admin_password_hash", &cheap_hash("pw"))
        .await
        .unwrap();
    (serve(s, config()).await, story, slug, ed)
}

#[tokio::test]
async fn hostile_data_renders_inert_on_every_page() {
    let (srv, story, slug, ed) = evil_site().await;
    let outlets = srv.store.list_outlets().await.unwrap();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let mut pages = vec![
        "/".to_string(),
        format!("/story/{slug}"),
        "/section/politics".into(),
        "/outlets".into(),
        "/archive".into(),
        format!("/archive/{today}"),
        format!("/edition/{ed}"),
        "/search?q=harbor".into(),
        format!("/search?q={}", urlencode(p(0))),
        format!("/search?q={}", urlencode(p(7))),
        "/subscribe".into(),
    ];
    pages.extend(outlets.iter().map(|o| format!("/outlet/{}", o.id)));
    let mut saw_escaped = 0;
    for path in &pages {
        let r = srv.get(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert_inert(path, &r.body);
        if r.body.contains("&lt;script&gt;")
            || r.body.contains("&lt;svg")
            || r.body.contains("&lt;img")
        {
            saw_escaped += 1;
        }
    }
    assert!(
        saw_escaped >= pages.len() - 2,
        "the payloads were shown (escaped), not dropped: {saw_escaped}/{}",
        pages.len()
    );

    // Reflected input: search query and sign-up form.
    let r = srv
        .post_form(
            "/subscribe",
            &[
                ("email", "\"><script>alert(1)</script>@x.org"),
                ("list", "daily"),
            ],
            "",
        )
        .await;
    assert_eq!(r.status, 400);
    assert_inert("subscribe error", &r.body);
    let r = srv
        .get(&format!("/search?q={}", urlencode("\" onfocus=\"alert(1)")))
        .await;
    assert_inert("search reflect", &r.body);

    // The admin shows the same hostile data.
    let form = srv.get("/admin/login").await;
    let login = srv
        .post_form(
            "/admin/login",
            &[("csrf", &csrf_of(&form.body)), ("password", "pw")],
            &cookies_of(&form),
        )
        .await;
    let cookie = login
        .headers_named("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("roundup_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let dash = srv.get_with("/admin", &[("Cookie", &cookie)]).await;
    assert_eq!(dash.status, 200);
    assert_inert("/admin", &dash.body);
    assert!(dash.body.contains("&lt;script&gt;"));

    // The API and feeds keep the text as data: JSON strings, escaped XML.
    let v = srv.get(&format!("/api/v1/story/{slug}")).await.json();
    assert_eq!(v["id"], story);
    for path in [
        "/feed.xml",
        "/atom.xml",
        "/section/politics/feed.xml",
        "/editions/front-page/feed.xml",
        "/editions/ten-things/atom.xml",
    ] {
        let r = srv.get(path).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(!r.body.contains("<script"), "{path}: raw script tag");
        // Still well-formed XML, and every link is one of ours.
        let mut rd = quick_xml::Reader::from_str(&r.body);
        let mut current = Vec::new();
        loop {
            match rd.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Start(e)) => {
                    current = e.name().as_ref().to_vec();
                }
                Ok(quick_xml::events::Event::End(_)) => current.clear(),
                Ok(quick_xml::events::Event::Empty(e)) => {
                    for a in e.attributes() {
                        let a = a.unwrap();
                        if a.key.as_ref() == b"href" {
                            assert!(
                                a.unescape_value().unwrap().starts_with(BASE),
                                "{path}: foreign link"
                            );
                        }
                    }
                }
                Ok(quick_xml::events::Event::Text(t)) => {
                    let t = t.unescape().unwrap();
                    if [&b"link"[..], b"guid", b"id"].contains(&current.as_slice()) {
                        assert!(t.starts_with(BASE), "{path}: link {t:?}");
                    }
                }
                Ok(_) => {}
                Err(e) => panic!("{path}: {e}"),
            }
        }
    }
    let rss = srv.get("/feed.xml").await.body;
    let mut rd = quick_xml::Reader::from_str(&rss);
    let mut in_desc = false;
    loop {
        match rd.read_event().unwrap() {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"description" => {
                in_desc = true
            }
            quick_xml::events::Event::End(e) if e.name().as_ref() == b"description" => {
                in_desc = false
            }
            quick_xml::events::Event::Text(t) if in_desc => {
                let text = t.unescape().unwrap();
                assert!(
                    !text.contains('<'),
                    "RSS description decodes to markup: {text}"
                );
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    let jf = srv.get("/feed.json").await.json();
    assert!(jf["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i.get("content_html").is_none()));
}

#[test]
fn the_checker_catches_what_it_should() {
    // Guard against a checker that passes everything.
    for bad in [
        "<p>ok</p><script>x</script>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"  JaVaScript:alert(1)\">x</a>",
        "<a href='data:text/html,x'>x</a>",
        "<div onclick=\"x\">",
        "<svg/onload=alert(1)>",
        "<a href=\"&#x2f;&#x2f;evil\">",
    ] {
        let r = std::panic::catch_unwind(|| assert_inert("probe", bad));
        assert!(r.is_err(), "checker missed {bad}");
    }
    assert_inert(
        "ok",
        "<p class=\"x\">&lt;script&gt; onload=alert(1)</p><a href=\"/story/a-1\">a</a>",
    );
}

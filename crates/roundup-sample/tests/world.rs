//! The sample world meets its promised shape, and every rendered file is valid.

use quick_xml::events::Event;
use roundup_sample::{
    build_site, escape, load_world, stories_jsonl, world, FeedFormat, SampleArticle,
};
use std::collections::{BTreeMap, BTreeSet};

const BASE: &str = "http://127.0.0.1:8080";

/// Parses `s` as XML to the end: tags balanced and matching, entities and attributes valid.
fn check_xml(what: &str, s: &str) {
    let mut r = quick_xml::Reader::from_str(s);
    r.config_mut().check_end_names = true;
    let mut depth: i64 = 0;
    loop {
        match r.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                depth += 1;
                for a in e.attributes() {
                    let a = a.unwrap_or_else(|err| panic!("{what}: bad attribute: {err}"));
                    a.unescape_value()
                        .unwrap_or_else(|err| panic!("{what}: bad attribute value: {err}"));
                }
            }
            Ok(Event::Empty(e)) => {
                for a in e.attributes() {
                    let a = a.unwrap_or_else(|err| panic!("{what}: bad attribute: {err}"));
                    a.unescape_value()
                        .unwrap_or_else(|err| panic!("{what}: bad attribute value: {err}"));
                }
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Text(t)) => {
                t.unescape().unwrap_or_else(|err| {
                    panic!("{what}: bad text at {}: {err}", r.buffer_position())
                });
            }
            Ok(_) => {}
            Err(e) => panic!("{what}: XML error at {}: {e}", r.buffer_position()),
        }
        assert!(depth >= 0, "{what}: more end tags than start tags");
    }
    assert_eq!(depth, 0, "{what}: unclosed elements");
}

fn words(p: &str) -> usize {
    p.split_whitespace().count()
}

#[test]
fn embedded_data_loads() {
    load_world().expect("embedded data loads");
}

#[test]
fn world_has_the_promised_shape() {
    let w = world();
    assert!(w.outlets.len() >= 14, "outlets: {}", w.outlets.len());
    assert!(w.stories.len() >= 28, "stories: {}", w.stories.len());
    assert!(w.articles.len() >= 120, "articles: {}", w.articles.len());
    let formats: BTreeSet<String> = w
        .outlets
        .iter()
        .map(|o| format!("{:?}", o.feed_format))
        .collect();
    assert_eq!(formats.len(), 3, "feed formats used: {formats:?}");
    assert!(w
        .outlets
        .iter()
        .any(|o| o.feed_format == FeedFormat::Rss && o.rss_content_encoded));
    assert!(w
        .outlets
        .iter()
        .any(|o| o.feed_format == FeedFormat::Rss && o.rss_dc_creator));
    let leans: BTreeSet<_> = w.outlets.iter().map(|o| o.lean).collect();
    assert_eq!(leans.len(), 5, "all five leanings: {leans:?}");
    let regions: BTreeSet<_> = w.outlets.iter().map(|o| o.region.as_str()).collect();
    assert!(regions.len() >= 4, "regions: {regions:?}");
    let layouts: BTreeSet<String> = w
        .outlets
        .iter()
        .map(|o| format!("{:?}", o.layout))
        .collect();
    assert_eq!(layouts.len(), 5, "layouts: {layouts:?}");

    let mut outlets_per_story: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for a in &w.articles {
        outlets_per_story
            .entry(a.story.as_str())
            .or_default()
            .insert(a.outlet.as_str());
    }
    for s in &w.stories {
        assert!(
            outlets_per_story.contains_key(s.id.as_str()),
            "story {} has no article",
            s.id
        );
    }
    let big = outlets_per_story.values().filter(|o| o.len() >= 6).count();
    assert!(big >= 5, "stories covered by >= 6 outlets: {big}");
    let singles = outlets_per_story.values().filter(|o| o.len() == 1).count();
    assert!(singles >= 5, "single-outlet stories: {singles}");
    let good = w.stories.iter().filter(|s| s.good_news).count();
    assert!(good >= 4, "good-news stories: {good}");
    let sections: BTreeSet<_> = w.stories.iter().map(|s| s.section).collect();
    assert!(sections.len() >= 9, "sections: {sections:?}");

    // Two consecutive days, UTC.
    let days: BTreeSet<String> = w
        .articles
        .iter()
        .map(|a| a.published.format("%Y-%m-%d").to_string())
        .collect();
    let want: BTreeSet<String> = ["2026-11-30", "2026-12-01"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(days, want);

    // Wire copy republished by at least three other outlets, for at least two wire stories.
    let mut copies: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for a in &w.articles {
        if let Some(src) = &a.syndicated_from {
            assert!(
                w.articles.iter().any(|o| &o.id == src),
                "{}: unknown source {src}",
                a.id
            );
            assert_ne!(&a.id, src);
            copies
                .entry(src.as_str())
                .or_default()
                .insert(a.outlet.as_str());
        }
    }
    let widely = copies.values().filter(|c| c.len() >= 3).count();
    assert!(
        widely >= 2,
        "wire articles republished by >= 3 outlets: {widely}"
    );
}

#[test]
fn articles_have_journalistic_shape() {
    let w = world();
    let mut short = Vec::new();
    let mut total = 0;
    for a in &w.articles {
        assert!(
            (4..=10).contains(&a.paragraphs.len()),
            "{}: {} paragraphs",
            a.id,
            a.paragraphs.len()
        );
        assert!(!a.headline.trim().is_empty());
        for p in &a.paragraphs {
            total += 1;
            let n = words(p);
            assert!(
                (8..=110).contains(&n),
                "{}: paragraph of {n} words: {p}",
                a.id
            );
            if !(25..=90).contains(&n) {
                short.push((a.id.clone(), n));
            }
        }
    }
    // Most paragraphs are the 30-80 words of a news paragraph (allowing a little slack).
    assert!(
        short.len() * 10 <= total,
        "{} of {total} paragraphs outside 25..=90 words: {short:?}",
        short.len()
    );
}

#[test]
fn quotes_and_speakers_appear_in_the_text() {
    let w = world();
    let mut n = 0;
    for a in &w.articles {
        let text = a.text();
        let lower = text.to_lowercase();
        for q in &a.quotes {
            n += 1;
            assert!(
                text.contains(&q.text),
                "{}: quote not in text: {:?}",
                a.id,
                q.text
            );
            assert!(
                lower.contains(&q.speaker.to_lowercase()),
                "{}: speaker not in text: {:?}",
                a.id,
                q.speaker
            );
        }
    }
    assert!(n >= 150, "quotes annotated: {n}");
}

#[test]
fn ids_and_urls_are_unique() {
    let w = world();
    let ids: BTreeSet<_> = w.articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), w.articles.len());
    let paths: BTreeSet<_> = w.articles.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(paths.len(), w.articles.len());
    let headlines: BTreeSet<_> = w
        .articles
        .iter()
        .map(|a| (a.outlet.as_str(), a.headline.as_str()))
        .collect();
    assert_eq!(
        headlines.len(),
        w.articles.len(),
        "an outlet repeats a headline"
    );
}

#[test]
fn every_article_page_is_served_and_shows_its_body() {
    let w = world();
    let site = build_site(BASE);
    for a in &w.articles {
        let (ct, body) = site
            .get(&a.path)
            .unwrap_or_else(|| panic!("{} not served", a.path));
        assert!(ct.starts_with("text/html"), "{}: {ct}", a.path);
        let html = std::str::from_utf8(body).expect("utf-8");
        assert!(
            html.contains(&escape(&a.headline)),
            "{}: headline missing",
            a.path
        );
        for p in &a.paragraphs {
            assert!(
                html.contains(&escape(p)),
                "{}: paragraph missing from page: {p}",
                a.path
            );
        }
        check_xml(&a.path, html);
        for marker in ["cookie", "newsletter", "Comments ("] {
            assert!(
                html.to_lowercase().contains(&marker.to_lowercase()),
                "{}: no {marker} boilerplate",
                a.path
            );
        }
    }
    // Query strings are ignored, unknown paths are not served.
    let a = &w.articles[0];
    assert!(site.get(&format!("{}?utm_source=feed", a.path)).is_some());
    assert!(site.get("/no-such-outlet/x.html").is_none());
}

fn feed_urls(o: &roundup_sample::SampleOutlet, text: &str) -> Vec<String> {
    match o.feed_format {
        FeedFormat::JsonFeed => {
            let v: serde_json::Value = serde_json::from_str(text).expect("JSON Feed parses");
            assert_eq!(v["version"], "https://jsonfeed.org/version/1.1");
            v["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|i| {
                    assert!(
                        i["id"].is_string()
                            && i["date_published"].is_string()
                            && i["content_text"].is_string()
                    );
                    i["url"].as_str().expect("url").to_string()
                })
                .collect()
        }
        _ => {
            check_xml(&o.feed_path, text);
            let tag = if o.feed_format == FeedFormat::Rss {
                "<link>"
            } else {
                "<link rel=\"alternate\" type=\"text/html\" href=\""
            };
            text.split(tag)
                .skip(2) // the channel / feed's own link
                .map(|s| {
                    let end = s.find(['<', '"']).expect("end of link");
                    s[..end].replace("&amp;", "&")
                })
                .collect()
        }
    }
}

#[test]
fn feeds_parse_and_list_articles_newest_first() {
    let w = world();
    let site = build_site(BASE);
    for o in &w.outlets {
        let (ct, body) = site
            .get(&o.feed_path)
            .unwrap_or_else(|| panic!("{} not served", o.feed_path));
        let text = std::str::from_utf8(body).expect("utf-8");
        match o.feed_format {
            FeedFormat::Rss => assert!(
                ct.starts_with("application/rss+xml") && text.contains("<rss version=\"2.0\"")
            ),
            FeedFormat::Atom => assert!(
                ct.starts_with("application/atom+xml")
                    && text.contains("http://www.w3.org/2005/Atom")
            ),
            FeedFormat::JsonFeed => assert!(ct.starts_with("application/feed+json")),
        }
        let urls = feed_urls(o, text);
        let mine: Vec<&SampleArticle> = w.articles_of_outlet(&o.slug);
        let want: Vec<String> = mine.iter().map(|a| a.url(BASE)).collect();
        assert_eq!(
            urls, want,
            "{}: feed lists its articles newest first",
            o.slug
        );
        for w2 in mine.windows(2) {
            assert!(w2[0].published >= w2[1].published);
        }
        // Teasers, not full text (unless the outlet ships content:encoded).
        if !o.rss_content_encoded {
            for a in &mine {
                if let Some(last) = a.paragraphs.last() {
                    assert!(
                        !text.contains(&escape(last)),
                        "{}: feed carries the full text",
                        o.slug
                    );
                }
            }
        }
        let (rct, robots) = site
            .get(&format!("/{}/robots.txt", o.slug))
            .expect("robots.txt");
        assert!(rct.starts_with("text/plain"));
        assert!(std::str::from_utf8(robots).unwrap().contains("Allow: /"));
        let (_, home) = site.get(&o.homepage_path).expect("home page");
        check_xml(&o.homepage_path, std::str::from_utf8(home).unwrap());
    }
    assert!(site.get("/robots.txt").is_some());
    check_xml("/", std::str::from_utf8(site.get("/").unwrap().1).unwrap());
}

#[test]
fn special_characters_are_escaped() {
    assert_eq!(
        escape(r#"Q&A: <b> "x" 'y'"#),
        "Q&amp;A: &lt;b&gt; &quot;x&quot; &#39;y&#39;"
    );
    let w = world();
    let site = build_site(BASE);
    // The data has a headline with '&' and quotes and a tagline with '<...>'; both render valid XML.
    let tricky: Vec<_> = w
        .articles
        .iter()
        .filter(|a| a.headline.contains('&'))
        .collect();
    assert!(
        !tricky.is_empty(),
        "no headline with '&' to exercise escaping"
    );
    for a in tricky {
        let o = w.outlet(&a.outlet).unwrap();
        let feed = std::str::from_utf8(site.get(&o.feed_path).unwrap().1).unwrap();
        if o.feed_format != FeedFormat::JsonFeed {
            check_xml(&o.feed_path, feed);
            assert!(feed.contains(&escape(&a.headline)));
        }
        let page = std::str::from_utf8(site.get(&a.path).unwrap().1).unwrap();
        assert!(
            !page.contains(&format!(">{}<", a.headline)),
            "raw headline in page"
        );
    }
    let sc = w
        .outlets
        .iter()
        .find(|o| o.tagline.contains('<'))
        .expect("a tagline with '<'");
    let home = std::str::from_utf8(site.get(&sc.homepage_path).unwrap().1).unwrap();
    assert!(home.contains(&escape(&sc.tagline)) && !home.contains(&sc.tagline));
}

#[test]
fn output_is_deterministic_and_follows_the_base_url() {
    let a = build_site(BASE);
    let b = build_site(BASE);
    assert_eq!(a, b);
    let c = build_site("http://127.0.0.1:9999/");
    assert_eq!(c.base_url, "http://127.0.0.1:9999");
    let o = &world().outlets[0];
    let feed = std::str::from_utf8(c.get(&o.feed_path).unwrap().1).unwrap();
    assert!(feed.contains("http://127.0.0.1:9999/") && !feed.contains(BASE));
    assert_eq!(stories_jsonl(), stories_jsonl());
}

#[test]
fn jsonl_export_matches_the_articles() {
    let w = world();
    let jsonl = stories_jsonl();
    let rows: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(rows.len(), w.articles.len());
    let labels: BTreeSet<&str> = w.stories.iter().map(|s| s.id.as_str()).collect();
    for (row, a) in rows.iter().zip(&w.articles) {
        for k in ["id", "story", "outlet", "published", "title", "url", "text"] {
            assert!(row[k].is_string(), "missing {k}");
        }
        assert_eq!(row["id"], a.id.as_str());
        assert!(labels.contains(row["story"].as_str().unwrap()));
        assert_eq!(row["text"], a.text().as_str());
        assert!(row["published"].as_str().unwrap().ends_with('Z'));
    }
}

#[test]
fn big_stories_are_covered_across_the_spectrum() {
    use roundup_model::Side;
    let w = world();
    let mut balanced = 0;
    let mut one_sided = 0;
    for s in &w.stories {
        let c = w.coverage(&s.id);
        let outlets: usize = c.values().sum();
        if outlets >= 6
            && [Side::Left, Side::Center, Side::Right]
                .iter()
                .all(|k| c.get(k).copied().unwrap_or(0) >= 1)
        {
            balanced += 1;
        }
        if outlets >= 2 && c.len() == 1 {
            one_sided += 1;
        }
    }
    assert!(
        balanced >= 5,
        "big stories with left, center and right coverage: {balanced}"
    );
    assert!(
        one_sided >= 1,
        "a multi-outlet story covered by one side only (a blindspot): {one_sided}"
    );
}

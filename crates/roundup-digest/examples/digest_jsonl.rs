//! Digest every story of a JSON-lines file of articles and print a short report per story.
//!
//! Each line: `{"story": "...", "outlet": "...", "title": "...", "text": "...", "url": "...",
//! "published": "YYYY-MM-DD" | RFC 3339 | ""}` (the shape of `../shared/eval/clustering/*.jsonl`).
//!
//! `cargo run -p roundup-digest --example digest_jsonl -- FILE [MAX_STORIES]`

use chrono::{DateTime, NaiveDate, Utc};
use roundup_digest::{digest, DigestConfig, Story, StoryArticle};
use std::collections::BTreeMap;

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .map(|t| t.and_utc())
        })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: digest_jsonl FILE [MAX_STORIES]");
        std::process::exit(2);
    };
    let max: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let data = match std::fs::read_to_string(path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(1);
        }
    };
    let mut stories: BTreeMap<String, Vec<StoryArticle>> = BTreeMap::new();
    for line in data.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        let text = s("text");
        if text.trim().is_empty() {
            continue;
        }
        stories.entry(s("story")).or_default().push(StoryArticle {
            outlet: s("outlet"),
            title: s("title"),
            text,
            url: Some(s("url")).filter(|u| !u.is_empty()),
            published: parse_time(&s("published")),
            ..Default::default()
        });
    }
    let mut shown = 0;
    for (id, articles) in stories {
        if articles.len() < 2 || shown >= max {
            continue;
        }
        shown += 1;
        let story = Story {
            id: id.clone(),
            articles,
        };
        let d = match digest(&story, &DigestConfig::default()) {
            Ok(d) => d,
            Err(e) => {
                println!("{id}: {e}");
                continue;
            }
        };
        println!(
            "== {id} ({} articles) section={} good={:.2}",
            story.articles.len(),
            d.section.section,
            d.good_news.score
        );
        println!("  H: {} [{}]", d.headline.text, d.headline.outlet);
        for f in &d.facts {
            println!(
                "  F: {} [{}]",
                f.text,
                f.sources
                    .iter()
                    .map(|s| s.outlet.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        for q in &d.quotes {
            println!("  Q: {} — “{}”", q.speaker, q.text);
        }
        for q in &d.attributions {
            println!("  A: {} — {}", q.speaker, q.text);
        }
    }
}

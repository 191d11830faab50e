//! Smoke test over the feed-rs fixture feeds in `../shared/eval/feeds/feed-rs/` (read at test
//! time; skipped with a notice when the folder is absent). Every fixture must parse without
//! error, and where feed-rs's own result (`NAME.serde.json`) has entries with titles or
//! links, ours must have the same number of entries, with titles and links too.

use roundup_feed::parse_feed;
use serde_json::Value;

fn has_title(e: &Value) -> bool {
    e.get("title")
        .and_then(|t| t.get("content"))
        .and_then(Value::as_str)
        .is_some_and(|t| !t.trim().is_empty())
}

fn has_link(e: &Value) -> bool {
    e.get("links").and_then(Value::as_array).is_some_and(|l| {
        l.iter().any(|l| {
            l.get("href")
                .and_then(Value::as_str)
                .is_some_and(|h| !h.trim().is_empty())
        })
    })
}

#[test]
fn feed_rs_fixtures_parse() {
    let root = roundup_testkit::shared_path("eval/feeds/feed-rs");
    let root = root.as_path();
    if !root.is_dir() {
        eprintln!("skipping: {} not found", root.display());
        return;
    }
    let mut parsed = 0;
    let mut compared = 0;
    let mut problems = Vec::new();
    for dir in ["atom", "rss0", "rss1", "rss2", "jsonfeed"] {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = rd.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".serde.json") || !(name.ends_with(".xml") || name.ends_with(".json"))
            {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let feed = match parse_feed(&bytes) {
                Ok(f) => f,
                Err(e) => {
                    problems.push(format!("{dir}/{name}: {e}"));
                    continue;
                }
            };
            parsed += 1;
            let entries = feed.entries(None);
            let stem = name.rsplit_once('.').unwrap().0;
            let expected = path.with_file_name(format!("{stem}.serde.json"));
            let Ok(text) = std::fs::read_to_string(&expected) else {
                continue;
            };
            let want: Value = serde_json::from_str(&text).unwrap();
            let want_entries = want
                .get("entries")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            compared += 1;
            if want_entries.len() != entries.len() {
                problems.push(format!(
                    "{dir}/{name}: {} entries, feed-rs has {}",
                    entries.len(),
                    want_entries.len()
                ));
                continue;
            }
            for (i, (w, got)) in want_entries.iter().zip(&entries).enumerate() {
                if has_title(w) && got.title.trim().is_empty() {
                    problems.push(format!("{dir}/{name}: entry {i} has no title"));
                }
                if has_link(w) && got.url.is_none() {
                    problems.push(format!("{dir}/{name}: entry {i} has no link"));
                }
            }
        }
    }
    assert!(parsed >= 60, "only {parsed} fixtures parsed");
    assert!(compared >= 55, "only {compared} fixtures compared");
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

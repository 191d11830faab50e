//! Golden tests over small feeds we wrote (`testdata/NAME.{xml,json}`): the normalized parse
//! result and the converted `FeedEntry` values must equal `testdata/NAME.expected.json`.
//!
//! After an intended change, regenerate with `UPDATE_GOLDEN=1 cargo test -p roundup-feed
//! --test golden` and review the diff before committing.

use roundup_feed::{parse_feed_with, ParseOptions};
use serde_json::{json, Value};
use std::path::Path;

const FEED_URL: &str = "https://feeds.example/golden";

fn render(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap();
    let opts = ParseOptions {
        base_url: None,
        charset: None,
    };
    let parsed = match parse_feed_with(&bytes, &opts) {
        Ok(p) => p,
        Err(e) => panic!("{}: {e}", path.display()),
    };
    json!({
        "parsed": parsed.to_json(),
        "info": format!("{:?}", parsed.info()),
        "entries": serde_json::to_value(parsed.entries(Some(FEED_URL))).unwrap(),
    })
}

#[test]
fn golden_feeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut checked = 0;
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for path in names {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".expected.json") || !(name.ends_with(".xml") || name.ends_with(".json"))
        {
            continue;
        }
        let stem = name.rsplit_once('.').unwrap().0;
        let expected_path = dir.join(format!("{stem}.expected.json"));
        let got = render(&path);
        if update || !expected_path.exists() {
            std::fs::write(
                &expected_path,
                serde_json::to_string_pretty(&got).unwrap() + "\n",
            )
            .unwrap();
            eprintln!("wrote {}", expected_path.display());
        } else {
            let want: Value =
                serde_json::from_str(&std::fs::read_to_string(&expected_path).unwrap()).unwrap();
            assert_eq!(got, want, "{name} differs from {stem}.expected.json");
        }
        checked += 1;
    }
    assert!(checked >= 5, "expected the golden feeds in testdata/");
}

/// Spot checks on the golden feeds that do not depend on the snapshot files.
#[test]
fn golden_feed_facts() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let r = render(&dir.join("rss2_podcast.xml"));
    assert_eq!(r["parsed"]["version"], "rss20");
    assert_eq!(r["parsed"]["feed"]["itunes_explicit"], false);
    assert_eq!(r["entries"][0]["url"], "https://radio.harbor.example/ep/12");
    assert_eq!(
        r["entries"][0]["image"],
        "https://radio.harbor.example/ep12.jpg"
    );
    assert_eq!(r["entries"][0]["authors"], json!(["Mara Quill"]));
    assert!(!r["entries"][0]["summary_html"]
        .as_str()
        .unwrap()
        .contains("script"));

    let r = render(&dir.join("atom10_base.xml"));
    assert_eq!(r["parsed"]["feed"]["title"], "Lantern <i>Notes</i>");
    assert_eq!(r["entries"][0]["title"], "On light");
    assert_eq!(
        r["entries"][0]["url"],
        "https://blog.lantern.example/posts/light.html"
    );
    assert!(r["entries"][0]["summary_html"]
        .as_str()
        .unwrap()
        .contains("https://blog.lantern.example/posts/img/lamp.png"));
    assert_eq!(
        r["parsed"]["entries"][0]["published_parsed"],
        json!([2026, 2, 28, 14, 15, 0, 5, 59, 0])
    );

    let r = render(&dir.join("rss1_rdf.xml"));
    assert_eq!(r["parsed"]["version"], "rss10");
    assert_eq!(
        r["parsed"]["entries"][0]["id"],
        "https://almanac.example/2026/frost"
    );
    assert_eq!(r["entries"][0]["categories"], json!(["weather"]));

    let r = render(&dir.join("jsonfeed11.json"));
    assert_eq!(r["parsed"]["version"], "json11");
    assert_eq!(r["entries"][1]["summary"], "Pruning done.");
    assert!(!r["entries"][0]["summary_html"]
        .as_str()
        .unwrap()
        .contains("onload"));

    let r = render(&dir.join("rss2_illformed.xml"));
    assert_eq!(r["parsed"]["bozo"], 1);
    assert_eq!(r["entries"][0]["title"], "Fish & chips \u{2014} a review");
    assert_eq!(r["parsed"]["entries"].as_array().unwrap().len(), 2);
}

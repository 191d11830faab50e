//! Serves the site over a small made-up world, to look at it in a browser.
//!
//! `cargo run -p roundup-web --example preview -- [port] [seconds]` (default 8088, 120 s).

use roundup_model::{FeedEntry, Lean};
use roundup_store::{NewOutlet, Store, StoryRecord};
use roundup_web::{Site, WebConfig};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let port: u16 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(8088);
    let secs: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(120);
    let dir = std::env::temp_dir().join(format!("roundup-web-preview-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let s = Store::connect(&format!("sqlite://{}", dir.join("p.db").display())).await?;
    let now = roundup_store::now_secs();
    let outlets = [
        ("The Harbor Gazette", Some(Lean::Left)),
        ("Bayside Tribune", Some(Lean::CenterLeft)),
        ("Central Times", Some(Lean::Center)),
        ("The Ridge Post", Some(Lean::CenterRight)),
        ("Highland Herald", Some(Lean::Right)),
        ("Valley Wire", None),
    ];
    let mut ids = Vec::new();
    for (i, (name, lean)) in outlets.iter().enumerate() {
        ids.push(
            s.upsert_outlet(&NewOutlet {
                name: name.to_string(),
                feed_url: format!("https://outlet{i}.example/feed.xml"),
                homepage: Some(format!("https://outlet{i}.example")),
                lean: *lean,
                region: Some("us".into()),
                ..Default::default()
            })
            .await?,
        );
    }
    let stories = [
        (
            "Council approves harbor budget after all-night session",
            "politics",
            (2, 1, 2, 1),
            vec![],
        ),
        (
            "Storm closes coastal roads as rivers rise",
            "science",
            (2, 1, 0, 1),
            vec!["right"],
        ),
        (
            "Rail workers announce two-day strike",
            "business",
            (1, 1, 2, 0),
            vec![],
        ),
        (
            "Hospital wait times fall for third month",
            "health",
            (1, 1, 1, 0),
            vec![],
        ),
        (
            "City team wins regional final in extra time",
            "sports",
            (0, 1, 1, 1),
            vec![],
        ),
        (
            "New battery plant to hire 900",
            "technology",
            (1, 0, 1, 0),
            vec![],
        ),
    ];
    for (n, (headline, section, cov, blind)) in stories.iter().enumerate() {
        let entries: Vec<FeedEntry> = (0..3)
            .map(|k| FeedEntry {
                guid: Some(format!("s{n}-{k}")),
                url: Some(format!("https://outlet{k}.example/{n}")),
                title: format!("{headline} ({})", outlets[k].0),
                summary: "Summary.".into(),
                authors: vec!["Sam Reporter".into()],
                published: chrono::DateTime::from_timestamp(
                    now - 3600 * (n as i64 + 1) + k as i64 * 600,
                    0,
                ),
                ..Default::default()
            })
            .collect();
        let mut eids = Vec::new();
        for (k, e) in entries.iter().enumerate() {
            eids.extend(
                s.insert_entries(ids[k], std::slice::from_ref(e), now)
                    .await?,
            );
        }
        let total = cov.0 + cov.1 + cov.2 + cov.3;
        let id = s
            .save_story(&StoryRecord {
                headline: headline.to_string(),
                section: Some(section.to_string()),
                first_seen: now - 3600 * (n as i64 + 2),
                last_updated: now - 3600 * n as i64,
                article_count: eids.len() as i64,
                outlet_count: total,
                score: 10.0 - n as f64,
                digest: json!({
                    "summary": format!("{headline}, outlets across the spectrum report."),
                    "facts": [
                        {"text": "The measure passed by seven votes to two after eleven hours of debate.", "sources": [{"outlet": "Central Times", "url": "https://outlet2.example/1"}, {"outlet": "The Harbor Gazette", "url": "https://outlet0.example/1"}]},
                        {"text": "Officials said the first effects would be felt within weeks.", "sources": [{"outlet": "The Ridge Post", "url": "https://outlet3.example/1"}]},
                        {"text": "Critics warned that costs could rise further next year.", "sources": [{"outlet": "Highland Herald", "url": null}]}
                    ],
                    "quotes": [{"text": "This keeps the harbor working for the next decade", "speaker": "Mayor Ana Ruiz", "speaker_role": "the mayor", "kind": "direct", "reported_by": [{"outlet": "Central Times", "url": "https://outlet2.example/1"}]}],
                    "attributions": [{"text": "the plan was rushed", "speaker": "Councillor Tom Reyes", "speaker_role": null, "kind": "indirect", "reported_by": [{"outlet": "Highland Herald", "url": null}]}],
                    "perspectives": [
                        {"side": "left", "outlets": ["Bayside Tribune", "The Harbor Gazette"], "distinctive_terms": ["workers", "jobs"], "sentences": [{"text": "Unions welcomed the deal as a win for dock workers.", "source": {"outlet": "The Harbor Gazette", "url": "https://outlet0.example/1"}}]},
                        {"side": "center", "outlets": ["Central Times"], "distinctive_terms": ["vote"], "sentences": [{"text": "The vote followed months of negotiation.", "source": {"outlet": "Central Times", "url": "https://outlet2.example/1"}}]},
                        {"side": "right", "outlets": ["Highland Herald", "The Ridge Post"], "distinctive_terms": ["taxpayers", "fees"], "sentences": [{"text": "Taxpayers will carry the cost through higher port fees.", "source": {"outlet": "The Ridge Post", "url": "https://outlet3.example/1"}}]}
                    ],
                    "coverage": {"left": cov.0, "center": cov.1, "right": cov.2, "unrated": cov.3, "total": total, "blindspots": blind},
                    "timeline": {"entries": [{"published": "2026-12-01T06:00:00Z", "outlet": "Central Times", "title": headline, "url": "https://outlet2.example/1", "lean": "center"}], "bursts": []},
                    "section": {"section": section}
                }),
                ..Default::default()
            })
            .await?;
        s.assign_entries(id, &eids).await?;
    }
    let site = Site::new(
        s,
        WebConfig {
            base_url: format!("http://127.0.0.1:{port}"),
            ..Default::default()
        },
    )?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("serving on http://127.0.0.1:{port} for {secs} s");
    tokio::select! {
        r = roundup_web::serve_site(listener, &site) => r?,
        _ = tokio::time::sleep(std::time::Duration::from_secs(secs)) => {}
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

//! Quality floors on the shared clustering dev sets (skipped with a notice when ../shared is
//! absent). The gold "story" field is read here, by the test, only to score the output; the
//! clusterer never sees it (batch::parse_line ignores unknown fields).

use roundup_cluster::{batch, synth, ClusterConfig};
use std::collections::HashMap;
use std::path::PathBuf;

fn dir() -> PathBuf {
    roundup_testkit::shared_path("eval/clustering")
}

fn score(name: &str) -> Option<(f64, f64, f64)> {
    let path = dir().join(name);
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("notice: {} not found, skipping", path.display());
        return None;
    };
    let docs = batch::read_docs(text.as_bytes()).expect("dev set parses");
    let stories = batch::cluster_docs(&docs, ClusterConfig::default()).expect("clusters");
    let mut gold_ids: HashMap<String, usize> = HashMap::new();
    let truth: Vec<usize> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let g = v["story"].as_str().unwrap().to_string();
            let n = gold_ids.len();
            *gold_ids.entry(g).or_insert(n)
        })
        .collect();
    Some(synth::bcubed(&truth, &stories))
}

#[test]
fn uci_headlines_floor() {
    if let Some((p, r, f)) = score("uci-headlines-dev.jsonl") {
        println!("uci-headlines-dev B3 P {p:.4} R {r:.4} F1 {f:.4}");
        assert!(f >= 0.89 && p >= 0.91, "P {p} R {r} F1 {f}");
    }
}

#[test]
fn ecbplus_floor() {
    if let Some((p, r, f)) = score("ecbplus-dev.jsonl") {
        println!("ecbplus-dev B3 P {p:.4} R {r:.4} F1 {f:.4}");
        assert!(f >= 0.86 && p >= 0.90, "P {p} R {r} F1 {f}");
    }
}

//! Scores the clusterer on labelled JSONL files (development aid):
//! `cargo run --release -p roundup-cluster --example eval -- [--params JSON] FILE...`.
//! The gold `story` field is read here only to score the output; the clusterer never sees it.

use roundup_cluster::{batch, synth, ClusterConfig};
use std::collections::HashMap;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut cfg = ClusterConfig::default();
    if args.first().is_some_and(|a| a == "--params") {
        cfg = serde_json::from_str(&args[1]).expect("params");
        args.drain(..2);
    }
    for path in args {
        let text = std::fs::read_to_string(&path).expect("read");
        let mut docs = batch::read_docs(text.as_bytes()).expect("parse");
        let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        // EVAL_SHUFFLE=seed: feed an archive (not a stream) in a shuffled order, and a stream
        // with articles of equal publication time shuffled among themselves, to see how much
        // the result depends on the file order.
        if let Ok(seed) = std::env::var("EVAL_SHUFFLE") {
            let window = (cfg.window_hours * 3600.0) as i64;
            let stream = batch::is_stream(&docs, window);
            let mut x: u64 = seed.parse().unwrap_or(1);
            let mut start = 0;
            while start < docs.len() {
                let mut end = docs.len();
                if stream {
                    end = start + 1;
                    while end < docs.len() && docs[end].1.published == docs[start].1.published {
                        end += 1;
                    }
                }
                for i in (start + 1..end).rev() {
                    x = roundup_cluster::text::mix64(x);
                    let j = start + (x % ((i - start) as u64 + 1)) as usize;
                    docs.swap(i, j);
                    lines.swap(i, j);
                }
                start = end;
            }
        }
        let stories = batch::cluster_docs(&docs, cfg.clone()).expect("cluster");
        let mut gold: HashMap<String, usize> = HashMap::new();
        let truth: Vec<usize> = lines
            .iter()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let g = v["story"].as_str().unwrap_or("").to_string();
                let n = gold.len();
                *gold.entry(g).or_insert(n)
            })
            .collect();
        if std::env::var("EVAL_TRACE").is_ok() {
            trace(&docs, &truth, cfg.clone());
        }
        let (p, r, f) = synth::bcubed(&truth, &stories);
        let mut pred = stories.clone();
        pred.sort_unstable();
        pred.dedup();
        let name = path.rsplit('/').next().unwrap_or(&path);
        if let Ok(dir) = std::env::var("EVAL_OUT") {
            let out: String = docs
                .iter()
                .zip(&stories)
                .map(|((_, d), s)| format!("{}\n", serde_json::json!({"id": d.id, "story": s})))
                .collect();
            std::fs::write(format!("{dir}/{name}.out"), out).expect("write");
        }
        println!("{name:28} F1 {f:.4} P {p:.4} R {r:.4} pred {}", pred.len());
    }
}

/// Prints, per article, where it went and how the candidates scored (gold label in brackets).
fn trace(docs: &[(usize, roundup_cluster::Doc)], truth: &[usize], cfg: ClusterConfig) {
    let window = (cfg.window_hours * 3600.0) as i64;
    let stream = batch::is_stream(docs, window);
    let latest = docs
        .iter()
        .filter_map(|(_, d)| d.published)
        .max()
        .unwrap_or_default();
    let mut c = roundup_cluster::Clusterer::new(cfg);
    for (i, (_, d)) in docs.iter().enumerate() {
        let a = if stream {
            c.ingest_in_order(d)
        } else {
            c.ingest(d, latest)
        }
        .unwrap();
        let cands: Vec<String> = c
            .last_scores()
            .iter()
            .take(4)
            .map(|s| format!("{}:{:.3}/{:.3}/{:.2}", s.story, s.score, s.base, s.coverage))
            .collect();
        let title: String = d.title.chars().take(60).collect();
        println!(
            "T {i} g{} -> {}{}{} [{}] merges {:?} splits {:?} | {title}",
            truth[i],
            a.story,
            if a.created { " NEW" } else { "" },
            if a.duplicate_of.is_some() { " DUP" } else { "" },
            cands.join(" "),
            c.last_merges(),
            c.last_splits()
        );
    }
}

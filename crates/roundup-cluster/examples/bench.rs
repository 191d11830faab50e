//! Times the clusterer on the synthetic stream behind `roundup bench cluster` (development aid):
//! `cargo run --release -p roundup-cluster --example bench -- [ARTICLES] [PARAMS-JSON]`.

use roundup_cluster::{synth, ClusterConfig, Clusterer};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let cfg: ClusterConfig = args
        .get(1)
        .map(|p| serde_json::from_str(p).expect("params"))
        .unwrap_or_default();
    let articles = synth::generate(n, 42);
    let mut c = Clusterer::new(cfg);
    let t = Instant::now();
    let cpu0 = synth::process_cpu_seconds();
    let mut assigned = Vec::with_capacity(n);
    for a in &articles {
        assigned.push(c.ingest_in_order(&a.doc).expect("ingest").story);
    }
    let wall = t.elapsed().as_secs_f64();
    let cpu = synth::process_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    let pred: Vec<u64> = assigned.iter().map(|s| c.resolve(*s)).collect();
    let truth: Vec<usize> = articles.iter().map(|a| a.story).collect();
    let (p, r, f) = synth::bcubed(&truth, &pred);
    println!("{n} articles: wall {wall:.2} s, CPU {cpu:?} s, B3 P {p:.4} R {r:.4} F1 {f:.4}");
}

//! Development helper: `cargo run --release -p roundup-cluster --example cluster_jsonl -- IN OUT [PARAMS_JSON] [TRACE]`
//! (the same code path as `roundup cluster`, without building the whole binary). With TRACE,
//! writes per-article candidate scores there, one JSON line per article.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err("usage: cluster_jsonl IN OUT [PARAMS_JSON] [TRACE]".into());
    }
    let cfg: roundup_cluster::ClusterConfig = match args.get(3) {
        Some(p) => serde_json::from_str(p)?,
        None => Default::default(),
    };
    let f = std::io::BufReader::new(std::fs::File::open(&args[1])?);
    let docs = roundup_cluster::batch::read_docs(f)?;
    let t = std::time::Instant::now();
    let stories = if let Some(trace) = args.get(4) {
        // Same as batch::cluster_docs, recording scores.
        let window = (cfg.window_hours * 3600.0) as i64;
        let stream = roundup_cluster::batch::is_stream(&docs, window);
        let latest = docs
            .iter()
            .filter_map(|(_, d)| d.published)
            .max()
            .unwrap_or_default();
        let mut c = roundup_cluster::Clusterer::new(cfg);
        let mut out = String::new();
        let mut assigned = Vec::new();
        for (_, d) in &docs {
            let a = if stream {
                c.ingest_in_order(d)?
            } else {
                c.ingest(d, latest)?
            };
            let events = c.take_events();
            out.push_str(&serde_json::json!({"id": d.id, "story": a.story, "dup": a.duplicate_of, "scores": c.last_scores().iter().take(5).collect::<Vec<_>>(), "events": events, "merges": c.last_merges()}).to_string());
            out.push('\n');
            assigned.push(a.story);
        }
        std::fs::write(trace, out)?;
        if std::env::var_os("PAIRS").is_some() {
            let mut p = String::new();
            for (a, b, s) in c.pairwise_similarities() {
                p.push_str(&format!("{a}\t{b}\t{s}\n"));
            }
            std::fs::write(format!("{trace}.pairs"), p)?;
        }
        assigned.into_iter().map(|s| c.resolve(s)).collect()
    } else {
        roundup_cluster::batch::cluster_docs(&docs, cfg)?
    };
    eprintln!(
        "{} articles in {:.3} s",
        docs.len(),
        t.elapsed().as_secs_f64()
    );
    let mut out = String::new();
    for ((_, d), s) in docs.iter().zip(&stories) {
        out.push_str(&serde_json::json!({ "id": d.id, "story": s }).to_string());
        out.push('\n');
    }
    std::fs::write(&args[2], out)?;
    Ok(())
}

//! Development helper: `cargo run --release -p roundup-cluster --example cluster_jsonl -- IN OUT [PARAMS_JSON]`
//! (the same code path as `roundup cluster`, without building the whole binary).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        return Err("usage: cluster_jsonl IN OUT [PARAMS_JSON]".into());
    }
    let cfg: roundup_cluster::ClusterConfig = match args.get(3) {
        Some(p) => serde_json::from_str(p)?,
        None => Default::default(),
    };
    let f = std::io::BufReader::new(std::fs::File::open(&args[1])?);
    let docs = roundup_cluster::batch::read_docs(f)?;
    let t = std::time::Instant::now();
    let stories = roundup_cluster::batch::cluster_docs(&docs, cfg)?;
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

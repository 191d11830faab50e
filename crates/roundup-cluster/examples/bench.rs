//! Development helper mirroring `roundup bench cluster`: `cargo run --release -p roundup-cluster --example bench -- [N] [PARAMS_JSON]`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let cfg: roundup_cluster::ClusterConfig = match args.get(2) {
        Some(p) => serde_json::from_str(p)?,
        None => Default::default(),
    };
    let t0 = std::time::Instant::now();
    let arts = roundup_cluster::synth::generate(n, 42);
    println!("generate {:.2}s", t0.elapsed().as_secs_f64());
    let mut c = roundup_cluster::Clusterer::new(cfg);
    let t1 = std::time::Instant::now();
    let c0 = roundup_cluster::synth::process_cpu_seconds().unwrap_or(0.0);
    let mut pred = Vec::new();
    let mut dups = 0;
    for a in &arts {
        let r = c.ingest_in_order(&a.doc)?;
        dups += r.duplicate_of.is_some() as usize;
        pred.push(r.story);
    }
    let secs = t1.elapsed().as_secs_f64();
    let cpu = roundup_cluster::synth::process_cpu_seconds().unwrap_or(0.0) - c0;
    println!("cpu {cpu:.2}s");
    let pred: Vec<u64> = pred.into_iter().map(|s| c.resolve(s)).collect();
    let truth: Vec<usize> = arts.iter().map(|a| a.story).collect();
    let (p, r, f) = roundup_cluster::synth::bcubed(&truth, &pred);
    let hwm = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = hwm
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("")
        .to_string();
    let stories = truth.iter().collect::<std::collections::HashSet<_>>().len();
    println!("cluster {secs:.2}s {:.0}/s {hwm} dups {dups} true stories {stories} B3 P {p:.3} R {r:.3} F {f:.3}", n as f64 / secs);
    Ok(())
}

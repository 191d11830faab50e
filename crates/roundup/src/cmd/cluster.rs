//! `roundup cluster` (batch evaluation interface) and `roundup bench cluster`.
//!
//! `roundup cluster --jsonl IN --out OUT` feeds the articles of IN, in file order, to the same
//! incremental [`Clusterer`] the pipeline uses and writes `{"id","story"}` per article, with the
//! story id after every merge the stream caused.
//!
//! How arrival times are chosen (stream vs archive) is described in `roundup_cluster::batch`.

use anyhow::Context;
use roundup_cluster::{batch, synth, ClusterConfig, Clusterer};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of this command.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Input: one article per line, {"id","outlet","published","title","url","text"}.
    #[arg(long)]
    pub jsonl: PathBuf,
    /// Output: one {"id","story"} per input line.
    #[arg(long)]
    pub out: PathBuf,
    /// Clusterer parameters as JSON, overriding the defaults (e.g. '{"window_hours":48}').
    #[arg(long)]
    pub params: Option<String>,
}

fn config(params: Option<&str>) -> anyhow::Result<ClusterConfig> {
    match params {
        None => Ok(ClusterConfig::default()),
        Some(p) => {
            serde_json::from_str(p).context("--params is not a valid clusterer configuration")
        }
    }
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    let cfg = config(args.params.as_deref())?;
    let f = std::fs::File::open(&args.jsonl)
        .with_context(|| format!("cannot open {}", args.jsonl.display()))?;
    let docs = batch::read_docs(std::io::BufReader::new(f))
        .with_context(|| args.jsonl.display().to_string())?;
    let stories =
        batch::cluster_docs(&docs, cfg).with_context(|| args.jsonl.display().to_string())?;
    let out = std::fs::File::create(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut w = BufWriter::new(out);
    for ((_, d), s) in docs.iter().zip(&stories) {
        writeln!(w, "{}", serde_json::json!({ "id": d.id, "story": s }))?;
    }
    w.flush()
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    Ok(())
}

/// Arguments of `roundup bench cluster`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Number of synthetic articles.
    #[arg(long, default_value_t = 100_000)]
    pub articles: usize,
    /// Generator seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Clusterer parameters as JSON, overriding the defaults.
    #[arg(long)]
    pub params: Option<String>,
}

fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `roundup bench cluster`.
pub fn bench(args: BenchArgs) -> anyhow::Result<()> {
    let cfg = config(args.params.as_deref())?;
    let t0 = Instant::now();
    let articles = synth::generate(args.articles, args.seed);
    let gen_secs = t0.elapsed().as_secs_f64();
    let mut clusterer = Clusterer::new(cfg);
    let t1 = Instant::now();
    let cpu0 = synth::process_cpu_seconds();
    let mut assigned = Vec::with_capacity(articles.len());
    let mut dups = 0usize;
    for a in &articles {
        let r = clusterer.ingest_in_order(&a.doc)?;
        dups += r.duplicate_of.is_some() as usize;
        assigned.push(r.story);
    }
    let secs = t1.elapsed().as_secs_f64();
    let cpu = synth::process_cpu_seconds().zip(cpu0).map(|(b, a)| b - a);
    let events = clusterer.take_events();
    let merges = events
        .iter()
        .filter(|e| matches!(e, roundup_cluster::StoryEvent::Merged { .. }))
        .count();
    let pred: Vec<u64> = assigned.iter().map(|s| clusterer.resolve(*s)).collect();
    let truth: Vec<usize> = articles.iter().map(|a| a.story).collect();
    let (p, r, f) = synth::bcubed(&truth, &pred);
    println!("articles        {}", articles.len());
    println!("generate        {gen_secs:.2} s");
    println!("cluster wall    {secs:.2} s");
    if let Some(cpu) = cpu {
        println!(
            "cluster CPU     {cpu:.2} s (user + system; wall time includes waiting for a busy CPU)"
        );
    }
    println!(
        "articles/s      {:.0}",
        articles.len() as f64 / secs.max(1e-9)
    );
    match peak_rss_kib() {
        Some(k) => println!(
            "peak RSS        {:.1} MiB (VmHWM, includes the generated input)",
            k as f64 / 1024.0
        ),
        None => println!("peak RSS        unavailable (no /proc/self/status)"),
    }
    println!("duplicates      {dups}");
    println!("merges          {merges}");
    println!("open stories    {}", clusterer.open_stories());
    println!("synthetic B3    P {p:.4} R {r:.4} F1 {f:.4}");
    Ok(())
}

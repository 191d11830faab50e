//! `roundup bench …`: benchmarks that print their figures.

use clap::Subcommand;

/// Which benchmark to run.
#[derive(Debug, Subcommand)]
pub enum Bench {
    /// Incremental clustering throughput and memory on synthetic articles.
    Cluster(super::cluster::BenchArgs),
}

/// Runs the chosen benchmark.
pub fn run(b: Bench) -> anyhow::Result<()> {
    match b {
        Bench::Cluster(a) => super::cluster::bench(a),
    }
}

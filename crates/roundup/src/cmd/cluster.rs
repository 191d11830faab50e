//! `roundup cluster` (being built).

/// Arguments of this command.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the command.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("this command is not built yet")
}

/// Arguments of `roundup bench cluster`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {}

/// Runs `roundup bench cluster`.
pub fn bench(_args: BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("this command is not built yet")
}

//! The `roundup` binary: command-line interface over the roundup crates.

use roundup::{cmd, config};

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// roundup — a self-hosted news-roundup engine.
///
/// roundup follows news outlets (RSS, Atom, JSON Feed, OPML, article pages), pulls each
/// article's full text, groups the coverage of one story across outlets, ranks the day's biggest
/// stories and writes an attributed digest for each, published as a website, feeds and newsletters.
#[derive(Debug, Parser)]
#[command(name = "roundup", version, about, long_about)]
struct Cli {
    /// Config file (TOML). Every key can also be set by env, e.g. ROUNDUP_DATABASE_URL.
    #[arg(long, global = true, env = "ROUNDUP_CONFIG")]
    config: Option<PathBuf>,
    /// Log filter (tracing env-filter syntax), e.g. "info" or "roundup_fetch=debug".
    #[arg(
        long,
        global = true,
        env = "ROUNDUP_LOG",
        default_value = "warn,sqlx=error"
    )]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a commented default config file (roundup.toml).
    Init(config::InitArgs),
    /// Follow, list, import (OPML) and export feeds.
    #[command(subcommand)]
    Feeds(cmd::feeds::Feeds),
    /// Poll every due feed once, store new entries, then fetch and extract their pages.
    Fetch(cmd::fetch::FetchArgs),
    /// Run the scheduler: poll feeds as they fall due and process article jobs until stopped.
    Run(cmd::fetch::RunArgs),
    /// Run a stateless worker sharing the work with others through the database (PostgreSQL).
    Worker(cmd::fetch::RunArgs),
    /// Cluster, digest and rank stories; show the day's biggest with --explain.
    #[command(subcommand)]
    Stories(cmd::stories::Stories),
    /// Serve the website, feeds, JSON API and admin.
    Serve(cmd::serve::ServeArgs),
    /// Admin account commands.
    #[command(subcommand)]
    Admin(cmd::serve::Admin),
    /// Newsletters: send a list's issue, preview it, manage subscribers.
    Newsletter(cmd::newsletter::Args),
    /// Run the whole pipeline offline on the bundled sample world and serve the result.
    Demo(cmd::serve::DemoArgs),
    /// Parse one feed file and print it as JSON (the conformance-suite format).
    ParseFeed(cmd::parse_feed::Args),
    /// Extract an article from a page (URL or file), or a directory of pages with --batch.
    Extract(cmd::extract::Args),
    /// Cluster articles into stories from a JSONL file (evaluation interface).
    Cluster(cmd::cluster::Args),
    /// Bounce, complaint and auto-reply handling.
    Bounces(cmd::bounces::Args),
    /// Benchmarks that print their figures (throughput, memory).
    #[command(subcommand)]
    Bench(cmd::bench::Bench),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_new(&cli.log).unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let load = || config::Config::load(cli.config.as_deref());
    match cli.command {
        Command::Init(a) => {
            config::init(&a)?;
            if a.with_default_outlets {
                cmd::feeds::run(
                    cmd::feeds::Feeds::LoadDefaults,
                    &config::Config::load(Some(&a.out))?,
                )?;
            }
            Ok(())
        }
        Command::Feeds(c) => cmd::feeds::run(c, &load()?),
        Command::Fetch(a) => cmd::fetch::fetch(a, &load()?),
        Command::Run(a) | Command::Worker(a) => cmd::fetch::run_loop(a, &load()?),
        Command::Stories(c) => cmd::stories::run(c, &load()?),
        Command::Serve(a) => cmd::serve::serve(a, &load()?),
        Command::Admin(c) => cmd::serve::admin(c, &load()?),
        Command::Demo(a) => cmd::serve::demo(a),
        Command::Newsletter(a) => cmd::newsletter::run(a, &load()?),
        Command::ParseFeed(a) => cmd::parse_feed::run(a),
        Command::Extract(a) => cmd::extract::run(a),
        Command::Cluster(a) => cmd::cluster::run(a),
        Command::Bounces(a) => cmd::bounces::run(a, load),
        Command::Bench(b) => cmd::bench::run(b),
    }
}

//! `roundup parse-feed`: parse one feed file and print the result.
//!
//! `--json` prints the normalized parse result (feedparser's vocabulary: `feed`, `entries`,
//! `bozo`, `version`, `encoding`, `namespaces`), the contract checked by
//! `scripts/eval.d/feeds.sh`. Without it, a short human summary plus the pipeline
//! `FeedEntry` values is printed. Broken documents are still parsed leniently (exit 0);
//! only an unreadable file is an error.

use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of this command.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The feed document (RSS, Atom, RDF, CDF or JSON Feed).
    pub file: PathBuf,
    /// Print the normalized parse result as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// The document's URL, used to resolve relative links.
    #[arg(long)]
    pub base_url: Option<String>,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let opts = roundup_feed::ParseOptions {
        base_url: args.base_url.clone(),
        charset: None,
    };
    let parsed = roundup_feed::parse_feed_lenient(&bytes, &opts);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        serde_json::to_writer(&mut out, &parsed.to_json())?;
        writeln!(out)?;
        return Ok(());
    }
    let info = parsed.info();
    writeln!(
        out,
        "format:   {}",
        if info.version.is_empty() {
            "unknown"
        } else {
            &info.version
        }
    )?;
    writeln!(out, "encoding: {}", parsed.encoding)?;
    if let Some(b) = &parsed.bozo {
        writeln!(out, "problem:  {b}")?;
    }
    writeln!(out, "title:    {}", info.title.as_deref().unwrap_or("-"))?;
    writeln!(out, "link:     {}", info.link.as_deref().unwrap_or("-"))?;
    if let Some(i) = info.suggested_poll_interval() {
        writeln!(out, "poll:     every {} s", i.as_secs())?;
    }
    let entries = parsed.entries(args.base_url.as_deref());
    writeln!(out, "entries:  {}", entries.len())?;
    serde_json::to_writer_pretty(&mut out, &entries)?;
    writeln!(out)?;
    Ok(())
}

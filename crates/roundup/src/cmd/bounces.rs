//! `roundup bounces`: classify bounces, complaints and auto-replies.
//!
//! `roundup bounces classify FILE` prints one message's result as JSON;
//! `roundup bounces classify --batch DIR --out PRED.json` classifies every `.eml` in DIR and
//! writes `{file name: [{address, status, reply_code, reason, action}, ...]}`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context};
use roundup_mail::bounce::{self, Recipient};

/// Arguments of this command.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Classify one message (FILE, `-` for stdin) or every `.eml` of a directory (--batch).
    Classify(ClassifyArgs),
}

#[derive(Debug, clap::Args)]
struct ClassifyArgs {
    /// The message to classify (`-` reads standard input).
    file: Option<PathBuf>,
    /// Classify every `.eml` file in this directory.
    #[arg(long, conflicts_with = "file")]
    batch: Option<PathBuf>,
    /// Where to write the batch result (default: standard output).
    #[arg(long, requires = "batch")]
    out: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Sub::Classify(a) => classify(a),
    }
}

fn rows(recipients: &[Recipient]) -> Vec<serde_json::Value> {
    recipients
        .iter()
        .map(|r| {
            serde_json::json!({
                "address": r.address,
                "status": r.status,
                "reply_code": r.reply_code,
                "reason": r.reason.as_str(),
                "action": r.action.as_str(),
            })
        })
        .collect()
}

fn classify(a: ClassifyArgs) -> anyhow::Result<()> {
    if let Some(dir) = a.batch {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .with_context(|| format!("reading directory {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml") && p.is_file())
            .collect();
        files.sort();
        let mut out = BTreeMap::new();
        for p in &files {
            let raw = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let value = match bounce::classify(&raw) {
                Ok(rep) => rows(&rep.recipients),
                Err(_) => Vec::new(),
            };
            out.insert(name, value);
        }
        let json = serde_json::to_string_pretty(&out)?;
        match a.out {
            Some(path) => std::fs::write(&path, json + "\n")
                .with_context(|| format!("writing {}", path.display()))?,
            None => print_out(&json)?,
        }
        eprintln!("classified {} messages", files.len());
        return Ok(());
    }
    let Some(file) = a.file else {
        bail!("give a FILE to classify, or --batch DIR")
    };
    let raw = if file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
        buf
    } else {
        std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?
    };
    let rep = bounce::classify(&raw).with_context(|| format!("classifying {}", file.display()))?;
    print_out(&serde_json::to_string_pretty(&rep)?)
}

/// Prints to stdout; a closed pipe (`| head`) ends quietly instead of panicking.
fn print_out(s: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{s}").and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.into()),
    }
}

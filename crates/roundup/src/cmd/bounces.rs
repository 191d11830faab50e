//! `roundup bounces`: classify bounces, complaints and auto-replies.
//!
//! `roundup bounces classify FILE` prints one message's result as JSON;
//! `roundup bounces classify --batch DIR --out PRED.json` classifies every `.eml` in DIR and
//! writes `{file name: [{address, status, reply_code, reason, action}, ...]}`.
//! `roundup bounces process --maildir DIR | --mbox FILE | FILE…` applies inbound mail
//! (bounces, complaints, auto-replies, mailto unsubscribe requests) to the subscribers.

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
    /// Apply inbound mail to the subscribers: hard bounces and repeated soft bounces suppress,
    /// complaints and mailto unsubscribe requests unsubscribe, auto-replies count as alive.
    /// Reads the `new/` messages of a maildir (moved to `cur/` once applied), an mbox file, or
    /// message files. Safe to repeat: a message already applied changes nothing.
    Process(ProcessArgs),
}

#[derive(Debug, clap::Args)]
struct ProcessArgs {
    /// Message files (`-` reads one message from standard input).
    files: Vec<PathBuf>,
    /// A maildir (the bounce mailbox): its `new/` messages.
    #[arg(long)]
    maildir: Option<PathBuf>,
    /// With --maildir, also re-read `cur/`.
    #[arg(long, requires = "maildir")]
    all: bool,
    /// An mbox file.
    #[arg(long)]
    mbox: Option<PathBuf>,
    /// Newsletter settings file (default: ./newsletter.toml when present).
    #[arg(long, env = "ROUNDUP_NEWSLETTER_CONFIG")]
    newsletter_config: Option<PathBuf>,
    /// Print one JSON line per message.
    #[arg(long)]
    json: bool,
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

/// Runs the command (`load` reads roundup's config, needed by `process` only).
pub fn run(
    args: Args,
    load: impl FnOnce() -> anyhow::Result<crate::config::Config>,
) -> anyhow::Result<()> {
    match args.command {
        Sub::Classify(a) => classify(a),
        Sub::Process(a) => process(a, &load()?),
    }
}

fn process(a: ProcessArgs, cfg: &crate::config::Config) -> anyhow::Result<()> {
    use roundup_mail::newsletter::inbound::{self, Effect, FolderMessage, Inbound};
    let mut msgs: Vec<FolderMessage> = Vec::new();
    if let Some(dir) = &a.maildir {
        msgs.extend(
            inbound::read_maildir(dir, a.all)
                .with_context(|| format!("reading maildir {}", dir.display()))?,
        );
    }
    if let Some(mbox) = &a.mbox {
        msgs.extend(
            inbound::read_mbox(mbox).with_context(|| format!("reading mbox {}", mbox.display()))?,
        );
    }
    for f in &a.files {
        let raw = if f.as_os_str() == "-" {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
            buf
        } else {
            std::fs::read(f).with_context(|| format!("reading {}", f.display()))?
        };
        msgs.push(FolderMessage {
            origin: f.display().to_string(),
            raw,
            done_path: None,
        });
    }
    if msgs.is_empty() && a.maildir.is_none() && a.mbox.is_none() {
        bail!("give message FILEs, --maildir DIR or --mbox FILE");
    }
    let nc = super::newsletter::newsletter_config(cfg, a.newsletter_config.as_deref())?;
    crate::app::runtime()?.block_on(async move {
        let store = crate::app::open_store(cfg).await?;
        let inbound = Inbound::new(store.clone(), nc)?;
        let bar = crate::app::progress(msgs.len() as u64, "inbound");
        let mut tally: BTreeMap<&'static str, u64> = BTreeMap::new();
        for m in &msgs {
            let rep = inbound
                .process(&m.raw)
                .await
                .with_context(|| format!("processing {}", m.origin))?;
            m.mark_done()
                .with_context(|| format!("moving {} to cur/", m.origin))?;
            for o in &rep.addresses {
                let k = match o.effect {
                    Effect::Suppressed { .. } => "suppressed",
                    Effect::Unsubscribed => "unsubscribed",
                    Effect::Counted { .. } => "soft bounce counted",
                    Effect::Alive => "alive",
                    Effect::UnknownAddress => "not a subscriber",
                    Effect::AlreadyInactive => "already inactive",
                    Effect::Ignored { .. } => "ignored",
                };
                *tally.entry(k).or_default() += 1;
            }
            if a.json {
                bar.suspend(|| {
                    print_out(&serde_json::json!({"origin": m.origin, "report": rep}).to_string())
                })?;
            }
            bar.inc(1);
        }
        bar.finish_and_clear();
        let summary: Vec<String> = tally.iter().map(|(k, v)| format!("{v} {k}")).collect();
        eprintln!(
            "processed {} messages: {}",
            msgs.len(),
            if summary.is_empty() {
                "nothing to do".into()
            } else {
                summary.join(", ")
            }
        );
        store.close().await;
        Ok(())
    })
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

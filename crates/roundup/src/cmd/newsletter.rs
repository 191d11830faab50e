//! `roundup newsletter …`: send, preview, schedule and subscriber import/export; plus
//! `roundup bench send` (see [`BenchSendArgs`]).
//!
//! Newsletter settings (lists, SMTP relay, DKIM, pacing, opt-in limits) live in
//! `newsletter.toml` (path from `--newsletter-config`, `ROUNDUP_NEWSLETTER_CONFIG`, or
//! `./newsletter.toml` when it exists) and/or environment variables such as
//! `ROUNDUP_SMTP_URL=smtp+starttls://user:pass@mail.example.org` — see
//! `roundup_mail::newsletter::NewsletterConfig::load` for the full list. `base_url`,
//! `secret` and `database_url` come from the main config.

use crate::app;
use crate::config::Config;
use anyhow::{bail, Context, Result};
use chrono::Utc;
use roundup_mail::newsletter::deliver::{prepare_issue, Sender};
use roundup_mail::newsletter::render::{self, IssueContent, IssueTemplate};
use roundup_mail::newsletter::sink::{Sink, SinkOptions};
use roundup_mail::newsletter::token::Signer;
use roundup_mail::newsletter::{address, lists, NewsletterConfig};
use roundup_store::{Store, SubscriberState};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `roundup newsletter`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Newsletter settings file (default: ./newsletter.toml when present).
    #[arg(long, global = true, env = "ROUNDUP_NEWSLETTER_CONFIG")]
    newsletter_config: Option<PathBuf>,
    #[command(subcommand)]
    command: Sub,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Send the latest edition of LIST to its confirmed subscribers (resumes an interrupted
    /// send; an edition goes to a list once).
    Send {
        /// List id (briefing, ten-things, good-news, …).
        list: String,
        /// Show what would be sent, send nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the latest edition of LIST as one .eml message.
    Preview {
        /// List id.
        list: String,
        /// Output file.
        #[arg(long)]
        to: PathBuf,
        /// Recipient address shown in the preview.
        #[arg(long, default_value = "preview@example.org")]
        email: String,
    },
    /// Show each list's schedule and next runs.
    Schedule {
        /// Runs to show per list.
        #[arg(long, default_value_t = 3)]
        count: usize,
    },
    /// Import or export subscribers.
    #[command(subcommand)]
    Subscribers(SubscribersCmd),
}

#[derive(Debug, clap::Subcommand)]
enum SubscribersCmd {
    /// Import a CSV file: `email[,lists[,state]]` per line, lists separated by `;` (default:
    /// every list), state `confirmed` (default) or `pending`. A header line is skipped.
    /// Existing subscribers are never downgraded and unsubscribed ones are not re-activated.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
    /// Export every subscriber as CSV (`email,state,lists,created_at,confirmed_at`).
    Export {
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Whether newsletters are configured here: an SMTP relay in `ROUNDUP_SMTP_URL` or a
/// `newsletter.toml` in the working directory. `roundup serve` then offers the sign-up form
/// and `roundup run`/`worker` run the scheduler.
pub fn newsletters_configured() -> bool {
    std::env::var_os("ROUNDUP_SMTP_URL").is_some() || Path::new("newsletter.toml").exists()
}

/// Loads the newsletter settings: file, env, then `base_url`/`secret` from the main config.
pub fn newsletter_config(cfg: &Config, path: Option<&Path>) -> Result<NewsletterConfig> {
    let default = Path::new("newsletter.toml");
    let path = path.or_else(|| default.exists().then_some(default));
    let env: Vec<(String, String)> = std::env::vars().collect();
    let mut nc = NewsletterConfig::load(path, &env)?;
    nc.base_url = cfg.base_url.clone();
    if nc.secret.is_empty() {
        nc.secret = cfg.secret.clone();
    }
    if nc.secret.len() < roundup_mail::newsletter::token::MIN_SECRET_LEN {
        bail!(
            "the link-signing secret is {} bytes; set `secret` in roundup.toml (or ROUNDUP_SECRET) to at least {} random bytes",
            nc.secret.len(),
            roundup_mail::newsletter::token::MIN_SECRET_LEN
        );
    }
    nc.validate()?;
    Ok(nc)
}

/// Runs a newsletter command.
pub fn run(args: Args, cfg: &Config) -> Result<()> {
    let nc = newsletter_config(cfg, args.newsletter_config.as_deref())?;
    app::runtime()?.block_on(async move {
        match args.command {
            Sub::Schedule { count } => {
                let now = Utc::now();
                for l in &nc.lists {
                    let mut t = now;
                    let mut runs = Vec::new();
                    for _ in 0..count {
                        t = lists::next_run(l, t)?;
                        runs.push(t.to_rfc3339());
                    }
                    println!(
                        "{:<12} {:<14} {:<18} {} → {}",
                        l.id,
                        l.edition_kind,
                        l.timezone,
                        l.cron,
                        runs.join(", ")
                    );
                }
                Ok(())
            }
            Sub::Send { list, dry_run } => {
                let store = app::open_store(cfg).await?;
                send(&store, &nc, &list, dry_run).await
            }
            Sub::Preview { list, to, email } => {
                let store = app::open_store(cfg).await?;
                preview(&store, &nc, &list, &to, &email).await
            }
            Sub::Subscribers(SubscribersCmd::Import { file }) => {
                let store = app::open_store(cfg).await?;
                import(&store, &nc, &file).await
            }
            Sub::Subscribers(SubscribersCmd::Export { out }) => {
                let store = app::open_store(cfg).await?;
                export(&store, out.as_deref()).await
            }
        }
    })
}

async fn send(store: &Store, nc: &NewsletterConfig, list: &str, dry_run: bool) -> Result<()> {
    let l = nc.list(list)?;
    if dry_run {
        let Some(ed) = store.latest_edition(&l.edition_kind).await? else {
            println!("no {} edition yet: nothing to send", l.edition_kind);
            return Ok(());
        };
        let content = IssueContent::from_edition(&ed)?;
        // Render once to catch template problems before a real send.
        let t = IssueTemplate::new(nc, l, 0, &content)?;
        let subs = store.count_confirmed(&l.id).await?;
        let prior = store.latest_issue(&l.id).await?;
        let already = match prior {
            Some(i) if i.edition_id == ed.id => {
                let c = store.ledger_counts(i.id).await?;
                format!(
                    "issue {} exists: {} sent, {} open, {} failed, {} suppressed",
                    i.id,
                    c.sent,
                    c.open(),
                    c.failed,
                    c.suppressed
                )
            }
            _ => "not sent yet".into(),
        };
        println!(
            "dry run: list {} ← edition {} ({:?}, {} stories); {} confirmed subscribers; {}; via {}:{}",
            l.id,
            ed.id,
            t.subject(),
            content.items.len(),
            subs,
            already,
            nc.smtp.host,
            nc.smtp.effective_port()
        );
        return Ok(());
    }
    let Some(issue) = prepare_issue(store, nc, list).await? else {
        println!("no {} edition yet: nothing to send", l.edition_kind);
        return Ok(());
    };
    let rep = Sender::new(store.clone(), nc.clone())?
        .send_issue(&issue)
        .await
        .context("sending")?;
    println!(
        "issue {} ({}): {} sent, {} failed, {} suppressed, {} retries scheduled, {} still open, {:.1}s",
        issue.id,
        issue.subject,
        rep.sent,
        rep.failed,
        rep.suppressed,
        rep.retried,
        rep.remaining,
        rep.elapsed_secs
    );
    Ok(())
}

async fn preview(
    store: &Store,
    nc: &NewsletterConfig,
    list: &str,
    to: &Path,
    email: &str,
) -> Result<()> {
    let l = nc.list(list)?;
    let ed = store
        .latest_edition(&l.edition_kind)
        .await?
        .with_context(|| format!("no {} edition yet", l.edition_kind))?;
    let content = IssueContent::from_edition(&ed)?;
    let t = IssueTemplate::new(nc, l, 0, &content)?;
    let signer = Signer::new(nc.secret.as_bytes())?;
    let now = Utc::now();
    let email = address::normalize(email).context("--email")?;
    let links = render::links(nc, &signer, 0, &l.id, now)?;
    let mut msg = t.message(0, &email, &links, now)?;
    if let Some(d) = &nc.dkim {
        msg.sign(&d.load()?);
    }
    std::fs::write(to, msg.formatted()).with_context(|| format!("writing {}", to.display()))?;
    println!("wrote {} ({})", to.display(), t.subject());
    Ok(())
}

fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur).trim().to_string()),
            c => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

async fn import(store: &Store, nc: &NewsletterConfig, file: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let all: Vec<String> = nc.lists.iter().map(|l| l.id.clone()).collect();
    let mut rows = Vec::new();
    let mut bad = 0usize;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f = csv_fields(line);
        if n == 0 && f[0].eq_ignore_ascii_case("email") {
            continue;
        }
        let email = match address::normalize(&f[0]) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("line {}: {:?}: {e}", n + 1, f[0]);
                bad += 1;
                continue;
            }
        };
        let lists: Vec<String> = match f.get(1).filter(|s| !s.is_empty()) {
            Some(s) => s
                .split([';', '|', ' '])
                .filter(|x| !x.is_empty())
                .map(|x| x.to_string())
                .collect(),
            None => all.clone(),
        };
        if let Some(u) = lists.iter().find(|x| nc.list(x).is_err()) {
            eprintln!("line {}: unknown list {u:?}", n + 1);
            bad += 1;
            continue;
        }
        let state = match f.get(2).map(|s| s.to_ascii_lowercase()) {
            None => SubscriberState::Confirmed,
            Some(s) if s.is_empty() || s == "confirmed" => SubscriberState::Confirmed,
            Some(s) if s == "pending" => SubscriberState::Pending,
            Some(s) => {
                eprintln!("line {}: state {s:?} (use confirmed or pending)", n + 1);
                bad += 1;
                continue;
            }
        };
        rows.push((email, state, lists));
    }
    let (created, existing) = store
        .import_subscribers(&rows, Utc::now().timestamp())
        .await?;
    println!("imported {created} new, {existing} existing updated, {bad} lines skipped");
    Ok(())
}

async fn export(store: &Store, out: Option<&Path>) -> Result<()> {
    let subs = store.all_subscribers().await?;
    let mut w: Box<dyn Write> = match out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    writeln!(w, "email,state,lists,created_at,confirmed_at")?;
    for (s, lists) in &subs {
        writeln!(
            w,
            "{},{},{},{},{}",
            s.email,
            s.state.as_str(),
            lists.join(";"),
            s.created_at,
            s.confirmed_at.map(|t| t.to_string()).unwrap_or_default()
        )?;
    }
    w.flush()?;
    if let Some(p) = out {
        eprintln!("wrote {} subscribers to {}", subs.len(), p.display());
    }
    Ok(())
}

/// Arguments of `roundup bench send`: a fresh database with N confirmed subscribers, one issue,
/// delivered to a loopback SMTP sink in this process. Prints msgs/s and peak RSS.
#[derive(Debug, clap::Args)]
pub struct BenchSendArgs {
    /// Confirmed subscribers.
    #[arg(long, default_value_t = 100_000)]
    pub subscribers: usize,
    /// Messages in flight (and pooled SMTP connections).
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Messages per second (0 = unlimited).
    #[arg(long, default_value_t = 0.0)]
    pub rate: f64,
    /// Database: a fresh SQLite file by default, or postgres://… (a fresh schema, dropped after).
    #[arg(long)]
    pub database: Option<String>,
}

/// Runs `roundup bench send`.
pub fn bench_send(a: BenchSendArgs) -> Result<()> {
    app::runtime()?.block_on(async move {
        let dir = std::env::temp_dir().join(format!("roundup-bench-send-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let (store, schema) = match &a.database {
            Some(u) if u.starts_with("postgres") => {
                let schema = format!("bench_send_{}", std::process::id());
                (Store::connect_in_schema(u, Some(&schema)).await?, Some((u.clone(), schema)))
            }
            Some(u) => (Store::connect(u).await?, None),
            None => (
                Store::connect(&format!("sqlite://{}", dir.join("bench.db").display())).await?,
                None,
            ),
        };
        let sink = Sink::start_with(SinkOptions::default()).await?;
        let mut nc = NewsletterConfig {
            base_url: "https://news.example.org".into(),
            from: "Roundup <news@example.org>".into(),
            secret: "bench-secret-0123456789abcdef".into(),
            ..Default::default()
        };
        nc.smtp.host = "127.0.0.1".into();
        nc.smtp.port = Some(sink.port());
        nc.smtp.pool_size = a.concurrency as u32;
        nc.delivery.concurrency = a.concurrency;
        nc.delivery.rate_per_sec = a.rate;
        nc.delivery.batch = 500;
        let t0 = Instant::now();
        let rows: Vec<(String, SubscriberState, Vec<String>)> = (0..a.subscribers)
            .map(|i| {
                (
                    format!("reader{i}@example.org"),
                    SubscriberState::Confirmed,
                    vec!["briefing".to_string()],
                )
            })
            .collect();
        store.import_subscribers(&rows, 1).await?;
        drop(rows);
        let items: Vec<serde_json::Value> = (1..=5)
            .map(|i| {
                serde_json::json!({"position": i, "headline": format!("Story number {i} of the day"),
                    "summary": "A one-sentence digest of the story, attributed to the outlets that covered it.",
                    "url": format!("https://outlet{i}.example/story"), "section": "world", "outlets": i})
            })
            .collect();
        store
            .publish_edition(
                "briefing",
                "2026-03-02",
                "Morning briefing — 2026-03-02",
                &serde_json::json!({"title": "Morning briefing — 2026-03-02", "items": items}),
            )
            .await?;
        let issue = prepare_issue(&store, &nc, "briefing")
            .await?
            .context("no issue")?;
        let setup = t0.elapsed().as_secs_f64();
        let rep = Sender::new(store.clone(), nc)?.send_issue(&issue).await?;
        let c = store.ledger_counts(issue.id).await?;
        println!(
            "bench send: {} subscribers, concurrency {}, rate {}: {} sent ({} accepted by the sink), {} open, {} failed \
             in {:.2}s = {:.0} msgs/s (setup {:.1}s); peak RSS {:.1} MiB",
            a.subscribers,
            a.concurrency,
            if a.rate > 0.0 { format!("{}/s", a.rate) } else { "unlimited".into() },
            c.sent,
            sink.count(),
            c.open(),
            c.failed,
            rep.elapsed_secs,
            rep.sent as f64 / rep.elapsed_secs.max(1e-9),
            setup,
            super::bench::peak_rss_mib().unwrap_or(f64::NAN)
        );
        store.close().await;
        if let Some((u, schema)) = schema {
            let s = Store::connect_in_schema(&u, Some(&format!("{schema}_x"))).await?;
            s.exec_admin(&format!("DROP SCHEMA {schema} CASCADE")).await?;
            s.exec_admin(&format!("DROP SCHEMA {schema}_x CASCADE")).await?;
            s.close().await;
        }
        let _ = std::fs::remove_dir_all(&dir);
        if c.sent != a.subscribers as i64 {
            bail!("only {} of {} delivered", c.sent, a.subscribers);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::csv_fields;

    #[test]
    fn csv() {
        assert_eq!(
            csv_fields("a@x.org, briefing;good-news ,confirmed"),
            ["a@x.org", "briefing;good-news", "confirmed"]
        );
        assert_eq!(csv_fields("\"a@x.org\",\"b,c\""), ["a@x.org", "b,c"]);
        assert_eq!(csv_fields("\"say \"\"hi\"\"\""), ["say \"hi\""]);
    }
}

//! `roundup fetch` (one pass), `roundup run` (the scheduler loop) and `roundup worker`.

use crate::app;
use crate::config::Config;
use crate::pipeline::articles::{run_article_job, ArticleResult};
use crate::pipeline::ingest::{Ingestor, PassStats, ARTICLE_JOB};
use crate::pipeline::poll::PollBounds;
use anyhow::Result;
use futures_util::stream::{self, StreamExt};
use indicatif::ProgressBar;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Arguments of `roundup fetch`.
#[derive(Debug, clap::Args)]
pub struct FetchArgs {
    /// Only poll feeds; do not fetch and extract article pages.
    #[arg(long)]
    pub no_articles: bool,
    /// Poll every unpaused feed now, even when it is not due yet.
    #[arg(long)]
    pub all: bool,
}

/// Arguments of `roundup run` and `roundup worker`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Seconds to sleep when there is nothing to do.
    #[arg(long, default_value_t = 30)]
    pub idle_secs: u64,
}

pub fn ingestor(
    cfg: &Config,
    store: roundup_store::Store,
    fetcher: Arc<roundup_fetch::Fetcher>,
    articles: bool,
) -> Ingestor {
    Ingestor {
        store,
        fetcher,
        bounds: PollBounds {
            min_secs: cfg.fetch.min_poll_minutes as i64 * 60,
            max_secs: cfg.fetch.max_poll_minutes as i64 * 60,
        },
        concurrency: cfg.fetch.global_concurrency.max(1),
        enqueue_articles: articles,
    }
}

fn bar(len: u64, what: &str) -> ProgressBar {
    crate::app::progress(len, what)
}

/// Polls due feeds once with a progress bar; returns the stats.
pub async fn fetch_pass(ing: &Ingestor, force_all: bool) -> Result<PassStats> {
    let stats = PassStats::default();
    let now = roundup_store::now_secs();
    let due_n = if force_all {
        ing.store
            .list_outlets()
            .await?
            .iter()
            .filter(|o| !o.paused)
            .count()
    } else {
        ing.store.due_feeds(now, i64::MAX / 4).await?.len()
    };
    let pb = bar(due_n as u64, "feeds");
    if force_all {
        let feeds = ing.store.due_feeds(i64::MAX / 4, i64::MAX / 4).await?;
        ing.poll_feeds(feeds, &stats, &|_| pb.inc(1)).await;
    } else {
        ing.run_pass(&stats, &|_| pb.inc(1)).await?;
    }
    pb.finish_and_clear();
    Ok(stats)
}

/// Runs every runnable article job once (bounded concurrency) with a progress bar.
pub async fn article_pass(
    ing: &Ingestor,
    worker: &str,
    stop: &AtomicBool,
) -> Result<(usize, usize, usize)> {
    let done = AtomicUsize::new(0);
    let fallback = AtomicUsize::new(0);
    let retry = AtomicUsize::new(0);
    let pb = bar(0, "articles");
    loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let jobs = ing
            .store
            .claim_jobs(&[ARTICLE_JOB], worker, 64, 300, roundup_store::now_secs())
            .await?;
        if jobs.is_empty() {
            break;
        }
        pb.inc_length(jobs.len() as u64);
        stream::iter(jobs)
            .for_each_concurrent(ing.concurrency, |job| {
                let (pb, done, fallback, retry) = (&pb, &done, &fallback, &retry);
                async move {
                    if stop.load(Ordering::Relaxed) {
                        let _ = ing.store.release_job(job.id).await;
                        return;
                    }
                    match run_article_job(&ing.store, &ing.fetcher, &job).await {
                        Ok(ArticleResult::Extracted) => done.fetch_add(1, Ordering::Relaxed),
                        Ok(ArticleResult::Fallback) => fallback.fetch_add(1, Ordering::Relaxed),
                        Ok(ArticleResult::Retry) => retry.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            tracing::error!(job = job.id, error = %e, "article job failed");
                            let _ = ing
                                .store
                                .fail_job(job.id, &e.to_string(), roundup_store::now_secs() + 300)
                                .await;
                            retry.fetch_add(1, Ordering::Relaxed)
                        }
                    };
                    pb.inc(1);
                }
            })
            .await;
    }
    pb.finish_and_clear();
    Ok((done.into_inner(), fallback.into_inner(), retry.into_inner()))
}

/// `roundup fetch`.
pub fn fetch(args: FetchArgs, cfg: &Config) -> Result<()> {
    app::runtime()?.block_on(async move {
        let store = app::open_store(cfg).await?;
        let ing = ingestor(cfg, store.clone(), app::fetcher(cfg)?, !args.no_articles);
        let t = Instant::now();
        let stats = fetch_pass(&ing, args.all).await?;
        eprintln!("{} in {:.1}s", stats.summary(), t.elapsed().as_secs_f64());
        if !args.no_articles {
            let t = Instant::now();
            let (ok, fb, retry) =
                article_pass(&ing, &worker_name(), &AtomicBool::new(false)).await?;
            eprintln!(
                "articles: {ok} extracted, {fb} kept from the feed, {retry} to retry, in {:.1}s",
                t.elapsed().as_secs_f64()
            );
        }
        store.close().await;
        Ok(())
    })
}

fn worker_name() -> String {
    format!(
        "{}-{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "roundup".into()),
        std::process::id()
    )
}

/// `roundup run` / `roundup worker`: poll due feeds and run article jobs until SIGINT/SIGTERM.
/// On a signal, in-flight work finishes; claimed jobs not started are released.
pub fn run_loop(args: RunArgs, cfg: &Config) -> Result<()> {
    app::runtime()?.block_on(async move {
        let store = app::open_store(cfg).await?;
        let ing = ingestor(cfg, store.clone(), app::fetcher(cfg)?, true);
        let stop = Arc::new(AtomicBool::new(false));
        {
            let stop = stop.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                eprintln!("stopping: finishing in-flight work…");
                stop.store(true, Ordering::Relaxed);
            });
        }
        let worker = worker_name();
        let scheduler = newsletter_scheduler(cfg, &store, &stop)?;
        eprintln!("roundup worker {worker} running; Ctrl-C to stop");
        // Stories are re-clustered and editions published after new articles, at most every
        // `story_every`, so a busy feed set does not re-digest on every pass.
        let story_every = Duration::from_secs(15 * 60);
        let mut last_story: Option<Instant> = None;
        let mut pending_articles = 0usize;
        while !stop.load(Ordering::Relaxed) {
            let stats = PassStats::default();
            let feeds = store
                .claim_due_feeds(roundup_store::now_secs(), 200, 600)
                .await?;
            let polled = feeds.len();
            ing.poll_feeds(feeds, &stats, &|_| {}).await;
            if polled > 0 {
                tracing::info!("{}", stats.summary());
            }
            let (ok, fb, retry) = article_pass(&ing, &worker, &stop).await?;
            pending_articles += ok + fb;
            if pending_articles > 0
                && last_story.is_none_or(|t| t.elapsed() >= story_every)
                && !stop.load(Ordering::Relaxed)
            {
                match crate::pipeline::stories::StoryStage::default()
                    .run(&store, chrono::Utc::now(), true)
                    .await
                {
                    Ok(st) => tracing::info!(
                        stories = st.stories,
                        editions = st.editions,
                        "stories updated"
                    ),
                    Err(e) => tracing::error!(error = %e, "story stage failed"),
                }
                last_story = Some(Instant::now());
                pending_articles = 0;
            }
            if polled == 0 && ok + fb + retry == 0 {
                sleep_unless_stopped(Duration::from_secs(args.idle_secs), &stop).await;
            }
        }
        if let Some(h) = scheduler {
            // The scheduler sees the same stop flag: its send finishes what is in flight.
            let _ = h.await;
        }
        store.close().await;
        eprintln!("stopped");
        Ok(())
    })
}

/// How often the newsletter scheduler looks for due lists and open sends.
const SCHEDULER_TICK: Duration = Duration::from_secs(20);

/// Starts the newsletter scheduler next to the poll loop when newsletters are configured
/// (`ROUNDUP_SMTP_URL` or `newsletter.toml`, as for the site's sign-up form).
fn newsletter_scheduler(
    cfg: &Config,
    store: &roundup_store::Store,
    stop: &Arc<AtomicBool>,
) -> Result<Option<tokio::task::JoinHandle<()>>> {
    if !super::newsletter::newsletters_configured() {
        return Ok(None);
    }
    let nc = super::newsletter::newsletter_config(cfg, None)?;
    let lists: Vec<String> = nc.lists.iter().map(|l| l.id.clone()).collect();
    let sched = roundup_mail::newsletter::schedule::Scheduler::new(store.clone(), nc)?
        .with_stop(stop.clone());
    eprintln!("newsletter scheduler on for: {}", lists.join(", "));
    let stop = stop.clone();
    Ok(Some(tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            match sched.tick(chrono::Utc::now()).await {
                Ok(r) => {
                    app::metrics().add_emails_sent(r.sent());
                    for (list, issue) in &r.due {
                        tracing::info!(list = %list, issue = ?issue, "newsletter due");
                    }
                    if r.sent() > 0 {
                        tracing::info!(sent = r.sent(), "newsletter messages sent");
                    }
                }
                Err(e) => tracing::error!(error = %e, "newsletter scheduler tick failed"),
            }
            sleep_unless_stopped(SCHEDULER_TICK, &stop).await;
        }
    })))
}

/// Sleeps for `d` (at least one 200 ms step, so an idle loop never spins), waking within
/// 200 ms once `stop` is set.
async fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let wake = tokio::time::Instant::now() + d;
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if stop.load(Ordering::Relaxed) || tokio::time::Instant::now() >= wake {
            return;
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

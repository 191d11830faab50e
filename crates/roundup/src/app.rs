//! Shared start-up: load config, open the store, build the fetcher.

use crate::config::Config;
use anyhow::{Context, Result};
use roundup_store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Opens the configured store (applying migrations).
pub async fn open_store(cfg: &Config) -> Result<Store> {
    Store::connect(&cfg.database_url)
        .await
        .with_context(|| "opening the database (database_url)".to_string())
}

/// The fetcher settings from the config.
pub fn fetch_config(cfg: &Config) -> roundup_fetch::FetchConfig {
    let f = &cfg.fetch;
    roundup_fetch::FetchConfig {
        user_agent: f.user_agent.clone(),
        global_concurrency: f.global_concurrency,
        per_host_concurrency: f.per_host_concurrency,
        per_host_delay: Duration::from_millis(f.per_host_delay_ms),
        connect_timeout: Duration::from_secs(f.connect_timeout_secs),
        timeout: Duration::from_secs(f.timeout_secs),
        max_body_bytes: f.max_body_bytes,
        max_redirects: f.max_redirects,
        max_retries: f.max_retries,
        allow_private_addresses: f.allow_private_addresses,
        ..Default::default()
    }
}

/// Builds the shared polite fetcher.
pub fn fetcher(cfg: &Config) -> Result<Arc<roundup_fetch::Fetcher>> {
    Ok(Arc::new(
        roundup_fetch::Fetcher::new(fetch_config(cfg)).context("building the HTTP client")?,
    ))
}

/// A multi-thread tokio runtime for a command.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// The process-wide metrics registry: the pipeline increments it and `/metrics` serves it.
pub fn metrics() -> Arc<roundup_web::Metrics> {
    static M: std::sync::OnceLock<Arc<roundup_web::Metrics>> = std::sync::OnceLock::new();
    M.get_or_init(|| Arc::new(roundup_web::Metrics::new()))
        .clone()
}

/// A progress bar on stderr for long CLI work (`{what} [====>  ] pos/len rate eta`), hidden
/// when stderr is not a terminal (logs and CI stay clean).
pub fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressStyle};
    let pb = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        ProgressBar::new(len)
    } else {
        ProgressBar::hidden()
    };
    pb.set_style(
        ProgressStyle::with_template(
            "{prefix:>9} [{bar:30}] {pos}/{len} {per_sec} eta {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb.set_prefix(what.to_string());
    pb
}

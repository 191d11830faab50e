//! `roundup feeds …`: add, list, import and export the outlets roundup follows.

use crate::app;
use crate::config::Config;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use roundup_fetch::FetchOutcome;
use roundup_model::{Lean, Section};
use roundup_store::NewOutlet;
use std::path::PathBuf;

/// Feed management commands.
#[derive(Debug, Subcommand)]
pub enum Feeds {
    /// Follow a feed. URL may be the feed itself or a site's page: its feed is discovered
    /// (<link rel="alternate">, then common paths such as /feed and /rss.xml).
    Add {
        /// Feed or page URL.
        url: String,
        /// Display name (default: the feed's title).
        #[arg(long)]
        name: Option<String>,
        /// Political leaning: left, center-left, center, center-right, right.
        #[arg(long)]
        lean: Option<Lean>,
        /// Region, e.g. us, uk, global.
        #[arg(long)]
        region: Option<String>,
        /// Section hint: world, politics, business, technology, science, health, sports, culture, opinion, local.
        #[arg(long)]
        section: Option<Section>,
    },
    /// List followed feeds with their fetch health.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Import feeds from an OPML file (folders are flattened).
    Import {
        /// OPML file.
        file: PathBuf,
    },
    /// Export followed feeds as OPML 2.0 to stdout.
    Export,
    /// Load the curated default outlet list shipped with roundup (data/default-outlets.toml).
    LoadDefaults,
    /// Pause or resume an outlet by id.
    Pause {
        /// Outlet id (see `roundup feeds list`).
        id: i64,
        /// Resume instead of pausing.
        #[arg(long)]
        resume: bool,
    },
}

/// The curated default outlets (TOML), embedded in the binary.
pub const DEFAULT_OUTLETS: &str = include_str!("../../../../data/default-outlets.toml");

#[derive(serde::Deserialize)]
struct DefaultOutlets {
    outlet: Vec<DefaultOutlet>,
}

#[derive(serde::Deserialize)]
struct DefaultOutlet {
    name: String,
    homepage: Option<String>,
    feed_url: String,
    lean: Option<String>,
    region: Option<String>,
    language: Option<String>,
    section: Option<String>,
    #[serde(default)]
    paused: bool,
}

/// Parses the default outlet list.
pub fn default_outlets() -> Result<Vec<(NewOutlet, bool)>> {
    let d: DefaultOutlets =
        toml::from_str(DEFAULT_OUTLETS).context("data/default-outlets.toml is invalid")?;
    d.outlet
        .into_iter()
        .map(|o| {
            let lean = o
                .lean
                .as_deref()
                .map(str::parse::<Lean>)
                .transpose()
                .with_context(|| o.name.clone())?;
            let section = o
                .section
                .as_deref()
                .map(str::parse::<Section>)
                .transpose()
                .with_context(|| o.name.clone())?;
            Ok((
                NewOutlet {
                    name: o.name,
                    homepage: o.homepage,
                    feed_url: o.feed_url,
                    lean,
                    region: o.region,
                    language: o.language,
                    section_hint: section,
                },
                o.paused,
            ))
        })
        .collect()
}

/// Loads the default outlets into the store; returns how many.
pub async fn load_defaults(store: &roundup_store::Store) -> Result<usize> {
    let list = default_outlets()?;
    for (o, paused) in &list {
        let id = store.upsert_outlet(o).await?;
        if *paused {
            store.set_paused(id, true).await?;
        }
    }
    Ok(list.len())
}

/// Runs a feeds command.
pub fn run(cmd: Feeds, cfg: &Config) -> Result<()> {
    app::runtime()?.block_on(async move {
        let store = app::open_store(cfg).await?;
        match cmd {
            Feeds::Add {
                url,
                name,
                lean,
                region,
                section,
            } => {
                let fetcher = app::fetcher(cfg)?;
                let (feed_url, title) = discover(&fetcher, &url).await?;
                let o = NewOutlet {
                    name: name.or(title).unwrap_or_else(|| feed_url.clone()),
                    homepage: None,
                    feed_url: feed_url.clone(),
                    lean,
                    region,
                    language: None,
                    section_hint: section,
                };
                let id = store.upsert_outlet(&o).await?;
                println!("following {} ({feed_url}) as outlet {id}", o.name);
            }
            Feeds::List { json } => {
                let list = store.list_outlets().await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&list)?);
                } else {
                    println!(
                        "{:>5}  {:<28} {:<13} {:<7} {:<14} {:>5} {:>7}  last error",
                        "id", "name", "lean", "region", "status", "fails", "entries"
                    );
                    for o in list {
                        let s = &o.state;
                        println!(
                            "{:>5}  {:<28} {:<13} {:<7} {:<14} {:>5} {:>7}  {}",
                            o.id,
                            truncate(&o.name, 28),
                            o.lean.map(|l| l.as_str()).unwrap_or("-"),
                            o.region.as_deref().unwrap_or("-"),
                            if o.paused {
                                "paused"
                            } else {
                                s.last_status.as_deref().unwrap_or("never")
                            },
                            s.consecutive_failures,
                            s.entries_total,
                            s.last_error.as_deref().unwrap_or("")
                        );
                    }
                }
            }
            Feeds::Import { file } => {
                let bytes =
                    std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
                let doc = roundup_feed::opml::parse_opml(&bytes)
                    .with_context(|| format!("{} is not a usable OPML file", file.display()))?;
                if doc.feeds.is_empty() {
                    bail!(
                        "{} has no feeds: no <outline> with an xmlUrl attribute was found",
                        file.display()
                    );
                }
                let mut n = 0;
                for f in &doc.feeds {
                    let o = f.to_outlet();
                    let new = NewOutlet {
                        name: o.name,
                        homepage: o.homepage,
                        feed_url: o.feed_url,
                        lean: o.lean,
                        region: o.region,
                        language: o.language,
                        section_hint: o.section_hint,
                    };
                    store.upsert_outlet(&new).await?;
                    n += 1;
                }
                println!("imported {n} feeds from {}", file.display());
            }
            Feeds::Export => {
                let list = store.list_outlets().await?;
                let feeds: Vec<roundup_feed::opml::OpmlFeed> = list
                    .iter()
                    .map(|o| {
                        roundup_feed::opml::OpmlFeed::from_outlet(&roundup_model::Outlet {
                            id: o.id,
                            name: o.name.clone(),
                            homepage: o.homepage.clone(),
                            feed_url: o.feed_url.clone(),
                            lean: o.lean,
                            region: o.region.clone(),
                            language: o.language.clone(),
                            section_hint: o.section_hint,
                            paused: o.paused,
                        })
                    })
                    .collect();
                print!("{}", roundup_feed::opml::to_opml("roundup feeds", &feeds));
            }
            Feeds::LoadDefaults => {
                let n = load_defaults(&store).await?;
                println!("loaded {n} default outlets");
            }
            Feeds::Pause { id, resume } => {
                store.set_paused(id, !resume).await?;
                println!("outlet {id} {}", if resume { "resumed" } else { "paused" });
            }
        }
        store.close().await;
        Ok(())
    })
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// Finds the feed behind `url`: the URL itself when it is a feed, else a feed the page links
/// to, else a feed at a common path. Returns (feed URL, feed title).
pub async fn discover(
    fetcher: &roundup_fetch::Fetcher,
    url: &str,
) -> Result<(String, Option<String>)> {
    let page = match fetcher.fetch(url).await {
        FetchOutcome::Ok(f) => f,
        FetchOutcome::NotModified(_) => bail!("{url}: unexpected 304 without validators"),
        FetchOutcome::Failed(e) => bail!("{url}: {}", e.message()),
    };
    if let Ok(feed) =
        crate::feedio::parse(&page.body, &page.final_url, page.content_type.as_deref())
    {
        return Ok((page.final_url.clone(), feed.title));
    }
    let mut candidates: Vec<String> =
        roundup_feed::discover_feeds(&page.text_lossy(), &page.final_url)
            .into_iter()
            .map(|d| d.url)
            .collect();
    candidates.extend(roundup_feed::candidate_urls(&page.final_url));
    // Sites that live under a path (example.org/news/) keep their feed beside the page too.
    if let Ok(base) = url::Url::parse(&page.final_url) {
        for p in roundup_feed::discover::CANDIDATE_PATHS {
            if let Ok(u) = base.join(p.trim_start_matches('/')) {
                let u = u.to_string();
                if !candidates.contains(&u) {
                    candidates.push(u);
                }
            }
        }
    }
    for c in candidates {
        if let FetchOutcome::Ok(f) = fetcher.fetch(&c).await {
            if let Ok(feed) = crate::feedio::parse(&f.body, &f.final_url, f.content_type.as_deref())
            {
                return Ok((f.final_url.clone(), feed.title));
            }
        }
    }
    bail!("{url} is not a feed and no feed was found on it or at the common feed paths")
}

/// Feed autodiscovery through the polite fetcher, for the admin's "add outlet" form.
pub struct FetcherDiscovery(pub std::sync::Arc<roundup_fetch::Fetcher>);

impl roundup_web::FeedDiscovery for FetcherDiscovery {
    fn discover(
        &self,
        url: &str,
    ) -> futures_util::future::BoxFuture<'_, Result<(String, Option<String>), String>> {
        let url = url.to_string();
        Box::pin(async move { discover(&self.0, &url).await.map_err(|e| format!("{e:#}")) })
    }
}

//! `roundup serve`, `roundup admin set-password` and `roundup demo`.

use crate::app;
use crate::config::Config;
use crate::pipeline::stories::StoryStage;
use anyhow::{Context, Result};
use clap::Subcommand;
use roundup_store::Store;
use std::sync::Arc;

/// Arguments of `roundup serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (default: server.bind from the config).
    #[arg(long)]
    pub bind: Option<String>,
}

/// Admin commands.
#[derive(Debug, Subcommand)]
pub enum Admin {
    /// Set the /admin password (read from ROUNDUP_ADMIN_PASSWORD or a line on stdin);
    /// stored argon2-hashed.
    SetPassword,
}

/// The "publish edition now" hook of the admin: reruns the story stage and publishes.
struct StagePublisher {
    store: Store,
    site: std::sync::OnceLock<roundup_web::SiteHandle>,
}

impl roundup_web::Publisher for StagePublisher {
    fn publish(
        &self,
        _kind: &str,
    ) -> futures_util::future::BoxFuture<'_, Result<roundup_web::PublishOutcome, String>> {
        Box::pin(async move {
            let stats = StoryStage::default()
                .run(
                    &self.store,
                    latest_time(&self.store).await.map_err(|e| e.to_string())?,
                    true,
                )
                .await
                .map_err(|e| format!("{e:#}"))?;
            if let Some(h) = self.site.get() {
                h.refresh();
            }
            let id = self
                .store
                .latest_edition("front-page")
                .await
                .map_err(|e| e.to_string())?
                .map(|e| e.id)
                .unwrap_or(0);
            Ok(roundup_web::PublishOutcome {
                edition_id: id,
                message: format!(
                    "published {} editions from {} stories",
                    stats.editions, stats.stories
                ),
            })
        })
    }
}

/// The reference time for ranking: now, or just after the newest entry when the data is
/// from the future of the wall clock (a sample world dated ahead).
async fn latest_time(store: &Store) -> Result<chrono::DateTime<chrono::Utc>> {
    let now = chrono::Utc::now();
    let items = store.window_items(now.timestamp() - 7 * 86_400).await?;
    let newest = items.iter().filter_map(|i| i.entry.published).max();
    Ok(match newest {
        Some(t) if t > now => t + chrono::Duration::minutes(30),
        _ => now,
    })
}

/// Sign-up and email-link hooks backed by the double opt-in service, when an SMTP relay is
/// configured; the site then offers the configured lists.
pub fn newsletter_hooks(
    cfg: &Config,
    store: &Store,
    wc: &mut roundup_web::WebConfig,
) -> Result<bool> {
    if !super::newsletter::newsletters_configured() {
        return Ok(false);
    }
    let nc = super::newsletter::newsletter_config(cfg, None)?;
    wc.lists = nc
        .lists
        .iter()
        .map(|l| (l.id.clone(), l.name.clone()))
        .collect();
    if let Some(token) = &cfg.server.inbound_token {
        if token.len() < 16 {
            anyhow::bail!(
                "server.inbound_token (ROUNDUP_SERVER_INBOUND_TOKEN) must be at least 16 bytes"
            );
        }
        let inbound = roundup_mail::newsletter::inbound::Inbound::new(store.clone(), nc.clone())
            .context("starting the inbound-mail webhook")?;
        wc.inbound = Some(roundup_web::InboundHook {
            handler: std::sync::Arc::new(crate::newsletter_web::InboundHooks(inbound)),
            token: token.clone(),
        });
    }
    let optin = roundup_mail::newsletter::optin::Optin::new(store.clone(), nc)
        .context("starting the newsletter sign-up")?;
    let (signup, links) = crate::newsletter_web::hooks(optin);
    wc.signup = signup;
    wc.subscription_links = Some(links);
    wc.subscribers = Some(std::sync::Arc::new(
        crate::newsletter_web::StoreSubscriberStats {
            store: store.clone(),
            lists: wc.lists.iter().map(|(id, _)| id.clone()).collect(),
        },
    ));
    Ok(true)
}

fn web_config(cfg: &Config, store: &Store) -> (roundup_web::WebConfig, Arc<StagePublisher>) {
    let publisher = Arc::new(StagePublisher {
        store: store.clone(),
        site: Default::default(),
    });
    let wc = roundup_web::WebConfig {
        base_url: cfg.base_url.trim_end_matches('/').to_string(),
        secret: cfg.secret.clone(),
        theme_dir: cfg.server.theme_dir.clone(),
        client_ip_header: cfg
            .server
            .client_ip_header
            .clone()
            .filter(|h| !h.trim().is_empty()),
        secure_cookies: cfg.base_url.starts_with("https://"),
        publisher: publisher.clone(),
        metrics: Some(app::metrics()),
        ..Default::default()
    };
    (wc, publisher)
}

async fn serve_on(cfg: &Config, store: Store, bind: &str) -> Result<()> {
    let (mut wc, publisher) = web_config(cfg, &store);
    wc.discovery = Some(Arc::new(super::feeds::FetcherDiscovery(app::fetcher(cfg)?)));
    if newsletter_hooks(cfg, &store, &mut wc)? {
        println!("newsletter sign-up: double opt-in through the configured SMTP relay");
    }
    let site = roundup_web::Site::new(store, wc).context("loading the site templates")?;
    let _ = publisher.site.set(site.handle());
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("listening on {bind}"))?;
    let addr = listener.local_addr()?;
    println!("serving on http://{addr}/  (Ctrl-C to stop)");
    tokio::select! {
        r = roundup_web::serve_site(listener, &site) => r.context("web server")?,
        _ = super::fetch::shutdown_signal() => println!("stopped"),
    }
    Ok(())
}

/// `roundup serve`.
pub fn serve(args: ServeArgs, cfg: &Config) -> Result<()> {
    app::runtime()?.block_on(async move {
        let store = app::open_store(cfg).await?;
        let bind = args.bind.unwrap_or_else(|| cfg.server.bind.clone());
        serve_on(cfg, store, &bind).await
    })
}

/// `roundup admin …`.
pub fn admin(cmd: Admin, cfg: &Config) -> Result<()> {
    match cmd {
        Admin::SetPassword => {
            let pw = match std::env::var("ROUNDUP_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("new admin password (one line on stdin):");
                    let mut s = String::new();
                    std::io::stdin()
                        .read_line(&mut s)
                        .context("reading the password")?;
                    s.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            anyhow::ensure!(
                pw.chars().count() >= 8,
                "the admin password must have at least 8 characters"
            );
            app::runtime()?.block_on(async move {
                let store = app::open_store(cfg).await?;
                store
                    .set_setting("admin_password_hash", &roundup_web::hash_password(&pw))
                    .await?;
                store.close().await;
                println!("admin password set");
                Ok(())
            })
        }
    }
}

/// Arguments of `roundup demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Port of the site.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Folder for the demo database (default: a fresh temporary folder).
    #[arg(long)]
    pub data_dir: Option<std::path::PathBuf>,
    /// Admin password for /admin (default: "roundup-demo").
    #[arg(long, default_value = "roundup-demo")]
    pub admin_password: String,
    /// Run the pipeline, print the figures and exit without serving.
    #[arg(long)]
    pub no_serve: bool,
    /// Write the sample world's articles with their story labels as clustering JSONL
    /// ({"id","story","outlet","published","title","url","text"}) to FILE and exit.
    #[arg(long, value_name = "FILE")]
    pub export_stories: Option<std::path::PathBuf>,
}

/// `roundup demo`: the whole pipeline on the bundled sample world, then the site.
pub fn demo(args: DemoArgs) -> Result<()> {
    if let Some(path) = &args.export_stories {
        std::fs::write(path, roundup_sample::stories_jsonl())
            .with_context(|| format!("writing {}", path.display()))?;
        println!(
            "wrote the sample world's labelled articles to {}",
            path.display()
        );
        return Ok(());
    }
    app::runtime()?.block_on(async move {
        let t0 = std::time::Instant::now();
        let world = roundup_sample::serve::spawn("127.0.0.1:0")
            .await
            .context("starting the sample-world server")?;
        let base = world.base_url.clone();
        println!(
            "sample world: {} outlets served at {base}",
            roundup_sample::outlets().len()
        );
        let dir = match &args.data_dir {
            Some(d) => d.clone(),
            None => std::env::temp_dir().join(format!("roundup-demo-{}", std::process::id())),
        };
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let db = dir.join("demo.db");
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
        }
        let mut cfg = Config {
            database_url: format!("sqlite://{}", db.display()),
            ..Config::default()
        };
        // The sample world is our own loopback server: allow it, and skip the politeness delay
        // that real publishers get.
        cfg.fetch.allow_private_addresses = true;
        cfg.fetch.per_host_delay_ms = 0;
        cfg.fetch.per_host_concurrency = 8;
        cfg.fetch.global_concurrency = 8;
        cfg.base_url = format!("http://127.0.0.1:{}", args.port);
        cfg.secret = format!(
            "demo-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
        );
        let store = Store::connect(&cfg.database_url).await?;
        for o in roundup_sample::outlets_at(&base) {
            let m = o.to_model();
            store
                .upsert_outlet(&roundup_store::NewOutlet {
                    name: m.name,
                    homepage: m.homepage,
                    feed_url: m.feed_url,
                    lean: m.lean,
                    region: m.region,
                    language: m.language,
                    section_hint: m.section_hint,
                })
                .await?;
        }
        let ing = super::fetch::ingestor(&cfg, store.clone(), app::fetcher(&cfg)?, true);
        println!("[1/4] fetching feeds…");
        let stats = super::fetch::fetch_pass(&ing, false).await?;
        println!("      {}", stats.summary());
        println!("[2/4] fetching and extracting article pages…");
        let (ok, fb, retry) =
            super::fetch::article_pass(&ing, "demo", &std::sync::atomic::AtomicBool::new(false))
                .await?;
        println!("      {ok} extracted, {fb} kept from the feed, {retry} to retry");
        println!("[3/4] clustering, digests, ranking, editions…");
        let now = latest_time(&store).await?;
        let st = StoryStage::default().run(&store, now, true).await?;
        println!(
            "      {} entries → {} stories; {} editions published",
            st.entries, st.stories, st.editions
        );
        store
            .set_setting(
                "admin_password_hash",
                &roundup_web::hash_password(&args.admin_password),
            )
            .await?;
        println!("[4/4] pipeline done in {:.1}s", t0.elapsed().as_secs_f64());
        if args.no_serve {
            store.close().await;
            return Ok(());
        }
        println!(
            "admin: {}/admin  (password: {})",
            cfg.base_url, args.admin_password
        );
        serve_on(&cfg, store, &format!("127.0.0.1:{}", args.port)).await
    })
}

//! `roundup bench …`: benchmarks that print their figures.

use crate::app;
use crate::config::Config;
use crate::pipeline::ingest::{Ingestor, PassStats};
use crate::pipeline::poll::PollBounds;
use anyhow::{Context, Result};
use clap::Subcommand;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant, SystemTime};

/// Which benchmark to run.
#[derive(Debug, Subcommand)]
pub enum Bench {
    /// Incremental clustering throughput and memory on synthetic articles.
    Cluster(super::cluster::BenchArgs),
    /// Feed ingestion: a loopback fixture server on many 127.x.y.z hosts serves N feeds; two
    /// passes (the second must be all 304 Not Modified). Prints wall time, feeds/s, peak RSS.
    Ingest(IngestArgs),
    /// Newsletter sending to a loopback SMTP sink: messages/s and peak RSS.
    Send(super::newsletter::BenchSendArgs),
}

/// Arguments of `roundup bench ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Number of feeds.
    #[arg(long, default_value_t = 5000)]
    pub feeds: usize,
    /// Entries per feed.
    #[arg(long, default_value_t = 20)]
    pub entries: usize,
    /// Distinct loopback hosts the feeds are spread over (per-host politeness applies).
    #[arg(long, default_value_t = 250)]
    pub hosts: usize,
    /// Minimum delay between two requests to one host, milliseconds.
    #[arg(long, default_value_t = 50)]
    pub per_host_delay_ms: u64,
    /// Database: a fresh SQLite file by default, or postgres://… (a fresh schema, dropped after).
    #[arg(long)]
    pub database: Option<String>,
}

/// Runs the chosen benchmark.
pub fn run(b: Bench) -> Result<()> {
    match b {
        Bench::Cluster(a) => super::cluster::bench(a),
        Bench::Ingest(a) => ingest(a),
        Bench::Send(a) => super::newsletter::bench_send(a),
    }
}

/// Peak resident set size of this process in MiB (VmHWM), if the OS tells.
pub fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn feed_xml(i: usize, n: usize, host: &str) -> String {
    let mut s = String::with_capacity(400 * n);
    s.push_str(&format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Bench outlet {i}</title>\
         <link>http://{host}/</link><description>synthetic</description><ttl>5</ttl>"
    ));
    for j in 0..n {
        s.push_str(&format!(
            "<item><title>Outlet {i} reports story {j}: council votes on the harbour plan</title>\
             <link>http://{host}/o{i}/story-{j}.html?utm_source=rss</link><guid isPermaLink=\"false\">o{i}-s{j}</guid>\
             <pubDate>Tue, 01 Dec 2026 {:02}:{:02}:00 GMT</pubDate><category>Local</category>\
             <description>&lt;p&gt;The council met on Tuesday to vote on item {j} of the plan.&lt;/p&gt;</description></item>",
            j % 24,
            (j * 7) % 60
        ));
    }
    s.push_str("</channel></rss>");
    s
}

fn ingest(a: IngestArgs) -> Result<()> {
    app::runtime()?.block_on(async move {
        let hosts: Vec<IpAddr> = (0..a.hosts.max(1))
            .map(|h| IpAddr::V4(Ipv4Addr::new(127, 1, (h / 250) as u8, (h % 250 + 1) as u8)))
            .collect();
        let server = roundup_testkit::TestServer::start_many(hosts.clone())
            .await
            .context("starting the loopback fixture server (needs 127.0.0.0/8 on lo)")?;
        let modified = SystemTime::now() - Duration::from_secs(3600);
        let mut urls = Vec::with_capacity(a.feeds);
        for i in 0..a.feeds {
            let h = i % server.addrs().len();
            let addr = server.addrs()[h];
            let path = format!("/feeds/{i}.xml");
            server.route(&path, roundup_testkit::Route::file(&path, feed_xml(i, a.entries, &addr.to_string()), modified));
            urls.push(server.url_on(h, &path));
        }
        let (url, schema) = match &a.database {
            Some(u) => (u.clone(), Some(format!("bench_{}", std::process::id()))),
            None => {
                let p = std::env::temp_dir().join(format!("roundup-bench-{}.db", std::process::id()));
                let _ = std::fs::remove_file(&p);
                (format!("sqlite://{}", p.display()), None)
            }
        };
        let store = roundup_store::Store::connect_in_schema(&url, schema.as_deref()).await?;
        for (i, u) in urls.iter().enumerate() {
            store
                .upsert_outlet(&roundup_store::NewOutlet { name: format!("Bench {i}"), feed_url: u.clone(), ..Default::default() })
                .await?;
        }
        let mut cfg = Config::default();
        cfg.fetch.allow_private_addresses = true;
        cfg.fetch.per_host_delay_ms = a.per_host_delay_ms;
        cfg.fetch.global_concurrency = 64;
        let fetcher = app::fetcher(&cfg)?;
        let ing = Ingestor {
            store: store.clone(),
            fetcher,
            bounds: PollBounds { min_secs: 600, max_secs: 86_400 },
            concurrency: 64,
            enqueue_articles: false,
        };
        println!(
            "bench ingest: {} feeds x {} entries on {} loopback hosts, per-host delay {} ms, backend {:?}",
            a.feeds, a.entries, hosts.len(), a.per_host_delay_ms, store.backend()
        );
        for pass in 1..=2 {
            let stats = PassStats::default();
            let t = Instant::now();
            // Every feed is due for both passes (force), as a cold start and a re-poll.
            let feeds = store.due_feeds(i64::MAX / 4, i64::MAX / 4).await?;
            ing.poll_feeds(feeds, &stats, &|_| {}).await;
            let secs = t.elapsed().as_secs_f64();
            println!(
                "pass {pass}: {:.2} s, {:.0} feeds/s; {}; entries in store {}; peak RSS {:.0} MiB",
                secs,
                a.feeds as f64 / secs,
                stats.summary(),
                store.count_entries().await?,
                peak_rss_mib().unwrap_or(f64::NAN)
            );
        }
        if let Some(s) = schema {
            store.exec_admin(&format!("DROP SCHEMA {s} CASCADE")).await?;
        }
        store.close().await;
        Ok(())
    })
}

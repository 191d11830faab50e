//! Throughput check: fetch many feeds from many simulated loopback hosts.
//!
//! `cargo run --release -p roundup-fetch --example bench_fetch -- [FEEDS] [HOSTS] [DELAY_MS]`
//! (defaults 5000 feeds, 250 hosts, 100 ms per-host delay). Each feed is a ~20 KB RSS
//! document; half the fetches are conditional and answered 304. Prints the wall time and the
//! outcome counts, and exits non-zero if any fetch failed.

use roundup_fetch::{FetchConfig, FetchOutcome, FetchRequest, Fetcher, Validators};
use roundup_testkit::{Reply, Route, TestServer};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let feeds = *args.first().unwrap_or(&5000) as usize;
    let hosts = (*args.get(1).unwrap_or(&250) as usize).clamp(1, 250);
    let delay = Duration::from_millis(*args.get(2).unwrap_or(&100));

    let ips = (0..hosts).map(|i| IpAddr::from([127, 1, (i / 250) as u8, (i % 250 + 1) as u8]));
    let server = TestServer::start_many(ips)
        .await
        .expect("bind loopback hosts");
    let item = "<item><title>Story title here</title><link>https://example.com/a</link>\
                <description>Some summary text of the story, a sentence or two long.</description></item>";
    let rss = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss><channel><title>Feed</title>{}</channel></rss>",
        item.repeat(100)
    );
    let per_host = feeds.div_ceil(hosts);
    for j in 0..per_host {
        server.route(
            &format!("/feed{j}.xml"),
            Route::new(Reply::bytes(
                "application/rss+xml; charset=utf-8",
                rss.clone(),
            ))
            .with_etag(&format!("\"e{j}\"")),
        );
    }
    server.robots("User-agent: *\nDisallow: /private\n");

    let fetcher = Fetcher::new(FetchConfig {
        allow_private_addresses: true,
        per_host_delay: delay,
        global_concurrency: 64,
        ..FetchConfig::default()
    })
    .expect("client");
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(feeds);
    for n in 0..feeds {
        let host = n % hosts;
        let j = n / hosts;
        let mut req = FetchRequest::new(server.url_on(host, &format!("/feed{j}.xml")));
        if n % 2 == 1 {
            req = req.with_validators(Validators {
                etag: Some(format!("\"e{j}\"")),
                last_modified: None,
            });
        }
        let f = fetcher.clone();
        tasks.push(tokio::spawn(async move { f.fetch_request(&req).await }));
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut bytes = 0u64;
    for t in tasks {
        let o = t.await.expect("task");
        if let FetchOutcome::Ok(f) = &o {
            bytes += f.body_len;
        }
        *counts.entry(o.code()).or_default() += 1;
    }
    let took = started.elapsed();
    println!(
        "fetched {feeds} feeds from {hosts} hosts (per-host delay {} ms) in {:.2} s: {:?}, {} MB decoded, {} requests served",
        delay.as_millis(),
        took.as_secs_f64(),
        counts,
        bytes / 1_000_000,
        server.requests().len()
    );
    let failed: usize = counts
        .iter()
        .filter(|(k, _)| k.as_str() != "ok" && k.as_str() != "not-modified")
        .map(|(_, v)| v)
        .sum();
    if failed > 0 {
        std::process::exit(1);
    }
}

//! Throughput of the cached home page over loopback HTTP/1.1 keep-alive.
//!
//! `cargo run --release -p roundup-web --example bench_home -- [connections] [seconds]`
//!
//! Fills a temp SQLite store with 40 stories, serves the site on 127.0.0.1:0 and runs a
//! closed-loop client (each connection sends the next request when the previous response is
//! complete) for the given time. Prints requests per second and latency percentiles. The
//! client shares the machine with the server, so this understates a dedicated load
//! generator such as wrk.

use roundup_store::{Store, StoryRecord};
use roundup_web::{Site, WebConfig};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let conns: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(32);
    let secs: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    let dir = std::env::temp_dir().join(format!("roundup-web-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = Store::connect(&format!("sqlite://{}", dir.join("b.db").display())).await?;
    let now = roundup_store::now_secs();
    for i in 0..40 {
        store
            .save_story(&StoryRecord {
                headline: format!("Story number {i} about the harbor budget and the storm"),
                section: Some(["world", "politics", "business", "science"][i % 4].into()),
                first_seen: now - 3600,
                last_updated: now - i as i64 * 60,
                article_count: 5 + i as i64,
                outlet_count: 3 + i as i64 % 7,
                score: 100.0 - i as f64,
                digest: serde_json::json!({
                    "summary": "A one-sentence summary of what happened and why it matters today.",
                    "facts": [{"text": "First key fact of the story, taken from one outlet."}, {"text": "Second key fact, corroborated by two more."}, {"text": "Third fact."}],
                    "coverage": {"left": 3, "center": 2, "right": 2, "unrated": 1, "total": 8, "blindspots": []}
                }),
                ..Default::default()
            })
            .await?;
    }
    let site = Site::new(store, WebConfig::default())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = roundup_web::serve_site(listener, &site).await;
    });
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..conns {
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
            s.set_nodelay(true).ok();
            let req = format!("GET / HTTP/1.1\r\nHost: {addr}\r\n\r\n");
            let mut buf = vec![0u8; 256 * 1024];
            while Instant::now() < deadline {
                let t = Instant::now();
                s.write_all(req.as_bytes()).await.expect("write");
                let mut have = 0;
                let need = loop {
                    let n = s.read(&mut buf[have..]).await.expect("read");
                    assert!(n > 0, "server closed");
                    have += n;
                    if let Some(h) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..h]).to_ascii_lowercase();
                        assert!(head.starts_with("http/1.1 200"), "{head}");
                        let len: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse().ok())
                            .expect("content-length");
                        break h + 4 + len;
                    }
                };
                while have < need {
                    let n = s.read(&mut buf[have..]).await.expect("read");
                    assert!(n > 0, "server closed");
                    have += n;
                }
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let start = Instant::now();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await?);
    }
    let el = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    println!(
        "home page: {} requests in {el:.1}s over {conns} connections = {:.0} req/s; p50 {:?} p99 {:?}",
        all.len(),
        all.len() as f64 / el,
        pct(0.5),
        pct(0.99)
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

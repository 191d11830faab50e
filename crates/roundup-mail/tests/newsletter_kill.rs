//! The kill test: a real send-worker process (examples/send_worker.rs) delivering to the
//! loopback sink is killed with SIGKILL mid-send and restarted; afterwards every recipient has
//! the issue (0 missing) and duplicates stay within the in-flight bound (the concurrency).

mod newsletter_support;

use newsletter_support::sqlite_db;
use roundup_mail::newsletter::sink::Sink;
use roundup_store::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn worker_bin() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?.parent()?;
    let p = dir
        .join("examples")
        .join(format!("send_worker{}", std::env::consts::EXE_SUFFIX));
    p.exists().then_some(p)
}

const N: usize = 400;
const CONCURRENCY: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_send_then_restart_delivers_everything() {
    let bin = worker_bin().expect(
        "examples/send_worker is not built: run the suite with `cargo test`/`cargo nextest run` \
         (they build examples) or `cargo build --examples`",
    );
    let runs: usize = std::env::var("NL_KILL_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let mut figures = Vec::new();
    for run in 0..runs {
        let db = sqlite_db().await;
        let s = db.store.clone();
        for i in 0..N {
            let (row, _) = s
                .insert_subscriber(
                    &format!("r{i}@example.org"),
                    SubscriberState::Confirmed,
                    None,
                    1,
                )
                .await
                .unwrap();
            s.add_subscriptions(row.id, &["briefing"], 1).await.unwrap();
        }
        let ed = s
            .publish_edition("briefing", "2026-03-02", "Briefing", &serde_json::json!({
                "title": "Briefing", "items": [{"headline": "One", "summary": "S", "url": "https://a.example/1"}]
            }))
            .await
            .unwrap();
        let (issue, _) = s.create_issue("briefing", ed, "Briefing", 1).await.unwrap();
        s.enqueue_issue(issue.id, 1).await.unwrap();
        let sink = Sink::start().await.unwrap();
        let spawn = || {
            std::process::Command::new(&bin)
                .arg(&db.url)
                .arg(issue.id.to_string())
                .arg(sink.port().to_string())
                .arg(CONCURRENCY.to_string())
                .arg("400")
                .arg("2")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let mut child = spawn();
        // Kill somewhere between a quarter and two thirds of the way.
        let target = N / 4 + (run * N / 6) % (N / 2);
        let t0 = Instant::now();
        while sink.count() < target {
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "worker too slow: {}",
                sink.count()
            );
            if let Some(st) = child.try_wait().unwrap() {
                panic!("worker exited early: {st:?}");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Let the sink finish reading what the dead worker had already written.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let at_kill = sink.count();
        let ledger_sent_at_kill = s.ledger_counts(issue.id).await.unwrap().sent;
        let out = spawn().wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "restart failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let c = s.ledger_counts(issue.id).await.unwrap();
        assert_eq!((c.sent, c.open(), c.failed), (N as i64, 0, 0), "{c:?}");
        let mut per: HashMap<String, usize> = HashMap::new();
        let mut ids: HashMap<String, Vec<String>> = HashMap::new();
        for m in sink.messages() {
            *per.entry(m.rcpt_to[0].clone()).or_default() += 1;
            let text = String::from_utf8_lossy(&m.data).to_string();
            let mid = text
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .unwrap()
                .to_string();
            ids.entry(m.rcpt_to[0].clone()).or_default().push(mid);
        }
        let missing = (0..N)
            .filter(|i| !per.contains_key(&format!("r{i}@example.org")))
            .count();
        let dups: usize = per.values().map(|n| n - 1).sum();
        for v in ids.values() {
            assert!(
                v.iter().all(|m| m == &v[0]),
                "duplicates carry the same Message-ID"
            );
        }
        eprintln!(
            "kill run {run}: killed after {at_kill} accepted (ledger had {ledger_sent_at_kill} sent), \
             total accepted {}, missing {missing}, duplicates {dups} (bound {CONCURRENCY})",
            sink.count()
        );
        assert_eq!(missing, 0);
        assert!(
            dups <= CONCURRENCY,
            "duplicates {dups} > in-flight bound {CONCURRENCY}"
        );
        assert_eq!(sink.count(), N + dups);
        figures.push((at_kill, dups));
        db.finish().await;
    }
    eprintln!("kill test figures (accepted at kill, duplicates): {figures:?}");
}

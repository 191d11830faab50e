//! A send worker process for the kill test: sends one issue from a database to an SMTP relay.
//!
//! `send_worker DB_URL ISSUE_ID SMTP_PORT [CONCURRENCY] [RATE] [LEASE_SECS]` — prints the
//! [`SendReport`](roundup_mail::newsletter::deliver::SendReport) as JSON on success.

use roundup_mail::newsletter::deliver::Sender;
use roundup_mail::newsletter::NewsletterConfig;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("send_worker: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 4 {
        return Err(
            "usage: send_worker DB_URL ISSUE_ID SMTP_PORT [CONCURRENCY] [RATE] [LEASE_SECS]".into(),
        );
    }
    let store = roundup_store::Store::connect(&a[1]).await?;
    let issue_id: i64 = a[2].parse()?;
    let mut cfg = NewsletterConfig {
        base_url: "https://news.example.org".into(),
        from: "Roundup <news@example.org>".into(),
        secret: std::env::var("NL_SECRET").unwrap_or_else(|_| "0123456789abcdef-kill-test".into()),
        ..Default::default()
    };
    cfg.smtp.host = "127.0.0.1".into();
    cfg.smtp.port = Some(a[3].parse()?);
    cfg.delivery.concurrency = a.get(4).map(|s| s.parse()).transpose()?.unwrap_or(8);
    cfg.smtp.pool_size = cfg.delivery.concurrency as u32;
    cfg.delivery.rate_per_sec = a.get(5).map(|s| s.parse()).transpose()?.unwrap_or(0.0);
    cfg.delivery.lease_secs = a.get(6).map(|s| s.parse()).transpose()?.unwrap_or(60);
    cfg.delivery.batch = 50;
    cfg.delivery.retry_base_secs = 1;
    cfg.delivery.retry_max_secs = 2;
    let issue = store
        .issue(issue_id)
        .await?
        .ok_or_else(|| format!("issue {issue_id} not found"))?;
    let rep = Sender::new(store.clone(), cfg)?.send_issue(&issue).await?;
    println!("{}", serde_json::to_string(&rep)?);
    store.close().await;
    Ok(())
}

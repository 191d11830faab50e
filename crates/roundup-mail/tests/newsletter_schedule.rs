//! The scheduler against a real loopback SMTP server (both backends): a list goes out when
//! its cron time comes, once per edition; a relay outage leaves the issue queued and a later
//! tick delivers it; while another process holds the scheduler lock, due lists wait.

mod newsletter_support;

use chrono::{DateTime, TimeZone, Utc};
use newsletter_support::{pg_db, sqlite_db, TestDb};
use roundup_mail::newsletter::schedule::{Scheduler, SCHEDULER_LOCK};
use roundup_mail::newsletter::sink::{Sink, SinkOptions};
use roundup_mail::newsletter::NewsletterConfig;
use roundup_store::*;

fn config(port: u16) -> NewsletterConfig {
    let mut c = NewsletterConfig {
        base_url: "https://news.example.org".into(),
        from: "Roundup News <news@example.org>".into(),
        secret: "0123456789abcdef-schedule-test-secret".into(),
        ..Default::default()
    };
    c.smtp.host = "127.0.0.1".into();
    c.smtp.port = Some(port);
    c.smtp.timeout_secs = 5;
    c.delivery.rate_per_sec = 0.0;
    c.delivery.max_connection_failures = 2;
    c.delivery.retry_base_secs = 1;
    // Only the briefing, every day at 07:00 in Paris (06:00 UTC in winter).
    c.lists.retain(|l| l.id == "briefing");
    c.lists[0].timezone = "Europe/Paris".into();
    c
}

fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap()
}

async fn publish(s: &Store, date: &str) {
    s.publish_edition(
        "briefing",
        date,
        &format!("Morning briefing — {date}"),
        &serde_json::json!({"title": format!("Morning briefing — {date}"), "items": []}),
    )
    .await
    .unwrap();
}

async fn suite(db: TestDb) {
    let s = db.store.clone();
    for e in ["a@example.org", "b@example.org", "c@example.org"] {
        let (row, _) = s
            .insert_subscriber(e, SubscriberState::Confirmed, None, 1)
            .await
            .unwrap();
        s.add_subscriptions(row.id, &["briefing"], 1).await.unwrap();
    }
    // A port with nothing listening yet: the relay is down on the first morning.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // A sign-up that was never confirmed, lapsing at 05:00 UTC on the 1st.
    s.insert_subscriber(
        "never@example.org",
        SubscriberState::Pending,
        Some(at(1, 5, 0).timestamp()),
        1,
    )
    .await
    .unwrap();
    let sched = Scheduler::new(s.clone(), config(port)).unwrap();
    publish(&s, "2026-12-01").await;

    // 05:30 UTC = 06:30 Paris: not yet.
    let r = sched.tick(at(1, 5, 30)).await.unwrap();
    assert!(r.due.is_empty() && r.sends.is_empty(), "{r:?}");
    assert_eq!(r.expired_pending, 1);
    assert!(s
        .subscriber_by_email("never@example.org")
        .await
        .unwrap()
        .is_none());
    // 06:00:30 UTC: due; the relay is down, so nothing is sent and nobody is failed.
    let r = sched.tick(at(1, 6, 1)).await.unwrap();
    assert_eq!(r.due.len(), 1, "{r:?}");
    assert_eq!(
        (r.sent(), r.sends[0].retried, r.sends[0].remaining),
        (0, 3, 3),
        "{r:?}"
    );
    let issue = s.latest_issue("briefing").await.unwrap().unwrap();
    let c = s.ledger_counts(issue.id).await.unwrap();
    assert_eq!((c.queued, c.failed, c.sent), (3, 0, 0));

    // The relay comes back: the next tick (not due again) resumes the open issue.
    let sink = Sink::start_with(SinkOptions {
        keep_bodies: true,
        port,
        ..Default::default()
    })
    .await
    .unwrap();
    // (Connection failures are retried after `retry_base_secs`, real time.)
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = sched.tick(at(1, 6, 2)).await.unwrap();
    assert!(r.due.is_empty(), "already decided this morning: {r:?}");
    assert_eq!(r.sent(), 3, "{r:?}");
    assert_eq!(sink.count(), 3);
    let r = sched.tick(at(1, 6, 3)).await.unwrap();
    assert_eq!((r.due.len(), r.sent()), (0, 0));

    // Next morning without a new edition: due, but that edition already went out.
    let r = sched.tick(at(2, 6, 0)).await.unwrap();
    assert_eq!(r.due.len(), 1);
    assert_eq!(sink.count(), 3, "no second copy of the same edition");

    // A new edition; another process holds the scheduler lock at 06:00 on the 3rd: this one
    // waits, then decides once the lock is free.
    publish(&s, "2026-12-03").await;
    assert!(s
        .try_lock(SCHEDULER_LOCK, "other", 120, at(3, 6, 0).timestamp())
        .await
        .unwrap());
    let r = sched.tick(at(3, 6, 0)).await.unwrap();
    assert!(r.lock_busy && r.due.is_empty(), "{r:?}");
    assert_eq!(sink.count(), 3);
    let r = sched.tick(at(3, 6, 5)).await.unwrap();
    assert_eq!(r.due.len(), 1, "{r:?}");
    assert_eq!(r.sent(), 3);
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 6);
    let third = String::from_utf8_lossy(&msgs[5].data).into_owned();
    assert!(third.contains("2026-12-03"), "the new edition went out");
    db.finish().await;
}

#[tokio::test]
async fn scheduler_sqlite() {
    suite(sqlite_db().await).await;
}

#[tokio::test]
async fn scheduler_postgres() {
    suite(pg_db().await).await;
}

//! Inbound mail applied to the subscribers (both backends): hard bounce → suppressed, soft
//! bounces counted then suppressed when repeated (an auto-reply in between resets them),
//! complaint → unsubscribed, mailto unsubscribe request with the token of a real delivered
//! newsletter → unsubscribed, forged request → nothing; every message applied once.

mod newsletter_support;

use chrono::{Duration, TimeZone, Utc};
use mail_parser::MessageParser;
use newsletter_support::{pg_db, sqlite_db, TestDb};
use roundup_mail::newsletter::deliver::{prepare_issue, Sender};
use roundup_mail::newsletter::inbound::{Effect, Inbound};
use roundup_mail::newsletter::sink::Sink;
use roundup_mail::newsletter::NewsletterConfig;
use roundup_store::*;

const SECRET: &str = "0123456789abcdef-inbound-test-secret";

fn config(port: u16) -> NewsletterConfig {
    let mut c = NewsletterConfig {
        base_url: "https://news.example.org".into(),
        from: "Roundup News <news@example.org>".into(),
        unsubscribe_mailto: "unsubscribe@example.org".into(),
        secret: SECRET.into(),
        ..Default::default()
    };
    c.smtp.host = "127.0.0.1".into();
    c.smtp.port = Some(port);
    c.delivery.rate_per_sec = 0.0;
    c
}

/// A standard RFC 3464 report for `rcpt` with `status` and `diag`.
fn dsn(rcpt: &str, status: &str, diag: &str, id: &str) -> String {
    let action = if status.starts_with('5') {
        "failed"
    } else {
        "delayed"
    };
    format!(
        "From: MAILER-DAEMON@mx.example.net\r\nTo: news@example.org\r\nSubject: Delivery Status Notification\r\n\
Message-ID: <{id}@mx.example.net>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n\
--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n\
--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n\
Final-Recipient: rfc822; {rcpt}\r\nAction: {action}\r\nStatus: {status}\r\nDiagnostic-Code: smtp; {diag}\r\n\r\n\
--b1\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: news@example.org\r\nTo: {rcpt}\r\nSubject: Morning briefing\r\n\r\n--b1--\r\n"
    )
}

fn arf(rcpt: &str) -> String {
    format!(
        "From: fbl@isp.example\r\nTo: news@example.org\r\nSubject: complaint about message\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=feedback-report; boundary=\"f1\"\r\n\r\n\
--f1\r\nContent-Type: text/plain\r\n\r\nThis is an abuse report.\r\n\r\n\
--f1\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: isp-fbl/1.0\r\nVersion: 1\r\n\
Original-Rcpt-To: {rcpt}\r\n\r\n--f1\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: news@example.org\r\nTo: {rcpt}\r\n\r\n--f1--\r\n"
    )
}

fn auto_reply(from: &str) -> String {
    format!(
        "From: {from}\r\nTo: news@example.org\r\nSubject: Out of office: Morning briefing\r\nAuto-Submitted: auto-replied\r\n\r\nI am away until Monday.\r\n"
    )
}

async fn seed(s: &Store, emails: &[&str]) {
    for e in emails {
        let (row, _) = s
            .insert_subscriber(e, SubscriberState::Confirmed, None, 1)
            .await
            .unwrap();
        s.add_subscriptions(row.id, &["briefing", "good-news"], 1)
            .await
            .unwrap();
    }
}

async fn state(s: &Store, e: &str) -> SubscriberState {
    s.subscriber_by_email(e).await.unwrap().unwrap().state
}

async fn inbound_suite(db: TestDb) {
    let s = db.store.clone();
    seed(
        &s,
        &[
            "hard@example.org",
            "soft@example.org",
            "angry@example.org",
            "leaving@example.org",
        ],
    )
    .await;
    let sink = Sink::start().await.unwrap();
    let cfg = config(sink.port());
    let inb = Inbound::new(s.clone(), cfg.clone()).unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();

    // Hard bounce → suppressed at once; the same message again (even re-saved with LF line
    // ends) records nothing new.
    let hard = dsn("hard@example.org", "5.1.1", "550 5.1.1 user unknown", "h1");
    let r = inb.process_at(hard.as_bytes(), t0).await.unwrap();
    assert_eq!(r.kind, "delivery-status");
    assert!(
        matches!(r.addresses[0].effect, Effect::Suppressed { .. }),
        "{r:?}"
    );
    assert_eq!(
        state(&s, "hard@example.org").await,
        SubscriberState::Suppressed
    );
    let again = inb
        .process_at(hard.replace("\r\n", "\n").as_bytes(), t0)
        .await
        .unwrap();
    assert!(again.duplicate, "{again:?}");
    assert_eq!(
        s.bounce_events("hard@example.org", 0).await.unwrap().len(),
        1
    );

    // Soft bounces: counted; an auto-reply (the mailbox is alive) resets the count; three in
    // a row over more than a week suppress.
    let soft = |n: u32| {
        dsn(
            "soft@example.org",
            "4.2.2",
            "452 4.2.2 mailbox full",
            &format!("s{n}"),
        )
    };
    let mut t = t0;
    for n in 1..=2 {
        let r = inb.process_at(soft(n).as_bytes(), t).await.unwrap();
        assert_eq!(
            r.addresses[0].effect,
            Effect::Counted { soft_count: n },
            "{r:?}"
        );
        t += Duration::days(3);
    }
    let r = inb
        .process_at(auto_reply("soft@example.org").as_bytes(), t)
        .await
        .unwrap();
    assert_eq!(r.kind, "auto-reply");
    assert_eq!(r.addresses[0].effect, Effect::Alive);
    for n in 3..=5 {
        t += Duration::days(4);
        let r = inb.process_at(soft(n).as_bytes(), t).await.unwrap();
        if n < 5 {
            assert_eq!(r.addresses[0].effect, Effect::Counted { soft_count: n - 2 });
            assert_eq!(
                state(&s, "soft@example.org").await,
                SubscriberState::Confirmed
            );
        } else {
            assert!(
                matches!(r.addresses[0].effect, Effect::Suppressed { .. }),
                "{r:?}"
            );
        }
    }
    assert_eq!(
        state(&s, "soft@example.org").await,
        SubscriberState::Suppressed
    );

    // Complaint → unsubscribed from every list.
    let r = inb
        .process_at(arf("angry@example.org").as_bytes(), t0)
        .await
        .unwrap();
    assert_eq!(r.kind, "complaint");
    assert_eq!(r.addresses[0].effect, Effect::Unsubscribed);
    let angry = s
        .subscriber_by_email("angry@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(angry.state, SubscriberState::Unsubscribed);
    assert!(s.subscriptions_of(angry.id).await.unwrap().is_empty());

    // Unknown addresses change nothing.
    let r = inb
        .process_at(
            dsn("stranger@example.org", "5.1.1", "550 no", "x1").as_bytes(),
            t0,
        )
        .await
        .unwrap();
    assert_eq!(r.addresses[0].effect, Effect::UnknownAddress);

    // Mailto unsubscribe: send a real issue, take leaving@'s List-Unsubscribe mailto link and
    // answer it the way a mail client does.
    s.publish_edition(
        "briefing",
        "2026-03-02",
        "Morning briefing — 2026-03-02",
        &serde_json::json!({"title": "Morning briefing — 2026-03-02", "items": []}),
    )
    .await
    .unwrap();
    let issue = prepare_issue(&s, &cfg, "briefing").await.unwrap().unwrap();
    Sender::new(s.clone(), cfg.clone())
        .unwrap()
        .send_issue(&issue)
        .await
        .unwrap();
    let mail = sink
        .messages()
        .into_iter()
        .find(|m| m.rcpt_to == ["leaving@example.org"])
        .expect("leaving@ got the issue");
    let parsed = MessageParser::default().parse(&mail.data).unwrap();
    let lu = parsed.header_raw("List-Unsubscribe").unwrap().to_string();
    let mailto = lu
        .split(['<', '>'])
        .find(|p| p.starts_with("mailto:"))
        .expect("mailto link");
    let (addr, query) = mailto["mailto:".len()..].split_once('?').unwrap();
    assert_eq!(addr, "unsubscribe@example.org");
    let subject = query.strip_prefix("subject=").unwrap().replace("%20", " ");
    // A forged request (someone else's address, a made-up token) does nothing.
    let forged = format!(
        "From: leaving@example.org\r\nTo: {addr}\r\nSubject: unsubscribe AAAAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBB\r\n\r\n\r\n"
    );
    let r = inb.process_at(forged.as_bytes(), Utc::now()).await.unwrap();
    assert_eq!(r.kind, "unsubscribe-request");
    assert!(
        matches!(r.addresses[0].effect, Effect::Ignored { .. }),
        "{r:?}"
    );
    assert_eq!(
        state(&s, "leaving@example.org").await,
        SubscriberState::Confirmed
    );
    let request = format!(
        "From: Leaving <leaving@example.org>\r\nTo: {addr}\r\nSubject: {subject}\r\n\r\n\r\n"
    );
    let r = inb
        .process_at(request.as_bytes(), Utc::now())
        .await
        .unwrap();
    assert_eq!(r.addresses[0].effect, Effect::Unsubscribed, "{r:?}");
    assert_eq!(r.addresses[0].address, "leaving@example.org");
    let leaving = s
        .subscriber_by_email("leaving@example.org")
        .await
        .unwrap()
        .unwrap();
    // The link is per list: the briefing is gone, good-news stays.
    assert_eq!(
        s.subscriptions_of(leaving.id).await.unwrap(),
        vec!["good-news"]
    );
    db.finish().await;
}

#[tokio::test]
async fn inbound_sqlite() {
    inbound_suite(sqlite_db().await).await;
}

#[tokio::test]
async fn inbound_postgres() {
    inbound_suite(pg_db().await).await;
}

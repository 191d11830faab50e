//! Double opt-in against the loopback SMTP sink, on SQLite and PostgreSQL: no enumeration,
//! signed expiring confirmation links, no downgrade, expiry, rate limits, IDN, one-click
//! unsubscribe and list changes.

mod newsletter_support;

use chrono::{Duration, TimeZone, Utc};
use mail_parser::MessageParser;
use newsletter_support::both;
use roundup_mail::newsletter::optin::{Optin, OptinError};
use roundup_mail::newsletter::render;
use roundup_mail::newsletter::sink::Sink;
use roundup_mail::newsletter::token::{Signer, TokenError};
use roundup_mail::newsletter::NewsletterConfig;
use roundup_store::*;

const SECRET: &str = "0123456789abcdef-optin-test";

fn config(port: u16) -> NewsletterConfig {
    let mut c = NewsletterConfig {
        base_url: "https://news.example.org".into(),
        from: "Roundup <news@example.org>".into(),
        secret: SECRET.into(),
        ..Default::default()
    };
    c.smtp.host = "127.0.0.1".into();
    c.smtp.port = Some(port);
    c.optin.per_ip_max = 5;
    c.optin.per_address_max = 2;
    c
}

fn confirm_token(sink: &Sink, i: usize) -> String {
    let m = &sink.messages()[i];
    let p = MessageParser::default().parse(&m.data).unwrap();
    let text = p.body_text(0).unwrap().to_string();
    let url = text
        .split_whitespace()
        .find(|w| w.starts_with("https://news.example.org/confirm?token="))
        .expect("confirmation link")
        .to_string();
    url.split("token=").nth(1).unwrap().to_string()
}

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap()
}

#[tokio::test]
async fn signup_confirm_no_enumeration_no_downgrade() {
    both(|s| async move {
        let sink = Sink::start().await.unwrap();
        let o = Optin::new(s.clone(), config(sink.port())).unwrap();
        let now = t0();
        // New address: same Ok as everyone, a confirmation mail.
        o.signup_at(" Ana@Example.org ", &["briefing"], None, now)
            .await
            .unwrap();
        assert_eq!(sink.count(), 1);
        assert_eq!(sink.messages()[0].rcpt_to, vec!["ana@example.org"]);
        let sub = s
            .subscriber_by_email("ana@example.org")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(sub.state, SubscriberState::Pending);
        assert_eq!(s.count_confirmed("briefing").await.unwrap(), 0);
        let tok = confirm_token(&sink, 0);
        // Confirm.
        let r = o
            .confirm_at(&tok, now + Duration::minutes(5))
            .await
            .unwrap();
        assert_eq!(r.state, SubscriberState::Confirmed);
        assert_eq!(r.lists, vec!["briefing"]);
        // Confirming twice is harmless.
        o.confirm_at(&tok, now + Duration::minutes(6))
            .await
            .unwrap();
        // Signing up again for the same list: same answer, no mail, still confirmed.
        o.signup_at(
            "ana@example.org",
            &["briefing"],
            None,
            now + Duration::hours(1),
        )
        .await
        .unwrap();
        assert_eq!(sink.count(), 1);
        let after = s.subscriber(sub.id).await.unwrap().unwrap();
        assert_eq!(after.state, SubscriberState::Confirmed, "never downgraded");
        // Asking for a new list: confirmation for that list only; the reader stays confirmed
        // and keeps receiving the first list meanwhile.
        o.signup_at(
            "ana@example.org",
            &["good-news"],
            None,
            now + Duration::hours(1),
        )
        .await
        .unwrap();
        assert_eq!(sink.count(), 2);
        assert_eq!(
            s.subscriber(sub.id).await.unwrap().unwrap().state,
            SubscriberState::Confirmed
        );
        assert_eq!(s.subscriptions_of(sub.id).await.unwrap(), vec!["briefing"]);
        let r = o
            .confirm_at(&confirm_token(&sink, 1), now + Duration::hours(2))
            .await
            .unwrap();
        assert_eq!(r.lists, vec!["briefing", "good-news"]);
        // Suppressed address: same answer, no mail.
        let (x, _) = s
            .insert_subscriber("bounced@example.org", SubscriberState::Suppressed, None, 1)
            .await
            .unwrap();
        o.signup_at("bounced@example.org", &["briefing"], None, now)
            .await
            .unwrap();
        assert_eq!(sink.count(), 2);
        assert_eq!(
            s.subscriber(x.id).await.unwrap().unwrap().state,
            SubscriberState::Suppressed
        );
        // Bad input is the only visible difference.
        for bad in ["not-an-address", "a@b", "x@[127.0.0.1]"] {
            assert!(matches!(
                o.signup_at(bad, &["briefing"], None, now).await,
                Err(OptinError::Invalid(_))
            ));
        }
        assert!(matches!(
            o.signup_at("z@example.org", &["no-such-list"], None, now)
                .await,
            Err(OptinError::Invalid(_))
        ));
        assert!(matches!(
            o.signup_at("z@example.org", &[], None, now).await,
            Err(OptinError::Invalid(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn tokens_expire_pending_lapses_and_links_are_checked() {
    both(|s| async move {
        let sink = Sink::start().await.unwrap();
        let o = Optin::new(s.clone(), config(sink.port())).unwrap();
        let now = t0();
        o.signup_at("late@example.org", &["briefing"], None, now)
            .await
            .unwrap();
        let tok = confirm_token(&sink, 0);
        // 48 h later the link has expired.
        assert!(matches!(
            o.confirm_at(&tok, now + Duration::hours(49)).await,
            Err(OptinError::Token(TokenError::Expired { .. }))
        ));
        // A tampered token is refused.
        let mut bad = tok.clone();
        bad.insert(3, 'x');
        assert!(matches!(
            o.confirm_at(&bad, now).await,
            Err(OptinError::Token(_))
        ));
        // An unsubscribe token is not a confirmation.
        let cfg = config(sink.port());
        let signer = Signer::new(SECRET).unwrap();
        let sub = s
            .subscriber_by_email("late@example.org")
            .await
            .unwrap()
            .unwrap();
        let links = render::links(&cfg, &signer, sub.id, "briefing", now).unwrap();
        assert!(matches!(
            o.confirm_at(&links.unsubscribe_token, now).await,
            Err(OptinError::Token(TokenError::WrongPurpose { .. }))
        ));
        // The pending row lapses: the next sign-up after expiry deletes it and starts over.
        o.signup_at(
            "other@example.org",
            &["briefing"],
            None,
            now + Duration::hours(49),
        )
        .await
        .unwrap();
        let again = s.subscriber_by_email("late@example.org").await.unwrap();
        assert!(again.is_none(), "expired pending sign-up deleted");
        // Its old link, still unexpired at 47 h, now points nowhere.
        assert!(matches!(
            o.confirm_at(&tok, now + Duration::hours(47)).await,
            Err(OptinError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn rate_limits_per_ip_and_per_address() {
    both(|s| async move {
        let sink = Sink::start().await.unwrap();
        let o = Optin::new(s.clone(), config(sink.port())).unwrap();
        let now = t0();
        let ip: std::net::IpAddr = "203.0.113.7".parse().unwrap();
        for i in 0..5 {
            o.signup_at(&format!("u{i}@example.org"), &["briefing"], Some(ip), now)
                .await
                .unwrap();
        }
        assert!(matches!(
            o.signup_at("u9@example.org", &["briefing"], Some(ip), now)
                .await,
            Err(OptinError::RateLimited(_))
        ));
        let other: std::net::IpAddr = "2001:db8::1".parse().unwrap();
        o.signup_at("u9@example.org", &["briefing"], Some(other), now)
            .await
            .unwrap();
        assert_eq!(sink.count(), 6);
        // Per address: 2 confirmation mails per day, the rest silently dropped.
        for _ in 0..4 {
            o.signup_at("spam@example.org", &["briefing"], None, now)
                .await
                .unwrap();
        }
        let to_spam = sink
            .messages()
            .iter()
            .filter(|m| m.rcpt_to[0] == "spam@example.org")
            .count();
        assert_eq!(to_spam, 2);
    })
    .await;
}

#[tokio::test]
async fn idn_unsubscribe_and_change_lists() {
    both(|s| async move {
        let sink = Sink::start().await.unwrap();
        let cfg = config(sink.port());
        let o = Optin::new(s.clone(), cfg.clone()).unwrap();
        let now = t0();
        o.signup_at(
            "Leser@Bücher.Example",
            &["briefing", "ten-things"],
            None,
            now,
        )
        .await
        .unwrap();
        assert_eq!(
            sink.messages()[0].rcpt_to,
            vec!["leser@xn--bcher-kva.example"]
        );
        let r = o.confirm_at(&confirm_token(&sink, 0), now).await.unwrap();
        assert_eq!(r.email, "leser@xn--bcher-kva.example");
        assert_eq!(r.lists, vec!["briefing", "ten-things"]);
        let signer = Signer::new(SECRET).unwrap();
        let l1 = render::links(&cfg, &signer, r.subscriber_id, "briefing", now).unwrap();
        let r2 = o.unsubscribe_at(&l1.unsubscribe_token, now).await.unwrap();
        assert_eq!(r2.lists, vec!["ten-things"]);
        assert_eq!(r2.state, SubscriberState::Confirmed);
        // One-click is idempotent.
        o.unsubscribe_at(&l1.unsubscribe_token, now).await.unwrap();
        let l2 = render::links(&cfg, &signer, r.subscriber_id, "ten-things", now).unwrap();
        let r3 = o.unsubscribe_at(&l2.unsubscribe_token, now).await.unwrap();
        assert!(r3.lists.is_empty());
        assert_eq!(r3.state, SubscriberState::Unsubscribed);
        // Preferences: choose lists again (the link was mailed to them).
        let prefs = l2.preferences.split("token=").nth(1).unwrap().to_string();
        let r4 = o
            .change_lists_at(&prefs, &["good-news"], now)
            .await
            .unwrap();
        assert_eq!(r4.lists, vec!["good-news"]);
        assert_eq!(r4.state, SubscriberState::Confirmed);
        assert!(matches!(
            o.change_lists_at(&prefs, &["bogus"], now).await,
            Err(OptinError::Invalid(_))
        ));
        let r5 = o.change_lists_at(&prefs, &[], now).await.unwrap();
        assert_eq!(r5.state, SubscriberState::Unsubscribed);
        // An unsubscribed reader signing up again must confirm again.
        o.signup_at("leser@bücher.example", &["briefing"], None, now)
            .await
            .unwrap();
        assert_eq!(
            s.subscriber(r.subscriber_id).await.unwrap().unwrap().state,
            SubscriberState::Unsubscribed
        );
        let r6 = o.confirm_at(&confirm_token(&sink, 1), now).await.unwrap();
        assert_eq!(r6.state, SubscriberState::Confirmed);
    })
    .await;
}

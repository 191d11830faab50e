//! The newsletter tables of the store (subscribers, subscriptions, issues, send ledger), on
//! SQLite (a temp file) and PostgreSQL (a fresh schema at `ROUNDUP_TEST_PG`, dropped after).

mod newsletter_support;

use newsletter_support::both;
use roundup_store::*;

#[tokio::test]
async fn subscribers_unique_states_and_expiry() {
    both(|s| async move {
        let (a, created) = s
            .insert_subscriber(
                "ana@example.org",
                SubscriberState::Pending,
                Some(1_000),
                100,
            )
            .await
            .unwrap();
        assert!(created);
        assert_eq!(a.state, SubscriberState::Pending);
        assert_eq!(a.pending_expires, Some(1_000));
        let (again, created) = s
            .insert_subscriber("ana@example.org", SubscriberState::Confirmed, None, 200)
            .await
            .unwrap();
        assert!(!created, "the address is unique");
        assert_eq!(again, a, "an existing row is returned unchanged");

        s.set_subscriber_state(a.id, SubscriberState::Confirmed, None, 300)
            .await
            .unwrap();
        let c = s.subscriber(a.id).await.unwrap().unwrap();
        assert_eq!(c.state, SubscriberState::Confirmed);
        assert_eq!(c.confirmed_at, Some(300));
        assert_eq!(c.pending_expires, None);

        let (b, _) = s
            .insert_subscriber("bo@example.org", SubscriberState::Pending, Some(500), 100)
            .await
            .unwrap();
        assert_eq!(s.expire_pending_subscribers(400).await.unwrap(), 0);
        assert_eq!(s.expire_pending_subscribers(501).await.unwrap(), 1);
        assert!(s.subscriber(b.id).await.unwrap().is_none());
        assert!(
            s.subscriber(a.id).await.unwrap().is_some(),
            "confirmed rows never expire"
        );

        assert!(s.suppress_email("ana@example.org", 600).await.unwrap());
        assert!(!s.suppress_email("nobody@example.org", 600).await.unwrap());
        assert_eq!(
            s.subscriber_by_email("ana@example.org")
                .await
                .unwrap()
                .unwrap()
                .state,
            SubscriberState::Suppressed
        );
        assert!(matches!(
            s.set_subscriber_state(9_999, SubscriberState::Confirmed, None, 1)
                .await,
            Err(StoreError::NotFound(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn subscriptions_add_set_remove() {
    both(|s| async move {
        let (a, _) = s
            .insert_subscriber("a@example.org", SubscriberState::Confirmed, None, 1)
            .await
            .unwrap();
        s.add_subscriptions(a.id, &["briefing", "good-news"], 1)
            .await
            .unwrap();
        s.add_subscriptions(a.id, &["briefing"], 2).await.unwrap();
        assert_eq!(
            s.subscriptions_of(a.id).await.unwrap(),
            vec!["briefing", "good-news"]
        );
        s.set_subscriptions(a.id, &["ten-things"], 3).await.unwrap();
        assert_eq!(s.subscriptions_of(a.id).await.unwrap(), vec!["ten-things"]);
        assert!(s.remove_subscription(a.id, "ten-things").await.unwrap());
        assert!(!s.remove_subscription(a.id, "ten-things").await.unwrap());
        assert!(s.subscriptions_of(a.id).await.unwrap().is_empty());
        s.add_subscriptions(a.id, &["briefing"], 4).await.unwrap();
        let all = s.all_subscribers().await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].1, vec!["briefing"]);
        assert_eq!(s.count_confirmed("briefing").await.unwrap(), 1);
        assert_eq!(s.count_confirmed("good-news").await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn rate_events_window() {
    both(|s| async move {
        for i in 0..3 {
            assert!(s.rate_event("ip:1.2.3.4", 3, 60, 100 + i).await.unwrap());
        }
        assert!(!s.rate_event("ip:1.2.3.4", 3, 60, 110).await.unwrap());
        assert!(s.rate_event("ip:5.6.7.8", 3, 60, 110).await.unwrap());
        // The first event (t=100) leaves the window at t=160.
        assert!(s.rate_event("ip:1.2.3.4", 3, 60, 160).await.unwrap());
        assert!(!s.rate_event("ip:1.2.3.4", 3, 60, 160).await.unwrap());
        assert!(s.rate_event("ip:1.2.3.4", 3, 60, 161).await.unwrap());
        assert!(!s.rate_event("ip:1.2.3.4", 3, 60, 161).await.unwrap());
    })
    .await;
}

async fn seed(s: &Store, n: usize) -> IssueRow {
    for i in 0..n {
        let state = if i % 5 == 4 {
            SubscriberState::Pending
        } else {
            SubscriberState::Confirmed
        };
        let (row, _) = s
            .insert_subscriber(&format!("u{i}@example.org"), state, None, 1)
            .await
            .unwrap();
        s.add_subscriptions(row.id, &["briefing"], 1).await.unwrap();
    }
    // Someone on another list only.
    let (o, _) = s
        .insert_subscriber("other@example.org", SubscriberState::Confirmed, None, 1)
        .await
        .unwrap();
    s.add_subscriptions(o.id, &["good-news"], 1).await.unwrap();
    let (issue, created) = s.create_issue("briefing", 7, "Subject", 10).await.unwrap();
    assert!(created);
    let (same, created) = s.create_issue("briefing", 7, "Other", 11).await.unwrap();
    assert!(!created);
    assert_eq!(same, issue, "one issue per (list, edition)");
    issue
}

#[tokio::test]
async fn ledger_enqueue_claim_finish_retry() {
    both(|s| async move {
        let issue = seed(&s, 10).await;
        assert_eq!(s.enqueue_issue(issue.id, 20).await.unwrap(), 8);
        assert_eq!(
            s.enqueue_issue(issue.id, 21).await.unwrap(),
            0,
            "idempotent"
        );
        let c = s.ledger_counts(issue.id).await.unwrap();
        assert_eq!((c.queued, c.total()), (8, 8));

        let a = s.claim_sends(issue.id, "w1", 5, 100, 100).await.unwrap();
        assert_eq!(a.len(), 5);
        assert!(a
            .iter()
            .all(|r| r.state == SendState::Sending && r.attempts == 1));
        assert!(a.iter().all(|r| r.email.ends_with("@example.org")));
        let b = s.claim_sends(issue.id, "w2", 5, 100, 100).await.unwrap();
        assert_eq!(b.len(), 3, "claimed rows are not handed out twice");
        assert!(s
            .claim_sends(issue.id, "w3", 5, 30, 100)
            .await
            .unwrap()
            .is_empty());

        s.mark_sent(a[0].id, 101).await.unwrap();
        s.mark_send_failed(a[1].id, "550 no such user", 101)
            .await
            .unwrap();
        s.mark_send_suppressed(a[2].id, 101).await.unwrap();
        assert_eq!(
            s.retry_send(a[3].id, "451 try later", 200, 3, 101)
                .await
                .unwrap(),
            SendState::Queued
        );
        // Not due before 200.
        assert!(s
            .claim_sends(issue.id, "w3", 5, 30, 150)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(
            s.next_send_due(issue.id).await.unwrap(),
            Some(200),
            "the retry is due at 200, leases end at 200"
        );

        // w1 heartbeats its last row; w2 "dies": its leases expire at 200.
        assert_eq!(s.extend_send_leases("w1", 300, 120).await.unwrap(), 1);
        let again = s.claim_sends(issue.id, "w3", 10, 30, 201).await.unwrap();
        let mut got: Vec<i64> = again.iter().map(|r| r.id).collect();
        got.sort();
        let mut want: Vec<i64> = b.iter().map(|r| r.id).collect();
        want.push(a[3].id);
        want.sort();
        assert_eq!(
            got, want,
            "expired leases and due retries come back, the heartbeated row does not"
        );
        let retried = again.iter().find(|r| r.id == a[3].id).unwrap();
        assert_eq!(retried.attempts, 2);
        assert_eq!(retried.last_error.as_deref(), Some("451 try later"));
        assert_eq!(
            s.retry_send(a[3].id, "451 again", 300, 2, 202)
                .await
                .unwrap(),
            SendState::Failed,
            "attempts exhausted"
        );
        for r in again.iter().filter(|r| r.id != a[3].id) {
            s.mark_sent(r.id, 203).await.unwrap();
        }
        s.mark_sent(a[4].id, 204).await.unwrap();
        let c = s.ledger_counts(issue.id).await.unwrap();
        assert_eq!(
            (c.queued, c.sending, c.sent, c.failed, c.suppressed),
            (0, 0, 5, 2, 1)
        );
        assert_eq!(c.open(), 0);
        assert_eq!(s.next_send_due(issue.id).await.unwrap(), None);
        assert_eq!(s.ledger_rows(issue.id).await.unwrap().len(), 8);
        assert_eq!(s.latest_issue("briefing").await.unwrap().unwrap(), issue);
        assert!(matches!(
            s.mark_sent(99_999, 1).await,
            Err(StoreError::NotFound(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn concurrent_claimers_partition_the_ledger() {
    both(|s| async move {
        let issue = seed(&s, 60).await;
        let n = s.enqueue_issue(issue.id, 1).await.unwrap() as usize;
        let mut tasks = Vec::new();
        for w in 0..4 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = s
                        .claim_sends(issue.id, &format!("w{w}"), 3, 60, 10)
                        .await
                        .unwrap();
                    if got.is_empty() {
                        break;
                    }
                    mine.extend(got.into_iter().map(|r| r.id));
                }
                mine
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let total = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), total, "no row claimed twice");
        assert_eq!(total, n);
    })
    .await;
}

#[tokio::test]
async fn bulk_import_never_downgrades() {
    both(|s| async move {
        let (p, _) = s
            .insert_subscriber("p@example.org", SubscriberState::Pending, Some(99), 1)
            .await
            .unwrap();
        let (u, _) = s
            .insert_subscriber("u@example.org", SubscriberState::Unsubscribed, None, 1)
            .await
            .unwrap();
        let rows = vec![
            (
                "n@example.org".to_string(),
                SubscriberState::Confirmed,
                vec!["briefing".to_string()],
            ),
            (
                "p@example.org".to_string(),
                SubscriberState::Confirmed,
                vec!["briefing".to_string()],
            ),
            (
                "u@example.org".to_string(),
                SubscriberState::Confirmed,
                vec!["good-news".to_string()],
            ),
        ];
        assert_eq!(s.import_subscribers(&rows, 5).await.unwrap(), (1, 2));
        assert_eq!(
            s.import_subscribers(&rows, 6).await.unwrap(),
            (0, 3),
            "idempotent"
        );
        assert_eq!(
            s.subscriber(p.id).await.unwrap().unwrap().state,
            SubscriberState::Confirmed
        );
        assert_eq!(
            s.subscriber(u.id).await.unwrap().unwrap().state,
            SubscriberState::Unsubscribed,
            "an import does not override an unsubscribe"
        );
        assert_eq!(s.count_confirmed("briefing").await.unwrap(), 2);
    })
    .await;
}

//! The store suite: every test runs against SQLite (a temp file) and PostgreSQL (a fresh schema
//! at `ROUNDUP_TEST_PG`, dropped afterwards).

use roundup_model::{FeedEntry, Lean, Section};
use roundup_store::*;
use std::future::Future;

struct TestDb {
    store: Store,
    cleanup: Option<(String, String)>,
    _dir: Option<std::path::PathBuf>,
}

fn pg_url() -> String {
    std::env::var("ROUNDUP_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn unique() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

async fn sqlite_db() -> TestDb {
    let dir = std::env::temp_dir().join(format!("roundup-store-{}", unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    TestDb {
        store: Store::connect(&url).await.unwrap(),
        cleanup: None,
        _dir: Some(dir),
    }
}

async fn pg_db() -> TestDb {
    let schema = format!("rt_{}", unique());
    let store = Store::connect_in_schema(&pg_url(), Some(&schema))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL at {} is required for the store suite: {e}",
                pg_url()
            )
        });
    TestDb {
        store,
        cleanup: Some((pg_url(), schema)),
        _dir: None,
    }
}

impl TestDb {
    async fn finish(self) {
        self.store.close().await;
        if let Some((url, schema)) = self.cleanup {
            let s = Store::connect_in_schema(&url, Some(&format!("{schema}_x")))
                .await
                .unwrap();
            s.exec_admin(&format!("DROP SCHEMA {schema} CASCADE"))
                .await
                .unwrap();
            s.exec_admin(&format!("DROP SCHEMA {schema}_x CASCADE"))
                .await
                .unwrap();
            s.close().await;
        }
        if let Some(d) = self._dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

async fn both<F, Fut>(f: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let db = sqlite_db().await;
    f(db.store.clone()).await;
    db.finish().await;
    let db = pg_db().await;
    f(db.store.clone()).await;
    db.finish().await;
}

fn outlet(name: &str, url: &str) -> NewOutlet {
    NewOutlet {
        name: name.into(),
        homepage: Some("https://example.org/".into()),
        feed_url: url.into(),
        lean: Some(Lean::CenterLeft),
        region: Some("us".into()),
        language: Some("en".into()),
        section_hint: Some(Section::World),
    }
}

fn entry(guid: Option<&str>, url: &str, title: &str) -> FeedEntry {
    FeedEntry {
        guid: guid.map(String::from),
        url: Some(url.into()),
        title: title.into(),
        summary: "s".into(),
        authors: vec!["Ana Ruiz".into()],
        categories: vec!["World".into(), "Politics".into()],
        published: chrono::DateTime::from_timestamp(1_764_500_000, 0),
        ..Default::default()
    }
}

#[tokio::test]
async fn migrations_apply_once_and_record_version() {
    both(|s| async move {
        assert_eq!(s.schema_version().await.unwrap(), 4);
    })
    .await;
    // Re-opening an existing SQLite file does not re-apply migrations.
    let dir = std::env::temp_dir().join(format!("roundup-reopen-{}", unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    let s = Store::connect(&url).await.unwrap();
    s.upsert_outlet(&outlet("A", "https://a.example/feed"))
        .await
        .unwrap();
    s.close().await;
    let s = Store::connect(&url).await.unwrap();
    assert_eq!(s.list_outlets().await.unwrap().len(), 1);
    assert_eq!(s.schema_version().await.unwrap(), 4);
    s.close().await;
}

#[tokio::test]
async fn outlets_upsert_list_pause_and_tag() {
    both(|s| async move {
        let a = s
            .upsert_outlet(&outlet("Alpha", "https://a.example/feed"))
            .await
            .unwrap();
        let b = s
            .upsert_outlet(&outlet("Beta", "https://b.example/feed"))
            .await
            .unwrap();
        assert_ne!(a, b);
        // Same feed URL: same row, updated name.
        let mut again = outlet("Alpha Daily", "https://a.example/feed");
        again.lean = None; // None keeps the stored value
        assert_eq!(s.upsert_outlet(&again).await.unwrap(), a);
        let list = s.list_outlets().await.unwrap();
        assert_eq!(list.len(), 2);
        let alpha = list.iter().find(|o| o.id == a).unwrap();
        assert_eq!(alpha.name, "Alpha Daily");
        assert_eq!(alpha.lean, Some(Lean::CenterLeft));
        assert_eq!(alpha.section_hint, Some(Section::World));
        assert!(!alpha.paused);
        s.set_paused(a, true).await.unwrap();
        s.set_outlet_tags(b, Some(Lean::Right), Some("uk"))
            .await
            .unwrap();
        assert!(s.outlet(a).await.unwrap().paused);
        let beta = s.outlet(b).await.unwrap();
        assert_eq!(
            (beta.lean, beta.region.as_deref()),
            (Some(Lean::Right), Some("uk"))
        );
        assert!(matches!(
            s.set_paused(9999, true).await,
            Err(StoreError::NotFound(_))
        ));
        // Paused outlets are never due.
        let due = s.due_feeds(i64::MAX / 2, 100).await.unwrap();
        assert_eq!(due.iter().map(|d| d.outlet_id).collect::<Vec<_>>(), vec![b]);
    })
    .await;
}

#[tokio::test]
async fn fetch_health_is_recorded_and_schedules_next_check() {
    both(|s| async move {
        let id = s
            .upsert_outlet(&outlet("A", "https://a.example/feed"))
            .await
            .unwrap();
        let now = 1_800_000_000;
        assert_eq!(s.due_feeds(now, 10).await.unwrap().len(), 1);
        s.record_fetch(
            id,
            &FetchRecord::Failure {
                status: "http-503".into(),
                error: "server said 503".into(),
                retry_in_secs: 120,
            },
            now,
        )
        .await
        .unwrap();
        s.record_fetch(
            id,
            &FetchRecord::Failure {
                status: "timeout".into(),
                error: "timed out after 30s".into(),
                retry_in_secs: 240,
            },
            now + 120,
        )
        .await
        .unwrap();
        let st = s.outlet(id).await.unwrap().state;
        assert_eq!(st.consecutive_failures, 2);
        assert_eq!(st.last_status.as_deref(), Some("timeout"));
        assert_eq!(st.last_error.as_deref(), Some("timed out after 30s"));
        assert_eq!(st.next_check, now + 360);
        assert!(s.due_feeds(now + 359, 10).await.unwrap().is_empty());
        s.record_fetch(
            id,
            &FetchRecord::Success {
                status: "ok".into(),
                etag: Some("\"v1\"".into()),
                last_modified: Some("Tue, 01 Dec 2026 08:00:00 GMT".into()),
                poll_interval_secs: 900,
            },
            now + 400,
        )
        .await
        .unwrap();
        // A 304 without validators keeps the stored ones.
        s.record_fetch(
            id,
            &FetchRecord::Success {
                status: "not-modified".into(),
                etag: None,
                last_modified: None,
                poll_interval_secs: 1800,
            },
            now + 1300,
        )
        .await
        .unwrap();
        let st = s.outlet(id).await.unwrap().state;
        assert_eq!(st.consecutive_failures, 0);
        assert_eq!(st.last_error, None);
        assert_eq!(st.etag.as_deref(), Some("\"v1\""));
        assert_eq!(st.last_success, Some(now + 1300));
        assert_eq!(st.next_check, now + 1300 + 1800);
        let due = s.due_feeds(now + 3100, 10).await.unwrap();
        assert_eq!(due[0].etag.as_deref(), Some("\"v1\""));
        assert_eq!(s.next_due_at().await.unwrap(), Some(now + 3100));
    })
    .await;
}

#[tokio::test]
async fn entries_dedup_by_guid_then_url_and_round_trip() {
    both(|s| async move {
        let a = s
            .upsert_outlet(&outlet("A", "https://a.example/feed"))
            .await
            .unwrap();
        let b = s
            .upsert_outlet(&outlet("B", "https://b.example/feed"))
            .await
            .unwrap();
        let batch = vec![
            entry(Some("g1"), "https://a.example/1", "One"),
            entry(Some("g2"), "https://a.example/2", "Two"),
            entry(None, "https://a.example/3", "Three"),
            entry(
                Some("g1"),
                "https://a.example/1-dup-in-same-feed",
                "One again",
            ),
        ];
        let ids = s.insert_entries(a, &batch, 100).await.unwrap();
        assert_eq!(ids.len(), 3);
        // Second poll: same GUIDs (even with changed URL) and same URL without GUID are old.
        let batch2 = vec![
            entry(Some("g1"), "https://a.example/1?changed", "One"),
            entry(None, "https://a.example/3", "Three"),
            entry(Some("g4"), "https://a.example/4", "Four"),
        ];
        let ids2 = s.insert_entries(a, &batch2, 200).await.unwrap();
        assert_eq!(ids2.len(), 1);
        // The same GUID at another outlet is a different entry.
        assert_eq!(
            s.insert_entries(b, &batch[..1], 200).await.unwrap().len(),
            1
        );
        assert_eq!(s.count_entries().await.unwrap(), 5);
        assert_eq!(s.outlet(a).await.unwrap().state.entries_total, 4);
        let e = s.entry(ids2[0]).await.unwrap();
        assert_eq!(e.entry.title, "Four");
        assert_eq!(e.entry.authors, vec!["Ana Ruiz".to_string()]);
        assert_eq!(e.entry.categories.len(), 2);
        assert_eq!(e.entry.published.unwrap().timestamp(), 1_764_500_000);
        assert_eq!(e.fetched_at, 200);
        assert_eq!(s.entries_of_outlet(a).await.unwrap().len(), 4);
    })
    .await;
}

#[tokio::test]
async fn unicode_and_hostile_text_round_trips_unchanged() {
    both(|s| async move {
        let a = s
            .upsert_outlet(&outlet("Ünïcødé «Times»", "https://u.example/feed"))
            .await
            .unwrap();
        let title = "'; DROP TABLE entries; -- <script>alert(1)</script> 💥 \u{0}nul";
        let ids = s
            .insert_entries(a, &[entry(Some("x"), "https://u.example/x", title)], 1)
            .await
            .unwrap();
        let got = s.entry(ids[0]).await.unwrap();
        // PostgreSQL TEXT cannot hold NUL: both backends store the text without it, row kept.
        assert_eq!(got.entry.title, title.replace('\0', ""));
        assert_eq!(s.outlet(a).await.unwrap().name, "Ünïcødé «Times»");
    })
    .await;
}

#[tokio::test]
async fn articles_save_replace_and_read() {
    both(|s| async move {
        let a = s
            .upsert_outlet(&outlet("A", "https://a.example/feed"))
            .await
            .unwrap();
        let ids = s
            .insert_entries(a, &[entry(Some("g"), "https://a.example/g", "G")], 1)
            .await
            .unwrap();
        assert!(s.article(ids[0]).await.unwrap().is_none());
        let mut rec = ArticleRecord {
            status: "failed".into(),
            extractor_version: "1".into(),
            quality: 0.0,
            error: Some("timeout".into()),
            ..Default::default()
        };
        s.save_article(ids[0], &rec, 5).await.unwrap();
        rec.status = "ok".into();
        rec.error = None;
        rec.quality = 0.75;
        rec.article.text = "Para one.\n\nPara two.".into();
        rec.article.authors = vec!["B. Writer".into()];
        s.save_article(ids[0], &rec, 6).await.unwrap();
        let got = s.article(ids[0]).await.unwrap().unwrap();
        assert_eq!(got.status, "ok");
        assert_eq!(got.error, None);
        assert_eq!(got.article.text, "Para one.\n\nPara two.");
        assert_eq!(got.article.authors, vec!["B. Writer".to_string()]);
        assert!((got.quality - 0.75).abs() < 1e-9);
    })
    .await;
}

#[tokio::test]
async fn jobs_claim_complete_retry_and_fail() {
    both(|s| async move {
        let now = 1_000;
        let mut j = NewJob::new("fetch-page", serde_json::json!({"entry": 1}));
        j.run_at = now;
        j.max_attempts = 2;
        j.unique_key = Some("page:1".into());
        let id = s.enqueue(&j).await.unwrap().unwrap();
        assert_eq!(
            s.enqueue(&j).await.unwrap(),
            None,
            "unique key enqueues once"
        );
        let mut later = NewJob::new("fetch-page", serde_json::json!({"entry": 2}));
        later.run_at = now + 100;
        s.enqueue(&later).await.unwrap().unwrap();
        let other = NewJob {
            run_at: now,
            ..NewJob::new("send", serde_json::json!({}))
        };
        s.enqueue(&other).await.unwrap().unwrap();

        let got = s
            .claim_jobs(&["fetch-page"], "w1", 10, 60, now)
            .await
            .unwrap();
        assert_eq!(got.len(), 1, "only the runnable job of the asked kind");
        assert_eq!(got[0].id, id);
        assert_eq!(got[0].payload["entry"], 1);
        assert_eq!(got[0].attempts, 1);
        assert_eq!(got[0].state, JobState::Running);
        assert!(s
            .claim_jobs(&["fetch-page"], "w2", 10, 60, now + 1)
            .await
            .unwrap()
            .is_empty());

        assert_eq!(
            s.fail_job(id, "boom", now + 10).await.unwrap(),
            JobState::Queued
        );
        assert!(s
            .claim_jobs(&["fetch-page"], "w1", 10, 60, now + 5)
            .await
            .unwrap()
            .is_empty());
        let again = s
            .claim_jobs(&["fetch-page"], "w1", 1, 60, now + 10)
            .await
            .unwrap();
        assert_eq!(again[0].attempts, 2);
        assert_eq!(again[0].last_error.as_deref(), Some("boom"));
        assert_eq!(
            s.fail_job(id, "boom twice", now + 20).await.unwrap(),
            JobState::Failed
        );
        assert_eq!(s.job(id).await.unwrap().state, JobState::Failed);

        let sends = s.claim_jobs(&["send"], "w1", 10, 60, now).await.unwrap();
        s.complete_job(sends[0].id).await.unwrap();
        assert_eq!(s.job(sends[0].id).await.unwrap().state, JobState::Done);
        let counts = s.job_counts().await.unwrap();
        assert!(
            counts.contains(&("done".to_string(), 1))
                && counts.contains(&("failed".to_string(), 1))
        );
    })
    .await;
}

#[tokio::test]
async fn crashed_worker_jobs_are_claimable_after_lease_and_release_is_free() {
    both(|s| async move {
        let now = 5_000;
        let id = s
            .enqueue(&NewJob {
                run_at: now,
                ..NewJob::new("k", serde_json::json!(1))
            })
            .await
            .unwrap()
            .unwrap();
        let got = s
            .claim_jobs(&["k"], "dead-worker", 1, 30, now)
            .await
            .unwrap();
        assert_eq!(got.len(), 1);
        // The worker "crashes": nothing is recorded. Before the lease ends nobody gets it…
        assert!(s
            .claim_jobs(&["k"], "w2", 1, 30, now + 29)
            .await
            .unwrap()
            .is_empty());
        // …after it, the job is claimable again and the attempt is counted.
        let got = s.claim_jobs(&["k"], "w2", 1, 30, now + 31).await.unwrap();
        assert_eq!((got[0].id, got[0].attempts), (id, 2));
        assert!(s.extend_lease(id, "w2", 300, now + 40).await.unwrap());
        assert!(!s
            .extend_lease(id, "dead-worker", 300, now + 40)
            .await
            .unwrap());
        assert!(s
            .claim_jobs(&["k"], "w3", 1, 30, now + 100)
            .await
            .unwrap()
            .is_empty());
        // Graceful shutdown: released without using up an attempt.
        s.release_job(id).await.unwrap();
        let got = s.claim_jobs(&["k"], "w3", 1, 30, now + 101).await.unwrap();
        assert_eq!(got[0].attempts, 2);
    })
    .await;
}

#[tokio::test]
async fn concurrent_pg_workers_never_share_a_job() {
    let db = pg_db().await;
    let s = db.store.clone();
    let now = 10_000;
    for i in 0..200 {
        s.enqueue(&NewJob {
            run_at: now,
            ..NewJob::new("k", serde_json::json!(i))
        })
        .await
        .unwrap();
    }
    let mut handles = Vec::new();
    for w in 0..6 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = s
                    .claim_jobs(&["k"], &format!("w{w}"), 7, 60, now)
                    .await
                    .unwrap();
                if got.is_empty() {
                    break;
                }
                for j in got {
                    mine.push(j.id);
                    s.complete_job(j.id).await.unwrap();
                }
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(n, 200, "every job claimed exactly once");
    assert_eq!(all.len(), 200);
    db.finish().await;
}

#[tokio::test]
async fn bad_urls_are_clear_errors() {
    let e = Store::connect("mysql://x").await.unwrap_err();
    assert!(e.to_string().contains("mysql://x"), "{e}");
    let e = Store::connect("postgres://nobody:secret@127.0.0.1:1/db")
        .await
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("127.0.0.1:1") && !msg.contains("secret"),
        "{msg}"
    );
}

fn story(headline: &str, score: f64, t: i64) -> StoryRecord {
    StoryRecord {
        headline: headline.into(),
        section: Some("world".into()),
        first_seen: t,
        last_updated: t,
        article_count: 3,
        outlet_count: 2,
        score,
        digest: serde_json::json!({"facts": ["a"]}),
        ..Default::default()
    }
}

#[tokio::test]
async fn stories_have_stable_slugs_merge_with_redirects_and_editor_flags() {
    both(|s| async move {
        let o = s
            .upsert_outlet(&outlet("A", "https://a.example/feed"))
            .await
            .unwrap();
        let es = s
            .insert_entries(
                o,
                &[
                    entry(Some("1"), "https://a/1", "x"),
                    entry(Some("2"), "https://a/2", "y"),
                ],
                1,
            )
            .await
            .unwrap();
        let a = s
            .save_story(&story("Floods hit Rivertown: 2,000 évacués", 1.0, 100))
            .await
            .unwrap();
        let b = s
            .save_story(&story("Rivertown flooding", 2.0, 200))
            .await
            .unwrap();
        s.assign_entries(a, &es[..1]).await.unwrap();
        s.assign_entries(b, &es[1..]).await.unwrap();
        let sa = s.story(a).await.unwrap().unwrap();
        assert_eq!(sa.slug, format!("floods-hit-rivertown-2-000-evacues-{a}"));
        // Updating keeps the slug.
        let mut upd = story("A new headline", 3.0, 300);
        upd.id = a;
        s.save_story(&upd).await.unwrap();
        let sa2 = s.story(a).await.unwrap().unwrap();
        assert_eq!(
            (sa2.slug.as_str(), sa2.headline.as_str()),
            (sa.slug.as_str(), "A new headline")
        );
        s.set_story_flags(a, Some(true), None).await.unwrap();
        s.merge_stories(a, b).await.unwrap();
        // Old id and old slug lead to the merged story; entries moved; flags carried.
        let via_old = s.story(a).await.unwrap().unwrap();
        assert_eq!(via_old.id, b);
        assert!(via_old.pinned);
        assert_eq!(s.story_by_slug(&sa.slug).await.unwrap().unwrap().id, b);
        assert_eq!(s.story_entry_ids(b).await.unwrap(), es.clone());
        assert_eq!(s.story_of_entry(es[0]).await.unwrap(), Some(b));
        // A chain of merges still resolves.
        let c = s
            .save_story(&story("Bigger story", 1.0, 400))
            .await
            .unwrap();
        s.merge_stories(b, c).await.unwrap();
        assert_eq!(s.resolve_story_id(a).await.unwrap(), Some(c));
        s.rename_story(a, Some("  Editor's headline "))
            .await
            .unwrap();
        let sc = s.story(c).await.unwrap().unwrap();
        assert_eq!(
            (sc.headline.as_str(), sc.auto_headline.as_str()),
            ("Editor's headline", "Bigger story")
        );
        let d = s.save_story(&story("Hidden", 9.0, 500)).await.unwrap();
        s.set_story_flags(d, None, Some(true)).await.unwrap();
        let listed: Vec<i64> = s
            .stories_since(0, false, 10)
            .await
            .unwrap()
            .iter()
            .map(|x| x.id)
            .collect();
        assert_eq!(listed, vec![c], "pinned first, suppressed hidden");
        assert_eq!(s.stories_since(0, true, 10).await.unwrap().len(), 2);
        assert!(s.story(99_999).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn editions_are_snapshots_and_settings_round_trip() {
    both(|s| async move {
        let snap = serde_json::json!({"stories": [{"headline": "A"}]});
        let e1 = s
            .publish_edition("briefing", "2026-12-01", "Morning briefing", &snap)
            .await
            .unwrap();
        let e2 = s
            .publish_edition(
                "briefing",
                "2026-12-01",
                "Morning briefing (update)",
                &serde_json::json!({"stories": []}),
            )
            .await
            .unwrap();
        s.publish_edition("ten-things", "2026-11-30", "10 things", &snap)
            .await
            .unwrap();
        assert_eq!(
            s.edition(e1).await.unwrap().unwrap().snapshot,
            snap,
            "first snapshot unchanged"
        );
        assert_eq!(s.latest_edition("briefing").await.unwrap().unwrap().id, e2);
        assert_eq!(
            s.editions(Some("briefing"), None, 10).await.unwrap().len(),
            2
        );
        assert_eq!(
            s.editions(None, Some("2026-11-30"), 10)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(s.latest_edition("good-news").await.unwrap().is_none());
        assert_eq!(s.setting("k").await.unwrap(), None);
        s.set_setting("k", "v1").await.unwrap();
        s.set_setting("k", "v2").await.unwrap();
        assert_eq!(s.setting("k").await.unwrap().as_deref(), Some("v2"));
    })
    .await;
}

#[tokio::test]
async fn claimed_feeds_are_not_handed_out_twice_until_the_lease_ends() {
    both(|s| async move {
        let a = s
            .upsert_outlet(&outlet("A", "https://a.example/feed"))
            .await
            .unwrap();
        let b = s
            .upsert_outlet(&outlet("B", "https://b.example/feed"))
            .await
            .unwrap();
        let now = roundup_store::now_secs() + 10;
        let first = s.claim_due_feeds(now, 1, 300).await.unwrap();
        assert_eq!(first.len(), 1);
        let second = s.claim_due_feeds(now, 10, 300).await.unwrap();
        assert_eq!(second.len(), 1);
        assert_ne!(first[0].outlet_id, second[0].outlet_id);
        assert!(s
            .claim_due_feeds(now + 299, 10, 300)
            .await
            .unwrap()
            .is_empty());
        // Poller of `a` died: after the lease it is due again.
        let again: Vec<i64> = s
            .claim_due_feeds(now + 301, 10, 300)
            .await
            .unwrap()
            .iter()
            .map(|d| d.outlet_id)
            .collect();
        assert_eq!(again, vec![a, b]);
    })
    .await;
}

#[tokio::test]
async fn window_items_join_outlet_and_article() {
    both(|s| async move {
        let o = s
            .upsert_outlet(&outlet("Harbor", "https://h.example/feed"))
            .await
            .unwrap();
        let mut old = entry(Some("old"), "https://h/old", "Old");
        old.published = chrono::DateTime::from_timestamp(1_000, 0);
        let ids = s
            .insert_entries(o, &[entry(Some("new"), "https://h/new", "New"), old], 5)
            .await
            .unwrap();
        s.save_article(
            ids[0],
            &ArticleRecord {
                status: "ok".into(),
                article: roundup_model::Article {
                    text: "Body".into(),
                    ..Default::default()
                },
                ..Default::default()
            },
            6,
        )
        .await
        .unwrap();
        let w = s.window_items(2_000).await.unwrap();
        assert_eq!(w.len(), 1, "the old entry is outside the window");
        assert_eq!(
            (w[0].outlet_name.as_str(), w[0].lean, w[0].text.as_deref()),
            ("Harbor", Some(Lean::CenterLeft), Some("Body"))
        );
        assert_eq!(s.window_items(0).await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn lease_locks_exclude_expire_and_release_only_their_own() {
    both(|s| async move {
        assert!(s.try_lock("stage", "a", 60, 1000).await.unwrap());
        assert!(
            !s.try_lock("stage", "b", 60, 1010).await.unwrap(),
            "held by a"
        );
        assert!(
            s.try_lock("other", "b", 60, 1010).await.unwrap(),
            "names are separate"
        );
        assert!(
            s.try_lock("stage", "a", 60, 1020).await.unwrap(),
            "a renews"
        );
        assert!(
            !s.try_lock("stage", "b", 60, 1079).await.unwrap(),
            "renewed lease"
        );
        // a crashed: its lease runs out and b takes over; a's late release leaves b's lock.
        assert!(s.try_lock("stage", "b", 60, 1080).await.unwrap());
        assert!(!s.unlock("stage", "a").await.unwrap());
        assert!(!s.try_lock("stage", "a", 60, 1090).await.unwrap());
        assert!(s.unlock("stage", "b").await.unwrap());
        assert!(
            s.try_lock("stage", "a", 60, 1091).await.unwrap(),
            "free after release"
        );
    })
    .await;
}

#[tokio::test]
async fn lease_lock_has_one_winner_among_concurrent_postgres_workers() {
    let db = pg_db().await;
    let mut tasks = Vec::new();
    for w in 0..8 {
        let s = db.store.clone();
        tasks.push(tokio::spawn(async move {
            s.try_lock("race", &format!("w{w}"), 60, 5000)
                .await
                .unwrap()
        }));
    }
    let mut winners = 0;
    for t in tasks {
        winners += t.await.unwrap() as usize;
    }
    assert_eq!(winners, 1);
    db.finish().await;
}

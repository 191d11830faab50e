//! The story stage on both backends: it clusters the window into stories, and it runs once at
//! a time across processes (a second worker finding the lock held skips instead of racing).

use chrono::Utc;
use roundup::pipeline::stories::{StoryStage, STORY_LOCK};
use roundup_model::FeedEntry;
use roundup_store::{NewOutlet, Store};

fn pg_url() -> String {
    std::env::var("ROUNDUP_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

async fn seed(s: &Store) {
    let now = Utc::now();
    for (i, name) in ["Harbor Gazette", "Valley Ledger", "Coast Courier"]
        .iter()
        .enumerate()
    {
        let id = s
            .upsert_outlet(&NewOutlet {
                name: name.to_string(),
                feed_url: format!("https://o{i}.example/feed"),
                ..Default::default()
            })
            .await
            .unwrap();
        let e = FeedEntry {
            guid: Some(format!("g{i}")),
            url: Some(format!("https://o{i}.example/budget")),
            title: format!("Harbor council approves budget for new sea wall ({name})"),
            summary: "The harbor council approved a budget for the new sea wall on Tuesday, \
                      after months of debate over flooding on the waterfront."
                .into(),
            published: Some(now - chrono::Duration::minutes(30 - i as i64)),
            ..Default::default()
        };
        s.insert_entries(id, &[e], now.timestamp()).await.unwrap();
    }
}

async fn suite(s: Store) {
    seed(&s).await;
    let now = Utc::now();
    // Another worker holds the stage: this run skips and writes nothing.
    assert!(s
        .try_lock(STORY_LOCK, "other-worker", 600, now.timestamp())
        .await
        .unwrap());
    let st = StoryStage::default().run(&s, now, false).await.unwrap();
    assert!(st.skipped);
    assert_eq!(st.stories, 0);
    assert!(s.stories_since(0, true, 100).await.unwrap().is_empty());
    // Released: the stage runs, one story with all three outlets' coverage.
    assert!(s.unlock(STORY_LOCK, "other-worker").await.unwrap());
    let st = StoryStage::default().run(&s, now, false).await.unwrap();
    assert!(!st.skipped);
    assert_eq!((st.entries, st.stories), (3, 1), "{st:?}");
    // The stage released its own lock: a later run (of anyone) can take it.
    assert!(s
        .try_lock(STORY_LOCK, "other-worker", 600, now.timestamp())
        .await
        .unwrap());
}

#[tokio::test]
async fn story_stage_runs_once_at_a_time_sqlite() {
    let dir = std::env::temp_dir().join(format!("roundup-stage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let s = Store::connect(&format!("sqlite://{}", dir.join("t.db").display()))
        .await
        .unwrap();
    suite(s.clone()).await;
    s.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn story_stage_runs_once_at_a_time_postgres() {
    let schema = format!("stage_{}", std::process::id());
    let s = Store::connect_in_schema(&pg_url(), Some(&schema))
        .await
        .expect("PostgreSQL (ROUNDUP_TEST_PG) is required");
    suite(s.clone()).await;
    s.exec_admin(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
    s.close().await;
}

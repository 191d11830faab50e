//! Shared support of the newsletter test suites: one store per backend.
#![allow(dead_code)]

use roundup_store::Store;
use std::future::Future;

/// A store plus what to clean up afterwards.
pub struct TestDb {
    /// The store.
    pub store: Store,
    cleanup: Option<(String, String)>,
    dir: Option<std::path::PathBuf>,
    /// The URL the store was opened with (SQLite) or the server URL (PostgreSQL).
    pub url: String,
    /// The PostgreSQL schema, if any.
    pub schema: Option<String>,
}

/// The PostgreSQL server of the suite.
pub fn pg_url() -> String {
    std::env::var("ROUNDUP_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A process-unique token for names.
pub fn unique() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh SQLite store in a temp dir.
pub async fn sqlite_db() -> TestDb {
    let dir = std::env::temp_dir().join(format!("roundup-nl-{}", unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    TestDb {
        store: Store::connect(&url).await.unwrap(),
        cleanup: None,
        dir: Some(dir),
        url,
        schema: None,
    }
}

/// A fresh PostgreSQL schema.
pub async fn pg_db() -> TestDb {
    let schema = format!("nl_{}", unique());
    let store = Store::connect_in_schema(&pg_url(), Some(&schema))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL at {} is required for the newsletter store suite: {e}",
                pg_url()
            )
        });
    TestDb {
        store,
        cleanup: Some((pg_url(), schema.clone())),
        dir: None,
        url: pg_url(),
        schema: Some(schema),
    }
}

impl TestDb {
    /// Closes the store and drops what it created.
    pub async fn finish(self) {
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
        if let Some(d) = self.dir {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// Runs `f` on SQLite, then on PostgreSQL.
pub async fn both<F, Fut>(f: F)
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

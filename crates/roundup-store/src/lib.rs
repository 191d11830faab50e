//! The Store: one API over two real backends, embedded SQLite (the default) and PostgreSQL.
//!
//! Main types: [`Store`] (a connection pool plus the backend it talks to), [`StoreError`], the
//! row types ([`OutletRow`], [`FeedState`], [`DueFeed`], [`EntryRow`], [`Job`]) and the inputs
//! ([`NewOutlet`], [`FetchRecord`], [`ArticleRecord`], [`NewJob`]).
//!
//! Schema changes are append-only numbered migrations per backend under `migrations/`, applied
//! by [`Store::connect`]. SQL is written once with `$1`-style placeholders; for SQLite they are
//! rewritten to its numbered `?1` form. Times are stored as unix seconds (UTC).
//!
//! Work that must survive a crash is a row in `jobs`: [`Store::claim_jobs`] hands a batch to one
//! worker under a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so any number of workers share
//! the queue; SQLite has a single writer). A worker that dies leaves its jobs `running` with an
//! expired lease, and the next claim takes them again.

mod jobs;
mod locks;
mod mail;
mod queries;
mod stories;

pub use jobs::{Job, JobState, NewJob};
pub use mail::*;
pub use queries::*;
pub use stories::*;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};
use std::sync::Once;
use std::time::Duration;

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// Errors from the store. Each names what was being done.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is neither `sqlite:` nor `postgres://`.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    BadUrl(String),
    /// Could not connect.
    #[error("connecting to {url}: {source}")]
    Connect {
        /// URL with any password removed.
        url: String,
        /// Driver error.
        source: sqlx::Error,
    },
    /// A migration failed; the database is left at the previous version.
    #[error("applying migration {version} ({name}): {source}")]
    Migration {
        /// Migration number.
        version: i64,
        /// File name.
        name: &'static str,
        /// Driver error.
        source: sqlx::Error,
    },
    /// A query failed.
    #[error("{what}: {source}")]
    Query {
        /// What the query was for.
        what: &'static str,
        /// Driver error.
        source: sqlx::Error,
    },
    /// A stored value could not be decoded.
    #[error("corrupt row in {table}: {detail}")]
    Corrupt {
        /// Table name.
        table: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// A referenced row does not exist.
    #[error("{0} not found")]
    NotFound(String),
}

/// Result alias for store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(crate) trait QueryCtx<T> {
    fn ctx(self, what: &'static str) -> Result<T>;
}

impl<T> QueryCtx<T> for std::result::Result<T, sqlx::Error> {
    fn ctx(self, what: &'static str) -> Result<T> {
        self.map_err(|source| StoreError::Query { what, source })
    }
}

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// Append-only: never edit a released migration, add the next number.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_foundation.sql",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "0002_stories_editions.sql",
        sqlite: include_str!("../migrations/sqlite/0002_stories_editions.sql"),
        postgres: include_str!("../migrations/postgres/0002_stories_editions.sql"),
    },
    Migration {
        version: 3,
        name: "0003_newsletters.sql",
        sqlite: include_str!("../migrations/sqlite/0003_newsletters.sql"),
        postgres: include_str!("../migrations/postgres/0003_newsletters.sql"),
    },
    Migration {
        version: 4,
        name: "0004_inbound.sql",
        sqlite: include_str!("../migrations/sqlite/0004_inbound.sql"),
        postgres: include_str!("../migrations/postgres/0004_inbound.sql"),
    },
];

/// A handle on the database: cheap to clone, shareable across tasks.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite has one writer: writes queue here instead of spinning on SQLITE_BUSY.
    write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
}

static DRIVERS: Once = Once::new();

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Store {
    /// Connects to `sqlite://PATH` (created if missing) or `postgres://…` and applies pending
    /// migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        Self::connect_in_schema(url, None).await
    }

    /// As [`Store::connect`]; on PostgreSQL, creates `schema` if needed and uses it as the
    /// search path of every connection (tests use one fresh schema each).
    pub async fn connect_in_schema(url: &str, schema: Option<&str>) -> Result<Store> {
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let (backend, conn_url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let mut u = format!("sqlite://{path}");
            if path != ":memory:" && !path.contains("mode=") {
                u.push_str(if path.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
            (Backend::Sqlite, u)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        let schema_owned = schema.map(|s| s.to_string());
        if let (Backend::Postgres, Some(s)) = (backend, &schema_owned) {
            if !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(StoreError::BadUrl(format!("schema name {s:?}")));
            }
            let admin = AnyPoolOptions::new()
                .max_connections(1)
                .connect(&conn_url)
                .await
                .map_err(|source| StoreError::Connect {
                    url: redact(url),
                    source,
                })?;
            sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {s}"))
                .execute(&admin)
                .await
                .ctx("creating schema")?;
            admin.close().await;
        }
        let mut opts = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 10 })
            .acquire_timeout(Duration::from_secs(10));
        let sqlite = backend == Backend::Sqlite;
        let sp = schema_owned.clone();
        opts = opts.after_connect(move |conn, _meta| {
            let sp = sp.clone();
            Box::pin(async move {
                use sqlx::Executor;
                if sqlite {
                    for pragma in [
                        "PRAGMA journal_mode=WAL",
                        "PRAGMA synchronous=NORMAL",
                        "PRAGMA foreign_keys=ON",
                        "PRAGMA busy_timeout=10000",
                    ] {
                        conn.execute(pragma).await?;
                    }
                } else if let Some(s) = sp {
                    conn.execute(format!("SET search_path TO {s}").as_str())
                        .await?;
                }
                Ok(())
            })
        });
        let pool = opts
            .connect(&conn_url)
            .await
            .map_err(|source| StoreError::Connect {
                url: redact(url),
                source,
            })?;
        let store = Store {
            pool,
            backend,
            write_lock: Default::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The backend this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await
    }

    /// Rewrites `$N` placeholders for the backend.
    pub(crate) fn sql(&self, q: &str) -> String {
        match self.backend {
            Backend::Postgres => q.to_string(),
            Backend::Sqlite => q.replace('$', "?"),
        }
    }

    /// Serializes writers on SQLite (no-op on PostgreSQL, which has row locks).
    pub(crate) async fn write_guard(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.write_lock.lock().await),
            Backend::Postgres => None,
        }
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The highest applied migration version.
    pub async fn schema_version(&self) -> Result<i64> {
        let row: AnyRow =
            sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
                .fetch_one(&self.pool)
                .await
                .ctx("reading schema version")?;
        row.try_get::<i64, _>("v").ctx("reading schema version")
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .execute(&self.pool)
        .await
        .ctx("creating schema_migrations")?;
        let current = self.schema_version().await?;
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            let sql = match self.backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            let err = |source| StoreError::Migration {
                version: m.version,
                name: m.name,
                source,
            };
            let mut tx = self.pool.begin().await.map_err(err)?;
            sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(err)?;
            sqlx::query(&self.sql(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            ))
            .bind(m.version)
            .bind(m.name)
            .bind(now_secs())
            .execute(&mut *tx)
            .await
            .map_err(err)?;
            tx.commit().await.map_err(err)?;
            tracing::info!(version = m.version, name = m.name, "applied migration");
        }
        Ok(())
    }
}

/// A fresh holder name for leases (send-ledger claims, [`Store::try_lock`]):
/// `host-pid-token-n`, unique across the processes sharing a store and across calls within
/// one. The per-process random token keeps a restarted process that got the same host name and
/// pid (common in containers) from mistaking its predecessor's leases for its own.
pub fn lease_holder() -> String {
    use std::hash::{BuildHasher, Hasher};
    static TOKEN: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let token = TOKEN.get_or_init(|| {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish() as u32
    });
    format!(
        "{}-{}-{:08x}-{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into()),
        std::process::id(),
        token,
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

/// Current time as unix seconds.
pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

impl Store {
    /// Runs one administrative statement (DDL) that takes no parameters; for tests and tools.
    pub async fn exec_admin(&self, sql: &str) -> Result<()> {
        sqlx::raw_sql(sql)
            .execute(self.pool())
            .await
            .ctx("running admin statement")?;
        Ok(())
    }
}

//! The durable job queue: work that must survive a crash is a row with a state.
//!
//! States: `queued` → (claimed) `running` → `done` | `queued` again (retry with backoff) |
//! `failed` (attempts exhausted). A `running` job whose lease has expired — its worker died or
//! hung — is claimable again, so no job is lost; jobs are therefore at-least-once and handlers
//! must be idempotent.

use crate::{now_secs, Backend, QueryCtx, Result, Store, StoreError};
use serde::Serialize;
use sqlx::Row;

/// State of a job row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum JobState {
    /// Waiting for `run_at`.
    Queued,
    /// Claimed by a worker under a lease.
    Running,
    /// Finished.
    Done,
    /// Gave up after `max_attempts`.
    Failed,
}

impl JobState {
    fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }
    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            other => {
                return Err(StoreError::Corrupt {
                    table: "jobs",
                    detail: format!("state {other:?}"),
                })
            }
        })
    }
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// Handler name ("fetch-page", "send-issue", …).
    pub kind: String,
    /// JSON payload for the handler.
    pub payload: serde_json::Value,
    /// When set, at most one job with this key exists (enqueueing again is a no-op).
    pub unique_key: Option<String>,
    /// Earliest start (unix seconds).
    pub run_at: i64,
    /// Attempts before the job is marked failed.
    pub max_attempts: i64,
}

impl NewJob {
    /// A job of `kind` with `payload`, runnable now, 5 attempts.
    pub fn new(kind: &str, payload: serde_json::Value) -> Self {
        NewJob {
            kind: kind.to_string(),
            payload,
            unique_key: None,
            run_at: now_secs(),
            max_attempts: 5,
        }
    }
}

/// A claimed (or inspected) job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    /// Job id.
    pub id: i64,
    /// Handler name.
    pub kind: String,
    /// JSON payload.
    pub payload: serde_json::Value,
    /// Current state.
    pub state: JobState,
    /// Attempts so far, counting the current one.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// Lease expiry of a running job.
    pub lease_until: Option<i64>,
    /// Last error message.
    pub last_error: Option<String>,
}

const JOB_COLS: &str = "id, kind, payload, state, attempts, max_attempts, lease_until, last_error";

fn job_from_row(r: &sqlx::any::AnyRow) -> Result<Job> {
    let g = |e: sqlx::Error| StoreError::Query {
        what: "decoding job",
        source: e,
    };
    let payload: String = r.try_get("payload").map_err(g)?;
    Ok(Job {
        id: r.try_get("id").map_err(g)?,
        kind: r.try_get("kind").map_err(g)?,
        payload: serde_json::from_str(&payload).map_err(|e| StoreError::Corrupt {
            table: "jobs",
            detail: format!("payload: {e}"),
        })?,
        state: JobState::parse(&r.try_get::<String, _>("state").map_err(g)?)?,
        attempts: r.try_get("attempts").map_err(g)?,
        max_attempts: r.try_get("max_attempts").map_err(g)?,
        lease_until: r.try_get("lease_until").map_err(g)?,
        last_error: r.try_get("last_error").map_err(g)?,
    })
}

impl Store {
    /// Enqueues a job. Returns its id, or `None` when a job with the same unique key exists.
    pub async fn enqueue(&self, job: &NewJob) -> Result<Option<i64>> {
        let now = now_secs();
        let row = sqlx::query(&self.sql(
            "INSERT INTO jobs (kind, payload, unique_key, state, attempts, max_attempts, run_at, created_at, updated_at) \
             VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6, $6) ON CONFLICT (unique_key) DO NOTHING RETURNING id",
        ))
        .bind(&job.kind)
        .bind(job.payload.to_string())
        .bind(job.unique_key.as_deref())
        .bind(job.max_attempts.max(1))
        .bind(job.run_at)
        .bind(now)
        .fetch_optional(self.pool())
        .await
        .ctx("enqueueing job")?;
        match row {
            Some(r) => Ok(Some(r.try_get("id").ctx("enqueueing job")?)),
            None => Ok(None),
        }
    }

    /// Claims up to `limit` runnable jobs of the given kinds for `worker`, under a lease of
    /// `lease_secs`. Runnable: queued with `run_at <= now`, or running with an expired lease.
    /// On PostgreSQL concurrent claimers never get the same job (`FOR UPDATE SKIP LOCKED`).
    pub async fn claim_jobs(
        &self,
        kinds: &[&str],
        worker: &str,
        limit: i64,
        lease_secs: i64,
        now: i64,
    ) -> Result<Vec<Job>> {
        if kinds.is_empty() || limit <= 0 {
            return Ok(Vec::new());
        }
        // Kinds are bound as parameters $5.. so no text from callers enters the SQL.
        let kind_params: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 5)).collect();
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = self.sql(&format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = $1 + $2, worker = $3, updated_at = $1 \
             WHERE id IN (SELECT id FROM jobs WHERE kind IN ({kinds}) AND \
               ((state = 'queued' AND run_at <= $1) OR (state = 'running' AND lease_until < $1)) \
               ORDER BY run_at, id LIMIT $4{lock}) \
             RETURNING {JOB_COLS}",
            kinds = kind_params.join(", "),
        ));
        let mut q = sqlx::query(&sql)
            .bind(now)
            .bind(lease_secs)
            .bind(worker)
            .bind(limit);
        for k in kinds {
            q = q.bind(*k);
        }
        let _w = self.write_guard().await;
        let rows = q.fetch_all(self.pool()).await.ctx("claiming jobs")?;
        let mut jobs: Vec<Job> = rows.iter().map(job_from_row).collect::<Result<_>>()?;
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    /// Extends the lease of a running job (a heartbeat for long work).
    pub async fn extend_lease(
        &self,
        id: i64,
        worker: &str,
        lease_secs: i64,
        now: i64,
    ) -> Result<bool> {
        let r = sqlx::query(&self.sql(
            "UPDATE jobs SET lease_until = $1 + $2, updated_at = $1 WHERE id = $3 AND worker = $4 AND state = 'running'",
        ))
        .bind(now)
        .bind(lease_secs)
        .bind(id)
        .bind(worker)
        .execute(self.pool())
        .await
        .ctx("extending lease")?;
        Ok(r.rows_affected() == 1)
    }

    /// Marks a job done.
    pub async fn complete_job(&self, id: i64) -> Result<()> {
        self.set_job_state(id, JobState::Done, None, None).await
    }

    /// Records a failed attempt: the job is queued again at `retry_at`, or marked failed when
    /// its attempts are exhausted.
    pub async fn fail_job(&self, id: i64, error: &str, retry_at: i64) -> Result<JobState> {
        let row = sqlx::query(&self.sql("SELECT attempts, max_attempts FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .ctx("reading job")?
            .ok_or_else(|| StoreError::NotFound(format!("job {id}")))?;
        let attempts: i64 = row.try_get("attempts").ctx("reading job")?;
        let max: i64 = row.try_get("max_attempts").ctx("reading job")?;
        let state = if attempts >= max {
            JobState::Failed
        } else {
            JobState::Queued
        };
        self.set_job_state(id, state, Some(error), Some(retry_at))
            .await?;
        Ok(state)
    }

    /// Puts a claimed job back without counting the attempt (graceful shutdown).
    pub async fn release_job(&self, id: i64) -> Result<()> {
        sqlx::query(&self.sql(
            "UPDATE jobs SET state = 'queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, \
             lease_until = NULL, worker = NULL WHERE id = $1 AND state = 'running'",
        ))
        .bind(id)
        .execute(self.pool())
        .await
        .ctx("releasing job")?;
        Ok(())
    }

    async fn set_job_state(
        &self,
        id: i64,
        state: JobState,
        error: Option<&str>,
        run_at: Option<i64>,
    ) -> Result<()> {
        let r = sqlx::query(&self.sql(
            "UPDATE jobs SET state = $1, last_error = COALESCE($2, last_error), run_at = COALESCE($3, run_at), \
             lease_until = NULL, updated_at = $4 WHERE id = $5",
        ))
        .bind(state.as_str())
        .bind(error)
        .bind(run_at)
        .bind(now_secs())
        .bind(id)
        .execute(self.pool())
        .await
        .ctx("updating job")?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("job {id}")));
        }
        Ok(())
    }

    /// One job by id.
    pub async fn job(&self, id: i64) -> Result<Job> {
        let row = sqlx::query(&self.sql(&format!("SELECT {JOB_COLS} FROM jobs WHERE id = $1")))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .ctx("reading job")?
            .ok_or_else(|| StoreError::NotFound(format!("job {id}")))?;
        job_from_row(&row)
    }

    /// Number of jobs per state, for `/metrics` and the CLI.
    pub async fn job_counts(&self) -> Result<Vec<(String, i64)>> {
        let rows =
            sqlx::query("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state ORDER BY state")
                .fetch_all(self.pool())
                .await
                .ctx("counting jobs")?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("state").ctx("counting jobs")?,
                    r.try_get("n").ctx("counting jobs")?,
                ))
            })
            .collect()
    }
}

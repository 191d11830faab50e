//! Named lease locks shared by every process on the store: at most one holder per name at a
//! time, until it releases the lock or its lease runs out (so a crashed holder never blocks the
//! others for longer than its lease). Used to run the story stage and the newsletter scheduler
//! once at a time when several `roundup worker` processes share a PostgreSQL database.

use crate::{QueryCtx, Result, Store};

impl Store {
    /// Takes lock `name` for `holder` until `now + lease_secs` when it is free, expired, or
    /// already `holder`'s (which renews it). Returns whether `holder` now holds it. Atomic on
    /// both backends (one `INSERT … ON CONFLICT DO UPDATE … WHERE`).
    pub async fn try_lock(
        &self,
        name: &str,
        holder: &str,
        lease_secs: i64,
        now: i64,
    ) -> Result<bool> {
        let _w = self.write_guard().await;
        let r = sqlx::query(&self.sql(
            "INSERT INTO locks (name, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE locks.expires_at <= $4 OR locks.holder = excluded.holder",
        ))
        .bind(name)
        .bind(holder)
        .bind(now + lease_secs.max(1))
        .bind(now)
        .execute(self.pool())
        .await
        .ctx("taking lock")?;
        Ok(r.rows_affected() == 1)
    }

    /// Releases lock `name` if `holder` still holds it (a lock whose lease ran out and was
    /// taken by another holder is left alone). Returns whether it was released.
    pub async fn unlock(&self, name: &str, holder: &str) -> Result<bool> {
        let _w = self.write_guard().await;
        let r = sqlx::query(&self.sql("DELETE FROM locks WHERE name = $1 AND holder = $2"))
            .bind(name)
            .bind(holder)
            .execute(self.pool())
            .await
            .ctx("releasing lock")?;
        Ok(r.rows_affected() == 1)
    }
}

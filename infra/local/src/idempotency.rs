//! Processed-message records in the [`Db`]: an in-progress record with a
//! lease, then a completed record holding the outputs until its TTL runs out.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use riv_consumers::PortError;
use riv_consumers::ports::{Begin, Clock, IdempotencyKey, IdempotencyStore};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::db::{Db, DbError, millis_after, to_millis};

/// How long completed records are kept by default.
pub const DEFAULT_TTL: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// [`IdempotencyStore`] over the local database.
#[derive(Clone)]
pub struct SqliteIdempotency {
    /// Where the records live.
    db: Db,
    /// Leases and expiry are measured by it; injectable for tests.
    clock: Arc<dyn Clock>,
    /// How long a completed record answers repeats.
    ttl: Duration,
}

impl fmt::Debug for SqliteIdempotency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteIdempotency")
            .field("db", &self.db)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl SqliteIdempotency {
    /// Records in `db`, timed by `clock`, kept for [`DEFAULT_TTL`].
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self {
            db,
            clock,
            ttl: DEFAULT_TTL,
        }
    }

    /// Keeps completed records for `ttl` instead.
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Deletes completed records past their TTL and in-progress records
    /// whose lease ran out (a later `begin` would take those over anyway);
    /// how many.
    pub async fn purge_expired(&self) -> Result<u64, DbError> {
        let now = to_millis(self.clock.now());
        self.db
            .call(move |conn| {
                let n = conn.execute(
                    "DELETE FROM idempotency
                     WHERE (status = 'completed' AND expires_at <= ?1)
                        OR (status = 'in_progress' AND lease_until <= ?1)",
                    [now],
                )?;
                Ok(u64::try_from(n).unwrap_or(u64::MAX))
            })
            .await
    }
}

#[async_trait]
impl IdempotencyStore for SqliteIdempotency {
    async fn begin(&self, key: &IdempotencyKey, lease: Duration) -> Result<Begin, PortError> {
        let id = key.as_string();
        let now = self.clock.now();
        let (now_ms, lease_until) = (to_millis(now), millis_after(now, lease));
        let context = format!("beginning {id}");
        self.db
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let found: Option<(String, Option<i64>, Option<Vec<u8>>, Option<i64>)> = tx
                    .query_row(
                        "SELECT status, lease_until, outputs, expires_at
                         FROM idempotency WHERE key = ?1",
                        [&id],
                        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                    )
                    .optional()?;
                let live = |until: Option<i64>| until.is_some_and(|t| t > now_ms);
                let answer = match found {
                    Some((status, _, outputs, expires))
                        if status == "completed" && live(expires) =>
                    {
                        Some(Begin::Completed(outputs.unwrap_or_default()))
                    }
                    Some((status, lease, _, _)) if status == "in_progress" && live(lease) => {
                        Some(Begin::InProgress)
                    }
                    // New, or a lease or a record that ran out: claim it.
                    _ => None,
                };
                if let Some(answer) = answer {
                    return Ok(answer);
                }
                tx.execute(
                    "INSERT INTO idempotency (key, status, lease_until, outputs, expires_at)
                     VALUES (?1, 'in_progress', ?2, NULL, NULL)
                     ON CONFLICT (key) DO UPDATE SET status = 'in_progress',
                        lease_until = excluded.lease_until, outputs = NULL, expires_at = NULL",
                    params![id, lease_until],
                )?;
                tx.commit()?;
                Ok(Begin::Started)
            })
            .await
            .map_err(|e| e.into_port(context))
    }

    async fn complete(&self, key: &IdempotencyKey, outputs: &[u8]) -> Result<Vec<u8>, PortError> {
        let id = key.as_string();
        let outputs = outputs.to_vec();
        let now = to_millis(self.clock.now());
        let expires_at = millis_after(self.clock.now(), self.ttl);
        let context = format!("completing {id}");
        self.db
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                // First completion wins; an expired completed record may be replaced.
                tx.execute(
                    "INSERT INTO idempotency (key, status, lease_until, outputs, expires_at)
                     VALUES (?1, 'completed', NULL, ?2, ?3)
                     ON CONFLICT (key) DO UPDATE SET status = 'completed', lease_until = NULL,
                        outputs = excluded.outputs, expires_at = excluded.expires_at
                     WHERE idempotency.status != 'completed' OR idempotency.expires_at <= ?4",
                    params![id, outputs, expires_at, now],
                )?;
                let recorded: Option<Vec<u8>> = tx.query_row(
                    "SELECT outputs FROM idempotency WHERE key = ?1",
                    [&id],
                    |row| row.get(0),
                )?;
                tx.commit()?;
                Ok(recorded.unwrap_or_default())
            })
            .await
            .map_err(|e| e.into_port(context))
    }

    async fn release(&self, key: &IdempotencyKey) -> Result<(), PortError> {
        let id = key.as_string();
        let context = format!("releasing {id}");
        self.db
            .call(move |conn| {
                conn.execute(
                    "DELETE FROM idempotency WHERE key = ?1 AND status = 'in_progress'",
                    [id],
                )?;
                Ok(())
            })
            .await
            .map_err(|e| e.into_port(context))
    }
}

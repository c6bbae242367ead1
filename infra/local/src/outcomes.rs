//! The outcomes topic: every outcome is recorded once (by event id) in the
//! database, then fanned out to live subscribers (server-sent events, long
//! polls) through a broadcast channel, and to durable subscribers (the
//! JSONL file, webhooks) by a dispatcher that keeps a cursor per subscriber
//! in the database, so a restart neither loses nor skips an outcome.

use std::sync::Arc;
use std::time::Duration;

use riv_events::RequestId;
use riv_events::outcome::OutcomeEnvelope;
use rusqlite::{OptionalExtension, params};
use tokio::sync::{Notify, broadcast};

use crate::db::{Db, DbError};

/// An outcome as stored: its place in the topic and its JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOutcome {
    /// Strictly increasing position in the topic (the SSE event id).
    pub seq: i64,
    /// The request it ends.
    pub request_id: String,
    /// The outcome envelope, as JSON text.
    pub body: String,
}

/// The topic.
#[derive(Debug, Clone)]
pub struct OutcomeLog {
    /// Where outcomes, cursors and known requests live.
    db: Db,
    /// Live subscribers.
    live: broadcast::Sender<Arc<StoredOutcome>>,
    /// Wakes the durable dispatcher.
    recorded: Arc<Notify>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS outcomes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    request_id TEXT NOT NULL,
    body TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outcomes_by_request ON outcomes (request_id, seq);
CREATE TABLE IF NOT EXISTS outcome_cursors (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS known_requests (request_id TEXT PRIMARY KEY, noted_at TEXT NOT NULL);
";

impl OutcomeLog {
    /// Opens the topic's tables in `db`.
    pub async fn open(db: Db) -> Result<Self, DbError> {
        db.call(|conn| Ok(conn.execute_batch(SCHEMA)?)).await?;
        let (live, _) = broadcast::channel(1024);
        Ok(Self {
            db,
            live,
            recorded: Arc::new(Notify::new()),
        })
    }

    /// Records an outcome; `None` if one with the same event id was already
    /// recorded (a repeat).
    pub async fn record(&self, outcome: &OutcomeEnvelope) -> Result<Option<i64>, DbError> {
        let event_id = outcome.meta.event_id.to_string();
        let request_id = outcome.meta.correlation_id.to_string();
        let body = String::from_utf8_lossy(&outcome.to_vec()).into_owned();
        let now = chrono::Utc::now().to_rfc3339();
        let (rid, text) = (request_id.clone(), body.clone());
        let seq = self
            .db
            .call(move |conn| {
                let inserted = conn.execute(
                    "INSERT OR IGNORE INTO outcomes (event_id, request_id, body, recorded_at) VALUES (?1, ?2, ?3, ?4)",
                    params![event_id, rid, text, now],
                )?;
                Ok((inserted == 1).then(|| conn.last_insert_rowid()))
            })
            .await?;
        if let Some(seq) = seq {
            let _ = self.live.send(Arc::new(StoredOutcome {
                seq,
                request_id,
                body,
            }));
            self.recorded.notify_waiters();
        }
        Ok(seq)
    }

    /// The outcome that ended a request (the first recorded), if any.
    pub async fn of_request(&self, request: &RequestId) -> Result<Option<StoredOutcome>, DbError> {
        let request = request.to_string();
        self.db
            .call(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT seq, request_id, body FROM outcomes WHERE request_id = ?1 ORDER BY seq LIMIT 1",
                        [request],
                        |row| Ok(StoredOutcome { seq: row.get(0)?, request_id: row.get(1)?, body: row.get(2)? }),
                    )
                    .optional()?)
            })
            .await
    }

    /// Outcomes after `seq`, oldest first, at most `limit`.
    pub async fn since(&self, seq: i64, limit: usize) -> Result<Vec<StoredOutcome>, DbError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db
            .call(move |conn| {
                let mut statement = conn.prepare(
                    "SELECT seq, request_id, body FROM outcomes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                )?;
                let rows = statement.query_map(params![seq, limit], |row| {
                    Ok(StoredOutcome { seq: row.get(0)?, request_id: row.get(1)?, body: row.get(2)? })
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await
    }

    /// Live outcomes from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<StoredOutcome>> {
        self.live.subscribe()
    }

    /// Waits up to `timeout` for the request's outcome.
    pub async fn wait_for(
        &self,
        request: &RequestId,
        timeout: Duration,
    ) -> Result<Option<StoredOutcome>, DbError> {
        let mut live = self.subscribe();
        if let Some(found) = self.of_request(request).await? {
            return Ok(Some(found));
        }
        let wanted = request.as_str();
        let waited = tokio::time::timeout(timeout, async {
            loop {
                match live.recv().await {
                    Ok(outcome) if outcome.request_id == wanted => return true,
                    Ok(_) => {}
                    // Missed some: look in the table.
                    Err(broadcast::error::RecvError::Lagged(_)) => return true,
                    Err(broadcast::error::RecvError::Closed) => return false,
                }
            }
        })
        .await;
        match waited {
            Ok(true) => self.of_request(request).await,
            _ => Ok(None),
        }
    }

    /// Notes that a request's manifest arrived, so it reads as pending.
    pub async fn note_request(&self, request: &RequestId) -> Result<(), DbError> {
        let (request, now) = (request.to_string(), chrono::Utc::now().to_rfc3339());
        self.db
            .call(move |conn| {
                conn.execute(
                    "INSERT OR IGNORE INTO known_requests (request_id, noted_at) VALUES (?1, ?2)",
                    params![request, now],
                )?;
                Ok(())
            })
            .await
    }

    /// Whether a manifest for the request ever arrived.
    pub async fn is_known(&self, request: &RequestId) -> Result<bool, DbError> {
        let request = request.to_string();
        self.db
            .call(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT 1 FROM known_requests WHERE request_id = ?1",
                        [request],
                        |_| Ok(()),
                    )
                    .optional()?
                    .is_some())
            })
            .await
    }

    /// A durable subscriber's position.
    pub async fn cursor(&self, name: &str) -> Result<i64, DbError> {
        let name = name.to_owned();
        self.db
            .call(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT seq FROM outcome_cursors WHERE name = ?1",
                        [name],
                        |row| row.get(0),
                    )
                    .optional()?
                    .unwrap_or(0))
            })
            .await
    }

    /// Moves a durable subscriber's position.
    pub async fn set_cursor(&self, name: &str, seq: i64) -> Result<(), DbError> {
        let name = name.to_owned();
        self.db
            .call(move |conn| {
                conn.execute(
                    "INSERT INTO outcome_cursors (name, seq) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET seq = excluded.seq",
                    params![name, seq],
                )?;
                Ok(())
            })
            .await
    }

    /// Resolves when an outcome is recorded (or spuriously); for the dispatcher.
    pub async fn recorded(&self) {
        self.recorded.notified().await;
    }
}

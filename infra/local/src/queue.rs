//! Durable local queues with SQS semantics, all in one table of the
//! [`Db`]: delays, visibility timeouts, receipt handles that go stale on the
//! next receive, dead-letter queues after too many receives, and
//! deduplication by id for a window.

mod sql;
mod types;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use riv_consumers::ports::Clock;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use tokio::sync::Notify;

pub use types::{DedupSend, MessageId, QueueConfig, QueuePolicy, QueueStats, Receipt, Received};

use crate::db::{Db, DbError, duration_millis, millis_after, to_millis};
use sql::{insert, new_id, pick};

/// The queues, over one database. Clones share everything.
#[derive(Clone)]
pub struct LocalQueues {
    /// Where the messages live.
    db: Db,
    /// Timestamps, injectable so tests can move time.
    clock: Arc<dyn Clock>,
    /// Windows and intervals.
    config: QueueConfig,
    /// Dead-letter policies, registered at startup.
    policies: Arc<RwLock<HashMap<String, QueuePolicy>>>,
    /// One wake-up per queue, so long polls answer a send at once.
    notifiers: Arc<Mutex<HashMap<String, Arc<Notify>>>>,
}

impl fmt::Debug for LocalQueues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalQueues")
            .field("db", &self.db)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl LocalQueues {
    /// Queues in `db`, timed by `clock`, with the default config.
    pub fn new(db: Db, clock: Arc<dyn Clock>) -> Self {
        Self::with_config(db, clock, QueueConfig::default())
    }

    /// Queues with an explicit config.
    pub fn with_config(db: Db, clock: Arc<dyn Clock>, config: QueueConfig) -> Self {
        Self {
            db,
            clock,
            config,
            policies: Arc::default(),
            notifiers: Arc::default(),
        }
    }

    /// Sets `queue`'s dead-letter policy, replacing any.
    pub fn register(&self, queue: &str, policy: QueuePolicy) -> Result<(), DbError> {
        if policy.dead_letter_queue == queue {
            return Err(DbError::Invalid(format!(
                "queue {queue} cannot be its own dead-letter queue"
            )));
        }
        self.policies
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(queue.to_owned(), policy);
        Ok(())
    }

    /// Enqueues `body`, visible after `delay`.
    pub async fn send(
        &self,
        queue: &str,
        body: &[u8],
        delay: Duration,
    ) -> Result<MessageId, DbError> {
        let id = new_id();
        let (q, body, message_id) = (queue.to_owned(), body.to_vec(), id.clone());
        let now = self.clock.now();
        self.db
            .call(move |conn| {
                insert(conn, &q, &message_id, &body, now, delay)?;
                Ok(())
            })
            .await?;
        self.notifier(queue).notify_waiters();
        Ok(MessageId(id))
    }

    /// Enqueues `body` unless a message with `dedup_id` was sent to `queue`
    /// within the dedup window (even if since deleted).
    pub async fn send_dedup(
        &self,
        queue: &str,
        dedup_id: &str,
        body: &[u8],
        delay: Duration,
    ) -> Result<DedupSend, DbError> {
        let (q, dedup, body) = (queue.to_owned(), dedup_id.to_owned(), body.to_vec());
        let now = self.clock.now();
        let forget_before =
            to_millis(now).saturating_sub(duration_millis(self.config.dedup_window));
        let sent = self
            .db
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                tx.execute(
                    "DELETE FROM queue_dedup WHERE recorded_at < ?1",
                    [forget_before],
                )?;
                let id = new_id();
                let fresh = tx.execute(
                    "INSERT OR IGNORE INTO queue_dedup (queue, dedup_id, message_id, recorded_at)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![q, dedup, id, to_millis(now)],
                )? == 1;
                let sent = if fresh {
                    insert(&tx, &q, &id, &body, now, delay)?;
                    DedupSend::Enqueued(MessageId(id))
                } else {
                    let first: String = tx.query_row(
                        "SELECT message_id FROM queue_dedup WHERE queue = ?1 AND dedup_id = ?2",
                        params![q, dedup],
                        |row| row.get(0),
                    )?;
                    DedupSend::Duplicate(MessageId(first))
                };
                tx.commit()?;
                Ok(sent)
            })
            .await?;
        if matches!(sent, DedupSend::Enqueued(_)) {
            self.notifier(queue).notify_waiters();
        }
        Ok(sent)
    }

    /// Up to `max` visible messages, oldest first, each hidden for
    /// `visibility` under a new receipt. A message already received
    /// `max_receives` times goes to the dead-letter queue instead.
    pub async fn receive(
        &self,
        queue: &str,
        max: usize,
        visibility: Duration,
    ) -> Result<Vec<Received>, DbError> {
        let policy = self
            .policies
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(queue)
            .cloned();
        let q = queue.to_owned();
        let now = self.clock.now();
        let (received, dead_lettered) = self
            .db
            .call(move |conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let picked = pick(&tx, &q, max, visibility, now, policy.as_ref())?;
                tx.commit()?;
                Ok(picked)
            })
            .await?;
        if dead_lettered > 0
            && let Some(policy) = self
                .policies
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .get(queue)
        {
            tracing::warn!(
                queue,
                dead_letter_queue = %policy.dead_letter_queue,
                count = dead_lettered,
                "messages moved to the dead-letter queue"
            );
            self.notifier(&policy.dead_letter_queue).notify_waiters();
        }
        Ok(received)
    }

    /// Like [`receive`](Self::receive), but waits up to `wait` for a message.
    pub async fn receive_wait(
        &self,
        queue: &str,
        max: usize,
        visibility: Duration,
        wait: Duration,
    ) -> Result<Vec<Received>, DbError> {
        let deadline = tokio::time::Instant::now() + wait;
        let notify = self.notifier(queue);
        loop {
            // Registered before looking, so a send in between still wakes us.
            let sent = notify.notified();
            tokio::pin!(sent);
            sent.as_mut().enable();
            let received = self.receive(queue, max, visibility).await?;
            let now = tokio::time::Instant::now();
            if !received.is_empty() || now >= deadline {
                return Ok(received);
            }
            let nap = self.config.poll_interval.min(deadline - now);
            tokio::select! {
                () = &mut sent => {}
                () = tokio::time::sleep(nap) => {}
            }
        }
    }

    /// Deletes the message this receipt belongs to; `false` if the receipt is
    /// stale or the message gone.
    pub async fn delete(&self, receipt: &Receipt) -> Result<bool, DbError> {
        let receipt = receipt.0.clone();
        self.db
            .call(move |conn| {
                Ok(conn.execute("DELETE FROM queue_messages WHERE receipt = ?1", [receipt])? == 1)
            })
            .await
    }

    /// Hides the message for `visibility` from now (zero makes it visible at
    /// once); `false` if the receipt is stale or the message gone.
    pub async fn change_visibility(
        &self,
        receipt: &Receipt,
        visibility: Duration,
    ) -> Result<bool, DbError> {
        let receipt = receipt.0.clone();
        let visible_at = millis_after(self.clock.now(), visibility);
        let queue = self
            .db
            .call(move |conn| {
                Ok(conn
                    .query_row(
                        "UPDATE queue_messages SET visible_at = ?1 WHERE receipt = ?2 RETURNING queue",
                        params![visible_at, receipt],
                        |row| row.get::<_, String>(0),
                    )
                    .optional()?)
            })
            .await?;
        if let Some(queue) = &queue {
            self.notifier(queue).notify_waiters();
        }
        Ok(queue.is_some())
    }

    /// How many messages `queue` holds, by state.
    pub async fn depth(&self, queue: &str) -> Result<QueueStats, DbError> {
        let q = queue.to_owned();
        let now = self.clock.now();
        self.db
            .call(move |conn| {
                let (visible, in_flight, delayed, oldest): (i64, i64, i64, Option<i64>) = conn
                    .query_row(
                        "SELECT
                            COALESCE(SUM(visible_at <= ?2), 0),
                            COALESCE(SUM(visible_at > ?2 AND receive_count > 0), 0),
                            COALESCE(SUM(visible_at > ?2 AND receive_count = 0), 0),
                            MIN(sent_at)
                         FROM queue_messages WHERE queue = ?1",
                        params![q, to_millis(now)],
                        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
                    )?;
                let count = |n: i64| u64::try_from(n).unwrap_or(0);
                let oldest_age = oldest.map(|sent| {
                    let age = to_millis(now).saturating_sub(sent);
                    Duration::from_millis(u64::try_from(age).unwrap_or(0))
                });
                Ok(QueueStats {
                    visible: count(visible),
                    in_flight: count(in_flight),
                    delayed: count(delayed),
                    oldest_age,
                })
            })
            .await
    }

    /// Every queue that holds a message or has a policy, sorted.
    pub async fn list_queues(&self) -> Result<Vec<String>, DbError> {
        let mut names: BTreeSet<String> = self
            .db
            .call(|conn| {
                let mut stmt = conn.prepare("SELECT DISTINCT queue FROM queue_messages")?;
                let names = stmt
                    .query_map([], |row| row.get(0))?
                    .collect::<Result<BTreeSet<String>, _>>()?;
                Ok(names)
            })
            .await?;
        for (queue, policy) in self
            .policies
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            names.insert(queue.clone());
            names.insert(policy.dead_letter_queue.clone());
        }
        Ok(names.into_iter().collect())
    }

    /// Deletes every message in `queue` (and its dedup ids); how many messages.
    pub async fn purge(&self, queue: &str) -> Result<u64, DbError> {
        let q = queue.to_owned();
        self.db
            .call(move |conn| {
                let tx = conn.transaction()?;
                let n = tx.execute("DELETE FROM queue_messages WHERE queue = ?1", [&q])?;
                tx.execute("DELETE FROM queue_dedup WHERE queue = ?1", [&q])?;
                tx.commit()?;
                Ok(u64::try_from(n).unwrap_or(u64::MAX))
            })
            .await
    }

    /// The wake-up for `queue`.
    fn notifier(&self, queue: &str) -> Arc<Notify> {
        let mut map = self
            .notifiers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(map.entry(queue.to_owned()).or_default())
    }
}

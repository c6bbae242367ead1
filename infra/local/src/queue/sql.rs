//! The statements behind a send and a receive, run inside a transaction.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{MessageId, QueuePolicy, Receipt, Received};
use crate::db::{DbError, from_millis, millis_after, to_millis};

/// A fresh id for a message or a receipt.
pub(super) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Inserts one message.
pub(super) fn insert(
    conn: &rusqlite::Connection,
    queue: &str,
    message_id: &str,
    body: &[u8],
    now: DateTime<Utc>,
    delay: Duration,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO queue_messages (message_id, queue, body, sent_at, visible_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            message_id,
            queue,
            body,
            to_millis(now),
            millis_after(now, delay)
        ],
    )?;
    Ok(())
}

/// The receive itself, inside a write transaction: the received messages
/// and how many were dead-lettered.
pub(super) fn pick(
    tx: &rusqlite::Transaction<'_>,
    queue: &str,
    max: usize,
    visibility: Duration,
    now: DateTime<Utc>,
    policy: Option<&QueuePolicy>,
) -> Result<(Vec<Received>, usize), DbError> {
    let now_ms = to_millis(now);
    let hidden_until = millis_after(now, visibility);
    let mut received = Vec::new();
    let mut dead_lettered = 0;
    let mut select = tx.prepare(
        "SELECT seq, message_id, body, receive_count, first_received_at, sent_at
         FROM queue_messages WHERE queue = ?1 AND visible_at <= ?2 AND seq > ?3
         ORDER BY seq LIMIT ?4",
    )?;
    // A cursor, so a zero visibility cannot hand out one message twice.
    let mut after = 0_i64;
    while received.len() < max {
        let want = i64::try_from(max - received.len()).unwrap_or(i64::MAX);
        type Row = (i64, String, Vec<u8>, u32, Option<i64>, i64);
        let rows = select
            .query_map(params![queue, now_ms, after, want], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                ))
            })?
            .collect::<Result<Vec<Row>, _>>()?;
        if rows.is_empty() {
            break;
        }
        for (seq, message_id, body, count, first, sent_at) in rows {
            after = seq;
            if let Some(policy) = policy
                && count >= policy.max_receives
            {
                tx.execute(
                    "UPDATE queue_messages SET queue = ?1, visible_at = ?2, receive_count = 0,
                        receipt = NULL WHERE seq = ?3",
                    params![policy.dead_letter_queue, now_ms, seq],
                )?;
                dead_lettered += 1;
                continue;
            }
            let receipt = new_id();
            let first = first.unwrap_or(now_ms);
            tx.execute(
                "UPDATE queue_messages SET receive_count = receive_count + 1, visible_at = ?1,
                    first_received_at = ?2, receipt = ?3 WHERE seq = ?4",
                params![hidden_until, first, receipt, seq],
            )?;
            received.push(Received {
                receipt: Receipt(receipt),
                message_id: MessageId(message_id),
                body,
                receive_count: count.saturating_add(1),
                first_received_at: from_millis(first)?,
                sent_at: from_millis(sent_at)?,
            });
        }
    }
    Ok((received, dead_lettered))
}

//! The values the queues hand out and take in.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// A message's id, fixed when it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub(super) String);

impl MessageId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The handle of one receive of a message; the next receive replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Receipt(pub(super) String);

impl Receipt {
    /// A handle given back as text (by an admin tool, say).
    pub fn new(handle: impl Into<String>) -> Self {
        Self(handle.into())
    }

    /// The handle as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A received message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Deletes or extends this receive; stale once the message is received again.
    pub receipt: Receipt,
    /// The message's id.
    pub message_id: MessageId,
    /// The body as sent.
    pub body: Vec<u8>,
    /// How many times the message has been received, this time included.
    pub receive_count: u32,
    /// When it was first received.
    pub first_received_at: DateTime<Utc>,
    /// When it was sent (to this queue or, if dead-lettered, the first one).
    pub sent_at: DateTime<Utc>,
}

/// What a deduplicated send did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DedupSend {
    /// The message was enqueued.
    Enqueued(MessageId),
    /// A message with the same id was sent within the window: nothing enqueued.
    Duplicate(MessageId),
}

impl DedupSend {
    /// The id of the message that carries this dedup id.
    pub fn message_id(&self) -> &MessageId {
        match self {
            Self::Enqueued(id) | Self::Duplicate(id) => id,
        }
    }
}

/// Where a queue's poison messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePolicy {
    /// Receives allowed; the receive after the last is a move to the DLQ.
    pub max_receives: u32,
    /// The dead-letter queue.
    pub dead_letter_queue: String,
}

/// A queue's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueStats {
    /// Messages a receive could return now.
    pub visible: u64,
    /// Received and not yet deleted nor visible again.
    pub in_flight: u64,
    /// Sent with a delay that has not passed.
    pub delayed: u64,
    /// Age of the oldest message, if any.
    pub oldest_age: Option<Duration>,
}

/// Tuning for [`LocalQueues`](super::LocalQueues).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueConfig {
    /// How long a dedup id is remembered after its message was sent.
    pub dedup_window: Duration,
    /// How often a long poll re-checks, so delayed messages and expired
    /// visibility timeouts are noticed without a send.
    pub poll_interval: Duration,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            dedup_window: Duration::from_secs(24 * 60 * 60),
            poll_interval: Duration::from_millis(100),
        }
    }
}

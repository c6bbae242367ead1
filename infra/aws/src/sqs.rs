//! One SQS queue, for the long-running worker mode (receive, delete, change
//! visibility) and for moving a message to a dead-letter or parked queue
//! (send). In the Lambda mode the event source mapping does the receiving
//! and deleting instead.
//!
//! Deleting follows AWS: a receipt handle whose message is already deleted
//! deletes nothing and succeeds, and so does an older receipt handle of a
//! message received again since (the message may then stay, and come back).
//! A receipt handle SQS refuses (`ReceiptHandleIsInvalid`, or
//! `InvalidParameterValue` when it has expired) is a permanent error: the
//! message was not deleted and will be delivered again when its visibility
//! timeout ends, where idempotent stages recognise it.

use std::fmt;
use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{Message, MessageSystemAttributeName};
use riv_consumers::PortError;

use crate::error::port_error;

/// Messages one receive may return (SQS's limit).
pub const MAX_MESSAGES_PER_RECEIVE: u32 = 10;

/// The handle of one receipt of a message: what deletes it or changes its
/// visibility. Each receipt of a message has its own.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ReceiptHandle(String);

impl ReceiptHandle {
    /// A handle as SQS gave it.
    pub fn new(handle: impl Into<String>) -> Self {
        Self(handle.into())
    }

    /// The handle's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ReceiptHandle {
    /// Handles are long opaque tokens: only their start is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let start: String = self.0.chars().take(12).collect();
        write!(f, "ReceiptHandle({start}…)")
    }
}

/// A message as one receive returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// SQS's id of the message, the same on every receipt.
    pub message_id: String,
    /// This receipt's handle.
    pub receipt: ReceiptHandle,
    /// The body.
    pub body: String,
    /// How many times the message has been received, this time included
    /// (`ApproximateReceiveCount`): 1 on the first delivery.
    pub receive_count: u32,
}

/// One queue.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    /// The client, built once by the composition root.
    client: Client,
    /// The queue's URL, which every SQS call names it by.
    queue_url: String,
}

impl SqsQueue {
    /// The queue at `queue_url` through `client`.
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }

    /// The queue named `name` in the client's account and region, its URL
    /// looked up with `GetQueueUrl`. A missing queue is a permanent error.
    pub async fn by_name(client: Client, name: &str) -> Result<Self, PortError> {
        let output = client
            .get_queue_url()
            .queue_name(name)
            .send()
            .await
            .map_err(|err| port_error(format!("looking up the URL of queue {name}"), err))?;
        let url = output.queue_url().ok_or_else(|| {
            PortError::permanent(format!("GetQueueUrl of queue {name} returned no URL"))
        })?;
        Ok(Self::new(client, url))
    }

    /// The queue's URL.
    pub fn url(&self) -> &str {
        &self.queue_url
    }

    /// Up to `max` messages (1 to [`MAX_MESSAGES_PER_RECEIVE`]; other values
    /// are brought into that range), waiting up to `wait` for the first
    /// (long polling; SQS allows 20 s at most), each then hidden from other
    /// receivers for `visibility`. Durations are whole seconds, rounded down.
    pub async fn receive(
        &self,
        max: u32,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<ReceivedMessage>, PortError> {
        let max = max.clamp(1, MAX_MESSAGES_PER_RECEIVE);
        let output = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(seconds_or_count(u64::from(max)))
            .wait_time_seconds(seconds_or_count(wait.as_secs()))
            .visibility_timeout(seconds_or_count(visibility.as_secs()))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|err| port_error(format!("receiving from {}", self.queue_url), err))?;
        output
            .messages()
            .iter()
            .map(|message| self.received(message))
            .collect()
    }

    /// Deletes the message of this receipt (see the module's notes on
    /// handles that are stale, expired or already used).
    pub async fn delete(&self, receipt: &ReceiptHandle) -> Result<(), PortError> {
        self.client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt.as_str())
            .send()
            .await
            .map_err(|err| {
                port_error(
                    format!(
                        "deleting a message from {} (it will be delivered again)",
                        self.queue_url
                    ),
                    err,
                )
            })?;
        Ok(())
    }

    /// Hides the message of this receipt for `visibility` from now (zero
    /// makes it visible at once), in whole seconds rounded down. A message
    /// already deleted, or received again since, is a permanent error.
    pub async fn change_visibility(
        &self,
        receipt: &ReceiptHandle,
        visibility: Duration,
    ) -> Result<(), PortError> {
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt.as_str())
            .visibility_timeout(seconds_or_count(visibility.as_secs()))
            .send()
            .await
            .map_err(|err| {
                port_error(
                    format!("changing a message's visibility on {}", self.queue_url),
                    err,
                )
            })?;
        Ok(())
    }

    /// Sends `body` as a new message; returns its message id.
    pub async fn send(&self, body: impl Into<String>) -> Result<String, PortError> {
        let output = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .map_err(|err| port_error(format!("sending a message to {}", self.queue_url), err))?;
        output.message_id().map(str::to_owned).ok_or_else(|| {
            PortError::permanent(format!(
                "SendMessage to {} returned no message id",
                self.queue_url
            ))
        })
    }

    /// A received message, checked for what SQS always returns (and the
    /// receive count, which [`SqsQueue::receive`] asks for).
    fn received(&self, message: &Message) -> Result<ReceivedMessage, PortError> {
        let message_id = message.message_id().ok_or_else(|| {
            PortError::permanent(format!("a message from {} has no id", self.queue_url))
        })?;
        let missing = |what: &str| {
            PortError::permanent(format!(
                "message {message_id} from {} has no {what}",
                self.queue_url
            ))
        };
        let receipt = message
            .receipt_handle()
            .ok_or_else(|| missing("receipt handle"))?;
        let body = message.body().ok_or_else(|| missing("body"))?;
        let receive_count = message
            .attributes()
            .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
            .and_then(|count| count.parse().ok())
            .ok_or_else(|| missing("ApproximateReceiveCount"))?;
        Ok(ReceivedMessage {
            message_id: message_id.to_owned(),
            receipt: ReceiptHandle::new(receipt),
            body: body.to_owned(),
            receive_count,
        })
    }
}

/// A count or a number of seconds as SQS's `Integer` fields take it; values
/// beyond `i32` become `i32::MAX`, which SQS refuses as out of range.
fn seconds_or_count(value: u64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

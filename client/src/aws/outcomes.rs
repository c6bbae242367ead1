//! The client's own subscription to the outcomes topic: a temporary SQS
//! queue that only the topic may send to, subscribed with raw message
//! delivery, and a task that reads it and hands each outcome to the request
//! waiting for it. Everything else in the queue is deleted unread: the queue
//! is this client's alone. [`OutcomeSubscription::close`] unsubscribes and
//! deletes the queue.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, QueueAttributeName};
use riv_events::outcome::OutcomeEnvelope;
use tokio::task::JoinHandle;

use super::sdk_error::client_error;
use super::waiters::Waiters;
use crate::ClientError;

/// The start of every temporary queue's name; the rest is a random UUID.
pub const QUEUE_PREFIX: &str = "riv-client-";

/// How long one ReceiveMessage long-polls, in seconds (SQS's most).
const RECEIVE_WAIT_SECS: i32 = 20;
/// Failed receives in a row after which the waiting requests are failed,
/// when the failures may be passing (no connection, throttling).
const TRANSIENT_FAILURES_TOLERATED: u32 = 3;

/// A temporary queue subscribed to the outcomes topic, and its reader.
#[derive(Debug)]
pub(crate) struct OutcomeSubscription {
    sqs: aws_sdk_sqs::Client,
    sns: aws_sdk_sns::Client,
    /// The temporary queue.
    queue_url: String,
    /// The subscription, once made; unsubscribed on close.
    subscription_arn: Option<String>,
    /// The requests the reader hands outcomes to.
    waiters: Arc<Waiters>,
    /// The reader task, aborted on close.
    reader: Option<JoinHandle<()>>,
    /// Set once the queue and subscription were removed (or removal was
    /// tried), so dropping does not warn about them.
    closed: bool,
}

impl OutcomeSubscription {
    /// Creates the queue, lets the topic send to it, subscribes it and
    /// starts reading. On failure whatever was made is removed again.
    pub(crate) async fn open(
        sqs: aws_sdk_sqs::Client,
        sns: aws_sdk_sns::Client,
        topic_arn: &str,
    ) -> Result<Self, ClientError> {
        let name = format!("{QUEUE_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let created = sqs
            .create_queue()
            .queue_name(&name)
            .send()
            .await
            .map_err(|err| client_error(format!("SQS CreateQueue {name}"), err))?;
        let queue_url = created.queue_url().ok_or_else(|| ClientError::Aws {
            what: format!("SQS CreateQueue {name}"),
            code: None,
            detail: "the answer has no queue URL".into(),
        })?;
        let mut subscription = Self {
            sqs,
            sns,
            queue_url: queue_url.to_owned(),
            subscription_arn: None,
            waiters: Arc::default(),
            reader: None,
            closed: false,
        };
        if let Err(err) = subscription.subscribe(topic_arn).await {
            if let Err(cleanup) = subscription.close().await {
                tracing::warn!(error = %cleanup, "could not remove the temporary outcome queue");
            }
            return Err(err);
        }
        subscription.reader = Some(tokio::spawn(read_outcomes(
            subscription.sqs.clone(),
            subscription.queue_url.clone(),
            Arc::clone(&subscription.waiters),
        )));
        tracing::debug!(queue = %subscription.queue_url, "subscribed to the outcomes topic");
        Ok(subscription)
    }

    /// The temporary queue's URL.
    pub(crate) fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// The subscription's ARN, once subscribed.
    pub(crate) fn subscription_arn(&self) -> Option<&str> {
        self.subscription_arn.as_deref()
    }

    /// The requests waiting for their outcome.
    pub(crate) fn waiters(&self) -> &Arc<Waiters> {
        &self.waiters
    }

    /// Gives the topic leave to send to the queue, then subscribes the queue
    /// with raw message delivery (the message is the outcome envelope).
    async fn subscribe(&mut self, topic_arn: &str) -> Result<(), ClientError> {
        let what = format!("SQS GetQueueAttributes {}", self.queue_url);
        let attributes = self
            .sqs
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map_err(|err| client_error(what.clone(), err))?;
        let queue_arn = attributes
            .attributes()
            .and_then(|a| a.get(&QueueAttributeName::QueueArn))
            .ok_or_else(|| ClientError::Aws {
                what,
                code: None,
                detail: "the answer has no QueueArn".into(),
            })?
            .clone();
        let policy = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "riv-outcomes-topic",
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            }],
        });
        self.sqs
            .set_queue_attributes()
            .queue_url(&self.queue_url)
            .attributes(QueueAttributeName::Policy, policy.to_string())
            .send()
            .await
            .map_err(|err| client_error(format!("SQS SetQueueAttributes {queue_arn}"), err))?;
        let subscribed = self
            .sns
            .subscribe()
            .topic_arn(topic_arn)
            .protocol("sqs")
            .endpoint(&queue_arn)
            .attributes("RawMessageDelivery", "true")
            .return_subscription_arn(true)
            .send()
            .await
            .map_err(|err| client_error(format!("SNS Subscribe {topic_arn}"), err))?;
        self.subscription_arn = subscribed.subscription_arn().map(str::to_owned);
        Ok(())
    }

    /// Stops reading, unsubscribes and deletes the queue. Both removals are
    /// tried; the first failure is returned.
    pub(crate) async fn close(&mut self) -> Result<(), ClientError> {
        self.closed = true;
        if let Some(reader) = self.reader.take() {
            reader.abort();
            // Aborted (or, were it to have ended, done): either way stopped.
            let _ = reader.await;
        }
        let unsubscribed = match self.subscription_arn.take() {
            Some(arn) => self
                .sns
                .unsubscribe()
                .subscription_arn(&arn)
                .send()
                .await
                .map(drop)
                .map_err(|err| client_error(format!("SNS Unsubscribe {arn}"), err)),
            None => Ok(()),
        };
        let deleted = self
            .sqs
            .delete_queue()
            .queue_url(&self.queue_url)
            .send()
            .await
            .map(drop)
            .map_err(|err| client_error(format!("SQS DeleteQueue {}", self.queue_url), err));
        unsubscribed.and(deleted)
    }
}

impl Drop for OutcomeSubscription {
    fn drop(&mut self) {
        if let Some(reader) = self.reader.take() {
            reader.abort();
        }
        if !self.closed {
            tracing::warn!(
                queue = %self.queue_url,
                subscription = self.subscription_arn.as_deref().unwrap_or("none"),
                "the temporary outcome queue was not closed: delete it and its subscription by hand"
            );
        }
    }
}

/// Reads the queue until aborted: hands each outcome to its request and
/// deletes every message read. Receive failures are retried; the waiting
/// requests are failed on one that cannot pass, or on a few in a row.
async fn read_outcomes(sqs: aws_sdk_sqs::Client, queue_url: String, waiters: Arc<Waiters>) {
    let mut failures_in_a_row = 0u32;
    loop {
        let received = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(RECEIVE_WAIT_SECS)
            .send()
            .await;
        match received {
            Ok(output) => {
                failures_in_a_row = 0;
                handle_messages(&sqs, &queue_url, &waiters, output.messages()).await;
            }
            Err(err) => {
                let err = client_error("SQS ReceiveMessage on the temporary outcome queue", err);
                failures_in_a_row += 1;
                tracing::warn!(error = %err, "cannot receive outcomes");
                let passing = err.is_unreachable()
                    || matches!(&err, ClientError::Aws { code: Some(code), .. }
                        if code.contains("Throttl") || code.contains("Unavailable"));
                if !passing || failures_in_a_row >= TRANSIENT_FAILURES_TOLERATED {
                    waiters.fail_all(&err);
                }
                let backoff = 250u64.saturating_mul(1 << failures_in_a_row.min(5));
                tokio::time::sleep(Duration::from_millis(backoff)).await;
            }
        }
    }
}

/// Hands the outcomes among `messages` to their requests, then deletes all
/// of them (ours are handed on, the rest are not ours to keep).
async fn handle_messages(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    waiters: &Waiters,
    messages: &[Message],
) {
    let mut entries = Vec::with_capacity(messages.len());
    for (index, message) in messages.iter().enumerate() {
        match message.body().map(serde_json::from_str::<OutcomeEnvelope>) {
            Some(Ok(envelope)) => {
                let request_id = envelope.meta.correlation_id.clone();
                if waiters.deliver(envelope) {
                    tracing::debug!(%request_id, "outcome received");
                }
            }
            Some(Err(err)) => {
                tracing::debug!(error = %err, "ignored a message that is not an outcome envelope");
            }
            None => {}
        }
        let entry = DeleteMessageBatchRequestEntry::builder()
            .id(index.to_string())
            .set_receipt_handle(message.receipt_handle().map(str::to_owned))
            .build();
        match entry {
            Ok(entry) => entries.push(entry),
            Err(err) => tracing::warn!(error = %err, "a received message cannot be deleted"),
        }
    }
    if entries.is_empty() {
        return;
    }
    let deleted = sqs
        .delete_message_batch()
        .queue_url(queue_url)
        .set_entries(Some(entries))
        .send()
        .await;
    match deleted {
        Ok(output) if output.failed().is_empty() => {}
        Ok(output) => tracing::warn!(
            failed = output.failed().len(),
            "some outcome messages could not be deleted; they come back and are ignored"
        ),
        Err(err) => {
            let err = client_error("SQS DeleteMessageBatch", err);
            tracing::warn!(error = %err, "outcome messages could not be deleted; they come back and are ignored");
        }
    }
}

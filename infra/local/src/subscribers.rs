//! Durable outcome subscribers: the JSONL file and webhooks. A dispatcher
//! follows the outcome log with a cursor per subscriber kept in the
//! database: at-least-once, in order, surviving restarts (subscribers
//! deduplicate by `event_id`). Webhook calls go through their own queue, so
//! a slow or failing endpoint is retried with back-off and dead-lettered
//! after its receives run out, without holding up the others.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;
use tracing::{error, warn};

use crate::outcomes::OutcomeLog;
use crate::queue::{LocalQueues, QueuePolicy};
use crate::worker::dead_letter_queue;

/// The webhook delivery queue.
pub const WEBHOOK_QUEUE: &str = "webhooks";

/// Outcomes read per dispatcher round.
const BATCH: usize = 256;

/// One webhook call waiting in the queue.
#[derive(Debug, Serialize, Deserialize)]
struct WebhookCall {
    url: String,
    event_id: String,
    body: String,
}

/// Follows the outcome log into the JSONL file (if any) and the webhook queue.
pub async fn dispatch(
    log: OutcomeLog,
    queues: LocalQueues,
    jsonl: Option<PathBuf>,
    webhooks: Vec<String>,
    shutdown: CancellationToken,
) {
    loop {
        if let Err(err) = dispatch_round(&log, &queues, jsonl.as_ref(), &webhooks).await {
            error!(error = %err, "outcome dispatch failed; retrying");
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = log.recorded() => {}
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}

async fn dispatch_round(
    log: &OutcomeLog,
    queues: &LocalQueues,
    jsonl: Option<&PathBuf>,
    webhooks: &[String],
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if let Some(path) = jsonl {
        let cursor = log.cursor("jsonl").await?;
        let batch = log.since(cursor, BATCH).await?;
        if let Some(last) = batch.last() {
            let mut file = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .await?;
            let mut text = String::new();
            for outcome in &batch {
                text.push_str(&outcome.body);
                text.push('\n');
            }
            file.write_all(text.as_bytes()).await?;
            file.sync_data().await?;
            log.set_cursor("jsonl", last.seq).await?;
        }
    }
    if !webhooks.is_empty() {
        let cursor = log.cursor("webhooks").await?;
        let batch = log.since(cursor, BATCH).await?;
        for outcome in &batch {
            let event_id = serde_json::from_str::<serde_json::Value>(&outcome.body)
                .ok()
                .and_then(|v| {
                    v.get("event_id")
                        .and_then(|id| id.as_str())
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| outcome.seq.to_string());
            for url in webhooks {
                let call = WebhookCall {
                    url: url.clone(),
                    event_id: event_id.clone(),
                    body: outcome.body.clone(),
                };
                let body = serde_json::to_vec(&call)?;
                queues
                    .send_dedup(
                        WEBHOOK_QUEUE,
                        &format!("{url} {event_id}"),
                        &body,
                        Duration::ZERO,
                    )
                    .await?;
            }
        }
        if let Some(last) = batch.last() {
            log.set_cursor("webhooks", last.seq).await?;
        }
    }
    Ok(())
}

/// Registers the webhook queue's dead-letter policy.
pub fn register_webhook_queue(
    queues: &LocalQueues,
    max_receives: u32,
) -> Result<(), crate::db::DbError> {
    queues.register(
        WEBHOOK_QUEUE,
        QueuePolicy {
            max_receives,
            dead_letter_queue: dead_letter_queue(WEBHOOK_QUEUE),
        },
    )
}

/// Delivers queued webhook calls: POST the outcome JSON with its event id in
/// `X-Riv-Event-Id`; a 2xx answer is delivered, anything else is retried
/// with doubling delays until the queue dead-letters the call.
pub async fn webhook_worker(queues: LocalQueues, timeout: Duration, shutdown: CancellationToken) {
    let http = match reqwest::Client::builder().timeout(timeout).build() {
        Ok(http) => http,
        Err(err) => {
            error!(error = %err, "cannot build the webhook client");
            return;
        }
    };
    loop {
        let received = tokio::select! {
            () = shutdown.cancelled() => return,
            received = queues.receive_wait(WEBHOOK_QUEUE, 1, timeout * 2, Duration::from_secs(1)) => received,
        };
        let messages = match received {
            Ok(messages) => messages,
            Err(err) => {
                error!(error = %err, "webhook queue receive failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        for message in messages {
            let Ok(call) = serde_json::from_slice::<WebhookCall>(&message.body) else {
                let _ = queues.delete(&message.receipt).await;
                continue;
            };
            let sent = http
                .post(&call.url)
                .header("content-type", "application/json")
                .header("x-riv-event-id", &call.event_id)
                .body(call.body.clone())
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => {
                    let _ = queues.delete(&message.receipt).await;
                }
                other => {
                    let why = match other {
                        Ok(response) => response.status().to_string(),
                        Err(err) => err.to_string(),
                    };
                    let delay = Duration::from_secs(1u64 << message.receive_count.min(8));
                    warn!(url = %call.url, why, ?delay, "webhook delivery failed; will retry");
                    let _ = queues.change_visibility(&message.receipt, delay).await;
                }
            }
        }
    }
}

//! Queue consumers: a loop per worker that receives one message at a time,
//! hands it to the domain and carries out the disposition. Shutdown is
//! checked between messages, never inside one, so a stopping `riv run`
//! finishes what it holds and loses nothing it does not.

use std::sync::Arc;
use std::time::Duration;

use riv_consumers::driver::parked_message;
use riv_consumers::{Delivery, Disposition, Pipeline};
use riv_events::Stage;
use tokio_util::sync::CancellationToken;
use tracing::{error, warn};

use crate::queue::{LocalQueues, Received};

/// Name of a stage's dead-letter queue.
pub fn dead_letter_queue(queue: &str) -> String {
    format!("{queue}-dlq")
}

/// Where dead letters rest once handled, for people to inspect.
pub const PARKED_QUEUE: &str = "parked";

/// How a worker polls.
#[derive(Debug, Clone, Copy)]
pub struct PollSettings {
    /// Visibility timeout of a received message: longer than a stage's worst case.
    pub visibility: Duration,
    /// Long-poll wait.
    pub wait: Duration,
}

/// Consumes `stage`'s queue until `shutdown`.
pub async fn stage_worker(
    stage: Stage,
    pipeline: Arc<Pipeline>,
    queues: LocalQueues,
    poll: PollSettings,
    shutdown: CancellationToken,
) {
    let queue = stage.as_str();
    while let Some(message) = next(&queues, queue, poll, &shutdown).await {
        let delivery = Delivery {
            body: &message.body,
            receive_count: message.receive_count,
        };
        let disposition = pipeline.handle(stage, delivery).await;
        settle(&queues, queue, &message, disposition).await;
    }
}

/// Consumes `stage`'s dead-letter queue: the domain fails the request and
/// rolls it back, then the message is parked.
pub async fn dead_letter_worker(
    stage: Stage,
    pipeline: Arc<Pipeline>,
    queues: LocalQueues,
    poll: PollSettings,
    shutdown: CancellationToken,
) {
    let queue = dead_letter_queue(stage.as_str());
    while let Some(message) = next(&queues, &queue, poll, &shutdown).await {
        let disposition = pipeline.park_dead_letter(stage, &message.body).await;
        settle(&queues, &queue, &message, disposition).await;
    }
}

async fn next(
    queues: &LocalQueues,
    queue: &str,
    poll: PollSettings,
    shutdown: &CancellationToken,
) -> Option<Received> {
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return None,
            received = queues.receive_wait(queue, 1, poll.visibility, poll.wait) => match received {
                Ok(mut messages) => {
                    if let Some(message) = messages.pop() {
                        return Some(message);
                    }
                }
                Err(err) => {
                    error!(queue, error = %err, "receive failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

/// Carries out a disposition. A dead letter from a stage queue goes to its
/// dead-letter queue; one from a dead-letter queue is parked.
async fn settle(queues: &LocalQueues, queue: &str, message: &Received, disposition: Disposition) {
    let result = match &disposition {
        Disposition::Ack => queues.delete(&message.receipt).await.map(|_| ()),
        Disposition::Retry(delay) => queues
            .change_visibility(&message.receipt, *delay)
            .await
            .map(|_| ()),
        Disposition::DeadLetter(reason) => {
            let (target, body) = if queue.ends_with("-dlq") || queue == PARKED_QUEUE {
                let body = parked_message(queue, reason, &String::from_utf8_lossy(&message.body));
                (PARKED_QUEUE.to_owned(), body.into_bytes())
            } else {
                warn!(queue, reason, "dead-lettered");
                (dead_letter_queue(queue), message.body.clone())
            };
            match queues.send(&target, &body, Duration::ZERO).await {
                Ok(_) => queues.delete(&message.receipt).await.map(|_| ()),
                Err(err) => Err(err),
            }
        }
    };
    if let Err(err) = result {
        // The message becomes visible again after its timeout and is retried.
        error!(queue, error = %err, "could not settle a message");
    }
}

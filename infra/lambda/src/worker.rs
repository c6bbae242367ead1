//! The long-running consumer of one SQS queue (`riv worker`), for users on
//! ECS or EC2: long polls, handles up to `concurrency` messages at once,
//! extends a message's visibility while it is being handled, and on
//! shutdown stops receiving and finishes what it holds.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use riv_aws::sqs::{ReceiptHandle, ReceivedMessage, SqsQueue};
use riv_consumers::{Pipeline, PortError};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{Instrument, error, info, info_span, warn};

use crate::batch::{Role, process};
use crate::settle::{MessageQueue, Received, Settled};

#[async_trait]
impl MessageQueue for SqsQueue {
    async fn change_visibility(&self, receipt: &str, after: Duration) -> Result<(), PortError> {
        SqsQueue::change_visibility(self, &ReceiptHandle::new(receipt), after).await
    }
    async fn send(&self, body: &str) -> Result<(), PortError> {
        SqsQueue::send(self, body).await.map(|_| ())
    }
}

/// How a worker polls.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// Messages handled at once.
    pub concurrency: usize,
    /// Long-poll wait of a receive (at most 20 s).
    pub wait: Duration,
    /// Visibility a received message gets, extended by as much every third
    /// of it while the message is being handled.
    pub visibility: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            concurrency: 4,
            wait: Duration::from_secs(20),
            visibility: Duration::from_secs(60),
        }
    }
}

/// Consumes `queue` for `role` until `shutdown`, then waits for the
/// messages in hand.
pub async fn run_worker(
    pipeline: Arc<Pipeline>,
    role: Role,
    queue: SqsQueue,
    settings: WorkerSettings,
    shutdown: CancellationToken,
) {
    let queue = Arc::new(queue);
    let name = queue
        .url()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let slots = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    let tracker = TaskTracker::new();
    info!(queue = %name, concurrency = settings.concurrency, "worker started");
    loop {
        // Receive only when a slot is free, and no more than the free slots.
        let free = tokio::select! {
            () = shutdown.cancelled() => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => {
                    drop(permit);
                    u32::try_from(slots.available_permits().clamp(1, 10)).unwrap_or(1)
                }
                Err(_) => break,
            },
        };
        let received = tokio::select! {
            () = shutdown.cancelled() => break,
            received = queue.receive(free, settings.wait, settings.visibility) => received,
        };
        let messages = match received {
            Ok(messages) => messages,
            Err(err) => {
                error!(queue = %name, error = %err, "receive failed");
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
        };
        for message in messages {
            let Ok(permit) = slots.clone().acquire_owned().await else {
                break;
            };
            let (pipeline, role, queue, name) =
                (pipeline.clone(), role.clone(), queue.clone(), name.clone());
            let span = info_span!("sqs", queue = %name, message_id = %message.message_id);
            tracker.spawn(
                async move {
                    handle(
                        &pipeline,
                        &role,
                        &queue,
                        &name,
                        &message,
                        settings.visibility,
                    )
                    .await;
                    drop(permit);
                }
                .instrument(span),
            );
        }
    }
    tracker.close();
    info!(queue = %name, in_hand = tracker.len(), "worker stopping");
    tracker.wait().await;
}

/// Handles one message while keeping it invisible, then deletes it unless
/// it is to be kept.
async fn handle(
    pipeline: &Pipeline,
    role: &Role,
    queue: &SqsQueue,
    name: &str,
    message: &ReceivedMessage,
    visibility: Duration,
) {
    let received = Received {
        body: &message.body,
        receipt: message.receipt.as_str(),
        queue,
    };
    let work = process(pipeline, role, name, received, message.receive_count);
    let settled = keep_invisible(queue, &message.receipt, visibility, work).await;
    if settled == Settled::Done
        && let Err(err) = queue.delete(&message.receipt).await
    {
        // It comes back and is recognised as a repeat by its idempotency record.
        warn!(error = %err, "could not delete a handled message");
    }
}

/// Runs `work`, extending the message's visibility every third of it.
async fn keep_invisible<T>(
    queue: &SqsQueue,
    receipt: &ReceiptHandle,
    visibility: Duration,
    work: impl std::future::Future<Output = T>,
) -> T {
    let mut work = std::pin::pin!(work);
    let mut ticks = tokio::time::interval(visibility / 3);
    ticks.tick().await; // The first tick is immediate.
    loop {
        tokio::select! {
            done = &mut work => return done,
            _ = ticks.tick() => {
                if let Err(err) = queue.change_visibility(receipt, visibility).await {
                    warn!(error = %err, "could not extend a message's visibility");
                }
            }
        }
    }
}

/// What `riv worker` consumes.
#[derive(Debug, Clone)]
pub struct WorkerPlan {
    /// Queue names' prefix (`riv-dev`): queues are `{prefix}-{stage}`.
    pub prefix: String,
    /// The stages whose queues to consume.
    pub stages: Vec<riv_events::Stage>,
    /// Also consume every stage's dead-letter queue, parking what is handled.
    pub dead_letters: bool,
    /// Polling.
    pub settings: WorkerSettings,
}

/// Looks the queues up by name and consumes them all until `shutdown`.
pub async fn run_plan(
    pipeline: Arc<Pipeline>,
    sqs: aws_sdk_sqs::Client,
    plan: WorkerPlan,
    shutdown: CancellationToken,
) -> Result<(), PortError> {
    let by_name = |name: String| {
        let sqs = sqs.clone();
        async move { SqsQueue::by_name(sqs, &name).await }
    };
    let prefix = &plan.prefix;
    let mut workers = Vec::new();
    for stage in &plan.stages {
        let queue = by_name(format!("{prefix}-{stage}")).await?;
        let dead_letters = by_name(format!("{prefix}-{stage}-dlq")).await?;
        let role = Role::Stage {
            stage: *stage,
            dead_letters: Some(Arc::new(dead_letters)),
        };
        workers.push((role, queue));
    }
    if plan.dead_letters {
        let parked: Arc<dyn MessageQueue> = Arc::new(by_name(format!("{prefix}-parked")).await?);
        for stage in riv_events::Stage::ALL {
            let role = Role::DeadLetters {
                prefix: prefix.clone(),
                parked: Some(parked.clone()),
            };
            workers.push((role, by_name(format!("{prefix}-{stage}-dlq")).await?));
        }
    }
    let tracker = TaskTracker::new();
    for (role, queue) in workers {
        tracker.spawn(run_worker(
            pipeline.clone(),
            role,
            queue,
            plan.settings,
            shutdown.clone(),
        ));
    }
    tracker.close();
    tracker.wait().await;
    Ok(())
}

//! One SQS batch as Lambda hands it over: every record handled on its own,
//! concurrently; only the records to be kept are reported as batch item
//! failures (`ReportBatchItemFailures`), so one bad message never holds
//! back the others.

use std::sync::Arc;

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage};
use riv_consumers::{Delivery, Disposition, Pipeline, PortError};
use riv_events::Stage;
use tokio::task::JoinSet;
use tracing::{error, warn};

use crate::settle::{MessageQueue, Received, Settled, Source, settle};

/// Finds the queue a record came from by its ARN.
#[async_trait]
pub trait QueueDirectory: Send + Sync {
    /// The queue with this ARN.
    async fn by_arn(&self, arn: &str) -> Result<Arc<dyn MessageQueue>, PortError>;
}

/// What the function consumes.
#[derive(Clone)]
pub enum Role {
    /// One stage's queue.
    Stage {
        /// The stage.
        stage: Stage,
        /// Its dead-letter queue, for messages the driver can never process.
        dead_letters: Option<Arc<dyn MessageQueue>>,
    },
    /// Every stage's dead-letter queue: `{prefix}-{stage}-dlq`.
    DeadLetters {
        /// The queue-name prefix, which tells the stage from the queue's name.
        prefix: String,
        /// Where handled dead letters rest.
        parked: Option<Arc<dyn MessageQueue>>,
    },
}

impl std::fmt::Debug for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Role::Stage { stage, .. } => write!(f, "Role::Stage({stage})"),
            Role::DeadLetters { prefix, .. } => write!(f, "Role::DeadLetters({prefix})"),
        }
    }
}

/// Handles batches for one role.
#[derive(Clone)]
pub struct BatchHandler {
    pipeline: Arc<Pipeline>,
    role: Role,
    queues: Arc<dyn QueueDirectory>,
}

impl std::fmt::Debug for BatchHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchHandler")
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// The queue name in an SQS ARN (`arn:aws:sqs:region:account:name`).
pub fn queue_name(arn: &str) -> Option<&str> {
    let name = arn.rsplit(':').next()?;
    (arn.starts_with("arn:") && !name.is_empty()).then_some(name)
}

/// The stage whose dead-letter queue `queue` is, given the names'
/// prefix: `riv-dev-duplicate_search-dlq` → `duplicate_search`.
pub fn stage_of_dead_letter_queue(prefix: &str, queue: &str) -> Option<Stage> {
    let stage = queue
        .strip_prefix(prefix)?
        .strip_prefix('-')?
        .strip_suffix("-dlq")?;
    Stage::parse(stage)
}

impl BatchHandler {
    /// Joins the pipeline, the role and the way to reach queues.
    pub fn new(pipeline: Arc<Pipeline>, role: Role, queues: Arc<dyn QueueDirectory>) -> Self {
        Self {
            pipeline,
            role,
            queues,
        }
    }

    /// Handles every record; the response lists those to keep.
    pub async fn handle(&self, event: SqsEvent) -> SqsBatchResponse {
        let mut tasks = JoinSet::new();
        for record in event.records {
            let handler = self.clone();
            tasks.spawn(async move {
                let id = record.message_id.clone().unwrap_or_default();
                (id, handler.handle_record(record).await)
            });
        }
        let mut response = SqsBatchResponse::default();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((_, Settled::Done)) => {}
                Ok((id, Settled::Keep)) => response.add_failure(id),
                Err(err) => {
                    // A panicking record cannot be named; fail the batch's
                    // remainder conservatively by failing the invocation's
                    // unknown record: Lambda then retries the whole batch,
                    // and every other record's repeat is idempotent.
                    error!(error = %err, "a record's task failed");
                    response.add_failure(String::new());
                }
            }
        }
        response
    }

    async fn handle_record(&self, record: SqsMessage) -> Settled {
        let (Some(receipt), Some(arn)) = (&record.receipt_handle, &record.event_source_arn) else {
            warn!(message_id = ?record.message_id, "a record without receipt handle or source; kept");
            return Settled::Keep;
        };
        let queue = match self.queues.by_arn(arn).await {
            Ok(queue) => queue,
            Err(err) => {
                error!(arn, error = %err, "the record's queue cannot be reached; kept");
                return Settled::Keep;
            }
        };
        let queue_name = queue_name(arn).unwrap_or(arn);
        let body = record.body.as_deref().unwrap_or_default();
        let receive_count = record
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|count| count.parse().ok())
            .unwrap_or(1);
        let received = Received {
            body,
            receipt,
            queue: queue.as_ref(),
        };
        process(
            &self.pipeline,
            &self.role,
            queue_name,
            received,
            receive_count,
        )
        .await
    }
}

/// Handles one message from the queue `queue_name` for `role` and carries
/// out the disposition: the step a Lambda record and a worker's message share.
pub async fn process(
    pipeline: &Pipeline,
    role: &Role,
    queue_name: &str,
    received: Received<'_>,
    receive_count: u32,
) -> Settled {
    let message = crate::unwrap::riv_message(received.body);
    let body: &str = &message;
    match role {
        Role::Stage {
            stage,
            dead_letters,
        } => {
            let delivery = Delivery {
                body: body.as_bytes(),
                receive_count,
            };
            let disposition = pipeline.handle(*stage, delivery).await;
            let source = Source::Stage {
                queue: queue_name,
                dead_letters: dead_letters.as_deref(),
            };
            settle(received, source, disposition).await
        }
        Role::DeadLetters { prefix, parked } => {
            let disposition = match stage_of_dead_letter_queue(prefix, queue_name) {
                Some(stage) => pipeline.park_dead_letter(stage, body.as_bytes()).await,
                None => Disposition::DeadLetter(format!(
                    "{queue_name} is not a stage's dead-letter queue under prefix {prefix}"
                )),
            };
            let source = Source::DeadLetters {
                queue: queue_name,
                parked: parked.as_deref(),
            };
            settle(received, source, disposition).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_come_from_arns() {
        assert_eq!(
            queue_name("arn:aws:sqs:eu-west-1:123456789012:riv-dev-index"),
            Some("riv-dev-index")
        );
        assert_eq!(queue_name("riv-dev-index"), None);
        assert_eq!(queue_name("arn:aws:sqs:eu-west-1:1:"), None);
    }

    #[test]
    fn dead_letter_queues_name_their_stage() {
        let stage = |q| stage_of_dead_letter_queue("riv-dev", q);
        assert_eq!(
            stage("riv-dev-duplicate_search-dlq"),
            Some(Stage::DuplicateSearch)
        );
        assert_eq!(stage("riv-dev-intake-dlq"), Some(Stage::Intake));
        assert_eq!(stage("riv-dev-intake"), None);
        assert_eq!(stage("riv-prod-intake-dlq"), None);
        assert_eq!(stage("riv-dev-nonsense-dlq"), None);
        assert_eq!(stage("riv-devintake-dlq"), None);
    }
}

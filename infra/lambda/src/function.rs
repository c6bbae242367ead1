//! The entry point of every Lambda function: read the settings once, load
//! the SDK config once, compose, then serve SQS batches until the runtime
//! stops the process.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};
use riv_aws::sqs::SqsQueue;
use riv_consumers::PortError;
use riv_events::Stage;

use crate::batch::{BatchHandler, QueueDirectory, Role, queue_name};
use crate::compose::{Clients, pipeline};
use crate::config::AwsSettings;
use crate::settle::MessageQueue;

/// What a function consumes.
#[derive(Debug, Clone, Copy)]
pub enum Consumes {
    /// One stage's queue.
    Stage(Stage),
    /// Every stage's dead-letter queue.
    DeadLetters,
}

/// Queues by ARN, looked up once each (GetQueueUrl) and kept.
#[derive(Debug)]
pub struct SqsDirectory {
    client: aws_sdk_sqs::Client,
    known: Mutex<Vec<(String, Arc<SqsQueue>)>>,
}

impl SqsDirectory {
    /// Looks queues up through `client`.
    pub fn new(client: aws_sdk_sqs::Client) -> Self {
        Self {
            client,
            known: Mutex::new(Vec::new()),
        }
    }
}

#[async_trait]
impl QueueDirectory for SqsDirectory {
    async fn by_arn(&self, arn: &str) -> Result<Arc<dyn MessageQueue>, PortError> {
        let cached = self
            .known
            .lock()
            .map_err(|_| PortError::permanent("queue directory lock poisoned"))?
            .iter()
            .find(|(known, _)| known == arn)
            .map(|(_, queue)| queue.clone());
        if let Some(queue) = cached {
            return Ok(queue);
        }
        let name = queue_name(arn)
            .ok_or_else(|| PortError::permanent(format!("{arn} is not an SQS queue ARN")))?;
        let queue = Arc::new(SqsQueue::by_name(self.client.clone(), name).await?);
        if let Ok(mut known) = self.known.lock() {
            known.push((arn.to_owned(), queue.clone()));
        }
        Ok(queue)
    }
}

/// Builds the batch handler for `consumes` from settings and clients.
pub fn handler(consumes: Consumes, clients: &Clients, settings: &AwsSettings) -> BatchHandler {
    let queue = |url: &Option<String>| {
        url.as_ref()
            .map(|url| Arc::new(SqsQueue::new(clients.sqs.clone(), url)) as Arc<dyn MessageQueue>)
    };
    let role = match consumes {
        Consumes::Stage(stage) => Role::Stage {
            stage,
            dead_letters: queue(&settings.dead_letter_queue_url),
        },
        Consumes::DeadLetters => Role::DeadLetters {
            prefix: settings.queue_prefix.clone().unwrap_or_default(),
            parked: queue(&settings.parked_queue_url),
        },
    };
    BatchHandler::new(
        Arc::new(pipeline(clients, settings)),
        role,
        Arc::new(SqsDirectory::new(clients.sqs.clone())),
    )
}

/// Runs the function: the `main` of every Lambda binary.
pub async fn run(consumes: Consumes) -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_ansi(false)
        .without_time() // CloudWatch stamps every line.
        .init();
    let settings = AwsSettings::from_vars(|name| std::env::var(name).ok())
        .map_err(|err| format!("riv cannot start: {err}"))?;
    if let (Consumes::DeadLetters, None) = (consumes, &settings.queue_prefix) {
        return Err("RIV_QUEUE_PREFIX is not set; the dead-letter function needs it".into());
    }
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let handler = handler(consumes, &Clients::new(&sdk), &settings);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let handler = handler.clone();
        async move { Ok::<SqsBatchResponse, lambda_runtime::Error>(handler.handle(event.payload).await) }
    }))
    .await
}

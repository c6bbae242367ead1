//! The per-message driver: one delivery in, one [`Disposition`] out.
//!
//! For every message: parse (a malformed message becomes a `failed` outcome
//! when its request can be named, else it is dead-lettered), claim the
//! idempotency record for (stage, input), run the stage with in-process
//! retries (`backon`) for retryable port errors, store the planned outputs
//! with the record, publish them, acknowledge. A redelivered message finds
//! the record completed and publishes the stored outputs again (same event
//! ids, so consumers downstream skip them). Only retryable errors send the
//! message back to the queue.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use riv_events::pipeline::PipelineEnvelope;
use riv_events::rollback::RollbackEnvelope;
use riv_events::s3::{S3Notification, parse_notification};
use riv_events::{
    EnvelopeError, EventId, EventMeta, ObjectKey, ReasonCode, RequestId, RequestManifest,
    SCHEMA_VERSION, Stage,
};
use tracing::{Instrument, error, info_span, warn};

use crate::config::PipelineConfig;
use crate::decision::Decision;
use crate::outputs::{Emitter, Output, plan, unreadable};
use crate::ports::{Begin, IdempotencyKey, Ports};
use crate::stages::{self, intake::Intake};
use crate::{PortError, workflow};

mod dead_letter;

pub use dead_letter::parked_message;

/// One message as a queue delivered it.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The body.
    pub body: &'a [u8],
    /// How often it has been received, this time included (1 = first).
    pub receive_count: u32,
}

/// What the queue should do with the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Done (including permanent failures, which became outcomes): delete it.
    Ack,
    /// A retryable error: make it visible again after this delay.
    Retry(Duration),
    /// Nothing riv can do with it: move it to the dead-letter queue now.
    DeadLetter(String),
}

/// The stage consumers over one set of ports and one configuration.
#[derive(Debug, Clone)]
pub struct Pipeline {
    ports: Ports,
    config: Arc<PipelineConfig>,
}

impl Pipeline {
    /// Joins validated config and built ports.
    pub fn new(ports: Ports, config: Arc<PipelineConfig>) -> Self {
        Self { ports, config }
    }

    /// The ports.
    pub fn ports(&self) -> &Ports {
        &self.ports
    }

    /// The configuration.
    pub fn config(&self) -> &PipelineConfig {
        &self.config
    }

    /// Handles one delivery on `stage`'s queue.
    pub async fn handle(&self, stage: Stage, delivery: Delivery<'_>) -> Disposition {
        match stage {
            Stage::Intake => self.intake(delivery).await,
            Stage::Rollback => self.rollback(delivery).await,
            _ => self.stage(stage, delivery).await,
        }
    }

    async fn stage(&self, stage: Stage, delivery: Delivery<'_>) -> Disposition {
        let envelope = match PipelineEnvelope::from_slice(delivery.body) {
            Ok(envelope) => envelope,
            Err(err) => return self.malformed(stage, delivery, err).await,
        };
        let context = envelope.body.context().clone();
        let span = info_span!(
            "message",
            stage = %stage,
            correlation_id = %envelope.meta.correlation_id,
            event_id = %envelope.meta.event_id,
            attempt = delivery.receive_count,
        );
        if !workflow::routes_to(context.workflow, envelope.body.type_name(), stage) {
            return Disposition::DeadLetter(format!(
                "misrouted: {} of a {} request does not go to {stage}",
                envelope.body.type_name(),
                context.workflow
            ));
        }
        let key = IdempotencyKey {
            stage,
            input: envelope.meta.event_id.to_string(),
        };
        let emitter = Emitter {
            parent: &envelope.meta,
            stage,
            attempt: delivery.receive_count,
            now: self.ports.clock.now(),
            label: "",
        };
        let emitter = &emitter;
        let work = || {
            let context = context.clone();
            async move {
                let decision = match self.run_stage(stage, context.clone()).await {
                    Ok(decision) => decision,
                    Err(err) if err.is_retryable() => return Err(err),
                    Err(err) => {
                        error!(error = %err, "permanent error");
                        Decision::fail(
                            context,
                            ReasonCode::InternalError,
                            format!("{stage}: {err}"),
                        )
                    }
                };
                Ok(plan(decision, emitter, &self.config))
            }
        };
        self.once(key, delivery.receive_count, work)
            .instrument(span)
            .await
    }

    async fn run_stage(
        &self,
        stage: Stage,
        context: riv_events::RequestContext,
    ) -> Result<Decision, PortError> {
        let (ports, config) = (&self.ports, &*self.config);
        match stage {
            Stage::Quality => stages::quality::run(ports, &config.quality, context).await,
            Stage::DuplicateSearch => stages::duplicate_search::run(ports, config, context).await,
            Stage::FaceMatch => stages::face_match::run(ports, config, context).await,
            Stage::Index => stages::index::run(ports, config, context).await,
            Stage::ProfileWrite => stages::profile_write::run(ports, config, context).await,
            Stage::IdMatch => stages::id_match::run(ports, &config.id_match, context).await,
            Stage::Intake | Stage::Rollback => Ok(Decision::fail(
                context,
                ReasonCode::WorkflowUnavailable,
                format!("stage {stage} has no consumer here"),
            )),
        }
    }

    async fn intake(&self, delivery: Delivery<'_>) -> Disposition {
        let objects = match parse_notification(delivery.body) {
            Ok(S3Notification::Created(objects)) => objects,
            Ok(S3Notification::Ignored(what)) => {
                tracing::debug!(what, "notification ignored");
                return Disposition::Ack;
            }
            Err(err) => return Disposition::DeadLetter(format!("malformed_message: {err}")),
        };
        let mut worst = Disposition::Ack;
        for object in objects {
            let Some(request_id) = RequestManifest::request_id_of_key(&object.key) else {
                continue; // Images also notify where configured; only manifests start requests.
            };
            let key = RequestManifest::key_for(&request_id);
            let received_at = object.event_time.unwrap_or_else(|| self.ports.clock.now());
            let span = info_span!("message", stage = "intake", correlation_id = %request_id);
            let disposition = self
                .intake_one(&request_id, &key, received_at, delivery.receive_count)
                .instrument(span)
                .await;
            worst = worse(worst, disposition);
        }
        worst
    }

    async fn intake_one(
        &self,
        request_id: &RequestId,
        key: &ObjectKey,
        received_at: chrono::DateTime<chrono::Utc>,
        attempt: u32,
    ) -> Disposition {
        let idempotency = IdempotencyKey {
            stage: Stage::Intake,
            input: request_id.to_string(),
        };
        let work = || async move {
            let intake = stages::intake::run(&self.ports, request_id, key, received_at).await;
            let (workflow, result) = match intake {
                Ok(Intake::Decided(decision)) => {
                    (Some(decision_workflow(&decision)), Ok(*decision))
                }
                Ok(Intake::Unreadable {
                    workflow,
                    user_id,
                    reason,
                    message,
                }) => {
                    let root = root_meta(request_id, workflow, attempt, received_at);
                    let emitter = self.emitter(&root, Stage::Intake, attempt, "");
                    return Ok(unreadable(&emitter, user_id, reason, message));
                }
                Err(err) if err.is_retryable() => return Err(err),
                Err(err) => (None, Err(err)),
            };
            let root = root_meta(request_id, workflow, attempt, received_at);
            let emitter = self.emitter(&root, Stage::Intake, attempt, "");
            Ok(match result {
                Ok(decision) => plan(decision, &emitter, &self.config),
                Err(err) => unreadable(&emitter, None, ReasonCode::InternalError, err.to_string()),
            })
        };
        self.once(idempotency, attempt, work).await
    }

    async fn rollback(&self, delivery: Delivery<'_>) -> Disposition {
        let envelope = match RollbackEnvelope::from_slice(delivery.body) {
            Ok(envelope) => envelope,
            Err(err) => return Disposition::DeadLetter(format!("malformed_message: {err}")),
        };
        let span = info_span!(
            "message",
            stage = "rollback",
            correlation_id = %envelope.meta.correlation_id,
            event_id = %envelope.meta.event_id,
        );
        let key = IdempotencyKey {
            stage: Stage::Rollback,
            input: envelope.meta.event_id.to_string(),
        };
        let work = || async {
            match stages::rollback::run(&self.ports, &envelope).await {
                Ok(_) => Ok(Vec::new()),
                Err(err) if err.is_retryable() => Err(err),
                // A rollback that cannot be done must not be forgotten.
                Err(err) => Err(PortError::retryable(format!("rollback failed: {err}"))),
            }
        };
        self.once(key, delivery.receive_count, work)
            .instrument(span)
            .await
    }

    /// A message that is not the event this queue carries.
    async fn malformed(
        &self,
        stage: Stage,
        delivery: Delivery<'_>,
        err: EnvelopeError,
    ) -> Disposition {
        let Some(meta) = EventMeta::salvage(delivery.body) else {
            return Disposition::DeadLetter(format!("malformed_message on {stage}: {err}"));
        };
        let emitter = self.emitter(&meta, stage, delivery.receive_count, "malformed/");
        let outputs = unreadable(
            &emitter,
            None,
            ReasonCode::MalformedMessage,
            err.to_string(),
        );
        self.publish(&outputs, delivery.receive_count).await
    }

    fn emitter<'a>(
        &self,
        parent: &'a EventMeta,
        stage: Stage,
        attempt: u32,
        label: &'a str,
    ) -> Emitter<'a> {
        Emitter {
            parent,
            stage,
            attempt,
            now: self.ports.clock.now(),
            label,
        }
    }

    /// Claims the idempotency record, runs `work` once (with in-process
    /// retries), stores and publishes its outputs.
    async fn once<F, Fut>(&self, key: IdempotencyKey, receive_count: u32, work: F) -> Disposition
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Vec<Output>, PortError>>,
    {
        let delivery = &self.config.delivery;
        let retry = Disposition::Retry(delivery.retry_delay(receive_count));
        match self.ports.idempotency.begin(&key, delivery.lease()).await {
            Ok(Begin::Started) => {}
            Ok(Begin::InProgress) => return retry,
            Ok(Begin::Completed(stored)) => {
                return match serde_json::from_slice::<Vec<Output>>(&stored) {
                    Ok(outputs) => self.publish(&outputs, receive_count).await,
                    Err(err) => {
                        Disposition::DeadLetter(format!("stored outputs unreadable: {err}"))
                    }
                };
            }
            Err(err) => {
                warn!(error = %err, "idempotency store unavailable");
                return retry;
            }
        }
        let outputs = work
            .retry(self.backoff())
            .when(PortError::is_retryable)
            .notify(|err, after| warn!(error = %err, ?after, "retrying"))
            .await;
        let outputs = match outputs {
            Ok(outputs) => outputs,
            Err(err) => {
                warn!(error = %err, "giving the message back to the queue");
                let _ = self.ports.idempotency.release(&key).await;
                return retry;
            }
        };
        let stored = serialise(&outputs);
        let store = || self.ports.idempotency.complete(&key, &stored);
        let recorded = match store
            .retry(self.backoff())
            .when(PortError::is_retryable)
            .await
        {
            Ok(recorded) => recorded,
            Err(err) => {
                warn!(error = %err, "could not record the outputs");
                let _ = self.ports.idempotency.release(&key).await;
                return retry;
            }
        };
        // Another worker may have completed first; its outputs are the ones.
        let outputs = if recorded == stored {
            outputs
        } else {
            match serde_json::from_slice::<Vec<Output>>(&recorded) {
                Ok(outputs) => outputs,
                Err(err) => {
                    return Disposition::DeadLetter(format!("stored outputs unreadable: {err}"));
                }
            }
        };
        self.publish(&outputs, receive_count).await
    }

    async fn publish(&self, outputs: &[Output], receive_count: u32) -> Disposition {
        for output in outputs {
            let publisher = &self.ports.publisher;
            let send = || async {
                match output {
                    Output::Event(event) => publisher.publish_event(event).await,
                    Output::Outcome(outcome) => publisher.publish_outcome(outcome).await,
                    Output::Rollback(command) => publisher.publish_rollback(command).await,
                }
            };
            if let Err(err) = send
                .retry(self.backoff())
                .when(PortError::is_retryable)
                .await
            {
                warn!(error = %err, "publishing failed; the redelivery publishes again");
                return Disposition::Retry(self.config.delivery.retry_delay(receive_count));
            }
        }
        Disposition::Ack
    }

    fn backoff(&self) -> ExponentialBuilder {
        let delivery = &self.config.delivery;
        ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(delivery.in_process_backoff_ms))
            .with_max_times(delivery.in_process_attempts.saturating_sub(1))
            .with_jitter()
    }
}

fn decision_workflow(decision: &Decision) -> riv_events::Workflow {
    match decision {
        Decision::Pass(context) => context.workflow,
        Decision::Deny(refusal) | Decision::Fail(refusal) => refusal.context.workflow,
    }
}

/// The metadata a request's chain of events descends from.
fn root_meta(
    request_id: &RequestId,
    workflow: Option<riv_events::Workflow>,
    attempt: u32,
    received_at: chrono::DateTime<chrono::Utc>,
) -> EventMeta {
    EventMeta {
        schema_version: SCHEMA_VERSION,
        event_id: EventId::for_request(request_id),
        correlation_id: request_id.clone(),
        workflow,
        stage: Stage::Intake,
        attempt,
        occurred_at: received_at,
        received_at,
    }
}

fn serialise(outputs: &[Output]) -> Vec<u8> {
    serde_json::to_vec(outputs).unwrap_or_default()
}

fn worse(a: Disposition, b: Disposition) -> Disposition {
    match (&a, &b) {
        (Disposition::DeadLetter(_), _) => a,
        (_, Disposition::DeadLetter(_)) => b,
        (Disposition::Retry(x), Disposition::Retry(y)) => Disposition::Retry((*x).max(*y)),
        (Disposition::Retry(_), _) => a,
        (_, Disposition::Retry(_)) => b,
        _ => Disposition::Ack,
    }
}

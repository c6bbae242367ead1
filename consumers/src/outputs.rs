//! What a decision turns into: the events, outcome and rollback command a
//! stage publishes. Planned before publishing and stored with the
//! idempotency record, so a redelivery publishes the very same messages.

use chrono::{DateTime, Utc};
use riv_events::outcome::{OutcomeBody, OutcomeEnvelope};
use riv_events::pipeline::PipelineEnvelope;
use riv_events::rollback::{RollbackBody, RollbackEnvelope};
use riv_events::{
    Envelope, EventMeta, ObjectKey, Outcome, OutcomeKind, PipelineEvent, ReasonCode,
    RequestContext, RequestManifest, RollbackCommand, Stage, Workflow,
};
use serde::{Deserialize, Serialize};

use crate::config::PipelineConfig;
use crate::decision::{Decision, Refusal};
use crate::workflow::{self, Route};

/// One message to publish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "envelope", rename_all = "snake_case")]
pub enum Output {
    /// To the bus, for the next stage.
    Event(PipelineEnvelope),
    /// To the outcomes topic, for apps.
    Outcome(OutcomeEnvelope),
    /// To the rollback topic.
    Rollback(RollbackEnvelope),
}

/// Where the outputs' metadata comes from: the input's, a stage and the delivery.
#[derive(Debug, Clone)]
pub struct Emitter<'a> {
    /// The input event's metadata.
    pub parent: &'a EventMeta,
    /// The emitting stage.
    pub stage: Stage,
    /// The delivery's receive count.
    pub attempt: u32,
    /// Now.
    pub now: DateTime<Utc>,
    /// Tells outputs of different paths (normal, dead letter) apart.
    pub label: &'a str,
}

impl Emitter<'_> {
    fn meta(&self, what: &str) -> EventMeta {
        self.parent.follow(
            self.stage,
            self.attempt,
            &format!("{}{what}", self.label),
            self.now,
        )
    }
}

/// The outputs of a decision.
pub fn plan(decision: Decision, emitter: &Emitter<'_>, config: &PipelineConfig) -> Vec<Output> {
    match decision {
        Decision::Pass(context) => match workflow::next(context.workflow, emitter.stage) {
            Some(Route::Next(_)) => match PipelineEvent::passed_by(emitter.stage, context) {
                Some(event) => vec![Output::Event(Envelope {
                    meta: emitter.meta("passed"),
                    body: event,
                })],
                None => Vec::new(),
            },
            Some(Route::Finish(kind)) => finish(kind, context, emitter, config),
            None => {
                let message = format!(
                    "stage {} is not part of the {} workflow",
                    emitter.stage, context.workflow
                );
                refuse(
                    OutcomeKind::Failed,
                    Refusal {
                        context,
                        reason: ReasonCode::InternalError,
                        message,
                        measured: None,
                    },
                    emitter,
                    config,
                )
            }
        },
        Decision::Deny(refusal) => refuse(OutcomeKind::Denied, refusal, emitter, config),
        Decision::Fail(refusal) => refuse(OutcomeKind::Failed, refusal, emitter, config),
    }
}

fn finish(
    kind: OutcomeKind,
    context: RequestContext,
    emitter: &Emitter<'_>,
    config: &PipelineConfig,
) -> Vec<Output> {
    let cleanup =
        context.workflow == Workflow::Auth && config.retention.delete_auth_request_objects;
    let objects = request_objects(&context);
    let user_id = context.user_id.clone();
    let mut outputs = vec![outcome(
        emitter,
        Outcome {
            outcome: kind,
            user_id: Some(context.user_id),
            reason: None,
            message: None,
            measured: None,
            face_ids: context.findings.user_faces.clone(),
            findings: context.findings,
        },
    )];
    if cleanup {
        outputs.push(rollback(
            emitter,
            RollbackCommand {
                user_id,
                reason: None,
                effects: Vec::new(),
                delete_objects: objects,
            },
        ));
    }
    outputs
}

fn refuse(
    kind: OutcomeKind,
    refusal: Refusal,
    emitter: &Emitter<'_>,
    config: &PipelineConfig,
) -> Vec<Output> {
    let Refusal {
        context,
        reason,
        message,
        measured,
    } = refusal;
    let delete_objects = if config.retention.delete_failed_request_objects {
        request_objects(&context)
    } else {
        Vec::new()
    };
    let effects = context.effects.clone();
    let user_id = context.user_id.clone();
    let mut outputs = vec![outcome(
        emitter,
        Outcome {
            outcome: kind,
            user_id: Some(context.user_id),
            reason: Some(reason),
            message: Some(message),
            measured,
            face_ids: Vec::new(),
            findings: context.findings,
        },
    )];
    if !effects.is_empty() || !delete_objects.is_empty() {
        outputs.push(rollback(
            emitter,
            RollbackCommand {
                user_id,
                reason: Some(reason),
                effects,
                delete_objects,
            },
        ));
    }
    outputs
}

/// The outcome of a request whose manifest could not be read.
pub fn unreadable(
    emitter: &Emitter<'_>,
    user_id: Option<riv_events::UserId>,
    reason: ReasonCode,
    message: String,
) -> Vec<Output> {
    vec![outcome(
        emitter,
        Outcome {
            outcome: OutcomeKind::Failed,
            user_id,
            reason: Some(reason),
            message: Some(message),
            measured: None,
            face_ids: Vec::new(),
            findings: Default::default(),
        },
    )]
}

fn outcome(emitter: &Emitter<'_>, outcome: Outcome) -> Output {
    Output::Outcome(OutcomeEnvelope {
        meta: emitter.meta("outcome"),
        body: OutcomeBody::Outcome(outcome),
    })
}

fn rollback(emitter: &Emitter<'_>, command: RollbackCommand) -> Output {
    Output::Rollback(RollbackEnvelope {
        meta: emitter.meta("rollback"),
        body: RollbackBody::Requested(command),
    })
}

/// A request's objects: its images and its manifest.
pub fn request_objects(context: &RequestContext) -> Vec<ObjectKey> {
    let mut keys: Vec<ObjectKey> = context.images.all().into_iter().cloned().collect();
    keys.push(RequestManifest::key_for(&context.request_id));
    keys
}

//! Envelopes built as the stages build them: a request from its manifest,
//! metadata that follows its root, events, outcomes and rollback commands.

use chrono::{DateTime, TimeZone, Utc};
use riv_events::outcome::{OutcomeBody, OutcomeEnvelope};
use riv_events::pipeline::PipelineEnvelope;
use riv_events::rollback::{RollbackBody, RollbackEnvelope};
use riv_events::{
    Effect, Envelope, EventId, EventMeta, Findings, ImageKeys, ObjectKey, Outcome, OutcomeKind,
    PipelineEvent, ReasonCode, RequestContext, RequestId, RequestManifest, RollbackCommand,
    SCHEMA_VERSION, Stage, UserId, Workflow,
};

use crate::support;

/// The `source` the CDK app's rules match (`EVENT_SOURCE` in `cdk/lib/riv-stack.ts`).
pub const EVENT_SOURCE: &str = "riv.pipeline";

fn received_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 14, 7).unwrap()
}

/// A fresh request of `workflow`, as intake starts it from its manifest.
fn request(workflow: Workflow) -> RequestContext {
    let request_id = RequestId::parse(support::unique_bucket("r")).unwrap();
    let folder = RequestManifest::folder_for(&request_id);
    let manifest = RequestManifest {
        schema_version: SCHEMA_VERSION,
        workflow,
        request_id,
        user_id: UserId::parse("ana.maria+1@example.org").unwrap(),
        images: ImageKeys {
            selfie: ObjectKey::parse(format!("{folder}/selfie.jpg")).unwrap(),
            document_front: None,
            document_back: None,
        },
        properties: [("display_name".to_owned(), "Ana María Souza".to_owned())].into(),
        liveness: None,
    };
    RequestContext::from_manifest(manifest, received_at())
}

/// The metadata of something `stage` emits for `context`'s request.
fn meta(context: &RequestContext, workflow: Option<Workflow>, stage: Stage) -> EventMeta {
    let root = EventMeta {
        schema_version: SCHEMA_VERSION,
        event_id: EventId::for_request(&context.request_id),
        correlation_id: context.request_id.clone(),
        workflow,
        stage: Stage::Intake,
        attempt: 1,
        occurred_at: received_at(),
        received_at: received_at(),
    };
    root.follow(
        stage,
        1,
        "passed",
        received_at() + chrono::Duration::milliseconds(890),
    )
}

/// The event `stage` emits when it passes a new `workflow` request on.
pub fn passed(workflow: Workflow, stage: Stage) -> PipelineEnvelope {
    let context = request(workflow);
    Envelope {
        meta: meta(&context, Some(workflow), stage),
        body: PipelineEvent::passed_by(stage, context).unwrap(),
    }
}

/// An outcome of a new request; `workflow: None` is a manifest too broken
/// to name one.
pub fn outcome(
    workflow: Option<Workflow>,
    kind: OutcomeKind,
    reason: Option<ReasonCode>,
) -> OutcomeEnvelope {
    let context = request(workflow.unwrap_or(Workflow::Register));
    Envelope {
        meta: meta(&context, workflow, Stage::ProfileWrite),
        body: OutcomeBody::Outcome(Outcome {
            outcome: kind,
            user_id: Some(context.user_id.clone()),
            reason,
            message: reason.map(|r| format!("the request ended with {r}")),
            measured: None,
            face_ids: Vec::new(),
            findings: Findings::default(),
        }),
    }
}

/// A rollback command for a new `workflow` request that created a profile.
pub fn rollback(workflow: Workflow) -> RollbackEnvelope {
    let context = request(workflow);
    Envelope {
        meta: meta(&context, Some(workflow), Stage::ProfileWrite),
        body: RollbackBody::Requested(RollbackCommand {
            user_id: context.user_id.clone(),
            reason: Some(ReasonCode::RetriesExhausted),
            effects: vec![Effect::ProfileCreated {
                user_id: context.user_id.clone(),
            }],
            delete_objects: vec![context.images.selfie.clone()],
        }),
    }
}

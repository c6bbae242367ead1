//! Intake: reads the manifest whose upload was notified, validates it and
//! the request it describes, and starts the workflow.

use chrono::{DateTime, Utc};
use riv_events::{
    ObjectKey, ReasonCode, RequestContext, RequestId, RequestManifest, UserId, Workflow,
};

use crate::decision::Decision;
use crate::ports::Ports;
use crate::stages::face_match::unknown_user;
use crate::{PortError, workflow};

/// What intake made of a manifest.
#[derive(Debug, Clone, PartialEq)]
pub enum Intake {
    /// The manifest was read: the request starts or is refused with its context.
    Decided(Box<Decision>),
    /// The manifest could not be read as a request.
    Unreadable {
        /// The workflow, if the broken manifest still names one.
        workflow: Option<Workflow>,
        /// The user, if the broken manifest still names one.
        user_id: Option<UserId>,
        /// `invalid_manifest` or `unsupported_schema_version`.
        reason: ReasonCode,
        /// What is wrong.
        message: String,
    },
}

/// Reads and checks the manifest of `request_id`, uploaded at `key`.
pub async fn run(
    ports: &Ports,
    request_id: &RequestId,
    key: &ObjectKey,
    received_at: DateTime<Utc>,
) -> Result<Intake, PortError> {
    let Some(bytes) = ports.objects.get(key).await? else {
        return Ok(Intake::Unreadable {
            workflow: None,
            user_id: None,
            reason: ReasonCode::InvalidManifest,
            message: format!("the manifest of request {request_id} is no longer in the bucket"),
        });
    };
    let manifest = match RequestManifest::parse(key.as_str(), &bytes) {
        Ok(manifest) => manifest,
        Err(err) => {
            let salvaged: Option<serde_json::Value> = serde_json::from_slice(&bytes).ok();
            let field = |name: &str| salvaged.as_ref().and_then(|v| v.get(name)).cloned();
            return Ok(Intake::Unreadable {
                workflow: field("workflow").and_then(|v| serde_json::from_value(v).ok()),
                user_id: field("user_id").and_then(|v| serde_json::from_value(v).ok()),
                reason: err.code,
                message: err.message,
            });
        }
    };
    let context = RequestContext::from_manifest(manifest, received_at);
    Ok(Intake::Decided(Box::new(check(ports, context).await?)))
}

async fn check(ports: &Ports, context: RequestContext) -> Result<Decision, PortError> {
    if workflow::stages(context.workflow).is_none() {
        let message = format!("the {} workflow is not available yet", context.workflow);
        return Ok(Decision::fail(
            context,
            ReasonCode::WorkflowUnavailable,
            message,
        ));
    }
    if context.workflow == Workflow::RegisterIdcard && ports.documents.is_none() {
        return Ok(Decision::fail(
            context,
            ReasonCode::WorkflowUnavailable,
            "register-idcard needs a document reader, and none is configured",
        ));
    }
    if context.liveness.is_some() {
        return Ok(Decision::fail(
            context,
            ReasonCode::LivenessUnavailable,
            "the request names a liveness session but no liveness checker is configured",
        ));
    }
    for image in context.images.all() {
        if !ports.objects.exists(image).await? {
            let message =
                format!("image {image} is not in the bucket; upload images before the manifest");
            return Ok(Decision::fail(
                context.clone(),
                ReasonCode::ImageMissing,
                message,
            ));
        }
    }
    let profile = ports.profiles.get(&context.user_id).await?;
    match (context.workflow, profile) {
        (Workflow::Register | Workflow::RegisterIdcard, Some(_)) => Ok(Decision::fail(
            context,
            ReasonCode::UserExists,
            "this user id is already registered",
        )),
        (Workflow::Auth | Workflow::Update, None) => Ok(unknown_user(context)),
        _ => Ok(Decision::Pass(context)),
    }
}

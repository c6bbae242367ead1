//! Rollback commands: undo exactly the effects a failed request did.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Effect, Envelope, ObjectKey, ReasonCode, UserId};

/// Undo a failed request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RollbackCommand {
    /// The request's user.
    pub user_id: UserId,
    /// Why the request failed; absent when a request that succeeded only
    /// has its objects cleaned up (auth images, when not kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ReasonCode>,
    /// The effects to undo, newest last; undone newest first.
    pub effects: Vec<Effect>,
    /// The request's objects to delete (its images and manifest), when the
    /// deployment does not keep failed requests' images.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delete_objects: Vec<ObjectKey>,
}

/// The rollback command's wire body: `type` is always `rollback.requested`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "detail")]
pub enum RollbackBody {
    /// The only variant.
    #[serde(rename = "rollback.requested")]
    Requested(RollbackCommand),
}

/// A rollback command on the wire.
pub type RollbackEnvelope = Envelope<RollbackBody>;

impl RollbackEnvelope {
    /// The command inside.
    pub fn command(&self) -> &RollbackCommand {
        let RollbackBody::Requested(command) = &self.body;
        command
    }
}

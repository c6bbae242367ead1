//! Outcomes: the one event per request that apps subscribe to.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Envelope, FaceId, Findings, Measurement, ReasonCode, UserId};

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// Register or register-idcard: the user now exists.
    Registered,
    /// Auth: the selfie is the user.
    Verified,
    /// Auth or update: the selfie is not the user (or the user is unknown).
    Denied,
    /// Update: the new face was added.
    Updated,
    /// The request could not be done; `reason` says why and its effects were rolled back.
    Failed,
}

impl OutcomeKind {
    /// Every kind.
    pub const ALL: [OutcomeKind; 5] = [
        OutcomeKind::Registered,
        OutcomeKind::Verified,
        OutcomeKind::Denied,
        OutcomeKind::Updated,
        OutcomeKind::Failed,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Registered => "registered",
            OutcomeKind::Verified => "verified",
            OutcomeKind::Denied => "denied",
            OutcomeKind::Updated => "updated",
            OutcomeKind::Failed => "failed",
        }
    }

    /// Whether the app got what it asked for.
    pub fn is_success(self) -> bool {
        !matches!(self, OutcomeKind::Denied | OutcomeKind::Failed)
    }
}

impl fmt::Display for OutcomeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The end of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Outcome {
    /// How it ended.
    pub outcome: OutcomeKind,
    /// The person; absent only when a broken manifest did not name one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// Why, for `denied` and `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ReasonCode>,
    /// What went wrong, for people (never personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The measured value behind a refusal, with its limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<Measurement>,
    /// The user's faces after the request (registered, updated).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub face_ids: Vec<FaceId>,
    /// What the stages found.
    #[serde(default)]
    pub findings: Findings,
}

/// The outcome's wire body: `type` is always `outcome`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "detail")]
pub enum OutcomeBody {
    /// The only variant.
    #[serde(rename = "outcome")]
    Outcome(Outcome),
}

/// An outcome on the wire.
pub type OutcomeEnvelope = Envelope<OutcomeBody>;

impl OutcomeEnvelope {
    /// The outcome inside.
    pub fn outcome(&self) -> &Outcome {
        let OutcomeBody::Outcome(outcome) = &self.body;
        outcome
    }
}

//! The names of workflows and stages as they appear on the wire. Which stage
//! follows which lives in the domain's workflow table, not here.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What an app asks riv to do.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Workflow {
    /// Enrol a new user from a selfie.
    Register,
    /// Enrol a new user from a selfie and an identity document.
    RegisterIdcard,
    /// Check that a selfie is the user it claims to be.
    Auth,
    /// Add a newer photo to an existing user.
    Update,
}

impl Workflow {
    /// Every workflow, in documentation order.
    pub const ALL: [Workflow; 4] = [
        Workflow::Register,
        Workflow::RegisterIdcard,
        Workflow::Auth,
        Workflow::Update,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Workflow::Register => "register",
            Workflow::RegisterIdcard => "register-idcard",
            Workflow::Auth => "auth",
            Workflow::Update => "update",
        }
    }
}

impl fmt::Display for Workflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One consumer of the pipeline, each with its own queue.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Reads the uploaded manifest and starts the request.
    Intake,
    /// The DetectFaces-equivalent gate on the selfie.
    Quality,
    /// 1:N search of the whole collection for the same face under another user.
    DuplicateSearch,
    /// Selfie against an identity document's portrait (the ID-document issue).
    IdMatch,
    /// 1:1 against the claimed user's faces, 1:N as fallback.
    FaceMatch,
    /// Adds the face to the collection under the user.
    Index,
    /// Writes the user's profile.
    ProfileWrite,
    /// Undoes a failed request's effects.
    Rollback,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 8] = [
        Stage::Intake,
        Stage::Quality,
        Stage::DuplicateSearch,
        Stage::IdMatch,
        Stage::FaceMatch,
        Stage::Index,
        Stage::ProfileWrite,
        Stage::Rollback,
    ];

    /// The wire name, also the stage's queue name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Intake => "intake",
            Stage::Quality => "quality",
            Stage::DuplicateSearch => "duplicate_search",
            Stage::IdMatch => "id_match",
            Stage::FaceMatch => "face_match",
            Stage::Index => "index",
            Stage::ProfileWrite => "profile_write",
            Stage::Rollback => "rollback",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|stage| stage.as_str() == name)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde() {
        for workflow in Workflow::ALL {
            let json = serde_json::to_string(&workflow).unwrap();
            assert_eq!(json, format!("\"{}\"", workflow.as_str()));
        }
        for stage in Stage::ALL {
            let json = serde_json::to_string(&stage).unwrap();
            assert_eq!(json, format!("\"{}\"", stage.as_str()));
            assert_eq!(Stage::parse(stage.as_str()), Some(stage));
        }
    }
}

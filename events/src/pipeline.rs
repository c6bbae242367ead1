//! One event per stage result. The bus routes each to the next stage by its
//! `type` and the request's workflow (the domain's workflow table).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Envelope, RequestContext, Stage};

/// A stage finished its part of a request and the request goes on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "detail")]
pub enum PipelineEvent {
    /// Intake read a valid manifest; the request starts.
    #[serde(rename = "request.accepted")]
    RequestAccepted(RequestContext),
    /// The selfie passed the quality gate.
    #[serde(rename = "quality.passed")]
    QualityPassed(RequestContext),
    /// No other user has this face.
    #[serde(rename = "duplicate_search.passed")]
    DuplicateSearchPassed(RequestContext),
    /// The selfie matched the identity document's portrait.
    #[serde(rename = "id_match.passed")]
    IdMatchPassed(RequestContext),
    /// The selfie is the claimed user.
    #[serde(rename = "face_match.passed")]
    FaceMatchPassed(RequestContext),
    /// The face was added to the collection.
    #[serde(rename = "face.indexed")]
    FaceIndexed(RequestContext),
    /// The profile was written.
    #[serde(rename = "profile.written")]
    ProfileWritten(RequestContext),
}

/// A pipeline event on the wire.
pub type PipelineEnvelope = Envelope<PipelineEvent>;

impl PipelineEvent {
    /// Every event type name, in pipeline order.
    pub const TYPES: [&'static str; 7] = [
        "request.accepted",
        "quality.passed",
        "duplicate_search.passed",
        "id_match.passed",
        "face_match.passed",
        "face.indexed",
        "profile.written",
    ];

    /// The event a stage emits when it passes a request on.
    pub fn passed_by(stage: Stage, context: RequestContext) -> Option<PipelineEvent> {
        Some(match stage {
            Stage::Intake => PipelineEvent::RequestAccepted(context),
            Stage::Quality => PipelineEvent::QualityPassed(context),
            Stage::DuplicateSearch => PipelineEvent::DuplicateSearchPassed(context),
            Stage::IdMatch => PipelineEvent::IdMatchPassed(context),
            Stage::FaceMatch => PipelineEvent::FaceMatchPassed(context),
            Stage::Index => PipelineEvent::FaceIndexed(context),
            Stage::ProfileWrite => PipelineEvent::ProfileWritten(context),
            Stage::Rollback => return None,
        })
    }

    /// The wire `type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            PipelineEvent::RequestAccepted(_) => Self::TYPES[0],
            PipelineEvent::QualityPassed(_) => Self::TYPES[1],
            PipelineEvent::DuplicateSearchPassed(_) => Self::TYPES[2],
            PipelineEvent::IdMatchPassed(_) => Self::TYPES[3],
            PipelineEvent::FaceMatchPassed(_) => Self::TYPES[4],
            PipelineEvent::FaceIndexed(_) => Self::TYPES[5],
            PipelineEvent::ProfileWritten(_) => Self::TYPES[6],
        }
    }

    /// The stage that emits this type.
    pub fn emitted_by(&self) -> Stage {
        match self {
            PipelineEvent::RequestAccepted(_) => Stage::Intake,
            PipelineEvent::QualityPassed(_) => Stage::Quality,
            PipelineEvent::DuplicateSearchPassed(_) => Stage::DuplicateSearch,
            PipelineEvent::IdMatchPassed(_) => Stage::IdMatch,
            PipelineEvent::FaceMatchPassed(_) => Stage::FaceMatch,
            PipelineEvent::FaceIndexed(_) => Stage::Index,
            PipelineEvent::ProfileWritten(_) => Stage::ProfileWrite,
        }
    }

    /// The request.
    pub fn context(&self) -> &RequestContext {
        match self {
            PipelineEvent::RequestAccepted(c)
            | PipelineEvent::QualityPassed(c)
            | PipelineEvent::DuplicateSearchPassed(c)
            | PipelineEvent::IdMatchPassed(c)
            | PipelineEvent::FaceMatchPassed(c)
            | PipelineEvent::FaceIndexed(c)
            | PipelineEvent::ProfileWritten(c) => c,
        }
    }

    /// The request, owned.
    pub fn into_context(self) -> RequestContext {
        match self {
            PipelineEvent::RequestAccepted(c)
            | PipelineEvent::QualityPassed(c)
            | PipelineEvent::DuplicateSearchPassed(c)
            | PipelineEvent::IdMatchPassed(c)
            | PipelineEvent::FaceMatchPassed(c)
            | PipelineEvent::FaceIndexed(c)
            | PipelineEvent::ProfileWritten(c) => c,
        }
    }
}

//! Stable reason codes. Apps branch on these; they never change meaning and
//! are never removed. Each is documented in `docs/reason-codes.md` (a test
//! keeps the two in step).

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Why a request was denied or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// The manifest is not valid JSON, or breaks the manifest schema.
    InvalidManifest,
    /// The manifest's `schema_version` is one this riv does not read.
    UnsupportedSchemaVersion,
    /// An image the manifest names is not in the bucket.
    ImageMissing,
    /// The workflow exists but is not available in this deployment yet.
    WorkflowUnavailable,
    /// The manifest names a liveness session but no liveness checker is configured.
    LivenessUnavailable,
    /// The image cannot be decoded: corrupt, truncated, unsupported or too large.
    InvalidImage,
    /// No face was found.
    NoFace,
    /// More than one face was found.
    MultipleFaces,
    /// The face is smaller than the configured minimum.
    FaceTooSmall,
    /// The detector's confidence is below the configured floor.
    LowConfidence,
    /// The head is turned or tilted beyond the configured limits.
    PoseOutOfRange,
    /// The face is not sharp enough.
    TooBlurry,
    /// The face is too dark.
    TooDark,
    /// The face is overexposed.
    TooBright,
    /// The eyes are hidden (sunglasses).
    EyesOccluded,
    /// Register: the user id already has a profile.
    UserExists,
    /// Register: the face already belongs to another user.
    DuplicateFace,
    /// Auth or update: the user id has no profile.
    UserNotFound,
    /// Auth or update: the selfie is not the claimed user.
    FaceMismatch,
    /// Register-idcard: nothing could be read from the identity document (no MRZ, no AAMVA barcode, no labelled fields).
    DocumentUnreadable,
    /// Register-idcard: the document fails its own checks (an MRZ check digit, or two sources on the document that disagree).
    DocumentInvalid,
    /// Register-idcard: the document was past its expiry date when the request arrived.
    DocumentExpired,
    /// Register-idcard: the holder is younger than the configured minimum age.
    Underage,
    /// Register-idcard: no face was found on the document.
    DocumentPortraitNotFound,
    /// Register-idcard: the selfie is not the person on the document.
    DocumentFaceMismatch,
    /// Register-idcard: the name or date of birth the app sent differs from the document's.
    DocumentPropertiesMismatch,
    /// A stage kept failing with retryable errors until the queue gave up.
    RetriesExhausted,
    /// A message on a queue could not be read as any riv event.
    MalformedMessage,
    /// riv itself failed in a way no retry can mend (a bug: please report it).
    InternalError,
}

impl ReasonCode {
    /// Every reason code, in documentation order.
    pub const ALL: [ReasonCode; 29] = [
        ReasonCode::InvalidManifest,
        ReasonCode::UnsupportedSchemaVersion,
        ReasonCode::ImageMissing,
        ReasonCode::WorkflowUnavailable,
        ReasonCode::LivenessUnavailable,
        ReasonCode::InvalidImage,
        ReasonCode::NoFace,
        ReasonCode::MultipleFaces,
        ReasonCode::FaceTooSmall,
        ReasonCode::LowConfidence,
        ReasonCode::PoseOutOfRange,
        ReasonCode::TooBlurry,
        ReasonCode::TooDark,
        ReasonCode::TooBright,
        ReasonCode::EyesOccluded,
        ReasonCode::UserExists,
        ReasonCode::DuplicateFace,
        ReasonCode::UserNotFound,
        ReasonCode::FaceMismatch,
        ReasonCode::DocumentUnreadable,
        ReasonCode::DocumentInvalid,
        ReasonCode::DocumentExpired,
        ReasonCode::Underage,
        ReasonCode::DocumentPortraitNotFound,
        ReasonCode::DocumentFaceMismatch,
        ReasonCode::DocumentPropertiesMismatch,
        ReasonCode::RetriesExhausted,
        ReasonCode::MalformedMessage,
        ReasonCode::InternalError,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::InvalidManifest => "invalid_manifest",
            ReasonCode::UnsupportedSchemaVersion => "unsupported_schema_version",
            ReasonCode::ImageMissing => "image_missing",
            ReasonCode::WorkflowUnavailable => "workflow_unavailable",
            ReasonCode::LivenessUnavailable => "liveness_unavailable",
            ReasonCode::InvalidImage => "invalid_image",
            ReasonCode::NoFace => "no_face",
            ReasonCode::MultipleFaces => "multiple_faces",
            ReasonCode::FaceTooSmall => "face_too_small",
            ReasonCode::LowConfidence => "low_confidence",
            ReasonCode::PoseOutOfRange => "pose_out_of_range",
            ReasonCode::TooBlurry => "too_blurry",
            ReasonCode::TooDark => "too_dark",
            ReasonCode::TooBright => "too_bright",
            ReasonCode::EyesOccluded => "eyes_occluded",
            ReasonCode::UserExists => "user_exists",
            ReasonCode::DuplicateFace => "duplicate_face",
            ReasonCode::UserNotFound => "user_not_found",
            ReasonCode::FaceMismatch => "face_mismatch",
            ReasonCode::DocumentUnreadable => "document_unreadable",
            ReasonCode::DocumentInvalid => "document_invalid",
            ReasonCode::DocumentExpired => "document_expired",
            ReasonCode::Underage => "underage",
            ReasonCode::DocumentPortraitNotFound => "document_portrait_not_found",
            ReasonCode::DocumentFaceMismatch => "document_face_mismatch",
            ReasonCode::DocumentPropertiesMismatch => "document_properties_mismatch",
            ReasonCode::RetriesExhausted => "retries_exhausted",
            ReasonCode::MalformedMessage => "malformed_message",
            ReasonCode::InternalError => "internal_error",
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_complete_and_names_match_serde() {
        let mut names = std::collections::HashSet::new();
        for code in ReasonCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!(names.insert(code.as_str()));
        }
    }
}

//! The request as it travels: what the app asked, what each stage found, and
//! which side effects have been done (so a failure can undo exactly those).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{
    FaceId, ImageKeys, LivenessRef, ObjectKey, RequestId, RequestManifest, UserId, Workflow,
};

/// A similarity on Rekognition's scale: 0 (different people) to 100 (the
/// same image). Thresholds are on this scale too: 80, never 0.8.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "f32", into = "f32")]
pub struct Similarity(f32);

impl Similarity {
    /// A value in 0..=100; anything else (including NaN) is refused.
    pub fn new(value: f32) -> Result<Self, String> {
        if (0.0..=100.0).contains(&value) {
            Ok(Self(value))
        } else {
            Err(format!(
                "similarity {value} is outside 0..=100 (Rekognition's scale: 80, not 0.8)"
            ))
        }
    }

    /// Clamps into 0..=100 (NaN becomes 0).
    pub fn clamped(value: f32) -> Self {
        if value.is_nan() {
            Self(0.0)
        } else {
            Self(value.clamp(0.0, 100.0))
        }
    }

    /// The value.
    pub fn value(self) -> f32 {
        self.0
    }
}

impl TryFrom<f32> for Similarity {
    type Error = String;
    fn try_from(value: f32) -> Result<Self, String> {
        Self::new(value)
    }
}

impl From<Similarity> for f32 {
    fn from(s: Similarity) -> f32 {
        s.0
    }
}

/// A measured value beside the limit it was held to, so a refusal says by
/// how much it missed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Measurement {
    /// What was measured (`sharpness`, `yaw`, `similarity`, ...).
    pub name: String,
    /// The measured value.
    pub value: f64,
    /// The configured limit it was compared with.
    pub limit: f64,
}

/// A box relative to the image: fractions of its width and height, as
/// Rekognition reports them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BoundingBox {
    /// Left edge, 0..1 of the width.
    pub left: f32,
    /// Top edge, 0..1 of the height.
    pub top: f32,
    /// Width, 0..1 of the image's width.
    pub width: f32,
    /// Height, 0..1 of the image's height.
    pub height: f32,
}

/// Head pose in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Pose {
    /// Left/right turn.
    pub yaw: f32,
    /// Up/down tilt.
    pub pitch: f32,
    /// In-plane tilt.
    pub roll: f32,
}

/// What the quality stage measured on the selfie's face.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct QualityReport {
    /// Faces counted (after ignoring tiny background faces).
    pub faces: u32,
    /// Detector confidence, 0..100.
    pub confidence: f32,
    /// Where the face is.
    pub bounding_box: BoundingBox,
    /// Face height in pixels.
    pub face_height_px: u32,
    /// Head pose.
    pub pose: Pose,
    /// Sharpness, 0..100.
    pub sharpness: f32,
    /// Brightness, 0..100.
    pub brightness: f32,
    /// Confidence (0..100) that the eyes are hidden, e.g. by sunglasses.
    pub eyes_occluded: f32,
}

/// What the duplicate search found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SearchReport {
    /// The threshold the search used.
    pub threshold: Similarity,
    /// Best similarity to any other user's face, if any reached the threshold.
    pub best_other_user: Option<Similarity>,
}

/// How a face match was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchMethod {
    /// Against the claimed user's own stored faces.
    OneToOne,
    /// A search of the whole collection whose top match was the claimed user.
    OneToN,
}

/// What the face match found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MatchReport {
    /// The threshold the decision used.
    pub threshold: Similarity,
    /// The best similarity to the claimed user.
    pub similarity: Similarity,
    /// How it was found.
    pub method: MatchMethod,
    /// Which stored face matched best.
    pub face_id: Option<FaceId>,
}

/// A face the index stage added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct IndexedFace {
    /// The collection's id for it.
    pub face_id: FaceId,
    /// The image it came from.
    pub image_key: ObjectKey,
}

/// Everything the stages found so far.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Findings {
    /// From quality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<QualityReport>,
    /// From duplicate search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_search: Option<SearchReport>,
    /// From ID match: what the identity document said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<crate::document::DocumentReport>,
    /// From face match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub face_match: Option<MatchReport>,
    /// From index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indexed: Option<IndexedFace>,
    /// From profile write: the user's faces after the write, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user_faces: Vec<FaceId>,
    /// From profile write: faces dropped to keep the newest N (update).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evicted_faces: Vec<FaceId>,
}

/// A side effect done for a request, as a rollback must undo it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Effect {
    /// A face was added to the collection.
    FaceIndexed {
        /// The face.
        face_id: FaceId,
        /// Whose face it was indexed as.
        user_id: UserId,
    },
    /// A profile was created (register).
    ProfileCreated {
        /// Whose.
        user_id: UserId,
    },
}

/// The request as it travels from stage to stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RequestContext {
    /// The app's request id.
    pub request_id: RequestId,
    /// The workflow.
    pub workflow: Workflow,
    /// The person.
    pub user_id: UserId,
    /// The request's images.
    pub images: ImageKeys,
    /// Profile properties from the manifest.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, String>,
    /// The liveness session, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<LivenessRef>,
    /// When the manifest arrived.
    pub received_at: DateTime<Utc>,
    /// What the stages found.
    #[serde(default)]
    pub findings: Findings,
    /// Side effects done so far, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub effects: Vec<Effect>,
}

impl RequestContext {
    /// The context a request starts with.
    pub fn from_manifest(manifest: RequestManifest, received_at: DateTime<Utc>) -> Self {
        Self {
            request_id: manifest.request_id,
            workflow: manifest.workflow,
            user_id: manifest.user_id,
            images: manifest.images,
            properties: manifest.properties,
            liveness: manifest.liveness,
            received_at,
            findings: Findings::default(),
            effects: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similarity_refuses_the_fraction_scale_mistake_only_when_out_of_range() {
        assert!(Similarity::new(80.0).is_ok());
        assert!(Similarity::new(100.5).is_err());
        assert!(Similarity::new(f32::NAN).is_err());
        assert!(serde_json::from_str::<Similarity>("-1").is_err());
        assert_eq!(Similarity::clamped(f32::NAN).value(), 0.0);
    }
}

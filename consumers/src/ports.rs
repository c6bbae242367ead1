//! The ports: what the stages need from the world, as traits. Adapters
//! (`infra/local`, `infra/aws`) implement them; the domain never sees a
//! file, a socket, an SDK or the face engine.
//!
//! Every port method that changes something is idempotent or takes a token
//! that makes it so, because every message may be delivered twice.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use riv_document::model::DocumentAnalysis;
use riv_events::outcome::OutcomeEnvelope;
use riv_events::pipeline::PipelineEnvelope;
use riv_events::rollback::RollbackEnvelope;
use riv_events::{
    BoundingBox, FaceId, ObjectKey, Pose, RequestId, Similarity, Stage, UserId, ValueSource,
};
use serde::{Deserialize, Serialize};

use crate::error::PortError;

/// The bucket.
#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// The object's bytes, or `None` if there is no such object.
    async fn get(&self, key: &ObjectKey) -> Result<Option<Vec<u8>>, PortError>;
    /// Stores an object, replacing any with the same key.
    async fn put(&self, key: &ObjectKey, bytes: Vec<u8>) -> Result<(), PortError>;
    /// Deletes an object; deleting a missing object succeeds.
    async fn delete(&self, key: &ObjectKey) -> Result<(), PortError>;
    /// Whether the object exists (adapters may answer without reading it).
    async fn exists(&self, key: &ObjectKey) -> Result<bool, PortError> {
        Ok(self.get(key).await?.is_some())
    }
}

/// One face as the detector measured it (DetectFaces with all attributes).
#[derive(Debug, Clone, PartialEq)]
pub struct DetectedFace {
    /// Where, relative to the image.
    pub bounding_box: BoundingBox,
    /// Face height in pixels.
    pub height_px: u32,
    /// Detector confidence, 0..100.
    pub confidence: f32,
    /// Head pose in degrees.
    pub pose: Pose,
    /// Sharpness, 0..100.
    pub sharpness: f32,
    /// Brightness, 0..100.
    pub brightness: f32,
    /// Confidence (0..100) that the eyes are hidden.
    pub eyes_occluded: f32,
}

/// Measures faces in images. Never decides.
#[async_trait]
pub trait FaceAnalyzer: Send + Sync {
    /// Every face in the image, largest first. A missing object is
    /// [`PortError::not_found`]; an undecodable one [`PortError::invalid_image`].
    async fn detect_faces(&self, image: &ObjectKey) -> Result<Vec<DetectedFace>, PortError>;
    /// CompareFaces: the similarity of the largest face in `source` to the
    /// most alike face in `target`, looking there for faces as small as a
    /// document's portrait; `None` when `target` shows no face. A source
    /// without a face is [`PortError::invalid_image`].
    async fn compare_faces(
        &self,
        source: &ObjectKey,
        target: &ObjectKey,
    ) -> Result<Option<Similarity>, PortError>;
}

/// Reads identity documents (Textract AnalyzeID with local checks, or the
/// local document engine). Measures; never decides.
#[async_trait]
pub trait DocumentReader: Send + Sync {
    /// Everything readable on the document's sides, expiry and age measured
    /// on `as_of`. A document nothing could be read from is `Ok` with
    /// [`DocumentAnalysis::is_readable`] false; a missing object is
    /// [`PortError::not_found`], an undecodable one
    /// [`PortError::invalid_image`].
    async fn read_document(
        &self,
        front: &ObjectKey,
        back: Option<&ObjectKey>,
        as_of: NaiveDate,
    ) -> Result<DocumentAnalysis, PortError>;
}

/// A stored face as the profile knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaceRef {
    /// The collection's id.
    pub face_id: FaceId,
    /// The image it was indexed from.
    pub image_key: ObjectKey,
}

/// A face found by a search.
#[derive(Debug, Clone, PartialEq)]
pub struct FaceMatch {
    /// The face.
    pub face_id: FaceId,
    /// Whose face it is.
    pub user_id: UserId,
    /// How alike, 0..100.
    pub similarity: Similarity,
    /// The order faces were indexed in: strictly increasing across the
    /// whole collection. Settles races between two registrations.
    pub indexed_order: u64,
}

/// The face collection (a Rekognition collection, or the local one).
#[async_trait]
pub trait FaceCollection: Send + Sync {
    /// Searches the whole collection with the largest face in the image;
    /// matches at or above `threshold`, best first, at most `max`.
    async fn search_by_image(
        &self,
        image: &ObjectKey,
        threshold: Similarity,
        max: usize,
    ) -> Result<Vec<FaceMatch>, PortError>;
    /// Searches the whole collection with a stored face (itself excluded).
    async fn search_by_face(
        &self,
        face: &FaceId,
        threshold: Similarity,
        max: usize,
    ) -> Result<Vec<FaceMatch>, PortError>;
    /// Similarity of the largest face in the image to each of `faces`.
    async fn compare_with_faces(
        &self,
        image: &ObjectKey,
        faces: &[FaceRef],
    ) -> Result<Vec<(FaceId, Similarity)>, PortError>;
    /// Adds the largest face in the image under `user`. Idempotent by
    /// `token`: a second call with the same token returns the first face.
    async fn index_face(
        &self,
        image: &ObjectKey,
        user: &UserId,
        token: &str,
    ) -> Result<(FaceId, u64), PortError>;
    /// Removes faces; removing a missing face succeeds.
    async fn delete_faces(&self, faces: &[FaceId]) -> Result<(), PortError>;
    /// Every face indexed under `user`, including any a profile lost track of.
    async fn faces_of_user(&self, user: &UserId) -> Result<Vec<FaceId>, PortError>;
}

/// One face in a profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileFace {
    /// The face and its image.
    #[serde(flatten)]
    pub face: FaceRef,
    /// The request that added it.
    pub request_id: RequestId,
    /// When.
    pub added_at: DateTime<Utc>,
}

/// A user's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Whose.
    pub user_id: UserId,
    /// Properties from the requests, newest value wins; register-idcard
    /// adds the document's fields, which win over the app's.
    pub properties: BTreeMap<String, String>,
    /// Where each property not sent by the app came from (`mrz`, `barcode`,
    /// `text`); a property missing here came from the app.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub property_sources: BTreeMap<String, ValueSource>,
    /// The user's faces, oldest first.
    pub faces: Vec<ProfileFace>,
    /// The request that created it.
    pub created_by: RequestId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Bumped by every write; writes are conditional on it.
    pub version: u64,
}

/// What a conditional create did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateResult {
    /// The profile is new.
    Created,
    /// A profile created by the same request exists: a repeat, nothing to do.
    AlreadyCreatedByThisRequest,
    /// Another request owns this user id.
    Taken,
}

/// Profiles (DynamoDB, or the local store).
#[async_trait]
pub trait ProfileStore: Send + Sync {
    /// The profile, if any.
    async fn get(&self, user: &UserId) -> Result<Option<Profile>, PortError>;
    /// Creates the profile unless the user id exists.
    async fn create(&self, profile: &Profile) -> Result<CreateResult, PortError>;
    /// Replaces the profile if its stored version is still `expected_version`;
    /// `false` if someone else wrote first.
    async fn replace(&self, profile: &Profile, expected_version: u64) -> Result<bool, PortError>;
    /// Deletes the profile if it was created by `request` (or by anyone, when
    /// `None`); deleting a missing profile succeeds.
    async fn delete(&self, user: &UserId, created_by: Option<&RequestId>) -> Result<(), PortError>;
}

/// The key of one stage's handling of one event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey {
    /// The stage.
    pub stage: Stage,
    /// What makes the input unique: its event id (or, for intake, the request id).
    pub input: String,
}

impl IdempotencyKey {
    /// `stage#input`, for stores with one string key.
    pub fn as_string(&self) -> String {
        format!("{}#{}", self.stage, self.input)
    }
}

/// What [`IdempotencyStore::begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// Not seen before (or an earlier attempt's lease ran out): go ahead.
    Started,
    /// Another worker holds an unexpired lease: try again later.
    InProgress,
    /// Done before: these were the outputs, to publish again.
    Completed(Vec<u8>),
}

/// Processed-message records, in the style of the Powertools idempotency
/// utility: an in-progress record with a lease, then a completed record
/// holding the outputs.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for `lease` unless it is completed or claimed.
    async fn begin(&self, key: &IdempotencyKey, lease: Duration) -> Result<Begin, PortError>;
    /// Records the outputs; later `begin`s return them. The first completion
    /// wins: if a worker whose lease ran out completes after another took
    /// over and completed, its outputs are discarded. Returns the recorded
    /// outputs, which are what the caller must publish.
    async fn complete(&self, key: &IdempotencyKey, outputs: &[u8]) -> Result<Vec<u8>, PortError>;
    /// Drops an in-progress claim after a retryable failure.
    async fn release(&self, key: &IdempotencyKey) -> Result<(), PortError>;
}

/// Where stages send what they produce: pipeline events to the bus
/// (EventBridge), outcomes and rollback commands to their topics (SNS).
/// Consumers downstream recognise a repeat by the event id.
#[async_trait]
pub trait Publisher: Send + Sync {
    /// A pipeline event, to be routed to the next stage.
    async fn publish_event(&self, event: &PipelineEnvelope) -> Result<(), PortError>;
    /// An outcome, for apps.
    async fn publish_outcome(&self, outcome: &OutcomeEnvelope) -> Result<(), PortError>;
    /// A rollback command, for the rollback stage.
    async fn publish_rollback(&self, command: &RollbackEnvelope) -> Result<(), PortError>;
}

/// Every port a stage may use, built once by the composition root.
#[derive(Clone)]
pub struct Ports {
    /// The bucket.
    pub objects: std::sync::Arc<dyn ObjectStore>,
    /// Measures faces.
    pub analyzer: std::sync::Arc<dyn FaceAnalyzer>,
    /// Reads identity documents; `None` where none is configured, and then
    /// register-idcard is unavailable.
    pub documents: Option<std::sync::Arc<dyn DocumentReader>>,
    /// The face collection.
    pub collection: std::sync::Arc<dyn FaceCollection>,
    /// Profiles.
    pub profiles: std::sync::Arc<dyn ProfileStore>,
    /// Processed-message records.
    pub idempotency: std::sync::Arc<dyn IdempotencyStore>,
    /// Bus and topics.
    pub publisher: std::sync::Arc<dyn Publisher>,
    /// The time.
    pub clock: std::sync::Arc<dyn Clock>,
}

impl std::fmt::Debug for Ports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ports").finish_non_exhaustive()
    }
}

/// The time, injectable for tests.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

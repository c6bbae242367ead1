//! The bodies riv's HTTP API answers with.

use chrono::{DateTime, Utc};
use riv_events::outcome::OutcomeEnvelope;
use riv_events::{FaceId, ObjectKey, RequestId, UserId};
use serde::{Deserialize, Serialize};

/// The largest object the server stores (16 MiB).
pub const MAX_OBJECT_BYTES: usize = 16 * 1024 * 1024;

/// The longest long-poll the server grants, in seconds.
pub const MAX_WAIT_SECS: u64 = 60;

/// The answer to an upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredObject {
    /// The key stored.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
}

/// Whether a request has finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Still running.
    Pending,
    /// Finished: the outcome is there.
    Done,
}

/// The answer to a request status call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestStatus {
    /// The request.
    pub request_id: RequestId,
    /// Whether it has finished.
    pub status: RequestState,
    /// Its outcome, once done.
    #[serde(default)]
    pub outcome: Option<OutcomeEnvelope>,
}

/// One face of a user's profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserFace {
    /// The collection's id for the face.
    pub face_id: FaceId,
    /// The image it was indexed from.
    pub image_key: ObjectKey,
    /// The request that added it.
    pub request_id: RequestId,
    /// When it was added.
    pub added_at: DateTime<Utc>,
}

/// A user's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserProfile {
    /// The user.
    pub user_id: UserId,
    /// Free-form properties from register and update.
    #[serde(default)]
    pub properties: serde_json::Map<String, serde_json::Value>,
    /// Where each property the app did not send came from: `mrz`,
    /// `barcode` or `text` on the identity document (register-idcard).
    #[serde(default)]
    pub property_sources: std::collections::BTreeMap<String, String>,
    /// The user's faces, oldest first.
    #[serde(default)]
    pub faces: Vec<UserFace>,
    /// The request that registered the user.
    pub created_by: RequestId,
    /// When the user was registered.
    pub created_at: DateTime<Utc>,
    /// When the profile last changed.
    pub updated_at: DateTime<Utc>,
    /// Bumped on every change.
    pub version: u64,
}

/// The answer to deleting a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedUser {
    /// The user deleted.
    pub user_id: UserId,
    /// Faces removed from the collection.
    pub faces_deleted: u64,
    /// Stored objects removed.
    pub objects_deleted: u64,
}

/// The body of every error answer.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: String,
    #[serde(default)]
    pub message: String,
}

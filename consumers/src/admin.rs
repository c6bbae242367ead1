//! Reading and deleting users, outside the request pipeline.

use std::collections::BTreeSet;

use riv_events::{FaceId, ObjectKey, RequestManifest, UserId};
use serde::Serialize;

use crate::PortError;
use crate::ports::{Ports, Profile};

/// What deleting a user removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeleteReport {
    /// Whose.
    pub user_id: UserId,
    /// Faces removed from the collection.
    pub faces_deleted: usize,
    /// Objects removed from the bucket.
    pub objects_deleted: usize,
}

/// The user's profile.
pub async fn get_user(ports: &Ports, user: &UserId) -> Result<Option<Profile>, PortError> {
    ports.profiles.get(user).await
}

/// Removes a user's faces (every face indexed under the id, including any a
/// profile lost track of), stored images and request manifests, and profile.
/// `None` when there was nothing to delete. The profile goes last, so an
/// interrupted delete can be run again.
pub async fn delete_user(ports: &Ports, user: &UserId) -> Result<Option<DeleteReport>, PortError> {
    let profile = ports.profiles.get(user).await?;
    let mut faces: BTreeSet<FaceId> = ports
        .collection
        .faces_of_user(user)
        .await?
        .into_iter()
        .collect();
    let mut objects: BTreeSet<ObjectKey> = BTreeSet::new();
    if let Some(profile) = &profile {
        for face in &profile.faces {
            faces.insert(face.face.face_id.clone());
            objects.insert(face.face.image_key.clone());
            objects.insert(RequestManifest::key_for(&face.request_id));
        }
        objects.insert(RequestManifest::key_for(&profile.created_by));
    }
    if profile.is_none() && faces.is_empty() {
        return Ok(None);
    }
    let faces: Vec<FaceId> = faces.into_iter().collect();
    ports.collection.delete_faces(&faces).await?;
    for key in &objects {
        ports.objects.delete(key).await?;
    }
    ports.profiles.delete(user, None).await?;
    Ok(Some(DeleteReport {
        user_id: user.clone(),
        faces_deleted: faces.len(),
        objects_deleted: objects.len(),
    }))
}

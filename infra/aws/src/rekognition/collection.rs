//! [`RekognitionCollection`]: the [`FaceCollection`] port over a Rekognition
//! collection and its [`FaceRecords`] table.
//!
//! Rekognition keeps no index order and `IndexFaces` is not idempotent, so
//! the records table keeps both, and every face's `ExternalImageId` is its
//! order in decimal:
//!
//! - **Index** (`index_face`, in `index.rs`): the token's record gives the
//!   face of an earlier attempt, or its order; else an order is allocated
//!   from `counter#order`, `order#{n}` written (user, token) and the token
//!   claimed for it (`attribute_not_exists(key)`; a lost claim takes the
//!   winner's order). Then `IndexFaces` (`ExternalImageId` = the order,
//!   `MaxFaces` 1, `QualityFilter` `NONE`), then the face is recorded on the
//!   token unless an attempt recorded another first (ours is then deleted
//!   and theirs returned), and on `order#{n}`. The order is written before
//!   the face exists, so every face a search can see resolves to its user
//!   and order.
//! - **Search** (`SearchFacesByImage` with an explicit `FaceMatchThreshold`,
//!   and `SearchFaces`): each match's order is its `ExternalImageId`, its
//!   user that order's record (one consistent `BatchGetItem`). A face riv
//!   did not index (no numeric id, or no record) is skipped with a warning.
//! - **Compare**: one `CompareFaces` per stored face (source the image,
//!   target the face's own image, `SimilarityThreshold` 0), a few at once;
//!   its similarity is the best match's, 0 when the target shows no face. A
//!   stored face whose image is gone is left out, as the local collection
//!   leaves out faces it does not hold.
//! - **Delete**: `DeleteFaces` in chunks of 4096; missing faces succeed.
//!   The records stay: they hold no face, and a token keeps answering with
//!   its (deleted) face, so a repeated index never adds it again.
//! - **Faces of a user**: the user's orders from the `by_user` index, then
//!   `ListFaces` over the whole collection, keeping the faces whose
//!   `ExternalImageId` is one of them. This also finds a face whose attempt
//!   stopped before recording it. It is O(collection size), one `ListFaces`
//!   page per 4096 faces, and only user deletion uses it.

use std::collections::BTreeSet;

use async_trait::async_trait;
use aws_sdk_rekognition::Client;
use aws_sdk_rekognition::types::{FaceMatch as RekognitionMatch, Image};
use riv_consumers::PortError;
use riv_consumers::error::ErrorKind;
use riv_consumers::ports::{FaceCollection, FaceMatch, FaceRef};
use riv_events::{FaceId, ObjectKey, Similarity, UserId};

use super::bounded::run_bounded;
use super::error::{InvalidParameter, call_error, classify};
use super::images::{ImageSource, Images, missing};
use crate::dynamodb::face_records::FaceRecords;
use crate::s3::S3ObjectStore;

/// `CompareFaces` calls in flight at once for one `compare_with_faces`.
pub const COMPARE_CONCURRENCY: usize = 4;

/// The most faces one `DeleteFaces` (and one `ListFaces` page) takes.
pub const FACES_PER_CALL: usize = 4096;

/// A Rekognition collection and its face records.
#[derive(Debug, Clone)]
pub struct RekognitionCollection {
    /// The client, built once by the composition root.
    pub(super) client: Client,
    /// The collection's id.
    pub(super) collection: String,
    /// The bucket the images are in, and how they are sent.
    pub(super) images: Images,
    /// Orders, users and tokens of the collection's faces.
    pub(super) records: FaceRecords,
}

impl RekognitionCollection {
    /// The collection `collection` through `client`, its faces' records in
    /// `records`, its images in `objects`' bucket sent as `source` says.
    pub fn new(
        client: Client,
        collection: impl Into<String>,
        records: FaceRecords,
        objects: S3ObjectStore,
        source: ImageSource,
    ) -> Self {
        Self {
            client,
            collection: collection.into(),
            images: Images::new(objects, source),
            records,
        }
    }

    /// Rekognition's matches as the port's: users from the records, faces
    /// riv cannot resolve skipped with a warning, `exclude` left out.
    async fn resolve(
        &self,
        matches: &[RekognitionMatch],
        exclude: Option<&FaceId>,
    ) -> Result<Vec<FaceMatch>, PortError> {
        let mut found = Vec::with_capacity(matches.len());
        for hit in matches {
            let Some(face) = hit.face() else { continue };
            let face_id = face.face_id().and_then(|id| FaceId::parse(id).ok());
            let order = face
                .external_image_id()
                .and_then(|order| order.parse::<u64>().ok());
            match (face_id, order) {
                (Some(face_id), _) if Some(&face_id) == exclude => {}
                (Some(face_id), Some(order)) => {
                    found.push((face_id, order, hit.similarity().unwrap_or(0.0)));
                }
                _ => tracing::warn!(
                    collection = %self.collection,
                    face_id = face.face_id().unwrap_or_default(),
                    "skipping a match riv did not index (no numeric ExternalImageId)"
                ),
            }
        }
        let orders: Vec<u64> = found.iter().map(|(_, order, _)| *order).collect();
        let users = self.records.users(&orders).await?;
        Ok(found
            .into_iter()
            .filter_map(|(face_id, order, similarity)| match users.get(&order) {
                Some(user) => Some(FaceMatch {
                    face_id,
                    user_id: user.clone(),
                    similarity: Similarity::clamped(similarity),
                    indexed_order: order,
                }),
                None => {
                    tracing::warn!(
                        collection = %self.collection,
                        face_id = %face_id,
                        order,
                        "skipping a match whose order has no record"
                    );
                    None
                }
            })
            .collect())
    }

    /// The similarity of the largest face of `source` (the image `image`)
    /// to the best-matching face of `face`'s image; `None` when that image
    /// is gone.
    async fn compare_one(
        &self,
        image: &ObjectKey,
        source: Image,
        face: &FaceRef,
    ) -> Result<Option<(FaceId, Similarity)>, PortError> {
        let target = match self.images.image(&face.image_key).await {
            Ok(target) => target,
            Err(err) if err.kind == ErrorKind::NotFound => return Ok(self.gone(face)),
            Err(err) => return Err(err),
        };
        let sent = self
            .client
            .compare_faces()
            .source_image(source)
            .target_image(target)
            .similarity_threshold(0.0)
            .send()
            .await;
        match sent {
            Ok(output) => {
                let best = output
                    .face_matches()
                    .iter()
                    .filter_map(|m| m.similarity())
                    .fold(0.0_f32, f32::max);
                Ok(Some((face.face_id.clone(), Similarity::clamped(best))))
            }
            Err(err) => {
                let context = format!("comparing {image} with face {}", face.face_id);
                let failure = classify(&context, err, InvalidParameter::NoFace);
                if !failure.unreadable_object {
                    return Err(failure.error);
                }
                // Which of the two objects could Rekognition not read?
                if !self.images.exists(image).await? {
                    return Err(missing(image));
                }
                if !self.images.exists(&face.image_key).await? {
                    return Ok(self.gone(face));
                }
                Err(failure.error)
            }
        }
    }

    fn gone(&self, face: &FaceRef) -> Option<(FaceId, Similarity)> {
        tracing::warn!(
            collection = %self.collection,
            face_id = %face.face_id,
            "leaving out a stored face whose image is gone"
        );
        None
    }
}

#[async_trait]
impl FaceCollection for RekognitionCollection {
    async fn search_by_image(
        &self,
        image: &ObjectKey,
        threshold: Similarity,
        max: usize,
    ) -> Result<Vec<FaceMatch>, PortError> {
        let request = self.images.image(image).await?;
        let sent = self
            .client
            .search_faces_by_image()
            .collection_id(&self.collection)
            .image(request)
            .face_match_threshold(threshold.value())
            .max_faces(max_faces(max))
            .send()
            .await;
        let output = match sent {
            Ok(output) => output,
            Err(err) => {
                let context = format!("searching the collection with {image}");
                let failure = classify(&context, err, InvalidParameter::NoFace);
                return Err(self.images.settle(image, failure).await);
            }
        };
        let mut found = self.resolve(output.face_matches(), None).await?;
        found.truncate(max);
        Ok(found)
    }

    /// A face the collection does not hold is [`PortError::not_found`].
    async fn search_by_face(
        &self,
        face: &FaceId,
        threshold: Similarity,
        max: usize,
    ) -> Result<Vec<FaceMatch>, PortError> {
        let output = self
            .client
            .search_faces()
            .collection_id(&self.collection)
            .face_id(face.as_str())
            .face_match_threshold(threshold.value())
            .max_faces(max_faces(max))
            .send()
            .await
            .map_err(|err| {
                let context = format!("searching the collection with face {face}");
                classify(&context, err, InvalidParameter::UnknownFace).error
            })?;
        let mut found = self.resolve(output.face_matches(), Some(face)).await?;
        found.truncate(max);
        Ok(found)
    }

    /// In the order of `faces`; faces whose image is gone are left out.
    async fn compare_with_faces(
        &self,
        image: &ObjectKey,
        faces: &[FaceRef],
    ) -> Result<Vec<(FaceId, Similarity)>, PortError> {
        // Read once (with Bytes), so a missing image is not_found at once.
        let source = self.images.image(image).await?;
        let calls = faces
            .iter()
            .map(|face| self.compare_one(image, source.clone(), face))
            .collect();
        let mut scores = Vec::with_capacity(faces.len());
        for result in run_bounded(calls, COMPARE_CONCURRENCY).await {
            scores.extend(result?);
        }
        Ok(scores)
    }

    async fn index_face(
        &self,
        image: &ObjectKey,
        user: &UserId,
        token: &str,
    ) -> Result<(FaceId, u64), PortError> {
        self.index(image, user, token).await
    }

    async fn delete_faces(&self, faces: &[FaceId]) -> Result<(), PortError> {
        let mut seen = BTreeSet::new();
        let faces: Vec<&FaceId> = faces.iter().filter(|f| seen.insert(*f)).collect();
        for chunk in faces.chunks(FACES_PER_CALL) {
            let output = self
                .client
                .delete_faces()
                .collection_id(&self.collection)
                .set_face_ids(Some(chunk.iter().map(|f| f.to_string()).collect()))
                .send()
                .await
                .map_err(|err| call_error("deleting faces from the collection", err))?;
            let refused = output
                .unsuccessful_face_deletions()
                .iter()
                .filter(|u| {
                    u.reasons().iter().any(|r| {
                        *r != aws_sdk_rekognition::types::UnsuccessfulFaceDeletionReason::FaceNotFound
                    })
                })
                .count();
            if refused > 0 {
                return Err(PortError::permanent(format!(
                    "deleting faces from the collection: {refused} face(s) refused for a reason other than FACE_NOT_FOUND"
                )));
            }
        }
        Ok(())
    }

    /// Oldest first. Lists the whole collection (see the module's notes).
    async fn faces_of_user(&self, user: &UserId) -> Result<Vec<FaceId>, PortError> {
        let orders: BTreeSet<u64> = self
            .records
            .orders_of_user(user)
            .await?
            .into_iter()
            .collect();
        if orders.is_empty() {
            return Ok(Vec::new());
        }
        let mut faces: Vec<(u64, FaceId)> = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_faces()
                .collection_id(&self.collection)
                .max_results(FACES_PER_CALL as i32)
                .set_next_token(token)
                .send()
                .await
                .map_err(|err| call_error("listing the collection's faces", err))?;
            for face in page.faces() {
                let order = face
                    .external_image_id()
                    .and_then(|id| id.parse::<u64>().ok());
                let face_id = face.face_id().and_then(|id| FaceId::parse(id).ok());
                if let (Some(order), Some(face_id)) = (order, face_id)
                    && orders.contains(&order)
                {
                    faces.push((order, face_id));
                }
            }
            token = page.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        // Stable: ListFaces' order stays among the faces of one order.
        faces.sort_by_key(|(order, _)| *order);
        Ok(faces.into_iter().map(|(_, face)| face).collect())
    }
}

/// `MaxFaces` for at most `max` matches: 1 to 4096 (asking for 0 still
/// checks the image for a face, as the local collection does).
fn max_faces(max: usize) -> i32 {
    max.clamp(1, FACES_PER_CALL) as i32
}

//! The collection operations: `CreateCollection`, `DeleteCollection`,
//! `IndexFaces`, `SearchFacesByImage`, `SearchFaces`, `ListFaces`,
//! `DeleteFaces`.

use sha2::{Digest, Sha256};

use super::{MAX_FACES_PER_IMAGE, Service};
use crate::FACE_MODEL_VERSION;
use crate::convert::{self, Attributes};
use crate::error::ApiError;
use crate::quality::QualityFilter;
use crate::shapes::*;
use crate::store::StoredFace;
use crate::validate::{self, int_in, required, threshold};

impl Service {
    /// `CreateCollection`.
    pub async fn create_collection(
        &self,
        req: CollectionRequest,
    ) -> Result<CreateCollectionResponse, ApiError> {
        let id = validate::collection_id(req.collection_id)?;
        let arn = format!("{}{id}", self.arn_prefix);
        self.with_collections(move |c| c.create(&id)).await?;
        Ok(CreateCollectionResponse {
            status_code: 200,
            collection_arn: arn,
            face_model_version: FACE_MODEL_VERSION.to_owned(),
        })
    }

    /// `DeleteCollection`.
    pub async fn delete_collection(
        &self,
        req: CollectionRequest,
    ) -> Result<DeleteCollectionResponse, ApiError> {
        let id = validate::collection_id(req.collection_id)?;
        self.with_collections(move |c| c.delete(&id)).await?;
        Ok(DeleteCollectionResponse { status_code: 200 })
    }

    /// `IndexFaces`: the largest faces passing the quality filter, up to
    /// `MaxFaces`.
    pub async fn index_faces(
        &self,
        req: IndexFacesRequest,
    ) -> Result<IndexFacesResponse, ApiError> {
        let id = validate::collection_id(req.collection_id)?;
        let external = validate::external_image_id(req.external_image_id)?;
        let attributes = Attributes::parse(&req.detection_attributes)?;
        let max_faces = int_in(req.max_faces, "MaxFaces", 1, 4096, 4096)?;
        let filter = QualityFilter::parse(req.quality_filter.as_deref(), QualityFilter::Auto)?;
        let bytes = self.images.bytes(req.image, "Image").await?;
        let check = id.clone();
        self.with_collections(move |c| c.faces(&check).map(|_| ()))
            .await?;
        let image_id = image_id(&bytes);
        let seen = self.analyse(bytes, true).await?;
        let mut keep = Vec::new();
        let mut unindexed_faces = Vec::new();
        for (face, descriptor) in seen.faces {
            let mut reasons = filter.reasons(&face);
            // Rekognition indexes at most 100 faces of an image, whatever MaxFaces says.
            if reasons.is_empty() && keep.len() >= max_faces.min(MAX_FACES_PER_IMAGE) {
                reasons.push("EXCEEDS_MAX_FACES");
            }
            let detail = convert::face_detail(&face, seen.frame, attributes);
            match descriptor {
                Some(descriptor) if reasons.is_empty() => keep.push((face, detail, descriptor)),
                _ => unindexed_faces.push(UnindexedFace {
                    reasons: reasons.into_iter().map(str::to_owned).collect(),
                    face_detail: detail,
                }),
            }
        }
        let new: Vec<StoredFace> = keep
            .iter()
            .map(|(face, _, descriptor)| StoredFace {
                seq: 0,
                face_id: uuid::Uuid::new_v4().to_string(),
                image_id: image_id.clone(),
                external_image_id: external.clone(),
                bounding_box: convert::bounding_box(face, seen.frame),
                confidence: convert::percent(face.confidence),
                descriptor: *descriptor,
            })
            .collect();
        let added = self.with_collections(move |c| c.add(&id, new)).await?;
        let face_records = added
            .iter()
            .zip(keep)
            .map(|(stored, (_, face_detail, _))| FaceRecord {
                face: face_shape(stored),
                face_detail,
            })
            .collect();
        Ok(IndexFacesResponse {
            face_records,
            face_model_version: FACE_MODEL_VERSION.to_owned(),
            unindexed_faces,
        })
    }

    /// `SearchFacesByImage`: the image's largest face against the collection.
    pub async fn search_faces_by_image(
        &self,
        req: SearchFacesByImageRequest,
    ) -> Result<SearchFacesByImageResponse, ApiError> {
        let id = validate::collection_id(req.collection_id)?;
        let max = int_in(req.max_faces, "MaxFaces", 1, 4096, 4096)?;
        let min = threshold(req.face_match_threshold, "FaceMatchThreshold", 80.0)?;
        let filter = QualityFilter::parse(req.quality_filter.as_deref(), QualityFilter::None)?;
        let bytes = self.images.bytes(req.image, "Image").await?;
        let check = id.clone();
        self.with_collections(move |c| c.faces(&check).map(|_| ()))
            .await?;
        let seen = self.analyse(bytes, true).await?;
        let Some((face, Some(probe))) = seen.faces.into_iter().next() else {
            return Err(ApiError::no_face("image"));
        };
        if !filter.reasons(&face).is_empty() {
            return Err(ApiError::no_face("image that pass the quality filter"));
        }
        let scale = self.engine.config().similarity;
        let hits = self
            .with_collections(move |c| c.search(&id, &probe, &scale, min, max, None))
            .await?;
        Ok(SearchFacesByImageResponse {
            searched_face_bounding_box: convert::bounding_box(&face, seen.frame),
            searched_face_confidence: convert::percent(face.confidence),
            face_matches: hits
                .iter()
                .map(|(similarity, stored)| FaceMatch {
                    similarity: convert::percent(*similarity),
                    face: face_shape(stored),
                })
                .collect(),
            face_model_version: FACE_MODEL_VERSION.to_owned(),
        })
    }

    /// `SearchFaces`: a stored face against the rest of its collection. An
    /// unknown face is `InvalidParameterException`, as on Rekognition.
    pub async fn search_faces(
        &self,
        req: SearchFacesRequest,
    ) -> Result<SearchFacesResponse, ApiError> {
        let id = validate::collection_id(req.collection_id)?;
        let face_id = validate::face_id(req.face_id)?;
        let max = int_in(req.max_faces, "MaxFaces", 1, 4096, 4096)?;
        let min = threshold(req.face_match_threshold, "FaceMatchThreshold", 80.0)?;
        let scale = self.engine.config().similarity;
        let searched = face_id.clone();
        let hits = self
            .with_collections(move |c| {
                let probe = c
                    .descriptor(&id, &searched)?
                    .ok_or_else(|| ApiError::invalid("faceId was not found in the collection."))?;
                c.search(&id, &probe, &scale, min, max, Some(&searched))
            })
            .await?;
        Ok(SearchFacesResponse {
            searched_face_id: face_id,
            face_matches: hits
                .iter()
                .map(|(similarity, stored)| FaceMatch {
                    similarity: convert::percent(*similarity),
                    face: face_shape(stored),
                })
                .collect(),
            face_model_version: FACE_MODEL_VERSION.to_owned(),
        })
    }

    /// `ListFaces`: oldest first, `MaxResults` per page.
    pub async fn list_faces(&self, req: ListFacesRequest) -> Result<ListFacesResponse, ApiError> {
        let id = validate::collection_id(req.collection_id)?;
        let max = int_in(req.max_results, "MaxResults", 0, 4096, 1000)?;
        let after = match &req.next_token {
            Some(token) => validate::decode_token(&id, token)?,
            None => i64::MIN,
        };
        let only = req.face_ids;
        let user_filter = req.user_id.is_some();
        let collection = id.clone();
        let (faces, more) = self
            .with_collections(move |c| {
                let mut page: Vec<Face> = Vec::new();
                let mut last = None;
                let mut more = false;
                let wanted = c.faces(&collection)?.iter().filter(|f| {
                    f.seq > after
                        && !user_filter
                        && only.as_ref().is_none_or(|ids| ids.contains(&f.face_id))
                });
                for face in wanted {
                    if page.len() == max {
                        more = true;
                        break;
                    }
                    last = Some(face.seq);
                    page.push(face_shape(face));
                }
                Ok((page, more.then_some(last).flatten()))
            })
            .await?;
        Ok(ListFacesResponse {
            faces,
            next_token: more.map(|seq| validate::encode_token(&id, seq)),
            face_model_version: FACE_MODEL_VERSION.to_owned(),
        })
    }

    /// `DeleteFaces`: unknown ids come back with `FACE_NOT_FOUND`.
    pub async fn delete_faces(
        &self,
        req: DeleteFacesRequest,
    ) -> Result<DeleteFacesResponse, ApiError> {
        let id = validate::collection_id(req.collection_id)?;
        let face_ids = required(req.face_ids, "FaceIds")?;
        if face_ids.is_empty() || face_ids.len() > 4096 {
            return Err(ApiError::invalid("FaceIds must list 1 to 4096 face ids"));
        }
        let (deleted_faces, missing) = self
            .with_collections(move |c| c.remove(&id, &face_ids))
            .await?;
        Ok(DeleteFacesResponse {
            deleted_faces,
            unsuccessful_face_deletions: missing
                .into_iter()
                .map(|face_id| UnsuccessfulFaceDeletion {
                    face_id,
                    reasons: vec!["FACE_NOT_FOUND".to_owned()],
                })
                .collect(),
        })
    }
}

/// The same UUID for the same image bytes.
fn image_id(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, &digest).to_string()
}

/// A stored face in Rekognition's `Face` shape.
fn face_shape(face: &StoredFace) -> Face {
    Face {
        face_id: face.face_id.clone(),
        bounding_box: face.bounding_box,
        image_id: face.image_id.clone(),
        external_image_id: face.external_image_id.clone(),
        confidence: face.confidence,
        index_faces_model_version: FACE_MODEL_VERSION.to_owned(),
    }
}

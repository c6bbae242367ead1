//! Rekognition's request and response shapes for the operations served
//! here, field for field as the service names them (PascalCase JSON).
//! Optional fields Rekognition omits when empty are omitted here too.

use serde::{Deserialize, Serialize};

pub use crate::images::{Image, S3Object};

/// `CreateCollection` / `DeleteCollection` input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CollectionRequest {
    /// The collection's id.
    pub collection_id: Option<String>,
}

/// `CreateCollection` output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateCollectionResponse {
    /// Always 200.
    pub status_code: i32,
    /// `aws:rekognition:REGION:ACCOUNT:collection/ID`, as Rekognition writes it.
    pub collection_arn: String,
    /// See [`crate::FACE_MODEL_VERSION`].
    pub face_model_version: String,
}

/// `DeleteCollection` output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteCollectionResponse {
    /// Always 200.
    pub status_code: i32,
}

/// `DetectFaces` input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DetectFacesRequest {
    /// The photo.
    pub image: Option<Image>,
    /// `DEFAULT`, `ALL` or single attribute names.
    #[serde(default)]
    pub attributes: Vec<String>,
}

/// `DetectFaces` output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DetectFacesResponse {
    /// Every face found, largest first.
    pub face_details: Vec<FaceDetail>,
}

/// `CompareFaces` input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompareFacesRequest {
    /// The photo whose largest face is compared.
    pub source_image: Option<Image>,
    /// The photo whose every face is compared with it.
    pub target_image: Option<Image>,
    /// 0–100, default 80.
    pub similarity_threshold: Option<f64>,
    /// `NONE` (default), `AUTO`, `LOW`, `MEDIUM`, `HIGH`.
    pub quality_filter: Option<String>,
}

/// `CompareFaces` output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompareFacesResponse {
    /// The source image's largest face.
    pub source_image_face: SourceImageFace,
    /// Target faces at or above the threshold, most similar first.
    pub face_matches: Vec<CompareFacesMatch>,
    /// Target faces below the threshold.
    pub unmatched_faces: Vec<ComparedFace>,
}

/// `CompareFaces`' `SourceImageFace`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SourceImageFace {
    /// Where the face is.
    pub bounding_box: BoundingBox,
    /// Detection confidence, 0–100.
    pub confidence: f32,
}

/// One matched target face.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompareFacesMatch {
    /// 0–100.
    pub similarity: f32,
    /// The target face.
    pub face: ComparedFace,
}

/// A target face of `CompareFaces`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ComparedFace {
    /// Where the face is.
    pub bounding_box: BoundingBox,
    /// Detection confidence, 0–100.
    pub confidence: f32,
    /// See [`Landmark`].
    pub landmarks: Vec<Landmark>,
    /// Head pose in degrees.
    pub pose: Pose,
    /// Brightness and sharpness.
    pub quality: ImageQuality,
}

/// `IndexFaces` input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IndexFacesRequest {
    /// The collection to add to.
    pub collection_id: Option<String>,
    /// The photo.
    pub image: Option<Image>,
    /// The caller's label for the image, copied to each face.
    pub external_image_id: Option<String>,
    /// Attributes of each `FaceDetail`, as `DetectFaces`' `Attributes`.
    #[serde(default)]
    pub detection_attributes: Vec<String>,
    /// At most this many faces (the largest) are indexed.
    pub max_faces: Option<i64>,
    /// `AUTO` (default), `NONE`, `LOW`, `MEDIUM`, `HIGH`.
    pub quality_filter: Option<String>,
}

/// `IndexFaces` output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IndexFacesResponse {
    /// The faces indexed.
    pub face_records: Vec<FaceRecord>,
    /// See [`crate::FACE_MODEL_VERSION`].
    pub face_model_version: String,
    /// The faces found but not indexed, with why.
    pub unindexed_faces: Vec<UnindexedFace>,
}

/// One indexed face.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FaceRecord {
    /// As stored.
    pub face: Face,
    /// As detected.
    pub face_detail: FaceDetail,
}

/// A face found but not indexed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UnindexedFace {
    /// `LOW_CONFIDENCE`, `SMALL_BOUNDING_BOX`, `EXCEEDS_MAX_FACES`, ...
    pub reasons: Vec<String>,
    /// As detected.
    pub face_detail: FaceDetail,
}

/// A face of a collection.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Face {
    /// A UUID assigned when indexed.
    pub face_id: String,
    /// Where the face was in its image.
    pub bounding_box: BoundingBox,
    /// The same UUID for every face of one image's bytes.
    pub image_id: String,
    /// The caller's label, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_image_id: Option<String>,
    /// Detection confidence, 0–100.
    pub confidence: f32,
    /// See [`crate::FACE_MODEL_VERSION`].
    pub index_faces_model_version: String,
}

/// `SearchFacesByImage` input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SearchFacesByImageRequest {
    /// The collection to search.
    pub collection_id: Option<String>,
    /// The photo whose largest face is searched for.
    pub image: Option<Image>,
    /// At most this many matches.
    pub max_faces: Option<i64>,
    /// 0–100, default 80.
    pub face_match_threshold: Option<f64>,
    /// `NONE` (default), `AUTO`, `LOW`, `MEDIUM`, `HIGH`.
    pub quality_filter: Option<String>,
}

/// `SearchFacesByImage` output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SearchFacesByImageResponse {
    /// The probe face's box.
    pub searched_face_bounding_box: BoundingBox,
    /// The probe face's detection confidence.
    pub searched_face_confidence: f32,
    /// Matches, most similar first.
    pub face_matches: Vec<FaceMatch>,
    /// See [`crate::FACE_MODEL_VERSION`].
    pub face_model_version: String,
}

/// A collection face and how similar it is.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FaceMatch {
    /// 0–100.
    pub similarity: f32,
    /// The stored face.
    pub face: Face,
}

/// `SearchFaces` input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SearchFacesRequest {
    /// The collection to search.
    pub collection_id: Option<String>,
    /// The stored face searched for (itself left out of the matches).
    pub face_id: Option<String>,
    /// At most this many matches.
    pub max_faces: Option<i64>,
    /// 0–100, default 80.
    pub face_match_threshold: Option<f64>,
}

/// `SearchFaces` output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SearchFacesResponse {
    /// The face searched for.
    pub searched_face_id: String,
    /// Matches, most similar first.
    pub face_matches: Vec<FaceMatch>,
    /// See [`crate::FACE_MODEL_VERSION`].
    pub face_model_version: String,
}

/// `ListFaces` input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListFacesRequest {
    /// The collection.
    pub collection_id: Option<String>,
    /// From a previous page.
    pub next_token: Option<String>,
    /// Page size, 0–4096 (default 1000).
    pub max_results: Option<i64>,
    /// Only faces associated with this user (none are: users are not served).
    pub user_id: Option<String>,
    /// Only these faces.
    pub face_ids: Option<Vec<String>>,
}

/// `ListFaces` output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListFacesResponse {
    /// The page, oldest first.
    pub faces: Vec<Face>,
    /// Present when more faces follow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// See [`crate::FACE_MODEL_VERSION`].
    pub face_model_version: String,
}

/// `DeleteFaces` input.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteFacesRequest {
    /// The collection.
    pub collection_id: Option<String>,
    /// The faces to delete.
    pub face_ids: Option<Vec<String>>,
}

/// `DeleteFaces` output.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteFacesResponse {
    /// The faces deleted.
    pub deleted_faces: Vec<String>,
    /// The faces not deleted, with why.
    pub unsuccessful_face_deletions: Vec<UnsuccessfulFaceDeletion>,
}

/// A face `DeleteFaces` could not delete.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UnsuccessfulFaceDeletion {
    /// The face id asked for.
    pub face_id: String,
    /// `FACE_NOT_FOUND`.
    pub reasons: Vec<String>,
}

/// A detected face, as `DetectFaces` and `IndexFaces` describe it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FaceDetail {
    /// Where the face is.
    pub bounding_box: BoundingBox,
    /// Detection confidence, 0–100.
    pub confidence: f32,
    /// Default attribute: see [`Landmark`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub landmarks: Option<Vec<Landmark>>,
    /// Default attribute: head pose in degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pose: Option<Pose>,
    /// Default attribute: brightness and sharpness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<ImageQuality>,
    /// With `ALL` or `SUNGLASSES`: whether the eyes are hidden by dark lenses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sunglasses: Option<Sunglasses>,
}

/// A box as fractions of the image's width and height.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BoundingBox {
    /// Fraction of the image's width.
    pub width: f32,
    /// Fraction of the image's height.
    pub height: f32,
    /// Left edge, fraction of the width.
    pub left: f32,
    /// Top edge, fraction of the height.
    pub top: f32,
}

/// One landmark, as fractions of the image's width and height.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Landmark {
    /// Rekognition's landmark name (`eyeLeft`, `nose`, ...).
    #[serde(rename = "Type")]
    pub kind: String,
    /// Fraction of the width.
    pub x: f32,
    /// Fraction of the height.
    pub y: f32,
}

/// Head pose, degrees.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Pose {
    /// In-plane tilt.
    pub roll: f32,
    /// Turn left/right.
    pub yaw: f32,
    /// Nod up/down.
    pub pitch: f32,
}

/// Image quality of the face, 0–100 each.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageQuality {
    /// Mean luma of the face.
    pub brightness: f32,
    /// See `riv_face_engine::measure::sharpness_score`.
    pub sharpness: f32,
}

/// Whether the face wears sunglasses.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Sunglasses {
    /// The verdict.
    pub value: bool,
    /// 0–100, confidence in the verdict.
    pub confidence: f32,
}

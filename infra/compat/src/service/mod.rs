//! The operations: each takes Rekognition's request shape and returns its
//! response shape. Engine work and SQL run on the blocking pool; the
//! collections' mutex is only taken there, never across an `.await`.
//!
//! This module holds the service and the image operations (`DetectFaces`,
//! `CompareFaces`); `collections.rs` the collection operations.

mod collections;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use riv_face_engine::{Descriptor, FaceDetail as EngineFace, FaceEngine};
use tokio::sync::Semaphore;

use crate::convert::{self, Attributes, Frame};
use crate::error::ApiError;
use crate::images::ImageReader;
use crate::quality::QualityFilter;
use crate::shapes::*;
use crate::store::Collections;
use crate::validate::threshold;

/// The most faces `IndexFaces` indexes from one image, and the most target
/// faces `CompareFaces` compares (Rekognition's limits).
pub const MAX_FACES_PER_IMAGE: usize = 100;

/// The engine and the collections behind every operation.
#[derive(Debug)]
pub struct Service {
    /// Detects, measures and describes faces.
    engine: Arc<FaceEngine>,
    /// The collections; locked only on the blocking pool.
    collections: Arc<Mutex<Collections>>,
    /// Bounds the engine work running at once (one per core).
    permits: Semaphore,
    /// `aws:rekognition:REGION:ACCOUNT:collection/`.
    arn_prefix: String,
    /// Reads `Image.Bytes`, and `Image.S3Object` when given an S3 client.
    images: ImageReader,
}

/// The faces of one image, with the size their coordinates refer to.
struct Analysed {
    frame: Frame,
    faces: Vec<(EngineFace, Option<Descriptor>)>,
}

impl Service {
    /// A service over a loaded engine and opened collections.
    pub fn new(
        engine: Arc<FaceEngine>,
        collections: Collections,
        region: &str,
        account: &str,
    ) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self {
            engine,
            collections: Arc::new(Mutex::new(collections)),
            permits: Semaphore::new(cores),
            arn_prefix: format!("aws:rekognition:{region}:{account}:collection/"),
            images: ImageReader::default(),
        }
    }

    /// Reads `Image.S3Object` images through `s3` (without one they are
    /// refused).
    pub fn with_s3(mut self, s3: Option<aws_sdk_s3::Client>) -> Self {
        self.images = ImageReader::new(s3);
        self
    }

    /// `DetectFaces`.
    pub async fn detect_faces(
        &self,
        req: DetectFacesRequest,
    ) -> Result<DetectFacesResponse, ApiError> {
        let attributes = Attributes::parse(&req.attributes)?;
        let bytes = self.images.bytes(req.image, "Image").await?;
        let seen = self.analyse(bytes, false).await?;
        let face_details = seen
            .faces
            .iter()
            .map(|(face, _)| convert::face_detail(face, seen.frame, attributes))
            .collect();
        Ok(DetectFacesResponse { face_details })
    }

    /// `CompareFaces`: the source's largest face against every target face.
    pub async fn compare_faces(
        &self,
        req: CompareFacesRequest,
    ) -> Result<CompareFacesResponse, ApiError> {
        let min = threshold(req.similarity_threshold, "SimilarityThreshold", 80.0)?;
        let filter = QualityFilter::parse(req.quality_filter.as_deref(), QualityFilter::None)?;
        let source = self.images.bytes(req.source_image, "SourceImage").await?;
        let target = self.images.bytes(req.target_image, "TargetImage").await?;
        let source = self.analyse(source, true).await?;
        let target = self.analyse(target, true).await?;
        let Some((source_face, Some(probe))) = source
            .faces
            .into_iter()
            .find(|(face, _)| filter.reasons(face).is_empty())
        else {
            return Err(ApiError::no_face("source image"));
        };
        let mut face_matches = Vec::new();
        let mut unmatched_faces = Vec::new();
        for (face, descriptor) in target.faces.iter().take(MAX_FACES_PER_IMAGE) {
            if !filter.reasons(face).is_empty() {
                continue;
            }
            let Some(descriptor) = descriptor else {
                continue;
            };
            let similarity = self.engine.compare(&probe, descriptor).similarity;
            let compared = convert::compared_face(face, target.frame);
            if similarity >= min {
                face_matches.push(CompareFacesMatch {
                    similarity: convert::percent(similarity),
                    face: compared,
                });
            } else {
                unmatched_faces.push(compared);
            }
        }
        face_matches.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
        Ok(CompareFacesResponse {
            source_image_face: SourceImageFace {
                bounding_box: convert::bounding_box(&source_face, source.frame),
                confidence: convert::percent(source_face.confidence),
            },
            face_matches,
            unmatched_faces,
        })
    }

    /// Decodes and detects (and describes, with `describe`) every face,
    /// largest first, on the blocking pool.
    async fn analyse(&self, bytes: Vec<u8>, describe: bool) -> Result<Analysed, ApiError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ApiError::internal("the endpoint is stopping"))?;
        let engine = Arc::clone(&self.engine);
        blocking(move || {
            let image = engine
                .decode(&bytes)
                .map_err(|e| ApiError::from_engine(&e))?;
            let (detection, upright) = engine.detect(&image);
            let frame = Frame {
                width: upright.width(),
                height: upright.height(),
            };
            let mut faces = Vec::with_capacity(detection.faces.len());
            for face in detection.faces {
                let descriptor = if describe {
                    let d = engine
                        .descriptor(&upright, &face.landmarks)
                        .map_err(|e| ApiError::from_engine(&e))?;
                    Some(d)
                } else {
                    None
                };
                faces.push((face, descriptor));
            }
            Ok(Analysed { frame, faces })
        })
        .await
    }

    /// Runs `f` with the collections locked, on the blocking pool.
    async fn with_collections<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Collections) -> Result<T, ApiError> + Send + 'static,
    {
        let collections = Arc::clone(&self.collections);
        blocking(move || f(&mut lock(&collections))).await
    }
}

fn lock(collections: &Mutex<Collections>) -> MutexGuard<'_, Collections> {
    // rusqlite rolls an unfinished transaction back on drop, so a panic
    // mid-write leaves the database and the copy consistent enough to go on.
    collections.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs blocking work on tokio's blocking pool.
async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::internal(format!("worker task failed: {e}")))?
}

//! [`RekognitionAnalyzer`]: the [`FaceAnalyzer`] port over `DetectFaces`.
//!
//! Rekognition's `FaceDetail` on the port's [`DetectedFace`], read back the
//! way riv's Rekognition-compatible endpoint writes the engine's measures
//! (`riv_compat::convert`), so a round trip through that endpoint gives the
//! values the local adapter gives:
//!
//! | port field | Rekognition field | mapping |
//! |---|---|---|
//! | `bounding_box` | `BoundingBox` | as is |
//! | `height_px` | `BoundingBox.Height` | × the image's height from its header, rounded |
//! | `confidence` | `Confidence` | as is |
//! | `pose` | `Pose` | as is |
//! | `sharpness`, `brightness` | `Quality.Sharpness`, `Quality.Brightness` | as is |
//! | `eyes_occluded` | `Sunglasses`, `EyesOpen` | the confidence that the eyes are hidden: `Sunglasses.Confidence` when `Value` is true, else 100 − it; when `EyesOpen` is present, at least the confidence that the eyes are closed |
//!
//! Faces come largest (bounding box area) first. The local engine orders
//! by its unclipped box, so a face cut by the image's edge may rank
//! differently. A face found only in the image turned by 90° or 270° (the
//! compatible endpoint's fallback) has a box relative to the turned image,
//! so its `height_px` is then off.

use async_trait::async_trait;
use aws_sdk_rekognition::Client;
use aws_sdk_rekognition::types::{Attribute, FaceDetail};
use riv_consumers::PortError;
use riv_consumers::ports::{DetectedFace, FaceAnalyzer};
use riv_events::{BoundingBox, ObjectKey, Pose, Similarity};

use super::error::{InvalidParameter, classify};
use super::images::{ImageSource, Images};
use crate::s3::S3ObjectStore;

/// Measures faces with Rekognition's `DetectFaces`.
#[derive(Debug, Clone)]
pub struct RekognitionAnalyzer {
    /// The client, built once by the composition root.
    client: Client,
    /// The bucket the images are in, and how they are sent.
    images: Images,
}

impl RekognitionAnalyzer {
    /// Measures the images of `objects`' bucket through `client`, sending
    /// them as `source` says.
    pub fn new(client: Client, objects: S3ObjectStore, source: ImageSource) -> Self {
        Self {
            client,
            images: Images::new(objects, source),
        }
    }
}

#[async_trait]
impl FaceAnalyzer for RekognitionAnalyzer {
    /// Reads the image's header (for its height) before asking Rekognition,
    /// so a missing object is `not_found` and an unreadable header
    /// `invalid_image` without a call.
    async fn detect_faces(&self, image: &ObjectKey) -> Result<Vec<DetectedFace>, PortError> {
        let (request, height) = self.images.image_and_height(image).await?;
        let sent = self
            .client
            .detect_faces()
            .image(request)
            .attributes(Attribute::All)
            .send()
            .await;
        let output = match sent {
            Ok(output) => output,
            Err(err) => {
                let context = format!("analysing {image}");
                let failure = classify(&context, err, InvalidParameter::BadImage);
                return Err(self.images.settle(image, failure).await);
            }
        };
        let mut faces = output
            .face_details()
            .iter()
            .map(|face| detected_face(face, height))
            .collect::<Result<Vec<_>, _>>()?;
        // Stable: Rekognition's own order stays among equal boxes.
        faces.sort_by(|a, b| area(b).total_cmp(&area(a)));
        Ok(faces)
    }

    /// `CompareFaces` with a similarity threshold of 0, so every face in
    /// `target` is scored; the best score, or `None` when `target` has no
    /// face. A `source` without a face is Rekognition's InvalidParameter,
    /// `invalid_image` here.
    async fn compare_faces(
        &self,
        source: &ObjectKey,
        target: &ObjectKey,
    ) -> Result<Option<Similarity>, PortError> {
        let source_image = self.images.image(source).await?;
        let target_image = self.images.image(target).await?;
        let sent = self
            .client
            .compare_faces()
            .source_image(source_image)
            .target_image(target_image)
            .similarity_threshold(0.0)
            .send()
            .await;
        match sent {
            Ok(output) => Ok(output
                .face_matches()
                .iter()
                .filter_map(|m| m.similarity())
                .reduce(f32::max)
                .map(Similarity::clamped)),
            Err(err) => {
                let context = format!("comparing {source} with {target}");
                let failure = classify(&context, err, InvalidParameter::NoFace);
                Err(self.images.settle(source, failure).await)
            }
        }
    }
}

fn area(face: &DetectedFace) -> f32 {
    face.bounding_box.width * face.bounding_box.height
}

/// One Rekognition face on the port's scales; `image_height` in pixels.
pub(crate) fn detected_face(
    face: &FaceDetail,
    image_height: u32,
) -> Result<DetectedFace, PortError> {
    let absent =
        |what: &str| PortError::permanent(format!("DetectFaces answered a face without {what}"));
    let b = face.bounding_box().ok_or_else(|| absent("BoundingBox"))?;
    let bounding_box = BoundingBox {
        left: b.left().unwrap_or(0.0),
        top: b.top().unwrap_or(0.0),
        width: b.width().unwrap_or(0.0),
        height: b.height().unwrap_or(0.0),
    };
    let pose = face.pose().ok_or_else(|| absent("Pose"))?;
    let quality = face.quality().ok_or_else(|| absent("Quality"))?;
    let hidden_by_glasses = face.sunglasses().map(|s| {
        let sure = percent(s.confidence().unwrap_or(0.0));
        if s.value() { sure } else { 100.0 - sure }
    });
    let closed = face.eyes_open().map(|e| {
        let sure = percent(e.confidence().unwrap_or(0.0));
        if e.value() { 100.0 - sure } else { sure }
    });
    let eyes_occluded = match (hidden_by_glasses, closed) {
        (Some(glasses), Some(closed)) => glasses.max(closed),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => return Err(absent("Sunglasses or EyesOpen")),
    };
    Ok(DetectedFace {
        // f32 → u32 saturates: a negative or NaN height is 0.
        height_px: (f64::from(bounding_box.height) * f64::from(image_height)).round() as u32,
        bounding_box,
        confidence: percent(face.confidence().ok_or_else(|| absent("Confidence"))?),
        pose: Pose {
            yaw: pose.yaw().unwrap_or(0.0),
            pitch: pose.pitch().unwrap_or(0.0),
            roll: pose.roll().unwrap_or(0.0),
        },
        sharpness: percent(quality.sharpness().unwrap_or(0.0)),
        brightness: percent(quality.brightness().unwrap_or(0.0)),
        eyes_occluded,
    })
}

/// Clamps into 0..=100 (NaN becomes 0).
fn percent(value: f32) -> f32 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, 100.0)
    }
}

//! The engine's measurements on the port's scales ([`DetectedFace`], which
//! reads like Rekognition's DetectFaces).
//!
//! | port field | engine value | mapping |
//! |---|---|---|
//! | `bounding_box` | `bounding_box`, inclusive pixels of the upright image | fractions of the upright image's width and height, clipped to the image |
//! | `height_px` | `size.height` | as is (the detector's box, not clipped) |
//! | `confidence` | `confidence`, already 0–100 (`100 / (1 + exp(-4 · score))`) | as is: 50 at the detector's threshold, 98 at score 1 |
//! | `pose` | `pose`, degrees | as is |
//! | `sharpness` | variance of the Laplacian on the 150 px chip, unbounded | the engine's `measure::sharpness_score`: `100 · v / (v + 60)` |
//! | `brightness` | already 0–100 (mean luma / 2.55) | as is |
//! | `eyes_occluded` | `eyes_occluded.score`, 0–1 | × 100: the engine's own flag (`score ≥ 0.5`) is 50 |
//!
//! The confidence is not Rekognition's: clear faces score 95–100 as there,
//! but small or unclear ones spread down to 50, and faces found only by the
//! engine's relaxed fallback pass score below 50. On the public test photos
//! one false detection (astronaut.png) scored 61; a gate at 90 keeps every
//! clear face seen there. Thresholds set for Rekognition (99) are too strict.
//!
//! The eyes score is reliable on large faces; on faces under ~65 px
//! (rustface_test.png's group of small faces) it reaches 50–90 without
//! sunglasses, so it should only gate faces that already passed the size
//! check.

use riv_consumers::ports::DetectedFace;
use riv_events::{BoundingBox, Pose};
use riv_face_engine::FaceDetail;
use riv_face_engine::measure::sharpness_score;

/// One engine face as the port's [`DetectedFace`]; `width` and `height` are
/// those of the upright image the face's coordinates refer to.
pub fn detected_face(detail: &FaceDetail, width: u32, height: u32) -> DetectedFace {
    let rect = &detail.bounding_box;
    let (w, h) = (f64::from(width.max(1)), f64::from(height.max(1)));
    // Inclusive pixel box → half-open fractions, clipped to the image.
    let left = (rect.left as f64).clamp(0.0, w);
    let top = (rect.top as f64).clamp(0.0, h);
    let right = ((rect.right + 1) as f64).clamp(left, w);
    let bottom = ((rect.bottom + 1) as f64).clamp(top, h);
    DetectedFace {
        bounding_box: BoundingBox {
            left: (left / w) as f32,
            top: (top / h) as f32,
            width: ((right - left) / w) as f32,
            height: ((bottom - top) / h) as f32,
        },
        height_px: detail.size.height,
        confidence: to_percent(detail.confidence),
        pose: Pose {
            yaw: detail.pose.yaw as f32,
            pitch: detail.pose.pitch as f32,
            roll: detail.pose.roll as f32,
        },
        sharpness: sharpness_score(detail.sharpness) as f32,
        brightness: to_percent(detail.brightness),
        eyes_occluded: to_percent(detail.eyes_occluded.score * 100.0),
    }
}

/// Clamps into 0..=100 (NaN becomes 0).
fn to_percent(value: f64) -> f32 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, 100.0) as f32
    }
}

//! The engine's measurements in Rekognition's shapes and scales.
//!
//! | Rekognition field | engine value | mapping |
//! |---|---|---|
//! | `BoundingBox` | inclusive pixel box in the upright image | fractions of the upright image's width and height, clipped to the image |
//! | `Confidence` | `confidence`, 0–100 | as is: 50 at the detector's threshold, 98 at score 1 |
//! | `Landmarks` | dlib's 5 points (4 eye corners, base of the nose) | see [`landmarks`] |
//! | `Pose` | degrees | as is |
//! | `Quality.Brightness` | 0–100 | as is |
//! | `Quality.Sharpness` | Laplacian variance on the 150 px chip | the engine's `measure::sharpness_score` |
//! | `Sunglasses` | eye occlusion score 0–1 | `Value = score ≥ 0.5`, confidence in that verdict |

use riv_face_engine::measure::sharpness_score;
use riv_face_engine::{FaceDetail as EngineFace, Point};

use crate::error::ApiError;
use crate::shapes::{
    BoundingBox, ComparedFace, FaceDetail, ImageQuality, Landmark, Pose, Sunglasses,
};

/// The size of the image the face's coordinates refer to.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
}

impl Frame {
    fn fx(self, x: f64) -> f32 {
        (x / f64::from(self.width.max(1))) as f32
    }

    fn fy(self, y: f64) -> f32 {
        (y / f64::from(self.height.max(1))) as f32
    }
}

/// Which optional parts of a `FaceDetail` are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attributes {
    /// Landmarks, Pose, Quality.
    pub default: bool,
    /// Sunglasses.
    pub sunglasses: bool,
}

impl Attributes {
    /// Parses `Attributes` / `DetectionAttributes`: empty or `DEFAULT` gives
    /// the default set, `ALL` everything measured; single attributes add
    /// themselves (those the engine does not measure are accepted and left
    /// out, as `ALL` leaves them out).
    pub fn parse(names: &[String]) -> Result<Self, ApiError> {
        let mut out = Attributes {
            default: names.is_empty(),
            sunglasses: false,
        };
        for name in names {
            match name.as_str() {
                "DEFAULT" => out.default = true,
                "ALL" => {
                    out.default = true;
                    out.sunglasses = true;
                }
                "SUNGLASSES" => out.sunglasses = true,
                "AGE_RANGE" | "BEARD" | "EMOTIONS" | "EYE_DIRECTION" | "EYEGLASSES"
                | "EYES_OPEN" | "GENDER" | "MOUTH_OPEN" | "MUSTACHE" | "FACE_OCCLUDED"
                | "SMILE" => {}
                other => {
                    return Err(ApiError::invalid(format!(
                        "Attribute {other} is not one of ALL, DEFAULT, AGE_RANGE, BEARD, EMOTIONS, EYE_DIRECTION, EYEGLASSES, EYES_OPEN, FACE_OCCLUDED, GENDER, MOUTH_OPEN, MUSTACHE, SMILE, SUNGLASSES"
                    )));
                }
            }
        }
        Ok(out)
    }
}

/// The face's box as fractions of the frame, clipped to the image.
pub fn bounding_box(face: &EngineFace, frame: Frame) -> BoundingBox {
    let rect = &face.bounding_box;
    let (w, h) = (f64::from(frame.width), f64::from(frame.height));
    // Inclusive pixel box → half-open, clipped.
    let left = (rect.left as f64).clamp(0.0, w);
    let top = (rect.top as f64).clamp(0.0, h);
    let right = ((rect.right + 1) as f64).clamp(left, w);
    let bottom = ((rect.bottom + 1) as f64).clamp(top, h);
    BoundingBox {
        width: frame.fx(right - left),
        height: frame.fy(bottom - top),
        left: frame.fx(left),
        top: frame.fy(top),
    }
}

/// Rekognition's landmarks from dlib's 5 points (0–1: the corners of the eye
/// on the image's right, i.e. the subject's left eye; 2–3: the other eye;
/// 4: the base of the nose):
///
/// - `eyeLeft`, `eyeRight`: the midpoint of each eye's two corners (the
///   subject's left and right, as Rekognition names them);
/// - `leftEyeLeft`, `leftEyeRight`, `rightEyeLeft`, `rightEyeRight`: the
///   corners themselves, "Left" being the one further left in the image;
/// - `nose`: the base of the nose (Rekognition's `nose` is its tip, a few
///   pixels higher and further out).
///
/// The 5-point model has no mouth points, so `mouthLeft` and `mouthRight`
/// are not returned.
pub fn landmarks(face: &EngineFace, frame: Frame) -> Vec<Landmark> {
    let p = &face.landmarks;
    let mid = |a: Point, b: Point| Point::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
    let ordered = |a: Point, b: Point| if a.x <= b.x { (a, b) } else { (b, a) };
    let (left_eye_left, left_eye_right) = ordered(p[0], p[1]);
    let (right_eye_left, right_eye_right) = ordered(p[2], p[3]);
    let points = [
        ("eyeLeft", mid(p[0], p[1])),
        ("eyeRight", mid(p[2], p[3])),
        ("nose", p[4]),
        ("leftEyeLeft", left_eye_left),
        ("leftEyeRight", left_eye_right),
        ("rightEyeLeft", right_eye_left),
        ("rightEyeRight", right_eye_right),
    ];
    points
        .into_iter()
        .map(|(kind, point)| Landmark {
            kind: kind.to_owned(),
            x: frame.fx(point.x),
            y: frame.fy(point.y),
        })
        .collect()
}

/// The head pose.
pub fn pose(face: &EngineFace) -> Pose {
    Pose {
        roll: face.pose.roll as f32,
        yaw: face.pose.yaw as f32,
        pitch: face.pose.pitch as f32,
    }
}

/// Brightness and sharpness on 0–100.
pub fn quality(face: &EngineFace) -> ImageQuality {
    ImageQuality {
        brightness: percent(face.brightness),
        sharpness: sharpness_score(face.sharpness) as f32,
    }
}

/// The sunglasses verdict and the confidence in it.
pub fn sunglasses(face: &EngineFace) -> Sunglasses {
    let score = face.eyes_occluded.score.clamp(0.0, 1.0);
    let value = face.eyes_occluded.value;
    Sunglasses {
        value,
        confidence: percent(if value { score } else { 1.0 - score } * 100.0),
    }
}

/// A `FaceDetail` with the attributes asked for.
pub fn face_detail(face: &EngineFace, frame: Frame, attributes: Attributes) -> FaceDetail {
    FaceDetail {
        bounding_box: bounding_box(face, frame),
        confidence: percent(face.confidence),
        landmarks: attributes.default.then(|| landmarks(face, frame)),
        pose: attributes.default.then(|| pose(face)),
        quality: attributes.default.then(|| quality(face)),
        sunglasses: attributes.sunglasses.then(|| sunglasses(face)),
    }
}

/// A `CompareFaces` target face.
pub fn compared_face(face: &EngineFace, frame: Frame) -> ComparedFace {
    ComparedFace {
        bounding_box: bounding_box(face, frame),
        confidence: percent(face.confidence),
        landmarks: landmarks(face, frame),
        pose: pose(face),
        quality: quality(face),
    }
}

/// Clamps into 0..=100 (NaN becomes 0).
pub fn percent(value: f64) -> f32 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, 100.0) as f32
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn attributes_parse_like_rekognition() {
        assert_eq!(
            Attributes::parse(&[]).unwrap(),
            Attributes {
                default: true,
                sunglasses: false
            }
        );
        let all = Attributes::parse(&["ALL".into()]).unwrap();
        assert!(all.default && all.sunglasses);
        let single = Attributes::parse(&["SUNGLASSES".into()]).unwrap();
        assert!(!single.default && single.sunglasses);
        assert!(Attributes::parse(&["SMILE".into()]).is_ok());
        assert!(Attributes::parse(&["BOGUS".into()]).is_err());
    }
}

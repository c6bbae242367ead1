//! `QualityFilter`: which detected faces are good enough to index or search.
//!
//! Rekognition does not publish its bars; these are riv's, on the engine's
//! own measures (see [`Bar`]). `AUTO` is `MEDIUM`.

use riv_face_engine::FaceDetail as EngineFace;

use riv_face_engine::measure::sharpness_score;

use crate::convert::percent;
use crate::error::ApiError;

/// The quality bar asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QualityFilter {
    /// Every face passes.
    None,
    /// riv's choice: [`QualityFilter::Medium`].
    Auto,
    /// Only faces that are barely faces are filtered out.
    Low,
    /// Small, blurred, dark or turned-away faces are filtered out.
    Medium,
    /// Only clear, large, frontal faces pass.
    High,
}

/// The thresholds of one bar; a face below any of them is filtered out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    /// Detection confidence, 0–100 (`LOW_CONFIDENCE`).
    pub min_confidence: f32,
    /// Box height in pixels (`SMALL_BOUNDING_BOX`).
    pub min_height_px: u32,
    /// Sharpness, 0–100 (`LOW_SHARPNESS`).
    pub min_sharpness: f32,
    /// Brightness, 0–100 (`LOW_BRIGHTNESS`).
    pub min_brightness: f32,
    /// Largest |yaw| or |pitch|, degrees (`EXTREME_POSE`).
    pub max_pose_deg: f32,
}

impl QualityFilter {
    /// Parses the request's value; `default` when absent.
    pub fn parse(value: Option<&str>, default: QualityFilter) -> Result<Self, ApiError> {
        Ok(match value {
            None => default,
            Some("NONE") => QualityFilter::None,
            Some("AUTO") => QualityFilter::Auto,
            Some("LOW") => QualityFilter::Low,
            Some("MEDIUM") => QualityFilter::Medium,
            Some("HIGH") => QualityFilter::High,
            Some(other) => {
                return Err(ApiError::invalid(format!(
                    "QualityFilter {other} is not one of NONE, AUTO, LOW, MEDIUM, HIGH"
                )));
            }
        })
    }

    /// The thresholds, or `None` for [`QualityFilter::None`].
    pub fn bar(self) -> Option<Bar> {
        match self {
            QualityFilter::None => None,
            QualityFilter::Low => Some(Bar {
                min_confidence: 50.0,
                min_height_px: 20,
                min_sharpness: 5.0,
                min_brightness: 5.0,
                max_pose_deg: 75.0,
            }),
            QualityFilter::Auto | QualityFilter::Medium => Some(Bar {
                min_confidence: 70.0,
                min_height_px: 40,
                min_sharpness: 10.0,
                min_brightness: 10.0,
                max_pose_deg: 60.0,
            }),
            QualityFilter::High => Some(Bar {
                min_confidence: 90.0,
                min_height_px: 80,
                min_sharpness: 30.0,
                min_brightness: 20.0,
                max_pose_deg: 45.0,
            }),
        }
    }

    /// Rekognition's reasons why `face` fails the bar (empty: it passes).
    pub fn reasons(self, face: &EngineFace) -> Vec<&'static str> {
        let Some(bar) = self.bar() else {
            return Vec::new();
        };
        let mut reasons = Vec::new();
        if percent(face.confidence) < bar.min_confidence {
            reasons.push("LOW_CONFIDENCE");
        }
        if face.size.height.min(face.size.width) < bar.min_height_px {
            reasons.push("SMALL_BOUNDING_BOX");
        }
        if (sharpness_score(face.sharpness) as f32) < bar.min_sharpness {
            reasons.push("LOW_SHARPNESS");
        }
        if percent(face.brightness) < bar.min_brightness {
            reasons.push("LOW_BRIGHTNESS");
        }
        let turned = face.pose.yaw.abs().max(face.pose.pitch.abs());
        // NaN (an unmeasurable pose) counts as extreme.
        if turned.is_nan() || turned > f64::from(bar.max_pose_deg) {
            reasons.push("EXTREME_POSE");
        }
        reasons
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_every_value() {
        let parse = |v| QualityFilter::parse(Some(v), QualityFilter::None).unwrap();
        assert_eq!(parse("AUTO"), QualityFilter::Auto);
        assert_eq!(parse("HIGH"), QualityFilter::High);
        assert_eq!(
            QualityFilter::parse(None, QualityFilter::Auto).unwrap(),
            QualityFilter::Auto
        );
        assert!(QualityFilter::parse(Some("auto"), QualityFilter::None).is_err());
        assert!(QualityFilter::None.bar().is_none());
        assert_eq!(QualityFilter::Auto.bar(), QualityFilter::Medium.bar());
    }
}

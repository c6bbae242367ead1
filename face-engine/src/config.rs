//! The engine's configuration: one typed struct, validated once.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::EngineError;
use crate::image::DecodeLimits;
use crate::similarity::SimilarityScale;

/// Everything the engine needs to know, decided by the process that owns it
/// (the engine reads no environment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineConfig {
    /// Directory with the model files (`riv models fetch` fills it).
    pub model_dir: PathBuf,
    /// Limits checked before an image is decoded.
    pub decode: DecodeLimits,
    pub detection: DetectionConfig,
    /// Average each face's descriptor with its mirror image's. Costs a second
    /// descriptor per face; measured gain in `docs/face-engine.md`.
    pub mirror_average: bool,
    /// Distance → 0–100 similarity mapping.
    pub similarity: SimilarityScale,
}

/// How faces are searched for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DetectionConfig {
    /// Smallest face side, in pixels, the detector looks for (20–1000). The
    /// HOG detector's window is 80 px; smaller faces are found by doubling
    /// the image first (40 px: once, 20 px: twice), which costs four times
    /// the work per doubling.
    pub min_face_px: u32,
    /// Largest image, in pixels, the detector works on after doubling. A
    /// larger image is doubled fewer times or halved first, so on big photos
    /// the smallest face found grows in proportion, as on Rekognition.
    pub max_detect_pixels: u64,
    /// Added to the detector's threshold: negative finds more faces (and more
    /// false ones), positive fewer.
    pub adjust_threshold: f64,
    /// When nothing is found (in any orientation), look once more, upright,
    /// with this relaxed `adjust_threshold`; faces found this way carry
    /// their low confidence. `null` turns the retry off.
    pub fallback_threshold: Option<f64>,
    /// When no face is found upright, also look in the image turned by 90°,
    /// 270° and 180° (phone frames saved sideways without EXIF orientation).
    pub try_rotations: bool,
}

impl Default for DetectionConfig {
    fn default() -> Self {
        Self {
            min_face_px: 40,
            // 1920×1080 doubled once: 40 px faces in a full-HD photo, as on
            // Rekognition.
            max_detect_pixels: 8_294_400,
            adjust_threshold: 0.0,
            fallback_threshold: Some(-0.5),
            try_rotations: true,
        }
    }
}

impl EngineConfig {
    /// A configuration with every default and the given model directory.
    pub fn with_model_dir(model_dir: impl Into<PathBuf>) -> Self {
        Self {
            model_dir: model_dir.into(),
            decode: DecodeLimits::default(),
            detection: DetectionConfig::default(),
            mirror_average: false,
            similarity: SimilarityScale::default(),
        }
    }

    /// Checks every value once, so the engine can trust them.
    pub fn validate(&self) -> Result<(), EngineError> {
        let invalid = |detail: String| Err(EngineError::InvalidArgument { detail });
        let d = &self.detection;
        if !(20..=1000).contains(&d.min_face_px) {
            return invalid(format!(
                "detection.min_face_px {} is outside 20..=1000",
                d.min_face_px
            ));
        }
        if d.max_detect_pixels < 64 * 64 {
            return invalid(format!(
                "detection.max_detect_pixels {} is below 4096",
                d.max_detect_pixels
            ));
        }
        if !d.adjust_threshold.is_finite() || d.adjust_threshold.abs() > 10.0 {
            return invalid(format!(
                "detection.adjust_threshold {} is outside -10..=10",
                d.adjust_threshold
            ));
        }
        if let Some(t) = d.fallback_threshold
            && !(t.is_finite() && t < d.adjust_threshold && t >= -10.0)
        {
            return invalid(format!(
                "detection.fallback_threshold {t} must lie between -10 and adjust_threshold"
            ));
        }
        if self.decode.max_bytes == 0 || self.decode.max_pixels == 0 {
            return invalid("decode limits must be positive".into());
        }
        let s = &self.similarity;
        if !(s.width > 0.0 && s.width.is_finite() && s.midpoint.is_finite()) {
            return invalid("similarity scale needs a positive width and a finite midpoint".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_are_named() {
        let config = EngineConfig::with_model_dir("/models");
        config.validate().unwrap();
        let mut bad = config.clone();
        bad.detection.min_face_px = 5;
        let err = bad.validate().unwrap_err();
        assert!(err.to_string().contains("min_face_px"));
        let mut bad = config;
        bad.detection.adjust_threshold = f64::NAN;
        assert!(bad.validate().is_err());
    }
}

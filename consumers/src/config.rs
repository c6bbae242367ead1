//! The domain's settings: every threshold a stage decides with, validated
//! once at start-up and passed down. Similarities are on Rekognition's 0–100
//! scale (80, never 0.8).

mod id_match;

use std::time::Duration;

use riv_events::Similarity;
use serde::{Deserialize, Serialize};

pub use id_match::{IdMatchConfig, PropertiesMismatch};

/// Why a configuration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("config key {key}: {why}")]
pub struct ConfigError {
    /// The dotted key, as documented in docs/configuration.md.
    pub key: &'static str,
    /// What is wrong with it.
    pub why: String,
}

/// Everything the stages decide with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineConfig {
    /// The quality gate.
    pub quality: QualityConfig,
    /// The 1:N duplicate search of register.
    pub duplicate_search: DuplicateSearchConfig,
    /// The 1:1 (and 1:N fallback) face match of auth and update.
    pub face_match: FaceMatchConfig,
    /// Register-idcard's document rules and portrait match.
    pub id_match: IdMatchConfig,
    /// The update workflow.
    pub update: UpdateConfig,
    /// What happens to a request's images.
    pub retention: RetentionConfig,
    /// Leases and retries.
    pub delivery: DeliveryConfig,
}

/// The DetectFaces-equivalent gate on the selfie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QualityConfig {
    /// Faces shorter than this fraction of the largest face's height are
    /// background faces and not counted (0 counts every face).
    pub background_face_ratio: f32,
    /// The face must be at least this many pixels high.
    pub min_face_height_px: u32,
    /// The detector's confidence (0–100) must reach this.
    pub min_confidence: f32,
    /// Largest allowed |yaw|, degrees.
    pub max_yaw: f32,
    /// Largest allowed |pitch|, degrees.
    pub max_pitch: f32,
    /// Largest allowed |roll|, degrees.
    pub max_roll: f32,
    /// Sharpness (0–100) must reach this.
    pub min_sharpness: f32,
    /// Brightness (0–100) must reach this.
    pub min_brightness: f32,
    /// Brightness (0–100) must not exceed this.
    pub max_brightness: f32,
    /// Eyes-occluded confidence (0–100) must stay below this. At 50 the
    /// indicator refused 7 of 100 LFW faces without sunglasses, mostly of
    /// darker-skinned people; the highest such score seen was 66.
    pub max_eyes_occluded: f32,
}

impl Default for QualityConfig {
    fn default() -> Self {
        Self {
            background_face_ratio: 0.5,
            min_face_height_px: 50,
            min_confidence: 50.0,
            max_yaw: 45.0,
            max_pitch: 35.0,
            max_roll: 30.0,
            min_sharpness: 10.0,
            min_brightness: 15.0,
            max_brightness: 95.0,
            max_eyes_occluded: 80.0,
        }
    }
}

/// The register workflow's search for the same face under another user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DuplicateSearchConfig {
    /// A face at or above this similarity (0–100) to another user's face is
    /// a duplicate. Stricter than the 1:1 threshold because a search makes
    /// one comparison per stored face: false duplicates grow with the
    /// collection (about faces × the per-pair false match rate).
    pub threshold: f32,
    /// At most this many matches are read per search.
    pub max_matches: usize,
}

impl Default for DuplicateSearchConfig {
    fn default() -> Self {
        Self {
            threshold: 95.0,
            max_matches: 10,
        }
    }
}

/// Auth's and update's match against the claimed user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaceMatchConfig {
    /// The selfie is the user at or above this similarity (0–100).
    pub threshold: f32,
    /// When 1:1 misses, search the whole collection and accept only when the
    /// top match is the claimed user.
    pub one_to_n_fallback: bool,
    /// Matches read by the fallback search.
    pub max_matches: usize,
}

impl Default for FaceMatchConfig {
    fn default() -> Self {
        Self {
            threshold: 80.0,
            one_to_n_fallback: true,
            max_matches: 10,
        }
    }
}

/// The update workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UpdateConfig {
    /// A user keeps at most this many faces; the oldest go first.
    pub keep_last_faces: usize,
}

impl Default for UpdateConfig {
    fn default() -> Self {
        Self { keep_last_faces: 5 }
    }
}

/// What happens to request images.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Delete a failed or denied request's objects (images and manifest).
    pub delete_failed_request_objects: bool,
    /// Delete an auth request's objects once it has an outcome.
    pub delete_auth_request_objects: bool,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            delete_failed_request_objects: true,
            delete_auth_request_objects: true,
        }
    }
}

/// Leases and in-process retries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliveryConfig {
    /// How long a stage may hold a message before another worker may take
    /// it over, seconds. Must be shorter than the queue's visibility timeout.
    pub lease_secs: u64,
    /// Tries of a retryable port call inside one delivery before the message
    /// goes back to the queue.
    pub in_process_attempts: usize,
    /// First back-off between in-process tries, milliseconds.
    pub in_process_backoff_ms: u64,
    /// Delay before a message returned to the queue is seen again, seconds;
    /// doubled per receive, capped at `max_retry_delay_secs`.
    pub retry_delay_secs: u64,
    /// Cap of that delay, seconds.
    pub max_retry_delay_secs: u64,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            lease_secs: 60,
            in_process_attempts: 3,
            in_process_backoff_ms: 100,
            retry_delay_secs: 2,
            max_retry_delay_secs: 60,
        }
    }
}

impl DeliveryConfig {
    /// The lease.
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_secs)
    }

    /// The delay before the `receive_count`th redelivery.
    pub fn retry_delay(&self, receive_count: u32) -> Duration {
        let doublings = receive_count.saturating_sub(1).min(16);
        let secs = self
            .retry_delay_secs
            .saturating_mul(1u64 << doublings)
            .min(self.max_retry_delay_secs);
        Duration::from_secs(secs)
    }
}

fn similarity_in(key: &'static str, value: f32) -> Result<Similarity, ConfigError> {
    if !(50.0..=100.0).contains(&value) {
        return Err(ConfigError {
            key,
            why: format!(
                "{value} is outside 50..=100; similarities are on the 0-100 scale (80, not 0.8)"
            ),
        });
    }
    Similarity::new(value).map_err(|why| ConfigError { key, why })
}

fn range(key: &'static str, value: f32, low: f32, high: f32) -> Result<(), ConfigError> {
    if (low..=high).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError {
            key,
            why: format!("{value} is outside {low}..={high}"),
        })
    }
}

impl PipelineConfig {
    /// Checks every value once; stages then trust them.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let q = &self.quality;
        range(
            "quality.background_face_ratio",
            q.background_face_ratio,
            0.0,
            1.0,
        )?;
        range("quality.min_confidence", q.min_confidence, 0.0, 100.0)?;
        range("quality.max_yaw", q.max_yaw, 0.0, 90.0)?;
        range("quality.max_pitch", q.max_pitch, 0.0, 90.0)?;
        range("quality.max_roll", q.max_roll, 0.0, 180.0)?;
        range("quality.min_sharpness", q.min_sharpness, 0.0, 100.0)?;
        range("quality.min_brightness", q.min_brightness, 0.0, 100.0)?;
        range(
            "quality.max_brightness",
            q.max_brightness,
            q.min_brightness,
            100.0,
        )?;
        range("quality.max_eyes_occluded", q.max_eyes_occluded, 0.0, 100.0)?;
        similarity_in(
            "duplicate_search.threshold",
            self.duplicate_search.threshold,
        )?;
        similarity_in("face_match.threshold", self.face_match.threshold)?;
        self.id_match.validate()?;
        for (key, value) in [
            (
                "duplicate_search.max_matches",
                self.duplicate_search.max_matches,
            ),
            ("face_match.max_matches", self.face_match.max_matches),
        ] {
            if value == 0 {
                return Err(ConfigError {
                    key,
                    why: "must be at least 1".into(),
                });
            }
        }
        if self.quality.min_face_height_px < 20 {
            return Err(ConfigError {
                key: "quality.min_face_height_px",
                why: format!(
                    "{} is below 20; no measure is meaningful on a face that small",
                    self.quality.min_face_height_px
                ),
            });
        }
        if self.update.keep_last_faces == 0 {
            return Err(ConfigError {
                key: "update.keep_last_faces",
                why: "a user keeps at least one face".into(),
            });
        }
        let d = &self.delivery;
        for (key, value) in [
            ("delivery.lease_secs", d.lease_secs),
            ("delivery.in_process_attempts", d.in_process_attempts as u64),
            ("delivery.retry_delay_secs", d.retry_delay_secs),
            ("delivery.max_retry_delay_secs", d.max_retry_delay_secs),
        ] {
            if value == 0 {
                return Err(ConfigError {
                    key,
                    why: "must be positive".into(),
                });
            }
        }
        Ok(())
    }

    /// The duplicate-search threshold (validated).
    pub fn duplicate_threshold(&self) -> Similarity {
        Similarity::clamped(self.duplicate_search.threshold)
    }

    /// The face-match threshold (validated).
    pub fn match_threshold(&self) -> Similarity {
        Similarity::clamped(self.face_match.threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        PipelineConfig::default().validate().unwrap();
    }

    #[test]
    fn the_fraction_scale_mistake_is_refused() {
        let mut config = PipelineConfig::default();
        config.face_match.threshold = 0.8;
        let err = config.validate().unwrap_err();
        assert_eq!(err.key, "face_match.threshold");
        assert!(err.why.contains("not 0.8"));
    }

    #[test]
    fn retry_delay_doubles_and_caps() {
        let d = DeliveryConfig::default();
        assert_eq!(d.retry_delay(1), Duration::from_secs(2));
        assert_eq!(d.retry_delay(3), Duration::from_secs(8));
        assert_eq!(d.retry_delay(30), Duration::from_secs(60));
    }
}

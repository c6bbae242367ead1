//! The register-idcard workflow's document rules and portrait match.

use riv_events::Similarity;
use serde::{Deserialize, Serialize};

use super::{ConfigError, similarity_in};

/// What the ID-match stage holds a document and its portrait to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdMatchConfig {
    /// The selfie is the document's holder at or above this similarity
    /// (0–100). Default 94, measured with `riv faces evaluate-portraits` on
    /// LFW's 1,100 same / 1,100 different development pairs, each pair's
    /// second photo rendered as a card portrait (face 70–90 px, printed,
    /// blurred, JPEG 60): the strictest card variant's threshold at a
    /// false-match rate of 0.1 % (94.48), rounded down. Genuine holders are
    /// refused 11–24 % of the time there; 75 let 1.1–1.8 % of strangers
    /// through. See `docs/face-engine.md`, "Document portraits".
    pub threshold: f32,
    /// Refuse a document past its expiry date (`document_expired`).
    pub reject_expired: bool,
    /// Refuse a document whose MRZ check digits fail, or whose MRZ, barcode
    /// and printed text disagree (`document_invalid`).
    pub reject_invalid: bool,
    /// Refuse holders younger than this many whole years (`underage`);
    /// 0 sets no minimum.
    pub min_age_years: u32,
    /// What to do when the app's `first_name`, `last_name` or
    /// `date_of_birth` property differs from the document's.
    pub properties_mismatch: PropertiesMismatch,
}

/// The policy for app properties that contradict the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropertiesMismatch {
    /// Deny the request (`document_properties_mismatch`).
    Reject,
    /// Keep going; the document's values replace the app's in the profile.
    PreferDocument,
}

impl Default for IdMatchConfig {
    fn default() -> Self {
        Self {
            threshold: 94.0,
            reject_expired: true,
            reject_invalid: true,
            min_age_years: 0,
            properties_mismatch: PropertiesMismatch::Reject,
        }
    }
}

impl IdMatchConfig {
    /// Checks every value.
    pub fn validate(&self) -> Result<(), ConfigError> {
        similarity_in("id_match.threshold", self.threshold)?;
        if self.min_age_years > 150 {
            return Err(ConfigError {
                key: "id_match.min_age_years",
                why: format!("{} years is not an age", self.min_age_years),
            });
        }
        Ok(())
    }

    /// The portrait threshold (validated).
    pub fn threshold(&self) -> Similarity {
        Similarity::clamped(self.threshold)
    }
}

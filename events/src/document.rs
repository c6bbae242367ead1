//! What the ID-match stage read from an identity document, as it travels
//! with the request and reaches the outcome. The profile keeps the fields;
//! the outcome tells the app what was read and checked.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::context::Similarity;

/// The kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// A passport book (ICAO TD3).
    Passport,
    /// An identity card (ICAO TD1 or TD2, or an AAMVA identification card).
    IdCard,
    /// A visa (ICAO MRV-A or MRV-B).
    Visa,
    /// A driver's licence (AAMVA).
    DriverLicence,
    /// Read, but of no kind riv knows (printed labels only).
    Unknown,
}

impl DocumentKind {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Passport => "passport",
            DocumentKind::IdCard => "id_card",
            DocumentKind::Visa => "visa",
            DocumentKind::DriverLicence => "driver_licence",
            DocumentKind::Unknown => "unknown",
        }
    }
}

/// Where a value was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueSource {
    /// The machine-readable zone (check digits verified).
    Mrz,
    /// The PDF417 barcode.
    Barcode,
    /// Printed text next to a label.
    Text,
    /// The app, in the manifest's `properties`.
    User,
}

impl ValueSource {
    /// Which wins when two disagree: the checked machine-readable sources,
    /// then printed text, then the app.
    pub fn rank(self) -> u8 {
        match self {
            ValueSource::Mrz => 0,
            ValueSource::Barcode => 1,
            ValueSource::Text => 2,
            ValueSource::User => 3,
        }
    }

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueSource::Mrz => "mrz",
            ValueSource::Barcode => "barcode",
            ValueSource::Text => "text",
            ValueSource::User => "user",
        }
    }
}

/// One field read from the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DocumentField {
    /// As read.
    pub value: String,
    /// Normalised (ISO 8601 dates, upper-case names), when it could be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized: Option<String>,
    /// How sure the reader was, 0..100.
    pub confidence: f32,
    /// Where it was read.
    pub source: ValueSource,
}

impl DocumentField {
    /// The normalised value, else the value as read.
    pub fn best(&self) -> &str {
        self.normalized.as_deref().unwrap_or(&self.value)
    }
}

/// What the ID-match stage read and measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DocumentReport {
    /// The kind of document.
    pub document_type: DocumentKind,
    /// The issuing state (ICAO code) or AAMVA jurisdiction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_country: Option<String>,
    /// Fields keyed by Textract AnalyzeID's names (`FIRST_NAME`, `DATE_OF_BIRTH`…).
    pub fields: BTreeMap<String, DocumentField>,
    /// Every MRZ check digit right; absent without an MRZ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_digits_valid: Option<bool>,
    /// Past its expiry date on the day the request arrived; absent when unread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired: Option<bool>,
    /// The holder's age in whole years on the day the request arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_years: Option<u32>,
    /// Whether every field read by two sources read the same; absent when
    /// no field was read twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources_agree: Option<bool>,
    /// The selfie's similarity to the document's portrait, 0..100, once compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portrait_similarity: Option<Similarity>,
    /// The threshold that similarity was held to.
    pub threshold: Similarity,
}

//! Textract `AnalyzeID`'s request and response shapes, field for field as
//! the service names them (PascalCase JSON).

use serde::{Deserialize, Serialize};

use crate::images::Image;

/// `AnalyzeID` input: one or two pages (a card's front and back), each an
/// image inline or in S3, shaped as Rekognition's `Image`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AnalyzeIdRequest {
    /// The pages, front first.
    pub document_pages: Option<Vec<Image>>,
}

/// `AnalyzeID` output.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AnalyzeIdResponse {
    /// One per page, in the order sent.
    pub identity_documents: Vec<IdentityDocument>,
    /// How many pages were read.
    pub document_metadata: DocumentMetadata,
    /// See [`super::MODEL_VERSION`].
    #[serde(rename = "AnalyzeIDModelVersion")]
    pub analyze_id_model_version: String,
}

/// What one page says.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityDocument {
    /// 1-based page number.
    pub document_index: i32,
    /// Every AnalyzeID field, with `""` for those not read.
    pub identity_document_fields: Vec<IdentityDocumentField>,
}

/// One field: its name (`Type.Text`) and its value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdentityDocumentField {
    /// `Text` is the field's name, e.g. `DATE_OF_BIRTH`.
    #[serde(rename = "Type")]
    pub kind: Detection,
    /// The value as read.
    pub value_detection: Detection,
}

/// `AnalyzeIDDetections`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Detection {
    /// The name or the value.
    pub text: String,
    /// For dates only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalized_value: Option<NormalizedValue>,
    /// 0..100; omitted where nothing was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
}

/// A date in machine-readable form.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NormalizedValue {
    /// `YYYY-MM-DDT00:00:00`.
    pub value: String,
    /// Always `DATE`.
    pub value_type: String,
}

/// `DocumentMetadata`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DocumentMetadata {
    /// Pages read.
    pub pages: i32,
}

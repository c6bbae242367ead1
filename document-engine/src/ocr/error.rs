//! Errors of the OCR engine.

use thiserror::Error;

use crate::models::ModelFileError;

/// The OCR engine could not load or could not run.
#[derive(Debug, Error)]
pub enum OcrError {
    /// A model file is missing or does not match its checksum.
    #[error(transparent)]
    Model(#[from] ModelFileError),
    /// A verified model file is not what the engine expects (wrong inputs,
    /// outputs or character list): a bug or a mismatched model list.
    #[error("model {name} cannot be used: {detail}")]
    ModelFormat { name: &'static str, detail: String },
    /// The inference runtime failed on an input.
    #[error("model {name} failed to run: {detail}")]
    Inference { name: &'static str, detail: String },
    /// The image is empty or too small to hold text.
    #[error("image of {width}x{height} pixels is too small to read text from")]
    ImageTooSmall { width: u32, height: u32 },
}

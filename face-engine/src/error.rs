//! Errors of the face engine.
//!
//! Model errors always say which command fixes them: a missing or corrupt
//! model is an installation problem, not a bug.

use riv_models::{FETCH_MODELS_HINT, ModelFileError};
use thiserror::Error;

use crate::dlib::FormatError;

/// A model could not be loaded.
#[derive(Debug, Error)]
pub enum ModelError {
    /// The file is missing, unreadable or does not match its checksum.
    #[error(transparent)]
    File(#[from] ModelFileError),
    #[error("model {name} is corrupt or not the expected model: {source}; {FETCH_MODELS_HINT}")]
    Format {
        name: &'static str,
        #[source]
        source: FormatError,
    },
}

/// An image or request the engine cannot work on. Every variant has a stable
/// reason code (see [`EngineError::code`]) that callers turn into outcomes.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum EngineError {
    #[error("image is {bytes} bytes, over the limit of {limit}")]
    ImageTooLarge { bytes: usize, limit: usize },
    #[error("image of {width}x{height} pixels is over the limit of {limit} pixels")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("image of {width}x{height} pixels is too small to hold a face")]
    ImageTooSmall { width: u32, height: u32 },
    #[error("image format is not JPEG, PNG or WebP")]
    UnsupportedFormat,
    #[error("image could not be decoded: {detail}")]
    CorruptImage { detail: String },
    #[error("no face found")]
    NoFace,
    #[error("invalid argument: {detail}")]
    InvalidArgument { detail: String },
}

impl EngineError {
    /// Every reason code [`EngineError::code`] can return.
    pub const ALL_CODES: [&'static str; 7] = [
        "image_too_large",
        "image_too_many_pixels",
        "image_too_small",
        "image_unsupported_format",
        "image_corrupt",
        "no_face",
        "invalid_argument",
    ];

    /// The stable reason code of this error (documented in `docs/reason-codes.md`).
    pub fn code(&self) -> &'static str {
        match self {
            EngineError::ImageTooLarge { .. } => "image_too_large",
            EngineError::TooManyPixels { .. } => "image_too_many_pixels",
            EngineError::ImageTooSmall { .. } => "image_too_small",
            EngineError::UnsupportedFormat => "image_unsupported_format",
            EngineError::CorruptImage { .. } => "image_corrupt",
            EngineError::NoFace => "no_face",
            EngineError::InvalidArgument { .. } => "invalid_argument",
        }
    }
}

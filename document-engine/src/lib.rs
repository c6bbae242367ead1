//! riv-document-engine: identity document images in, text out, read into
//! [`riv_document::model::DocumentAnalysis`].

pub mod analyze;
pub mod barcode;
pub mod concurrent;
pub mod decode;
pub mod models;
pub mod mrz_band;
pub mod ocr;
pub mod ocr_text;

pub use analyze::{AnalyzeError, DocumentEngine, SideText, StageTimes, TextError, TextReader};
pub use concurrent::join_beside;
pub use decode::{DecodeError, decode_image};
pub use ocr_text::OcrText;

//! riv-document: identity documents from text, no I/O.
//!
//! Engines (OCR, barcode decoding, Textract) turn images into text; this
//! crate turns that text into one [`model::DocumentAnalysis`] whatever the
//! source, so the local engine and the AWS path report the same thing.
//!
//! - [`model`]: the analysis: document type, fields under Textract
//!   AnalyzeID's names, checks, portrait.

pub mod model;

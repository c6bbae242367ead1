//! Textract adapters: [`TextractDocuments`], the document reader port over
//! `AnalyzeID`, completed on this machine with what AnalyzeID does not do
//! (barcodes, MRZ check digits) and with Rekognition for the portrait.
//!
//! Pages are objects of the bucket, sent as references or as bytes
//! ([`ImageSource`](crate::rekognition::ImageSource), as for Rekognition).
//! Errors: a missing object is `not_found`, a document Textract cannot read
//! (or that does not decode here) `invalid_image` with
//! `document_unreadable` first, throttling retryable; the table in
//! `error.rs` has the details.
//!
//! - [`documents`]: the port: AnalyzeID, barcodes, MRZ, portrait, merged.
//! - [`fields`]: AnalyzeID's fields as riv-document readings.

pub mod documents;
mod error;
pub mod fields;

pub use documents::TextractDocuments;

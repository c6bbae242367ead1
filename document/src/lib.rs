//! riv-document: identity documents from text, no I/O.
//!
//! Engines (OCR, barcode decoding, Textract) turn images into text; this
//! crate turns that text into one [`model::DocumentAnalysis`] whatever the
//! source, so the local engine and the AWS path report the same thing.
//!
//! - [`model`]: the analysis: document type, fields under Textract
//!   AnalyzeID's names, checks, portrait.
//! - [`mrz`]: ICAO 9303 machine-readable zones (TD1, TD2, TD3, MRV-A,
//!   MRV-B), with OCR repair and check digits.
//! - [`aamva`]: the AAMVA DL/ID payload of a US or Canadian licence's PDF417.
//! - [`labels`]: printed labels and their values (`Surname`, `Date of
//!   Birth`…) from OCR lines with boxes.
//! - [`combine()`]: one analysis from every reader's [`Reading`], with
//!   [`checks`] (expiry, age, agreement between sources).
//! - [`dates`]: the date forms documents print.

pub mod aamva;
pub mod checks;
pub mod combine;
pub mod dates;
pub mod labels;
pub mod model;
pub mod mrz;
pub mod reading;

pub use combine::combine;
pub use reading::Reading;

//! riv-document-engine: identity document images in, text out, read into
//! [`riv_document::model::DocumentAnalysis`].

pub mod barcode;

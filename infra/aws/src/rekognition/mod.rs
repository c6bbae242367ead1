//! Rekognition adapters: [`RekognitionAnalyzer`] (the face analyzer port,
//! `DetectFaces`) and [`RekognitionCollection`] (the face collection port,
//! a collection plus the [`FaceRecords`](crate::dynamodb::face_records::FaceRecords)
//! table for what Rekognition does not keep: index order, users, tokens).
//!
//! Images are objects of the bucket, sent as references or as bytes
//! ([`ImageSource`]). Errors follow the local face adapter: a missing
//! object is `not_found`, an image Rekognition cannot use `invalid_image`
//! (`no_face: ...` where the local collection says `no_face`), throttling
//! retryable; the table in `error.rs` has the details.
//!
//! - [`analyzer`]: `DetectFaces` on the port's scales.
//! - [`collection`]: search, compare, delete, faces of a user; the protocol.
//! - `index`: `index_face`, idempotent by token over `IndexFaces`.
//! - [`images`]: `S3Object` or `Bytes`, and an image's height from its header.

pub mod analyzer;
mod bounded;
pub mod collection;
mod error;
pub mod images;
mod index;

pub use analyzer::RekognitionAnalyzer;
pub use collection::RekognitionCollection;
pub use images::ImageSource;

//! Textract's `AnalyzeID` (`X-Amz-Target: Textract.AnalyzeID`, AWS JSON
//! 1.1), served by riv's document engine, so the AWS document reader
//! (`riv_aws::textract::TextractDocuments`) can be tested without AWS.
//!
//! The engine is built by the caller ([`TextractService::new`]): with the
//! barcode reader only, or with an OCR ([`riv_document_engine::TextReader`])
//! for the MRZ and printed labels. Each page is analysed alone, and its
//! answer holds only what AnalyzeID itself reads:
//!
//! - printed text (fields the engine read with source `text`), values as
//!   printed, dates with `NormalizedValue` `{Value: "1990-09-16T00:00:00",
//!   ValueType: "DATE"}`, the engine's confidence;
//! - `MRZ_CODE`: the MRZ's lines joined by `\n`, when an MRZ was read;
//! - `ID_TYPE` (`DRIVER LICENSE FRONT`, `PASSPORT`, else `OTHER`), when the
//!   MRZ or printed text told the kind of document;
//! - every other AnalyzeID field with an empty value, as AnalyzeID lists
//!   them.
//!
//! Why not the barcode's fields, although the engine reads them: real
//! AnalyzeID reads no barcode, so the AWS reader decodes it itself. Were
//! they answered here as printed text, the reader would count the barcode
//! twice (a `text` reading agreeing with the `barcode` reading because it
//! is the same reading). For the same reason the MRZ's fields are not
//! answered as text: the reader parses `MRZ_CODE` itself. So a round trip
//! through this endpoint gives the analysis the embedded reader gives.
//!
//! Other divergences from Textract:
//!
//! - on a side with a barcode or an MRZ the engine reads no printed
//!   labels, so names and dates of such a side come only from the reader's
//!   own barcode or MRZ parse (Textract reads the visual zone too);
//! - no `Blocks` (the page's lines and words), `Type.Confidence`, nor
//!   `AnalyzeIDModelVersion` of Textract's ([`MODEL_VERSION`]);
//! - inline pages are limited to 5 MB (Textract: 10 MB), pages in S3 to
//!   15 MB; JPEG, PNG and WebP are read (Textract: JPEG, PNG, PDF, TIFF);
//! - an image that is no known format is `UnsupportedDocumentException`,
//!   a damaged one `BadDocumentException`.

pub mod convert;
pub mod shapes;

use std::io::Cursor;
use std::sync::Arc;

use riv_document_engine::{DecodeError, DocumentEngine, decode_image};
use tokio::sync::Semaphore;

use crate::error::{ApiError, ErrorType};
use crate::images::ImageReader;
use shapes::{AnalyzeIdRequest, AnalyzeIdResponse, DocumentMetadata};

/// The `AnalyzeIDModelVersion` reported: riv's engine, not Textract's.
pub const MODEL_VERSION: &str = "riv-document-1";

/// The most pages one call reads (a card's front and back).
pub const MAX_PAGES: usize = 2;

/// `AnalyzeID` over a document engine.
#[derive(Debug)]
pub struct TextractService {
    /// Reads barcodes and, with an OCR, the MRZ and printed labels.
    engine: Arc<DocumentEngine>,
    /// Reads `Bytes`, and `S3Object` when given an S3 client.
    images: ImageReader,
    /// Bounds the engine work running at once (one per core).
    permits: Semaphore,
}

impl TextractService {
    /// A service reading documents with `engine`, and `S3Object` pages
    /// through `s3` (refused without one).
    pub fn new(engine: Arc<DocumentEngine>, s3: Option<aws_sdk_s3::Client>) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self {
            engine,
            images: ImageReader::new(s3),
            permits: Semaphore::new(cores),
        }
    }

    /// `AnalyzeID`.
    pub async fn analyze_id(&self, req: AnalyzeIdRequest) -> Result<AnalyzeIdResponse, ApiError> {
        let pages = req.document_pages.unwrap_or_default();
        if pages.is_empty() || pages.len() > MAX_PAGES {
            return Err(ApiError::invalid(format!(
                "DocumentPages must hold 1 to {MAX_PAGES} pages, not {}",
                pages.len()
            )));
        }
        let count = pages.len();
        let mut images = Vec::with_capacity(count);
        for (i, page) in pages.into_iter().enumerate() {
            let name = format!("DocumentPages[{i}]");
            let bytes = self
                .images
                .bytes(Some(page), &name)
                .await
                .map_err(as_textract)?;
            images.push(bytes);
        }
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| ApiError::internal("the endpoint is stopping"))?;
        let engine = Arc::clone(&self.engine);
        let today = chrono::Utc::now().date_naive();
        let documents = tokio::task::spawn_blocking(move || {
            let mut documents = Vec::with_capacity(images.len());
            for (index, bytes) in (1..).zip(images) {
                let image = decode_image(&bytes).map_err(|e| undecodable(&bytes, &e))?;
                let analysis = engine
                    .analyze(&[&image], today)
                    .map_err(|e| ApiError::internal(format!("reading page {index}: {e}")))?;
                documents.push(convert::identity_document(index, &analysis));
            }
            Ok::<_, ApiError>(documents)
        })
        .await
        .map_err(|e| ApiError::internal(format!("worker task failed: {e}")))??;
        Ok(AnalyzeIdResponse {
            identity_documents: documents,
            document_metadata: DocumentMetadata {
                pages: i32::try_from(count).unwrap_or(i32::MAX),
            },
            analyze_id_model_version: MODEL_VERSION.to_owned(),
        })
    }
}

/// Rekognition's image errors under Textract's names.
fn as_textract(error: ApiError) -> ApiError {
    let kind = match error.kind {
        ErrorType::InvalidImageFormat => ErrorType::UnsupportedDocument,
        ErrorType::ImageTooLarge => ErrorType::DocumentTooLarge,
        other => other,
    };
    ApiError::new(kind, error.message)
}

/// A page that does not decode: no known format, or damaged.
fn undecodable(bytes: &[u8], error: &DecodeError) -> ApiError {
    let known = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .is_ok_and(|r| r.format().is_some());
    let kind = match error {
        DecodeError::TooLarge { .. } => ErrorType::DocumentTooLarge,
        DecodeError::Undecodable(_) if known => ErrorType::BadDocument,
        DecodeError::Undecodable(_) => ErrorType::UnsupportedDocument,
    };
    ApiError::new(kind, format!("Request has an unreadable document: {error}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::*;
    use crate::images::Image;

    fn service() -> TextractService {
        TextractService::new(Arc::new(DocumentEngine::new(None)), None)
    }

    fn inline(bytes: &[u8]) -> Image {
        Image {
            bytes: Some(STANDARD.encode(bytes)),
            s3_object: None,
        }
    }

    fn png() -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image::RgbImage::from_pixel(200, 120, image::Rgb([240, 240, 240]))
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    #[tokio::test]
    async fn pages_are_counted_and_bad_ones_refused_as_textract_does() {
        let s = service();
        let none = AnalyzeIdRequest {
            document_pages: Some(Vec::new()),
        };
        assert_eq!(
            s.analyze_id(none).await.unwrap_err().kind,
            ErrorType::InvalidParameter
        );
        let three = AnalyzeIdRequest {
            document_pages: Some(vec![inline(&png()); 3]),
        };
        assert_eq!(
            s.analyze_id(three).await.unwrap_err().kind,
            ErrorType::InvalidParameter
        );
        let garbage = AnalyzeIdRequest {
            document_pages: Some(vec![inline(b"not an image")]),
        };
        let err = s.analyze_id(garbage).await.unwrap_err();
        assert_eq!(err.kind, ErrorType::UnsupportedDocument);
        assert_eq!(err.kind.name(), "UnsupportedDocumentException");
        let mut damaged = png();
        damaged.truncate(60);
        let err = s
            .analyze_id(AnalyzeIdRequest {
                document_pages: Some(vec![inline(&damaged)]),
            })
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorType::BadDocument);

        let blank = AnalyzeIdRequest {
            document_pages: Some(vec![inline(&png()), inline(&png())]),
        };
        let answer = s.analyze_id(blank).await.unwrap();
        assert_eq!(answer.document_metadata.pages, 2);
        assert_eq!(answer.identity_documents.len(), 2);
        assert_eq!(answer.identity_documents[1].document_index, 2);
        assert!(
            answer.identity_documents[0]
                .identity_document_fields
                .iter()
                .all(|f| f.value_detection.text.is_empty())
        );
    }
}

//! [`TextractDocuments`]: the [`DocumentReader`] port over Textract's
//! `AnalyzeID`, with what AnalyzeID does not do done here:
//!
//! - the PDF417 barcode of each side (AAMVA licences and ID cards) is
//!   decoded on this machine with riv's document engine and read by
//!   riv-document's AAMVA parser (source `barcode`);
//! - the MRZ that AnalyzeID transcribes (`MRZ_CODE`) is parsed again by
//!   riv-document, check digits verified (source `mrz`);
//! - the portrait is the largest face `DetectFaces` finds on the front.
//!
//! AnalyzeID's own fields are printed text (source `text`, Textract's
//! confidence). The readings are merged by [`riv_document::combine()`], so
//! the analysis has the shape the embedded reader gives. The two differ
//! where the engines do: Textract reads printed text the local engine may
//! not, and accepts only JPEG and PNG (a WebP image is `invalid_image`).

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_textract::Client;
use aws_sdk_textract::primitives::Blob;
use aws_sdk_textract::types::{Document, IdentityDocument, S3Object};
use chrono::NaiveDate;
use riv_consumers::PortError;
use riv_consumers::ports::{DocumentReader, FaceAnalyzer, ObjectStore};
use riv_document::model::{DocumentAnalysis, Portrait};
use riv_document::{Reading, aamva, combine};
use riv_document_engine::barcode::decode_pdf417;
use riv_document_engine::decode_image;
use riv_events::ObjectKey;

use super::error::classify;
use super::fields::{mrz_reading, text_reading};
use crate::rekognition::ImageSource;
use crate::s3::S3ObjectStore;

/// Reads identity documents with Textract's `AnalyzeID`.
#[derive(Clone)]
pub struct TextractDocuments {
    /// The client, built once by the composition root.
    client: Client,
    /// The bucket: its name for `S3Object` pages, its objects for the
    /// barcode (always read here) and for `Bytes` pages.
    objects: S3ObjectStore,
    /// How pages are sent.
    source: ImageSource,
    /// Finds the portrait (Rekognition's `DetectFaces` on AWS).
    faces: Arc<dyn FaceAnalyzer>,
}

impl std::fmt::Debug for TextractDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextractDocuments")
            .field("bucket", &self.objects.bucket())
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl TextractDocuments {
    /// Reads the documents of `objects`' bucket through `client`, sending
    /// pages as `source` says, and finds portraits with `faces`.
    pub fn new(
        client: Client,
        objects: S3ObjectStore,
        source: ImageSource,
        faces: Arc<dyn FaceAnalyzer>,
    ) -> Self {
        Self {
            client,
            objects,
            source,
            faces,
        }
    }

    async fn bytes(&self, key: &ObjectKey) -> Result<Vec<u8>, PortError> {
        self.objects
            .get(key)
            .await?
            .ok_or_else(|| crate::rekognition::images::missing(key))
    }

    fn page(&self, key: &ObjectKey, bytes: &[u8]) -> Document {
        match self.source {
            ImageSource::S3Object => Document::builder()
                .s3_object(
                    S3Object::builder()
                        .bucket(self.objects.bucket())
                        .name(key.as_str())
                        .build(),
                )
                .build(),
            ImageSource::Bytes => Document::builder().bytes(Blob::new(bytes)).build(),
        }
    }

    /// `AnalyzeID` on the sides, front first: one `IdentityDocument` per
    /// page.
    async fn analyze_id(
        &self,
        sides: &[(ObjectKey, Vec<u8>)],
    ) -> Result<Vec<IdentityDocument>, PortError> {
        let pages = sides
            .iter()
            .map(|(key, bytes)| self.page(key, bytes))
            .collect();
        let sent = self
            .client
            .analyze_id()
            .set_document_pages(Some(pages))
            .send()
            .await;
        match sent {
            Ok(output) => {
                let mut pages = output.identity_documents().to_vec();
                pages.sort_by_key(|p| p.document_index().unwrap_or(i32::MAX));
                Ok(pages)
            }
            Err(err) => {
                let context = format!("reading the document {}", sides_named(sides));
                let failure = classify(&context, err);
                if !failure.unreadable_object {
                    return Err(failure.error);
                }
                for (key, _) in sides {
                    if !self.objects.exists(key).await? {
                        return Err(crate::rekognition::images::missing(key));
                    }
                }
                Err(failure.error)
            }
        }
    }

    /// The largest face on the front, as the document's portrait.
    async fn portrait(&self, front: &ObjectKey) -> Result<Option<Portrait>, PortError> {
        let faces = self.faces.detect_faces(front).await?;
        Ok(faces.first().map(|face| Portrait {
            left: face.bounding_box.left,
            top: face.bounding_box.top,
            width: face.bounding_box.width,
            height: face.bounding_box.height,
            confidence: face.confidence,
            side: 0,
        }))
    }
}

#[async_trait]
impl DocumentReader for TextractDocuments {
    /// Reads both sides from the bucket (a missing one is `not_found`),
    /// decodes them and their barcodes on the blocking pool (an undecodable
    /// image is `invalid_image` `document_unreadable`) while AnalyzeID
    /// reads them, merges every reading, and when anything was read looks
    /// for the portrait on the front.
    async fn read_document(
        &self,
        front: &ObjectKey,
        back: Option<&ObjectKey>,
        as_of: NaiveDate,
    ) -> Result<DocumentAnalysis, PortError> {
        let mut sides = vec![(front.clone(), self.bytes(front).await?)];
        if let Some(back) = back {
            sides.push((back.clone(), self.bytes(back).await?));
        }
        let images: Vec<(ObjectKey, Vec<u8>)> = sides.clone();
        let barcodes = tokio::task::spawn_blocking(move || {
            images
                .iter()
                .map(|(key, bytes)| barcode_reading(key, bytes))
                .collect::<Result<Vec<_>, _>>()
        });
        let (barcodes, pages) = tokio::join!(barcodes, self.analyze_id(&sides));
        let barcodes = barcodes
            .map_err(|err| PortError::permanent("barcode reader task failed").with_source(err))??;
        let pages = pages?;

        let mut readings: Vec<Reading> = barcodes.into_iter().flatten().collect();
        for page in &pages {
            readings.extend(text_reading(page));
            readings.extend(mrz_reading(page, as_of));
        }
        if readings.is_empty() {
            return Ok(DocumentAnalysis::unknown());
        }
        let mut analysis = combine(readings, as_of);
        if analysis.is_readable() {
            analysis.portrait = self.portrait(front).await?;
        }
        Ok(analysis)
    }
}

/// The AAMVA reading of a side's PDF417 barcode, if it has one; an image
/// that does not decode is `invalid_image`.
fn barcode_reading(key: &ObjectKey, bytes: &[u8]) -> Result<Option<Reading>, PortError> {
    let image = decode_image(bytes)
        .map_err(|err| PortError::invalid_image(format!("document_unreadable: {key}: {err}")))?;
    // A symbol that cannot be decoded, or another payload, reads as
    // nothing: the printed text may still be read.
    Ok(match decode_pdf417(&image) {
        Ok(Some(payload)) => aamva::read(&payload.bytes).ok(),
        Ok(None) | Err(_) => None,
    })
}

fn sides_named(sides: &[(ObjectKey, Vec<u8>)]) -> String {
    sides
        .iter()
        .map(|(key, _)| key.as_str())
        .collect::<Vec<_>>()
        .join(" + ")
}

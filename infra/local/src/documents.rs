//! [`LocalDocuments`]: the [`DocumentReader`] port over riv's document
//! engine (barcode, MRZ, printed labels), with the portrait found by the
//! face engine the way [`crate::faces::portrait`] looks for small faces.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;
use riv_consumers::PortError;
use riv_consumers::ports::{DocumentReader, ObjectStore};
use riv_document::model::{DocumentAnalysis, Portrait};
use riv_document_engine::{DocumentEngine, decode_image};
use riv_events::ObjectKey;

use crate::faces::LocalFaces;

/// Reads documents on this machine.
#[derive(Clone)]
pub struct LocalDocuments {
    /// Barcodes and, when its models are installed, OCR.
    engine: Arc<DocumentEngine>,
    /// Finds the portrait.
    faces: LocalFaces,
    /// Where the images are.
    objects: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for LocalDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalDocuments")
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

impl LocalDocuments {
    /// Reads with `engine`, finds portraits with `faces`, images from `objects`.
    pub fn new(
        engine: Arc<DocumentEngine>,
        faces: LocalFaces,
        objects: Arc<dyn ObjectStore>,
    ) -> Self {
        Self {
            engine,
            faces,
            objects,
        }
    }

    async fn bytes(&self, key: &ObjectKey) -> Result<Vec<u8>, PortError> {
        self.objects
            .get(key)
            .await?
            .ok_or_else(|| PortError::not_found(format!("reading {key}: no such object")))
    }
}

#[async_trait]
impl DocumentReader for LocalDocuments {
    /// Reads both sides on the blocking pool, then, when anything was read,
    /// looks for the portrait on the front.
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
        let engine = Arc::clone(&self.engine);
        let mut analysis = tokio::task::spawn_blocking(move || {
            let mut images = Vec::with_capacity(sides.len());
            for (key, bytes) in &sides {
                let image = decode_image(bytes).map_err(|err| {
                    PortError::invalid_image(format!("document_unreadable: {key}: {err}"))
                })?;
                images.push(image);
            }
            let refs: Vec<&image::DynamicImage> = images.iter().collect();
            engine
                .analyze(&refs, as_of)
                .map_err(|err| PortError::permanent(format!("reading the document: {err}")))
        })
        .await
        .map_err(|err| PortError::permanent("document reader task failed").with_source(err))??;
        if analysis.is_readable() {
            let faces = self.faces.document_faces(front).await?;
            analysis.portrait = faces.first().map(|face| {
                let [left, top, width, height] = face.relative_box;
                Portrait {
                    left,
                    top,
                    width,
                    height,
                    confidence: face.face.detail.confidence as f32,
                    side: 0,
                }
            });
        }
        Ok(analysis)
    }
}

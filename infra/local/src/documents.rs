//! [`LocalDocuments`]: the [`DocumentReader`] port over riv's document
//! engine (barcode, MRZ, printed labels), with the portrait found by the
//! face engine the way [`crate::faces::portrait`] looks for small faces.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::NaiveDate;
use riv_consumers::PortError;
use riv_consumers::ports::{DocumentReader, ObjectStore};
use riv_document::model::DocumentAnalysis;
use riv_document_engine::{AnalyzeError, DocumentEngine, StageTimes, decode_image, join_beside};
use riv_events::ObjectKey;
use riv_face_engine::{EngineError, FaceEngine};

use crate::faces::portrait::{self, DocumentFace};
use crate::faces::{LocalFaces, engine_error};

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
    /// Reads both sides and looks for the portrait on the front at once
    /// ([`read_sides`]), on the blocking pool.
    async fn read_document(
        &self,
        front: &ObjectKey,
        back: Option<&ObjectKey>,
        as_of: NaiveDate,
    ) -> Result<DocumentAnalysis, PortError> {
        let mut keys = vec![front.clone()];
        keys.extend(back.cloned());
        let mut sides = Vec::with_capacity(keys.len());
        for key in &keys {
            sides.push(self.bytes(key).await?);
        }
        let engine = Arc::clone(&self.engine);
        let faces = self.faces.engine();
        let read = tokio::task::spawn_blocking(move || read_sides(&engine, &faces, &sides, as_of))
            .await
            .map_err(|err| PortError::permanent("document reader task failed").with_source(err))?;
        match read {
            Ok(read) => Ok(read.analysis),
            Err(ReadError::Undecodable { side, detail }) => Err(PortError::invalid_image(format!(
                "document_unreadable: {}: {detail}",
                keys[side]
            ))),
            Err(ReadError::Analyze(err)) => {
                Err(PortError::permanent(format!("reading the document: {err}")))
            }
            Err(ReadError::Portrait(err)) => Err(engine_error(front, &err)),
        }
    }
}

/// A document read from the images of its sides.
#[derive(Debug, Clone)]
pub struct DocumentRead {
    /// What the sides say, with the portrait when they say anything.
    pub analysis: DocumentAnalysis,
    /// Every face on the front, largest first (found even when the
    /// document reads as nothing).
    pub faces: Vec<DocumentFace>,
    /// Time per reader.
    pub times: ReadTimes,
}

/// How long each part of a reading took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadTimes {
    pub decode: Duration,
    pub stages: StageTimes,
    /// Looking for the portrait, its own decoding included.
    pub portrait: Duration,
}

/// Why the sides could not be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ReadError {
    /// Side `side` (0: the front) is not an image riv reads.
    #[error("side {side}: {detail}")]
    Undecodable { side: usize, detail: String },
    #[error(transparent)]
    Analyze(#[from] AnalyzeError),
    /// The face engine failed on the front of a readable document.
    #[error("looking for the portrait: {0}")]
    Portrait(EngineError),
}

/// Reads `sides` (encoded images, the front first) with `documents` while
/// `faces` looks for the portrait on the front, on a thread of its own: the
/// two share nothing, so a second core does one while the first does the
/// other. The analysis gets a portrait only when it reads as something; a
/// face engine failure on an unreadable document is not reported either.
pub fn read_sides(
    documents: &DocumentEngine,
    faces: &FaceEngine,
    sides: &[Vec<u8>],
    as_of: NaiveDate,
) -> Result<DocumentRead, ReadError> {
    let front = sides.first().map(Vec::as_slice).unwrap_or_default();
    let find_portrait = || {
        let started = Instant::now();
        let found = faces
            .decode(front)
            .and_then(|image| portrait::document_faces(faces, &image));
        (found, started.elapsed())
    };
    let (analysed, (found, portrait)) = join_beside(
        "portrait",
        || analyse(documents, sides, as_of),
        find_portrait,
    );
    let (mut analysis, decode, stages) = analysed?;
    let readable = analysis.is_readable();
    let faces = match found {
        Ok(faces) => faces,
        Err(err) if readable => return Err(ReadError::Portrait(err)),
        Err(_) => Vec::new(),
    };
    analysis.portrait = faces
        .first()
        .filter(|_| readable)
        .map(DocumentFace::portrait);
    Ok(DocumentRead {
        analysis,
        faces,
        times: ReadTimes {
            decode,
            stages,
            portrait,
        },
    })
}

/// Decodes and analyses the sides.
fn analyse(
    documents: &DocumentEngine,
    sides: &[Vec<u8>],
    as_of: NaiveDate,
) -> Result<(DocumentAnalysis, Duration, StageTimes), ReadError> {
    let started = Instant::now();
    let mut images = Vec::with_capacity(sides.len());
    for (side, bytes) in sides.iter().enumerate() {
        let image = decode_image(bytes).map_err(|err| ReadError::Undecodable {
            side,
            detail: err.to_string(),
        })?;
        images.push(image);
    }
    let decode = started.elapsed();
    let refs: Vec<&image::DynamicImage> = images.iter().collect();
    let (analysis, stages) = documents.analyze_timed(&refs, as_of)?;
    Ok((analysis, decode, stages))
}

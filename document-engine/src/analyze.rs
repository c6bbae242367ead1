//! One document, one or two sides, read by every reader that applies:
//! the PDF417 barcode (AAMVA), the MRZ band, and printed labels on a side
//! that has neither; merged by [`riv_document::combine()`] into one
//! analysis with its checks. The portrait is not looked for here: that is
//! the face engine's work, done by the caller.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use image::DynamicImage;
use riv_document::labels::TextLine;
use riv_document::model::DocumentAnalysis;
use riv_document::{Reading, aamva, combine, labels, mrz};

use crate::barcode::{self, BarcodeError};
use crate::concurrent::join_beside;

/// Why text could not be read (the OCR's failure, not the document's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reading text: {0}")]
pub struct TextError(pub String);

/// What the engine needs from an OCR.
pub trait TextReader: Send + Sync {
    /// Starts reading one side. What it finds on the page is kept for the
    /// questions that follow, so the page is looked over once.
    fn side<'a>(&'a self, image: &'a DynamicImage) -> Box<dyn SideText + 'a>;
}

/// The text of one side, read as asked for.
pub trait SideText {
    /// The MRZ's lines as read, top to bottom, when the side has an MRZ
    /// band; `None` when it has none.
    fn mrz_lines(&mut self) -> Result<Option<Vec<String>>, TextError>;
    /// Every line of text with its box, in pixels.
    fn text_lines(&mut self) -> Result<Vec<TextLine>, TextError>;
}

/// Why a document could not be analysed at all (an unreadable document is
/// not an error: it is an analysis that read nothing).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalyzeError {
    /// The OCR failed.
    #[error(transparent)]
    Text(#[from] TextError),
}

/// Time spent per reader, for the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StageTimes {
    pub barcode: Duration,
    pub mrz: Duration,
    pub labels: Duration,
}

/// Reads documents with the barcode reader and, when it has one, an OCR.
pub struct DocumentEngine {
    text: Option<Box<dyn TextReader>>,
}

impl std::fmt::Debug for DocumentEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentEngine")
            .field("ocr", &self.text.is_some())
            .finish()
    }
}

impl DocumentEngine {
    /// An engine reading text with `text`; without one it reads barcodes only.
    pub fn new(text: Option<Box<dyn TextReader>>) -> Self {
        Self { text }
    }

    /// An engine reading barcodes, and text with the PP-OCR models in `dir`
    /// (loaded and verified here).
    pub fn with_ocr_models(dir: &crate::models::OcrModelDir) -> Result<Self, crate::ocr::OcrError> {
        let ocr = crate::ocr::Ocr::load(dir)?;
        Ok(Self::new(Some(Box::new(crate::OcrText::new(ocr)))))
    }

    /// Whether text (MRZ, printed labels) is read, or barcodes only.
    pub fn reads_text(&self) -> bool {
        self.text.is_some()
    }

    /// Everything readable on the document's sides (front first), expiry
    /// and age measured on `today`.
    pub fn analyze(
        &self,
        sides: &[&DynamicImage],
        today: NaiveDate,
    ) -> Result<DocumentAnalysis, AnalyzeError> {
        self.analyze_timed(sides, today)
            .map(|(analysis, _)| analysis)
    }

    /// [`Self::analyze`], with the time each reader took.
    ///
    /// The barcode reader runs on a thread of its own beside the MRZ
    /// reader: they share nothing, and a second core halves the wait.
    /// Printed labels are read afterwards, on sides neither found anything
    /// on.
    pub fn analyze_timed(
        &self,
        sides: &[&DynamicImage],
        today: NaiveDate,
    ) -> Result<(DocumentAnalysis, StageTimes), AnalyzeError> {
        let mut times = StageTimes::default();
        let read_mrzs = || {
            self.text.as_deref().map(|text| {
                sides
                    .iter()
                    .map(|side| {
                        let mut page = text.side(side);
                        let (reading, took) = timed(|| mrz_reading(page.as_mut(), today));
                        (reading, took, page)
                    })
                    .collect::<Vec<_>>()
            })
        };
        let read_barcodes = || -> Vec<(Option<Reading>, Duration)> {
            sides
                .iter()
                .map(|side| timed(|| barcode_reading(side)))
                .collect()
        };
        let (mrzs, barcodes) = join_beside("barcode", read_mrzs, read_barcodes);
        let mut readings = Vec::new();
        let mut mrzs = mrzs.map(Vec::into_iter);
        for (from_barcode, took) in barcodes {
            times.barcode += took;
            let found_barcode = from_barcode.is_some();
            readings.extend(from_barcode);
            let Some((from_mrz, took, mut page)) = mrzs.as_mut().and_then(Iterator::next) else {
                continue;
            };
            times.mrz += took;
            let from_mrz = from_mrz?;
            let found_mrz = from_mrz.is_some();
            readings.extend(from_mrz);

            if !found_barcode && !found_mrz {
                let started = Instant::now();
                let lines = page.text_lines()?;
                let reading = labels::read(&lines);
                times.labels += started.elapsed();
                if !reading.fields.is_empty() {
                    readings.push(reading);
                }
            }
        }
        if readings.is_empty() {
            return Ok((DocumentAnalysis::unknown(), times));
        }
        Ok((combine(readings, today), times))
    }
}

/// `f`'s result and how long it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let out = f();
    (out, started.elapsed())
}

/// The AAMVA fields of the side's PDF417 symbol, if it has one that holds
/// an AAMVA payload. Another payload, or a symbol that cannot be decoded,
/// reads as nothing: the document may still be read another way.
fn barcode_reading(side: &DynamicImage) -> Option<Reading> {
    match barcode::decode_pdf417(side) {
        Ok(Some(payload)) => aamva::read(&payload.bytes).ok(),
        Ok(None) => None,
        Err(BarcodeError::Undecodable { .. } | BarcodeError::Decoder { .. }) => None,
        Err(BarcodeError::EmptyImage { .. }) => None,
    }
}

/// The MRZ's fields, when the side has an MRZ that parses.
fn mrz_reading(page: &mut dyn SideText, today: NaiveDate) -> Result<Option<Reading>, AnalyzeError> {
    let Some(lines) = page.mrz_lines()? else {
        return Ok(None);
    };
    let candidates: Vec<&str> = lines.iter().map(String::as_str).collect();
    let Some(found) = mrz::find_lines(&candidates) else {
        return Ok(None);
    };
    let chosen: Vec<&str> = found.lines.iter().map(String::as_str).collect();
    Ok(mrz::read(&chosen, today).ok().map(|read| read.reading))
}

//! Reading printed text with PaddleOCR's PP-OCR models, in pure Rust (the
//! networks run on tract).
//!
//! - [`Ocr::read_lines`]: every text line of an image — detection, a crop
//!   per line (rotated boxes, so a few degrees of skew are undone), the
//!   optional 180° classifier, recognition.
//! - [`Ocr::detect`] and [`Ocr::recognize_region`]: the stages on their own,
//!   for callers that pick the lines they want (see
//!   [`crate::mrz_band`]).
//! - [`Ocr::recognize`]: one line image, already cropped.
//!
//! Everything is synchronous and single-threaded: run it in
//! `spawn_blocking` or a pool of your own. An [`Ocr`] is `Send + Sync` and
//! meant to be shared; its network plans are built per input shape on first
//! use (a few hundred milliseconds each) and kept.

mod classify;
mod db_post;
mod detect;
mod error;
pub mod geometry;
mod net;
mod pixels;
mod recognize;

use image::{DynamicImage, RgbImage};

pub use detect::TextBox;
pub use error::OcrError;
pub use geometry::{Point, RotatedRect};
pub use recognize::{Alphabet, LINE_HEIGHT, MRZ_CHARACTERS, Recognized, RecognizedChar};

use crate::models::{OcrModel, OcrModelDir};
use classify::Classifier;
use detect::Detector;
use net::{Network, metadata, parse_proto};
use recognize::Recognizer;

/// How [`Ocr::read_lines`] works.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OcrOptions {
    /// Detection runs with the image's longer side scaled to this many
    /// pixels (PaddleOCR's 960).
    pub detect_side: u32,
    /// Turn lines the direction classifier finds upside down.
    pub use_classifier: bool,
    /// Lines read with a lower mean confidence (0..1) are dropped
    /// (RapidOCR's 0.5).
    pub min_confidence: f32,
}

impl Default for OcrOptions {
    fn default() -> Self {
        Self {
            detect_side: 960,
            use_classifier: false,
            min_confidence: 0.5,
        }
    }
}

/// One line of text found in an image.
#[derive(Debug, Clone, PartialEq)]
pub struct TextLine {
    pub text: String,
    /// Mean of the characters' confidences, 0..1.
    pub confidence: f32,
    /// Each character's confidence, 0..1, in `text`'s order.
    pub char_confidences: Vec<f32>,
    /// The line's axis-aligned bounding box in image pixels.
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
    /// The line's rotated box (reading direction along its width).
    pub region: RotatedRect,
}

/// The PP-OCR engine: detector, recogniser and direction classifier.
#[derive(Debug)]
pub struct Ocr {
    detector: Detector,
    recognizer: Recognizer,
    classifier: Classifier,
    options: OcrOptions,
}

impl Ocr {
    /// Loads and verifies the three models from the model directory.
    pub fn load(dir: &OcrModelDir) -> Result<Self, OcrError> {
        Self::load_with(dir, OcrOptions::default())
    }

    pub fn load_with(dir: &OcrModelDir, options: OcrOptions) -> Result<Self, OcrError> {
        let det = parse_proto("detector", &dir.read(OcrModel::Detector)?)?;
        let rec = parse_proto("recognizer", &dir.read(OcrModel::Recognizer)?)?;
        let cls = parse_proto("classifier", &dir.read(OcrModel::Classifier)?)?;
        let dictionary = metadata(&rec, "character").ok_or(OcrError::ModelFormat {
            name: "recognizer",
            detail: "no `character` metadata (the character list)".to_string(),
        })?;
        let recognizer = Recognizer::new(Network::from_proto("recognizer", &rec)?, dictionary)?;
        Ok(Self {
            detector: Detector::new(Network::from_proto("detector", &det)?),
            recognizer,
            classifier: Classifier::new(Network::from_proto("classifier", &cls)?),
            options,
        })
    }

    pub fn options(&self) -> &OcrOptions {
        &self.options
    }

    /// Builds the network plans a `width × height` image needs for
    /// detection at `detect_side`, and the recogniser's for lines up to
    /// `line_width` pixels at height 48, so first requests are not slow.
    pub fn prepare(
        &self,
        width: u32,
        height: u32,
        detect_side: u32,
        line_width: u32,
    ) -> Result<(), OcrError> {
        self.detector.prepare(width, height, detect_side)?;
        self.recognizer.prepare(line_width)?;
        self.classifier.prepare()
    }

    /// Text regions, with the image's longer side scaled to `detect_side`
    /// pixels for the detector; boxes are in the image's own pixels, top to
    /// bottom.
    pub fn detect(&self, image: &RgbImage, detect_side: u32) -> Result<Vec<TextBox>, OcrError> {
        self.detector.detect(image, detect_side)
    }

    /// Every text line of `image`, top to bottom.
    pub fn read_lines(&self, image: &DynamicImage) -> Result<Vec<TextLine>, OcrError> {
        let rgb = image.to_rgb8();
        let boxes = self.detector.detect(&rgb, self.options.detect_side)?;
        self.read_boxes(&rgb, &boxes)
    }

    /// The text of each of `boxes` (from [`Self::detect`] on `image`), in
    /// their order; unsure or empty readings are left out.
    pub fn read_boxes(
        &self,
        image: &RgbImage,
        boxes: &[TextBox],
    ) -> Result<Vec<TextLine>, OcrError> {
        let mut lines = Vec::with_capacity(boxes.len());
        for b in boxes {
            let mut crop = crop_line(image, &b.rect);
            if self.options.use_classifier && self.classifier.should_turn(&crop)? {
                crop = image::imageops::rotate180(&crop);
            }
            let read = self.recognizer.recognize(&crop, Alphabet::Full, 1.0)?;
            if read.text.trim().is_empty() || read.confidence < self.options.min_confidence {
                continue;
            }
            lines.push(text_line(read, &b.rect, image.width(), image.height()));
        }
        Ok(lines)
    }

    /// Reads one line image that is already cropped and upright.
    pub fn recognize(&self, line: &DynamicImage) -> Result<Recognized, OcrError> {
        self.recognizer
            .recognize(&line.to_rgb8(), Alphabet::Full, 1.0)
    }

    /// Reads the text under `region` of `image`. `stretch` widens the crop
    /// before recognition (1.0 keeps its aspect); a little more width keeps
    /// runs of one character (MRZ fillers) apart.
    pub fn recognize_region(
        &self,
        image: &RgbImage,
        region: &RotatedRect,
        alphabet: Alphabet,
        stretch: f32,
    ) -> Result<Recognized, OcrError> {
        let crop = crop_line(image, region);
        self.recognizer.recognize(&crop, alphabet, stretch)
    }

    /// Reads the text under `region` once and decodes it with each
    /// alphabet (e.g. MRZ-only and unrestricted, to tell an MRZ from other
    /// text).
    pub fn recognize_region_each(
        &self,
        image: &RgbImage,
        region: &RotatedRect,
        alphabets: &[Alphabet],
        stretch: f32,
    ) -> Result<Vec<Recognized>, OcrError> {
        let crop = crop_line(image, region);
        self.recognizer.recognize_each(&crop, alphabets, stretch)
    }

    /// The probability (0..1) that a cropped line is upside down.
    pub fn upside_down(&self, line: &RgbImage) -> Result<f32, OcrError> {
        self.classifier.upside_down(line)
    }
}

/// The pixels under `region`, upright, at the image's scale; a region much
/// taller than wide (vertical text) is turned a quarter turn, as PaddleOCR
/// does.
pub fn crop_line(image: &RgbImage, region: &RotatedRect) -> RgbImage {
    let w = region.width.round().max(1.0) as u32;
    let h = region.height.round().max(1.0) as u32;
    let crop = pixels::crop_rotated(image, region, w, h);
    if h as f32 >= 1.5 * w as f32 {
        image::imageops::rotate270(&crop)
    } else {
        crop
    }
}

/// A recognised line with its box clamped to the image.
pub(crate) fn text_line(
    read: Recognized,
    region: &RotatedRect,
    width: u32,
    height: u32,
) -> TextLine {
    let (l, t, r, b) = region.bounds();
    let clamp_x = |v: f32| v.round().clamp(0.0, width as f32) as u32;
    let clamp_y = |v: f32| v.round().clamp(0.0, height as f32) as u32;
    let (left, top) = (clamp_x(l), clamp_y(t));
    TextLine {
        char_confidences: read.chars.iter().map(|c| c.confidence).collect(),
        text: read.text,
        confidence: read.confidence,
        left,
        top,
        width: clamp_x(r).saturating_sub(left),
        height: clamp_y(b).saturating_sub(top),
        region: *region,
    }
}

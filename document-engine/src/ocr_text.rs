//! The PP-OCR engine as the document engine's [`TextReader`]: the MRZ band
//! read with the fast band reader, every other line with the full reader.

use std::sync::OnceLock;

use image::{DynamicImage, RgbImage};
use riv_document::labels::TextLine;

use crate::analyze::{SideText, TextError, TextReader};
use crate::concurrent::join_beside;
use crate::mrz_band::{MrzBand, MrzLine, MrzOptions, read_mrz_rgb};
use crate::ocr::{self, Ocr, TextBox};

/// Stretches an MRZ line is read again at when its first reading has a
/// length no format has, or is unsure: CTC decoding merges a run of one
/// character ("000" read "00") when the characters are narrow, which wider
/// crops keep apart, and some prints read best unstretched.
const RETRY_STRETCHES: [f32; 3] = [1.0, 1.6, 2.0];

/// A line where some character was read with a lower confidence (0..1) is
/// read again, even when its check digits hold: names and nationalities
/// have none.
const RETRY_BELOW_CHAR_CONFIDENCE: f32 = 0.60;

/// The length the band's lines should have: 30 for three lines, else the
/// two-line length (36 or 44) nearest the longest line read.
fn expected_length(lines: &[MrzLine]) -> usize {
    if lines.len() == 3 {
        return 30;
    }
    let longest = lines.iter().map(|l| l.text.len()).max().unwrap_or(0);
    if longest.abs_diff(36) < longest.abs_diff(44) {
        36
    } else {
        44
    }
}

/// Whether reading `a` beats `b`: the right length first, then the higher
/// mean confidence.
fn better(a: (&str, f32), b: (&str, f32), target: usize) -> bool {
    let (a_fits, b_fits) = (a.0.len() == target, b.0.len() == target);
    if a_fits != b_fits {
        return a_fits;
    }
    a.1 > b.1
}

/// Reads text with [`Ocr`].
#[derive(Debug)]
pub struct OcrText {
    ocr: Ocr,
    mrz: MrzOptions,
}

impl OcrText {
    pub fn new(ocr: Ocr) -> Self {
        Self::with_options(ocr, MrzOptions::default())
    }

    pub fn with_options(ocr: Ocr, mrz: MrzOptions) -> Self {
        Self { ocr, mrz }
    }

    pub fn ocr(&self) -> &Ocr {
        &self.ocr
    }
}

/// The pixels an MRZ line is read again from.
struct Page<'a> {
    rgb: &'a RgbImage,
    /// [`ink_only`], made on first need.
    ink: &'a OnceLock<RgbImage>,
}

impl OcrText {
    /// The band's lines, the unsure ones read again two at a time: one
    /// here, one beside.
    fn band_lines(&self, rgb: &RgbImage, band: MrzBand) -> Result<Vec<String>, TextError> {
        let target = expected_length(&band.lines);
        let unsure: Vec<usize> = unsure_lines(&band.lines, target)
            .into_iter()
            .enumerate()
            .filter_map(|(index, unsure)| unsure.then_some(index))
            .collect();
        let ink = OnceLock::new();
        let page = Page { rgb, ink: &ink };
        let reread = |indices: &[usize]| {
            indices
                .iter()
                .map(|&i| Ok((i, self.reread(&page, &band.lines[i], target)?)))
                .collect::<Result<Vec<_>, TextError>>()
        };
        let (here, beside) = unsure.split_at(unsure.len().div_ceil(2));
        let (read_here, read_beside) = if beside.is_empty() {
            (reread(here), Ok(Vec::new()))
        } else {
            join_beside("mrz-line", || reread(here), || reread(beside))
        };
        let (read_here, read_beside) = (read_here?, read_beside?);
        let mut lines: Vec<String> = band.lines.into_iter().map(|line| line.text).collect();
        for (index, text) in read_here.into_iter().chain(read_beside) {
            lines[index] = text;
        }
        Ok(lines)
    }

    /// Reads an unsure band line again at other widths and, when none of
    /// those has the right length, in ink only; the best reading wins.
    fn reread(&self, page: &Page<'_>, line: &MrzLine, target: usize) -> Result<String, TextError> {
        let mut best = (line.text.clone(), line.confidence);
        for source in [Source::AsIs, Source::Ink] {
            if source == Source::Ink && best.0.len() == target {
                break;
            }
            let pixels = match source {
                Source::AsIs => page.rgb,
                Source::Ink => page.ink.get_or_init(|| ink_only(page.rgb)),
            };
            for stretch in RETRY_STRETCHES {
                let again = self
                    .ocr
                    .recognize_region(pixels, &line.region, ocr::Alphabet::Mrz, stretch)
                    .map_err(text_error)?;
                let settles = again.text.len() == target
                    && least_confidence(again.chars.iter().map(|c| c.confidence))
                        >= RETRY_BELOW_CHAR_CONFIDENCE;
                if better((&again.text, again.confidence), (&best.0, best.1), target) {
                    best = (again.text, again.confidence);
                }
                // A sure reading of the right length ends the re-reads.
                if settles {
                    return Ok(best.0);
                }
            }
        }
        Ok(best.0)
    }
}

impl TextReader for OcrText {
    fn side<'a>(&'a self, image: &'a DynamicImage) -> Box<dyn SideText + 'a> {
        Box::new(OcrSide {
            text: self,
            image,
            rgb: None,
            boxes: None,
        })
    }
}

/// One side being read: the page in RGB and, once the MRZ reader has
/// looked, the text regions it detected, which the label reader reuses.
struct OcrSide<'a> {
    text: &'a OcrText,
    image: &'a DynamicImage,
    rgb: Option<RgbImage>,
    boxes: Option<Vec<TextBox>>,
}

impl SideText for OcrSide<'_> {
    fn mrz_lines(&mut self) -> Result<Option<Vec<String>>, TextError> {
        let rgb = self.rgb.get_or_insert_with(|| self.image.to_rgb8());
        let reading = read_mrz_rgb(&self.text.ocr, rgb, &self.text.mrz).map_err(text_error)?;
        self.boxes = Some(reading.boxes);
        match reading.band {
            Some(band) => self.text.band_lines(rgb, band).map(Some),
            None => Ok(None),
        }
    }

    fn text_lines(&mut self) -> Result<Vec<TextLine>, TextError> {
        let ocr = &self.text.ocr;
        let rgb = self.rgb.get_or_insert_with(|| self.image.to_rgb8());
        let boxes = match self.boxes.take() {
            Some(boxes) => boxes,
            None => ocr
                .detect(rgb, ocr.options().detect_side)
                .map_err(text_error)?,
        };
        let lines = ocr.read_boxes(rgb, &boxes).map_err(text_error)?;
        Ok(lines.into_iter().map(to_label_line).collect())
    }
}

/// Which band lines to read again: those of a length no MRZ line has here,
/// those a failing check digit points at, and those with an unsure
/// character.
fn unsure_lines(lines: &[MrzLine], target: usize) -> Vec<bool> {
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    let failing = riv_document::mrz::lines_failing_checks(&texts)
        .ok()
        .filter(|failing| failing.len() == lines.len())
        .unwrap_or_else(|| vec![false; lines.len()]);
    lines
        .iter()
        .zip(failing)
        .map(|(line, failing)| {
            let least = least_confidence(line.char_confidences.iter().copied());
            failing || line.text.len() != target || least < RETRY_BELOW_CHAR_CONFIDENCE
        })
        .collect()
}

/// The lowest of some confidences (1 for none).
fn least_confidence(confidences: impl Iterator<Item = f32>) -> f32 {
    confidences.fold(1.0, f32::min)
}

/// The pixels a line is read again from: as they are, then, only when no
/// reading has the right length, as ink only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    AsIs,
    Ink,
}

/// The image with every pixel at its brightest channel, grey: the MRZ is
/// printed in black, so this keeps it and fades coloured security
/// backgrounds and annotations (a red box drawn around a digit) to white.
fn ink_only(image: &RgbImage) -> RgbImage {
    let mut out = image.clone();
    for pixel in out.pixels_mut() {
        let [r, g, b] = pixel.0;
        let v = r.max(g).max(b);
        pixel.0 = [v, v, v];
    }
    out
}

fn text_error(e: ocr::OcrError) -> TextError {
    TextError(e.to_string())
}

/// The OCR's line in the label reader's terms: confidence 0..100.
fn to_label_line(line: ocr::TextLine) -> TextLine {
    TextLine {
        text: line.text,
        confidence: (line.confidence * 100.0).clamp(0.0, 100.0),
        left: line.left as f32,
        top: line.top as f32,
        width: line.width as f32,
        height: line.height as f32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ocr::RotatedRect;

    #[test]
    fn a_reading_of_the_right_length_wins_then_the_surer_one() {
        let line = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
        assert!(better((line, 0.80), (&line[..40], 0.99), 44));
        assert!(!better((&line[..40], 0.99), (line, 0.80), 44));
        assert!(better((line, 0.97), (line, 0.90), 44));
        assert!(!better((line, 0.90), (line, 0.90), 44));
    }

    /// A band line whose first character was read with confidence `least`.
    fn band_line(text: &str, least: f32) -> MrzLine {
        let mut line = crate::mrz_band::tests::line(text, text, 0.99);
        if let Some(first) = line.char_confidences.first_mut() {
            *first = least;
        }
        line
    }

    #[test]
    fn only_misfitting_failing_or_unsure_lines_are_read_again() {
        let names = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
        let numbers = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        let lines = [band_line(names, 0.9), band_line(numbers, 0.9)];
        assert_eq!(unsure_lines(&lines, 44), [false, false]);
        // A birth date whose check digit fails.
        let wrong = numbers.replace("7408122", "7408123");
        let lines = [band_line(names, 0.9), band_line(&wrong, 0.9)];
        assert_eq!(unsure_lines(&lines, 44), [false, true]);
        // An unsure character in the names, which no check digit covers.
        let lines = [band_line(names, 0.3), band_line(numbers, 0.9)];
        assert_eq!(unsure_lines(&lines, 44), [true, false]);
        // A line two characters short.
        let lines = [band_line(names, 0.9), band_line(&numbers[..42], 0.9)];
        assert_eq!(unsure_lines(&lines, 44), [false, true]);
    }

    #[test]
    fn ocr_lines_become_label_lines_on_the_0_to_100_scale() {
        let line = ocr::TextLine {
            text: "SURNAME".into(),
            confidence: 0.875,
            char_confidences: vec![0.875; 7],
            left: 10,
            top: 20,
            width: 300,
            height: 30,
            region: RotatedRect {
                center: ocr::Point { x: 160.0, y: 35.0 },
                width: 300.0,
                height: 30.0,
                angle: 0.0,
            },
        };
        let label = to_label_line(line);
        assert_eq!(label.text, "SURNAME");
        assert_eq!(label.confidence, 87.5);
        assert_eq!(
            (label.left, label.top, label.width, label.height),
            (10.0, 20.0, 300.0, 30.0)
        );
    }
}

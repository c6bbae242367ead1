//! Finding and reading a document's machine-readable zone (MRZ) fast.
//!
//! 1. Detect text on a downscaled copy of the image ([`MrzOptions::detect_side`]).
//! 2. Group the boxes into rows and pick the band: 2 or 3 consecutive long,
//!    thin rows of one height, evenly spaced, starting at one left edge,
//!    preferring the lowest ([`select_bands`]).
//! 3. Read only those rows, at the image's full resolution, over the band's
//!    common width, with the decoder restricted to `A–Z 0–9 <`
//!    ([`MRZ_CHARACTERS`]). The same pass decoded without the restriction
//!    tells an MRZ from other long lines: MRZ rows read mostly the same
//!    both ways.
//!
//! The result is the raw lines and their confidences; parsing, check digits
//! and repairs are for the caller.

use std::time::{Duration, Instant};

use image::{DynamicImage, RgbImage};

use crate::ocr::{Alphabet, MRZ_CHARACTERS, Ocr, OcrError, Recognized, RotatedRect, TextBox};

mod rows;

pub use rows::{BandCandidate, Row, group_rows, select_bands};

/// How the MRZ is looked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MrzOptions {
    /// Detection runs with the image's longer side scaled to this.
    pub detect_side: u32,
    /// Rows are widened by this factor before recognition, which keeps the
    /// runs of `<` fillers apart.
    pub stretch: f32,
    /// How many candidate bands are read before giving up.
    pub max_candidates: usize,
}

impl Default for MrzOptions {
    fn default() -> Self {
        Self {
            detect_side: 800,
            stretch: 1.3,
            max_candidates: 3,
        }
    }
}

/// One MRZ line as read.
#[derive(Debug, Clone, PartialEq)]
pub struct MrzLine {
    /// Only characters of [`MRZ_CHARACTERS`].
    pub text: String,
    /// Mean of the characters' confidences, 0..1.
    pub confidence: f32,
    /// Each character's confidence, 0..1.
    pub char_confidences: Vec<f32>,
    /// The unrestricted reading of the same pixels (for diagnostics).
    pub unrestricted: String,
    /// Where the line was read, in image pixels.
    pub region: RotatedRect,
}

/// The MRZ band found in an image.
#[derive(Debug, Clone, PartialEq)]
pub struct MrzBand {
    /// 2 or 3 lines, top to bottom.
    pub lines: Vec<MrzLine>,
}

impl MrzBand {
    /// The lines joined by `\n`.
    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The lowest line confidence.
    pub fn min_confidence(&self) -> f32 {
        self.lines.iter().map(|l| l.confidence).fold(1.0, f32::min)
    }
}

/// Time spent in each stage.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MrzTimings {
    pub detect: Duration,
    pub select: Duration,
    pub recognize: Duration,
}

/// What [`read_mrz`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct MrzReading {
    /// `None`: no band of MRZ text in the image.
    pub band: Option<MrzBand>,
    /// How many candidate bands were read.
    pub candidates_read: usize,
    /// Every text region detected, for readers of the rest of the page.
    pub boxes: Vec<TextBox>,
    pub timings: MrzTimings,
}

/// Finds and reads the MRZ band of `image`.
pub fn read_mrz(
    ocr: &Ocr,
    image: &DynamicImage,
    options: &MrzOptions,
) -> Result<MrzReading, OcrError> {
    let rgb = image.to_rgb8();
    read_mrz_rgb(ocr, &rgb, options)
}

/// [`read_mrz`] on an RGB image.
pub fn read_mrz_rgb(
    ocr: &Ocr,
    image: &RgbImage,
    options: &MrzOptions,
) -> Result<MrzReading, OcrError> {
    let mut timings = MrzTimings::default();
    let started = Instant::now();
    let boxes: Vec<TextBox> = ocr.detect(image, options.detect_side)?;
    timings.detect = started.elapsed();

    let started = Instant::now();
    let rows = group_rows(&boxes);
    let candidates = select_bands(&rows);
    timings.select = started.elapsed();

    let started = Instant::now();
    let mut candidates_read = 0;
    let mut band = None;
    for candidate in candidates.iter().take(options.max_candidates) {
        candidates_read += 1;
        let lines = read_band(ocr, image, candidate, options.stretch)?;
        if looks_like_mrz(&lines) {
            band = Some(MrzBand { lines });
            break;
        }
    }
    timings.recognize = started.elapsed();
    Ok(MrzReading {
        band,
        candidates_read,
        boxes,
        timings,
    })
}

/// Reads each row of a candidate band at full resolution.
fn read_band(
    ocr: &Ocr,
    image: &RgbImage,
    candidate: &BandCandidate,
    stretch: f32,
) -> Result<Vec<MrzLine>, OcrError> {
    let mut lines = Vec::with_capacity(candidate.regions.len());
    for region in &candidate.regions {
        let read =
            ocr.recognize_region_each(image, region, &[Alphabet::Mrz, Alphabet::Full], stretch)?;
        let mut read = read.into_iter();
        let (Some(mrz), Some(full)) = (read.next(), read.next()) else {
            continue;
        };
        lines.push(mrz_line(mrz, full, region));
    }
    Ok(lines)
}

fn mrz_line(mrz: Recognized, full: Recognized, region: &RotatedRect) -> MrzLine {
    MrzLine {
        char_confidences: mrz.chars.iter().map(|c| c.confidence).collect(),
        text: mrz.text,
        confidence: mrz.confidence,
        unrestricted: full.text,
        region: *region,
    }
}

/// Shortest and longest MRZ lines (TD1's 30 and TD3's 44 characters), with
/// room for misreads.
const MIN_LINE: usize = 24;
const MAX_LINE: usize = 52;
/// Least mean confidence of an MRZ line.
const MIN_CONFIDENCE: f32 = 0.5;
/// Most characters of the unrestricted reading that are not MRZ characters
/// (nor a filler look-alike), as a share of the line.
const MAX_FOREIGN: f32 = 0.25;

/// Characters the unrestricted decoder reads for the `<` filler.
const FILLER_LOOKALIKES: &str = "«‹〈く＜(｛{[";

/// True when the rows read like an MRZ: 2 or 3 lines of MRZ length and
/// similar lengths, confident, holding at least one filler, and mostly MRZ
/// characters even without the restriction.
fn looks_like_mrz(lines: &[MrzLine]) -> bool {
    if !(2..=3).contains(&lines.len()) {
        return false;
    }
    let lengths: Vec<usize> = lines.iter().map(|l| l.text.chars().count()).collect();
    let (shortest, longest) = (
        lengths.iter().copied().min().unwrap_or(0),
        lengths.iter().copied().max().unwrap_or(0),
    );
    if shortest < MIN_LINE || longest > MAX_LINE || longest as f32 > shortest as f32 * 1.25 {
        return false;
    }
    if !lines.iter().any(|l| l.text.contains('<')) {
        return false;
    }
    lines.iter().all(|l| {
        let foreign = l
            .unrestricted
            .chars()
            .filter(|c| !c.is_whitespace())
            .filter(|c| !MRZ_CHARACTERS.contains(*c) && !FILLER_LOOKALIKES.contains(*c))
            .count();
        l.confidence >= MIN_CONFIDENCE
            && foreign as f32 <= MAX_FOREIGN * l.text.chars().count() as f32
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ocr::Point;

    /// A band line read with one confidence for every character.
    pub(crate) fn line(text: &str, unrestricted: &str, confidence: f32) -> MrzLine {
        MrzLine {
            text: text.to_string(),
            confidence,
            char_confidences: vec![confidence; text.len()],
            unrestricted: unrestricted.to_string(),
            region: RotatedRect {
                center: Point { x: 0.0, y: 0.0 },
                width: 1.0,
                height: 1.0,
                angle: 0.0,
            },
        }
    }

    #[test]
    fn mrz_rows_pass_and_other_text_does_not() {
        let l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
        let l2 = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
        assert!(looks_like_mrz(&[line(l1, l1, 0.95), line(l2, l2, 0.97)]));
        // Too short: a card number.
        assert!(!looks_like_mrz(&[
            line("4000123456789010", "4000 1234 5678 9010", 0.9),
            line("VALIDTHRU1225", "VALID THRU 12/25", 0.9)
        ]));
        // Lower-case prose read through the MRZ mask.
        let prose = "The quick brown fox jumps over the lazy dog again";
        assert!(!looks_like_mrz(&[
            line("THEQUICKBROWNFOXJUMPSOVERTHELAZYDOG<AGAIN", prose, 0.9),
            line("THEQUICKBROWNFOXJUMPSOVERTHELAZYDOG<AGAIN", prose, 0.9)
        ]));
        // One line only.
        assert!(!looks_like_mrz(&[line(l1, l1, 0.95)]));
        // Unsure.
        assert!(!looks_like_mrz(&[line(l1, l1, 0.3), line(l2, l2, 0.3)]));
    }
}

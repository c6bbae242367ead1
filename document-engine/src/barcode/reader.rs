//! One decoding attempt: a prepared grey image through rxing's PDF417 reader.
//!
//! rxing is a port of ZXing; this is the only file that knows its types. It
//! turns rxing's result or exception into an [`AttemptOutcome`] so the retry
//! loop in the parent module reasons about outcomes, not exception names.

use std::panic::{AssertUnwindSafe, catch_unwind};

use image::GrayImage;
use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::pdf417::PDF417Reader;
use rxing::pdf417::detector::pdf_417_detector;
use rxing::{Binarizer, BinaryBitmap, DecodeHints, Exceptions, Luma8Source, Point, Reader};

/// How the grey image is turned into black and white modules before the
/// PDF417 detector runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Binarization {
    /// ZXing's local-block threshold: copes with uneven lighting, shadows and
    /// gradients across the card. The default.
    Local,
    /// One threshold for the whole image from its histogram: copes with
    /// blurred or low-contrast symbols whose local blocks look flat.
    Global,
}

impl Binarization {
    /// Short name for reports and benchmarks.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Global => "global",
        }
    }
}

/// What one attempt found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AttemptOutcome {
    /// A PDF417 symbol decoded to this text (Latin-1 unless the symbol
    /// declares another character set with an ECI).
    Decoded(String),
    /// Something PDF417-shaped was located but its codewords did not decode
    /// (error correction exhausted, or an invalid codeword sequence).
    Located(String),
    /// No PDF417 symbol was found.
    NotFound,
    /// The decoder stopped with an internal error (an invalid argument or
    /// state, or a panic caught at this boundary), described here.
    Failed(String),
}

/// Runs rxing's PDF417 reader once on `image` with the given binarisation.
///
/// rxing's detector itself tries the 0°, 180°, 270° and 90° orientations of
/// the binarised image, so callers need not rotate.
pub(crate) fn read(image: &GrayImage, binarization: Binarization) -> AttemptOutcome {
    match with_bitmap(image, binarization, &DecodeJob) {
        Ok(Ok(text)) => AttemptOutcome::Decoded(text),
        Ok(Err(error)) => classify(&error),
        Err(failure) => AttemptOutcome::Failed(failure),
    }
}

/// The tilt of the PDF417 symbol in `image`, in degrees within (-45, 45]:
/// the angle of its rows against the horizontal (image y pointing down),
/// measured from the corners of its start and stop patterns. `None` when
/// the detector does not locate a symbol.
pub(crate) fn skew_degrees(image: &GrayImage, binarization: Binarization) -> Option<f32> {
    match with_bitmap(image, binarization, &LocateJob) {
        Ok(Ok(corners)) => skew_from_corners(&corners),
        _ => None,
    }
}

/// Something to do with a binarised image.
trait Job {
    type Output;
    fn run<B: Binarizer>(&self, bitmap: &mut BinaryBitmap<B>) -> Result<Self::Output, Exceptions>;
}

/// Detect and decode: the symbol's text.
struct DecodeJob;

impl Job for DecodeJob {
    type Output = String;
    fn run<B: Binarizer>(&self, bitmap: &mut BinaryBitmap<B>) -> Result<String, Exceptions> {
        let result = PDF417Reader::new().decode(bitmap)?;
        Ok(result.getText().to_owned())
    }
}

/// Detect only: the first symbol's corners.
struct LocateJob;

impl Job for LocateJob {
    type Output = [Option<Point>; 8];
    fn run<B: Binarizer>(&self, bitmap: &mut BinaryBitmap<B>) -> Result<Self::Output, Exceptions> {
        let detected = pdf_417_detector::detect_with_hints(bitmap, &DecodeHints::default(), false)?;
        detected
            .getPoints()
            .first()
            .copied()
            .ok_or(Exceptions::NOT_FOUND)
    }
}

/// Binarises `image` and runs `job` on it; the outer `Err` is an internal
/// failure (a rejected buffer or a caught panic).
fn with_bitmap<J: Job>(
    image: &GrayImage,
    binarization: Binarization,
    job: &J,
) -> Result<Result<J::Output, Exceptions>, String> {
    let (width, height) = image.dimensions();
    let source = Luma8Source::new_with_slice(image.as_raw(), width, height)
        .map_err(|error| error.to_string())?;
    // A decoder bug on hostile input must not take the whole process down:
    // the panic becomes an outcome of this attempt.
    catch_unwind(AssertUnwindSafe(|| match binarization {
        Binarization::Local => job.run(&mut BinaryBitmap::new(HybridBinarizer::new(source))),
        Binarization::Global => job.run(&mut BinaryBitmap::new(GlobalHistogramBinarizer::new(
            source,
        ))),
    }))
    .map_err(|panic| panic_message(panic.as_ref()))
}

/// Length-weighted mean direction of the symbol's edges, folded to rows.
///
/// rxing's corners: 0 and 1 are the top and bottom of the start pattern's
/// outer edge, 4 and 5 of its inner edge; 2 and 3 the top and bottom of the
/// stop pattern's outer edge, 6 and 7 of its inner edge. Edges 0–1, 4–5,
/// 6–7, 2–3 run along the columns; 0–2 and 1–3 along the rows. Directions
/// are folded modulo 90°, so column edges and rows agree, whichever of the
/// four right-angle orientations the detector found the symbol in.
fn skew_from_corners(corners: &[Option<Point>; 8]) -> Option<f32> {
    const EDGES: [(usize, usize); 6] = [(0, 1), (4, 5), (6, 7), (2, 3), (0, 2), (1, 3)];
    let mut weighted = 0.0f32;
    let mut total = 0.0f32;
    for (a, b) in EDGES {
        let (Some(p), Some(q)) = (corners[a], corners[b]) else {
            continue;
        };
        let (dx, dy) = (q.x - p.x, q.y - p.y);
        let length = dx.hypot(dy);
        if !length.is_finite() || length < 8.0 {
            continue;
        }
        weighted += fold_to_rows(dy.atan2(dx).to_degrees()) * length;
        total += length;
    }
    (total > 0.0).then(|| weighted / total)
}

/// An edge direction in degrees folded into (-45, 45].
fn fold_to_rows(degrees: f32) -> f32 {
    let folded = degrees - 90.0 * (degrees / 90.0).round();
    if folded <= -45.0 {
        folded + 90.0
    } else {
        folded
    }
}

fn classify(error: &Exceptions) -> AttemptOutcome {
    match error {
        Exceptions::NotFoundException(_) => AttemptOutcome::NotFound,
        Exceptions::FormatException(_)
        | Exceptions::ChecksumException(_)
        | Exceptions::ReedSolomonException(_) => AttemptOutcome::Located(error.to_string()),
        other => AttemptOutcome::Failed(other.to_string()),
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("the PDF417 decoder panicked: {detail}")
}

/// The bytes behind decoded text.
///
/// Without an ECI, PDF417 text is ISO-8859-1 and rxing maps each byte to the
/// char of the same value, so the bytes come back exactly. A symbol that
/// declares another character set through an ECI yields chars beyond U+00FF;
/// its text is then returned as UTF-8 (AAMVA barcodes never do this).
pub(crate) fn text_bytes(text: &str) -> Vec<u8> {
    let latin1: Option<Vec<u8>> = text.chars().map(|c| u8::try_from(c).ok()).collect();
    latin1.unwrap_or_else(|| text.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_text_maps_back_to_its_bytes() {
        let text: String = [0x40u8, 0x0a, 0x1e, 0x0d, 0xe9, 0xff]
            .iter()
            .map(|&b| char::from(b))
            .collect();
        assert_eq!(text_bytes(&text), vec![0x40, 0x0a, 0x1e, 0x0d, 0xe9, 0xff]);
    }

    #[test]
    fn text_beyond_latin1_is_utf8() {
        assert_eq!(text_bytes("Ž1"), "Ž1".as_bytes().to_vec());
    }

    #[test]
    fn edge_directions_fold_to_row_tilt() {
        assert_eq!(fold_to_rows(3.0), 3.0);
        assert_eq!(fold_to_rows(93.0), 3.0);
        assert_eq!(fold_to_rows(-87.0), 3.0);
        assert_eq!(fold_to_rows(183.0), 3.0);
        assert_eq!(fold_to_rows(-45.0), 45.0);
    }

    #[test]
    fn skew_is_the_mean_of_the_edges() {
        let tilt = 4.0f32.to_radians();
        let (sin, cos) = tilt.sin_cos();
        // A 300 x 100 symbol rotated by 4 degrees (y down): rows run along
        // (cos, sin), columns along (-sin, cos).
        let at = |x: f32, y: f32| Some(Point::new(x * cos - y * sin, x * sin + y * cos));
        let corners = [
            at(0.0, 0.0),
            at(0.0, 100.0),
            at(300.0, 0.0),
            at(300.0, 100.0),
            at(17.0, 0.0),
            at(17.0, 100.0),
            None,
            None,
        ];
        let skew = skew_from_corners(&corners).unwrap();
        assert!((skew - 4.0).abs() < 1e-3, "{skew}");
        assert_eq!(skew_from_corners(&[None; 8]), None);
    }

    #[test]
    fn a_blank_image_has_no_symbol() {
        let blank = GrayImage::from_pixel(64, 32, image::Luma([255]));
        assert_eq!(read(&blank, Binarization::Local), AttemptOutcome::NotFound);
        assert_eq!(read(&blank, Binarization::Global), AttemptOutcome::NotFound);
        assert_eq!(skew_degrees(&blank, Binarization::Local), None);
    }
}

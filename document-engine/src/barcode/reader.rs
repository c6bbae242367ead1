//! One decoding attempt: a prepared grey image through rxing's PDF417 reader.
//!
//! rxing is a port of ZXing; this is the only file that knows its types. It
//! turns rxing's result or exception into an [`AttemptOutcome`] so the retry
//! loop in the parent module reasons about outcomes, not exception names.

use std::panic::{AssertUnwindSafe, catch_unwind};

use image::GrayImage;
use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::pdf417::PDF417Reader;
use rxing::{Binarizer, BinaryBitmap, Exceptions, Luma8Source, Reader};

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
    let (width, height) = image.dimensions();
    let source = match Luma8Source::new_with_slice(image.as_raw(), width, height) {
        Ok(source) => source,
        Err(error) => return AttemptOutcome::Failed(error.to_string()),
    };
    // A decoder bug on hostile input must not take the whole process down:
    // the panic becomes an outcome of this attempt.
    let result = catch_unwind(AssertUnwindSafe(|| match binarization {
        Binarization::Local => decode(BinaryBitmap::new(HybridBinarizer::new(source))),
        Binarization::Global => decode(BinaryBitmap::new(GlobalHistogramBinarizer::new(source))),
    }));
    match result {
        Ok(Ok(text)) => AttemptOutcome::Decoded(text),
        Ok(Err(error)) => classify(&error),
        Err(panic) => AttemptOutcome::Failed(panic_message(panic.as_ref())),
    }
}

fn decode<B: Binarizer>(mut bitmap: BinaryBitmap<B>) -> Result<String, Exceptions> {
    let result = PDF417Reader::new().decode(&mut bitmap)?;
    Ok(result.getText().to_owned())
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
    fn a_blank_image_has_no_symbol() {
        let blank = GrayImage::from_pixel(64, 32, image::Luma([255]));
        assert_eq!(read(&blank, Binarization::Local), AttemptOutcome::NotFound);
        assert_eq!(read(&blank, Binarization::Global), AttemptOutcome::NotFound);
    }
}

//! PDF417 barcodes on the back of US and Canadian driver's licences and ID
//! cards, read with rxing (the Rust port of ZXing).
//!
//! - [`decode_pdf417`] finds and decodes the symbol: the payload's bytes and
//!   text, or `None` when the image holds no PDF417 symbol. Other symbologies
//!   (QR codes, Code 128 on the same card) are never read.
//! - When the plain decode fails it retries on prepared variants of the
//!   image ([`Attempt`]): another binarisation, 2× and 3× upscaling,
//!   levelling a tilted symbol, an unsharp mask; it stops at the first
//!   success and says which attempt succeeded. rxing's detector itself tries
//!   the four right-angle orientations, but tolerates only about ±2° of tilt
//!   beyond them: levelling measures the tilt from the located symbol's
//!   corners and rotates it away.
//! - The work is bounded ([`DecodeOptions`]): a huge photo is shrunk first,
//!   and an upscale that would exceed the pixel budget is skipped.
//!
//! Parsing the AAMVA fields inside the payload is `riv-document`'s job; this
//! module hands back whatever the symbol holds.

mod prepare;
mod reader;

use std::fmt;

use image::{DynamicImage, GrayImage};

use reader::AttemptOutcome;
pub use reader::Binarization;

/// A decoded PDF417 symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdf417Payload {
    /// The payload's bytes as encoded in the symbol. AAMVA payloads are
    /// ASCII with the control characters LF, RS and CR kept.
    pub bytes: Vec<u8>,
    /// The same payload as text: each byte as the ISO-8859-1 character of
    /// that value (for ASCII, identical to `bytes`).
    pub text: String,
    /// The attempt that decoded it.
    pub attempt: Attempt,
    /// How many attempts ran, the successful one included.
    pub attempts_tried: usize,
}

/// One way of preparing the image before the PDF417 reader runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attempt {
    /// Integer enlargement of the working image (1 = as is).
    pub upscale: u32,
    /// Whether an unsharp mask was applied (before upscaling).
    pub sharpen: bool,
    /// Whether the symbol's tilt was measured on the upscaled image and
    /// rotated away before decoding (skipped when no symbol was located or
    /// the tilt is negligible).
    pub level: bool,
    /// How grey became black and white.
    pub binarization: Binarization,
}

impl Attempt {
    const fn new(upscale: u32, sharpen: bool, binarization: Binarization) -> Self {
        Self {
            upscale,
            sharpen,
            level: false,
            binarization,
        }
    }

    const fn levelled(self) -> Self {
        Self {
            level: true,
            ..self
        }
    }

    /// The first attempt: the image as it is, local binarisation.
    pub const PLAIN: Self = Self::new(1, false, Binarization::Local);
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x", self.upscale)?;
        if self.sharpen {
            f.write_str(" sharpened")?;
        }
        if self.level {
            f.write_str(" levelled")?;
        }
        write!(f, " {}", self.binarization.as_str())
    }
}

/// The attempts of [`Retries::Full`], in order: cheapest and most often
/// successful first; each image variant's attempts are adjacent so a variant
/// is prepared once. When the symbol is located with a tilt of 2° or more,
/// the levelled attempts run first.
pub const FULL_PLAN: [Attempt; 12] = [
    Attempt::PLAIN,
    Attempt::new(1, false, Binarization::Global),
    Attempt::PLAIN.levelled(),
    Attempt::new(2, false, Binarization::Local),
    Attempt::new(2, false, Binarization::Global),
    Attempt::new(2, false, Binarization::Local).levelled(),
    Attempt::new(1, true, Binarization::Local),
    Attempt::new(2, true, Binarization::Local),
    Attempt::new(2, true, Binarization::Local).levelled(),
    Attempt::new(3, false, Binarization::Local),
    Attempt::new(3, false, Binarization::Global),
    Attempt::new(3, true, Binarization::Local),
];

/// Tilts below this many degrees are not worth a rotation: rxing reads them.
const MIN_LEVELLED_TILT: f32 = 0.5;

/// From this tilt on, rxing's own decode of the unlevelled symbol mostly
/// fails, and failing there is slow (it gropes for rows that drift): the
/// levelled attempts go first.
const LEVEL_FIRST_TILT: f32 = 2.0;

/// The attempts to run, in order. With retries, a symbol located at the
/// start with a clear tilt moves the levelled attempts to the front.
fn plan(work: &GrayImage, retries: Retries) -> Vec<Attempt> {
    match retries {
        Retries::None => vec![Attempt::PLAIN],
        Retries::Full => {
            let tilted = reader::skew_degrees(work, Binarization::Local)
                .is_some_and(|tilt| tilt.abs() >= LEVEL_FIRST_TILT);
            let mut plan = FULL_PLAN.to_vec();
            if tilted {
                // Stable: levelled attempts first, each group in plan order.
                plan.sort_by_key(|attempt| !attempt.level);
            }
            plan
        }
    }
}

/// Whether to retry on prepared variants when the plain decode fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retries {
    /// Only [`Attempt::PLAIN`].
    None,
    /// Every attempt of [`FULL_PLAN`] until one succeeds.
    Full,
}

/// Bounds and strategy for [`decode_pdf417_with`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Which attempts to run.
    pub retries: Retries,
    /// Longer side, in pixels, above which the image is shrunk before any
    /// attempt (a phone photo of a card needs far fewer pixels than it has).
    pub max_side: u32,
    /// Pixel budget of one attempt: an upscale that would exceed it is
    /// skipped.
    pub max_pixels: u64,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            retries: Retries::Full,
            max_side: 2560,
            max_pixels: 4_000_000,
        }
    }
}

/// Why an image gave no payload although it was not simply barcode-free.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum BarcodeError {
    /// The image has no pixels.
    #[error("the image is empty ({width}x{height} pixels)")]
    EmptyImage {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// A PDF417 symbol was located but none of the attempts decoded it: too
    /// damaged, blurred or low-resolution for its error correction.
    #[error("a PDF417 symbol was located but {attempts} attempts could not decode it: {reason}")]
    Undecodable {
        /// Attempts run.
        attempts: usize,
        /// The decoder's reason on the last attempt that located it.
        reason: String,
    },
    /// The decoder failed internally on every attempt that did not simply
    /// find nothing.
    #[error("the PDF417 decoder failed: {reason}")]
    Decoder {
        /// The decoder's description of the failure.
        reason: String,
    },
}

/// Finds and decodes the PDF417 symbol in `image` with the default options
/// (all retries, bounded work).
///
/// `Ok(None)`: no PDF417 symbol in the image. `Err(Undecodable)`: a symbol
/// was located but could not be decoded.
pub fn decode_pdf417(image: &DynamicImage) -> Result<Option<Pdf417Payload>, BarcodeError> {
    decode_pdf417_with(image, &DecodeOptions::default())
}

/// [`decode_pdf417`] with explicit options.
pub fn decode_pdf417_with(
    image: &DynamicImage,
    options: &DecodeOptions,
) -> Result<Option<Pdf417Payload>, BarcodeError> {
    let (width, height) = (image.width(), image.height());
    if width == 0 || height == 0 {
        return Err(BarcodeError::EmptyImage { width, height });
    }
    let work = prepare::working_image(image, options.max_side);

    let mut variant: Option<((u32, bool), GrayImage)> = None;
    let mut tried = 0;
    let mut located: Option<String> = None;
    let mut failed: Option<String> = None;
    for attempt in &plan(&work, options.retries) {
        let (w, h) = work.dimensions();
        let pixels = u64::from(w) * u64::from(h) * u64::from(attempt.upscale).pow(2);
        if attempt.upscale > 1 && pixels > options.max_pixels {
            continue;
        }
        let key = (attempt.upscale, attempt.sharpen);
        let prepared = match &variant {
            Some((k, img)) if *k == key => img,
            _ => &variant.insert((key, prepare_variant(&work, *attempt))).1,
        };
        tried += 1;
        let outcome = if attempt.level {
            match reader::skew_degrees(prepared, attempt.binarization) {
                Some(tilt) if tilt.abs() >= MIN_LEVELLED_TILT => {
                    reader::read(&prepare::level(prepared, tilt), attempt.binarization)
                }
                _ => AttemptOutcome::NotFound,
            }
        } else {
            reader::read(prepared, attempt.binarization)
        };
        match outcome {
            AttemptOutcome::Decoded(text) => {
                return Ok(Some(Pdf417Payload {
                    bytes: reader::text_bytes(&text),
                    text,
                    attempt: *attempt,
                    attempts_tried: tried,
                }));
            }
            AttemptOutcome::Located(reason) => located = Some(reason),
            AttemptOutcome::Failed(reason) => failed = Some(reason),
            AttemptOutcome::NotFound => {}
        }
    }
    match (located, failed) {
        (Some(reason), _) => Err(BarcodeError::Undecodable {
            attempts: tried,
            reason,
        }),
        (None, Some(reason)) => Err(BarcodeError::Decoder { reason }),
        (None, None) => Ok(None),
    }
}

fn prepare_variant(gray: &GrayImage, attempt: Attempt) -> GrayImage {
    if attempt.sharpen {
        prepare::upscale(&prepare::sharpen(gray), attempt.upscale)
    } else {
        prepare::upscale(gray, attempt.upscale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_image_is_an_error() {
        let empty = DynamicImage::new_luma8(0, 10);
        assert_eq!(
            decode_pdf417(&empty),
            Err(BarcodeError::EmptyImage {
                width: 0,
                height: 10
            })
        );
    }

    #[test]
    fn a_blank_image_has_no_barcode() {
        let blank = DynamicImage::ImageLuma8(GrayImage::from_pixel(300, 200, image::Luma([250])));
        assert_eq!(decode_pdf417(&blank), Ok(None));
    }

    #[test]
    fn attempts_name_themselves() {
        assert_eq!(Attempt::PLAIN.to_string(), "1x local");
        assert_eq!(FULL_PLAN[7].to_string(), "2x sharpened local");
        assert_eq!(FULL_PLAN[8].to_string(), "2x sharpened levelled local");
    }

    #[test]
    fn each_variant_is_prepared_in_one_run_of_attempts() {
        let mut seen = Vec::new();
        for pair in FULL_PLAN.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if (a.upscale, a.sharpen) != (b.upscale, b.sharpen) {
                seen.push((a.upscale, a.sharpen));
                assert!(!seen.contains(&(b.upscale, b.sharpen)));
            }
        }
    }
}

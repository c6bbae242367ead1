//! Plain image types and safe decoding.
//!
//! Decoding checks the byte size first, then reads only the header to check
//! the pixel count, and only then decodes the pixels, with an allocation cap
//! as a second guard. EXIF orientation is applied so a phone photo taken
//! sideways comes out upright.

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use serde::{Deserialize, Serialize};
use std::io::Cursor;

use crate::error::EngineError;

/// An 8-bit RGB image, row-major, 3 bytes per pixel, no row padding.
#[derive(Clone, PartialEq, Eq)]
pub struct RgbImage {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl std::fmt::Debug for RgbImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RgbImage({}x{})", self.width, self.height)
    }
}

impl RgbImage {
    /// Wraps pixel data; fails when the length is not `width * height * 3`.
    pub fn from_raw(width: u32, height: u32, pixels: Vec<u8>) -> Result<Self, EngineError> {
        let expected = (width as usize)
            .checked_mul(height as usize)
            .and_then(|n| n.checked_mul(3));
        if expected != Some(pixels.len()) {
            return Err(EngineError::InvalidArgument {
                detail: format!(
                    "{} bytes of pixel data for a {width}x{height} RGB image",
                    pixels.len()
                ),
            });
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    /// A black image.
    pub fn new(width: u32, height: u32) -> Self {
        Self {
            width,
            height,
            pixels: vec![0; width as usize * height as usize * 3],
        }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    pub fn pixels_mut(&mut self) -> &mut [u8] {
        &mut self.pixels
    }

    pub fn into_raw(self) -> Vec<u8> {
        self.pixels
    }

    /// The pixel at (x, y); callers keep coordinates inside the image.
    #[inline]
    pub fn get(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.pixels[i], self.pixels[i + 1], self.pixels[i + 2]]
    }

    #[inline]
    pub fn put(&mut self, x: u32, y: u32, rgb: [u8; 3]) {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        self.pixels[i..i + 3].copy_from_slice(&rgb);
    }

    /// Grey levels as dlib computes them from RGB: the plain mean
    /// `(r + g + b) / 3`, truncated.
    pub fn to_gray(&self) -> GrayImage {
        let pixels = self
            .pixels
            .chunks_exact(3)
            .map(|p| ((u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2])) / 3) as u8)
            .collect();
        GrayImage {
            width: self.width,
            height: self.height,
            pixels,
        }
    }

    /// The image turned a quarter turn clockwise `quarter_turns` times.
    pub fn rotate_quarters(&self, quarter_turns: u8) -> RgbImage {
        let (w, h) = (self.width, self.height);
        match quarter_turns % 4 {
            0 => self.clone(),
            2 => {
                let mut out = RgbImage::new(w, h);
                for y in 0..h {
                    for x in 0..w {
                        out.put(w - 1 - x, h - 1 - y, self.get(x, y));
                    }
                }
                out
            }
            turns => {
                let mut out = RgbImage::new(h, w);
                for y in 0..h {
                    for x in 0..w {
                        let (nx, ny) = if turns == 1 {
                            (h - 1 - y, x)
                        } else {
                            (y, w - 1 - x)
                        };
                        out.put(nx, ny, self.get(x, y));
                    }
                }
                out
            }
        }
    }

    /// The image mirrored left to right.
    pub fn flip_horizontal(&self) -> RgbImage {
        let mut out = RgbImage::new(self.width, self.height);
        for y in 0..self.height {
            for x in 0..self.width {
                out.put(self.width - 1 - x, y, self.get(x, y));
            }
        }
        out
    }
}

/// An 8-bit grey image, row-major, no row padding.
#[derive(Clone, PartialEq, Eq)]
pub struct GrayImage {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl std::fmt::Debug for GrayImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GrayImage({}x{})", self.width, self.height)
    }
}

impl GrayImage {
    pub fn from_raw(width: u32, height: u32, pixels: Vec<u8>) -> Result<Self, EngineError> {
        if (width as usize).checked_mul(height as usize) != Some(pixels.len()) {
            return Err(EngineError::InvalidArgument {
                detail: format!(
                    "{} bytes of pixel data for a {width}x{height} grey image",
                    pixels.len()
                ),
            });
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    #[inline]
    pub fn get(&self, x: u32, y: u32) -> u8 {
        self.pixels[y as usize * self.width as usize + x as usize]
    }
}

/// Limits checked before an image is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecodeLimits {
    /// Largest encoded size accepted, in bytes.
    pub max_bytes: usize,
    /// Largest `width * height` accepted, read from the header before decoding.
    pub max_pixels: u64,
    /// Smallest side accepted, in pixels: smaller images cannot hold a face.
    pub min_side: u32,
}

impl Default for DecodeLimits {
    /// 15 MiB (Rekognition accepts 15 MB from S3) and 50 megapixels (the
    /// largest phone cameras), sides of at least 40 pixels.
    fn default() -> Self {
        Self {
            max_bytes: 15 * 1024 * 1024,
            max_pixels: 50_000_000,
            min_side: 40,
        }
    }
}

/// Decodes a JPEG, PNG or WebP image into upright RGB, checking `limits`
/// before decoding any pixel.
pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<RgbImage, EngineError> {
    if bytes.len() > limits.max_bytes {
        return Err(EngineError::ImageTooLarge {
            bytes: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let format = image::guess_format(bytes).map_err(|_| EngineError::UnsupportedFormat)?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(EngineError::UnsupportedFormat);
    }
    let corrupt = |e: image::ImageError| EngineError::CorruptImage {
        detail: e.to_string(),
    };
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        // The decoder would fill the missing rows with grey: a half photo
        // must not pass for a whole one.
        return Err(EngineError::CorruptImage {
            detail: "JPEG is truncated: no end-of-image marker after its last scan".into(),
        });
    }

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder_limits = Limits::default();
    // Room for the RGBA working copy some decoders make, plus slack.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(1 << 20));
    reader.limits(decoder_limits);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(EngineError::TooManyPixels {
            width,
            height,
            limit: limits.max_pixels,
        });
    }
    if width < limits.min_side || height < limits.min_side {
        return Err(EngineError::ImageTooSmall { width, height });
    }
    let orientation = decoder.orientation().map_err(corrupt)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    image.apply_orientation(orientation);
    let rgb = image.into_rgb8();
    let (width, height) = rgb.dimensions();
    RgbImage::from_raw(width, height, rgb.into_raw())
}

/// A JPEG is complete when an end-of-image marker (`FF D9`) follows its
/// last start-of-scan (`FF DA`). Byte stuffing keeps `FF D9` out of scan
/// data, and an embedded EXIF thumbnail's markers come before the main
/// image's scans, so a cut-off main image has no marker after its last scan.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let last = |marker: u8| {
        bytes
            .windows(2)
            .rposition(|w| w[0] == 0xFF && w[1] == marker)
    };
    match (last(0xDA), last(0xD9)) {
        (Some(scan), Some(end)) => end > scan,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_png(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 7])
        });
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn truncated_jpegs_are_corrupt() {
        let img =
            image::RgbImage::from_fn(64, 64, |x, y| image::Rgb([x as u8 * 4, y as u8 * 4, 9]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Jpeg).unwrap();
        let jpeg = out.into_inner();
        assert!(decode(&jpeg, &DecodeLimits::default()).is_ok());
        let mut trailer = jpeg.clone();
        trailer.extend_from_slice(b"camera trailer after the image");
        assert!(decode(&trailer, &DecodeLimits::default()).is_ok());
        for cut in [jpeg.len() - 2, jpeg.len() - 40, jpeg.len() / 2] {
            let err = decode(&jpeg[..cut], &DecodeLimits::default()).unwrap_err();
            assert_eq!(err.code(), "image_corrupt", "cut at {cut}");
        }
    }

    #[test]
    fn decodes_png_pixels() {
        let img = decode(&encode_png(64, 48), &DecodeLimits::default()).unwrap();
        assert_eq!((img.width(), img.height()), (64, 48));
        assert_eq!(img.get(10, 20), [10, 20, 7]);
    }

    #[test]
    fn rejects_before_decoding() {
        let png = encode_png(100, 100);
        let limits = DecodeLimits {
            max_bytes: 10,
            ..DecodeLimits::default()
        };
        assert_eq!(decode(&png, &limits).unwrap_err().code(), "image_too_large");
        let limits = DecodeLimits {
            max_pixels: 9_999,
            ..DecodeLimits::default()
        };
        assert_eq!(
            decode(&png, &limits).unwrap_err().code(),
            "image_too_many_pixels"
        );
        let tiny = encode_png(20, 100);
        assert_eq!(
            decode(&tiny, &DecodeLimits::default()).unwrap_err().code(),
            "image_too_small"
        );
    }

    #[test]
    fn bad_bytes_are_errors_not_panics() {
        let limits = DecodeLimits::default();
        assert_eq!(
            decode(b"", &limits).unwrap_err().code(),
            "image_unsupported_format"
        );
        assert_eq!(
            decode(b"GIF89a......", &limits).unwrap_err().code(),
            "image_unsupported_format"
        );
        let png = encode_png(64, 64);
        for cut in [8, 30, 60, png.len() / 2, png.len() - 5] {
            let err = decode(&png[..cut], &limits).unwrap_err();
            assert_eq!(err.code(), "image_corrupt", "cut at {cut}");
        }
    }

    #[test]
    fn rotations_compose_and_gray_is_the_mean() {
        let img = decode(&encode_png(50, 40), &DecodeLimits::default()).unwrap();
        let quarter = img.rotate_quarters(1);
        assert_eq!((quarter.width(), quarter.height()), (40, 50));
        assert_eq!(quarter.rotate_quarters(3), img);
        assert_eq!(img.rotate_quarters(2).rotate_quarters(2), img);
        assert_eq!(img.flip_horizontal().flip_horizontal(), img);
        assert_eq!(img.to_gray().get(30, 9), ((30 + 9 + 7) / 3) as u8);
    }
}

//! Generated barcode images: symbols encoded with rxing's writers and drawn
//! at a chosen module width, then degraded the way a camera and a JPEG
//! pipeline degrade them (blur, a small tilt, sensor noise, recompression).
//!
//! Everything is deterministic: noise comes from a seeded [`Rng`].

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, GrayImage, ImageEncoder, Luma};
use rxing::common::BitMatrix;
use rxing::oned::Code128Writer;
use rxing::pdf417::PDF417Writer;
use rxing::pdf417::encoder::Dimensions;
use rxing::qrcode::QRCodeWriter;
use rxing::{BarcodeFormat, EncodeHints, Writer};

/// Paper white and ink black of the drawn symbols.
pub const WHITE: u8 = 240;
pub const BLACK: u8 = 25;

/// Encodes `text` as PDF417 with one pixel per module and rows four modules
/// tall, no quiet zone. `ec_level` is the error correction level (AAMVA
/// requires at least 3); columns are kept in the range licences print.
///
/// `text` is taken as ISO-8859-1: chars up to U+00FF become one byte each.
pub fn pdf417_matrix(text: &str, ec_level: u32) -> BitMatrix {
    let hints = EncodeHints {
        ErrorCorrection: Some(ec_level.to_string()),
        Margin: Some("0".to_owned()),
        Pdf417Dimensions: Some(Dimensions::new(6, 17, 3, 90)),
        ..EncodeHints::default()
    };
    PDF417Writer
        .encode_with_hints(text, &BarcodeFormat::PDF_417, 0, 0, &hints)
        .unwrap_or_else(|e| panic!("PDF417 encoding failed: {e}"))
}

/// Encodes `text` as a QR code, one pixel per module, no quiet zone.
pub fn qr_matrix(text: &str) -> BitMatrix {
    let hints = EncodeHints {
        Margin: Some("0".to_owned()),
        ..EncodeHints::default()
    };
    QRCodeWriter
        .encode_with_hints(text, &BarcodeFormat::QR_CODE, 0, 0, &hints)
        .unwrap_or_else(|e| panic!("QR encoding failed: {e}"))
}

/// Encodes `text` as Code 128, one pixel per module, `height` pixels tall.
pub fn code128_matrix(text: &str, height: i32) -> BitMatrix {
    let hints = EncodeHints {
        Margin: Some("0".to_owned()),
        ..EncodeHints::default()
    };
    Code128Writer
        .encode_with_hints(text, &BarcodeFormat::CODE_128, 0, height, &hints)
        .unwrap_or_else(|e| panic!("Code 128 encoding failed: {e}"))
}

/// Draws `matrix` with each module `module_px` pixels square (PDF417 rows
/// are already four modules tall in the matrix) inside a white quiet zone of
/// `quiet_modules` modules.
pub fn draw(matrix: &BitMatrix, module_px: u32, quiet_modules: u32) -> GrayImage {
    let quiet = quiet_modules * module_px;
    let width = matrix.getWidth() * module_px + 2 * quiet;
    let height = matrix.getHeight() * module_px + 2 * quiet;
    GrayImage::from_fn(width, height, |x, y| {
        let inside = x >= quiet && y >= quiet && x < width - quiet && y < height - quiet;
        let black = inside && matrix.get((x - quiet) / module_px, (y - quiet) / module_px);
        Luma([if black { BLACK } else { WHITE }])
    })
}

/// A PDF417 symbol of `text` drawn at `module_px`, quiet zone of two modules.
pub fn pdf417_image(text: &str, module_px: u32) -> GrayImage {
    draw(&pdf417_matrix(text, 5), module_px, 2)
}

/// Gaussian blur of standard deviation `sigma` pixels.
pub fn blur(image: &GrayImage, sigma: f32) -> GrayImage {
    image::imageops::blur(image, sigma)
}

/// Rotates by `degrees` (counter-clockwise) about the centre, bilinear,
/// onto a canvas large enough for the whole result, filled with white.
pub fn rotate(image: &GrayImage, degrees: f32) -> GrayImage {
    let (w, h) = (image.width() as f32, image.height() as f32);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let out_w = (w * cos.abs() + h * sin.abs()).ceil() as u32;
    let out_h = (w * sin.abs() + h * cos.abs()).ceil() as u32;
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (ocx, ocy) = (out_w as f32 / 2.0, out_h as f32 / 2.0);
    let sample = |x: i64, y: i64| -> f32 {
        if x < 0 || y < 0 || x >= image.width() as i64 || y >= image.height() as i64 {
            f32::from(WHITE)
        } else {
            f32::from(image.get_pixel(x as u32, y as u32).0[0])
        }
    };
    GrayImage::from_fn(out_w, out_h, |x, y| {
        // Inverse mapping: where in the source does this output pixel come from.
        let (dx, dy) = (x as f32 + 0.5 - ocx, y as f32 + 0.5 - ocy);
        let sx = cos * dx - sin * dy + cx - 0.5;
        let sy = sin * dx + cos * dy + cy - 0.5;
        let (x0, y0) = (sx.floor(), sy.floor());
        let (fx, fy) = (sx - x0, sy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let top = sample(x0, y0) * (1.0 - fx) + sample(x0 + 1, y0) * fx;
        let bottom = sample(x0, y0 + 1) * (1.0 - fx) + sample(x0 + 1, y0 + 1) * fx;
        Luma([(top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8])
    })
}

/// Re-encodes as JPEG at `quality` (1–100) and decodes it again.
pub fn jpeg(image: &GrayImage, quality: u8) -> GrayImage {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, quality)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::L8,
        )
        .unwrap_or_else(|e| panic!("JPEG encoding failed: {e}"));
    image::load_from_memory(&bytes)
        .unwrap_or_else(|e| panic!("JPEG decoding failed: {e}"))
        .to_luma8()
}

/// Adds zero-mean noise of standard deviation about `sigma` grey levels to
/// every pixel.
pub fn noise(image: &GrayImage, sigma: f32, rng: &mut Rng) -> GrayImage {
    let mut out = image.clone();
    for pixel in out.pixels_mut() {
        let value = f32::from(pixel.0[0]) + rng.gaussian() * sigma;
        pixel.0[0] = value.round().clamp(0.0, 255.0) as u8;
    }
    out
}

/// Places `symbol` at (`x`, `y`) on a card-like canvas of `width`×`height`
/// with a left-to-right lighting gradient from `left` to `right` grey.
pub fn on_card(
    symbol: &GrayImage,
    width: u32,
    height: u32,
    (x, y): (u32, u32),
    (left, right): (u8, u8),
) -> GrayImage {
    let mut card = GrayImage::from_fn(width, height, |px, _| {
        let t = px as f32 / width.max(1) as f32;
        Luma([(f32::from(left) * (1.0 - t) + f32::from(right) * t).round() as u8])
    });
    for (sx, sy, pixel) in symbol.enumerate_pixels() {
        let (cx, cy) = (x + sx, y + sy);
        if cx < width && cy < height {
            // Multiply: the symbol's ink darkens the card, its paper keeps it.
            let card_value = u16::from(card.get_pixel(cx, cy).0[0]);
            let value = card_value * u16::from(pixel.0[0]) / u16::from(WHITE);
            card.put_pixel(cx, cy, Luma([value.min(255) as u8]));
        }
    }
    card
}

/// A small deterministic random generator (xorshift64*), so generated
/// fixtures are the same on every run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Approximately standard normal (sum of four uniforms, rescaled).
    pub fn gaussian(&mut self) -> f32 {
        let sum: f32 = (0..4).map(|_| self.unit()).sum();
        (sum - 2.0) * (3.0f32).sqrt()
    }

    /// Random printable text of `len` characters drawn from `alphabet`.
    pub fn text(&mut self, alphabet: &str, len: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        (0..len)
            .map(|_| chars[self.below(chars.len() as u64) as usize])
            .collect()
    }

    /// An image of uniform random grey levels.
    pub fn noise_image(&mut self, width: u32, height: u32) -> GrayImage {
        GrayImage::from_fn(width, height, |_, _| Luma([self.below(256) as u8]))
    }
}

/// Wraps a grey image for the decoder's `DynamicImage` API.
pub fn dynamic(image: GrayImage) -> DynamicImage {
    DynamicImage::ImageLuma8(image)
}

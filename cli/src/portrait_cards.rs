//! Simulated identity-card fronts: a photo turned into the small, printed
//! portrait a phone picture of a card shows, for measuring how the face
//! engine compares a selfie with a document's portrait.
//!
//! No public set of real document and selfie pairs exists, so a labelled
//! photo stands in for the document: a head-and-shoulders crop around its
//! face is scaled so the face box is a given height (a card portrait in a
//! phone photo is about 60–120 px high), printed (compressed contrast, less
//! colour), softened (Gaussian blur), placed on a pale card with grey lines
//! of "text", and the whole front is JPEG-compressed.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};
use riv_face_engine::Rect;

/// How one kind of card portrait is rendered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CardVariant {
    /// Name in reports.
    pub name: &'static str,
    /// Height of the detector's face box on the card, in pixels.
    pub face_px: u32,
    /// Colour kept: 1 full colour, 0 greyscale.
    pub saturation: f32,
    /// Gaussian blur applied to the printed portrait (pixels).
    pub blur_sigma: f32,
    /// JPEG quality of the card photo (1–100).
    pub jpeg_quality: u8,
}

/// The variants `riv faces evaluate-portraits` measures.
pub const VARIANTS: [CardVariant; 3] = [
    CardVariant {
        name: "colour, face 90 px, blur 0.6, JPEG 60",
        face_px: 90,
        saturation: 1.0,
        blur_sigma: 0.6,
        jpeg_quality: 60,
    },
    CardVariant {
        name: "faded colour, face 80 px, blur 0.8, JPEG 60",
        face_px: 80,
        saturation: 0.5,
        blur_sigma: 0.8,
        jpeg_quality: 60,
    },
    CardVariant {
        name: "greyscale, face 70 px, blur 1.0, JPEG 60",
        face_px: 70,
        saturation: 0.0,
        blur_sigma: 1.0,
        jpeg_quality: 60,
    },
];

/// The card's background, a pale blue-grey.
const CARD: [u8; 3] = [226, 232, 238];
/// Lines of "text" printed beside the portrait.
const INK: [u8; 3] = [70, 78, 92];
/// Printed tones span this range (paper is never white, ink never black).
const PRINT_LOW: f32 = 24.0;
const PRINT_HIGH: f32 = 236.0;
/// The portrait's share of the card's width (ID-1 cards: about 29 %).
const PORTRAIT_SHARE_OF_WIDTH: f32 = 0.29;
/// ID-1 card aspect ratio (85.6 × 54 mm).
const CARD_ASPECT: f32 = 1.586;

/// Why a card could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("the face box {0:?} is empty or outside the photo")]
    BadFace(Rect),
    #[error("encoding the card as JPEG: {0}")]
    Encode(#[from] image::ImageError),
}

/// Renders the front of a card whose portrait is `photo` cropped around
/// `face` (the detector's box in `photo`), as JPEG bytes.
pub fn render_card(
    photo: &RgbImage,
    face: Rect,
    variant: &CardVariant,
) -> Result<Vec<u8>, CardError> {
    let portrait = printed_portrait(photo, face, variant)?;
    let card_w = (portrait.width() as f32 / PORTRAIT_SHARE_OF_WIDTH).round() as u32;
    let card_h = (card_w as f32 / CARD_ASPECT).round() as u32;
    let card_h = card_h.max(portrait.height() + 8);
    let mut card = RgbImage::from_pixel(card_w, card_h, Rgb(CARD));
    let margin = (card_w / 20).max(2);
    let top = card_h.saturating_sub(portrait.height()) * 2 / 3;
    imageops::replace(&mut card, &portrait, i64::from(margin), i64::from(top));
    draw_text_lines(&mut card, portrait.width() + 2 * margin, margin);
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(Cursor::new(&mut bytes), variant.jpeg_quality.clamp(1, 100))
        .encode_image(&card)?;
    Ok(bytes)
}

/// The head-and-shoulders crop, scaled and printed.
fn printed_portrait(
    photo: &RgbImage,
    face: Rect,
    variant: &CardVariant,
) -> Result<RgbImage, CardError> {
    let (pw, ph) = (i64::from(photo.width()), i64::from(photo.height()));
    if face.width() <= 0 || face.height() <= 0 || face.right < 0 || face.bottom < 0 {
        return Err(CardError::BadFace(face));
    }
    // A passport-style frame: 1.7 face widths wide, 2.2 face heights high,
    // the face a little below the middle (room for hair above).
    let centre = face.dcenter();
    let (fw, fh) = (face.width() as f64, face.height() as f64);
    let left = ((centre.x - 0.85 * fw).round() as i64).clamp(0, pw - 1);
    let right = ((centre.x + 0.85 * fw).round() as i64).clamp(left + 1, pw);
    let top = ((centre.y - 1.2 * fh).round() as i64).clamp(0, ph - 1);
    let bottom = ((centre.y + 1.0 * fh).round() as i64).clamp(top + 1, ph);
    let crop = imageops::crop_imm(
        photo,
        left as u32,
        top as u32,
        (right - left) as u32,
        (bottom - top) as u32,
    )
    .to_image();
    let scale = f64::from(variant.face_px) / fh;
    let w = ((crop.width() as f64 * scale).round() as u32).max(1);
    let h = ((crop.height() as f64 * scale).round() as u32).max(1);
    let mut portrait = imageops::resize(&crop, w, h, FilterType::CatmullRom);
    for pixel in portrait.pixels_mut() {
        *pixel = Rgb(print_tone(pixel.0, variant.saturation));
    }
    Ok(if variant.blur_sigma > 0.0 {
        imageops::blur(&portrait, variant.blur_sigma)
    } else {
        portrait
    })
}

/// One pixel as printed: colour mixed towards its grey by `1 - saturation`,
/// tones squeezed into the printable range.
fn print_tone(rgb: [u8; 3], saturation: f32) -> [u8; 3] {
    let [r, g, b] = rgb.map(f32::from);
    let grey = 0.299 * r + 0.587 * g + 0.114 * b;
    let s = saturation.clamp(0.0, 1.0);
    [r, g, b].map(|c| {
        let mixed = grey + s * (c - grey);
        (PRINT_LOW + mixed * (PRINT_HIGH - PRINT_LOW) / 255.0).round() as u8
    })
}

/// Grey bars where a card prints its holder's name, dates and number.
fn draw_text_lines(card: &mut RgbImage, from_x: u32, margin: u32) {
    let (w, h) = (card.width(), card.height());
    let bar_h = (h / 24).max(2);
    let step = bar_h * 3;
    let mut y = margin * 2;
    let mut line = 0u32;
    while y + bar_h + margin < h && from_x + margin < w {
        // Lines of varying length, like field labels and values.
        let span = w.saturating_sub(from_x + margin);
        let len = span * (5 + (line * 3) % 5) / 10;
        for yy in y..y + bar_h {
            for xx in from_x..from_x + len {
                card.put_pixel(xx, yy, Rgb(INK));
            }
        }
        y += step;
        line += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo() -> RgbImage {
        RgbImage::from_fn(250, 250, |x, y| {
            Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        })
    }

    #[test]
    fn a_card_is_an_id1_shaped_jpeg_with_the_face_at_the_asked_height() {
        let face = Rect::new(72, 80, 177, 185);
        for variant in &VARIANTS {
            let bytes = render_card(&photo(), face, variant).unwrap();
            let card = image::load_from_memory(&bytes).unwrap().to_rgb8();
            let portrait = printed_portrait(&photo(), face, variant).unwrap();
            // 2.2 face heights high, scaled so the face is face_px high.
            let expected_h = (2.2 * f64::from(variant.face_px)).round() as u32;
            assert!(portrait.height().abs_diff(expected_h) <= 2, "{variant:?}");
            let aspect = card.width() as f32 / card.height() as f32;
            assert!((aspect - CARD_ASPECT).abs() < 0.05, "{aspect}");
            assert_eq!(card.get_pixel(1, 1).0.map(|c| c / 16), CARD.map(|c| c / 16));
        }
    }

    #[test]
    fn printing_squeezes_tones_and_greyscale_drops_colour() {
        assert_eq!(print_tone([0, 0, 0], 1.0), [24, 24, 24]);
        assert_eq!(print_tone([255, 255, 255], 1.0), [236, 236, 236]);
        let [r, g, b] = print_tone([200, 40, 40], 0.0);
        assert!(r == g && g == b);
        let [r, g, _] = print_tone([200, 40, 40], 0.5);
        assert!(r > g);
    }

    #[test]
    fn an_empty_face_box_is_an_error() {
        let face = Rect::new(10, 10, 9, 9);
        assert!(matches!(
            render_card(&photo(), face, &VARIANTS[0]),
            Err(CardError::BadFace(_))
        ));
    }
}

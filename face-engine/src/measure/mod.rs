//! What the engine measures about a face, beyond where it is: head pose,
//! sharpness, brightness and whether the eyes are hidden (sunglasses).
//!
//! These are measurements, not decisions: thresholds belong to the caller
//! (riv's quality stage reads them from its config). Each function documents
//! how it computes its value and where it stops being reliable; the same
//! text is in `docs/face-engine.md`.
//!
//! The 5 landmarks come in dlib's order: 0 and 1 are the outer and inner
//! corners of the eye on the image's right, 2 and 3 the outer and inner
//! corners of the eye on the image's left, 4 the base of the nose.

mod pose;

pub use pose::{Pose, pose};

use serde::{Deserialize, Serialize};

use crate::geometry::Point;
use crate::image::{GrayImage, RgbImage};

/// The part of an aligned face chip that is face, from the landmarks mapped
/// into chip coordinates: from the outer eye corners across, from half a
/// nose-drop above the eyes to half a nose-drop below the nose.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceRegion {
    pub left: u32,
    pub top: u32,
    pub right: u32,
    pub bottom: u32,
}

impl FaceRegion {
    pub fn from_chip_landmarks(landmarks: &[Point; 5], chip_width: u32, chip_height: u32) -> Self {
        let eye_y = (landmarks[0].y + landmarks[1].y + landmarks[2].y + landmarks[3].y) / 4.0;
        let drop = (landmarks[4].y - eye_y).abs().max(1.0);
        let xs = landmarks.iter().map(|p| p.x);
        let min_x = xs.clone().fold(f64::INFINITY, f64::min);
        let max_x = xs.fold(f64::NEG_INFINITY, f64::max);
        let clamp_x = |v: f64| v.clamp(0.0, f64::from(chip_width.saturating_sub(1))) as u32;
        let clamp_y = |v: f64| v.clamp(0.0, f64::from(chip_height.saturating_sub(1))) as u32;
        Self {
            left: clamp_x(min_x),
            top: clamp_y(eye_y - 0.5 * drop),
            right: clamp_x(max_x),
            bottom: clamp_y(landmarks[4].y + 0.5 * drop),
        }
    }
}

/// The Laplacian variance that [`sharpness_score`] maps to 50.
pub const SHARPNESS_HALF_POINT: f64 = 60.0;

/// [`sharpness`] on 0–100: `100 · v / (v + 60)`. Monotonic, 0 for a flat
/// chip (and for NaN), 50 at `v = 60`. On the public test photos (raw →
/// score): small faces blown up to the chip (45–65 px high) measure 17–65
/// (22–52); large, in-focus portraits 76–90 (56–60, smooth skin lowers the
/// variance), 210 (78) and 1,200–1,300 (95–96, fine texture and JPEG
/// detail). So a gate around 50 refuses faces too small or soft to describe
/// well and keeps ordinary selfies, with room on both sides.
pub fn sharpness_score(variance: f64) -> f64 {
    if !variance.is_finite() || variance <= 0.0 {
        return 0.0;
    }
    (100.0 * variance / (variance + SHARPNESS_HALF_POINT)).clamp(0.0, 100.0)
}

/// Sharpness: the variance of the 3×3 Laplacian over the face region of the
/// grey chip. Computed on the aligned chip, so it is comparable across photos
/// whatever the face's size; a small face enlarged to the chip size scores
/// low, which is what a quality gate wants. Typical values on the test
/// photos are in `docs/face-engine.md`. Limits: noise and JPEG blocking raise
/// it; heavy make-up or a beard raise it a little.
pub fn sharpness(chip: &GrayImage, region: &FaceRegion) -> f64 {
    let (w, h) = (chip.width(), chip.height());
    if w < 3 || h < 3 {
        return 0.0;
    }
    let x0 = region.left.max(1);
    let x1 = region.right.min(w - 2);
    let y0 = region.top.max(1);
    let y1 = region.bottom.min(h - 2);
    let (mut sum, mut sum_sq, mut n) = (0.0f64, 0.0f64, 0usize);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let c = f64::from(chip.get(x, y));
            let lap = f64::from(chip.get(x - 1, y))
                + f64::from(chip.get(x + 1, y))
                + f64::from(chip.get(x, y - 1))
                + f64::from(chip.get(x, y + 1))
                - 4.0 * c;
            sum += lap;
            sum_sq += lap * lap;
            n += 1;
        }
    }
    if n == 0 {
        return 0.0;
    }
    let mean = sum / n as f64;
    (sum_sq / n as f64 - mean * mean).max(0.0)
}

/// Brightness on a 0–100 scale: the mean Rec. 601 luma of the face region of
/// the chip, divided by 2.55. Limits: a face lit from one side scores by its
/// average; strong backlight is only seen through a low value.
pub fn brightness(chip: &RgbImage, region: &FaceRegion) -> f64 {
    luma_stats(chip, region.left, region.top, region.right, region.bottom)
        .map_or(0.0, |stats| stats.mean / 2.55)
}

/// Mean and standard deviation of Rec. 601 luma over a box.
struct LumaStats {
    mean: f64,
    std: f64,
    pixels: usize,
}

/// Luma statistics over an inclusive box, clamped to the chip; `None` when
/// the box holds no pixel.
fn luma_stats(chip: &RgbImage, left: u32, top: u32, right: u32, bottom: u32) -> Option<LumaStats> {
    let right = right.min(chip.width().checked_sub(1)?);
    let bottom = bottom.min(chip.height().checked_sub(1)?);
    let (mut sum, mut sum_sq, mut pixels) = (0.0, 0.0, 0usize);
    for y in top..=bottom {
        for x in left..=right {
            let [r, g, b] = chip.get(x, y);
            let l = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
            sum += l;
            sum_sq += l * l;
            pixels += 1;
        }
    }
    if pixels == 0 {
        return None;
    }
    let mean = sum / pixels as f64;
    Some(LumaStats {
        mean,
        std: (sum_sq / pixels as f64 - mean * mean).max(0.0).sqrt(),
        pixels,
    })
}

/// Luma statistics of a box of `width × height` around `centre`, when it
/// holds at least 4 pixels.
fn patch_stats(chip: &RgbImage, centre: Point, width: f64, height: f64) -> Option<LumaStats> {
    let max_x = f64::from(chip.width()) - 1.0;
    let max_y = f64::from(chip.height()) - 1.0;
    let clamp_x = |v: f64| v.clamp(0.0, max_x) as u32;
    let clamp_y = |v: f64| v.clamp(0.0, max_y) as u32;
    luma_stats(
        chip,
        clamp_x(centre.x - width / 2.0),
        clamp_y(centre.y - height / 2.0),
        clamp_x(centre.x + width / 2.0),
        clamp_y(centre.y + height / 2.0),
    )
    .filter(|stats| stats.pixels >= 4)
}

/// Whether the eyes are hidden, e.g. by sunglasses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EyesOccluded {
    /// The indicator: `score >= 0.5`.
    pub value: bool,
    /// 0–1; how strongly the eye regions look like dark, flat lenses.
    pub score: f64,
}

/// Compares each eye's region with the cheek just below it. An open eye has
/// bright sclera and a dark iris: its luma spread is wide and its mean close
/// to the cheek's. A sunglass lens is dark and flat: its mean falls well
/// below the cheek's and its spread collapses. The score combines the two
/// (darkness ratio and texture ratio) for the darker-looking eye pair.
///
/// Limits: validated on synthetic lenses over real faces and on real faces
/// with and without clear glasses (none flagged), not on a labelled set of
/// real sunglasses; mirrored or light-tinted lenses may pass as eyes, and
/// closed eyes in deep shadow may score high. Treat it as a gate for
/// re-taking the selfie, not as evidence.
pub fn eyes_occluded(chip: &RgbImage, landmarks: &[Point; 5]) -> EyesOccluded {
    let mut scores = Vec::with_capacity(2);
    for (outer, inner) in [(landmarks[0], landmarks[1]), (landmarks[2], landmarks[3])] {
        let width = outer.distance(&inner).max(2.0);
        let centre = Point::new((outer.x + inner.x) / 2.0, (outer.y + inner.y) / 2.0);
        let eye = patch_stats(chip, centre, width * 1.1, width * 0.55);
        let cheek_centre = Point::new(centre.x, centre.y + width * 1.0);
        let cheek = patch_stats(chip, cheek_centre, width * 1.1, width * 0.5);
        let (Some(eye), Some(cheek)) = (eye, cheek) else {
            continue;
        };
        let darkness = 1.0 - (eye.mean / cheek.mean.max(1.0)).min(1.0);
        let flatness = 1.0 - (eye.std / (cheek.std.max(4.0) * 2.5)).min(1.0);
        // Lenses are both darker than the cheek and flat; either alone is an
        // ordinary eye in shadow or a pale eye.
        scores.push((darkness / 0.45).min(1.0) * flatness.max(0.0));
    }
    let score = if scores.is_empty() {
        0.0
    } else {
        scores.iter().sum::<f64>() / scores.len() as f64
    };
    EyesOccluded {
        value: score >= 0.5,
        score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(width: u32, height: u32, value: u8) -> RgbImage {
        RgbImage::from_raw(width, height, vec![value; (width * height * 3) as usize]).unwrap()
    }

    #[test]
    fn sharpness_and_brightness_of_flat_and_textured_chips() {
        let region = FaceRegion {
            left: 10,
            top: 10,
            right: 40,
            bottom: 40,
        };
        let grey = flat(50, 50, 128);
        assert_eq!(sharpness(&grey.to_gray(), &region), 0.0);
        assert!((brightness(&grey, &region) - 128.0 / 2.55).abs() < 0.01);
        let mut checker = flat(50, 50, 0);
        for y in 0..50 {
            for x in 0..50 {
                if (x + y) % 2 == 0 {
                    checker.put(x, y, [255, 255, 255]);
                }
            }
        }
        assert!(sharpness(&checker.to_gray(), &region) > 10_000.0);
        // Regions outside the chip are clamped, never a panic.
        let outside = FaceRegion {
            left: 45,
            top: 45,
            right: 400,
            bottom: 400,
        };
        assert!(sharpness(&checker.to_gray(), &outside) >= 0.0);
        assert!(brightness(&checker, &outside) >= 0.0);
    }

    #[test]
    fn sharpness_score_is_monotonic_and_bounded() {
        assert_eq!(sharpness_score(0.0), 0.0);
        assert_eq!(sharpness_score(f64::NAN), 0.0);
        assert!((sharpness_score(SHARPNESS_HALF_POINT) - 50.0).abs() < 1e-4);
        let mut last = 0.0;
        for v in [1.0, 10.0, 100.0, 1_000.0, 1e6, 1e12] {
            let s = sharpness_score(v);
            assert!(s > last && s <= 100.0, "{v} → {s}");
            last = s;
        }
    }

    #[test]
    fn dark_flat_lenses_are_flagged_and_textured_eyes_are_not() {
        let landmarks = [
            Point::new(110.0, 60.0),
            Point::new(88.0, 60.0),
            Point::new(40.0, 60.0),
            Point::new(62.0, 60.0),
            Point::new(75.0, 95.0),
        ];
        // Skin everywhere; eyes drawn as white sclera with a dark iris.
        let mut eyes = flat(150, 150, 170);
        for (cx, _) in [(99.0, 0), (51.0, 0)] {
            for y in 55..66 {
                for x in (cx as u32 - 11)..(cx as u32 + 11) {
                    let iris = (f64::from(x) - cx).abs() < 4.0;
                    eyes.put(x, y, if iris { [40, 30, 20] } else { [235, 235, 235] });
                }
            }
        }
        let open = eyes_occluded(&eyes, &landmarks);
        assert!(!open.value, "{open:?}");
        let mut lenses = flat(150, 150, 170);
        for (cx, _) in [(99.0, 0), (51.0, 0)] {
            for y in 52..70 {
                for x in (cx as u32 - 14)..(cx as u32 + 14) {
                    lenses.put(x, y, [25, 25, 30]);
                }
            }
        }
        let hidden = eyes_occluded(&lenses, &landmarks);
        assert!(hidden.value, "{hidden:?}");
    }
}

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

use serde::{Deserialize, Serialize};

use crate::geometry::Point;
use crate::image::{GrayImage, RgbImage};

/// Head pose in degrees, estimated from the 5 landmarks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pose {
    /// Turn left/right; positive when the face turns towards the image's right.
    pub yaw: f64,
    /// Nod up/down; positive when the chin goes down (face looks down).
    pub pitch: f64,
    /// In-plane tilt; positive when the face tilts clockwise in the image.
    pub roll: f64,
}

/// A mean face in millimetres, axes as the image's (x right, y down) and z
/// out of the face towards the camera. Typical adult proportions: outer eye
/// corners 90 mm apart and about 9 mm behind the inner corners (32 mm
/// apart), the base of the nose 45 mm below the eye line and 14 mm in front.
const MODEL_FACE: [[f64; 3]; 5] = [
    [45.0, 0.0, -9.0],
    [16.0, 0.0, 0.0],
    [-45.0, 0.0, -9.0],
    [-16.0, 0.0, 0.0],
    [0.0, 45.0, 14.0],
];

/// Estimates yaw, pitch and roll by fitting a scaled orthographic projection
/// of [`MODEL_FACE`] to the landmarks (least squares), then reading Euler
/// angles off the rotation.
///
/// Limits: five points, one of them off the eye plane, carry little depth
/// information. Roll is reliable to a degree or two; yaw to within about
/// 5–10° up to ±45°; pitch is the weakest, because faces differ in how far
/// the nose sits below the eyes — treat pitch within ±10° as frontal. Beyond
/// ±60° yaw the landmarks themselves are unreliable.
pub fn pose(landmarks: &[Point; 5]) -> Pose {
    let model_mean = mean3(&MODEL_FACE);
    let image_mean = Point::new(
        landmarks.iter().map(|p| p.x).sum::<f64>() / 5.0,
        landmarks.iter().map(|p| p.y).sum::<f64>() / 5.0,
    );
    // Normal equations of M (2x3) minimising sum |M P_i - p_i|^2.
    let mut ppt = [[0.0f64; 3]; 3];
    let mut xpt = [[0.0f64; 3]; 2];
    for (model, image) in MODEL_FACE.iter().zip(landmarks) {
        let p = [
            model[0] - model_mean[0],
            model[1] - model_mean[1],
            model[2] - model_mean[2],
        ];
        let q = [image.x - image_mean.x, image.y - image_mean.y];
        for r in 0..3 {
            for c in 0..3 {
                ppt[r][c] += p[r] * p[c];
            }
            xpt[0][r] += q[0] * p[r];
            xpt[1][r] += q[1] * p[r];
        }
    }
    let inv = invert3(&ppt);
    let mut rows = [[0.0f64; 3]; 2];
    for (row, x) in rows.iter_mut().zip(&xpt) {
        for c in 0..3 {
            row[c] = (0..3).map(|k| x[k] * inv[k][c]).sum();
        }
    }
    // Orthonormalise the two projected axes symmetrically, then complete the
    // rotation with their cross product.
    let r1 = normalise(rows[0]);
    let r2 = normalise(rows[1]);
    let sum_dir = normalise(add(r1, r2));
    let gap_dir = normalise(sub(r1, r2));
    let (a, b) = (
        normalise(add(sum_dir, gap_dir)),
        normalise(sub(sum_dir, gap_dir)),
    );
    let r3 = cross(a, b);
    // R = Rz(roll) * Ry(yaw) * Rx(tilt), rows a, b, r3. With y pointing
    // down, a positive rotation about z is clockwise in the image; a face
    // looking down is a negative rotation about x, reported as positive pitch.
    let yaw = (-r3[0]).clamp(-1.0, 1.0).asin();
    let tilt = r3[1].atan2(r3[2]);
    let roll = b[0].atan2(a[0]);
    Pose {
        yaw: yaw.to_degrees(),
        pitch: -tilt.to_degrees(),
        roll: roll.to_degrees(),
    }
}

fn mean3(points: &[[f64; 3]; 5]) -> [f64; 3] {
    let mut m = [0.0; 3];
    for p in points {
        for i in 0..3 {
            m[i] += p[i] / 5.0;
        }
    }
    m
}

fn invert3(m: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    // The model is not planar, so its scatter matrix is never singular.
    let d = 1.0 / det;
    [
        [
            (m[1][1] * m[2][2] - m[1][2] * m[2][1]) * d,
            (m[0][2] * m[2][1] - m[0][1] * m[2][2]) * d,
            (m[0][1] * m[1][2] - m[0][2] * m[1][1]) * d,
        ],
        [
            (m[1][2] * m[2][0] - m[1][0] * m[2][2]) * d,
            (m[0][0] * m[2][2] - m[0][2] * m[2][0]) * d,
            (m[0][2] * m[1][0] - m[0][0] * m[1][2]) * d,
        ],
        [
            (m[1][0] * m[2][1] - m[1][1] * m[2][0]) * d,
            (m[0][1] * m[2][0] - m[0][0] * m[2][1]) * d,
            (m[0][0] * m[1][1] - m[0][1] * m[1][0]) * d,
        ],
    ]
}

fn add(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn normalise(a: [f64; 3]) -> [f64; 3] {
    let n = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
    if n == 0.0 {
        a
    } else {
        [a[0] / n, a[1] / n, a[2] / n]
    }
}

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
    let (sum, n) = region_luma(chip, region.left, region.top, region.right, region.bottom);
    if n == 0 { 0.0 } else { sum / n as f64 / 2.55 }
}

/// Sum of Rec. 601 luma over an inclusive box (clamped) and its pixel count.
fn region_luma(chip: &RgbImage, left: u32, top: u32, right: u32, bottom: u32) -> (f64, usize) {
    let right = right.min(chip.width().saturating_sub(1));
    let bottom = bottom.min(chip.height().saturating_sub(1));
    let (mut sum, mut n) = (0.0, 0usize);
    for y in top..=bottom {
        for x in left..=right {
            let [r, g, b] = chip.get(x, y);
            sum += 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
            n += 1;
        }
    }
    (sum, n)
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

struct PatchStats {
    mean: f64,
    std: f64,
}

fn patch_stats(chip: &RgbImage, centre: Point, width: f64, height: f64) -> Option<PatchStats> {
    let max_x = f64::from(chip.width()) - 1.0;
    let max_y = f64::from(chip.height()) - 1.0;
    let left = (centre.x - width / 2.0).clamp(0.0, max_x) as u32;
    let right = (centre.x + width / 2.0).clamp(0.0, max_x) as u32;
    let top = (centre.y - height / 2.0).clamp(0.0, max_y) as u32;
    let bottom = (centre.y + height / 2.0).clamp(0.0, max_y) as u32;
    let (mut sum, mut sum_sq, mut n) = (0.0, 0.0, 0usize);
    for y in top..=bottom {
        for x in left..=right {
            let [r, g, b] = chip.get(x, y);
            let l = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
            sum += l;
            sum_sq += l * l;
            n += 1;
        }
    }
    if n < 4 {
        return None;
    }
    let mean = sum / n as f64;
    Some(PatchStats {
        mean,
        std: (sum_sq / n as f64 - mean * mean).max(0.0).sqrt(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Projects the model face rotated by (yaw, pitch, roll) orthographically.
    fn project(yaw: f64, pitch: f64, roll: f64) -> [Point; 5] {
        let (y, p, r) = (yaw.to_radians(), -pitch.to_radians(), roll.to_radians());
        let rx = [
            [1.0, 0.0, 0.0],
            [0.0, p.cos(), -p.sin()],
            [0.0, p.sin(), p.cos()],
        ];
        let ry = [
            [y.cos(), 0.0, y.sin()],
            [0.0, 1.0, 0.0],
            [-y.sin(), 0.0, y.cos()],
        ];
        let rz = [
            [r.cos(), -r.sin(), 0.0],
            [r.sin(), r.cos(), 0.0],
            [0.0, 0.0, 1.0],
        ];
        let mul = |a: [[f64; 3]; 3], b: [[f64; 3]; 3]| {
            let mut m = [[0.0; 3]; 3];
            for i in 0..3 {
                for j in 0..3 {
                    m[i][j] = (0..3).map(|k| a[i][k] * b[k][j]).sum();
                }
            }
            m
        };
        let rot = mul(rz, mul(ry, rx));
        MODEL_FACE.map(|v| {
            let x: f64 = (0..3).map(|k| rot[0][k] * v[k]).sum();
            let y: f64 = (0..3).map(|k| rot[1][k] * v[k]).sum();
            Point::new(200.0 + 1.3 * x, 150.0 + 1.3 * y)
        })
    }

    #[test]
    fn pose_recovers_synthetic_rotations() {
        for (yaw, pitch, roll) in [
            (0.0, 0.0, 0.0),
            (20.0, 0.0, 0.0),
            (-35.0, 0.0, 0.0),
            (0.0, 15.0, 0.0),
            (0.0, -12.0, 0.0),
            (0.0, 0.0, 25.0),
            (15.0, 10.0, -20.0),
        ] {
            let est = pose(&project(yaw, pitch, roll));
            assert!((est.yaw - yaw).abs() < 1.0, "yaw {yaw}: {est:?}");
            assert!((est.pitch - pitch).abs() < 1.0, "pitch {pitch}: {est:?}");
            assert!((est.roll - roll).abs() < 1.0, "roll {roll}: {est:?}");
        }
    }

    #[test]
    fn roll_sign_follows_the_image() {
        // Turn the frontal landmarks 10 degrees clockwise in the image plane
        // (y points down): the eye on the image's right ends up lower.
        let frontal = project(0.0, 0.0, 0.0);
        let (s, c) = 10f64.to_radians().sin_cos();
        let turned = frontal.map(|p| {
            let (x, y) = (p.x - 200.0, p.y - 150.0);
            Point::new(200.0 + c * x - s * y, 150.0 + s * x + c * y)
        });
        assert!(turned[0].y > turned[2].y);
        let est = pose(&turned);
        assert!((est.roll - 10.0).abs() < 0.5, "{est:?}");
    }

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

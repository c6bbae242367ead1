//! The 5-point shape predictor: dlib's cascade of regression trees
//! (Kazemi & Sullivan 2014) run exactly as dlib's `shape_predictor` runs it.
//!
//! The predictor starts from a mean shape placed in the face box and refines
//! it through a cascade of levels. Each level samples a few hundred pixel
//! intensities at positions defined relative to the current shape (so the
//! samples follow the face as the estimate moves), then every tree of the
//! level compares pairs of those intensities down to a leaf and adds the
//! leaf's correction to the shape.
//!
//! Landmarks must match dlib's to the pixel because face chips — and so
//! descriptors — are cut from them. Everything that can move a sampled pixel
//! is therefore reproduced with dlib's arithmetic: the similarity transform
//! between shapes (including its SVD), its narrowing to `f32`, the
//! single-precision sample positions and the box's affine map. The five
//! points are, in dlib's order: outer and inner corner of the image-left eye
//! (the subject's left eye), inner and outer corner of the image-right eye,
//! and the bottom of the nose.

mod model;
pub mod transform;

use crate::dlib::FormatError;
use crate::error::ModelError;
use crate::geometry::{Point, Rect};
use crate::image::{GrayImage, RgbImage};
use model::{Level, Model};
use transform::{AffineTransform, find_affine_transform, find_similarity_transform};

/// Name used in errors about this model.
const MODEL_NAME: &str = "shape_predictor_5_face_landmarks";

/// Number of landmarks the predictor produces.
pub const NUM_PARTS: usize = 5;

/// Images the predictor can sample: grey levels as dlib's
/// `get_pixel_intensity` defines them.
pub trait Intensity {
    fn width(&self) -> u32;
    fn height(&self) -> u32;
    /// Grey level at `(x, y)`, inside the image.
    fn intensity(&self, x: u32, y: u32) -> u8;
}

impl Intensity for RgbImage {
    fn width(&self) -> u32 {
        RgbImage::width(self)
    }

    fn height(&self) -> u32 {
        RgbImage::height(self)
    }

    /// dlib's grey level of an RGB pixel: the truncated mean `(r + g + b) / 3`.
    #[inline]
    fn intensity(&self, x: u32, y: u32) -> u8 {
        let [r, g, b] = self.get(x, y);
        ((u32::from(r) + u32::from(g) + u32::from(b)) / 3) as u8
    }
}

impl Intensity for GrayImage {
    fn width(&self) -> u32 {
        GrayImage::width(self)
    }

    fn height(&self) -> u32 {
        GrayImage::height(self)
    }

    #[inline]
    fn intensity(&self, x: u32, y: u32) -> u8 {
        self.get(x, y)
    }
}

/// dlib's 5-point face landmark predictor, loaded from its `.dat` file.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapePredictor {
    model: Model,
    /// The initial shape as points, the reference the sample positions are
    /// defined against.
    reference: Vec<Point>,
}

impl ShapePredictor {
    /// Reads `shape_predictor_5_face_landmarks.dat`. Fails with
    /// [`ModelError::Format`] on a corrupt file or a predictor that does not
    /// produce five landmarks.
    pub fn from_dat_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        let format = |source: FormatError| ModelError::Format {
            name: MODEL_NAME,
            source,
        };
        let model = model::parse(bytes).map_err(format)?;
        if model.initial_shape.len() != 2 * NUM_PARTS {
            return Err(format(FormatError::Invalid {
                offset: 0,
                what: "initial shape",
                detail: format!(
                    "{} landmarks, expected {NUM_PARTS}",
                    model.initial_shape.len() / 2
                ),
            }));
        }
        let reference = points_of(&model.initial_shape);
        Ok(Self { model, reference })
    }

    /// Predicts the five landmarks of the face in `face` (a detector box),
    /// in image coordinates with sub-pixel precision. dlib's Python API and
    /// `full_object_detection` hold these rounded: see [`round_parts`].
    pub fn predict(&self, image: &RgbImage, face: &Rect) -> [Point; NUM_PARTS] {
        self.predict_on(image, face)
    }

    /// [`ShapePredictor::predict`] on a grey image.
    pub fn predict_gray(&self, image: &GrayImage, face: &Rect) -> [Point; NUM_PARTS] {
        self.predict_on(image, face)
    }

    fn predict_on<I: Intensity>(&self, image: &I, face: &Rect) -> [Point; NUM_PARTS] {
        let to_image = unnormalizing_transform(face);
        let mut shape = self.model.initial_shape.clone();
        let mut pixels = Vec::new();
        for level in &self.model.levels {
            sample_pixels(
                image,
                &to_image,
                &self.reference,
                &shape,
                level,
                &mut pixels,
            );
            for tree in &level.trees {
                let splits = &level.splits[tree.splits.clone()];
                let mut node = 0usize;
                while let Some(split) = splits.get(node) {
                    let diff = pixels[split.idx1 as usize] - pixels[split.idx2 as usize];
                    node = if diff > split.thresh {
                        2 * node + 1
                    } else {
                        2 * node + 2
                    };
                }
                let start = tree.leaves + (node - splits.len()) * shape.len();
                let values = &level.leaves[start..start + shape.len()];
                for (s, v) in shape.iter_mut().zip(values) {
                    *s += v;
                }
            }
        }
        let mut parts = [Point::default(); NUM_PARTS];
        for (i, part) in parts.iter_mut().enumerate() {
            let p = Point::new(f64::from(shape[2 * i]), f64::from(shape[2 * i + 1]));
            *part = to_image.apply(p);
        }
        parts
    }
}

/// dlib's conversion of a floating-point point to its integer `point`:
/// `floor(v + 0.5)` per coordinate (halves round up, also when negative).
pub fn round_part(p: Point) -> (i64, i64) {
    (floor_i64(p.x + 0.5), floor_i64(p.y + 0.5))
}

/// `floor(v)` as an integer without a libm call (`f64::floor` is one on
/// baseline x86-64, and prediction rounds thousands of positions): truncate,
/// then step down for negative non-integers. Saturates like `as`.
#[inline]
fn floor_i64(v: f64) -> i64 {
    let t = v as i64;
    if (t as f64) > v { t - 1 } else { t }
}

/// The landmarks as dlib stores them in a `full_object_detection` (and its
/// Python API returns them): each coordinate rounded by [`round_part`]. dlib
/// cuts face chips from these rounded points, so pass them to
/// [`crate::chip::face_chip`] to reproduce dlib's chips.
pub fn round_parts(parts: &[Point; NUM_PARTS]) -> [Point; NUM_PARTS] {
    parts.map(|p| {
        let (x, y) = round_part(p);
        Point::new(x as f64, y as f64)
    })
}

fn points_of(shape: &[f32]) -> Vec<Point> {
    shape
        .chunks_exact(2)
        .map(|p| Point::new(f64::from(p[0]), f64::from(p[1])))
        .collect()
}

/// dlib's `unnormalizing_tform(rect)`: maps the unit square onto the box
/// (corners taken as `f32`, then fitted through the pseudo-inverse).
fn unnormalizing_transform(rect: &Rect) -> AffineTransform {
    let f = |v: i64| f64::from(v as f32);
    let from = [
        Point::new(0.0, 0.0),
        Point::new(1.0, 0.0),
        Point::new(1.0, 1.0),
    ];
    let to = [
        Point::new(f(rect.left), f(rect.top)),
        Point::new(f(rect.right), f(rect.top)),
        Point::new(f(rect.right), f(rect.bottom)),
    ];
    find_affine_transform(&from, &to)
}

/// dlib's `extract_feature_pixel_values`: the grey level at each of the
/// level's sample positions, placed relative to the current shape; 0 for
/// positions outside the image.
fn sample_pixels<I: Intensity>(
    image: &I,
    to_image: &AffineTransform,
    reference: &[Point],
    shape: &[f32],
    level: &Level,
    out: &mut Vec<f32>,
) {
    let current = points_of(shape);
    let sim = find_similarity_transform(reference, &current).m;
    let m = sim.map(|row| row.map(|v| v as f32));
    let (w, h) = (i64::from(image.width()), i64::from(image.height()));
    out.clear();
    out.extend(level.anchors.iter().zip(&level.deltas).map(|(&a, d)| {
        let a = a as usize;
        let x = m[0][0] * d[0] + m[0][1] * d[1] + shape[2 * a];
        let y = m[1][0] * d[0] + m[1][1] * d[1] + shape[2 * a + 1];
        let (px, py) = round_part(to_image.apply(Point::new(f64::from(x), f64::from(y))));
        if (0..w).contains(&px) && (0..h).contains(&py) {
            f32::from(image.intensity(px as u32, py as u32))
        } else {
            0.0
        }
    }));
}

#[cfg(test)]
mod tests;

//! The shape and chip reference fixture (`tests/fixtures/shape_reference.json`)
//! and the decoded photos it refers to.

// Each test binary uses a different part of these helpers.
#![allow(dead_code)]

use std::collections::HashMap;

use riv_face_engine::image::{DecodeLimits, RgbImage, decode};
use serde::Deserialize;

use super::support;

#[derive(Debug, Deserialize)]
pub struct Reference {
    pub faces: Vec<FaceRef>,
}

#[derive(Debug, Deserialize)]
pub struct FaceRef {
    /// Relative to the shared test data.
    pub path: String,
    /// SHA-256 of Pillow's decoded RGB bytes.
    pub pixels_sha256: String,
    pub width: u32,
    pub height: u32,
    /// dlib's HOG box, `[left, top, right, bottom]`.
    pub rect: [i64; 4],
    /// dlib's integer landmarks.
    pub landmarks: Vec<[i64; 2]>,
    pub chips: Vec<ChipRef>,
}

#[derive(Debug, Deserialize)]
pub struct ChipRef {
    pub size: u32,
    pub padding: f64,
    /// SHA-256 of dlib's chip, row-major RGB bytes.
    pub sha256: String,
}

impl Reference {
    pub fn load() -> Self {
        let path = support::crate_dir()
            .join("tests")
            .join("fixtures")
            .join("shape_reference.json");
        let text = std::fs::read_to_string(&path).unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

/// Decoded photos by path, with whether they equal Pillow's pixels.
#[derive(Default)]
pub struct PixelCache {
    images: HashMap<String, Option<(RgbImage, bool)>>,
}

/// The photo decoded by riv and whether its pixels are exactly the ones
/// dlib was given (the fixtures are made from riv's own decode, so they are
/// unless riv's decoder changed). `None` when the photo is missing.
pub fn load_pixels(face: &FaceRef, cache: &mut PixelCache) -> Option<(RgbImage, bool)> {
    cache
        .images
        .entry(face.path.clone())
        .or_insert_with(|| {
            let bytes = std::fs::read(support::fixture_image_path(&face.path)?).ok()?;
            let image = decode(&bytes, &DecodeLimits::default()).ok()?;
            let exact = support::sha256_hex(image.pixels()) == face.pixels_sha256;
            Some((image, exact))
        })
        .clone()
}

/// The faces of the shared descriptor fixtures (`tests/fixtures/dlib/
/// descriptors.json`) as [`FaceRef`]s: the same box, landmarks and 150×0.25
/// chip hash, for a second, larger set of photos.
pub fn descriptor_faces() -> Vec<FaceRef> {
    let fixtures = support::load_descriptor_fixtures();
    fixtures
        .faces()
        .map(|(image, face)| FaceRef {
            path: image.path.clone(),
            pixels_sha256: image.pixels_sha256.clone(),
            width: image.width,
            height: image.height,
            rect: face.rect,
            landmarks: face.landmarks.clone(),
            chips: vec![ChipRef {
                size: 150,
                padding: 0.25,
                sha256: face.chip_sha256.clone(),
            }],
        })
        .collect()
}

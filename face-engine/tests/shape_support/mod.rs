//! The shape and chip reference fixture (`tests/fixtures/shape_reference.json`)
//! and the decoded photos it refers to.

// Each test binary uses a different part of these helpers.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;

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

/// The photo's pixels and whether they are exactly the pixels dlib saw:
/// Pillow's raw bytes from `$RIV_RAW_PIXELS` when present, else riv's own
/// decode (exact when its hash matches). `None` when the photo is missing.
pub fn load_pixels(
    testdata: &Path,
    face: &FaceRef,
    cache: &mut PixelCache,
) -> Option<(RgbImage, bool)> {
    cache
        .images
        .entry(face.path.clone())
        .or_insert_with(|| {
            if let Some(dir) = std::env::var_os("RIV_RAW_PIXELS") {
                let raw = Path::new(&dir).join(format!("{}.rgb", face.pixels_sha256));
                if let Ok(bytes) = std::fs::read(raw) {
                    return RgbImage::from_raw(face.width, face.height, bytes)
                        .ok()
                        .map(|i| (i, true));
                }
            }
            let bytes = std::fs::read(testdata.join(&face.path)).ok()?;
            let limits = DecodeLimits {
                max_bytes: 64 << 20,
                max_pixels: 100_000_000,
                min_side: 1,
            };
            let image = decode(&bytes, &limits).ok()?;
            let exact = support::sha256_hex(image.pixels()) == face.pixels_sha256;
            Some((image, exact))
        })
        .clone()
}

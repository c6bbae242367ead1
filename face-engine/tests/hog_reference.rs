//! riv's HOG detector against dlib's own output on real photos.
//!
//! `tests/fixtures/hog_reference.json` holds every box dlib 20.0.1's
//! `get_frontal_face_detector().run(img, upsample, adjust_threshold)`
//! returned on chosen photos (made by `tools/dlib-reference/hog_reference.py`
//! on the pixels riv's decoder produces). The port must return the same
//! boxes, sub-detector indices and order; scores are the same floating-point
//! numbers, compared to 1e-9 only because the JSON round trip may move the
//! last bit.
//!
//! `tests/fixtures/dlib/descriptors.json` adds dlib's detection count and
//! largest box at upsample 1 for every lfw-dev-mini photo.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod hog_support;
mod support;

use riv_face_engine::hog::{Detection, HogDetector};
use riv_face_engine::image::{DecodeLimits, RgbImage, decode};
use riv_face_engine::models::sha256_hex;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Fixture {
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    path: String,
    pixels_sha256: String,
    color: String,
    upsample: u32,
    adjust_threshold: f64,
    /// `[left, top, right, bottom, score, detector_index]`
    detections: Vec<(i64, i64, i64, i64, f64, usize)>,
}

const SCORE_TOLERANCE: f64 = 1e-9;

fn fixture() -> Fixture {
    let path = support::crate_dir().join("tests/fixtures/hog_reference.json");
    let text = std::fs::read_to_string(&path).expect("read hog_reference.json");
    serde_json::from_str(&text).expect("parse hog_reference.json")
}

fn load(relative: &str) -> Option<RgbImage> {
    let path = support::require_testdata_file(relative)?;
    let bytes = std::fs::read(&path).expect("read photo");
    Some(decode(&bytes, &DecodeLimits::default()).expect("riv decodes the photo"))
}

fn run(detector: &HogDetector, case: &Case, rgb: &RgbImage) -> (String, Vec<Detection>) {
    if case.color == "gray" {
        let gray = rgb.to_gray();
        let sha = sha256_hex(gray.pixels());
        (
            sha,
            detector.detect(&gray, case.upsample, case.adjust_threshold),
        )
    } else {
        let sha = sha256_hex(rgb.pixels());
        (
            sha,
            detector.detect(rgb, case.upsample, case.adjust_threshold),
        )
    }
}

#[test]
fn boxes_scores_and_order_match_dlib() {
    let Some(detector) = hog_support::detector() else {
        return;
    };
    let fixture = fixture();
    let mut max_diff = 0.0f64;
    let mut boxes = 0;
    for case in &fixture.cases {
        let Some(rgb) = load(&case.path) else {
            return;
        };
        let label = format!(
            "{} ({}, upsample {}, adjust {})",
            case.path, case.color, case.upsample, case.adjust_threshold
        );
        let (sha, found) = run(&detector, case, &rgb);
        assert_eq!(
            sha, case.pixels_sha256,
            "{label}: riv decodes other pixels than the fixture was made from; \
             regenerate with tools/dlib-reference/hog_reference.py"
        );
        let ours: Vec<(i64, i64, i64, i64, usize)> = found
            .iter()
            .map(|d| {
                (
                    d.rect.left,
                    d.rect.top,
                    d.rect.right,
                    d.rect.bottom,
                    d.detector_index,
                )
            })
            .collect();
        let theirs: Vec<(i64, i64, i64, i64, usize)> = case
            .detections
            .iter()
            .map(|&(l, t, r, b, _, k)| (l, t, r, b, k))
            .collect();
        assert_eq!(ours, theirs, "{label}: boxes differ from dlib's");
        for (d, reference) in found.iter().zip(&case.detections) {
            let diff = (d.score - reference.4).abs();
            assert!(
                diff <= SCORE_TOLERANCE,
                "{label}: score {} vs dlib {}",
                d.score,
                reference.4
            );
            max_diff = max_diff.max(diff);
        }
        boxes += found.len();
    }
    eprintln!(
        "{} cases, {boxes} boxes identical to dlib's; max |score difference| {max_diff:e}",
        fixture.cases.len()
    );
}

#[test]
fn group_photo_has_every_face_and_the_empty_photo_none() {
    let Some(detector) = hog_support::detector() else {
        return;
    };
    let Some(group) = load("compreface-sample-images/sample_images/015_6.jpg") else {
        return;
    };
    assert_eq!(detector.detect(&group, 1, 0.0).len(), 6);
    let Some(empty) = load("compreface-sample-images/sample_images/017_0.jpg") else {
        return;
    };
    assert!(detector.detect(&empty, 0, 0.0).is_empty());
    assert!(detector.detect(&empty, 1, 0.0).is_empty());
}

#[test]
fn lfw_mini_detections_match_the_descriptor_fixtures() {
    let Some(detector) = hog_support::detector() else {
        return;
    };
    let Some(_) = support::require_testdata() else {
        return;
    };
    let fixtures = support::load_descriptor_fixtures();
    let mut checked = 0;
    for record in fixtures
        .images
        .iter()
        .filter(|r| r.path.starts_with("lfw-dev-mini/"))
    {
        let Some(rgb) = load(&record.path) else {
            return;
        };
        let found = detector.detect(&rgb, 1, 0.0);
        assert_eq!(
            found.len(),
            record.detections,
            "{}: number of faces",
            record.path
        );
        // The fixture keeps the largest box, ties to the topmost, leftmost.
        let largest = found
            .iter()
            .min_by_key(|d| (-d.rect.area(), d.rect.top, d.rect.left));
        match (largest, record.faces.first()) {
            (None, None) => {}
            (Some(d), Some(face)) => {
                let rect = [d.rect.left, d.rect.top, d.rect.right, d.rect.bottom];
                assert_eq!(rect, face.rect, "{}: largest box", record.path);
                assert_eq!(
                    d.detector_index, face.filter as usize,
                    "{}: filter",
                    record.path
                );
                assert!(
                    (d.score - face.score).abs() < 1e-6,
                    "{}: score",
                    record.path
                );
            }
            _ => panic!("{}: faces disagree", record.path),
        }
        checked += 1;
    }
    assert!(checked >= 250, "only {checked} lfw-dev-mini records");
    eprintln!("{checked} lfw-dev-mini photos: same faces as dlib at upsample 1");
}

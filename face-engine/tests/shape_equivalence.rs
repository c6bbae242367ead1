//! dlib's 5-point landmarks on real photos, compared with dlib 20.0.1's own
//! output: `tests/fixtures/shape_reference.json` (made by
//! `tools/dlib-reference/shape_chip_reference.py`) and the shared descriptor
//! fixtures (`tests/fixtures/dlib/descriptors.json`), numbers only.
//!
//! Both fixtures gave dlib the pixels riv's own decoder produces, so the
//! engines see identical input. Landmarks are computed from the same box
//! dlib used: rounded parts must equal dlib's exactly and sub-pixel parts
//! must lie within half a pixel of them. A photo that riv now decodes to
//! other pixels fails the test (the fixture must be regenerated), so the
//! comparison can never quietly stop covering it.

mod support;

#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod shape_support;

use riv_face_engine::geometry::Rect;
use riv_face_engine::shape::{ShapePredictor, round_parts};
use shape_support::{FaceRef, PixelCache, Reference, descriptor_faces, load_pixels};

fn predictor() -> Option<ShapePredictor> {
    let models = support::require_model_files(&[support::SHAPE_MODEL])?;
    support::require_testdata()?;
    let bytes = std::fs::read(models.join(support::SHAPE_MODEL)).ok()?;
    ShapePredictor::from_dat_bytes(&bytes).ok()
}

#[allow(clippy::print_stdout)]
fn check(label: &str, predictor: &ShapePredictor, faces: &[FaceRef]) {
    let mut cache = PixelCache::default();
    let (mut compared, mut decoder_differs, mut decoder_differs_same, mut missing) = (0, 0, 0, 0);
    let mut worst_float = 0.0f64;
    let mut mismatches = Vec::new();
    for face in faces {
        let Some((image, exact)) = load_pixels(face, &mut cache) else {
            missing += 1;
            continue;
        };
        let [l, t, r, b] = face.rect;
        let parts = predictor.predict(&image, &Rect::new(l, t, r, b));
        let rounded = round_parts(&parts);
        let same = rounded
            .iter()
            .zip(&face.landmarks)
            .all(|(p, want)| p.x as i64 == want[0] && p.y as i64 == want[1]);
        if !exact {
            decoder_differs += 1;
            decoder_differs_same += usize::from(same);
            continue;
        }
        compared += 1;
        for (p, want) in parts.iter().zip(&face.landmarks) {
            worst_float = worst_float
                .max((p.x - want[0] as f64).abs())
                .max((p.y - want[1] as f64).abs());
        }
        if !same {
            mismatches.push(format!(
                "{} {:?}: {:?} vs {:?}",
                face.path, face.rect, rounded, face.landmarks
            ));
        }
    }
    println!(
        "{label} landmarks: {compared} faces compared, {} rounded mismatches, \
         max |float - dlib| = {worst_float:.4} px; {missing} faces' photos missing",
        mismatches.len()
    );
    assert_eq!(
        decoder_differs, 0,
        "{label}: {decoder_differs} faces are on photos riv now decodes to other pixels than \
         the fixture was made from ({decoder_differs_same} still equal); regenerate the fixture"
    );
    assert!(
        mismatches.is_empty(),
        "{label} landmark mismatches:\n{}",
        mismatches.join("\n")
    );
    assert!(
        worst_float <= 0.5,
        "{label}: a sub-pixel landmark is {worst_float} px from dlib's"
    );
}

#[test]
fn landmarks_match_dlib_on_real_photos() {
    if let Some(predictor) = predictor() {
        check("shape_reference", &predictor, &Reference::load().faces);
    }
}

#[test]
fn landmarks_match_dlib_on_the_descriptor_fixtures() {
    if let Some(predictor) = predictor() {
        check("descriptors", &predictor, &descriptor_faces());
    }
}

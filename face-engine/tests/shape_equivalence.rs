//! dlib's 5-point landmarks on real photos, compared with dlib 20.0.1's own
//! output recorded in `tests/fixtures/shape_reference.json` (made by
//! `tools/dlib-reference/shape_chip_reference.py`: numbers only).
//!
//! Landmarks are computed from the same box dlib used. Rounded parts must
//! equal dlib's exactly and sub-pixel parts must lie within half a pixel of
//! them. Photos whose decoded pixels differ from Pillow's (riv's JPEG decoder
//! versus libjpeg) are counted and reported but not asserted: with
//! different pixels the comparison is no longer like for like. Setting
//! `RIV_RAW_PIXELS` to the folder `--dump-raw` filled compares on Pillow's
//! exact pixels instead.

mod support;

#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod shape_support;

use riv_face_engine::geometry::Rect;
use riv_face_engine::shape::{ShapePredictor, round_parts};
use shape_support::{Reference, load_pixels};

#[test]
#[allow(clippy::unwrap_used, clippy::print_stdout)]
fn landmarks_match_dlib_on_real_photos() {
    let Some(models) = support::require_model_files(&[support::SHAPE_MODEL]) else {
        return;
    };
    let Some(testdata) = support::require_testdata() else {
        return;
    };
    let predictor =
        ShapePredictor::from_dat_bytes(&std::fs::read(models.join(support::SHAPE_MODEL)).unwrap())
            .unwrap();
    let reference = Reference::load();
    let (mut compared, mut decoder_differs, mut decoder_differs_same, mut missing) = (0, 0, 0, 0);
    let mut worst_float = 0.0f64;
    let mut mismatches = Vec::new();
    let mut cache = shape_support::PixelCache::default();
    for face in &reference.faces {
        let Some((image, exact)) = load_pixels(&testdata, face, &mut cache) else {
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
        "landmarks: {compared} faces on identical pixels, {} rounded mismatches, \
         max |float - dlib| = {worst_float:.4} px; {decoder_differs} faces on photos \
         decoded differently ({decoder_differs_same} equal anyway), {missing} photos missing",
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "landmark mismatches:\n{}",
        mismatches.join("\n")
    );
    assert!(
        worst_float <= 0.5,
        "a sub-pixel landmark is {worst_float} px from dlib's"
    );
}

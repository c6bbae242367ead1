//! dlib's face chips on real photos, compared with the SHA-256 of the chips
//! dlib 20.0.1 cut: `tests/fixtures/shape_reference.json` (made by
//! `tools/dlib-reference/shape_chip_reference.py`, two chip settings) and
//! the shared descriptor fixtures (150 px, padding 0.25).
//!
//! Chips are cut from dlib's own integer landmarks, so this checks the chip
//! geometry, the pyramid and the interpolation independently of the shape
//! predictor. The large photos make dlib cut from `pyramid_down<2>` levels.
//! As in the landmark test, dlib was given riv's decoded pixels, and a photo
//! riv now decodes differently fails the test.

mod support;

#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod shape_support;

use riv_face_engine::chip::face_chip;
use riv_face_engine::geometry::Point;
use shape_support::{FaceRef, PixelCache, Reference, descriptor_faces, load_pixels};

#[allow(clippy::print_stdout)]
fn check(label: &str, faces: &[FaceRef]) {
    let mut cache = PixelCache::default();
    let (mut compared, mut decoder_differs, mut decoder_differs_same) = (0, 0, 0);
    let mut mismatches = Vec::new();
    for face in faces {
        let Some((image, exact)) = load_pixels(face, &mut cache) else {
            continue;
        };
        let parts: [Point; 5] = std::array::from_fn(|i| {
            Point::new(face.landmarks[i][0] as f64, face.landmarks[i][1] as f64)
        });
        for want in &face.chips {
            let chip = face_chip(&image, &parts, want.size, want.padding);
            let same = support::sha256_hex(chip.pixels()) == want.sha256;
            if exact {
                compared += 1;
                if !same {
                    mismatches.push(format!("{} {:?} size {}", face.path, face.rect, want.size));
                }
            } else {
                decoder_differs += 1;
                decoder_differs_same += usize::from(same);
            }
        }
    }
    println!(
        "{label} chips: {compared} chips compared, {} differ from dlib's",
        mismatches.len()
    );
    assert_eq!(
        decoder_differs, 0,
        "{label}: {decoder_differs} chips are on photos riv now decodes to other pixels than \
         the fixture was made from ({decoder_differs_same} still equal); regenerate the fixture"
    );
    assert!(
        mismatches.is_empty(),
        "{label} chips differing from dlib's:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn chips_match_dlib_on_real_photos() {
    if support::require_testdata().is_some() {
        check("shape_reference", &Reference::load().faces);
    }
}

#[test]
fn chips_match_dlib_on_the_descriptor_fixtures() {
    if support::require_testdata().is_some() {
        check("descriptors", &descriptor_faces());
    }
}

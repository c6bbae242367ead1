//! dlib's face chips on real photos, compared with the SHA-256 of the chips
//! dlib 20.0.1 cut (`tests/fixtures/shape_reference.json`, made by
//! `tools/dlib-reference/shape_chip_reference.py`).
//!
//! Chips are cut from dlib's own integer landmarks, so this checks the chip
//! geometry, the pyramid and the interpolation independently of the shape
//! predictor. The large photos make dlib cut from `pyramid_down<2>` levels.
//! As in the landmark test, photos riv decodes differently from Pillow are
//! reported, not asserted; `RIV_RAW_PIXELS` supplies Pillow's exact pixels.

mod support;

#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod shape_support;

use riv_face_engine::chip::face_chip;
use riv_face_engine::geometry::Point;
use shape_support::{PixelCache, Reference, load_pixels};

#[test]
#[allow(clippy::print_stdout)]
fn chips_match_dlib_on_real_photos() {
    let Some(testdata) = support::require_testdata() else {
        return;
    };
    let reference = Reference::load();
    let mut cache = PixelCache::default();
    let (mut compared, mut decoder_differs, mut decoder_differs_same) = (0, 0, 0);
    let mut mismatches = Vec::new();
    for face in &reference.faces {
        let Some((image, exact)) = load_pixels(&testdata, face, &mut cache) else {
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
        "chips: {compared} chips on identical pixels, {} differ from dlib's; \
         {decoder_differs} chips on photos decoded differently ({decoder_differs_same} equal anyway)",
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "chips differing from dlib's:\n{}",
        mismatches.join("\n")
    );
}

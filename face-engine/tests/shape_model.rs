//! The published `shape_predictor_5_face_landmarks.dat` through riv's reader:
//! it loads, predicts deterministically, and damaged copies of it are
//! rejected or still predict without panicking (the reader validates every
//! index a prediction uses).

mod support;

use riv_face_engine::error::ModelError;
use riv_face_engine::geometry::Rect;
use riv_face_engine::image::RgbImage;
use riv_face_engine::shape::ShapePredictor;

fn model_bytes() -> Option<Vec<u8>> {
    let dir = support::require_model_files(&[support::SHAPE_MODEL])?;
    std::fs::read(dir.join(support::SHAPE_MODEL)).ok()
}

fn face_like() -> RgbImage {
    let mut img = RgbImage::new(200, 200);
    for y in 0..200u32 {
        for x in 0..200u32 {
            let d = (x as i64 - 100).pow(2) + (y as i64 - 100).pow(2);
            let v = if d < 70 * 70 { 180 } else { 40 } as u8;
            let eye = ((x as i64 - 70).pow(2) + (y as i64 - 80).pow(2) < 100)
                || ((x as i64 - 130).pow(2) + (y as i64 - 80).pow(2) < 100);
            img.put(x, y, if eye { [20, 20, 20] } else { [v, v, v] });
        }
    }
    img
}

#[test]
#[allow(clippy::unwrap_used)]
fn the_published_model_loads_and_predicts_deterministically() {
    let Some(bytes) = model_bytes() else { return };
    let predictor = ShapePredictor::from_dat_bytes(&bytes).unwrap();
    let img = face_like();
    let rect = Rect::new(30, 30, 169, 169);
    let a = predictor.predict(&img, &rect);
    assert_eq!(a, predictor.predict(&img, &rect));
    // The points land in and around the box, eyes above the nose.
    for p in &a {
        assert!(
            p.x > 0.0 && p.x < 200.0 && p.y > 0.0 && p.y < 200.0,
            "{a:?}"
        );
    }
    assert!(a[4].y > a[0].y && a[4].y > a[2].y, "{a:?}");
    // Boxes partly or wholly outside the image are fine (samples read 0).
    let _ = predictor.predict(&img, &Rect::new(-500, -500, -300, -300));
    let _ = predictor.predict(&img, &Rect::new(150, 150, 400, 400));
    let _ = predictor.predict(&RgbImage::new(0, 0), &rect);
}

#[test]
fn damaged_copies_fail_cleanly_or_still_predict() {
    let Some(bytes) = model_bytes() else { return };
    // Truncations are always format errors.
    for i in 1..=10u64 {
        let cut = (bytes.len() as u64 * i / 11) as usize;
        assert!(
            matches!(
                ShapePredictor::from_dat_bytes(&bytes[..cut]),
                Err(ModelError::Format { .. })
            ),
            "cut at {cut}"
        );
    }
    // Flipped bytes either fail as format errors or give a predictor whose
    // indices were all validated, so predicting cannot panic.
    let img = face_like();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut damaged = bytes.clone();
        let at = (state % damaged.len() as u64) as usize;
        damaged[at] ^= 0x5a;
        match ShapePredictor::from_dat_bytes(&damaged) {
            Ok(predictor) => {
                let _ = predictor.predict(&img, &Rect::new(30, 30, 169, 169));
            }
            Err(e) => assert!(matches!(e, ModelError::Format { .. }), "{e}"),
        }
    }
}

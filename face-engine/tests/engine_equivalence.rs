//! The engine against dlib itself, through the recorded reference outputs
//! (`tests/fixtures/dlib/`, numbers produced by dlib 20.0.1 on the same
//! decoded pixels; regenerate with `tools/dlib-reference/make_fixtures.py`):
//!
//! - on every recorded face (≥ 200), given dlib's landmarks, the descriptor's
//!   cosine similarity with dlib's is ≥ 0.9999;
//! - given dlib's box, our landmarks round to dlib's and lie within 0.5 px;
//! - the whole pipeline (detect, landmarks, chip, descriptor) makes dlib's
//!   same/different decision at 0.6 on every pair of `pairs_mini.tsv`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod support;

use riv_face_engine::{Descriptor, EngineConfig, FaceEngine, Point, Rect, RgbImage};

/// The engine in dlib's exact configuration: no relaxed retry, no turning.
fn dlib_equivalent_engine() -> Option<FaceEngine> {
    let dir = support::require_models()?;
    let mut config = EngineConfig::with_model_dir(dir);
    config.detection.fallback_threshold = None;
    config.detection.try_rotations = false;
    Some(FaceEngine::load(config).unwrap())
}

fn load(engine: &FaceEngine, path: &str) -> Option<RgbImage> {
    let file = support::fixture_image_path(path)?;
    Some(engine.decode(&std::fs::read(file).unwrap()).unwrap())
}

#[test]
fn descriptors_and_landmarks_equal_dlibs_on_every_recorded_face() {
    let Some(engine) = dlib_equivalent_engine() else {
        return;
    };
    if support::require_testdata().is_none() {
        return;
    }
    let fixtures = support::load_descriptor_fixtures();
    let (mut faces, mut worst_cosine, mut worst_landmark) = (0usize, 1.0f64, 0.0f64);
    for image in &fixtures.images {
        let Some(pixels) = load(&engine, &image.path) else {
            continue;
        };
        for face in &image.faces {
            let [l, t, r, b] = face.rect;
            let dlib_points: [Point; 5] = std::array::from_fn(|i| {
                Point::new(face.landmarks[i][0] as f64, face.landmarks[i][1] as f64)
            });
            let ours = engine.landmarks(&pixels, &Rect::new(l, t, r, b));
            for (o, d) in ours.iter().zip(&dlib_points) {
                let gap = (o.x - d.x).abs().max((o.y - d.y).abs());
                worst_landmark = worst_landmark.max(gap);
                assert!(gap <= 0.5, "{}: landmark {o:?} vs dlib {d:?}", image.path);
            }
            let descriptor = engine.descriptor(&pixels, &dlib_points).unwrap();
            let dlib = Descriptor(face.descriptor.clone().try_into().unwrap());
            let cosine = descriptor.cosine(&dlib);
            worst_cosine = worst_cosine.min(cosine);
            assert!(cosine >= 0.9999, "{}: cosine {cosine}", image.path);
            faces += 1;
        }
    }
    eprintln!(
        "{faces} faces: worst cosine {worst_cosine:.9}, worst landmark gap {worst_landmark:.4} px"
    );
    assert!(faces >= 200, "only {faces} recorded faces could be checked");
}

#[test]
fn every_pairs_mini_decision_equals_dlibs() {
    let Some(engine) = dlib_equivalent_engine() else {
        return;
    };
    let fixtures = support::load_pair_fixtures();
    let describe = |path: &str| -> Option<Option<Descriptor>> {
        let image = load(&engine, path)?;
        Some(engine.analyze_largest(&image).ok().map(|f| f.descriptor))
    };
    let mut checked = 0;
    for pair in &fixtures.pairs {
        let (Some(a), Some(b)) = (describe(&pair.a), describe(&pair.b)) else {
            support::require_testdata_file(&pair.a);
            return;
        };
        let ours = a
            .zip(b)
            .map(|(a, b)| a.distance(&b) < fixtures.header.threshold);
        assert_eq!(ours, pair.dlib_same, "{} / {}", pair.a, pair.b);
        if let (Some(a), Some(b), Some(d)) = (a, b, pair.distance) {
            assert!((a.distance(&b) - d).abs() < 1e-3, "{} / {}", pair.a, pair.b);
        }
        checked += 1;
    }
    assert_eq!(checked, 100);
}

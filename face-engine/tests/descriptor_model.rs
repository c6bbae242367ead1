//! The descriptor network on the real model file: it loads, has dlib's
//! architecture, and gives deterministic, finite output on a chip-sized
//! synthetic image. Agreement with dlib on real photos is checked by the
//! shared reference-fixture tests.
//!
//! The model comes from `RIV_MODEL_DIR` (default `~/.cache/riv/models`);
//! without it the tests print why and pass, except under `CI=true`, where a
//! missing model is a failure (see `support`).

// Test helpers fail loudly, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::panic)]

mod support;

use std::path::PathBuf;

use riv_face_engine::ModelError;
use riv_face_engine::image::RgbImage;
use riv_face_engine::models::ModelFileError;
use riv_face_engine::nn::{CHIP_SIZE, DESCRIPTOR_MODEL_NAME, DescriptorNet};
use support::{RECOGNITION_MODEL, require_model_files};

const DETECTOR_MODEL: &str = "mmod_human_face_detector.dat";

fn model_path() -> Option<PathBuf> {
    require_model_files(&[RECOGNITION_MODEL]).map(|dir| dir.join(RECOGNITION_MODEL))
}

fn load() -> Option<DescriptorNet> {
    Some(DescriptorNet::load(&model_path()?).unwrap())
}

/// A 150×150 image with smooth gradients and a face-like blob: not a face,
/// but it exercises every channel and value range.
fn synthetic_chip(seed: u32) -> RgbImage {
    let mut img = RgbImage::new(CHIP_SIZE, CHIP_SIZE);
    for y in 0..CHIP_SIZE {
        for x in 0..CHIP_SIZE {
            let (dx, dy) = (x as i32 - 75, y as i32 - 70);
            let blob = if dx * dx * 4 / 3 + dy * dy < 55 * 55 {
                90
            } else {
                0
            };
            img.put(
                x,
                y,
                [
                    ((x * 7 + seed * 13) % 160 + blob) as u8,
                    ((y * 5 + x + seed) % 140 + blob / 2) as u8,
                    ((x * y / 90 + seed * 3) % 200) as u8,
                ],
            );
        }
    }
    img
}

#[test]
fn model_loads_and_gives_deterministic_finite_descriptors() {
    let Some(net) = load() else { return };
    let chips: Vec<_> = (0..3).map(synthetic_chip).collect();
    let first = net.descriptor(&chips[0]).unwrap();
    assert_eq!(net.descriptor(&chips[0]).unwrap(), first);
    assert!(first.iter().all(|v| v.is_finite()));
    let norm = first.iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!(norm > 0.1 && norm < 10.0, "norm {norm}");

    // Batched results equal the single ones up to the summation order of
    // differently shaped matrix products.
    let batch = net.descriptors(&chips).unwrap();
    assert_eq!(batch.len(), 3);
    for (chip, b) in chips.iter().zip(&batch) {
        let single = net.descriptor(chip).unwrap();
        for (s, b) in single.iter().zip(b) {
            assert!((s - b).abs() < 1e-5, "{s} vs {b}");
        }
    }
    // Different images give different descriptors.
    assert_ne!(batch[0], batch[1]);
    // One thread or many: the same network, the same numbers.
    let single_thread = DescriptorNet::load(&model_path().unwrap())
        .unwrap()
        .with_threads(1)
        .descriptor(&chips[0])
        .unwrap();
    for (a, b) in single_thread.iter().zip(&first) {
        assert!((a - b).abs() < 1e-5);
    }
    assert!(net.descriptors(&[]).unwrap().is_empty());
}

#[test]
fn shared_between_threads() {
    fn assert_sync<T: Send + Sync>() {}
    assert_sync::<DescriptorNet>();
    let Some(net) = load() else { return };
    let chip = synthetic_chip(5);
    let expected = net.descriptor(&chip).unwrap();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| s.spawn(|| net.descriptor(&chip).unwrap()))
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), expected);
        }
    });
}

#[test]
fn rejects_chips_of_the_wrong_size() {
    let Some(net) = load() else { return };
    let err = net.descriptor(&RgbImage::new(151, 150)).unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
    let err = net
        .descriptors(&[synthetic_chip(0), RgbImage::new(150, 149)])
        .unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
}

#[test]
fn corrupt_or_wrong_models_are_named_errors() {
    let Some(path) = model_path() else {
        return;
    };
    let bytes = std::fs::read(&path).unwrap();
    let err = DescriptorNet::from_dat_bytes(&bytes[..bytes.len() / 2]).unwrap_err();
    assert!(
        matches!(err, ModelError::Format { name, .. } if name == DESCRIPTOR_MODEL_NAME),
        "{err}"
    );
    assert!(err.to_string().contains("riv models fetch"));
    // The detector is a valid dlib network, but not this architecture.
    let mmod = path.with_file_name(DETECTOR_MODEL);
    if mmod.is_file() {
        let err = DescriptorNet::from_dat_bytes(&std::fs::read(mmod).unwrap()).unwrap_err();
        assert!(err.to_string().contains("network architecture"), "{err}");
    }
    let missing = DescriptorNet::load(&path.with_file_name("no_such_model.dat")).unwrap_err();
    assert!(matches!(
        missing,
        ModelError::File(ModelFileError::Missing { .. })
    ));
}

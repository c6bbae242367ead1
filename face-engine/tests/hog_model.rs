//! The HOG detector's weights, decoded from dlib's own source.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod hog_support;
mod support;

use riv_face_engine::dlib::compress::serialized_detector_from_header;
use riv_face_engine::hog::HogDetector;
use riv_face_engine::models::{Model, ModelFile, sha256_hex};

#[test]
fn header_decompresses_to_the_recorded_detector_file() {
    let Some(text) = hog_support::header_text() else {
        // `riv models fetch` decodes the header with this same code and
        // checks the result against the recorded hash: the installed file
        // is the evidence when the header itself is not kept.
        let Some(dir) = support::require_model_files(&[Model::HogDetector.file_name()]) else {
            return;
        };
        let bytes = std::fs::read(dir.join(Model::HogDetector.file_name())).unwrap();
        assert_eq!(sha256_hex(&bytes), Model::HogDetector.sha256());
        eprintln!(
            "note: dlib's frontal_face_detector.h is not in the model folder; checked the installed file"
        );
        return;
    };
    let bytes = serialized_detector_from_header(&text).expect("decompress the header");
    assert_eq!(bytes.len(), 155_005);
    assert_eq!(sha256_hex(&bytes), Model::HogDetector.sha256());
}

#[test]
fn detector_has_dlibs_configuration() {
    let Some(detector) = hog_support::detector() else {
        return;
    };
    assert_eq!(detector.num_detectors(), 5);
    let config = detector.config();
    assert_eq!(config.cell_size, 8);
    assert_eq!(config.padding, 0);
    assert_eq!((config.window_width, config.window_height), (80, 80));
    assert_eq!(config.filter_size(), (10, 10));
    assert_eq!(config.max_pyramid_levels, 1000);
    assert_eq!(config.min_pyramid_layer_width, 64);
    assert_eq!(config.nuclear_norm_regularization_strength, 9.0);
    let counts: Vec<usize> = (0..5)
        .map(|i| detector.filter_bank(i).unwrap().separable.len())
        .collect();
    eprintln!("separable filters per sub-detector: {counts:?}");
    // What dlib's build_fhog_filterbank keeps (singular values of at least
    // 0.1% of the largest): fewer than the training log in the header lists,
    // because the log counts before its final thresholding. Bit-identical
    // scores against dlib rest on these being the same parts.
    assert_eq!(counts, vec![61, 58, 54, 66, 66]);
    for i in 0..5 {
        assert!(!detector.filter_bank(i).unwrap().prefers_full_filters());
    }
}

#[test]
fn corrupt_models_are_errors() {
    assert!(HogDetector::from_serialized(&[]).is_err());
    assert!(HogDetector::from_serialized(b"\x01\x02garbage").is_err());
    assert!(HogDetector::from_dlib_header("no payload here").is_err());
    assert!(HogDetector::from_dlib_header("sout << \"AAAA\";\n").is_err());
    let Some(text) = hog_support::header_text() else {
        return;
    };
    let bytes = serialized_detector_from_header(&text).unwrap();
    for cut in [1, 10, 100, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            HogDetector::from_serialized(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
}

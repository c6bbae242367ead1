//! Helpers of the HOG detector's integration tests, on top of the shared
//! `support` module: loading the detector.

// Each test binary uses a different part of these helpers.
#![allow(dead_code)]

use riv_face_engine::hog::HogDetector;
use riv_face_engine::models::{Model, ModelFile};

use super::support;

/// dlib's header text, if it was put in the model folder.
pub fn header_text() -> Option<String> {
    let dir = support::model_dir()?;
    std::fs::read_to_string(dir.join("frontal_face_detector.h")).ok()
}

/// The detector, from dlib's header when it is in the model folder
/// (exercising the decompressor), else from the decompressed file
/// `riv models fetch` installs; a skip (a failure under CI) when neither is.
pub fn detector() -> Option<HogDetector> {
    if let Some(text) = header_text() {
        return match HogDetector::from_dlib_header(&text) {
            Ok(detector) => Some(detector),
            Err(e) => support::skip(&format!("dlib's header does not load: {e}")),
        };
    }
    let dir = support::require_model_files(&[Model::HogDetector.file_name()])?;
    let bytes = std::fs::read(dir.join(Model::HogDetector.file_name())).ok()?;
    match HogDetector::from_serialized(&bytes) {
        Ok(detector) => Some(detector),
        Err(e) => support::skip(&format!("the installed HOG detector does not load: {e}")),
    }
}

//! Where the tests' inputs live, and what happens when one is missing.
//!
//! - Models (the face engine's and the OCR's): `$RIV_MODEL_DIR`, else the
//!   user cache folder's `riv/models`.
//! - Public photos (fetched by `tools/public-photos/fetch.py`):
//!   `$RIV_PUBLIC_PHOTOS`, else the user cache folder's `riv/public-photos`.
//! - Shared test data: `$RIV_TESTDATA`, else `../shared/testdata` next to
//!   the workspace.
//!
//! The `require_*` functions return the path, or print why the test is
//! skipped and return `None`; under `CI=true` a missing input panics, so CI
//! can never pass by skipping.

use std::path::{Path, PathBuf};

use riv_document_engine::models::{ModelFile, OcrModel, OcrModelDir};

/// The model files the face engine loads.
pub const MODEL_FILES: [&str; 3] = [
    "frontal_face_detector.dat",
    "shape_predictor_5_face_landmarks.dat",
    "dlib_face_recognition_resnet_model_v1.dat",
];

/// True under CI (`CI=true` or `CI=1`): missing inputs fail, never skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Reports a missing input: a panic under CI, else a printed skip reason.
/// Always `None`, so callers can `return skip(..)`.
pub fn skip<T>(reason: &str) -> Option<T> {
    let test = std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_owned();
    if in_ci() {
        panic!("{test}: {reason} (CI=true: missing inputs fail instead of skipping)");
    }
    eprintln!("SKIPPED {test}: {reason}");
    None
}

/// The workspace root (this crate's parent folder).
pub fn workspace_root() -> PathBuf {
    let krate = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    krate
        .parent()
        .map_or_else(|| krate.clone(), Path::to_path_buf)
}

fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn cache_dir(name: &str) -> PathBuf {
    dirs::cache_dir()
        .unwrap_or_else(|| PathBuf::from(".cache"))
        .join("riv")
        .join(name)
}

/// The model folder holding every file the face engine loads and every
/// OCR model the document engine loads (checksums verified), or a skip.
pub fn require_models() -> Option<PathBuf> {
    let dir = env_dir("RIV_MODEL_DIR").unwrap_or_else(|| cache_dir("models"));
    let ocr = OcrModelDir::new(&dir);
    let missing: Vec<&str> = MODEL_FILES
        .into_iter()
        .filter(|f| !std::fs::metadata(dir.join(f)).is_ok_and(|m| m.is_file() && m.len() > 0))
        .chain(
            OcrModel::ALL
                .into_iter()
                .filter(|m| !ocr.is_valid(*m))
                .map(OcrModel::file_name),
        )
        .collect();
    if missing.is_empty() {
        return Some(dir);
    }
    skip(&format!(
        "model file(s) {} missing from {}; run `make setup` or set RIV_MODEL_DIR",
        missing.join(", "),
        dir.display()
    ))
}

/// One public photo (`obama.jpg`, `t1.jpg`, ...), or a skip.
pub fn require_photo(name: &str) -> Option<PathBuf> {
    let dir = env_dir("RIV_PUBLIC_PHOTOS").unwrap_or_else(|| cache_dir("public-photos"));
    let path = dir.join(name);
    if path.is_file() {
        return Some(path);
    }
    skip(&format!(
        "public photo {} missing; run `make photos` or set RIV_PUBLIC_PHOTOS",
        path.display()
    ))
}

/// Every photo in `names`, or a skip naming the first one missing.
pub fn require_photos<const N: usize>(names: [&str; N]) -> Option<[PathBuf; N]> {
    let mut paths = Vec::with_capacity(N);
    for name in names {
        paths.push(require_photo(name)?);
    }
    paths.try_into().ok()
}

/// The shared test data folder, if present (no skip message).
pub fn testdata_dir() -> Option<PathBuf> {
    let dir = env_dir("RIV_TESTDATA")
        .unwrap_or_else(|| workspace_root().join("..").join("shared").join("testdata"));
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

fn testdata_file(relative: &str) -> Option<PathBuf> {
    let path = testdata_dir()?.join(relative);
    path.exists().then_some(path)
}

/// A file or folder inside the shared test data that only adds cases to a
/// test: `None` (with a note) when absent, the test going on without them;
/// a panic under CI, which always has the shared data.
pub fn extra_testdata(relative: &str) -> Option<PathBuf> {
    match testdata_file(relative) {
        Some(path) => Some(path),
        None if in_ci() => {
            panic!("shared test data {relative} not found (CI=true: missing inputs fail)")
        }
        None => {
            eprintln!("shared test data {relative} not found: its cases are left out");
            None
        }
    }
}

/// A file or folder inside the shared test data, or a skip.
pub fn require_testdata(relative: &str) -> Option<PathBuf> {
    match testdata_file(relative) {
        Some(path) => Some(path),
        None => skip(&format!(
            "shared test data {relative} not found: set RIV_TESTDATA or place the \
             shared test data in ../shared/testdata next to the workspace"
        )),
    }
}

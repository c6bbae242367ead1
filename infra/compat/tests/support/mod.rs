//! Shared helpers for riv-compat's integration tests: where the models and
//! the public photos are, and the skip logic of the face engine's tests
//! (a missing input skips with its reason, or fails under `CI=true`).
//!
//! Environment: `RIV_MODEL_DIR` and `RIV_PUBLIC_PHOTOS` override the default
//! folders under `${XDG_CACHE_HOME:-~/.cache}/riv`.

#![allow(dead_code, clippy::panic, clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub mod endpoint;

/// The model files the endpoint loads.
pub const MODEL_FILES: [&str; 3] = [
    "frontal_face_detector.dat",
    "shape_predictor_5_face_landmarks.dat",
    "dlib_face_recognition_resnet_model_v1.dat",
];

/// The workspace root (the folder holding the workspace `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    let krate = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    krate
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|toml| toml.contains("[workspace]"))
        })
        .map_or_else(|| krate.join("../.."), Path::to_path_buf)
}

/// True when running under CI (`CI=true`): missing inputs fail, never skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn cache_root() -> PathBuf {
    env_dir("XDG_CACHE_HOME")
        .or_else(|| env_dir("HOME").map(|home| home.join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"))
        .join("riv")
}

/// `$RIV_MODEL_DIR`, else `${XDG_CACHE_HOME:-~/.cache}/riv/models`, if it exists.
pub fn model_dir() -> Option<PathBuf> {
    let dir = env_dir("RIV_MODEL_DIR").unwrap_or_else(|| cache_root().join("models"));
    dir.is_dir().then_some(dir)
}

/// `$RIV_PUBLIC_PHOTOS`, else `${XDG_CACHE_HOME:-~/.cache}/riv/public-photos`, if it exists.
pub fn public_photos_dir() -> Option<PathBuf> {
    let dir = env_dir("RIV_PUBLIC_PHOTOS").unwrap_or_else(|| cache_root().join("public-photos"));
    dir.is_dir().then_some(dir)
}

fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_owned()
}

/// Report a missing input: panic under CI, else print the skip reason.
pub fn skip<T>(reason: &str) -> Option<T> {
    if in_ci() {
        panic!(
            "{}: {reason} (CI=true: missing inputs fail instead of skipping)",
            test_name()
        );
    }
    eprintln!("SKIPPED {}: {reason}", test_name());
    None
}

/// The model folder holding every model the endpoint loads, or a skip.
pub fn require_models() -> Option<PathBuf> {
    let hint = "run `make setup` (riv models fetch) or set RIV_MODEL_DIR";
    let Some(dir) = model_dir() else {
        return skip(&format!("model folder not found; {hint}"));
    };
    let missing: Vec<&str> = MODEL_FILES
        .iter()
        .copied()
        .filter(|f| !std::fs::metadata(dir.join(f)).is_ok_and(|m| m.is_file() && m.len() > 0))
        .collect();
    if missing.is_empty() {
        Some(dir)
    } else {
        skip(&format!(
            "model file(s) {} missing from {}; {hint}",
            missing.join(", "),
            dir.display()
        ))
    }
}

/// The public photos' pinned SHA-256s, from `tools/public-photos/checksums.txt`.
fn public_photo_checksums() -> BTreeMap<String, String> {
    let path = workspace_root()
        .join("tools")
        .join("public-photos")
        .join("checksums.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('#').next()?.split_whitespace().collect();
            (fields.first() == Some(&"photo") && fields.len() >= 3)
                .then(|| (fields[2].to_owned(), fields[1].to_owned()))
        })
        .collect()
}

/// One public photo's bytes, present and matching its pinned checksum, or a skip.
pub fn require_public_photo(name: &str) -> Option<Vec<u8>> {
    let hint = "run `make photos` (python3 tools/public-photos/fetch.py)";
    let Some(want) = public_photo_checksums().get(name).cloned() else {
        panic!("{name} is not a known public photo (see tools/public-photos/checksums.txt)");
    };
    let Some(dir) = public_photos_dir() else {
        return skip(&format!("public photos not fetched; {hint}"));
    };
    let path = dir.join(name);
    match std::fs::read(&path) {
        Ok(bytes) if sha256_hex(&bytes) == want => Some(bytes),
        Ok(_) => skip(&format!(
            "{} does not match its checksum; {hint}",
            path.display()
        )),
        Err(_) => skip(&format!("{} missing; {hint}", path.display())),
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

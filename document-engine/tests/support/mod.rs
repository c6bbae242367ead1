//! Shared helpers for document-engine's integration tests and benchmarks.
//!
//! Include with `mod support;` from a file in `document-engine/tests/`
//! (benchmarks: `#[path = "../tests/support/mod.rs"] mod support;`).
//!
//! - Where the shared test photos live ([`testdata_dir`]); the `require_*`
//!   variants print why a test is skipped and return `None`, or fail under
//!   `CI=true` so CI can never pass by skipping.
//! - [`aamva`]: a test-only writer of AAMVA DL/ID barcode payloads.
//! - [`fixtures`]: the generated licence set and its degradations.
//! - [`render`]: PDF417 symbols drawn at a given module width, and the
//!   degradations a camera adds (blur, tilt, noise, JPEG).
//!
//! Environment: `RIV_TESTDATA` overrides the shared test photos folder;
//! `CI=true` turns skips into panics.

// Each test binary uses a different subset of these helpers, and failing
// loudly (panicking) is how a test helper reports broken fixtures.
#![allow(dead_code, clippy::panic, clippy::expect_used, clippy::unwrap_used)]

pub mod aamva;
pub mod fixtures;
pub mod render;

use std::path::{Path, PathBuf};

/// The document-engine crate's own folder.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace root (the folder holding the workspace `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    let krate = crate_dir();
    krate
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|toml| toml.contains("[workspace]"))
        })
        .map_or_else(|| krate.join(".."), Path::to_path_buf)
}

/// True when running under CI (`CI=true`): missing inputs fail, never skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// The shared test photos: `$RIV_TESTDATA`, else `../shared/testdata` next
/// to the workspace. `None` when the folder does not exist.
pub fn testdata_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RIV_TESTDATA")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("..").join("shared").join("testdata"));
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_owned()
}

/// Report a missing input: panic under CI, else print the skip reason.
/// Always returns `None` so callers can `return skip(..)`.
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

/// A file inside the shared test photos, or a skip (a panic under CI).
pub fn require_testdata_file(relative: &str) -> Option<PathBuf> {
    let Some(root) = testdata_dir() else {
        return skip(
            "shared test photos not found: set RIV_TESTDATA or place them in \
             ../shared/testdata next to the workspace",
        );
    };
    let path = root.join(relative);
    if path.exists() {
        Some(path)
    } else {
        skip(&format!(
            "test data file {relative} missing from {}",
            root.display()
        ))
    }
}

/// Opens an image from the shared test photos, or a skip.
pub fn require_testdata_image(relative: &str) -> Option<image::DynamicImage> {
    let path = require_testdata_file(relative)?;
    Some(image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

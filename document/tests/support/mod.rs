//! Shared helpers for riv-document's integration tests: where the shared
//! test data lives, and skipping (or, under `CI=true`, failing) when it is
//! absent.

// Each test binary uses a different subset of these helpers, and failing
// loudly (panicking) is how a test helper reports broken fixtures.
#![allow(dead_code, clippy::panic, clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// True when running under CI (`CI=true`): missing inputs fail, never skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// The workspace root (the folder holding the workspace `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    let krate = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    krate
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|toml| toml.contains("[workspace]"))
        })
        .map_or_else(|| krate.join(".."), Path::to_path_buf)
}

/// The shared test data: `$RIV_TESTDATA`, else `../shared/testdata` next to
/// the workspace.
pub fn testdata_dir() -> PathBuf {
    std::env::var_os("RIV_TESTDATA")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/testdata"))
}

/// The file at `relative` under `id-documents/` of the shared test data, or
/// `None` after printing why the test is skipped (a panic under CI).
pub fn require_id_document(relative: &str) -> Option<PathBuf> {
    let path = testdata_dir().join("id-documents").join(relative);
    if path.is_file() {
        return Some(path);
    }
    let why = format!(
        "{} is missing (set RIV_TESTDATA to the shared test data)",
        path.display()
    );
    if in_ci() {
        panic!("{why}");
    }
    eprintln!("skipped: {why}");
    None
}

/// The text of [`require_id_document`]'s file.
pub fn read_id_document(relative: &str) -> Option<String> {
    require_id_document(relative)
        .map(|p| std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

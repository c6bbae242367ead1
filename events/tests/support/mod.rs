//! Helpers shared by the integration tests: fixture paths and a small JSON
//! Schema checker.

#![allow(dead_code)] // each test crate uses its own subset

pub mod json_schema;

use std::path::{Path, PathBuf};

/// `events/fixtures/{rel}`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// The bytes of a fixture, or a panic naming it.
pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fixture parsed as JSON.
pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(path))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The names of the files in a fixture folder, sorted.
pub fn files_in(rel: &str) -> Vec<String> {
    let dir = fixture(rel);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The generated JSON Schema named `name` (a file name in `docs/schemas/`).
pub fn schema(name: &str) -> serde_json::Value {
    let (_, text) = riv_events::schema::all()
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no schema named {name}"));
    serde_json::from_str(&text).unwrap()
}

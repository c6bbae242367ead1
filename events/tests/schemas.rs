//! The committed JSON Schemas in `docs/schemas/` are exactly what
//! `riv_events::schema::all()` generates. `RIV_BLESS=1` rewrites them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::collections::BTreeSet;
use std::path::PathBuf;

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/schemas")
}

fn blessing() -> bool {
    std::env::var("RIV_BLESS").is_ok_and(|v| v == "1")
}

#[test]
fn committed_schemas_match_the_generated_ones() {
    let dir = schemas_dir();
    let generated = riv_events::schema::all();
    if blessing() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let stale = path.extension().is_some_and(|e| e == "json")
                && !generated
                    .iter()
                    .any(|(name, _)| path.file_name().is_some_and(|f| f == *name));
            if stale {
                std::fs::remove_file(&path).unwrap();
            }
        }
        for (name, text) in &generated {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    for (name, text) in &generated {
        let path = dir.join(name);
        let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run `RIV_BLESS=1 cargo test -p riv-events --test schemas`",
                path.display()
            )
        });
        assert!(
            committed == *text,
            "{} differs from the generated schema; if the change is intended, run \
             `RIV_BLESS=1 cargo test -p riv-events --test schemas` and commit the result",
            path.display()
        );
    }
    let expected: BTreeSet<String> = generated.iter().map(|(n, _)| (*n).to_owned()).collect();
    let present: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    assert_eq!(
        present, expected,
        "docs/schemas/ holds schema files the crate does not generate"
    );
}

#[test]
fn generated_schemas_are_json_with_unique_names() {
    let generated = riv_events::schema::all();
    let names: BTreeSet<&str> = generated.iter().map(|(n, _)| *n).collect();
    assert_eq!(names.len(), generated.len(), "duplicate schema file names");
    for (name, text) in &generated {
        assert!(name.ends_with(".schema.json"), "{name}");
        assert!(text.ends_with('\n'), "{name} lacks a final newline");
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert!(value.get("$schema").is_some(), "{name} has no $schema");
    }
}

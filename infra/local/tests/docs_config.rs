//! Keeps `docs/configuration.md` honest: every key of the settings file
//! (`riv.toml`, [`LocalFileConfig`]) and every `RIV_*` environment variable
//! the command line reads must be documented there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use riv_local::config::LocalFileConfig;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn configuration_md() -> String {
    let path = workspace().join("docs/configuration.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Dotted paths of every leaf key of a JSON object (arrays are leaves).
fn leaf_keys(prefix: &str, value: &serde_json::Value, out: &mut Vec<String>) {
    let serde_json::Value::Object(map) = value else {
        out.push(prefix.to_owned());
        return;
    };
    for (key, child) in map {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        leaf_keys(&path, child, out);
    }
}

#[test]
fn every_settings_key_is_documented() {
    let text = configuration_md();
    let value = serde_json::to_value(LocalFileConfig::default()).unwrap();
    let mut keys = Vec::new();
    leaf_keys("", &value, &mut keys);
    assert!(keys.len() >= 30, "fewer keys than expected: {keys:?}");
    let missing: Vec<&String> = keys
        .iter()
        .filter(|key| !text.contains(&format!("`{key}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/configuration.md lacks these riv.toml keys: {missing:?}"
    );
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The `RIV_[A-Z0-9_]+` names in `text`.
fn env_vars(text: &str, out: &mut BTreeSet<String>) {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(found) = text[at..].find("RIV_") {
        let start = at + found;
        let mut end = start + "RIV_".len();
        while end < bytes.len()
            && (bytes[end].is_ascii_uppercase()
                || bytes[end].is_ascii_digit()
                || bytes[end] == b'_')
        {
            end += 1;
        }
        let boundary =
            start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        if boundary && end > start + "RIV_".len() {
            out.insert(text[start..end].trim_end_matches('_').to_owned());
        }
        at = end;
    }
}

#[test]
fn every_environment_variable_of_the_cli_and_the_aws_processes_is_documented() {
    let mut files = Vec::new();
    rust_files(&workspace().join("cli/src"), &mut files);
    rust_files(&workspace().join("infra/lambda/src"), &mut files);
    let mut vars = BTreeSet::new();
    for file in &files {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        env_vars(&text, &mut vars);
    }
    for expected in ["RIV_DATA_DIR", "RIV_LISTEN", "RIV_CONFIG", "RIV_LOG"] {
        assert!(
            vars.contains(expected),
            "{expected} not found in cli/src: {vars:?}"
        );
    }
    let text = configuration_md();
    let missing: Vec<&String> = vars
        .iter()
        .filter(|var| !text.contains(&format!("`{var}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/configuration.md lacks these environment variables: {missing:?}"
    );
}

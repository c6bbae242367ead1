//! Keeps the documentation honest: every reason code and every
//! configuration key the engine has must be documented.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use riv_face_engine::{EngineConfig, EngineError};

fn doc(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_reason_code_is_documented() {
    let text = doc("reason-codes.md");
    for code in EngineError::ALL_CODES {
        assert!(
            text.contains(&format!("`{code}`")),
            "docs/reason-codes.md lacks `{code}`"
        );
    }
}

/// Dotted paths of every leaf key of a JSON object.
fn keys(prefix: &str, value: &serde_json::Value, out: &mut Vec<String>) {
    if let serde_json::Value::Object(map) = value {
        for (k, v) in map {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            if v.is_object() {
                keys(&path, v, out);
            } else {
                out.push(path);
            }
        }
    }
}

#[test]
fn every_engine_config_key_is_documented() {
    let text = doc("face-engine.md");
    let config = serde_json::to_value(EngineConfig::with_model_dir("/models")).unwrap();
    let mut all = Vec::new();
    keys("", &config, &mut all);
    assert!(all.len() >= 10, "{all:?}");
    for key in all {
        assert!(
            text.contains(&format!("`{key}`")),
            "docs/face-engine.md lacks `{key}`"
        );
    }
}

//! Keeps `docs/reason-codes.md` honest: every reason code an outcome can
//! carry must be documented there, as `code` in backticks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use riv_events::ReasonCode;

#[test]
fn every_pipeline_reason_code_is_documented() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/reason-codes.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let missing: Vec<&str> = ReasonCode::ALL
        .iter()
        .map(|code| code.as_str())
        .filter(|code| !text.contains(&format!("`{code}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/reason-codes.md lacks these reason codes: {missing:?}"
    );
}

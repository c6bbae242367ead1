//! Keeps `docs/events.md` honest: every event type, outcome kind, stage,
//! workflow, envelope field, manifest field, limit and schema file the crate
//! has must be documented there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod support;

use riv_events::manifest::{
    MANIFEST_FILE, MAX_MANIFEST_BYTES, MAX_PROPERTIES, MAX_PROPERTY_NAME, MAX_PROPERTY_VALUE,
    REQUESTS_PREFIX,
};
use riv_events::{OutcomeKind, PipelineEvent, Stage, Workflow};
use serde_json::Value;
use support::schema;

fn events_md() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/events.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_documented(text: &str, what: &str, names: impl IntoIterator<Item = String>) {
    let missing: Vec<String> = names
        .into_iter()
        .filter(|name| !text.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/events.md lacks these {what}: {missing:?}"
    );
}

/// The property names a schema (or one of its `$defs`) gives an object.
fn property_names(schema: &Value, pointer: &str) -> Vec<String> {
    schema
        .pointer(pointer)
        .and_then(Value::as_object)
        .unwrap_or_else(|| panic!("no properties at {pointer}"))
        .keys()
        .cloned()
        .collect()
}

#[test]
fn every_event_type_is_documented() {
    let text = events_md();
    let mut types: Vec<String> = PipelineEvent::TYPES
        .iter()
        .map(|t| (*t).to_owned())
        .collect();
    types.push("outcome".into());
    types.push("rollback.requested".into());
    assert_documented(&text, "event types", types);
}

#[test]
fn every_outcome_kind_stage_and_workflow_is_documented() {
    let text = events_md();
    assert_documented(
        &text,
        "outcome kinds",
        OutcomeKind::ALL.iter().map(|k| k.as_str().to_owned()),
    );
    assert_documented(
        &text,
        "stages",
        Stage::ALL.iter().map(|s| s.as_str().to_owned()),
    );
    assert_documented(
        &text,
        "workflows",
        Workflow::ALL.iter().map(|w| w.as_str().to_owned()),
    );
}

#[test]
fn every_envelope_field_is_documented() {
    let text = events_md();
    for name in [
        "pipeline-event.schema.json",
        "outcome.schema.json",
        "rollback-command.schema.json",
    ] {
        let mut fields = property_names(&schema(name), "/properties");
        fields.extend(["type".to_owned(), "detail".to_owned()]);
        assert_documented(&text, "envelope fields", fields);
    }
}

#[test]
fn every_body_field_is_documented() {
    let text = events_md();
    let pipeline = schema("pipeline-event.schema.json");
    for def in [
        "RequestContext",
        "Findings",
        "QualityReport",
        "SearchReport",
        "MatchReport",
        "IndexedFace",
        "BoundingBox",
        "Pose",
    ] {
        assert_documented(
            &text,
            def,
            property_names(&pipeline, &format!("/$defs/{def}/properties")),
        );
    }
    let outcome = schema("outcome.schema.json");
    for def in ["Outcome", "Measurement"] {
        assert_documented(
            &text,
            def,
            property_names(&outcome, &format!("/$defs/{def}/properties")),
        );
    }
    let rollback = schema("rollback-command.schema.json");
    assert_documented(
        &text,
        "rollback command fields",
        property_names(&rollback, "/$defs/RollbackCommand/properties"),
    );
    assert_documented(
        &text,
        "effect kinds",
        ["face_indexed".to_owned(), "profile_created".to_owned()],
    );
    assert_documented(
        &text,
        "match methods",
        ["one_to_one".to_owned(), "one_to_n".to_owned()],
    );
}

#[test]
fn the_manifest_and_its_limits_are_documented() {
    let text = events_md();
    let manifest = schema("request-manifest.schema.json");
    assert_documented(
        &text,
        "manifest fields",
        property_names(&manifest, "/properties"),
    );
    assert_documented(
        &text,
        "image fields",
        property_names(&manifest, "/$defs/ImageKeys/properties")
            .into_iter()
            .map(|f| format!("images.{f}")),
    );
    assert!(text.contains(&format!(
        "`{REQUESTS_PREFIX}/{{request_id}}/{MANIFEST_FILE}`"
    )));
    for (constant, value) in [
        ("MAX_MANIFEST_BYTES", MAX_MANIFEST_BYTES),
        ("MAX_PROPERTIES", MAX_PROPERTIES),
        ("MAX_PROPERTY_NAME", MAX_PROPERTY_NAME),
        ("MAX_PROPERTY_VALUE", MAX_PROPERTY_VALUE),
    ] {
        let row = format!("| `{constant}` | {value} |");
        assert!(
            text.contains(&row),
            "docs/events.md lacks the limit row {row:?}"
        );
    }
}

#[test]
fn every_schema_file_is_documented_and_linked() {
    let text = events_md();
    for (name, _) in riv_events::schema::all() {
        let link = format!("(schemas/{name})");
        assert!(
            text.contains(&link),
            "docs/events.md does not link schemas/{name}"
        );
    }
    assert!(
        text.contains("(reason-codes.md)"),
        "docs/events.md does not link reason-codes.md"
    );
}

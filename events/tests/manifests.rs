//! Request manifests from `fixtures/manifest/`: the valid ones read, the
//! invalid ones are refused with the reason code `index.json` records.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod support;

use std::collections::BTreeSet;

use riv_events::manifest::{MAX_MANIFEST_BYTES, MAX_PROPERTIES};
use riv_events::{ReasonCode, RequestManifest, Workflow};
use serde_json::Value;
use support::{files_in, fixture, json, json_schema, read, schema};

fn index() -> Value {
    json(&fixture("manifest/index.json"))
}

fn entries<'a>(index: &'a Value, group: &str) -> Vec<(&'a String, &'a Value)> {
    index[group]
        .as_object()
        .unwrap_or_else(|| panic!("index.json has no {group:?} object"))
        .iter()
        .collect()
}

fn parse_reason(name: &str) -> ReasonCode {
    ReasonCode::ALL
        .into_iter()
        .find(|code| code.as_str() == name)
        .unwrap_or_else(|| panic!("index.json names an unknown reason code {name:?}"))
}

#[test]
fn the_index_lists_every_fixture_and_nothing_else() {
    let index = index();
    for group in ["valid", "invalid"] {
        let listed: BTreeSet<String> = entries(&index, group)
            .into_iter()
            .map(|(name, _)| name.clone())
            .collect();
        let present: BTreeSet<String> =
            files_in(&format!("manifest/{group}")).into_iter().collect();
        assert_eq!(listed, present, "manifest/index.json vs manifest/{group}/");
    }
}

#[test]
fn valid_manifests_read() {
    let index = index();
    let mut workflows = BTreeSet::new();
    for (name, entry) in entries(&index, "valid") {
        let key = entry["key"].as_str().unwrap();
        let bytes = read(&fixture(&format!("manifest/valid/{name}")));
        let manifest = RequestManifest::parse(key, &bytes)
            .unwrap_or_else(|e| panic!("valid/{name} is refused: {e}"));
        assert_eq!(
            RequestManifest::key_for(&manifest.request_id).as_str(),
            key,
            "valid/{name}"
        );
        assert_eq!(
            RequestManifest::request_id_of_key(key),
            Some(manifest.request_id.clone())
        );
        // What serialises back is the same document.
        let original: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(
            serde_json::to_value(&manifest).unwrap(),
            original,
            "valid/{name}"
        );
        workflows.insert(manifest.workflow);
    }
    for workflow in Workflow::ALL {
        assert!(
            workflows.contains(&workflow),
            "no valid manifest for {workflow}"
        );
    }
}

#[test]
fn valid_manifests_carry_what_their_names_say() {
    let read_valid = |name: &str| {
        let index = index();
        let key = index["valid"][name]["key"].as_str().unwrap().to_owned();
        RequestManifest::parse(&key, &read(&fixture(&format!("manifest/valid/{name}")))).unwrap()
    };
    let idcard = read_valid("register-idcard.json");
    assert_eq!(idcard.workflow, Workflow::RegisterIdcard);
    assert!(idcard.images.document_front.is_some() && idcard.images.document_back.is_some());
    assert_eq!(idcard.images.all().len(), 3);
    assert!(read_valid("register-with-liveness.json").liveness.is_some());
    assert!(
        !read_valid("register-with-properties.json")
            .properties
            .is_empty()
    );
    assert!(read_valid("register.json").properties.is_empty());
}

#[test]
fn invalid_manifests_are_refused_with_their_reason() {
    let index = index();
    for (name, entry) in entries(&index, "invalid") {
        let key = entry["key"].as_str().unwrap();
        let expected = parse_reason(entry["reason"].as_str().unwrap());
        let bytes = read(&fixture(&format!("manifest/invalid/{name}")));
        match RequestManifest::parse(key, &bytes) {
            Ok(_) => panic!("invalid/{name} was accepted"),
            Err(err) => {
                assert_eq!(err.code, expected, "invalid/{name}: {err}");
                let part = entry["message"].as_str().unwrap();
                assert!(
                    err.message.contains(part),
                    "invalid/{name} is refused for another reason: {err}"
                );
            }
        }
    }
}

#[test]
fn an_oversized_manifest_is_refused_unread() {
    let index = index();
    let key = index["valid"]["register.json"]["key"].as_str().unwrap();
    let mut bytes = read(&fixture("manifest/valid/register.json"));
    bytes.resize(MAX_MANIFEST_BYTES, b' ');
    assert!(
        RequestManifest::parse(key, &bytes).is_ok(),
        "whitespace up to the limit is fine"
    );
    bytes.push(b' ');
    let err = RequestManifest::parse(key, &bytes).unwrap_err();
    assert_eq!(err.code, ReasonCode::InvalidManifest);
}

#[test]
fn properties_up_to_the_limit_are_accepted() {
    let index = index();
    let key = index["valid"]["register.json"]["key"].as_str().unwrap();
    let mut value = json(&fixture("manifest/valid/register.json"));
    let properties: serde_json::Map<String, Value> = (0..MAX_PROPERTIES)
        .map(|i| (format!("p{i:02}"), Value::from("x")))
        .collect();
    value["properties"] = Value::Object(properties);
    let bytes = serde_json::to_vec(&value).unwrap();
    assert!(RequestManifest::parse(key, &bytes).is_ok());
}

#[test]
fn valid_manifests_satisfy_the_schema() {
    let schema = schema("request-manifest.schema.json");
    let index = index();
    for (name, _) in entries(&index, "valid") {
        let errors =
            json_schema::validate(&schema, &json(&fixture(&format!("manifest/valid/{name}"))));
        assert!(errors.is_empty(), "valid/{name}:\n{}", errors.join("\n"));
    }
    // Those whose fault is one of shape, the schema refuses too.
    for name in [
        "unknown-field.json",
        "unknown-image-field.json",
        "unknown-workflow.json",
        "missing-selfie.json",
        "schema-version-missing.json",
        "schema-version-string.json",
    ] {
        let errors = json_schema::validate(
            &schema,
            &json(&fixture(&format!("manifest/invalid/{name}"))),
        );
        assert!(!errors.is_empty(), "the schema accepts invalid/{name}");
    }
}

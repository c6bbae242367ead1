//! Golden wire files: every pipeline event type, every outcome kind and the
//! rollback command, as hand-written JSON in `fixtures/events/`. Each must
//! read through `Envelope::from_slice`, write back to the same JSON, and
//! satisfy its generated JSON Schema.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod support;

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use riv_events::outcome::OutcomeBody;
use riv_events::rollback::RollbackBody;
use riv_events::{
    Envelope, EnvelopeError, EventId, OutcomeKind, PipelineEvent, ReasonCode, RequestId, Stage,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use support::{files_in, fixture, json, json_schema, read, schema};

/// Reads a golden file as `Envelope<B>` and checks it writes back to the
/// same JSON value.
fn round_trip<B: Serialize + DeserializeOwned>(path: &Path) -> Envelope<B> {
    let bytes = read(path);
    let envelope = Envelope::<B>::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("{} does not read: {e}", path.display()));
    let original: Value = serde_json::from_slice(&bytes).unwrap();
    let written: Value = serde_json::from_slice(&envelope.to_vec()).unwrap();
    assert_eq!(
        written,
        original,
        "{} does not write back to the same JSON",
        path.display()
    );
    envelope
}

fn assert_valid(schema_name: &str, path: &Path) {
    let errors = json_schema::validate(&schema(schema_name), &json(path));
    assert!(
        errors.is_empty(),
        "{} breaks {schema_name}:\n{}",
        path.display(),
        errors.join("\n")
    );
}

fn pipeline_file(type_name: &str) -> std::path::PathBuf {
    fixture(&format!("events/pipeline/{type_name}.json"))
}

#[test]
fn every_pipeline_event_type_has_a_golden_file_that_round_trips() {
    let expected: BTreeSet<String> = PipelineEvent::TYPES
        .iter()
        .map(|t| format!("{t}.json"))
        .collect();
    let present: BTreeSet<String> = files_in("events/pipeline").into_iter().collect();
    assert_eq!(present, expected, "one golden file per pipeline event type");

    for type_name in PipelineEvent::TYPES {
        let path = pipeline_file(type_name);
        let envelope = round_trip::<PipelineEvent>(&path);
        let event = &envelope.body;
        let context = event.context();
        let meta = &envelope.meta;
        assert_eq!(event.type_name(), type_name, "{}", path.display());
        assert_eq!(meta.stage, event.emitted_by(), "{}", path.display());
        assert_eq!(
            PipelineEvent::passed_by(meta.stage, context.clone()).as_ref(),
            Some(event),
            "{}",
            path.display()
        );
        assert_eq!(
            meta.correlation_id,
            context.request_id,
            "{}",
            path.display()
        );
        assert_eq!(meta.workflow, Some(context.workflow), "{}", path.display());
        assert_eq!(meta.received_at, context.received_at, "{}", path.display());
        assert!(meta.attempt >= 1, "{}", path.display());
        assert!(meta.occurred_at >= meta.received_at, "{}", path.display());
        for image in context.images.all() {
            assert!(
                image.is_under(&format!("requests/{}", context.request_id)),
                "{}: {image}",
                path.display()
            );
        }
    }
}

#[test]
fn pipeline_findings_accumulate_stage_by_stage() {
    let findings = |t: &str| {
        round_trip::<PipelineEvent>(&pipeline_file(t))
            .body
            .into_context()
            .findings
    };
    assert_eq!(findings("request.accepted"), Default::default());
    assert!(findings("quality.passed").quality.is_some());
    assert!(
        findings("duplicate_search.passed")
            .duplicate_search
            .is_some()
    );
    assert!(findings("face_match.passed").face_match.is_some());
    assert!(findings("face.indexed").indexed.is_some());
    assert!(!findings("profile.written").user_faces.is_empty());
}

#[test]
fn every_outcome_kind_has_a_golden_file_that_round_trips() {
    let mut kinds = HashSet::new();
    let files = files_in("events/outcome");
    for name in &files {
        let path = fixture(&format!("events/outcome/{name}"));
        let envelope = round_trip::<OutcomeBody>(&path);
        let outcome = envelope.outcome();
        kinds.insert(outcome.outcome);
        assert!(
            name.starts_with(outcome.outcome.as_str()),
            "{name} holds a {} outcome",
            outcome.outcome
        );
        if outcome.outcome.is_success() {
            assert!(outcome.reason.is_none(), "{name}: success with a reason");
            assert!(outcome.user_id.is_some(), "{name}: success without a user");
        } else {
            assert!(outcome.reason.is_some(), "{name}: no reason");
        }
        if matches!(
            outcome.outcome,
            OutcomeKind::Registered | OutcomeKind::Updated
        ) {
            assert!(!outcome.face_ids.is_empty(), "{name}: no face_ids");
        }
        if envelope.meta.workflow.is_none() {
            assert_eq!(envelope.meta.stage, Stage::Intake, "{name}");
            assert_eq!(outcome.reason, Some(ReasonCode::InvalidManifest), "{name}");
        }
    }
    for kind in OutcomeKind::ALL {
        assert!(kinds.contains(&kind), "no golden outcome of kind {kind}");
    }
    let failed = round_trip::<OutcomeBody>(&fixture("events/outcome/failed.json"));
    let measured = failed
        .outcome()
        .measured
        .as_ref()
        .expect("failed.json has `measured`");
    assert!(measured.value < measured.limit);
}

#[test]
fn rollback_commands_round_trip() {
    let files = files_in("events/rollback");
    assert!(files.contains(&"rollback.requested.json".to_owned()));
    for name in &files {
        assert!(name.starts_with("rollback.requested"), "{name}");
        let path = fixture(&format!("events/rollback/{name}"));
        let envelope = round_trip::<RollbackBody>(&path);
        let command = envelope.command();
        match command.reason {
            // Undoing a failed request: something to undo.
            Some(_) => assert!(!command.effects.is_empty() || !command.delete_objects.is_empty()),
            // Cleaning up after a request that succeeded: objects only.
            None => {
                assert!(command.effects.is_empty(), "{name}");
                assert!(!command.delete_objects.is_empty(), "{name}");
            }
        }
        for key in &command.delete_objects {
            assert!(
                key.is_under(&format!("requests/{}", envelope.meta.correlation_id)),
                "{name}: {key}"
            );
        }
    }
}

#[test]
fn golden_event_ids_descend_from_the_request() {
    // The ids of one request's events, as each stage derives them from its
    // input's metadata: `{stage}/{label}` under the input's id.
    let meta = |rel: &str| json(&fixture(rel));
    let id = |value: &Value| EventId(value["event_id"].as_str().unwrap().parse().unwrap());
    let accepted = meta("events/pipeline/request.accepted.json");
    let request = RequestId::parse(accepted["correlation_id"].as_str().unwrap()).unwrap();
    let root = EventId::for_request(&request);
    let mut parent = root.derive("intake/passed");
    assert_eq!(id(&accepted), parent);
    for (file, label) in [
        ("events/pipeline/quality.passed.json", "quality/passed"),
        (
            "events/pipeline/duplicate_search.passed.json",
            "duplicate_search/passed",
        ),
        ("events/pipeline/id_match.passed.json", "id_match/passed"),
        ("events/pipeline/face.indexed.json", "index/passed"),
    ] {
        let next = parent.derive(label);
        assert_eq!(id(&meta(file)), next, "{file}");
        parent = next;
    }
    let indexed = parent;
    assert_eq!(
        id(&meta("events/pipeline/profile.written.json")),
        indexed.derive("profile_write/passed")
    );
    assert_eq!(
        id(&meta("events/outcome/registered.json")),
        indexed.derive("profile_write/outcome")
    );
    let broken = meta("events/outcome/failed-invalid-manifest.json");
    let broken_request = RequestId::parse(broken["correlation_id"].as_str().unwrap()).unwrap();
    assert_eq!(
        id(&broken),
        EventId::for_request(&broken_request).derive("intake/outcome")
    );
}

#[test]
fn golden_event_ids_are_unique() {
    let mut seen = HashSet::new();
    for dir in ["events/pipeline", "events/outcome", "events/rollback"] {
        for name in files_in(dir) {
            let value = json(&fixture(&format!("{dir}/{name}")));
            let id = value["event_id"].as_str().unwrap().to_owned();
            assert!(
                seen.insert(id.clone()),
                "{dir}/{name} repeats event id {id}"
            );
        }
    }
}

#[test]
fn golden_events_satisfy_their_schemas() {
    for (dir, schema_name) in [
        ("events/pipeline", "pipeline-event.schema.json"),
        ("events/outcome", "outcome.schema.json"),
        ("events/rollback", "rollback-command.schema.json"),
    ] {
        for name in files_in(dir) {
            assert_valid(schema_name, &fixture(&format!("{dir}/{name}")));
        }
    }
}

#[test]
fn the_schema_checker_refuses_broken_events() {
    let outcome_schema = schema("outcome.schema.json");
    let good = json(&fixture("events/outcome/denied.json"));
    assert!(json_schema::validate(&outcome_schema, &good).is_empty());

    let mut bad_kind = good.clone();
    bad_kind["detail"]["outcome"] = "rejected".into();
    assert!(!json_schema::validate(&outcome_schema, &bad_kind).is_empty());

    let mut no_id = good.clone();
    no_id.as_object_mut().unwrap().remove("event_id");
    assert!(!json_schema::validate(&outcome_schema, &no_id).is_empty());

    let mut bad_time = good.clone();
    bad_time["occurred_at"] = "yesterday".into();
    assert!(!json_schema::validate(&outcome_schema, &bad_time).is_empty());

    let pipeline_schema = schema("pipeline-event.schema.json");
    let mut bad_type = json(&pipeline_file("quality.passed"));
    bad_type["type"] = "quality.failed".into();
    assert!(!json_schema::validate(&pipeline_schema, &bad_type).is_empty());
}

#[test]
fn envelopes_refuse_other_versions_and_other_kinds() {
    let bytes = read(&pipeline_file("quality.passed"));
    let mut value: Value = serde_json::from_slice(&bytes).unwrap();
    value["schema_version"] = 2.into();
    let err =
        Envelope::<PipelineEvent>::from_slice(&serde_json::to_vec(&value).unwrap()).unwrap_err();
    assert!(matches!(err, EnvelopeError::UnsupportedVersion(2)), "{err}");

    value.as_object_mut().unwrap().remove("schema_version");
    let err =
        Envelope::<PipelineEvent>::from_slice(&serde_json::to_vec(&value).unwrap()).unwrap_err();
    assert!(matches!(err, EnvelopeError::Malformed(_)), "{err}");

    let err = Envelope::<OutcomeBody>::from_slice(&bytes).unwrap_err();
    assert!(matches!(err, EnvelopeError::Malformed(_)), "{err}");
    let err = Envelope::<RollbackBody>::from_slice(&bytes).unwrap_err();
    assert!(matches!(err, EnvelopeError::Malformed(_)), "{err}");
    let outcome = read(&fixture("events/outcome/verified.json"));
    let err = Envelope::<PipelineEvent>::from_slice(&outcome).unwrap_err();
    assert!(matches!(err, EnvelopeError::Malformed(_)), "{err}");
}

#[test]
fn metadata_salvages_from_an_unreadable_body() {
    let mut value = json(&pipeline_file("face.indexed"));
    value["detail"]["user_id"] = "not/a/user".into();
    let bytes = serde_json::to_vec(&value).unwrap();
    assert!(Envelope::<PipelineEvent>::from_slice(&bytes).is_err());
    let meta = riv_events::EventMeta::salvage(&bytes).expect("the metadata is intact");
    assert_eq!(meta.stage, Stage::Index);
    assert_eq!(meta.correlation_id.as_str(), "01HZX8Q3J6R7V2K9M4N5P6T7W8");
}

#[test]
fn following_an_event_derives_a_stable_id() {
    let envelope = round_trip::<PipelineEvent>(&pipeline_file("quality.passed"));
    let now = envelope.meta.occurred_at;
    let once = envelope
        .meta
        .follow(Stage::DuplicateSearch, 1, "passed", now);
    let again = envelope
        .meta
        .follow(Stage::DuplicateSearch, 3, "passed", now);
    assert_eq!(once.event_id, again.event_id, "a redelivery repeats the id");
    assert_eq!(
        once.event_id,
        envelope.meta.event_id.derive("duplicate_search/passed")
    );
    assert_ne!(
        once.event_id,
        envelope
            .meta
            .follow(Stage::DuplicateSearch, 1, "outcome", now)
            .event_id
    );
    assert_eq!(once.correlation_id, envelope.meta.correlation_id);
    assert_eq!(once.received_at, envelope.meta.received_at);
    assert_eq!(once.workflow, envelope.meta.workflow);
}

//! S3 notification shapes from `fixtures/s3/`: what `parse_notification`
//! must make of each is recorded in `expected.json`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod support;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use riv_events::RequestManifest;
use riv_events::s3::{ObjectCreated, S3Notification, parse_notification};
use serde_json::Value;
use support::{files_in, fixture, json, read};

fn expected() -> serde_json::Map<String, Value> {
    let mut map = json(&fixture("s3/expected.json"))
        .as_object()
        .unwrap()
        .clone();
    map.remove("about");
    map
}

fn opt_string(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

fn expected_object(value: &Value) -> ObjectCreated {
    ObjectCreated {
        bucket: value["bucket"].as_str().unwrap().to_owned(),
        key: value["key"].as_str().unwrap().to_owned(),
        size: value["size"].as_u64(),
        etag: opt_string(&value["etag"]),
        sequencer: opt_string(&value["sequencer"]),
        event_time: value["event_time"]
            .as_str()
            .map(|t| DateTime::parse_from_rfc3339(t).unwrap().with_timezone(&Utc)),
    }
}

#[test]
fn expected_json_covers_every_fixture() {
    let listed: BTreeSet<String> = expected().keys().cloned().collect();
    let present: BTreeSet<String> = files_in("s3")
        .into_iter()
        .filter(|name| name != "expected.json")
        .collect();
    assert_eq!(listed, present, "s3/expected.json vs the files in s3/");
}

#[test]
fn every_shape_reads_as_expected() {
    for (name, expect) in expected() {
        let result = parse_notification(&read(&fixture(&format!("s3/{name}"))));
        if let Some(objects) = expect.get("created") {
            let want: Vec<ObjectCreated> = objects
                .as_array()
                .unwrap()
                .iter()
                .map(expected_object)
                .collect();
            match result {
                Ok(S3Notification::Created(got)) => assert_eq!(got, want, "{name}"),
                other => panic!("{name}: expected objects, got {other:?}"),
            }
        } else if expect.get("ignored").is_some() {
            assert!(
                matches!(result, Ok(S3Notification::Ignored(_))),
                "{name}: expected Ignored, got {result:?}"
            );
        } else if expect.get("error").is_some() {
            assert!(result.is_err(), "{name}: expected an error, got {result:?}");
        } else {
            panic!("{name}: expected.json says neither created, ignored nor error");
        }
    }
}

#[test]
fn shapes_of_one_upload_agree() {
    // The same manifest upload, straight from S3, through SNS and through
    // EventBridge, names the same object with the same version token.
    let read_one = |name: &str| match parse_notification(&read(&fixture(&format!("s3/{name}")))) {
        Ok(S3Notification::Created(mut objects)) if objects.len() == 1 => objects.remove(0),
        other => panic!("{name}: {other:?}"),
    };
    let direct = read_one("aws-sqs-put-manifest.json");
    let via_sns = read_one("sns-wrapped-put.json");
    let via_eventbridge = read_one("eventbridge-object-created.json");
    assert_eq!(direct, via_sns);
    assert_eq!(direct.bucket, via_eventbridge.bucket);
    assert_eq!(direct.key, via_eventbridge.key);
    assert_eq!(direct.version_token(), via_eventbridge.version_token());
    assert_eq!(direct.version_token(), "00665D8A6F8E1A9C27");
}

#[test]
fn created_manifest_keys_name_their_request() {
    for name in [
        "aws-sqs-put-manifest.json",
        "moto-sqs-put.json",
        "minio-put.json",
        "eventbridge-object-created.json",
    ] {
        let Ok(S3Notification::Created(objects)) =
            parse_notification(&read(&fixture(&format!("s3/{name}"))))
        else {
            panic!("{name} does not read");
        };
        assert!(
            RequestManifest::request_id_of_key(&objects[0].key).is_some(),
            "{name}: {} is not a manifest key",
            objects[0].key
        );
    }
    let Ok(S3Notification::Created(objects)) =
        parse_notification(&read(&fixture("s3/aws-sqs-put-encoded-key.json")))
    else {
        panic!("aws-sqs-put-encoded-key.json does not read");
    };
    assert_eq!(RequestManifest::request_id_of_key(&objects[0].key), None);
}

#[test]
fn version_tokens_fall_back_from_sequencer_to_etag() {
    let Ok(S3Notification::Created(objects)) =
        parse_notification(&read(&fixture("s3/moto-sqs-put.json")))
    else {
        panic!("moto-sqs-put.json does not read");
    };
    assert_eq!(
        objects[0].version_token(),
        "9b2cf535f27731c974343645a3985328"
    );
}

//! What each workflow decides.

use riv_events::{ObjectKey, OutcomeKind, ReasonCode, Stage, UserId};
use serde_json::json;

use super::*;

#[tokio::test]
async fn register_then_auth_then_update() {
    let h = Harness::new();
    let o = h.run("r1", "register", "ann", json!([face("ann")])).await;
    assert_eq!(kind(&o), (OutcomeKind::Registered, None));
    assert_eq!(o.outcome().face_ids.len(), 1);
    assert!(
        h.world
            .profiles
            .lock()
            .unwrap()
            .contains_key(&UserId::parse("ann").unwrap())
    );

    let o = h.run("r2", "auth", "ann", json!([face("ann")])).await;
    assert_eq!(kind(&o), (OutcomeKind::Verified, None));
    // Auth images are not kept.
    assert!(
        !h.world
            .objects
            .lock()
            .unwrap()
            .contains_key(&ObjectKey::parse("requests/r2/selfie.jpg").unwrap())
    );

    let o = h.run("r3", "auth", "ann", json!([face("bob")])).await;
    assert_eq!(
        kind(&o),
        (OutcomeKind::Denied, Some(ReasonCode::FaceMismatch))
    );
    assert_eq!(o.outcome().measured.as_ref().unwrap().limit, 80.0);

    let o = h.run("r4", "update", "ann", json!([face("ann")])).await;
    assert_eq!(kind(&o), (OutcomeKind::Updated, None));
    assert_eq!(o.outcome().face_ids.len(), 2);
    assert_eq!(h.faces(), 2);
}

#[tokio::test]
async fn a_face_not_yet_searchable_after_indexing_is_retried_not_failed() {
    let h = Harness::new();
    *h.world.unsearchable.lock().unwrap() = 1;
    let o = h.run("r1", "register", "ann", json!([face("ann")])).await;
    assert_eq!(kind(&o), (OutcomeKind::Registered, None));
    assert_eq!(
        *h.world.unsearchable.lock().unwrap(),
        0,
        "the search was retried"
    );
    assert_eq!(h.faces(), 1);
}

#[tokio::test]
async fn update_keeps_the_newest_faces_and_deletes_the_rest() {
    let mut config = PipelineConfig::default();
    config.update.keep_last_faces = 2;
    let h = Harness::with(config);
    h.run("r1", "register", "ann", json!([face("ann")])).await;
    for rid in ["r2", "r3", "r4"] {
        let o = h.run(rid, "update", "ann", json!([face("ann")])).await;
        assert_eq!(kind(&o).0, OutcomeKind::Updated);
    }
    assert_eq!(h.faces(), 2);
    let objects = h.world.objects.lock().unwrap();
    assert!(!objects.contains_key(&ObjectKey::parse("requests/r1/selfie.jpg").unwrap()));
    assert!(objects.contains_key(&ObjectKey::parse("requests/r4/selfie.jpg").unwrap()));
}

#[tokio::test]
async fn duplicates_and_taken_ids_are_refused() {
    let h = Harness::new();
    h.run("r1", "register", "ann", json!([face("ann")])).await;
    let o = h.run("r2", "register", "other", json!([face("ann")])).await;
    assert_eq!(
        kind(&o),
        (OutcomeKind::Failed, Some(ReasonCode::DuplicateFace))
    );
    let o = h.run("r3", "register", "ann", json!([face("bob")])).await;
    assert_eq!(
        kind(&o),
        (OutcomeKind::Failed, Some(ReasonCode::UserExists))
    );
    let o = h.run("r4", "auth", "nobody", json!([face("bob")])).await;
    assert_eq!(
        kind(&o),
        (OutcomeKind::Denied, Some(ReasonCode::UserNotFound))
    );
    let o = h.run("r5", "update", "nobody", json!([face("bob")])).await;
    assert_eq!(
        kind(&o),
        (OutcomeKind::Failed, Some(ReasonCode::UserNotFound))
    );
    assert_eq!(h.faces(), 1);
    // Failed requests' images are deleted.
    assert!(
        !h.world
            .objects
            .lock()
            .unwrap()
            .contains_key(&ObjectKey::parse("requests/r2/selfie.jpg").unwrap())
    );
}

#[tokio::test]
async fn quality_refusals_carry_their_reason_and_measurement() {
    let h = Harness::new();
    let cases = [
        (json!([]), ReasonCode::NoFace, None),
        (
            json!([face("a"), face("b")]),
            ReasonCode::MultipleFaces,
            Some(2.0),
        ),
        (
            json!([{ "person": "a", "height": 30 }]),
            ReasonCode::FaceTooSmall,
            Some(30.0),
        ),
        (
            json!([{ "person": "a", "confidence": 20.0 }]),
            ReasonCode::LowConfidence,
            Some(20.0),
        ),
        (
            json!([{ "person": "a", "yaw": -60.0 }]),
            ReasonCode::PoseOutOfRange,
            Some(-60.0),
        ),
        (
            json!([{ "person": "a", "sharpness": 2.0 }]),
            ReasonCode::TooBlurry,
            Some(2.0),
        ),
        (
            json!([{ "person": "a", "brightness": 5.0 }]),
            ReasonCode::TooDark,
            Some(5.0),
        ),
        (
            json!([{ "person": "a", "brightness": 99.0 }]),
            ReasonCode::TooBright,
            Some(99.0),
        ),
        (
            json!([{ "person": "a", "eyes_occluded": 90.0 }]),
            ReasonCode::EyesOccluded,
            Some(90.0),
        ),
    ];
    for (i, (faces, reason, value)) in cases.into_iter().enumerate() {
        let o = h
            .run(&format!("q{i}"), "register", &format!("u{i}"), faces)
            .await;
        assert_eq!(kind(&o), (OutcomeKind::Failed, Some(reason)));
        assert_eq!(
            o.outcome().measured.as_ref().map(|m| m.value),
            value,
            "{reason}"
        );
    }
    // A small background face does not count.
    let o = h
        .run(
            "bg",
            "register",
            "bg",
            json!([face("a"), { "person": "b", "height": 40 }]),
        )
        .await;
    assert_eq!(kind(&o).0, OutcomeKind::Registered);
    assert_eq!(h.faces(), 1);
}

#[tokio::test]
async fn bad_input_gets_a_stable_reason() {
    let h = Harness::new();
    h.put("requests/bad/selfie.jpg", b"\xff\xd8 not an image".to_vec())
        .await;
    h.put(
        "requests/bad/manifest.json",
        json!({
        "schema_version": 1, "workflow": "register", "request_id": "bad", "user_id": "u",
        "images": { "selfie": "requests/bad/selfie.jpg" } })
        .to_string()
        .into_bytes(),
    )
    .await;
    h.deliver(Stage::Intake, &notification("bad")).await;
    h.pump().await;
    assert_eq!(
        kind(&h.outcome("bad")),
        (OutcomeKind::Failed, Some(ReasonCode::InvalidImage))
    );

    h.put("requests/nojson/manifest.json", b"{oops".to_vec())
        .await;
    h.deliver(Stage::Intake, &notification("nojson")).await;
    assert_eq!(
        kind(&h.outcome("nojson")),
        (OutcomeKind::Failed, Some(ReasonCode::InvalidManifest))
    );

    h.put(
        "requests/missing/manifest.json",
        json!({
        "schema_version": 1, "workflow": "auth", "request_id": "missing", "user_id": "u",
        "images": { "selfie": "requests/missing/selfie.jpg" } })
        .to_string()
        .into_bytes(),
    )
    .await;
    h.deliver(Stage::Intake, &notification("missing")).await;
    assert_eq!(
        kind(&h.outcome("missing")),
        (OutcomeKind::Failed, Some(ReasonCode::ImageMissing))
    );

    let o = h
        .run("idc", "register-idcard", "u", json!([face("a")]))
        .await;
    // The manifest lacks a document.
    assert_eq!(
        kind(&o),
        (OutcomeKind::Failed, Some(ReasonCode::InvalidManifest))
    );

    // Not an event at all: dead-lettered, never dropped.
    let d = h
        .pipeline
        .handle(
            Stage::Quality,
            Delivery {
                body: b"garbage",
                receive_count: 1,
            },
        )
        .await;
    assert!(matches!(d, Disposition::DeadLetter(_)));
    let d = h
        .pipeline
        .handle(
            Stage::Intake,
            Delivery {
                body: b"[1]",
                receive_count: 1,
            },
        )
        .await;
    assert!(matches!(d, Disposition::DeadLetter(_)));
    // A test event is acknowledged and ignored.
    let d = h
        .pipeline
        .handle(
            Stage::Intake,
            Delivery {
                body: br#"{"Service":"Amazon S3","Event":"s3:TestEvent"}"#,
                receive_count: 1,
            },
        )
        .await;
    assert_eq!(d, Disposition::Ack);
}

#[test]
fn the_routing_table_exports_as_json() {
    let json = serde_json::to_value(workflow::routing_table()).unwrap();
    assert_eq!(json[0]["workflow"], "register");
    assert_eq!(json[0]["event_type"], "request.accepted");
    assert_eq!(json[0]["target"], "quality");
}

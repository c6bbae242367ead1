//! Bad input: each ends in exactly one `failed` outcome with its reason.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use futures_util::future::join_all;
use riv_client::picture::new_request_id;
use riv_client::{Client, Picture, PreparedRequest};
use riv_events::outcome::OutcomeEnvelope;
use riv_events::{OutcomeKind, ReasonCode, RequestManifest, Workflow};
use riv_tests::images::{gradient_png, truncated};
use riv_tests::inputs::{extra_testdata, require_models, require_photos};
use riv_tests::riv::{OUTCOME_TIMEOUT, TestRiv, config, picture_request, verdict};

/// One bad input and the reason it must fail with.
struct Case {
    name: String,
    request: Submission,
    reason: ReasonCode,
}

enum Submission {
    /// A well-formed request around a bad picture.
    Picture(PreparedRequest),
    /// A manifest uploaded by hand, as is.
    RawManifest(Vec<u8>),
}

fn picture_case(name: &str, bytes: Vec<u8>, reason: ReasonCode, user: usize) -> Case {
    let picture = Picture::from_bytes(bytes, Path::new(name)).expect("a picture format");
    let request = picture_request(Workflow::Register, &format!("bad-{user}"), picture, &[]);
    Case {
        name: name.to_owned(),
        request: Submission::Picture(request),
        reason,
    }
}

async fn submit(client: &Client, case: Case) -> (String, ReasonCode, String, OutcomeEnvelope) {
    let request_id = match case.request {
        Submission::Picture(request) => {
            let id = request.request_id().clone();
            client
                .submit(&request.manifest, request.images)
                .await
                .unwrap_or_else(|err| panic!("{}: {err}", case.name));
            id
        }
        Submission::RawManifest(body) => {
            let id = new_request_id().unwrap();
            let key = RequestManifest::key_for(&id);
            client.put_object(&key, body).await.unwrap();
            id
        }
    };
    let outcome = client
        .wait_outcome(&request_id, OUTCOME_TIMEOUT)
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", case.name));
    (case.name, case.reason, request_id.to_string(), outcome)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_fails_once_with_its_reason() {
    let Some(models) = require_models() else {
        return;
    };
    let Some([group, obama]) = require_photos(["t1.jpg", "obama.jpg"]) else {
        return;
    };
    let obama = std::fs::read(obama).unwrap();
    let mut cases = vec![
        picture_case(
            "t1.jpg",
            std::fs::read(group).unwrap(),
            ReasonCode::MultipleFaces,
            0,
        ),
        picture_case(
            "gradient.png",
            gradient_png(320, 240),
            ReasonCode::NoFace,
            1,
        ),
        picture_case(
            "obama-half.jpg",
            truncated(&obama, 0.5),
            ReasonCode::InvalidImage,
            2,
        ),
        picture_case(
            "obama-head.jpg",
            truncated(&obama, 0.02),
            ReasonCode::InvalidImage,
            3,
        ),
    ];
    let broken = "compreface-sample-images/imgtools_test_files";
    for (i, name) in ["truncated.jpg", "corrupted.png", "empty.png"]
        .into_iter()
        .enumerate()
    {
        if let Some(path) = extra_testdata(&format!("{broken}/{name}")) {
            cases.push(picture_case(
                name,
                std::fs::read(path).unwrap(),
                ReasonCode::InvalidImage,
                10 + i,
            ));
        }
    }
    for (i, body) in [
        b"{ this is not json".to_vec(),
        b"{\"schema_version\":\"1\",\"workflow\":\"register\"}".to_vec(),
        Vec::new(),
    ]
    .into_iter()
    .enumerate()
    {
        cases.push(Case {
            name: format!("bad manifest {i}"),
            request: Submission::RawManifest(body),
            reason: ReasonCode::InvalidManifest,
        });
    }

    let dir = tempfile::tempdir().unwrap();
    let riv = TestRiv::start(config(dir.path(), &models)).await;
    let results = join_all(cases.into_iter().map(|case| submit(&riv.client, case))).await;
    let mut ids = Vec::new();
    for (name, reason, request_id, outcome) in &results {
        assert_eq!(
            verdict(outcome),
            (OutcomeKind::Failed, Some(*reason)),
            "{name}: {outcome:?}"
        );
        ids.push(request_id.clone());
    }
    assert_eq!(riv.face_count(), 0);
    assert!(
        riv.client
            .get_user(&"bad-0".parse().unwrap())
            .await
            .unwrap()
            .is_none()
    );

    // Let any stray repeat arrive, then count.
    riv.wait_jsonl(&ids).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let lines = riv.jsonl();
    let mut per_request: BTreeMap<&str, usize> = BTreeMap::new();
    for line in &lines {
        *per_request
            .entry(line.meta.correlation_id.as_str())
            .or_default() += 1;
    }
    for (name, _, request_id, _) in &results {
        assert_eq!(
            per_request.get(request_id.as_str()),
            Some(&1),
            "{name}: exactly one outcome in outcomes.jsonl"
        );
    }
    assert_eq!(lines.len(), results.len(), "no outcome for anything else");
    riv.stop().await;
}

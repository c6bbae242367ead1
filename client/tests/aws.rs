#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The AWS target against moto's server: requests land in the bucket,
//! outcomes come back through the client's temporary subscription, which is
//! gone afterwards. Each test has a region of its own, so what it lists is
//! its own.

mod support;

use std::time::{Duration, Instant};

use riv_client::{AwsClient, AwsTarget, ClientError, Transport};
use riv_events::{OutcomeKind, RequestId, RequestManifest, Workflow};
use support::deployment::{JPEG, deployment, outcome_for, selfie};

#[tokio::test]
async fn a_request_lands_in_the_bucket_and_gets_its_own_outcome_back() {
    let Some(server) = support::moto_server() else {
        return;
    };
    let sdk = support::sdk_config(server, "eu-west-1").await;
    let deployment = deployment(&sdk).await;
    let uploads = deployment.watch_uploads().await;
    let client = AwsClient::connect(&sdk, deployment.target.clone())
        .await
        .unwrap();
    assert_eq!(deployment.temporary_queues().await, [client.queue_url()]);
    assert_eq!(deployment.subscriptions().await, 1);

    let request = selfie(Workflow::Register, "alice");
    let id = request.request_id().clone();
    let manifest_key = format!("requests/{id}/manifest.json");
    let ours = outcome_for(&id, OutcomeKind::Registered, "alice");
    let theirs = outcome_for(
        &RequestId::parse("someone-elses-request").unwrap(),
        OutcomeKind::Denied,
        "mallory",
    );
    let pipeline = async {
        // As the pipeline would: start once the manifest is there.
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut keys = Vec::new();
        while !keys.contains(&manifest_key) {
            assert!(Instant::now() < deadline, "the manifest never arrived");
            tokio::time::sleep(Duration::from_millis(100)).await;
            keys.extend(deployment.uploaded_keys(&uploads).await);
        }
        deployment.publish(&theirs).await;
        deployment.publish(&ours).await;
        keys
    };
    let (outcome, keys) = tokio::join!(client.run(request, Duration::from_secs(30)), pipeline);
    let outcome = outcome.unwrap();
    assert_eq!(outcome, ours);
    assert_eq!(
        keys,
        [format!("requests/{id}/selfie.jpg"), manifest_key.clone()],
        "images first, the manifest last"
    );
    assert_eq!(deployment.object(&keys[0]).await, JPEG);
    let manifest: RequestManifest =
        serde_json::from_slice(&deployment.object(&manifest_key).await).unwrap();
    manifest.validate(&manifest_key).unwrap();
    assert_eq!(
        (
            manifest.request_id,
            manifest.workflow,
            manifest.user_id.as_str()
        ),
        (id.clone(), Workflow::Register, "alice")
    );

    // The other request's outcome was read and deleted, not left behind.
    let deadline = Instant::now() + Duration::from_secs(10);
    while deployment.messages_in(client.queue_url()).await > 0 {
        assert!(Instant::now() < deadline, "the other outcome stayed queued");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    client.close().await.unwrap();
    assert!(deployment.temporary_queues().await.is_empty());
    assert_eq!(deployment.subscriptions().await, 0);
}

#[tokio::test]
async fn no_outcome_in_time_is_the_timeout_error_and_the_queue_is_removed() {
    let Some(server) = support::moto_server() else {
        return;
    };
    let sdk = support::sdk_config(server, "us-west-2").await;
    let deployment = deployment(&sdk).await;
    let client = AwsClient::connect(&sdk, deployment.target.clone())
        .await
        .unwrap();
    let request = selfie(Workflow::Auth, "bob");
    let id = request.request_id().clone();
    let started = Instant::now();
    let err = client
        .run(request, Duration::from_secs(2))
        .await
        .unwrap_err();
    assert!(started.elapsed() >= Duration::from_secs(2));
    match &err {
        ClientError::Timeout { what, after } => {
            assert_eq!(what, &format!("the outcome of request {id}"));
            assert_eq!(*after, Duration::from_secs(2));
        }
        other => panic!("not a timeout: {other}"),
    }
    assert!(err.is_transient());
    // The request itself went up.
    deployment
        .object(&format!("requests/{id}/manifest.json"))
        .await;

    client.close().await.unwrap();
    assert!(deployment.temporary_queues().await.is_empty());
    assert_eq!(deployment.subscriptions().await, 0);
}

#[tokio::test]
async fn a_subscription_that_fails_leaves_no_queue_behind() {
    let Some(server) = support::moto_server() else {
        return;
    };
    let sdk = support::sdk_config(server, "ap-southeast-2").await;
    let deployment = deployment(&sdk).await;
    let target = AwsTarget {
        outcomes_topic_arn: format!("{}-missing", deployment.target.outcomes_topic_arn),
        ..deployment.target.clone()
    };
    let err = AwsClient::connect(&sdk, target).await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Aws { what, code: Some(_), .. } if what.starts_with("SNS Subscribe")),
        "{err}"
    );
    assert!(deployment.temporary_queues().await.is_empty());
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::from_static("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "riv-test",
            "riv-test-secret",
            None,
            None,
            "riv-tests",
        ))
        .endpoint_url(endpoint)
        .load()
        .await;
    let target = AwsTarget {
        bucket: "riv-nowhere".into(),
        outcomes_topic_arn: "arn:aws:sns:us-east-1:123456789012:riv-nowhere".into(),
        path_style: true,
    };
    let err = AwsClient::connect(&sdk, target).await.unwrap_err();
    assert!(matches!(err, ClientError::AwsUnreachable { .. }), "{err}");
    assert!(err.is_unreachable(), "{err}");
    assert_eq!(err.label(), "unreachable");
}

#[tokio::test]
async fn a_backfill_runs_through_the_bucket_and_topic_with_requests_in_flight_at_once() {
    let Some(server) = support::moto_server() else {
        return;
    };
    let sdk = support::sdk_config(server, "ca-central-1").await;
    let deployment = deployment(&sdk).await;
    let uploads = deployment.watch_uploads().await;
    let gallery = tempfile::tempdir().unwrap();
    for user in ["ann", "ben", "cat"] {
        for i in 1..=2 {
            let path = gallery.path().join(user).join(format!("{i}.jpg"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, [JPEG, user.as_bytes()].concat()).unwrap();
        }
    }
    let client = AwsClient::connect(&sdk, deployment.target.clone())
        .await
        .unwrap();
    // A pipeline that answers every manifest as it arrives.
    let pipeline = async {
        loop {
            for key in deployment.uploaded_keys(&uploads).await {
                if !key.ends_with("manifest.json") {
                    continue;
                }
                let manifest: RequestManifest =
                    serde_json::from_slice(&deployment.object(&key).await).unwrap();
                let kind = match manifest.workflow {
                    Workflow::Register => OutcomeKind::Registered,
                    _ => OutcomeKind::Updated,
                };
                let outcome = outcome_for(&manifest.request_id, kind, manifest.user_id.as_str());
                deployment.publish(&outcome).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let options = riv_client::backfill::BackfillOptions {
        concurrency: 3,
        timeout: Duration::from_secs(20),
        ..Default::default()
    };
    let report = tokio::select! {
        report = riv_client::backfill::backfill(&client, gallery.path(), &options) => report.unwrap(),
        () = pipeline => unreachable!(),
    };
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(report.by_outcome["registered"], 3, "{report:?}");
    assert_eq!(report.by_outcome["updated"], 3, "{report:?}");
    client.close().await.unwrap();
    assert!(deployment.temporary_queues().await.is_empty());
}

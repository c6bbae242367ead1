#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The client against an in-memory fake of riv's API.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use riv_client::{Client, ClientError, Picture, PreparedRequest};
use riv_events::{OutcomeKind, ReasonCode, RequestId, UserId, Workflow};

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, b'o', b'k'];

fn selfie(workflow: Workflow, user: &str) -> PreparedRequest {
    let picture = Picture::from_bytes(JPEG.to_vec(), Path::new("me.jpg")).unwrap();
    PreparedRequest::selfie(
        workflow,
        UserId::parse(user).unwrap(),
        picture,
        BTreeMap::new(),
    )
    .unwrap()
}

#[tokio::test]
async fn submit_uploads_images_before_the_manifest() {
    let server = common::start(Duration::from_millis(10)).await;
    let client = Client::new(&server.endpoint).unwrap();
    client.health().await.unwrap();
    let request = selfie(Workflow::Register, "alice");
    let id = request.request_id().to_string();
    let outcome = client.run(request, Duration::from_secs(10)).await.unwrap();
    assert_eq!(outcome.outcome().outcome, OutcomeKind::Registered);
    assert_eq!(
        server.seen().uploads,
        [
            format!("requests/{id}/selfie.jpg"),
            format!("requests/{id}/manifest.json")
        ]
    );
    let again = client
        .run(selfie(Workflow::Register, "alice"), Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(again.outcome().reason, Some(ReasonCode::UserExists));
}

#[tokio::test]
async fn wait_outcome_long_polls_until_done_or_timeout() {
    let server = common::start(Duration::from_millis(1500)).await;
    let client = Client::new(&server.endpoint).unwrap();
    let request = selfie(Workflow::Register, "bob");
    let id = request.request_id().clone();
    let started = Instant::now();
    let outcome = client.run(request, Duration::from_secs(10)).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(1400));
    assert_eq!(outcome.outcome().user_id.as_ref().unwrap().as_str(), "bob");
    assert_eq!(outcome.meta.correlation_id, id);

    *server.fake.delay.lock().unwrap() = Duration::from_secs(30);
    let request = selfie(Workflow::Auth, "bob");
    let err = client
        .run(request, Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Timeout { .. }), "{err}");
}

#[tokio::test]
async fn refused_connections_hint_at_riv_run() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(&endpoint).unwrap().with_upload_retries(1);
    let err = client.health().await.unwrap_err();
    assert!(matches!(err, ClientError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("is `riv run` running?"), "{err}");
    let err = client
        .run(selfie(Workflow::Register, "carol"), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Unreachable { .. }), "{err}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn server_errors_carry_their_code_and_users_can_be_read_and_deleted() {
    let server = common::start(Duration::from_millis(5)).await;
    let client = Client::new(&format!("{}/", server.endpoint)).unwrap();
    let unknown = RequestId::parse("nope").unwrap();
    let err = client
        .request_status(&unknown, Duration::ZERO)
        .await
        .unwrap_err();
    assert_eq!(err.server_code(), Some("unknown_request"), "{err}");

    let dana = UserId::parse("dana.x+1@example.org").unwrap();
    assert!(client.get_user(&dana).await.unwrap().is_none());
    client
        .run(
            selfie(Workflow::Register, dana.as_str()),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    let profile = client.get_user(&dana).await.unwrap().unwrap();
    assert_eq!(profile.user_id, dana);
    assert_eq!(profile.faces.len(), 1);
    let deleted = client.delete_user(&dana).await.unwrap().unwrap();
    assert_eq!(deleted.faces_deleted, 1);
    assert!(client.delete_user(&dana).await.unwrap().is_none());
}

#[test]
fn endpoints_must_be_http_urls() {
    assert!(matches!(
        Client::new("localhost:8642"),
        Err(ClientError::InvalidEndpoint { .. })
    ));
    assert!(Client::new("http://127.0.0.1:8642").is_ok());
}

//! Failures on the AWS path end requests cleanly and undo their work.

use riv_events::{OutcomeKind, ReasonCode, Stage, Workflow};
use riv_tests::inputs::require_photos;
use riv_tests::riv::{selfie_request, verdict};

use super::stack::{AwsStack, wait_for};

/// The profile write stage's process is given a table that does not exist:
/// a permanent error after the face was indexed. The request fails and the
/// rollback consumer removes the face.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_permanent_failure_rolls_back_the_indexed_face() {
    let Some([obama]) = require_photos(["obama.jpg"]) else {
        return;
    };
    let fault: super::stack::Fault = Box::new(|_, settings| {
        settings.profiles_table = Some("riv-no-such-table".into());
    });
    let Some(stack) = AwsStack::start_with(Some((Stage::ProfileWrite, fault))).await else {
        return;
    };
    let register = selfie_request(Workflow::Register, "barack", &obama, &[]).await;
    let outcome = stack.run(&register).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Failed, Some(ReasonCode::InternalError)),
        "{outcome:?}"
    );
    wait_for(
        || async { stack.face_count().await == 0 },
        "the face is rolled back",
    )
    .await;
    stack.stop().await;
}

/// The index stage's process reaches Rekognition at a closed port: every
/// attempt fails with a retryable error, the queue dead-letters the
/// message, the dead-letter worker ends the request `retries_exhausted`
/// and parks the message.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn retries_exhausted_end_the_request_and_park_the_message() {
    let Some([obama]) = require_photos(["obama.jpg"]) else {
        return;
    };
    let fault: super::stack::Fault = Box::new(|clients, _| {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let config = clients
            .rekognition
            .config()
            .to_builder()
            .endpoint_url(url)
            .build();
        clients.rekognition = aws_sdk_rekognition::Client::from_conf(config);
    });
    let Some(stack) = AwsStack::start_with(Some((Stage::Index, fault))).await else {
        return;
    };
    let register = selfie_request(Workflow::Register, "barack", &obama, &[]).await;
    let outcome = stack.run(&register).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Failed, Some(ReasonCode::RetriesExhausted)),
        "{outcome:?}"
    );
    let parked = stack.made.parked_queue.clone();
    wait_for(
        || async { stack.depth(&parked).await == 1 },
        "the message is parked",
    )
    .await;
    assert_eq!(stack.face_count().await, 0);
    stack.stop().await;
}

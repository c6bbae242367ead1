//! The test client's AWS target (`riv register --target aws`) against the
//! AWS path: uploads to the bucket, outcomes through its own temporary
//! subscription to the outcomes topic.

use std::time::Duration;

use riv_client::{AwsClient, AwsTarget, Transport};
use riv_events::{OutcomeKind, ReasonCode, Workflow};
use riv_tests::inputs::require_photos;
use riv_tests::riv::{selfie_request, verdict};

use super::stack::AwsStack;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_test_client_registers_and_authenticates_on_aws() {
    let Some([obama, obama2, biden]) = require_photos(["obama.jpg", "obama2.jpg", "biden.jpg"])
    else {
        return;
    };
    let Some(stack) = AwsStack::start().await else {
        return;
    };
    let target = AwsTarget {
        bucket: stack.made.bucket.clone(),
        outcomes_topic_arn: stack.made.outcomes_topic_arn.clone(),
        path_style: true,
    };
    let client = AwsClient::connect(&stack.sdk, target)
        .await
        .expect("the client subscribes");
    let timeout = Duration::from_secs(120);

    let register = selfie_request(Workflow::Register, "barack", &obama, &[]).await;
    let outcome = client.run(register, timeout).await.expect("an outcome");
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Registered, None),
        "{outcome:?}"
    );

    // Two at once through one subscription: each gets its own outcome.
    let auth = selfie_request(Workflow::Auth, "barack", &obama2, &[]).await;
    let impostor = selfie_request(Workflow::Auth, "barack", &biden, &[]).await;
    let (verified, denied) = tokio::join!(client.run(auth, timeout), client.run(impostor, timeout));
    assert_eq!(verdict(&verified.unwrap()), (OutcomeKind::Verified, None));
    assert_eq!(
        verdict(&denied.unwrap()),
        (OutcomeKind::Denied, Some(ReasonCode::FaceMismatch))
    );
    client.close().await.expect("the subscription is removed");
    stack.stop().await;
}

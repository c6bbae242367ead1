//! A user's life on the AWS path.

use riv_consumers::admin::delete_user;
use riv_events::{OutcomeKind, ReasonCode, UserId, Workflow};
use riv_tests::inputs::require_photos;
use riv_tests::riv::{selfie_request, verdict};

use super::stack::{AwsStack, wait_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn register_duplicate_auth_update_delete() {
    let Some([obama, obama2, obama3, biden]) =
        require_photos(["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"])
    else {
        return;
    };
    let Some(stack) = AwsStack::start().await else {
        return;
    };

    let register =
        selfie_request(Workflow::Register, "barack", &obama, &[("name", "Barack")]).await;
    let outcome = stack.run(&register).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Registered, None),
        "{outcome:?}"
    );
    assert_eq!(stack.face_count().await, 1);

    let thief = selfie_request(Workflow::Register, "mallory", &obama2, &[]).await;
    let outcome = stack.run(&thief).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Failed, Some(ReasonCode::DuplicateFace)),
        "{outcome:?}"
    );
    assert_eq!(stack.face_count().await, 1, "the duplicate was not indexed");
    let selfie = register_selfie(&thief);
    wait_for(
        || async { !stack.has_object(selfie).await },
        "a failed request's images are deleted",
    )
    .await;

    let auth = selfie_request(Workflow::Auth, "barack", &obama3, &[]).await;
    let outcome = stack.run(&auth).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Verified, None),
        "{outcome:?}"
    );

    let impostor = selfie_request(Workflow::Auth, "barack", &biden, &[]).await;
    let outcome = stack.run(&impostor).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Denied, Some(ReasonCode::FaceMismatch)),
        "{outcome:?}"
    );

    let update = selfie_request(Workflow::Update, "barack", &obama2, &[]).await;
    let outcome = stack.run(&update).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Updated, None),
        "{outcome:?}"
    );
    assert_eq!(stack.face_count().await, 2);

    let joe = selfie_request(Workflow::Register, "joe", &biden, &[]).await;
    let outcome = stack.run(&joe).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Registered, None),
        "{outcome:?}"
    );
    assert_eq!(stack.face_count().await, 3);

    let ports = riv_lambda::compose::ports(&stack.clients, &stack.settings);
    let barack = UserId::parse("barack").unwrap();
    let report = delete_user(&ports, &barack)
        .await
        .unwrap()
        .expect("barack existed");
    assert_eq!(report.faces_deleted, 2, "{report:?}");
    assert_eq!(stack.face_count().await, 1, "only joe's face is left");
    assert!(ports.profiles.get(&barack).await.unwrap().is_none());

    // The same face registers again once its owner is gone.
    let again = selfie_request(Workflow::Register, "barack", &obama3, &[]).await;
    let outcome = stack.run(&again).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Registered, None),
        "{outcome:?}"
    );
    stack.stop().await;
}

fn register_selfie(request: &riv_client::PreparedRequest) -> &str {
    request.images[0].0.as_str()
}

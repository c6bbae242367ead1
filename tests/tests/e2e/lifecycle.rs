//! A user's whole life on the embedded pipeline, and a restart.

use riv_events::{OutcomeKind, ReasonCode, UserId};
use riv_tests::inputs::{require_models, require_photos};
use riv_tests::riv::{TestRiv, config, files_under, verdict};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_duplicate_auth_update_delete_register_again() {
    let Some(models) = require_models() else {
        return;
    };
    let Some([obama, obama2, obama3, biden]) =
        require_photos(["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"])
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let riv = TestRiv::start(config(dir.path(), &models)).await;
    let user = UserId::parse("barack").unwrap();

    let o = riv.register("barack", &obama).await;
    assert_eq!(verdict(&o), (OutcomeKind::Registered, None), "{o:?}");
    assert_eq!(o.outcome().face_ids.len(), 1);

    // The same person under another id.
    let o = riv.register("impostor", &obama2).await;
    assert_eq!(
        verdict(&o),
        (OutcomeKind::Failed, Some(ReasonCode::DuplicateFace)),
        "{o:?}"
    );
    let impostor = UserId::parse("impostor").unwrap();
    assert!(riv.client.get_user(&impostor).await.unwrap().is_none());

    let o = riv.auth("barack", &obama3).await;
    assert_eq!(verdict(&o), (OutcomeKind::Verified, None), "{o:?}");

    let o = riv.auth("barack", &biden).await;
    assert_eq!(
        verdict(&o),
        (OutcomeKind::Denied, Some(ReasonCode::FaceMismatch)),
        "{o:?}"
    );

    let o = riv.update("barack", &obama2).await;
    assert_eq!(verdict(&o), (OutcomeKind::Updated, None), "{o:?}");
    assert_eq!(o.outcome().face_ids.len(), 2);

    let profile = riv
        .client
        .get_user(&user)
        .await
        .unwrap()
        .expect("a profile");
    assert_eq!(profile.faces.len(), 2);
    assert_eq!(profile.properties["name"], "barack");
    assert_eq!(profile.properties["updated"], "yes");
    assert_eq!(riv.face_count(), 2);
    let objects = dir.path().join("objects");
    let stored = files_under(&objects);
    assert!(!stored.is_empty(), "the user's images are kept");

    let deleted = riv
        .client
        .delete_user(&user)
        .await
        .unwrap()
        .expect("the user existed");
    assert_eq!(deleted.faces_deleted, 2);
    assert!(riv.client.get_user(&user).await.unwrap().is_none());
    assert_eq!(riv.face_count(), 0, "faces are gone");
    assert_eq!(
        files_under(&objects),
        Vec::<String>::new(),
        "no stored image or manifest is left (before the delete: {stored:?})"
    );
    assert!(riv.client.delete_user(&user).await.unwrap().is_none());

    let o = riv.auth("barack", &obama).await;
    assert_eq!(o.outcome().reason, Some(ReasonCode::UserNotFound), "{o:?}");

    // The id and the face are free again.
    let o = riv.register("barack", &obama3).await;
    assert_eq!(verdict(&o), (OutcomeKind::Registered, None), "{o:?}");
    assert_eq!(riv.face_count(), 1);
    riv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_survive_a_graceful_restart() {
    let Some(models) = require_models() else {
        return;
    };
    let Some([obama, obama2]) = require_photos(["obama.jpg", "obama2.jpg"]) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let riv = TestRiv::start(config(dir.path(), &models)).await;
    let o = riv.register("keeper", &obama).await;
    assert_eq!(verdict(&o), (OutcomeKind::Registered, None), "{o:?}");
    riv.stop().await;

    let riv = TestRiv::start(config(dir.path(), &models)).await;
    let user = UserId::parse("keeper").unwrap();
    let profile = riv.client.get_user(&user).await.unwrap().expect("kept");
    assert_eq!(profile.faces.len(), 1);
    let o = riv.auth("keeper", &obama2).await;
    assert_eq!(verdict(&o), (OutcomeKind::Verified, None), "{o:?}");
    assert_eq!(riv.face_count(), 1);
    riv.stop().await;
}

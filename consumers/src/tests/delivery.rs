//! Retries, repeats, dead letters, rollbacks and races.

use riv_events::{Effect, OutcomeKind, ReasonCode, Stage, UserId};
use serde_json::json;

use super::*;

#[tokio::test]
async fn every_message_delivered_twice_changes_nothing() {
    let once = Harness::new();
    let twice = Harness::new();
    for h in [&once, &twice] {
        let note = h
            .submit("r1", "register", "ann", json!([face("ann")]))
            .await;
        h.deliver(Stage::Intake, &note).await;
        if std::ptr::eq(h, &twice) {
            h.deliver(Stage::Intake, &note).await;
        }
        // Deliver every published message, and for `twice` each one again.
        loop {
            let batch = h.take_batch();
            if batch.is_empty() {
                break;
            }
            for (stage, body) in batch.iter().filter_map(route) {
                let repeats = if std::ptr::eq(h, &twice) { 2 } else { 1 };
                for _ in 0..repeats {
                    h.deliver(stage, &body).await;
                }
            }
        }
    }
    assert_eq!(*twice.world.index_calls.lock().unwrap(), 1);
    assert_eq!(once.faces(), twice.faces());
    let unique = |h: &Harness| {
        let mut ids: Vec<_> = h.world.outcomes().iter().map(|o| o.meta.event_id).collect();
        ids.dedup();
        ids
    };
    assert_eq!(unique(&once), unique(&twice));
    assert_eq!(
        once.world.profiles.lock().unwrap().clone(),
        twice.world.profiles.lock().unwrap().clone()
    );
}

#[tokio::test]
async fn retryable_errors_go_back_to_the_queue_then_succeed() {
    let h = Harness::new();
    let note = h
        .submit("r1", "register", "ann", json!([face("ann")]))
        .await;
    h.deliver(Stage::Intake, &note).await;
    // More faults than in-process attempts: the message goes back.
    h.world.faults.inject("detect_faces", 5);
    let event = match h.world.published.lock().unwrap()[0].clone() {
        Output::Event(e) => e,
        other => panic!("{other:?}"),
    };
    let body = event.to_vec();
    let d = h
        .pipeline
        .handle(
            Stage::Quality,
            Delivery {
                body: &body,
                receive_count: 1,
            },
        )
        .await;
    assert!(matches!(d, Disposition::Retry(_)), "{d:?}");
    // The claim was released: the next delivery runs the stage.
    let d = h
        .pipeline
        .handle(
            Stage::Quality,
            Delivery {
                body: &body,
                receive_count: 2,
            },
        )
        .await;
    assert_eq!(d, Disposition::Ack);
    *h.cursor.lock().unwrap() = 1;
    h.pump().await;
    assert_eq!(kind(&h.outcome("r1")).0, OutcomeKind::Registered);
}

#[tokio::test]
async fn each_failure_point_rolls_back_exactly_its_effects() {
    // Profile write finds the id taken after the face was indexed.
    let h = Harness::new();
    let note = h
        .submit("r1", "register", "ann", json!([face("ann")]))
        .await;
    h.deliver(Stage::Intake, &note).await;
    h.world.profiles.lock().unwrap().insert(
        UserId::parse("ann").unwrap(),
        crate::ports::Profile {
            user_id: UserId::parse("ann").unwrap(),
            properties: Default::default(),
            property_sources: Default::default(),
            faces: vec![],
            created_by: riv_events::RequestId::parse("someone-else").unwrap(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
            version: 1,
        },
    );
    h.pump().await;
    let o = h.outcome("r1");
    assert_eq!(
        kind(&o),
        (OutcomeKind::Failed, Some(ReasonCode::UserExists))
    );
    let rollback = h
        .world
        .published
        .lock()
        .unwrap()
        .iter()
        .find_map(|o| match o {
            Output::Rollback(c) => Some(c.clone()),
            _ => None,
        })
        .unwrap();
    assert!(matches!(
        rollback.command().effects.as_slice(),
        [Effect::FaceIndexed { .. }]
    ));
    assert_eq!(h.faces(), 0, "the indexed face was rolled back");
    // The other request's profile survives.
    assert!(
        ProfileStore::get(&*h.world, &UserId::parse("ann").unwrap())
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_dead_lettered_stage_fails_the_request_and_rolls_back() {
    let h = Harness::new();
    let note = h
        .submit("r1", "register", "ann", json!([face("ann")]))
        .await;
    h.deliver(Stage::Intake, &note).await;
    h.pump().await;
    // Take the face.indexed event and pretend profile write kept failing.
    let indexed = h
        .world
        .published
        .lock()
        .unwrap()
        .iter()
        .find_map(|o| match o {
            Output::Event(e) if e.body.type_name() == "face.indexed" => Some(e.clone()),
            _ => None,
        })
        .unwrap();
    let h2 = Harness::new();
    h2.submit("r1", "register", "ann", json!([face("ann")]))
        .await;
    // Same face indexed in the second world, then profile write dead-lettered.
    h2.deliver(Stage::Intake, &notification("r1")).await;
    *h2.cursor.lock().unwrap() = 0;
    h2.world.faults.inject("create_profile", 100);
    loop {
        let next = h2
            .world
            .published
            .lock()
            .unwrap()
            .get(*h2.cursor.lock().unwrap())
            .cloned();
        let Some(Output::Event(e)) = next else { break };
        *h2.cursor.lock().unwrap() += 1;
        if e.body.type_name() == "face.indexed" {
            break;
        }
        let (target, body) = route(&Output::Event(e)).unwrap();
        h2.deliver(target, &body).await;
    }
    let d = h2
        .pipeline
        .handle_dead_letter(Stage::ProfileWrite, &indexed.to_vec())
        .await;
    assert_eq!(d, Disposition::Ack);
    h2.pump().await;
    assert_eq!(
        kind(&h2.outcome("r1")),
        (OutcomeKind::Failed, Some(ReasonCode::RetriesExhausted))
    );
    assert_eq!(h2.faces(), 0);
}

#[tokio::test]
async fn two_registrations_of_one_face_race_and_exactly_one_wins() {
    let h = Harness::new();
    let a = h
        .submit("ra", "register", "alice", json!([face("eve")]))
        .await;
    let b = h
        .submit("rb", "register", "bob", json!([face("eve")]))
        .await;
    h.deliver(Stage::Intake, &a).await;
    h.deliver(Stage::Intake, &b).await;
    // Step both requests stage by stage, interleaved, so both pass the
    // duplicate search before either indexes.
    for _ in 0..4 {
        for (stage, body) in h.take_batch().iter().filter_map(route) {
            h.deliver(stage, &body).await;
        }
    }
    h.pump().await;
    let outcomes = [kind(&h.outcome("ra")), kind(&h.outcome("rb"))];
    assert!(
        outcomes.contains(&(OutcomeKind::Registered, None)),
        "{outcomes:?}"
    );
    assert!(
        outcomes.contains(&(OutcomeKind::Failed, Some(ReasonCode::DuplicateFace))),
        "{outcomes:?}"
    );
    assert_eq!(h.faces(), 1, "the loser's face was rolled back");
}

#[tokio::test]
async fn a_dead_lettered_update_keeps_the_face_its_profile_already_lists() {
    let h = Harness::new();
    h.run("r1", "register", "ann", json!([face("ann")])).await;
    let o = h.run("r2", "update", "ann", json!([face("ann")])).await;
    assert_eq!(kind(&o).0, OutcomeKind::Updated);
    // The profile write completed, but say its queue still dead-letters a
    // late copy of its input: the face the profile lists must survive.
    let indexed = h
        .world
        .published
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find_map(|o| match o {
            Output::Event(e) if e.body.type_name() == "face.indexed" => Some(e.clone()),
            _ => None,
        })
        .unwrap();
    *h.world.records.lock().unwrap() = Default::default();
    let d = h
        .pipeline
        .handle_dead_letter(Stage::ProfileWrite, &indexed.to_vec())
        .await;
    assert_eq!(d, Disposition::Ack);
    h.pump().await;
    assert_eq!(h.faces(), 2, "both faces the profile lists are still there");
}

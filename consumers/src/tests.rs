//! The domain's unit tests: every stage over in-memory fakes, driven like
//! the real router drives them.

use std::sync::Arc;

use riv_events::outcome::OutcomeEnvelope;
use riv_events::{Effect, ObjectKey, OutcomeKind, ReasonCode, Stage, UserId};
use serde_json::json;

use crate::config::PipelineConfig;
use crate::driver::{Delivery, Disposition, Pipeline};
use crate::fakes::{FixedClock, World};
use crate::outputs::Output;
use crate::ports::{ObjectStore, Ports, ProfileStore};
use crate::workflow;

struct Harness {
    world: Arc<World>,
    pipeline: Pipeline,
    cursor: std::sync::Mutex<usize>,
}

fn face(person: &str) -> serde_json::Value {
    json!({ "person": person })
}

impl Harness {
    fn new() -> Self {
        Self::with(PipelineConfig::default())
    }

    fn with(config: PipelineConfig) -> Self {
        config.validate().unwrap();
        let world = Arc::new(World::default());
        let ports = Ports {
            objects: world.clone(),
            analyzer: world.clone(),
            collection: world.clone(),
            profiles: world.clone(),
            idempotency: world.clone(),
            publisher: world.clone(),
            clock: Arc::new(FixedClock),
        };
        Self {
            world,
            pipeline: Pipeline::new(ports, Arc::new(config)),
            cursor: std::sync::Mutex::new(0),
        }
    }

    async fn put(&self, key: &str, bytes: Vec<u8>) {
        self.world
            .put(&ObjectKey::parse(key).unwrap(), bytes)
            .await
            .unwrap();
    }

    /// Uploads a selfie with `faces` and the manifest; returns the manifest notification.
    async fn submit(
        &self,
        rid: &str,
        workflow: &str,
        user: &str,
        faces: serde_json::Value,
    ) -> Vec<u8> {
        self.put(
            &format!("requests/{rid}/selfie.jpg"),
            json!({ "faces": faces }).to_string().into_bytes(),
        )
        .await;
        let manifest = json!({
            "schema_version": 1, "workflow": workflow, "request_id": rid, "user_id": user,
            "images": { "selfie": format!("requests/{rid}/selfie.jpg") },
            "properties": { "name": "Test" },
        });
        self.put(
            &format!("requests/{rid}/manifest.json"),
            manifest.to_string().into_bytes(),
        )
        .await;
        notification(rid)
    }

    /// Runs everything published since the last call through its consumer.
    async fn pump(&self) {
        loop {
            let next = {
                let published = self.world.published.lock().unwrap();
                let mut cursor = self.cursor.lock().unwrap();
                let item = published.get(*cursor).cloned();
                if item.is_some() {
                    *cursor += 1;
                }
                item
            };
            let Some(output) = next else { return };
            match output {
                Output::Event(event) => {
                    let target = workflow::routing_table()
                        .into_iter()
                        .find(|e| {
                            Some(e.workflow) == event.meta.workflow
                                && e.event_type == event.body.type_name()
                        })
                        .unwrap()
                        .target;
                    let body = event.to_vec();
                    self.deliver(target, &body).await;
                }
                Output::Rollback(command) => {
                    self.deliver(Stage::Rollback, &command.to_vec()).await;
                }
                Output::Outcome(_) => {}
            }
        }
    }

    async fn deliver(&self, stage: Stage, body: &[u8]) -> Disposition {
        let d = self
            .pipeline
            .handle(
                stage,
                Delivery {
                    body,
                    receive_count: 1,
                },
            )
            .await;
        assert_eq!(d, Disposition::Ack, "{stage}");
        d
    }

    async fn run(
        &self,
        rid: &str,
        workflow: &str,
        user: &str,
        faces: serde_json::Value,
    ) -> OutcomeEnvelope {
        let note = self.submit(rid, workflow, user, faces).await;
        self.deliver(Stage::Intake, &note).await;
        self.pump().await;
        self.outcome(rid)
    }

    fn outcome(&self, rid: &str) -> OutcomeEnvelope {
        let outcomes: Vec<_> = self
            .world
            .outcomes()
            .into_iter()
            .filter(|o| o.meta.correlation_id.as_str() == rid)
            .collect();
        assert_eq!(outcomes.len(), 1, "one outcome per request: {outcomes:?}");
        outcomes.into_iter().next().unwrap()
    }

    fn faces(&self) -> usize {
        self.world.faces.lock().unwrap().len()
    }
}

fn notification(rid: &str) -> Vec<u8> {
    json!({ "Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
        "eventTime": "2026-11-24T12:00:00.000Z",
        "s3": { "bucket": { "name": "riv" }, "object": { "key": format!("requests/{rid}/manifest.json"), "size": 10 } }
    }]})
    .to_string()
    .into_bytes()
}

fn kind(o: &OutcomeEnvelope) -> (OutcomeKind, Option<ReasonCode>) {
    (o.outcome().outcome, o.outcome().reason)
}

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
    // The manifest lacks a document, so it is invalid before the workflow is considered.
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
            let batch: Vec<Output> = {
                let published = h.world.published.lock().unwrap();
                let mut cursor = h.cursor.lock().unwrap();
                let batch = published[*cursor..].to_vec();
                *cursor = published.len();
                batch
            };
            if batch.is_empty() {
                break;
            }
            for output in batch {
                let (stage, body) = match &output {
                    Output::Event(e) => (
                        workflow::routing_table()
                            .into_iter()
                            .find(|r| {
                                Some(r.workflow) == e.meta.workflow
                                    && r.event_type == e.body.type_name()
                            })
                            .unwrap()
                            .target,
                        e.to_vec(),
                    ),
                    Output::Rollback(c) => (Stage::Rollback, c.to_vec()),
                    Output::Outcome(_) => continue,
                };
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
        let target = workflow::routing_table()
            .into_iter()
            .find(|r| Some(r.workflow) == e.meta.workflow && r.event_type == e.body.type_name())
            .unwrap()
            .target;
        h2.deliver(target, &e.to_vec()).await;
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
        let batch: Vec<Output> = {
            let published = h.world.published.lock().unwrap();
            let mut cursor = h.cursor.lock().unwrap();
            let batch = published[*cursor..].to_vec();
            *cursor = published.len();
            batch
        };
        for output in batch {
            let (stage, body) = match output {
                Output::Event(e) => (
                    workflow::routing_table()
                        .into_iter()
                        .find(|r| {
                            Some(r.workflow) == e.meta.workflow
                                && r.event_type == e.body.type_name()
                        })
                        .unwrap()
                        .target,
                    e.to_vec(),
                ),
                Output::Rollback(c) => (Stage::Rollback, c.to_vec()),
                Output::Outcome(_) => continue,
            };
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

#[test]
fn the_routing_table_exports_as_json() {
    let json = serde_json::to_value(workflow::routing_table()).unwrap();
    assert_eq!(json[0]["workflow"], "register");
    assert_eq!(json[0]["event_type"], "request.accepted");
    assert_eq!(json[0]["target"], "quality");
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

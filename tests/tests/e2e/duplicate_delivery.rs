//! Every message delivered twice leaves the state that delivering it once
//! leaves: the domain driven message by message over the real local
//! adapters (files, SQLite, the face collection over the real engine), with
//! a recording publisher standing in for the bus.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::sync::Arc;

use riv_consumers::ports::{FaceCollection, ObjectStore, Ports, ProfileStore, SystemClock};
use riv_consumers::workflow::target;
use riv_consumers::{Delivery, Disposition, Pipeline, PipelineConfig};
use riv_events::outcome::OutcomeEnvelope;
use riv_events::{EventId, ObjectKey, OutcomeKind, ReasonCode, RequestManifest, Stage, UserId};
use riv_face_engine::{EngineConfig, FaceEngine};
use riv_local::db::Db;
use riv_local::faces::LocalFaces;
use riv_local::idempotency::SqliteIdempotency;
use riv_local::notify::{etag, manifest_notification};
use riv_local::objects::FsObjectStore;
use riv_local::profiles::SqliteProfiles;
use riv_tests::images::truncated;
use riv_tests::inputs::{require_models, require_photos};
use riv_tests::recording::{Published, RecordingPublisher};
use serde_json::json;

/// How each message is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Once, with receive count 1.
    Once,
    /// Twice in a row: receive count 1, then 2.
    Twice,
    /// Once as it comes, then every message of the request again (receive
    /// count 2) after the request has finished.
    Late,
}

/// The domain over one data directory's real adapters.
struct Direct {
    mode: Mode,
    pipeline: Pipeline,
    recorder: Arc<RecordingPublisher>,
    objects: FsObjectStore,
    faces: LocalFaces,
    profiles: SqliteProfiles,
    /// How much of the recording has been delivered.
    cursor: usize,
    /// Event ids delivered already (the bus deduplicates by event id).
    delivered: HashSet<EventId>,
}

impl Direct {
    async fn open(dir: &Path, engine: Arc<FaceEngine>, mode: Mode) -> Self {
        let objects = FsObjectStore::new(dir.join("objects")).unwrap();
        let db = Db::open(dir.join("riv.db")).unwrap();
        let faces = LocalFaces::open(engine, Arc::new(objects.clone()), dir.join("faces.db"))
            .await
            .unwrap();
        let clock = Arc::new(SystemClock);
        let recorder = Arc::new(RecordingPublisher::default());
        let profiles = SqliteProfiles::new(db.clone());
        let ports = Ports {
            objects: Arc::new(objects.clone()),
            analyzer: Arc::new(faces.clone()),
            documents: None,
            collection: Arc::new(faces.clone()),
            profiles: Arc::new(profiles.clone()),
            idempotency: Arc::new(SqliteIdempotency::new(db, clock.clone())),
            publisher: recorder.clone(),
            clock,
        };
        let config = PipelineConfig::default();
        config.validate().unwrap();
        Self {
            mode,
            pipeline: Pipeline::new(ports, Arc::new(config)),
            recorder,
            objects,
            faces,
            profiles,
            cursor: 0,
            delivered: HashSet::new(),
        }
    }

    /// Delivers one message as the mode says (the late repeat aside).
    async fn deliver(&self, stage: Stage, body: &[u8]) {
        let times = if self.mode == Mode::Twice { 2 } else { 1 };
        for receive_count in 1..=times {
            self.deliver_once(stage, body, receive_count).await;
        }
    }

    async fn deliver_once(&self, stage: Stage, body: &[u8], receive_count: u32) {
        let disposition = self
            .pipeline
            .handle(
                stage,
                Delivery {
                    body,
                    receive_count,
                },
            )
            .await;
        assert_eq!(
            disposition,
            Disposition::Ack,
            "{stage}, receive {receive_count}"
        );
    }

    /// Runs one request: uploads its selfie and manifest, delivers the
    /// notification and everything published after it until nothing new is
    /// published.
    async fn request(
        &mut self,
        request_id: &str,
        workflow: &str,
        user: &str,
        selfie: Vec<u8>,
    ) -> OutcomeEnvelope {
        let selfie_key = ObjectKey::parse(format!("requests/{request_id}/selfie.jpg")).unwrap();
        self.objects.put(&selfie_key, selfie).await.unwrap();
        let manifest = json!({
            "schema_version": 1, "workflow": workflow, "request_id": request_id,
            "user_id": user, "images": { "selfie": selfie_key.as_str() },
            "properties": { "last": request_id },
        })
        .to_string()
        .into_bytes();
        let rid = riv_events::RequestId::parse(request_id).unwrap();
        let key = RequestManifest::key_for(&rid);
        let notification =
            manifest_notification("riv-local", &key, manifest.len(), &etag(&manifest));
        self.objects.put(&key, manifest).await.unwrap();

        let mut handled: Vec<(Stage, Vec<u8>)> = vec![(Stage::Intake, notification.clone())];
        self.deliver(Stage::Intake, &notification).await;
        self.pump(&mut handled).await;
        if self.mode == Mode::Late {
            for (stage, body) in &handled {
                self.deliver_once(*stage, body, 2).await;
            }
            // The repeats publish again; the bus drops what it has seen.
            let mut again = Vec::new();
            self.pump(&mut again).await;
            assert!(again.is_empty(), "a late repeat published something new");
        }
        let mut outcomes: Vec<OutcomeEnvelope> = self
            .recorder
            .outcomes()
            .into_iter()
            .filter(|o| o.meta.correlation_id.as_str() == request_id)
            .collect();
        outcomes.dedup_by(|a, b| a.meta.event_id == b.meta.event_id);
        let ids: BTreeSet<EventId> = outcomes.iter().map(|o| o.meta.event_id).collect();
        assert_eq!(ids.len(), 1, "{request_id}: one outcome: {outcomes:?}");
        outcomes.remove(0)
    }

    /// Delivers everything published since the last call, each event id
    /// once (per the mode), until nothing new is published.
    async fn pump(&mut self, handled: &mut Vec<(Stage, Vec<u8>)>) {
        loop {
            let fresh = self.recorder.since(self.cursor);
            if fresh.is_empty() {
                return;
            }
            self.cursor += fresh.len();
            for item in fresh {
                let (stage, id, body) = match item {
                    Published::Event(event) => {
                        let workflow = event.meta.workflow.expect("events name their workflow");
                        let target = target(workflow, event.body.type_name())
                            .expect("every event has a route");
                        (target, event.meta.event_id, event.to_vec())
                    }
                    Published::Rollback(command) => {
                        (Stage::Rollback, command.meta.event_id, command.to_vec())
                    }
                    Published::Outcome(_) => continue,
                };
                if self.delivered.insert(id) {
                    self.deliver(stage, &body).await;
                    handled.push((stage, body));
                }
            }
        }
    }

    /// What the final state comes to, without the collection's random ids
    /// and the timestamps.
    async fn state(&self, users: &[&str]) -> State {
        let mut profiles = BTreeMap::new();
        let mut faces = BTreeMap::new();
        for user in users {
            let id = UserId::parse(*user).unwrap();
            let profile = self.profiles.get(&id).await.unwrap().map(|p| {
                let images: Vec<(String, String)> = p
                    .faces
                    .iter()
                    .map(|f| (f.face.image_key.to_string(), f.request_id.to_string()))
                    .collect();
                (p.properties, images, p.created_by.to_string(), p.version)
            });
            profiles.insert((*user).to_owned(), profile);
            faces.insert(
                (*user).to_owned(),
                self.faces.faces_of_user(&id).await.unwrap().len(),
            );
        }
        let outcomes = self
            .recorder
            .outcomes()
            .iter()
            .map(|o| {
                let outcome = o.outcome();
                (
                    o.meta.event_id,
                    o.meta.correlation_id.to_string(),
                    outcome.outcome.as_str(),
                    outcome.reason.map(ReasonCode::as_str),
                )
            })
            .collect();
        State {
            profiles,
            faces,
            total_faces: self.faces.count(),
            outcomes,
        }
    }
}

type ProfileSummary = (BTreeMap<String, String>, Vec<(String, String)>, String, u64);

#[derive(Debug, PartialEq)]
struct State {
    profiles: BTreeMap<String, Option<ProfileSummary>>,
    faces: BTreeMap<String, usize>,
    total_faces: usize,
    /// Distinct outcomes: (event id, request, kind, reason).
    outcomes: BTreeSet<(EventId, String, &'static str, Option<&'static str>)>,
}

/// One step of the script: request id, workflow, user, picture, expected.
type Step<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Vec<u8>,
    (OutcomeKind, Option<ReasonCode>),
);

async fn run_script(dir: &Path, engine: Arc<FaceEngine>, mode: Mode, steps: &[Step<'_>]) -> State {
    let mut direct = Direct::open(dir, engine, mode).await;
    for (request_id, workflow, user, picture, expected) in steps {
        let outcome = direct
            .request(request_id, workflow, user, picture.clone())
            .await;
        let o = outcome.outcome();
        assert_eq!(
            (o.outcome, o.reason),
            *expected,
            "{mode:?} {request_id}: {outcome:?}"
        );
    }
    // Repeats republish the recorded outputs: the same event ids, the same
    // outcomes.
    let mut by_id: BTreeMap<EventId, Vec<&OutcomeEnvelope>> = BTreeMap::new();
    let outcomes = direct.recorder.outcomes();
    for o in &outcomes {
        by_id.entry(o.meta.event_id).or_default().push(o);
    }
    for (id, copies) in &by_id {
        assert!(
            copies.iter().all(|c| c.outcome() == copies[0].outcome()),
            "{mode:?}: outcome {id} differs between its copies"
        );
        if mode == Mode::Once {
            assert_eq!(copies.len(), 1, "delivered once, published once");
        }
    }
    direct.state(&["alice", "bob", "carol", "dave"]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_delivery_of_every_message_leaves_the_same_state() {
    let Some(models) = require_models() else {
        return;
    };
    let Some([obama, obama2, obama3, biden]) =
        require_photos(["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"])
    else {
        return;
    };
    let [obama, obama2, obama3, biden] =
        [obama, obama2, obama3, biden].map(|p| std::fs::read(p).unwrap());
    let engine = Arc::new(
        tokio::task::spawn_blocking(move || FaceEngine::load(EngineConfig::with_model_dir(models)))
            .await
            .unwrap()
            .unwrap(),
    );
    use OutcomeKind::{Denied, Failed, Registered, Updated, Verified};
    let steps: Vec<Step<'_>> = vec![
        (
            "dd-01",
            "register",
            "alice",
            obama.clone(),
            (Registered, None),
        ),
        ("dd-02", "auth", "alice", obama2.clone(), (Verified, None)),
        ("dd-03", "update", "alice", obama3, (Updated, None)),
        (
            "dd-04",
            "auth",
            "alice",
            biden.clone(),
            (Denied, Some(ReasonCode::FaceMismatch)),
        ),
        (
            "dd-05",
            "register",
            "bob",
            biden.clone(),
            (Registered, None),
        ),
        (
            "dd-06",
            "register",
            "carol",
            obama2,
            (Failed, Some(ReasonCode::DuplicateFace)),
        ),
        (
            "dd-07",
            "update",
            "bob",
            obama.clone(),
            (Denied, Some(ReasonCode::FaceMismatch)),
        ),
        (
            "dd-08",
            "register",
            "dave",
            truncated(&biden, 0.5),
            (Failed, Some(ReasonCode::InvalidImage)),
        ),
        (
            "dd-09",
            "auth",
            "dave",
            obama,
            (Denied, Some(ReasonCode::UserNotFound)),
        ),
    ];
    let dirs = [(); 3].map(|()| tempfile::tempdir().unwrap());
    let (once, twice, late) = tokio::join!(
        run_script(dirs[0].path(), engine.clone(), Mode::Once, &steps),
        run_script(dirs[1].path(), engine.clone(), Mode::Twice, &steps),
        run_script(dirs[2].path(), engine.clone(), Mode::Late, &steps),
    );
    assert_eq!(once.total_faces, 3, "alice 2, bob 1: {once:?}");
    assert_eq!(once.outcomes.len(), steps.len());
    assert_eq!(twice, once, "delivered twice in a row");
    assert_eq!(late, once, "delivered again after the request finished");
}

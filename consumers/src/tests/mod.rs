//! The domain's unit tests: every stage over in-memory fakes, driven like
//! the real router drives them. The harness is here; the tests are in
//! [`workflows`] (what each workflow decides) and [`delivery`] (retries,
//! repeats, dead letters, rollbacks, races).

mod delivery;
mod idcard;
mod workflows;

use std::sync::Arc;

use riv_events::outcome::OutcomeEnvelope;
use riv_events::{ObjectKey, OutcomeKind, ReasonCode, Stage};
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
        Self::build(config, true)
    }

    fn without_documents() -> Self {
        Self::build(PipelineConfig::default(), false)
    }

    fn build(config: PipelineConfig, documents: bool) -> Self {
        config.validate().unwrap();
        let world = Arc::new(World::default());
        let reader: Arc<dyn crate::ports::DocumentReader> = world.clone();
        let ports = Ports {
            objects: world.clone(),
            analyzer: world.clone(),
            documents: documents.then_some(reader),
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
            if let Some((stage, body)) = route(&output) {
                self.deliver(stage, &body).await;
            }
        }
    }

    /// Everything published since the last batch or pump, not yet delivered.
    fn take_batch(&self) -> Vec<Output> {
        let published = self.world.published.lock().unwrap();
        let mut cursor = self.cursor.lock().unwrap();
        let batch = published[*cursor..].to_vec();
        *cursor = published.len();
        batch
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

/// Where the router sends an output, with its body; `None` for outcomes,
/// which go to apps rather than to a stage.
fn route(output: &Output) -> Option<(Stage, Vec<u8>)> {
    match output {
        Output::Event(event) => {
            let workflow = event.meta.workflow.unwrap();
            Some((
                workflow::target(workflow, event.body.type_name()).unwrap(),
                event.to_vec(),
            ))
        }
        Output::Rollback(command) => Some((Stage::Rollback, command.to_vec())),
        Output::Outcome(_) => None,
    }
}

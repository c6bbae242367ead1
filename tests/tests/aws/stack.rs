//! The AWS path on this machine: the moto server (S3 with notifications,
//! SQS, SNS, EventBridge, DynamoDB), riv's Rekognition- and
//! Textract-compatible endpoint reading images from moto's S3, the
//! resources provisioned as the CDK app wires them, and every stage
//! consumed by the long-running workers through the real SDK clients.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use riv_aws::sqs::SqsQueue;
use riv_client::PreparedRequest;
use riv_document_engine::DocumentEngine;
use riv_document_engine::models::OcrModelDir;
use riv_events::outcome::OutcomeEnvelope;
use riv_events::{RequestManifest, Stage};
use riv_lambda::compose::{Clients, pipeline};
use riv_lambda::config::AwsSettings;
use riv_lambda::provision::{Provisioned, provision};
use riv_lambda::worker::{WorkerPlan, WorkerSettings, run_plan};
use riv_tests::inputs::require_models;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::emulators::{moto_server, sdk_config};

/// Changes one stage process's clients or settings.
pub type Fault = Box<dyn FnOnce(&mut Clients, &mut AwsSettings) + Send>;

/// How long a test waits for one request's outcome.
pub const OUTCOME_TIMEOUT: Duration = Duration::from_secs(120);

/// One running AWS-path pipeline with its own prefix on the shared moto.
pub struct AwsStack {
    /// The SDK configuration of the emulator (moto).
    pub sdk: aws_config::SdkConfig,
    pub clients: Clients,
    pub made: Provisioned,
    pub settings: AwsSettings,
    outcomes: SqsQueue,
    shutdown: CancellationToken,
    tasks: TaskTracker,
    _collections: tempfile::TempDir,
}

fn unique_prefix() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("riv-e2e-{}", &id[..10])
}

impl AwsStack {
    /// Starts everything, or `None` (a skip) when models or emulators are missing.
    pub async fn start() -> Option<Self> {
        Self::start_with(None).await
    }

    /// Starts everything, with one stage's process given other clients or
    /// settings by `fault` (each stage is its own process on AWS).
    pub async fn start_with(fault: Option<(Stage, Fault)>) -> Option<Self> {
        Self::boot(fault, true).await
    }

    /// Starts everything but the workers: the test consumes the queues
    /// itself (as Lambda's event source mappings do).
    pub async fn start_without_workers() -> Option<Self> {
        Self::boot(None, false).await
    }

    async fn boot(fault: Option<(Stage, Fault)>, workers: bool) -> Option<Self> {
        let models = require_models()?;
        let moto = moto_server()?;
        let sdk = sdk_config(&moto.endpoint).await;
        let mut clients = Clients::new(&sdk);
        let shutdown = CancellationToken::new();
        let tasks = TaskTracker::new();

        // Rekognition: riv's endpoint, reading S3Object images from moto.
        let collections = tempfile::tempdir().expect("a temporary directory");
        let mut compat = riv_compat::CompatConfig::new(
            collections.path(),
            riv_face_engine::EngineConfig::with_model_dir(&models),
        );
        compat.s3 = Some(clients.s3.clone());
        // Textract's AnalyzeID too, for the ID document workflow: barcodes,
        // and the MRZ and printed labels by OCR, as `riv rekognition-endpoint`
        // reads them.
        let ocr_models = OcrModelDir::new(&models);
        let documents = tokio::task::spawn_blocking(move || {
            DocumentEngine::with_ocr_models(&ocr_models).expect("the OCR models load")
        })
        .await
        .expect("the OCR models load");
        compat.documents = Some(Arc::new(documents));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let rekognition_url = format!("http://{}", listener.local_addr().expect("an address"));
        let stop = shutdown.clone();
        tasks.spawn(async move {
            riv_compat::serve(compat, listener, stop.cancelled_owned())
                .await
                .expect("the Rekognition endpoint serves");
        });
        clients = clients
            .with_rekognition_endpoint(&sdk, &rekognition_url)
            .with_textract_endpoint(&sdk, &rekognition_url);

        let made = provision(&clients, &unique_prefix())
            .await
            .expect("resources are provisioned");
        let outcomes = subscribe_outcomes(&clients, &made).await;
        let mut settings = made.settings();
        settings.pipeline.delivery.retry_delay_secs = 1;
        settings.pipeline.delivery.max_retry_delay_secs = 2;
        settings.pipeline.validate().expect("valid test settings");

        let plan = |stages: Vec<Stage>, dead_letters: bool| WorkerPlan {
            prefix: made.prefix.clone(),
            stages,
            dead_letters,
            settings: WorkerSettings {
                concurrency: 2,
                wait: Duration::from_secs(1),
                visibility: Duration::from_secs(20),
            },
        };
        let mut healthy: Vec<Stage> = Stage::ALL.to_vec();
        let mut processes = Vec::new();
        if let Some((stage, fault)) = fault {
            healthy.retain(|s| *s != stage);
            let (mut faulty_clients, mut faulty_settings) = (clients.clone(), settings.clone());
            fault(&mut faulty_clients, &mut faulty_settings);
            let faulty = Arc::new(pipeline(&faulty_clients, &faulty_settings));
            processes.push((faulty, plan(vec![stage], false)));
        }
        processes.push((Arc::new(pipeline(&clients, &settings)), plan(healthy, true)));
        if !workers {
            processes.clear();
        }
        for (pipeline, plan) in processes {
            let (sqs, stop) = (clients.sqs.clone(), shutdown.clone());
            tasks.spawn(async move {
                run_plan(pipeline, sqs, plan, stop)
                    .await
                    .expect("the workers find their queues");
            });
        }
        Some(Self {
            sdk,
            clients,
            made,
            settings,
            outcomes,
            shutdown,
            tasks,
            _collections: collections,
        })
    }

    /// Uploads the images, then the manifest, as an app does.
    pub async fn submit(&self, request: &PreparedRequest) {
        for (key, bytes) in &request.images {
            self.put(key.as_str(), bytes.clone()).await;
        }
        let manifest = serde_json::to_vec(&request.manifest).expect("a manifest serialises");
        let key = RequestManifest::key_for(&request.manifest.request_id);
        self.put(key.as_str(), manifest).await;
    }

    /// Stores an object in the bucket.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) {
        self.clients
            .s3
            .put_object()
            .bucket(&self.made.bucket)
            .key(key)
            .body(bytes.into())
            .send()
            .await
            .unwrap_or_else(|err| panic!("uploading {key}: {err:?}"));
    }

    /// Whether the bucket holds `key`.
    pub async fn has_object(&self, key: &str) -> bool {
        self.clients
            .s3
            .head_object()
            .bucket(&self.made.bucket)
            .key(key)
            .send()
            .await
            .is_ok()
    }

    /// Submits and waits for the request's outcome.
    pub async fn run(&self, request: &PreparedRequest) -> OutcomeEnvelope {
        self.submit(request).await;
        self.outcome_of(request.request_id().as_str()).await
    }

    /// Waits for the outcome of `request_id` on the test's subscription to
    /// the outcomes topic; fails on a second outcome for any request seen.
    pub async fn outcome_of(&self, request_id: &str) -> OutcomeEnvelope {
        let deadline = Instant::now() + OUTCOME_TIMEOUT;
        loop {
            assert!(
                Instant::now() < deadline,
                "no outcome for {request_id} within {OUTCOME_TIMEOUT:?}"
            );
            let received = self
                .outcomes
                .receive(10, Duration::from_secs(1), Duration::from_secs(30))
                .await
                .expect("the outcomes queue answers");
            let mut found = None;
            for message in received {
                let outcome: OutcomeEnvelope =
                    serde_json::from_str(&message.body).expect("an outcome envelope");
                self.outcomes
                    .delete(&message.receipt)
                    .await
                    .expect("delete");
                if outcome.meta.correlation_id.as_str() == request_id {
                    assert!(found.is_none(), "two outcomes for {request_id}");
                    found = Some(outcome);
                }
            }
            if let Some(outcome) = found {
                return outcome;
            }
        }
    }

    /// How many faces the collection holds.
    pub async fn face_count(&self) -> usize {
        let listed = self
            .clients
            .rekognition
            .list_faces()
            .collection_id(&self.made.prefix)
            .max_results(4096)
            .send()
            .await
            .expect("ListFaces");
        listed.faces().len()
    }

    /// Messages visible or in flight in a queue.
    pub async fn depth(&self, url: &str) -> u64 {
        let attributes = self
            .clients
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .expect("queue attributes");
        let map = attributes.attributes.unwrap_or_default();
        [
            QueueAttributeName::ApproximateNumberOfMessages,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
        ]
        .iter()
        .filter_map(|name| map.get(name).and_then(|v| v.parse::<u64>().ok()))
        .sum()
    }

    /// Stops the workers and the endpoint, waiting for messages in hand.
    pub async fn stop(self) {
        self.shutdown.cancel();
        self.tasks.close();
        tokio::time::timeout(Duration::from_secs(60), self.tasks.wait())
            .await
            .expect("the workers stop within a minute");
    }
}

/// A queue of the test's own on the outcomes topic, raw delivery.
async fn subscribe_outcomes(clients: &Clients, made: &Provisioned) -> SqsQueue {
    let name = format!("{}-test-outcomes", made.prefix);
    let url = clients
        .sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .expect("a queue")
        .queue_url
        .expect("its URL");
    let arn = clients
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("its attributes")
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .expect("its ARN");
    clients
        .sns
        .subscribe()
        .topic_arn(&made.outcomes_topic_arn)
        .protocol("sqs")
        .endpoint(arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .expect("a subscription");
    SqsQueue::new(clients.sqs.clone(), url)
}

/// Waits up to a minute for `check` to hold.
pub async fn wait_for<F, Fut>(mut check: F, what: &str)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

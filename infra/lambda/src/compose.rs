//! The composition root of a riv process on AWS: one SDK config (loaded
//! once by `main`) and the validated settings in, the pipeline out.

use std::sync::Arc;

use aws_config::SdkConfig;
use riv_aws::dynamodb::face_records::FaceRecords;
use riv_aws::dynamodb::idempotency::DynamoIdempotency;
use riv_aws::dynamodb::profiles::DynamoProfiles;
use riv_aws::eventbridge::EventBridgeBus;
use riv_aws::publisher::AwsPublisher;
use riv_aws::rekognition::{RekognitionAnalyzer, RekognitionCollection};
use riv_aws::s3::S3ObjectStore;
use riv_aws::sns::SnsTopic;
use riv_aws::textract::TextractDocuments;
use riv_consumers::Pipeline;
use riv_consumers::ports::{
    Clock, DocumentReader, FaceAnalyzer, FaceCollection, Ports, ProfileStore, SystemClock,
};

use crate::config::AwsSettings;
use crate::unconfigured::Unconfigured;

/// The SDK clients of one process, built once.
#[derive(Debug, Clone)]
pub struct Clients {
    /// S3.
    pub s3: aws_sdk_s3::Client,
    /// DynamoDB.
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// EventBridge.
    pub eventbridge: aws_sdk_eventbridge::Client,
    /// SNS.
    pub sns: aws_sdk_sns::Client,
    /// SQS.
    pub sqs: aws_sdk_sqs::Client,
    /// Rekognition.
    pub rekognition: aws_sdk_rekognition::Client,
    /// Textract (`AnalyzeID`, for the ID document workflows).
    pub textract: aws_sdk_textract::Client,
}

impl Clients {
    /// Every client from one SDK config. With an endpoint override (local
    /// emulators, S3-compatible stores) S3 uses path-style addressing. A
    /// service's own endpoint variable (`AWS_ENDPOINT_URL_TEXTRACT`,
    /// `AWS_ENDPOINT_URL_REKOGNITION`…) is honoured by the SDK unless the
    /// config's endpoint was set in code.
    pub fn new(sdk: &SdkConfig) -> Self {
        let s3 = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(sdk.endpoint_url().is_some())
            .build();
        Self {
            s3: aws_sdk_s3::Client::from_conf(s3),
            dynamodb: aws_sdk_dynamodb::Client::new(sdk),
            eventbridge: aws_sdk_eventbridge::Client::new(sdk),
            sns: aws_sdk_sns::Client::new(sdk),
            sqs: aws_sdk_sqs::Client::new(sdk),
            rekognition: aws_sdk_rekognition::Client::new(sdk),
            textract: aws_sdk_textract::Client::new(sdk),
        }
    }

    /// The same clients with Rekognition at `url` (riv's Rekognition-compatible
    /// endpoint, while the other services are AWS or an emulator).
    pub fn with_rekognition_endpoint(mut self, sdk: &SdkConfig, url: &str) -> Self {
        let config = aws_sdk_rekognition::config::Builder::from(sdk)
            .endpoint_url(url)
            .build();
        self.rekognition = aws_sdk_rekognition::Client::from_conf(config);
        self
    }

    /// The same clients with Textract at `url` (riv's compatible endpoint
    /// serves `AnalyzeID` beside Rekognition).
    pub fn with_textract_endpoint(mut self, sdk: &SdkConfig, url: &str) -> Self {
        let config = aws_sdk_textract::config::Builder::from(sdk)
            .endpoint_url(url)
            .build();
        self.textract = aws_sdk_textract::Client::from_conf(config);
        self
    }
}

/// Every port over AWS, as `settings` name the resources.
pub fn ports(clients: &Clients, settings: &AwsSettings) -> Ports {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let objects = S3ObjectStore::new(clients.s3.clone(), &settings.bucket);
    let profiles: Arc<dyn ProfileStore> = match &settings.profiles_table {
        Some(table) => Arc::new(DynamoProfiles::new(clients.dynamodb.clone(), table)),
        None => Arc::new(Unconfigured {
            variable: "RIV_PROFILES_TABLE",
        }),
    };
    let collection: Arc<dyn FaceCollection> = match (&settings.collection_id, &settings.faces_table)
    {
        (Some(collection), Some(table)) => Arc::new(RekognitionCollection::new(
            clients.rekognition.clone(),
            collection,
            FaceRecords::new(clients.dynamodb.clone(), table),
            objects.clone(),
            settings.image_source,
        )),
        (None, _) => Arc::new(Unconfigured {
            variable: "RIV_COLLECTION_ID",
        }),
        (_, None) => Arc::new(Unconfigured {
            variable: "RIV_FACES_TABLE",
        }),
    };
    let analyzer: Arc<dyn FaceAnalyzer> = Arc::new(RekognitionAnalyzer::new(
        clients.rekognition.clone(),
        objects.clone(),
        settings.image_source,
    ));
    let documents: Arc<dyn DocumentReader> = Arc::new(TextractDocuments::new(
        clients.textract.clone(),
        objects.clone(),
        settings.image_source,
        analyzer.clone(),
    ));
    let publisher = AwsPublisher {
        bus: EventBridgeBus::new(
            clients.eventbridge.clone(),
            &settings.event_bus,
            &settings.event_source,
        ),
        outcomes: SnsTopic::new(clients.sns.clone(), &settings.outcomes_topic_arn),
        rollback: SnsTopic::new(clients.sns.clone(), &settings.rollback_topic_arn),
    };
    Ports {
        objects: Arc::new(objects),
        analyzer,
        documents: Some(documents),
        collection,
        profiles,
        idempotency: Arc::new(DynamoIdempotency::new(
            clients.dynamodb.clone(),
            &settings.idempotency_table,
            clock.clone(),
        )),
        publisher: Arc::new(publisher),
        clock,
    }
}

/// The stage consumers over AWS.
pub fn pipeline(clients: &Clients, settings: &AwsSettings) -> Pipeline {
    Pipeline::new(
        ports(clients, settings),
        Arc::new(settings.pipeline.clone()),
    )
}

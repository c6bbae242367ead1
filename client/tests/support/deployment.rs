//! A deployment's bucket and outcomes topic on the emulator, a stand-in for
//! the pipeline that publishes outcomes, and what the tests look at.

use std::collections::BTreeMap;
use std::path::Path;

use aws_sdk_sns::types::MessageAttributeValue;
use aws_sdk_sqs::types::QueueAttributeName;
use chrono::Utc;
use riv_client::aws::QUEUE_PREFIX;
use riv_client::{AwsTarget, Picture, PreparedRequest};
use riv_events::envelope::{Envelope, EventMeta};
use riv_events::outcome::{OutcomeBody, OutcomeEnvelope};
use riv_events::{
    EventId, Findings, Outcome, OutcomeKind, RequestId, SCHEMA_VERSION, Stage, UserId, Workflow,
};

/// A "selfie": JPEG magic bytes and a little text.
pub const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, b'm', b'e'];

/// A selfie request of `user` for `workflow`.
pub fn selfie(workflow: Workflow, user: &str) -> PreparedRequest {
    let picture = Picture::from_bytes(JPEG.to_vec(), Path::new("me.jpg")).unwrap();
    PreparedRequest::selfie(
        workflow,
        UserId::parse(user).unwrap(),
        picture,
        BTreeMap::new(),
    )
    .unwrap()
}

/// An outcome envelope for `request_id`, as the pipeline would publish it.
pub fn outcome_for(request_id: &RequestId, kind: OutcomeKind, user: &str) -> OutcomeEnvelope {
    let now = Utc::now();
    Envelope {
        meta: EventMeta {
            schema_version: SCHEMA_VERSION,
            event_id: EventId::random(),
            correlation_id: request_id.clone(),
            workflow: Some(Workflow::Register),
            stage: Stage::ProfileWrite,
            attempt: 1,
            occurred_at: now,
            received_at: now,
        },
        body: OutcomeBody::Outcome(Outcome {
            outcome: kind,
            user_id: Some(UserId::parse(user).unwrap()),
            reason: None,
            message: None,
            measured: None,
            face_ids: Vec::new(),
            findings: Findings::default(),
        }),
    }
}

/// A deployment's bucket and outcomes topic, made on the emulator.
pub struct Deployment {
    s3: aws_sdk_s3::Client,
    sns: aws_sdk_sns::Client,
    sqs: aws_sdk_sqs::Client,
    /// Where the client under test sends requests.
    pub target: AwsTarget,
}

/// Makes a bucket and an outcomes topic of their own.
pub async fn deployment(sdk: &aws_config::SdkConfig) -> Deployment {
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(true)
            .build(),
    );
    let sns = aws_sdk_sns::Client::new(sdk);
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let bucket = format!("riv-client-test-{suffix}");
    let mut create = s3.create_bucket().bucket(&bucket);
    if let Some(region) = sdk.region().filter(|r| r.as_ref() != "us-east-1") {
        create = create.create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(region.as_ref().into())
                .build(),
        );
    }
    create.send().await.unwrap();
    let topic = sns
        .create_topic()
        .name(format!("riv-test-outcomes-{suffix}"))
        .send()
        .await
        .unwrap();
    Deployment {
        s3,
        sns,
        sqs,
        target: AwsTarget {
            bucket,
            outcomes_topic_arn: topic.topic_arn().unwrap().to_owned(),
            path_style: true,
        },
    }
}

impl Deployment {
    /// Publishes an outcome as the pipeline does: the envelope with its
    /// `outcome` and `workflow` attributes.
    pub async fn publish(&self, envelope: &OutcomeEnvelope) {
        let attribute = |value: &str| {
            MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .unwrap()
        };
        self.sns
            .publish()
            .topic_arn(&self.target.outcomes_topic_arn)
            .message(serde_json::to_string(envelope).unwrap())
            .message_attributes("outcome", attribute(envelope.outcome().outcome.as_str()))
            .message_attributes("workflow", attribute("register"))
            .send()
            .await
            .unwrap();
    }

    /// Sends the bucket's object-created events to a new queue, in order.
    pub async fn watch_uploads(&self) -> String {
        let name = format!("uploads-{}", uuid::Uuid::new_v4().simple());
        let url = self
            .sqs
            .create_queue()
            .queue_name(&name)
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap()
            .to_owned();
        let arn = self.queue_arn(&url).await;
        let queue = aws_sdk_s3::types::QueueConfiguration::builder()
            .queue_arn(arn)
            .events(aws_sdk_s3::types::Event::S3ObjectCreated)
            .build()
            .unwrap();
        self.s3
            .put_bucket_notification_configuration()
            .bucket(&self.target.bucket)
            .notification_configuration(
                aws_sdk_s3::types::NotificationConfiguration::builder()
                    .queue_configurations(queue)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        url
    }

    /// The keys of the object-created events waiting in `queue_url`, in
    /// order (each event is read once: it stays invisible afterwards).
    pub async fn uploaded_keys(&self, queue_url: &str) -> Vec<String> {
        let mut keys = Vec::new();
        loop {
            let received = self
                .sqs
                .receive_message()
                .queue_url(queue_url)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap();
            if received.messages().is_empty() {
                return keys;
            }
            for message in received.messages() {
                let event: serde_json::Value =
                    serde_json::from_str(message.body().unwrap()).unwrap();
                // S3 sends a test event (no records) when notifications are
                // configured; keys come URL-encoded (the emulator encodes `/`).
                for record in event["Records"].as_array().into_iter().flatten() {
                    let key = record["s3"]["object"]["key"].as_str().unwrap();
                    keys.push(key.replace("%2F", "/"));
                }
            }
        }
    }

    pub async fn queue_arn(&self, url: &str) -> String {
        let attributes = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap();
        attributes.attributes().unwrap()[&QueueAttributeName::QueueArn].clone()
    }

    pub async fn object(&self, key: &str) -> Vec<u8> {
        let object = self
            .s3
            .get_object()
            .bucket(&self.target.bucket)
            .key(key)
            .send()
            .await
            .unwrap();
        object.body.collect().await.unwrap().into_bytes().to_vec()
    }

    /// Messages in a queue, visible or in flight.
    pub async fn messages_in(&self, url: &str) -> u64 {
        let attributes = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap();
        let attributes = attributes.attributes().unwrap();
        attributes.values().map(|v| v.parse::<u64>().unwrap()).sum()
    }

    /// The client's temporary queues in this region.
    pub async fn temporary_queues(&self) -> Vec<String> {
        let listed = self
            .sqs
            .list_queues()
            .queue_name_prefix(QUEUE_PREFIX)
            .send()
            .await
            .unwrap();
        listed.queue_urls().to_vec()
    }

    pub async fn subscriptions(&self) -> usize {
        self.sns
            .list_subscriptions_by_topic()
            .topic_arn(&self.target.outcomes_topic_arn)
            .send()
            .await
            .unwrap()
            .subscriptions()
            .len()
    }
}

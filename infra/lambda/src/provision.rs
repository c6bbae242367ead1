//! Creates riv's AWS resources through the SDK, named and wired as the CDK
//! app names and wires them, for AWS-compatible emulators and tests
//! (`riv aws provision`). Deployments to AWS use the CDK app (docs/deploy.md),
//! which also sets encryption, alarms and permissions; this creates only
//! what the pipeline needs to run.
//!
//! One difference: the bucket notifies the intake queue directly
//! (`QueueConfigurations`, filtered to manifests) instead of through the
//! default bus; intake reads both shapes.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter,
    QueueConfiguration, S3KeyFilter,
};
use aws_sdk_sqs::types::QueueAttributeName;
use riv_consumers::PortError;
use riv_consumers::workflow::routing_table;
use riv_events::Stage;
use serde_json::json;

use crate::compose::Clients;
use crate::config::{AwsSettings, ImageSource};
use riv_aws::error::port_error;

/// Receives before a message is dead-lettered, as in the CDK app.
pub const MAX_RECEIVE_COUNT: u32 = 5;

/// What [`provision`] created.
#[derive(Debug, Clone)]
pub struct Provisioned {
    /// The names' prefix (`riv-dev`).
    pub prefix: String,
    /// The bucket.
    pub bucket: String,
    /// Each stage's queue URL.
    pub queues: BTreeMap<Stage, String>,
    /// Each stage's dead-letter queue URL.
    pub dead_letter_queues: BTreeMap<Stage, String>,
    /// The parked queue's URL.
    pub parked_queue: String,
    /// The outcomes topic.
    pub outcomes_topic_arn: String,
    /// The rollback topic.
    pub rollback_topic_arn: String,
}

impl Provisioned {
    /// The settings of a process using these resources.
    pub fn settings(&self) -> AwsSettings {
        AwsSettings {
            env: self.prefix.clone(),
            bucket: self.bucket.clone(),
            event_bus: self.prefix.clone(),
            event_source: EVENT_SOURCE.into(),
            outcomes_topic_arn: self.outcomes_topic_arn.clone(),
            rollback_topic_arn: self.rollback_topic_arn.clone(),
            idempotency_table: format!("{}-idempotency", self.prefix),
            profiles_table: Some(format!("{}-profiles", self.prefix)),
            faces_table: Some(format!("{}-faces", self.prefix)),
            collection_id: Some(self.prefix.clone()),
            image_source: ImageSource::S3Object,
            dead_letter_queue_url: None,
            parked_queue_url: Some(self.parked_queue.clone()),
            queue_prefix: Some(self.prefix.clone()),
            pipeline: Default::default(),
        }
    }
}

/// The `Source` of pipeline events.
pub const EVENT_SOURCE: &str = "riv.pipeline";

/// Creates (or finds) every resource under `prefix`. Safe to run again.
pub async fn provision(clients: &Clients, prefix: &str) -> Result<Provisioned, PortError> {
    let mut queues = BTreeMap::new();
    let mut dead_letter_queues = BTreeMap::new();
    let mut arns = BTreeMap::new();
    for stage in Stage::ALL {
        let dlq = create_queue(clients, &format!("{prefix}-{stage}-dlq"), None).await?;
        let dlq_arn = queue_arn(clients, &dlq).await?;
        let queue = create_queue(clients, &format!("{prefix}-{stage}"), Some(&dlq_arn)).await?;
        arns.insert(stage, queue_arn(clients, &queue).await?);
        queues.insert(stage, queue);
        dead_letter_queues.insert(stage, dlq);
    }
    let parked_queue = create_queue(clients, &format!("{prefix}-parked"), None).await?;

    create_bus_and_rules(clients, prefix, &arns).await?;
    let outcomes_topic_arn = create_topic(clients, &format!("{prefix}-outcomes")).await?;
    let rollback_topic_arn = create_topic(clients, &format!("{prefix}-rollback")).await?;
    clients
        .sns
        .subscribe()
        .topic_arn(&rollback_topic_arn)
        .protocol("sqs")
        .endpoint(&arns[&Stage::Rollback])
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .map_err(|e| port_error("subscribing the rollback queue", e))?;

    create_tables(clients, prefix).await?;
    match clients
        .rekognition
        .create_collection()
        .collection_id(prefix)
        .send()
        .await
    {
        Ok(_) => {}
        Err(err) if code(&err) == Some("ResourceAlreadyExistsException") => {}
        Err(err) => return Err(port_error("creating the collection", err)),
    }

    let bucket = format!("{prefix}-bucket");
    create_bucket(clients, &bucket, &arns[&Stage::Intake]).await?;
    Ok(Provisioned {
        prefix: prefix.to_owned(),
        bucket,
        queues,
        dead_letter_queues,
        parked_queue,
        outcomes_topic_arn,
        rollback_topic_arn,
    })
}

fn code<E: aws_sdk_s3::error::ProvideErrorMetadata>(
    err: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> Option<&str> {
    err.as_service_error().and_then(|e| e.code())
}

async fn create_queue(
    clients: &Clients,
    name: &str,
    dead_letters: Option<&str>,
) -> Result<String, PortError> {
    let mut request = clients
        .sqs
        .create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::VisibilityTimeout, "120");
    if let Some(arn) = dead_letters {
        let policy = json!({ "deadLetterTargetArn": arn, "maxReceiveCount": MAX_RECEIVE_COUNT });
        request = request.attributes(QueueAttributeName::RedrivePolicy, policy.to_string());
    }
    let created = request
        .send()
        .await
        .map_err(|e| port_error(format!("creating queue {name}"), e))?;
    created
        .queue_url
        .ok_or_else(|| PortError::permanent(format!("queue {name} came back without a URL")))
}

async fn queue_arn(clients: &Clients, url: &str) -> Result<String, PortError> {
    let attributes = clients
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| port_error(format!("reading the ARN of {url}"), e))?;
    attributes
        .attributes
        .and_then(|a| a.get(&QueueAttributeName::QueueArn).cloned())
        .ok_or_else(|| PortError::permanent(format!("{url} has no ARN")))
}

async fn create_bus_and_rules(
    clients: &Clients,
    bus: &str,
    queue_arns: &BTreeMap<Stage, String>,
) -> Result<(), PortError> {
    match clients
        .eventbridge
        .create_event_bus()
        .name(bus)
        .send()
        .await
    {
        Ok(_) => {}
        Err(err) if code(&err) == Some("ResourceAlreadyExistsException") => {}
        Err(err) => return Err(port_error("creating the bus", err)),
    }
    for edge in routing_table() {
        let rule = format!("{bus}-{}-{}", edge.workflow, edge.event_type).replace('.', "_");
        let pattern = json!({
            "source": [EVENT_SOURCE],
            "detail-type": [edge.event_type],
            "detail": { "workflow": [edge.workflow.as_str()] },
        });
        clients
            .eventbridge
            .put_rule()
            .name(&rule)
            .event_bus_name(bus)
            .event_pattern(pattern.to_string())
            .send()
            .await
            .map_err(|e| port_error(format!("creating rule {rule}"), e))?;
        let target = aws_sdk_eventbridge::types::Target::builder()
            .id("queue")
            .arn(&queue_arns[&edge.target])
            .input_path("$.detail")
            .build()
            .map_err(|e| PortError::permanent(format!("target of {rule}: {e}")))?;
        clients
            .eventbridge
            .put_targets()
            .rule(&rule)
            .event_bus_name(bus)
            .targets(target)
            .send()
            .await
            .map_err(|e| port_error(format!("targeting rule {rule}"), e))?;
    }
    Ok(())
}

async fn create_topic(clients: &Clients, name: &str) -> Result<String, PortError> {
    let created = clients
        .sns
        .create_topic()
        .name(name)
        .send()
        .await
        .map_err(|e| port_error(format!("creating topic {name}"), e))?;
    created
        .topic_arn
        .ok_or_else(|| PortError::permanent(format!("topic {name} came back without an ARN")))
}

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, PortError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| PortError::permanent(format!("key {name}: {e}")))
}

fn string_attribute(name: &str) -> Result<AttributeDefinition, PortError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| PortError::permanent(format!("attribute {name}: {e}")))
}

async fn create_tables(clients: &Clients, prefix: &str) -> Result<(), PortError> {
    for (suffix, hash_key) in [
        ("profiles", "user_id"),
        ("idempotency", "key"),
        ("faces", "key"),
    ] {
        let table = format!("{prefix}-{suffix}");
        let mut request = clients
            .dynamodb
            .create_table()
            .table_name(&table)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(hash_key, KeyType::Hash)?)
            .attribute_definitions(string_attribute(hash_key)?);
        if suffix == "faces" {
            let by_user = GlobalSecondaryIndex::builder()
                .index_name("by_user")
                .key_schema(key("user_id", KeyType::Hash)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .map_err(|e| PortError::permanent(format!("index by_user: {e}")))?;
            request = request
                .attribute_definitions(string_attribute("user_id")?)
                .global_secondary_indexes(by_user);
        }
        match request.send().await {
            Ok(_) => {}
            Err(err) if code(&err) == Some("ResourceInUseException") => continue,
            Err(err) => return Err(port_error(format!("creating table {table}"), err)),
        }
        if suffix == "idempotency" {
            let ttl = TimeToLiveSpecification::builder()
                .attribute_name("expires_at")
                .enabled(true)
                .build()
                .map_err(|e| PortError::permanent(format!("TTL of {table}: {e}")))?;
            clients
                .dynamodb
                .update_time_to_live()
                .table_name(&table)
                .time_to_live_specification(ttl)
                .send()
                .await
                .map_err(|e| port_error(format!("enabling TTL on {table}"), e))?;
        }
    }
    Ok(())
}

async fn create_bucket(clients: &Clients, bucket: &str, intake_arn: &str) -> Result<(), PortError> {
    match clients.s3.create_bucket().bucket(bucket).send().await {
        Ok(_) => {}
        Err(err)
            if matches!(
                code(&err),
                Some("BucketAlreadyOwnedByYou" | "BucketAlreadyExists")
            ) => {}
        Err(err) => return Err(port_error(format!("creating bucket {bucket}"), err)),
    }
    let rule =
        |name: FilterRuleName, value: &str| FilterRule::builder().name(name).value(value).build();
    let filter = NotificationConfigurationFilter::builder()
        .key(
            S3KeyFilter::builder()
                .filter_rules(rule(FilterRuleName::Prefix, "requests/"))
                .filter_rules(rule(FilterRuleName::Suffix, "/manifest.json"))
                .build(),
        )
        .build();
    let to_intake = QueueConfiguration::builder()
        .queue_arn(intake_arn)
        .events(Event::S3ObjectCreated)
        .filter(filter)
        .build()
        .map_err(|e| PortError::permanent(format!("notification of {bucket}: {e}")))?;
    clients
        .s3
        .put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(to_intake)
                .build(),
        )
        .send()
        .await
        .map_err(|e| port_error(format!("notifying intake from {bucket}"), e))?;
    Ok(())
}

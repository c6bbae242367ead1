#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The messaging adapters: the bus, the topics and the queues against the
//! moto server on 127.0.0.1, wired as the CDK app wires them; and the
//! `PutEvents` batching and resending against mocked EventBridge answers.

mod support;

#[path = "messaging/fixtures.rs"]
mod fixtures;
#[path = "messaging/put_events.rs"]
mod put_events;

use std::collections::BTreeSet;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_eventbridge::types::Target;
use riv_aws::eventbridge::EventBridgeBus;
use riv_aws::publisher::{AwsPublisher, outcome_attributes};
use riv_aws::sns::SnsTopic;
use riv_aws::sqs::{ReceiptHandle, ReceivedMessage, SqsQueue};
use riv_consumers::ErrorKind;
use riv_consumers::ports::Publisher;
use riv_events::outcome::OutcomeEnvelope;
use riv_events::pipeline::PipelineEnvelope;
use riv_events::rollback::RollbackEnvelope;
use riv_events::{EventId, EventMeta, OutcomeKind, ReasonCode, Stage, Workflow};

use fixtures::{EVENT_SOURCE, outcome, passed, rollback};

async fn moto() -> Option<SdkConfig> {
    let server = support::moto_server()?;
    Some(support::sdk_config(&server.endpoint).await)
}

/// A new queue and its ARN.
async fn queue(config: &SdkConfig, prefix: &str) -> (SqsQueue, String) {
    let sqs = aws_sdk_sqs::Client::new(config);
    let name = support::unique_bucket(prefix);
    let url = sqs.create_queue().queue_name(&name).send().await.unwrap();
    let url = url.queue_url().unwrap().to_owned();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes()
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    (SqsQueue::new(sqs, url), arn)
}

/// A new topic's ARN.
async fn topic(sns: &aws_sdk_sns::Client, prefix: &str) -> String {
    let name = support::unique_bucket(prefix);
    let created = sns.create_topic().name(name).send().await.unwrap();
    created.topic_arn().unwrap().to_owned()
}

/// Subscribes a queue to a topic with raw delivery and an optional filter
/// policy on the message attributes, as `docs/deploy.md` tells apps to.
async fn subscribe(sns: &aws_sdk_sns::Client, topic: &str, queue_arn: &str, filter: Option<&str>) {
    let mut request = sns
        .subscribe()
        .topic_arn(topic)
        .protocol("sqs")
        .endpoint(queue_arn)
        .attributes("RawMessageDelivery", "true");
    if let Some(filter) = filter {
        request = request.attributes("FilterPolicy", filter);
    }
    request.send().await.unwrap();
}

/// A publisher on a new bus (`bus`) and two new topics.
async fn publisher(config: &SdkConfig, bus: &str) -> (AwsPublisher, aws_sdk_sns::Client) {
    let sns = aws_sdk_sns::Client::new(config);
    let outcomes = topic(&sns, "riv-outcomes").await;
    let rollback = topic(&sns, "riv-rollback").await;
    let publisher = AwsPublisher {
        bus: EventBridgeBus::new(aws_sdk_eventbridge::Client::new(config), bus, EVENT_SOURCE),
        outcomes: SnsTopic::new(sns.clone(), outcomes),
        rollback: SnsTopic::new(sns.clone(), rollback),
    };
    (publisher, sns)
}

/// Every message on the queue now (each left in flight).
async fn drain(queue: &SqsQueue) -> Vec<ReceivedMessage> {
    let mut all = Vec::new();
    loop {
        let batch = queue
            .receive(10, Duration::ZERO, Duration::from_secs(60))
            .await
            .unwrap();
        if batch.is_empty() {
            return all;
        }
        all.extend(batch);
    }
}

/// The event ids of the envelopes in the messages' bodies.
fn delivered_ids(messages: &[ReceivedMessage]) -> BTreeSet<EventId> {
    messages
        .iter()
        .map(|m| EventMeta::salvage(m.body.as_bytes()).unwrap().event_id)
        .collect()
}

#[tokio::test]
async fn events_reach_the_queue_of_the_rule_for_their_type_and_workflow() {
    let Some(config) = moto().await else { return };
    let events = aws_sdk_eventbridge::Client::new(&config);
    let bus = support::unique_bucket("riv-bus");
    events.create_event_bus().name(&bus).send().await.unwrap();
    // The edge `register quality.passed → duplicate_search`, as the CDK app makes it.
    let (stage_queue, queue_arn) = queue(&config, "riv-duplicate-search").await;
    let rule = support::unique_bucket("riv-edge");
    let pattern = serde_json::json!({
        "source": [EVENT_SOURCE],
        "detail-type": ["quality.passed"],
        "detail": { "workflow": ["register"] },
    });
    events
        .put_rule()
        .name(&rule)
        .event_bus_name(&bus)
        .event_pattern(pattern.to_string())
        .send()
        .await
        .unwrap();
    let target = Target::builder()
        .id("stage-queue")
        .arn(&queue_arn)
        .input_path("$.detail");
    events
        .put_targets()
        .rule(&rule)
        .event_bus_name(&bus)
        .targets(target.build().unwrap())
        .send()
        .await
        .unwrap();

    let targets = events
        .list_targets_by_rule()
        .rule(&rule)
        .event_bus_name(&bus);
    let targets = targets.send().await.unwrap();
    assert_eq!(targets.targets()[0].input_path(), Some("$.detail"));

    let (publisher, _) = publisher(&config, &bus).await;
    let routed = passed(Workflow::Register, Stage::Quality);
    let other_workflow = passed(Workflow::Auth, Stage::Quality);
    let other_type = passed(Workflow::Register, Stage::Intake);
    for event in [&other_workflow, &routed, &other_type] {
        publisher.publish_event(event).await.unwrap();
    }

    let delivered = drain(&stage_queue).await;
    assert_eq!(delivered.len(), 1, "only the routed event arrives");
    let body: serde_json::Value = serde_json::from_str(&delivered[0].body).unwrap();
    // AWS applies the target's InputPath `$.detail`: the body is the
    // envelope. moto ignores InputPath and delivers the whole EventBridge
    // event, whose `detail` is the envelope (docs/testing.md).
    let envelope = if body.get("detail-type").is_some() {
        assert_eq!(body["source"], EVENT_SOURCE);
        assert_eq!(body["detail-type"], "quality.passed");
        serde_json::to_vec(&body["detail"]).unwrap()
    } else {
        delivered[0].body.clone().into_bytes()
    };
    assert_eq!(PipelineEnvelope::from_slice(&envelope).unwrap(), routed);
}

#[tokio::test]
async fn outcomes_reach_the_subscriptions_whose_filter_policy_they_match() {
    let Some(config) = moto().await else { return };
    let (publisher, sns) = publisher(&config, "riv-unused-bus").await;
    let topic = publisher.outcomes.topic_arn();
    let (register_failures, arn) = queue(&config, "riv-app-register-failures").await;
    let filter = r#"{"workflow": ["register"], "outcome": ["failed", "denied"]}"#;
    subscribe(&sns, topic, &arn, Some(filter)).await;
    let (all_failures, arn) = queue(&config, "riv-app-failures").await;
    subscribe(&sns, topic, &arn, Some(r#"{"outcome": ["failed"]}"#)).await;
    let (mismatches, arn) = queue(&config, "riv-app-mismatches").await;
    subscribe(&sns, topic, &arn, Some(r#"{"reason": ["face_mismatch"]}"#)).await;

    let user_exists = outcome(
        Some(Workflow::Register),
        OutcomeKind::Failed,
        Some(ReasonCode::UserExists),
    );
    let registered = outcome(Some(Workflow::Register), OutcomeKind::Registered, None);
    let mismatch = outcome(
        Some(Workflow::Auth),
        OutcomeKind::Denied,
        Some(ReasonCode::FaceMismatch),
    );
    let broken = outcome(None, OutcomeKind::Failed, Some(ReasonCode::InvalidManifest));
    for outcome in [&user_exists, &registered, &mismatch, &broken] {
        publisher.publish_outcome(outcome).await.unwrap();
    }

    let delivered = drain(&register_failures).await;
    assert_eq!(delivered.len(), 1);
    assert_eq!(
        OutcomeEnvelope::from_slice(delivered[0].body.as_bytes()).unwrap(),
        user_exists
    );
    let ids = |outcomes: &[&OutcomeEnvelope]| outcomes.iter().map(|o| o.meta.event_id).collect();
    assert_eq!(
        delivered_ids(&drain(&all_failures).await),
        ids(&[&user_exists, &broken])
    );
    assert_eq!(delivered_ids(&drain(&mismatches).await), ids(&[&mismatch]));
}

#[test]
fn outcome_attributes_name_the_workflow_only_when_known_and_the_reason_only_on_refusals() {
    let broken = outcome(None, OutcomeKind::Failed, Some(ReasonCode::InvalidManifest));
    assert_eq!(
        outcome_attributes(&broken),
        [("outcome", "failed"), ("reason", "invalid_manifest")]
    );
    let registered = outcome(
        Some(Workflow::Register),
        OutcomeKind::Registered,
        Some(ReasonCode::UserExists),
    );
    assert_eq!(
        outcome_attributes(&registered),
        [("outcome", "registered"), ("workflow", "register")]
    );
}

#[tokio::test]
async fn rollback_commands_arrive_raw_with_their_type_and_workflow_attributes() {
    let Some(config) = moto().await else { return };
    let (publisher, sns) = publisher(&config, "riv-unused-bus").await;
    let topic = publisher.rollback.topic_arn();
    let (rollback_queue, arn) = queue(&config, "riv-rollback").await;
    subscribe(&sns, topic, &arn, None).await;
    let (filtered, arn) = queue(&config, "riv-rollback-register").await;
    let filter = r#"{"type": ["rollback.requested"], "workflow": ["register"]}"#;
    subscribe(&sns, topic, &arn, Some(filter)).await;

    let command = rollback(Workflow::Register);
    publisher.publish_rollback(&command).await.unwrap();
    let other_workflow = rollback(Workflow::Update);
    publisher.publish_rollback(&other_workflow).await.unwrap();

    let mut delivered: Vec<RollbackEnvelope> = drain(&rollback_queue)
        .await
        .iter()
        .map(|m| RollbackEnvelope::from_slice(m.body.as_bytes()).unwrap())
        .collect();
    delivered.sort_by_key(|c| c.meta.event_id);
    let mut published = vec![command.clone(), other_workflow];
    published.sort_by_key(|c| c.meta.event_id);
    assert_eq!(delivered, published);
    assert_eq!(
        delivered_ids(&drain(&filtered).await),
        [command.meta.event_id].into()
    );
}

#[tokio::test]
async fn a_queue_receives_counts_receipts_hides_deletes_and_sends() {
    let Some(config) = moto().await else { return };
    let sqs = aws_sdk_sqs::Client::new(&config);
    let name = support::unique_bucket("riv-worker");
    sqs.create_queue().queue_name(&name).send().await.unwrap();
    let queue = SqsQueue::by_name(sqs.clone(), &name).await.unwrap();
    assert!(queue.url().ends_with(&name));

    let body = serde_json::to_string(&passed(Workflow::Register, Stage::Quality)).unwrap();
    let sent = queue.send(body.clone()).await.unwrap();
    let visibility = Duration::from_secs(30);
    let first = queue
        .receive(10, Duration::from_secs(1), visibility)
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(
        (first[0].message_id.as_str(), first[0].body.as_str()),
        (sent.as_str(), body.as_str())
    );
    assert_eq!(first[0].receive_count, 1);
    assert!(
        queue
            .receive(10, Duration::ZERO, visibility)
            .await
            .unwrap()
            .is_empty(),
        "hidden"
    );

    queue
        .change_visibility(&first[0].receipt, Duration::ZERO)
        .await
        .unwrap();
    let second = queue
        .receive(10, Duration::from_secs(1), visibility)
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].message_id, sent);
    assert_eq!(second[0].receive_count, 2);

    queue.delete(&second[0].receipt).await.unwrap();
    // As on AWS, deleting an already deleted message succeeds; its
    // visibility can no longer be changed, and a handle SQS never issued
    // deletes nothing.
    queue.delete(&second[0].receipt).await.unwrap();
    let hidden = queue.change_visibility(&second[0].receipt, Duration::ZERO);
    assert_eq!(hidden.await.unwrap_err().kind, ErrorKind::Permanent);
    let forged = queue.delete(&ReceiptHandle::new("not-a-receipt")).await;
    assert_eq!(forged.unwrap_err().kind, ErrorKind::Permanent);
    assert!(
        queue
            .receive(10, Duration::ZERO, visibility)
            .await
            .unwrap()
            .is_empty(),
        "deleted"
    );

    let missing = SqsQueue::by_name(sqs, &support::unique_bucket("riv-missing")).await;
    assert_eq!(missing.unwrap_err().kind, ErrorKind::Permanent);
}

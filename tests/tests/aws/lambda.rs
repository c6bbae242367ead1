//! The Lambda functions' batch handling on the AWS path: the test plays
//! Lambda's SQS event source mappings (receive up to 10 messages, hand
//! them over as one `SqsEvent`, delete the records not reported as
//! failures) and the functions are the ones `src/bin/` runs.

use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::SqsEvent;
use riv_aws::sqs::SqsQueue;
use riv_events::{OutcomeKind, ReasonCode, Stage, Workflow};
use riv_lambda::function::{Consumes, handler};
use riv_tests::inputs::require_photos;
use riv_tests::riv::{selfie_request, verdict};
use serde_json::json;

use super::stack::AwsStack;

/// One poll of one queue, as an event source mapping makes it; returns how
/// many records the function received.
async fn poll(stack: &AwsStack, consumes: Consumes, url: &str) -> usize {
    let queue = SqsQueue::new(stack.clients.sqs.clone(), url);
    let received = queue
        .receive(10, Duration::ZERO, Duration::from_secs(20))
        .await
        .expect("receive");
    if received.is_empty() {
        return 0;
    }
    let arn = format!(
        "arn:aws:sqs:us-east-1:123456789012:{}",
        url.rsplit('/').next().unwrap()
    );
    let records: Vec<_> = received
        .iter()
        .map(|m| {
            json!({
                "messageId": m.message_id,
                "receiptHandle": m.receipt.as_str(),
                "body": m.body,
                "attributes": { "ApproximateReceiveCount": m.receive_count.to_string() },
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": "us-east-1",
            })
        })
        .collect();
    let event: SqsEvent =
        serde_json::from_value(json!({ "Records": records })).expect("an SQS event");
    let mut settings = stack.settings.clone();
    if let Consumes::Stage(stage) = consumes {
        settings.dead_letter_queue_url = Some(stack.made.dead_letter_queues[&stage].clone());
    }
    let response = handler(consumes, &stack.clients, &settings)
        .handle(event)
        .await;
    let failed: Vec<&str> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    for message in &received {
        if !failed.contains(&message.message_id.as_str()) {
            queue.delete(&message.receipt).await.expect("delete");
        }
    }
    received.len()
}

/// Polls every stage queue and dead-letter queue until all are empty.
async fn drain(stack: &AwsStack) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mut handled = 0;
        for stage in Stage::ALL {
            handled += poll(stack, Consumes::Stage(stage), &stack.made.queues[&stage]).await;
            handled += poll(
                stack,
                Consumes::DeadLetters,
                &stack.made.dead_letter_queues[&stage],
            )
            .await;
        }
        if handled == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the queues did not drain");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_functions_register_and_dead_letter_an_unreadable_message() {
    let Some([obama]) = require_photos(["obama.jpg"]) else {
        return;
    };
    let Some(stack) = AwsStack::start_without_workers().await else {
        return;
    };
    let register = selfie_request(Workflow::Register, "barack", &obama, &[]).await;
    stack.submit(&register).await;
    drain(&stack).await;
    let outcome = stack.outcome_of(register.request_id().as_str()).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Registered, None),
        "{outcome:?}"
    );
    assert_eq!(stack.face_count().await, 1);

    // A body no stage can read goes to the stage's dead-letter queue at
    // once, and from there, handled, to the parked queue.
    let quality = SqsQueue::new(
        stack.clients.sqs.clone(),
        &stack.made.queues[&Stage::Quality],
    );
    quality
        .send("{\"not\": \"an envelope\"}")
        .await
        .expect("send");
    drain(&stack).await;
    assert_eq!(stack.depth(&stack.made.queues[&Stage::Quality]).await, 0);
    let parked = SqsQueue::new(stack.clients.sqs.clone(), &stack.made.parked_queue);
    let messages = parked
        .receive(10, Duration::from_secs(1), Duration::from_secs(20))
        .await
        .expect("receive");
    assert_eq!(messages.len(), 1, "{messages:?}");
    let wrapper: serde_json::Value = serde_json::from_str(&messages[0].body).unwrap();
    assert!(
        wrapper["queue"].as_str().unwrap().ends_with("-quality-dlq"),
        "{wrapper}"
    );
    assert_eq!(
        wrapper["reason"],
        ReasonCode::MalformedMessage.as_str(),
        "{wrapper}"
    );
    assert_eq!(wrapper["message"], "{\"not\": \"an envelope\"}");
    stack.stop().await;
}

//! `PutEvents` batching and resending against mocked EventBridge answers.
//! (`mock_client!` needs the SDK crate's `test-util` feature, which this
//! crate does not enable, so the client is configured here by hand.)

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_eventbridge::config::{AsyncSleep, Credentials, Region, Sleep};
use aws_sdk_eventbridge::operation::put_events::{PutEventsInput, PutEventsOutput};
use aws_sdk_eventbridge::types::{PutEventsRequestEntry, PutEventsResultEntry};
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};
use riv_aws::eventbridge::{EventBridgeBus, ResendPolicy};
use riv_consumers::ErrorKind;
use riv_events::pipeline::PipelineEnvelope;
use riv_events::{EventId, EventMeta, PipelineEvent, Stage, Workflow};

use crate::fixtures::{EVENT_SOURCE, passed};

/// Records the waits between resend rounds and returns at once.
#[derive(Debug, Clone, Default)]
struct RecordedSleeps(Arc<Mutex<Vec<Duration>>>);

impl AsyncSleep for RecordedSleeps {
    fn sleep(&self, duration: Duration) -> Sleep {
        self.0.lock().unwrap().push(duration);
        Sleep::new(std::future::ready(()))
    }
}

impl RecordedSleeps {
    fn taken(&self) -> Vec<Duration> {
        self.0.lock().unwrap().clone()
    }
}

/// Each call's entries, in order.
#[derive(Debug, Clone, Default)]
struct Calls(Arc<Mutex<Vec<Vec<PutEventsRequestEntry>>>>);

impl Calls {
    fn record(&self, input: &PutEventsInput) -> usize {
        let mut calls = self.0.lock().unwrap();
        calls.push(input.entries().to_vec());
        calls.len() - 1
    }

    fn entries(&self) -> Vec<Vec<PutEventsRequestEntry>> {
        self.0.lock().unwrap().clone()
    }

    /// Each call's entries' riv event ids.
    fn taken(&self) -> Vec<Vec<EventId>> {
        let id = |e: &PutEventsRequestEntry| {
            EventMeta::salvage(e.detail().unwrap().as_bytes())
                .unwrap()
                .event_id
        };
        self.entries()
            .iter()
            .map(|call| call.iter().map(id).collect())
            .collect()
    }

    /// How many entries each call carried.
    fn sizes(&self) -> Vec<usize> {
        self.entries().iter().map(Vec::len).collect()
    }
}

/// An answer to `input`: entry `i` fails with `failure(call, i)`, if any.
fn answer(
    input: &PutEventsInput,
    call: usize,
    failure: impl Fn(usize, usize) -> Option<&'static str>,
) -> PutEventsOutput {
    let mut failed = 0;
    let entries = (0..input.entries().len()).map(|i| match failure(call, i) {
        Some(code) => {
            failed += 1;
            PutEventsResultEntry::builder()
                .error_code(code)
                .error_message(format!("{code} for entry {i}"))
                .build()
        }
        None => PutEventsResultEntry::builder()
            .event_id(format!("eb-{call}-{i}"))
            .build(),
    });
    let entries: Vec<_> = entries.collect();
    PutEventsOutput::builder()
        .set_entries(Some(entries))
        .failed_entry_count(failed)
        .build()
}

/// A bus whose every `PutEvents` call is recorded and answered by `failure`
/// (call number from 0, entry index) → the entry's error code, if any. Its
/// waits between rounds are recorded (the client's own sleep, which the SDK
/// also uses for its own timers, is left alone).
fn mocked_bus(
    failure: impl Fn(usize, usize) -> Option<&'static str> + Send + Sync + 'static,
) -> (EventBridgeBus, Calls, RecordedSleeps, Rule) {
    let calls = Calls::default();
    let recorded = calls.clone();
    let rule = mock!(aws_sdk_eventbridge::Client::put_events).then_compute_output(move |input| {
        let call = recorded.record(input);
        answer(input, call, &failure)
    });
    let sleeps = RecordedSleeps::default();
    let config = aws_sdk_eventbridge::Config::builder()
        .behavior_version(aws_sdk_eventbridge::config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "riv-test",
            "riv-test-secret",
            None,
            None,
            "riv-tests",
        ))
        .retry_config(aws_sdk_eventbridge::config::retry::RetryConfig::disabled())
        .http_client(create_mock_http_client())
        .interceptor(
            MockResponseInterceptor::new()
                .rule_mode(RuleMode::MatchAny)
                .with_rule(&rule),
        )
        .build();
    let bus = EventBridgeBus::new(
        aws_sdk_eventbridge::Client::from_conf(config),
        "riv-test",
        EVENT_SOURCE,
    );
    (bus.with_sleep(sleeps.clone()), calls, sleeps, rule)
}

fn events(count: usize) -> Vec<PipelineEnvelope> {
    (0..count)
        .map(|_| passed(Workflow::Register, Stage::Quality))
        .collect()
}

fn ids(events: &[PipelineEnvelope]) -> Vec<EventId> {
    events.iter().map(|e| e.meta.event_id).collect()
}

#[tokio::test]
async fn twenty_five_events_go_out_in_three_calls_of_at_most_ten() {
    let (bus, calls, sleeps, rule) = mocked_bus(|_, _| None);
    let sent = events(25);
    bus.put_events(&sent).await.unwrap();
    assert_eq!(calls.sizes(), [10, 10, 5]);
    assert_eq!(rule.num_calls(), 3);
    assert!(sleeps.taken().is_empty());
    let entries = calls.entries().concat();
    for (entry, event) in entries.iter().zip(&sent) {
        assert_eq!(entry.event_bus_name(), Some("riv-test"));
        assert_eq!(entry.source(), Some(EVENT_SOURCE));
        assert_eq!(entry.detail_type(), Some("quality.passed"));
        let detail = PipelineEnvelope::from_slice(entry.detail().unwrap().as_bytes());
        assert_eq!(&detail.unwrap(), event);
    }
    assert_eq!(entries.len(), sent.len());
}

#[tokio::test]
async fn calls_also_stay_within_256_kb() {
    let (bus, calls, _, _) = mocked_bus(|_, _| None);
    let mut sent = events(3);
    for event in &mut sent {
        let PipelineEvent::QualityPassed(context) = &mut event.body else {
            unreachable!()
        };
        context
            .properties
            .insert("notes".into(), "x".repeat(100 * 1024));
    }
    bus.put_events(&sent).await.unwrap();
    assert_eq!(calls.sizes(), [2, 1]);
}

#[tokio::test]
async fn an_event_over_the_limit_alone_is_refused_before_anything_is_sent() {
    let (bus, calls, _, _) = mocked_bus(|_, _| None);
    let mut sent = events(2);
    let PipelineEvent::QualityPassed(context) = &mut sent[1].body else {
        unreachable!()
    };
    context
        .properties
        .insert("notes".into(), "x".repeat(256 * 1024));
    let err = bus.put_events(&sent).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent);
    assert!(
        err.context.contains(&sent[1].meta.event_id.to_string()),
        "{err}"
    );
    assert!(calls.sizes().is_empty());
}

#[tokio::test]
async fn only_the_failed_entries_are_sent_again_after_a_wait() {
    let (bus, calls, sleeps, _) = mocked_bus(|call, i| match (call, i) {
        (0, 1) => Some("ThrottlingException"),
        (0, 3) => Some("InternalFailure"),
        _ => None,
    });
    let sent = events(5);
    bus.put_events(&sent).await.unwrap();
    let all = ids(&sent);
    assert_eq!(calls.taken(), [all.clone(), vec![all[1], all[3]]]);
    assert_eq!(sleeps.taken(), [Duration::from_millis(100)]);
}

#[tokio::test]
async fn a_permanent_entry_error_fails_at_once_naming_the_event_and_code() {
    let (bus, calls, sleeps, _) = mocked_bus(|_, i| (i == 1).then_some("AccessDeniedException"));
    let sent = events(3);
    let err = bus.put_events(&sent).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent);
    assert!(
        err.context.contains(&sent[1].meta.event_id.to_string()),
        "{err}"
    );
    assert!(err.context.contains("AccessDeniedException"), "{err}");
    assert_eq!(calls.sizes(), [3]);
    assert!(sleeps.taken().is_empty());
}

#[tokio::test]
async fn throttling_in_every_round_ends_retryable_after_doubling_waits() {
    let (bus, calls, sleeps, _) = mocked_bus(|_, i| (i == 0).then_some("ThrottlingException"));
    let bus = bus.with_resend_policy(ResendPolicy {
        rounds: 4,
        first_delay: Duration::from_millis(50),
    });
    let sent = events(2);
    let err = bus.put_events(&sent).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Retryable);
    assert!(
        err.context
            .contains(&format!("{} (ThrottlingException)", sent[0].meta.event_id)),
        "{err}"
    );
    assert!(
        !err.context.contains(&sent[1].meta.event_id.to_string()),
        "{err}"
    );
    assert_eq!(calls.sizes(), [2, 1, 1, 1]);
    let waits = [50, 100, 200].map(Duration::from_millis);
    assert_eq!(sleeps.taken(), waits);
}

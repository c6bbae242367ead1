//! The pipeline bus over EventBridge: each [`PipelineEnvelope`] becomes one
//! `PutEvents` entry (`Source` = the bus's source, `DetailType` = the event's
//! type, `Detail` = the whole envelope), as `docs/deploy.md` describes and
//! the CDK app's rules expect.
//!
//! `PutEvents` takes at most [`MAX_ENTRIES_PER_CALL`] entries and
//! [`MAX_REQUEST_BYTES`] per call, and answers per entry: a call can succeed
//! while some of its entries fail. Entries that failed with a retryable code
//! (throttling, an internal failure) are sent again, alone, for a bounded
//! number of rounds with doubling waits ([`ResendPolicy`]); an entry that
//! failed with any other code fails the whole publish as a permanent error.
//! Failures of a whole call are classified by [`port_error`]; the SDK has
//! already retried those by its own retry policy.

use std::time::Duration;

use aws_sdk_eventbridge::Client;
use aws_sdk_eventbridge::config::{AsyncSleep, SharedAsyncSleep};
use aws_sdk_eventbridge::types::{PutEventsRequestEntry, PutEventsResultEntry};
use riv_consumers::PortError;
use riv_events::pipeline::PipelineEnvelope;

use crate::error::port_error;

/// Entries one `PutEvents` call may carry.
pub const MAX_ENTRIES_PER_CALL: usize = 10;

/// Bytes one `PutEvents` call may carry, counting each entry as EventBridge
/// does: `Source`, `DetailType` and `Detail` in UTF-8 (riv sets no `Time`
/// and no `Resources`).
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// Per-entry error codes that may succeed when the entry is sent again (the
/// `PutEventsResultEntry` reference lists these two as retryable). Every
/// other code (`AccessDeniedException`, `InvalidArgument`, `MalformedDetail`,
/// `NotAuthorizedForSourceException`, ...) is permanent.
const RETRYABLE_ENTRY_CODES: [&str; 2] = ["InternalFailure", "ThrottlingException"];

/// How entries that failed with a retryable code are sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResendPolicy {
    /// `PutEvents` rounds in all, the first included; at least one is made.
    pub rounds: u32,
    /// The wait before the second round; each later wait is twice the one
    /// before it.
    pub first_delay: Duration,
}

impl Default for ResendPolicy {
    /// Four rounds, waiting 100, 200 and 400 ms between them: well inside
    /// a stage's timeout, long enough for a throttled bus to recover.
    fn default() -> Self {
        Self {
            rounds: 4,
            first_delay: Duration::from_millis(100),
        }
    }
}

/// One event bus, publishing riv's pipeline events.
#[derive(Debug, Clone)]
pub struct EventBridgeBus {
    /// The client, built once by the composition root.
    client: Client,
    /// The bus's name (`riv-<env>`), or its ARN.
    bus_name: String,
    /// Every entry's `Source`; the rules match on it (`riv.pipeline`).
    source: String,
    /// How failed entries are sent again.
    resend: ResendPolicy,
    /// Waits between resend rounds: the client's sleep (the SDK config's
    /// `sleep_impl`) unless [`EventBridgeBus::with_sleep`] replaced it.
    sleep: Option<SharedAsyncSleep>,
}

/// An entry on its way, with what errors need to name it.
#[derive(Debug, Clone)]
struct Pending {
    /// riv's event id (not EventBridge's, which only a success gets).
    event_id: String,
    /// The entry as sent.
    entry: PutEventsRequestEntry,
    /// Its size as EventBridge counts it.
    size: usize,
    /// The code of its last failure, for the error if it never succeeds.
    last_failure: Option<String>,
}

impl EventBridgeBus {
    /// The bus `bus_name`, putting events with source `source` through
    /// `client`, resending failed entries by [`ResendPolicy::default`].
    pub fn new(client: Client, bus_name: impl Into<String>, source: impl Into<String>) -> Self {
        let sleep = client.config().sleep_impl();
        Self {
            client,
            bus_name: bus_name.into(),
            source: source.into(),
            resend: ResendPolicy::default(),
            sleep,
        }
    }

    /// The same bus with another resend policy.
    pub fn with_resend_policy(mut self, resend: ResendPolicy) -> Self {
        self.resend = resend;
        self
    }

    /// The same bus waiting between resend rounds with `sleep` instead of
    /// the client's sleep.
    pub fn with_sleep(mut self, sleep: impl AsyncSleep + 'static) -> Self {
        self.sleep = Some(SharedAsyncSleep::new(sleep));
        self
    }

    /// The bus's name.
    pub fn bus_name(&self) -> &str {
        &self.bus_name
    }

    /// Puts one event on the bus.
    pub async fn publish(&self, event: &PipelineEnvelope) -> Result<(), PortError> {
        self.put_events(std::slice::from_ref(event)).await
    }

    /// Puts events on the bus, in calls of at most [`MAX_ENTRIES_PER_CALL`]
    /// entries and [`MAX_REQUEST_BYTES`]. An event too large for any call is
    /// refused before anything is sent. Entries failing with a retryable code
    /// are sent again (only they) for [`ResendPolicy::rounds`]; if some still
    /// fail, the error is retryable and names them. An entry failing with any
    /// other code is a permanent error at once. Events already accepted stay
    /// published either way: consumers recognise a repeat by its event id.
    pub async fn put_events(&self, events: &[PipelineEnvelope]) -> Result<(), PortError> {
        let mut pending = events
            .iter()
            .map(|event| self.entry(event))
            .collect::<Result<Vec<_>, _>>()?;
        let rounds = self.resend.rounds.max(1);
        let mut delay = self.resend.first_delay;
        for round in 1..=rounds {
            if round > 1 {
                self.wait(delay, &pending).await?;
                delay = delay.saturating_mul(2);
            }
            let mut failed = Vec::new();
            for call in calls(pending) {
                failed.extend(self.send(call).await?);
            }
            if failed.is_empty() {
                return Ok(());
            }
            tracing::warn!(
                bus = %self.bus_name,
                round,
                failed = failed.len(),
                "PutEvents entries failed with retryable codes"
            );
            pending = failed;
        }
        Err(PortError::retryable(format!(
            "putting events on bus {}: still failing after {rounds} rounds: {}",
            self.bus_name,
            describe(&pending)
        )))
    }

    /// The entry for an event, refused if it alone exceeds a call's limit.
    fn entry(&self, event: &PipelineEnvelope) -> Result<Pending, PortError> {
        let event_id = event.meta.event_id.to_string();
        let detail_type = event.body.type_name();
        let detail = serde_json::to_string(event).map_err(|err| {
            PortError::permanent(format!("serialising event {event_id} ({detail_type})"))
                .with_source(err)
        })?;
        let size = self.source.len() + detail_type.len() + detail.len();
        if size > MAX_REQUEST_BYTES {
            return Err(PortError::permanent(format!(
                "event {event_id} ({detail_type}) is {size} bytes as a PutEvents entry, \
                 over EventBridge's limit of {MAX_REQUEST_BYTES}"
            )));
        }
        let entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus_name)
            .source(&self.source)
            .detail_type(detail_type)
            .detail(detail)
            .build();
        Ok(Pending {
            event_id,
            entry,
            size,
            last_failure: None,
        })
    }

    /// One `PutEvents` call. Returns the entries that failed with a retryable
    /// code; an entry that failed otherwise is a permanent error.
    async fn send(&self, call: Vec<Pending>) -> Result<Vec<Pending>, PortError> {
        let output = self
            .client
            .put_events()
            .set_entries(Some(call.iter().map(|p| p.entry.clone()).collect()))
            .send()
            .await
            .map_err(|err| {
                port_error(
                    format!(
                        "putting events {} on bus {}",
                        event_ids(&call),
                        self.bus_name
                    ),
                    err,
                )
            })?;
        let results = output.entries();
        if output.failed_entry_count() == 0 && results.len() == call.len() {
            return Ok(Vec::new());
        }
        let mut retry = Vec::new();
        for (index, mut pending) in call.into_iter().enumerate() {
            let Some(failure) = entry_failure(results.get(index)) else {
                continue;
            };
            if !RETRYABLE_ENTRY_CODES.contains(&failure.code.as_str()) {
                return Err(PortError::permanent(format!(
                    "putting event {} ({}) on bus {}: {}",
                    pending.event_id,
                    pending.entry.detail_type().unwrap_or_default(),
                    self.bus_name,
                    failure
                )));
            }
            pending.last_failure = Some(failure.code);
            retry.push(pending);
        }
        Ok(retry)
    }

    /// Waits before a resend round with the client's sleep.
    async fn wait(&self, delay: Duration, pending: &[Pending]) -> Result<(), PortError> {
        match &self.sleep {
            Some(sleep) => {
                sleep.sleep(delay).await;
                Ok(())
            }
            None => Err(PortError::retryable(format!(
                "putting events on bus {}: cannot wait to send again (the client has no \
                 sleep implementation): {}",
                self.bus_name,
                describe(pending)
            ))),
        }
    }
}

/// Why one entry failed.
#[derive(Debug)]
struct EntryFailure {
    /// EventBridge's error code.
    code: String,
    /// Its message, if any.
    message: Option<String>,
}

impl std::fmt::Display for EntryFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.message {
            Some(message) => write!(f, "{}: {message}", self.code),
            None => f.write_str(&self.code),
        }
    }
}

/// How an entry failed, or `None` if it was accepted. A result with neither
/// an event id nor an error code, or no result at all, counts as an internal
/// failure: nothing says the event arrived.
fn entry_failure(result: Option<&PutEventsResultEntry>) -> Option<EntryFailure> {
    let Some(result) = result else {
        return Some(EntryFailure {
            code: "InternalFailure".into(),
            message: Some("no result for this entry".into()),
        });
    };
    match (result.error_code(), result.event_id()) {
        (Some(code), _) => Some(EntryFailure {
            code: code.to_owned(),
            message: result.error_message().map(str::to_owned),
        }),
        (None, Some(_)) => None,
        (None, None) => Some(EntryFailure {
            code: "InternalFailure".into(),
            message: Some("neither an event id nor an error code".into()),
        }),
    }
}

/// Splits entries into calls within both limits, in order.
fn calls(entries: Vec<Pending>) -> Vec<Vec<Pending>> {
    let mut calls: Vec<Vec<Pending>> = Vec::new();
    let mut bytes = 0;
    for entry in entries {
        let full = calls.last().is_none_or(|call| {
            call.len() == MAX_ENTRIES_PER_CALL || bytes + entry.size > MAX_REQUEST_BYTES
        });
        if full {
            calls.push(Vec::new());
            bytes = 0;
        }
        bytes += entry.size;
        if let Some(call) = calls.last_mut() {
            call.push(entry);
        }
    }
    calls
}

/// `id, id, …` of the entries.
fn event_ids(entries: &[Pending]) -> String {
    entries
        .iter()
        .map(|p| p.event_id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `id (code), …` of the entries.
fn describe(entries: &[Pending]) -> String {
    entries
        .iter()
        .map(|p| match &p.last_failure {
            Some(code) => format!("{} ({code})", p.event_id),
            None => p.event_id.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

//! The metadata every event carries, and the envelope that joins it to the
//! event's `type` and `detail`.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{EventId, RequestId, Stage, Workflow};

/// The version of every schema in this crate. Readers refuse other versions.
pub const SCHEMA_VERSION: u32 = 1;

/// Who, what, when: the fields every riv event carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EventMeta {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Unique per event; repeated deliveries of one event share it.
    pub event_id: EventId,
    /// The request id: every event of one request carries it.
    pub correlation_id: RequestId,
    /// The request's workflow; absent only on the `failed` outcome of a
    /// manifest too broken to name one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<Workflow>,
    /// The stage that emitted the event.
    pub stage: Stage,
    /// Which delivery of the emitting stage's input produced this event (1 = first).
    pub attempt: u32,
    /// When the event was emitted.
    pub occurred_at: DateTime<Utc>,
    /// When riv received the request (its manifest's arrival).
    pub received_at: DateTime<Utc>,
}

/// An event on the wire: [`EventMeta`] beside `type` and `detail`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Envelope<B> {
    /// Who, what, when.
    #[serde(flatten)]
    pub meta: EventMeta,
    /// `type` and `detail`.
    #[serde(flatten)]
    pub body: B,
}

/// Why bytes are not an envelope of the expected kind.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EnvelopeError {
    /// Not JSON, or not shaped like the expected event.
    #[error("malformed event: {0}")]
    Malformed(String),
    /// A schema version this riv does not read.
    #[error("event schema_version {0} is not {SCHEMA_VERSION}")]
    UnsupportedVersion(u64),
}

impl<B: DeserializeOwned> Envelope<B> {
    /// Reads an envelope, checking the schema version before the shape.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|err| EnvelopeError::Malformed(err.to_string()))?;
        match value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
        {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => return Err(EnvelopeError::UnsupportedVersion(v)),
            None => return Err(EnvelopeError::Malformed("schema_version is missing".into())),
        }
        serde_json::from_value(value).map_err(|err| EnvelopeError::Malformed(err.to_string()))
    }
}

impl<B: Serialize> Envelope<B> {
    /// The wire form.
    pub fn to_vec(&self) -> Vec<u8> {
        // Serialising plain data structs with string keys cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl EventMeta {
    /// Whatever metadata can be read from bytes that failed to parse as a
    /// whole, so a failure can still be reported against its request.
    pub fn salvage(bytes: &[u8]) -> Option<EventMeta> {
        let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        serde_json::from_value(value).ok()
    }

    /// Metadata for an event emitted by `stage` in answer to `self`; `label`
    /// tells the stage's outputs apart.
    pub fn follow(&self, stage: Stage, attempt: u32, label: &str, now: DateTime<Utc>) -> EventMeta {
        EventMeta {
            schema_version: SCHEMA_VERSION,
            event_id: self.event_id.derive(&format!("{stage}/{label}")),
            correlation_id: self.correlation_id.clone(),
            workflow: self.workflow,
            stage,
            attempt,
            occurred_at: now,
            received_at: self.received_at,
        }
    }
}

//! The subset of S3 object-created notifications riv reads.
//!
//! Lenient on purpose: only the fields riv needs are read, because S3,
//! EventBridge and the emulators differ in the rest (moto omits
//! `userIdentity`, for one). Three shapes arrive:
//! - S3 → SQS directly: `{"Records":[{"eventName":"ObjectCreated:Put","s3":{...}}]}`,
//!   possibly inside an SNS envelope (`{"Type":"Notification","Message":"..."}`);
//! - S3 → EventBridge: `{"detail-type":"Object Created","source":"aws.s3","detail":{...}}`;
//! - `s3:TestEvent`, sent when a notification is configured, which is ignored.
//!
//! Keys are URL-decoded (`+` is a space), as S3 encodes them.

use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;
use serde_json::Value;

/// One object that was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectCreated {
    /// The bucket.
    pub bucket: String,
    /// The key, URL-decoded.
    pub key: String,
    /// Size in bytes, when the notification says.
    pub size: Option<u64>,
    /// The entity tag, when the notification says.
    pub etag: Option<String>,
    /// S3's ordering token for events on one key, when present.
    pub sequencer: Option<String>,
    /// When S3 says it happened.
    pub event_time: Option<DateTime<Utc>>,
}

impl ObjectCreated {
    /// A token that tells this upload of the key from another: the
    /// sequencer, else the entity tag, else the event time.
    pub fn version_token(&self) -> String {
        self.sequencer
            .clone()
            .or_else(|| self.etag.clone())
            .or_else(|| self.event_time.map(|t| t.to_rfc3339()))
            .unwrap_or_default()
    }
}

/// What a notification message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum S3Notification {
    /// Objects were created.
    Created(Vec<ObjectCreated>),
    /// A notification riv does not act on (test events, deletions), with what it was.
    Ignored(String),
}

/// Why a message is not an S3 notification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an S3 notification: {0}")]
pub struct NotificationError(pub String);

/// Reads a notification message body in any of the shapes above.
pub fn parse_notification(body: &[u8]) -> Result<S3Notification, NotificationError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|err| NotificationError(format!("not JSON: {err}")))?;
    parse_value(&value, 0)
}

fn parse_value(value: &Value, depth: u8) -> Result<S3Notification, NotificationError> {
    if value.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        return Ok(S3Notification::Ignored("s3:TestEvent".into()));
    }
    // An SNS envelope around the real notification.
    if value.get("Type").and_then(Value::as_str) == Some("Notification") && depth == 0 {
        let message = value
            .get("Message")
            .and_then(Value::as_str)
            .ok_or_else(|| NotificationError("SNS envelope without Message".into()))?;
        let inner: Value = serde_json::from_str(message)
            .map_err(|err| NotificationError(format!("SNS Message is not JSON: {err}")))?;
        return parse_value(&inner, depth + 1);
    }
    if let Some(records) = value.get("Records").and_then(Value::as_array) {
        return parse_records(records);
    }
    if value.get("source").and_then(Value::as_str) == Some("aws.s3") {
        return parse_eventbridge(value);
    }
    Err(NotificationError(
        "neither Records, an EventBridge aws.s3 event nor a test event".into(),
    ))
}

fn parse_records(records: &[Value]) -> Result<S3Notification, NotificationError> {
    let mut created = Vec::new();
    let mut ignored = Vec::new();
    for record in records {
        let name = record
            .get("eventName")
            .and_then(Value::as_str)
            .unwrap_or("");
        // S3 says `ObjectCreated:Put`; some emulators prefix `s3:`.
        if !name.trim_start_matches("s3:").starts_with("ObjectCreated:") {
            ignored.push(name.to_owned());
            continue;
        }
        let s3 = record
            .get("s3")
            .ok_or_else(|| NotificationError("record without s3".into()))?;
        let bucket = str_at(s3, &["bucket", "name"])?;
        let object = s3
            .get("object")
            .ok_or_else(|| NotificationError("record without s3.object".into()))?;
        created.push(ObjectCreated {
            bucket,
            key: decode_key(&str_at(object, &["key"])?)?,
            size: object.get("size").and_then(Value::as_u64),
            etag: opt_str(object.get("eTag").or_else(|| object.get("etag"))),
            sequencer: opt_str(object.get("sequencer")),
            event_time: time_at(record.get("eventTime")),
        });
    }
    if created.is_empty() {
        return Ok(S3Notification::Ignored(format!(
            "no ObjectCreated records ({})",
            ignored.join(", ")
        )));
    }
    Ok(S3Notification::Created(created))
}

fn parse_eventbridge(value: &Value) -> Result<S3Notification, NotificationError> {
    let detail_type = value
        .get("detail-type")
        .and_then(Value::as_str)
        .unwrap_or("");
    if detail_type != "Object Created" {
        return Ok(S3Notification::Ignored(format!(
            "EventBridge {detail_type:?}"
        )));
    }
    let detail = value
        .get("detail")
        .ok_or_else(|| NotificationError("EventBridge event without detail".into()))?;
    let object = detail
        .get("object")
        .ok_or_else(|| NotificationError("EventBridge event without detail.object".into()))?;
    Ok(S3Notification::Created(vec![ObjectCreated {
        bucket: str_at(detail, &["bucket", "name"])?,
        key: decode_key(&str_at(object, &["key"])?)?,
        size: object.get("size").and_then(Value::as_u64),
        etag: opt_str(object.get("etag").or_else(|| object.get("eTag"))),
        sequencer: opt_str(object.get("sequencer")),
        event_time: time_at(value.get("time")),
    }]))
}

/// URL-decodes an S3 notification key: `+` is a space, `%XX` a byte.
pub fn decode_key(raw: &str) -> Result<String, NotificationError> {
    let spaced = raw.replace('+', " ");
    percent_decode_str(&spaced)
        .decode_utf8()
        .map(|key| key.into_owned())
        .map_err(|_| NotificationError(format!("key {raw:?} does not decode to UTF-8")))
}

fn str_at(value: &Value, path: &[&str]) -> Result<String, NotificationError> {
    let mut at = value;
    for step in path {
        at = at
            .get(step)
            .ok_or_else(|| NotificationError(format!("missing {}", path.join("."))))?;
    }
    at.as_str()
        .map(str::to_owned)
        .ok_or_else(|| NotificationError(format!("{} is not a string", path.join("."))))
}

fn opt_str(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_owned)
}

/// An event time: RFC 3339, a zone-less timestamp (read as UTC, as the
/// moto emulator writes it), or seconds since the epoch (moto's EventBridge `time`).
fn time_at(value: Option<&Value>) -> Option<DateTime<Utc>> {
    let value = value?;
    if let Some(seconds) = value.as_f64() {
        let millis = (seconds * 1000.0).round();
        return DateTime::from_timestamp_millis(millis as i64);
    }
    let text = value.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_keys_like_s3() {
        assert_eq!(decode_key("red+flower.jpg").unwrap(), "red flower.jpg");
        assert_eq!(decode_key("a%2Bb%3A1").unwrap(), "a+b:1");
        assert!(decode_key("%FF").is_err());
    }

    #[test]
    fn ignores_test_events_and_deletions() {
        let test = br#"{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"}"#;
        assert!(matches!(
            parse_notification(test),
            Ok(S3Notification::Ignored(_))
        ));
        let delete = br#"{"Records":[{"eventName":"ObjectRemoved:Delete","s3":{}}]}"#;
        assert!(matches!(
            parse_notification(delete),
            Ok(S3Notification::Ignored(_))
        ));
        assert!(parse_notification(b"[]").is_err());
        assert!(parse_notification(b"nope").is_err());
    }
}

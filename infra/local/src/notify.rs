//! The S3 event a manifest upload causes: the same direct-to-SQS shape S3
//! sends, so intake reads local and AWS notifications with one parser.

use riv_events::ObjectKey;
use serde_json::json;
use sha2::{Digest, Sha256};

/// The entity tag of a body: its SHA-256, hex (first 32 characters).
pub fn etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// An `ObjectCreated:Put` notification for `key`. Keys are URL-encoded as
/// S3 encodes them (space as `+`).
pub fn manifest_notification(bucket: &str, key: &ObjectKey, size: usize, etag: &str) -> Vec<u8> {
    let encoded: String = key
        .as_str()
        .split('/')
        .map(|segment| {
            percent_encoding::utf8_percent_encode(segment, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
                .replace("%20", "+")
        })
        .collect::<Vec<_>>()
        .join("/");
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    json!({ "Records": [{
        "eventVersion": "2.1",
        "eventSource": "riv:local",
        "eventTime": now,
        "eventName": "ObjectCreated:Put",
        "s3": {
            "s3SchemaVersion": "1.0",
            "bucket": { "name": bucket },
            "object": { "key": encoded, "size": size, "eTag": etag, "sequencer": etag },
        },
    }]})
    .to_string()
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use riv_events::s3::{S3Notification, parse_notification};

    #[test]
    fn the_notification_reads_back_through_the_s3_parser() {
        let key = ObjectKey::parse("requests/r-1/manifest.json").unwrap();
        let body = manifest_notification("riv", &key, 10, "abc");
        match parse_notification(&body).unwrap() {
            S3Notification::Created(objects) => assert_eq!(objects[0].key, key.as_str()),
            other => panic!("{other:?}"),
        }
    }
}

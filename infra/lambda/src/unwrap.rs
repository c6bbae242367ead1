//! The riv message inside what a queue delivered. The deployment delivers
//! riv envelopes bare (rules with `InputPath: $.detail`, raw SNS delivery),
//! but a rule without the input path delivers the whole EventBridge event,
//! and a subscription without raw delivery the SNS notification around the
//! message. Both are unwrapped here, so such a misconfiguration (or an
//! emulator that ignores `InputPath`) costs nothing. S3 notifications are
//! left whole: intake reads every shape of those itself.

use std::borrow::Cow;

use serde_json::Value;

/// The riv message in `body`: the `detail` of an EventBridge event from
/// riv's bus, the `Message` of an SNS notification, else `body` itself.
pub fn riv_message(body: &str) -> Cow<'_, str> {
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(body) else {
        return Cow::Borrowed(body);
    };
    let from_s3 = object.get("source").and_then(Value::as_str) == Some("aws.s3");
    if let (Some(Value::Object(detail)), Some(_), false) =
        (object.get("detail"), object.get("detail-type"), from_s3)
    {
        return Cow::Owned(Value::Object(detail.clone()).to_string());
    }
    if object.get("Type").and_then(Value::as_str) == Some("Notification")
        && let Some(Value::String(message)) = object.get("Message")
    {
        return Cow::Owned(message.clone());
    }
    Cow::Borrowed(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENVELOPE: &str = r#"{"schema_version":1,"type":"quality.passed","event_id":"e"}"#;

    #[test]
    fn bare_envelopes_pass_through_untouched() {
        assert!(matches!(riv_message(ENVELOPE), Cow::Borrowed(_)));
        assert!(matches!(riv_message("not json"), Cow::Borrowed(_)));
    }

    #[test]
    fn an_eventbridge_event_gives_its_detail() {
        let event = format!(
            r#"{{"version":"0","id":"1","detail-type":"quality.passed","source":"riv.pipeline","detail":{ENVELOPE}}}"#
        );
        let inner: Value = serde_json::from_str(&riv_message(&event)).unwrap();
        assert_eq!(inner, serde_json::from_str::<Value>(ENVELOPE).unwrap());
    }

    #[test]
    fn an_sns_notification_gives_its_message() {
        let notification = serde_json::json!({
            "Type": "Notification",
            "MessageId": "m",
            "TopicArn": "arn:aws:sns:us-east-1:1:riv-dev-rollback",
            "Message": ENVELOPE,
        })
        .to_string();
        assert_eq!(riv_message(&notification), ENVELOPE);
    }

    #[test]
    fn s3_events_stay_whole_for_intake() {
        let event = r#"{"detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"b"}}}"#;
        assert_eq!(riv_message(event), event);
    }
}

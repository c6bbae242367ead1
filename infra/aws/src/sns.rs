//! One SNS topic: publishes a message with `String` message attributes, the
//! ones subscribers' filter policies match on (`docs/deploy.md`).

use aws_sdk_sns::Client;
use aws_sdk_sns::types::MessageAttributeValue;
use riv_consumers::PortError;

use crate::error::port_error;

/// The data type of every attribute riv sets.
const STRING: &str = "String";

/// One topic.
#[derive(Debug, Clone)]
pub struct SnsTopic {
    /// The client, built once by the composition root.
    client: Client,
    /// The topic's ARN.
    topic_arn: String,
}

impl SnsTopic {
    /// The topic `topic_arn` through `client`.
    pub fn new(client: Client, topic_arn: impl Into<String>) -> Self {
        Self {
            client,
            topic_arn: topic_arn.into(),
        }
    }

    /// The topic's ARN.
    pub fn topic_arn(&self) -> &str {
        &self.topic_arn
    }

    /// Publishes `message` with `attributes` (name, value), each of type
    /// `String`. `what` names the message in errors and logs, e.g.
    /// `outcome 8b66…`.
    pub async fn publish(
        &self,
        what: &str,
        message: String,
        attributes: &[(&str, &str)],
    ) -> Result<(), PortError> {
        let context = || format!("publishing {what} to {}", self.topic_arn);
        let mut request = self
            .client
            .publish()
            .topic_arn(&self.topic_arn)
            .message(message);
        for (name, value) in attributes {
            let value = MessageAttributeValue::builder()
                .data_type(STRING)
                .string_value(*value)
                .build()
                .map_err(|err| {
                    PortError::permanent(format!("{}: attribute {name}", context()))
                        .with_source(err)
                })?;
            request = request.message_attributes(*name, value);
        }
        let output = request
            .send()
            .await
            .map_err(|err| port_error(context(), err))?;
        tracing::debug!(
            topic = %self.topic_arn,
            message_id = output.message_id(),
            "published {what}"
        );
        Ok(())
    }
}

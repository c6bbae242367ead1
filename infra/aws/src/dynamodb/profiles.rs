//! Profiles in a DynamoDB table keyed by `user_id`. The profile is stored as
//! JSON in `profile`, beside `version` and `created_by`, which the
//! conditions read.

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use riv_consumers::PortError;
use riv_consumers::ports::{CreateResult, Profile, ProfileStore};
use riv_events::{RequestId, UserId};

use super::{delete_condition_failed, put_condition_failed};
use crate::error::port_error;

/// The profiles table.
#[derive(Debug, Clone)]
pub struct DynamoProfiles {
    /// The client, built once by the composition root.
    client: Client,
    /// The table's name.
    table: String,
}

impl DynamoProfiles {
    /// The table `table` through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    fn item(
        profile: &Profile,
    ) -> Result<std::collections::HashMap<String, AttributeValue>, PortError> {
        let json = serde_json::to_string(profile)
            .map_err(|err| PortError::permanent("serialising a profile").with_source(err))?;
        Ok([
            (
                "user_id".to_owned(),
                AttributeValue::S(profile.user_id.to_string()),
            ),
            ("profile".to_owned(), AttributeValue::S(json)),
            (
                "version".to_owned(),
                AttributeValue::N(profile.version.to_string()),
            ),
            (
                "created_by".to_owned(),
                AttributeValue::S(profile.created_by.to_string()),
            ),
        ]
        .into_iter()
        .collect())
    }
}

#[async_trait]
impl ProfileStore for DynamoProfiles {
    async fn get(&self, user: &UserId) -> Result<Option<Profile>, PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("user_id", AttributeValue::S(user.to_string()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| port_error("reading a profile", err))?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let json = item
            .get("profile")
            .and_then(|v| v.as_s().ok())
            .ok_or_else(|| PortError::permanent("a profile item without its profile attribute"))?;
        serde_json::from_str(json)
            .map(Some)
            .map_err(|err| PortError::permanent("reading a stored profile").with_source(err))
    }

    async fn create(&self, profile: &Profile) -> Result<CreateResult, PortError> {
        let sent = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::item(profile)?))
            .condition_expression("attribute_not_exists(user_id)")
            .send()
            .await;
        match sent {
            Ok(_) => Ok(CreateResult::Created),
            Err(err) if put_condition_failed(&err) => match self.get(&profile.user_id).await? {
                Some(existing) if existing.created_by == profile.created_by => {
                    Ok(CreateResult::AlreadyCreatedByThisRequest)
                }
                Some(_) => Ok(CreateResult::Taken),
                // Deleted in between: try once more.
                None => Box::pin(self.create(profile)).await,
            },
            Err(err) => Err(port_error("creating a profile", err)),
        }
    }

    async fn replace(&self, profile: &Profile, expected_version: u64) -> Result<bool, PortError> {
        let sent = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::item(profile)?))
            .condition_expression("#v = :expected")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(
                ":expected",
                AttributeValue::N(expected_version.to_string()),
            )
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(err) if put_condition_failed(&err) => Ok(false),
            Err(err) => Err(port_error("replacing a profile", err)),
        }
    }

    async fn delete(&self, user: &UserId, created_by: Option<&RequestId>) -> Result<(), PortError> {
        let mut request = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("user_id", AttributeValue::S(user.to_string()));
        if let Some(request_id) = created_by {
            request = request
                .condition_expression("created_by = :r")
                .expression_attribute_values(":r", AttributeValue::S(request_id.to_string()));
        }
        match request.send().await {
            Ok(_) => Ok(()),
            // Someone else's profile (or none): nothing of ours to delete.
            Err(err) if delete_condition_failed(&err) => Ok(()),
            Err(err) => Err(port_error("deleting a profile", err)),
        }
    }
}

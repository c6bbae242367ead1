//! Idempotency records in a DynamoDB table keyed by `key`, in the style of
//! the Powertools idempotency utility: `begin` writes an in-progress record
//! with a lease unless a live record exists; `complete` stores the outputs
//! (first completion wins) with a TTL in `expires_at` (epoch seconds, the
//! table's TTL attribute); `release` drops an in-progress record.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use riv_consumers::PortError;
use riv_consumers::ports::{Begin, Clock, IdempotencyKey, IdempotencyStore};

use super::{delete_condition_failed, put_condition_failed};
use crate::error::port_error;

/// How long completed records answer repeats by default.
pub const DEFAULT_TTL: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The idempotency table.
#[derive(Clone)]
pub struct DynamoIdempotency {
    /// The client, built once by the composition root.
    client: Client,
    /// The table's name.
    table: String,
    /// Leases and expiry are measured by it.
    clock: Arc<dyn Clock>,
    /// How long completed records are kept.
    ttl: Duration,
}

impl std::fmt::Debug for DynamoIdempotency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoIdempotency")
            .field("table", &self.table)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl DynamoIdempotency {
    /// The table `table` through `client`, timed by `clock`.
    pub fn new(client: Client, table: impl Into<String>, clock: Arc<dyn Clock>) -> Self {
        Self {
            client,
            table: table.into(),
            clock,
            ttl: DEFAULT_TTL,
        }
    }

    /// Keeps completed records for `ttl` instead.
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    async fn read(&self, key: &str) -> Result<Option<HashMap<String, AttributeValue>>, PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("key", AttributeValue::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| port_error("reading an idempotency record", err))?;
        Ok(output.item)
    }
}

fn outputs(item: &HashMap<String, AttributeValue>) -> Vec<u8> {
    item.get("outputs")
        .and_then(|v| v.as_b().ok())
        .map(|b| b.as_ref().to_vec())
        .unwrap_or_default()
}

#[async_trait]
impl IdempotencyStore for DynamoIdempotency {
    async fn begin(&self, key: &IdempotencyKey, lease: Duration) -> Result<Begin, PortError> {
        let id = key.as_string();
        let now_ms = self.now_ms();
        let now_s = now_ms / 1000;
        let lease_until = now_ms + i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2);
        let sent = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("key", AttributeValue::S(id.clone()))
            .item("status", AttributeValue::S("in_progress".into()))
            .item("lease_until", AttributeValue::N(lease_until.to_string()))
            // An abandoned claim disappears with the table's TTL too.
            .item(
                "expires_at",
                AttributeValue::N((now_s + self.ttl.as_secs() as i64).to_string()),
            )
            .condition_expression(
                "attribute_not_exists(#k) \
                 OR (#s = :in_progress AND lease_until < :now_ms) \
                 OR (#s = :completed AND expires_at < :now_s)",
            )
            .expression_attribute_names("#k", "key")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":in_progress", AttributeValue::S("in_progress".into()))
            .expression_attribute_values(":completed", AttributeValue::S("completed".into()))
            .expression_attribute_values(":now_ms", AttributeValue::N(now_ms.to_string()))
            .expression_attribute_values(":now_s", AttributeValue::N(now_s.to_string()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(Begin::Started),
            Err(err) if put_condition_failed(&err) => {
                let item = self.read(&id).await?.unwrap_or_default();
                let status = item
                    .get("status")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str);
                Ok(match status {
                    Some("completed") => Begin::Completed(outputs(&item)),
                    _ => Begin::InProgress,
                })
            }
            Err(err) => Err(port_error("claiming an idempotency record", err)),
        }
    }

    async fn complete(
        &self,
        key: &IdempotencyKey,
        outputs_bytes: &[u8],
    ) -> Result<Vec<u8>, PortError> {
        let id = key.as_string();
        let now_s = self.now_ms() / 1000;
        let expires_at = now_s + self.ttl.as_secs() as i64;
        let sent = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("key", AttributeValue::S(id.clone()))
            .item("status", AttributeValue::S("completed".into()))
            .item(
                "outputs",
                AttributeValue::B(Blob::new(outputs_bytes.to_vec())),
            )
            .item("expires_at", AttributeValue::N(expires_at.to_string()))
            .condition_expression(
                "attribute_not_exists(#k) OR #s <> :completed OR expires_at < :now_s",
            )
            .expression_attribute_names("#k", "key")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":completed", AttributeValue::S("completed".into()))
            .expression_attribute_values(":now_s", AttributeValue::N(now_s.to_string()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(outputs_bytes.to_vec()),
            // Another worker completed first: its outputs are the ones.
            Err(err) if put_condition_failed(&err) => Ok(self
                .read(&id)
                .await?
                .map(|item| outputs(&item))
                .unwrap_or_default()),
            Err(err) => Err(port_error("completing an idempotency record", err)),
        }
    }

    async fn release(&self, key: &IdempotencyKey) -> Result<(), PortError> {
        let sent = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("key", AttributeValue::S(key.as_string()))
            .condition_expression("#s = :in_progress")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":in_progress", AttributeValue::S("in_progress".into()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(err) if delete_condition_failed(&err) => Ok(()),
            Err(err) => Err(port_error("releasing an idempotency record", err)),
        }
    }
}

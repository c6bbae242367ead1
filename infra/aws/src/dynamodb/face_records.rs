//! What Rekognition does not keep about a collection's faces: the order
//! they were indexed in, whose they are and which index attempt made them.
//! One DynamoDB table, partition key `key` (S), with a sparse global
//! secondary index [`BY_USER_INDEX`] on `user_id` (S), all attributes
//! projected. Three kinds of item:
//!
//! | `key` | attributes | written |
//! |---|---|---|
//! | `counter#order` | `value` (N) | `ADD value 1` for each new order |
//! | `order#{n}` | `user_id` (S), `token` (S), `created_at` (S), `face_id` (S) once known | before the face is indexed |
//! | `token#{token}` | `order` (N), `face_id` (S) once known | claimed with `attribute_not_exists(key)` |
//!
//! A face's `ExternalImageId` in the collection is its order in decimal, so
//! every face resolves through `order#{n}` to its user. Only `order#{n}`
//! items carry `user_id`, so the index lists orders by user and nothing
//! else. How [`RekognitionCollection`](crate::rekognition::RekognitionCollection)
//! uses these items is described there.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, ReturnValue};
use chrono::{SecondsFormat, Utc};
use riv_consumers::PortError;
use riv_events::{FaceId, UserId};

use super::put_condition_failed;
use crate::error::port_error;

/// The global secondary index on `user_id`.
pub const BY_USER_INDEX: &str = "by_user";

/// The item holding the last order handed out.
const COUNTER_KEY: &str = "counter#order";

/// BatchGetItem reads at most this many keys per call.
const BATCH_GET_LIMIT: usize = 100;

/// How many times keys DynamoDB left unprocessed are asked for again.
const BATCH_GET_ROUNDS: usize = 5;

/// The `token#{token}` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// The order the token's face is (or will be) indexed under.
    pub order: u64,
    /// The face, once an attempt has recorded it.
    pub face_id: Option<FaceId>,
}

/// The face records table.
#[derive(Debug, Clone)]
pub struct FaceRecords {
    /// The client, built once by the composition root.
    client: Client,
    /// The table's name.
    table: String,
}

impl FaceRecords {
    /// The table `table` through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The `token#{token}` item, read consistently.
    pub async fn token(&self, token: &str) -> Result<Option<TokenRecord>, PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("key", s(token_key(token)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| port_error("reading an index token record", err))?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let order = number(&item, "order")
            .ok_or_else(|| PortError::permanent("an index token record without its order"))?;
        let face_id = item
            .get("face_id")
            .and_then(|v| v.as_s().ok())
            .map(|id| FaceId::parse(id.as_str()))
            .transpose()
            .map_err(|err| PortError::permanent("a stored face id is invalid").with_source(err))?;
        Ok(Some(TokenRecord { order, face_id }))
    }

    /// A new order, greater than every order handed out before.
    pub async fn next_order(&self) -> Result<u64, PortError> {
        let output = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("key", s(COUNTER_KEY.to_owned()))
            .update_expression("ADD #v :one")
            .expression_attribute_names("#v", "value")
            .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|err| port_error("allocating an indexed order", err))?;
        output
            .attributes
            .as_ref()
            .and_then(|item| number(item, "value"))
            .ok_or_else(|| PortError::permanent("the order counter answered without its value"))
    }

    /// Writes `order#{order}` for `user`'s attempt with `token`.
    pub async fn put_order(&self, order: u64, user: &UserId, token: &str) -> Result<(), PortError> {
        let created_at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        self.client
            .put_item()
            .table_name(&self.table)
            .item("key", s(order_key(order)))
            .item("user_id", s(user.to_string()))
            .item("token", s(token.to_owned()))
            .item("created_at", s(created_at))
            .send()
            .await
            .map_err(|err| port_error("writing an indexed order record", err))?;
        Ok(())
    }

    /// Claims `token` for `order`; `false` if another attempt claimed it first.
    pub async fn claim_token(&self, token: &str, order: u64) -> Result<bool, PortError> {
        let sent = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("key", s(token_key(token)))
            .item("order", AttributeValue::N(order.to_string()))
            .condition_expression("attribute_not_exists(#k)")
            .expression_attribute_names("#k", "key")
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(err) if put_condition_failed(&err) => Ok(false),
            Err(err) => Err(port_error("claiming an index token", err)),
        }
    }

    /// Deletes `order#{order}` (an order whose token another attempt won:
    /// no face was ever indexed under it).
    pub async fn delete_order(&self, order: u64) -> Result<(), PortError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("key", s(order_key(order)))
            .send()
            .await
            .map_err(|err| port_error("deleting an unused order record", err))?;
        Ok(())
    }

    /// Records `face` as the token's face unless one is recorded already;
    /// returns the face recorded (ours, or the one another attempt recorded
    /// first).
    pub async fn set_token_face(&self, token: &str, face: &FaceId) -> Result<FaceId, PortError> {
        let sent = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("key", s(token_key(token)))
            .update_expression("SET #f = :f")
            .condition_expression("attribute_exists(#k) AND attribute_not_exists(#f)")
            .expression_attribute_names("#k", "key")
            .expression_attribute_names("#f", "face_id")
            .expression_attribute_values(":f", s(face.to_string()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(face.clone()),
            Err(err) if update_condition_failed(&err) => self
                .token(token)
                .await?
                .and_then(|record| record.face_id)
                .ok_or_else(|| {
                    PortError::permanent("an index token record lost its face or disappeared")
                }),
            Err(err) => Err(port_error("recording an index token's face", err)),
        }
    }

    /// Records `face` on `order#{order}`.
    pub async fn set_order_face(&self, order: u64, face: &FaceId) -> Result<(), PortError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("key", s(order_key(order)))
            .update_expression("SET #f = :f")
            .expression_attribute_names("#f", "face_id")
            .expression_attribute_values(":f", s(face.to_string()))
            .send()
            .await
            .map_err(|err| port_error("recording an indexed order's face", err))?;
        Ok(())
    }

    /// The user of each of `orders` that has a record (read consistently,
    /// in batches of 100 keys).
    pub async fn users(&self, orders: &[u64]) -> Result<HashMap<u64, UserId>, PortError> {
        let wanted: Vec<u64> = orders
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut users = HashMap::new();
        for chunk in wanted.chunks(BATCH_GET_LIMIT) {
            let mut keys: Vec<HashMap<String, AttributeValue>> = chunk
                .iter()
                .map(|order| HashMap::from([("key".to_owned(), s(order_key(*order)))]))
                .collect();
            for _ in 0..BATCH_GET_ROUNDS {
                if keys.is_empty() {
                    break;
                }
                keys = self.read_users(keys, &mut users).await?;
            }
            if !keys.is_empty() {
                return Err(PortError::retryable(
                    "reading indexed order records: DynamoDB kept leaving keys unprocessed",
                ));
            }
        }
        Ok(users)
    }

    /// One BatchGetItem; returns the keys left unprocessed.
    async fn read_users(
        &self,
        keys: Vec<HashMap<String, AttributeValue>>,
        users: &mut HashMap<u64, UserId>,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, PortError> {
        let request = KeysAndAttributes::builder()
            .set_keys(Some(keys))
            .consistent_read(true)
            .projection_expression("#k, #u")
            .expression_attribute_names("#k", "key")
            .expression_attribute_names("#u", "user_id")
            .build()
            .map_err(|err| PortError::permanent("building a batch read").with_source(err))?;
        let output = self
            .client
            .batch_get_item()
            .request_items(&self.table, request)
            .send()
            .await
            .map_err(|err| port_error("reading indexed order records", err))?;
        let items = output
            .responses
            .as_ref()
            .and_then(|r| r.get(&self.table))
            .map(Vec::as_slice)
            .unwrap_or_default();
        for item in items {
            let order = item
                .get("key")
                .and_then(|v| v.as_s().ok())
                .and_then(|key| parse_order_key(key));
            let user = item.get("user_id").and_then(|v| v.as_s().ok());
            if let (Some(order), Some(user)) = (order, user) {
                let user = UserId::parse(user.as_str()).map_err(|err| {
                    PortError::permanent("a stored user id is invalid").with_source(err)
                })?;
                users.insert(order, user);
            }
        }
        Ok(output
            .unprocessed_keys
            .and_then(|mut left| left.remove(&self.table))
            .map(|left| left.keys)
            .unwrap_or_default())
    }

    /// Every order recorded for `user`, ascending. Read from the index,
    /// which is eventually consistent: an order written moments ago may be
    /// missing.
    pub async fn orders_of_user(&self, user: &UserId) -> Result<Vec<u64>, PortError> {
        let mut orders = BTreeSet::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(BY_USER_INDEX)
                .key_condition_expression("#u = :u")
                .projection_expression("#k")
                .expression_attribute_names("#u", "user_id")
                .expression_attribute_names("#k", "key")
                .expression_attribute_values(":u", s(user.to_string()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|err| port_error("listing a user's indexed orders", err))?;
            for item in output.items() {
                if let Some(order) = item
                    .get("key")
                    .and_then(|v| v.as_s().ok())
                    .and_then(|key| parse_order_key(key))
                {
                    orders.insert(order);
                }
            }
            match output.last_evaluated_key {
                Some(next) if !next.is_empty() => start = Some(next),
                _ => break,
            }
        }
        Ok(orders.into_iter().collect())
    }
}

fn s(value: String) -> AttributeValue {
    AttributeValue::S(value)
}

fn number(item: &HashMap<String, AttributeValue>, name: &str) -> Option<u64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

/// `order#{n}`.
pub fn order_key(order: u64) -> String {
    format!("order#{order}")
}

/// `token#{token}`.
pub fn token_key(token: &str) -> String {
    format!("token#{token}")
}

/// The `n` of `order#{n}`.
pub fn parse_order_key(key: &str) -> Option<u64> {
    key.strip_prefix("order#")?.parse().ok()
}

/// Whether an UpdateItem failed only because its condition did not hold.
fn update_condition_failed<R>(err: &aws_sdk_dynamodb::error::SdkError<UpdateItemError, R>) -> bool {
    err.as_service_error()
        .is_some_and(UpdateItemError::is_conditional_check_failed_exception)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        assert_eq!(order_key(42), "order#42");
        assert_eq!(parse_order_key("order#42"), Some(42));
        assert_eq!(parse_order_key("token#42"), None);
        assert_eq!(parse_order_key("order#x"), None);
        assert_eq!(token_key("r1/requests/a.jpg"), "token#r1/requests/a.jpg");
    }
}

//! DynamoDB adapters: profiles and idempotency records, each in its own
//! table, written with condition expressions so concurrent workers cannot
//! overwrite each other.
//!
//! - [`profiles`]: `ProfileStore`; key `user_id`.
//! - [`idempotency`]: `IdempotencyStore` in the style of the Powertools
//!   idempotency utility; key `key`, TTL attribute `expires_at`.

pub mod face_records;
pub mod idempotency;
pub mod profiles;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;

/// Whether a PutItem failed only because its condition did not hold.
pub(crate) fn put_condition_failed<R>(err: &SdkError<PutItemError, R>) -> bool {
    err.as_service_error()
        .is_some_and(PutItemError::is_conditional_check_failed_exception)
}

/// Whether a DeleteItem failed only because its condition did not hold.
pub(crate) fn delete_condition_failed<R>(err: &SdkError<DeleteItemError, R>) -> bool {
    err.as_service_error()
        .is_some_and(DeleteItemError::is_conditional_check_failed_exception)
}

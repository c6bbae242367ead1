#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The AWS path end to end on this machine: the stage consumers as
//! long-running SQS workers over the AWS adapters and the real SDK clients,
//! against the moto server (S3 notifications, SQS, SNS, EventBridge rules,
//! DynamoDB) and riv's Rekognition-compatible endpoint, with the resources
//! provisioned as the CDK app wires them.
//!
//! - `lifecycle`: register, duplicate face, auth verified and denied,
//!   update, delete.
//! - `client`: the test client's AWS target against the running path.
//! - `lambda`: the functions' batch handling, with the test as Lambda's
//!   event source mappings: a registration, and an unreadable message
//!   dead-lettered at once and parked.
//! - `idcard`: register-idcard with a generated licence (its barcode) and
//!   passport (its MRZ, read by the AnalyzeID endpoint): the holder
//!   registers, someone else's selfie is refused, a forged MRZ is invalid.
//! - `faults`: a stage that fails permanently ends the request `failed`
//!   and rolls back the face already indexed; one that keeps failing with
//!   retryable errors is dead-lettered, the request ends
//!   `retries_exhausted`, and the message is parked.

#[path = "../../infra/aws/tests/support/mod.rs"]
mod emulators;

mod aws {
    pub mod client;
    pub mod faults;
    pub mod idcard;
    pub mod lambda;
    pub mod lifecycle;
    pub mod stack;
}

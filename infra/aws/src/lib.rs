//! riv's AWS adapters: each port of `riv-consumers` over an official AWS SDK
//! client. Clients are built once by the process's composition root from
//! one SDK config and handed in; nothing here reads the environment.
//!
//! - [`error`]: every SDK error classified retryable or permanent.
//! - [`s3`]: the bucket ([`ObjectStore`](riv_consumers::ports::ObjectStore)).
//! - [`dynamodb`]: profiles and idempotency records.
//! - [`rekognition`]: the face analyzer and the face collection.
//! - [`textract`]: the document reader (`AnalyzeID`, with barcodes and
//!   MRZ check digits read here).
//! - [`eventbridge`]: the pipeline bus (`PutEvents` in calls within its
//!   limits, failed entries sent again).
//! - [`sns`]: a topic, publishing with `String` message attributes.
//! - [`publisher`]: [`Publisher`](riv_consumers::ports::Publisher) over the
//!   bus and the outcomes and rollback topics.
//! - [`sqs`]: a queue, for the worker mode and dead-letter moves.

pub mod dynamodb;
pub mod error;
pub mod eventbridge;
pub mod publisher;
pub mod rekognition;
pub mod s3;
pub mod sns;
pub mod sqs;
pub mod textract;

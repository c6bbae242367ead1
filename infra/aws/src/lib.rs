//! riv's AWS adapters: each port of `riv-consumers` over an official AWS SDK
//! client. Clients are built once by the process's composition root from
//! one SDK config and handed in; nothing here reads the environment.
//!
//! - [`error`]: every SDK error classified retryable or permanent.
//! - [`s3`]: the bucket ([`ObjectStore`](riv_consumers::ports::ObjectStore)).
//! - [`dynamodb`]: profiles and idempotency records.
//! - [`rekognition`]: the face analyzer and the face collection.

pub mod dynamodb;
pub mod error;
pub mod rekognition;
pub mod s3;

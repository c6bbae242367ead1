//! riv's embedded adapters: durable local queues and routing, object store,
//! profile store and face collection over the face engine.
//!
//! - [`db`]: the one SQLite file the local stores share, and its schema.
//! - [`queue`]: durable queues with SQS semantics (visibility, DLQ, dedup).
//! - [`idempotency`]: processed-message records with leases.
//! - [`profiles`]: user profiles with conditional writes.
//! - [`objects`]: the bucket, as a directory.

pub mod bus;
pub mod config;
pub mod db;
pub mod documents;
pub mod faces;
pub mod http;
pub mod idempotency;
pub mod notify;
pub mod objects;
pub mod outcomes;
pub mod profiles;
pub mod queue;
pub mod runtime;
pub mod subscribers;
pub mod worker;

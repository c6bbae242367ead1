//! riv's embedded adapters: durable local queues and routing, object store,
//! profile store and face collection over the face engine.
//!
//! - [`db`]: the one SQLite file the local stores share, and its schema.
//! - [`queue`]: durable queues with SQS semantics (visibility, DLQ, dedup).
//! - [`idempotency`]: processed-message records with leases.
//! - [`profiles`]: user profiles with conditional writes.
//! - [`objects`]: the bucket, as a directory.

pub mod db;
pub mod idempotency;
pub mod objects;
pub mod profiles;
pub mod queue;

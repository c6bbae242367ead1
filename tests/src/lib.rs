//! End-to-end tests of the whole riv pipeline: helpers shared by the test
//! binaries.
//!
//! - [`inputs`]: where the models, the public photos and the shared test
//!   data live; a missing input skips the test with its reason, or fails it
//!   under `CI=true`.
//! - [`riv`]: [`riv::TestRiv`], one embedded pipeline per test on a fresh
//!   data directory and a free port, with a client and probes into its data
//!   directory (faces, queues, `outcomes.jsonl`).
//! - [`recording`]: a publisher that records what the stages publish instead
//!   of routing it, to drive the domain message by message.
//! - [`images`]: pictures made in the test (no face, corrupt bytes).
//! - [`cards`]: identity documents made in the test (a licence with a
//!   PDF417 barcode, a passport with an MRZ) and register-idcard requests.

// Failing loudly is how a test helper reports a broken environment.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

pub mod cards;
pub mod images;
pub mod inputs;
pub mod recording;
pub mod riv;

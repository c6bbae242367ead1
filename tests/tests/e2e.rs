#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// The figures a run measures are printed for people to read.
#![allow(clippy::print_stdout)]
//! The whole pipeline end to end: the embedded mode with the real face
//! engine on real photos, one fresh data directory and port per test.
//!
//! - `lifecycle`: register, duplicate face, auth, update, delete, register
//!   again; users survive a restart.
//! - `bad_input`: group photos, no face, corrupt files and bad manifests
//!   each end in exactly one `failed` outcome with the right reason.
//! - `crash`: a pipeline killed mid-request finishes it exactly once after
//!   a restart.
//! - `duplicate_delivery`: every message delivered twice leaves the state
//!   of delivering it once.
//! - `races`: two registrations of one face at once: one wins, the other's
//!   face is rolled back.
//! - `backfill`: a gallery backfilled, then each person verified with an
//!   unseen photo.
//! - `subscribers`: the SSE stream (with resume) and webhooks.

mod e2e {
    pub mod backfill;
    pub mod bad_input;
    pub mod crash;
    pub mod duplicate_delivery;
    pub mod idcard;
    pub mod lifecycle;
    pub mod races;
    pub mod subscribers;
}

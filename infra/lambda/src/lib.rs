//! riv on AWS: the composition root over the AWS adapters, and the two ways
//! to run the stage consumers there.
//!
//! - [`config`]: the process's settings, from `RIV_*` variables, validated once.
//! - [`settle`]: a disposition carried out on an SQS message.
//! - [`batch`]: one Lambda SQS batch, each record on its own
//!   (`ReportBatchItemFailures`).
//! - [`unwrap`]: the riv message inside an EventBridge event or SNS notification.
//! - [`unconfigured`]: the port of a resource a function was not given.
//! - [`compose`]: the SDK clients and the ports over them.
//! - [`function`]: the `main` of every Lambda binary (`src/bin/`, one per
//!   stage, plus `dead_letter`).
//! - [`worker`]: the long-running SQS consumer behind `riv worker`.

pub mod batch;
pub mod compose;
pub mod config;
pub mod function;
pub mod provision;
pub mod settle;
pub mod unconfigured;
pub mod unwrap;
pub mod worker;

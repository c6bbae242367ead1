//! riv's domain: one consumer per stage, each a plain async handler over the
//! port traits in [`ports`]; the workflow table; decisions with thresholds
//! from config; rollback planning; the per-message driver that turns every
//! delivery into exactly one disposition.
//!
//! - [`ports`]: what the stages need from the world.
//! - [`config`]: every threshold, validated once.
//! - [`workflow`]: which stage follows which; the routing table.
//! - [`stages`]: one module per stage.
//! - [`decision`], [`outputs`]: a stage's verdict and the messages it becomes.
//! - [`driver`]: per-message handling: idempotency, retries, publication.
//! - [`admin`]: reading and deleting users.

pub mod admin;
pub mod config;
pub mod decision;
pub mod driver;
pub mod error;
pub mod outputs;
pub mod ports;
pub mod stages;
pub mod workflow;

#[cfg(test)]
mod fakes;
#[cfg(test)]
mod tests;

pub use config::{ConfigError, PipelineConfig};
pub use driver::{Delivery, Disposition, Pipeline};
pub use error::{ErrorKind, PortError};

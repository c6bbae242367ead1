//! riv's domain: one consumer per stage, each a plain async handler over the
//! port traits in [`ports`]; the workflow table; decisions with thresholds
//! from config; rollback planning; the per-message driver that turns every
//! delivery into exactly one disposition.

pub mod error;
pub mod ports;

pub use error::{ErrorKind, PortError};

//! One module per stage. Each is an async function from a request to a
//! [`Decision`](crate::decision::Decision) over the ports; the driver does
//! idempotency, routing and publication around it.

pub mod duplicate_search;
pub mod face_match;
pub mod id_match;
pub mod index;
pub mod intake;
pub mod profile_write;
pub mod quality;
pub mod rollback;

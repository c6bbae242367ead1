//! The test client of riv: upload a request, wait for its outcome, admin
//! calls, and bulk registration of existing users — against `riv run`'s HTTP
//! API or an AWS deployment.
//!
//! - [`transport`]: [`Transport`], submit a request and wait for its outcome,
//!   whichever way riv is reached; the commands and the backfill use it.
//! - [`client`]: [`Client`], one method per call of the HTTP API, plus
//!   [`Client::run`] which submits a request and waits for its outcome.
//! - [`aws`]: [`AwsClient`], requests into a deployment's bucket and
//!   outcomes from its outcomes topic through a temporary queue.
//! - [`api`]: the bodies the API answers with.
//! - [`picture`]: reading a picture file and turning it into a request.
//! - [`error`]: [`ClientError`], telling an unreachable server from a refusal,
//!   a timeout or a garbled answer.
//! - [`backfill`]: registering existing users in bulk from a directory, CSV,
//!   JSON lines or a tab-separated gallery, resumably.

pub mod api;
pub mod aws;
pub mod backfill;
pub mod client;
pub mod error;
pub mod picture;
pub mod transport;

pub use api::{DeletedUser, RequestState, RequestStatus, StoredObject, UserFace, UserProfile};
pub use aws::{AwsClient, AwsTarget};
pub use client::{Client, DEFAULT_ENDPOINT};
pub use error::ClientError;
pub use picture::{Picture, PictureError, PreparedRequest};
pub use transport::Transport;

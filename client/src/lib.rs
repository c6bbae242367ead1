//! A client of riv's HTTP API: upload a request, wait for its outcome, admin
//! calls, and bulk registration of existing users.
//!
//! - [`client`]: [`Client`], one method per API call, plus
//!   [`Client::run`] which submits a request and waits for its outcome.
//! - [`api`]: the bodies the API answers with.
//! - [`picture`]: reading a picture file and turning it into a request.
//! - [`error`]: [`ClientError`], telling an unreachable server from a refusal,
//!   a timeout or a garbled answer.
//! - [`backfill`]: registering existing users in bulk from a directory, CSV,
//!   JSON lines or a tab-separated gallery, resumably.

pub mod api;
pub mod backfill;
pub mod client;
pub mod error;
pub mod picture;

pub use api::{DeletedUser, RequestState, RequestStatus, StoredObject, UserFace, UserProfile};
pub use client::{Client, DEFAULT_ENDPOINT};
pub use error::ClientError;
pub use picture::{Picture, PictureError, PreparedRequest};

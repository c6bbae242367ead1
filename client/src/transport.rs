//! [`Transport`]: what the request commands and the backfill need from a
//! target — submit a request, wait for its outcome — whichever way riv is
//! reached.

use std::future::Future;
use std::time::Duration;

use riv_events::outcome::OutcomeEnvelope;

use crate::{Client, ClientError, PreparedRequest};

/// A way to reach riv: its HTTP API ([`Client`], for `riv run`), or an AWS
/// deployment's bucket and outcomes topic ([`crate::AwsClient`]).
pub trait Transport: Sync {
    /// Uploads a request's images, then its manifest (whose arrival starts
    /// the request), and waits up to `timeout` after the manifest for the
    /// request's outcome. No outcome in time is [`ClientError::Timeout`].
    fn run(
        &self,
        request: PreparedRequest,
        timeout: Duration,
    ) -> impl Future<Output = Result<OutcomeEnvelope, ClientError>> + Send;
}

impl Transport for Client {
    async fn run(
        &self,
        request: PreparedRequest,
        timeout: Duration,
    ) -> Result<OutcomeEnvelope, ClientError> {
        Client::run(self, request, timeout).await
    }
}

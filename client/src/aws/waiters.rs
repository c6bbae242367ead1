//! The requests waiting for their outcome, by request id: the outcome
//! listener hands each envelope to its request's [`Waiter`], and drops the
//! ones no request of this client waits for.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use riv_events::RequestId;
use riv_events::outcome::OutcomeEnvelope;
use tokio::sync::oneshot;

use super::sdk_error::copy_of;
use crate::ClientError;

/// What a waiting request is handed: its outcome, or why none can come.
type Delivery = Result<OutcomeEnvelope, ClientError>;

/// The requests of this client still waiting for their outcome.
#[derive(Default)]
pub(crate) struct Waiters {
    /// One sender per waiting request; removed when delivered to, or when
    /// its [`Waiter`] is dropped (done, timed out or cancelled).
    pending: Mutex<HashMap<RequestId, oneshot::Sender<Delivery>>>,
}

impl fmt::Debug for Waiters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiters")
            .field("pending", &self.lock().len())
            .finish()
    }
}

impl Waiters {
    /// Starts waiting for `request_id`'s outcome: call before the manifest
    /// goes up, so that an outcome arriving at once is not dropped.
    pub(crate) fn register(self: &Arc<Self>, request_id: RequestId) -> Waiter {
        let (sender, receiver) = oneshot::channel();
        self.lock().insert(request_id.clone(), sender);
        Waiter {
            request_id,
            waiters: Arc::clone(self),
            receiver,
        }
    }

    /// Hands an outcome to the request it belongs to; false when no request
    /// of this client waits for it (another client's, a duplicate delivery,
    /// or one that came after its request gave up).
    pub(crate) fn deliver(&self, envelope: OutcomeEnvelope) -> bool {
        let sender = self.lock().remove(&envelope.meta.correlation_id);
        sender.is_some_and(|sender| sender.send(Ok(envelope)).is_ok())
    }

    /// Ends every wait with `err`: outcomes can no longer be received.
    pub(crate) fn fail_all(&self, err: &ClientError) {
        let senders: Vec<_> = self.lock().drain().map(|(_, sender)| sender).collect();
        for sender in senders {
            // A waiter that is gone no longer needs telling.
            let _ = sender.send(Err(copy_of(err)));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<RequestId, oneshot::Sender<Delivery>>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One request waiting for its outcome; dropping it stops the wait.
#[derive(Debug)]
pub(crate) struct Waiter {
    request_id: RequestId,
    waiters: Arc<Waiters>,
    receiver: oneshot::Receiver<Delivery>,
}

impl Waiter {
    /// The outcome, or [`ClientError::Timeout`] when none came within
    /// `timeout`.
    pub(crate) async fn wait(mut self, timeout: Duration) -> Delivery {
        match tokio::time::timeout(timeout, &mut self.receiver).await {
            Ok(Ok(delivery)) => delivery,
            Ok(Err(_)) => Err(ClientError::Aws {
                what: format!("the outcome of request {}", self.request_id),
                code: None,
                detail: "the outcome listener stopped".into(),
            }),
            Err(_) => Err(ClientError::Timeout {
                what: format!("the outcome of request {}", self.request_id),
                after: timeout,
            }),
        }
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        self.waiters.lock().remove(&self.request_id);
    }
}

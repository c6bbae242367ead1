//! Carrying out the driver's [`Disposition`] on an SQS message, the same way
//! for a Lambda function and for a long-running worker.
//!
//! - `Ack`: done (a worker deletes the message; Lambda deletes it when the
//!   item is not reported as failed).
//! - `Retry(delay)`: the message becomes visible again after `delay`
//!   (ChangeMessageVisibility) and is kept.
//! - `DeadLetter(reason)` from a stage queue: the body goes to the stage's
//!   dead-letter queue at once, where the dead-letter consumer ends the
//!   request; from a dead-letter queue: the message is parked for people,
//!   wrapped with its queue and the reason.
//!
//! When the move fails, the message is kept: SQS delivers it again and the
//! queue's redrive policy moves it after its maximum receive count. Nothing
//! is dropped.

use std::time::Duration;

use async_trait::async_trait;
use riv_consumers::driver::parked_message;
use riv_consumers::{Disposition, PortError};
use tracing::{error, warn};

/// The queue operations settling needs.
#[async_trait]
pub trait MessageQueue: Send + Sync {
    /// Makes a received message visible again after `after`.
    async fn change_visibility(&self, receipt: &str, after: Duration) -> Result<(), PortError>;
    /// Sends a new message.
    async fn send(&self, body: &str) -> Result<(), PortError>;
}

/// Which kind of queue a message came from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A stage's queue; dead letters go to its dead-letter queue, if known.
    Stage {
        /// The queue's name, for logs.
        queue: &'a str,
        /// Its dead-letter queue.
        dead_letters: Option<&'a dyn MessageQueue>,
    },
    /// A stage's dead-letter queue; handled messages are parked.
    DeadLetters {
        /// The queue's name, recorded with a parked message.
        queue: &'a str,
        /// The parked queue.
        parked: Option<&'a dyn MessageQueue>,
    },
}

/// What the runner does with the message now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Delete it (a worker), or report success (Lambda).
    Done,
    /// Keep it: it comes back after its visibility timeout (Lambda: report
    /// it as a batch item failure).
    Keep,
}

/// One received message.
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    /// Its body.
    pub body: &'a str,
    /// Its receipt handle.
    pub receipt: &'a str,
    /// The queue it came from.
    pub queue: &'a dyn MessageQueue,
}

impl std::fmt::Debug for dyn MessageQueue + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MessageQueue")
    }
}

/// Carries out `disposition` for `message`.
pub async fn settle(
    message: Received<'_>,
    source: Source<'_>,
    disposition: Disposition,
) -> Settled {
    match disposition {
        Disposition::Ack => Settled::Done,
        Disposition::Retry(delay) => {
            if let Err(err) = message
                .queue
                .change_visibility(message.receipt, delay)
                .await
            {
                warn!(error = %err, "could not delay the retry; it comes back after the visibility timeout");
            }
            Settled::Keep
        }
        Disposition::DeadLetter(reason) => match source {
            Source::Stage {
                queue,
                dead_letters,
            } => {
                warn!(queue, reason, "dead-lettered");
                move_to(dead_letters, message.body, "dead-letter").await
            }
            Source::DeadLetters { queue, parked } => {
                let parked_form = parked_message(queue, &reason, message.body);
                move_to(parked, &parked_form, "parked").await
            }
        },
    }
}

async fn move_to(target: Option<&dyn MessageQueue>, body: &str, what: &str) -> Settled {
    let Some(target) = target else {
        warn!(
            what,
            "no {what} queue configured; the message stays and the redrive policy moves it"
        );
        return Settled::Keep;
    };
    match target.send(body).await {
        Ok(()) => Settled::Done,
        Err(err) => {
            error!(what, error = %err, "could not move the message; it stays");
            Settled::Keep
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Records what was done to it; `fail` makes every call fail.
    #[derive(Default)]
    struct Recorder {
        calls: Mutex<Vec<String>>,
        fail: bool,
    }

    #[async_trait]
    impl MessageQueue for Recorder {
        async fn change_visibility(&self, receipt: &str, after: Duration) -> Result<(), PortError> {
            self.calls
                .lock()
                .unwrap()
                .push(format!("visibility {receipt} {}", after.as_secs()));
            if self.fail {
                return Err(PortError::retryable("down"));
            }
            Ok(())
        }
        async fn send(&self, body: &str) -> Result<(), PortError> {
            self.calls.lock().unwrap().push(format!("send {body}"));
            if self.fail {
                return Err(PortError::retryable("down"));
            }
            Ok(())
        }
    }

    impl Recorder {
        fn calls(&self) -> Vec<String> {
            self.calls.lock().unwrap().clone()
        }
    }

    fn received<'a>(queue: &'a Recorder) -> Received<'a> {
        Received {
            body: "{\"x\":1}",
            receipt: "r-1",
            queue,
        }
    }

    #[tokio::test]
    async fn ack_is_done_and_touches_nothing() {
        let queue = Recorder::default();
        let source = Source::Stage {
            queue: "q",
            dead_letters: None,
        };
        let settled = settle(received(&queue), source, Disposition::Ack).await;
        assert_eq!(settled, Settled::Done);
        assert!(queue.calls().is_empty());
    }

    #[tokio::test]
    async fn a_retry_sets_the_delay_and_keeps_the_message() {
        let queue = Recorder::default();
        let source = Source::Stage {
            queue: "q",
            dead_letters: None,
        };
        let disposition = Disposition::Retry(Duration::from_secs(8));
        let settled = settle(received(&queue), source, disposition).await;
        assert_eq!(settled, Settled::Keep);
        assert_eq!(queue.calls(), ["visibility r-1 8"]);
    }

    #[tokio::test]
    async fn a_dead_letter_moves_the_body_unchanged() {
        let (queue, dlq) = (Recorder::default(), Recorder::default());
        let source = Source::Stage {
            queue: "q",
            dead_letters: Some(&dlq),
        };
        let disposition = Disposition::DeadLetter("misrouted".into());
        let settled = settle(received(&queue), source, disposition).await;
        assert_eq!(settled, Settled::Done);
        assert_eq!(dlq.calls(), ["send {\"x\":1}"]);
    }

    #[tokio::test]
    async fn a_failed_or_impossible_move_keeps_the_message() {
        let (queue, dlq) = (
            Recorder::default(),
            Recorder {
                fail: true,
                ..Recorder::default()
            },
        );
        for dead_letters in [None, Some(&dlq as &dyn MessageQueue)] {
            let source = Source::Stage {
                queue: "q",
                dead_letters,
            };
            let disposition = Disposition::DeadLetter("misrouted".into());
            let settled = settle(received(&queue), source, disposition).await;
            assert_eq!(settled, Settled::Keep);
        }
    }

    #[tokio::test]
    async fn a_handled_dead_letter_is_parked_with_its_queue_and_reason() {
        let (queue, parked) = (Recorder::default(), Recorder::default());
        let source = Source::DeadLetters {
            queue: "riv-dev-index-dlq",
            parked: Some(&parked),
        };
        let disposition = Disposition::DeadLetter("handled".into());
        let settled = settle(received(&queue), source, disposition).await;
        assert_eq!(settled, Settled::Done);
        let sent = parked.calls().pop().unwrap();
        let parked: serde_json::Value =
            serde_json::from_str(sent.strip_prefix("send ").unwrap()).unwrap();
        assert_eq!(parked["queue"], "riv-dev-index-dlq");
        assert_eq!(parked["reason"], "handled");
        assert_eq!(parked["message"], "{\"x\":1}");
    }
}

//! [`RecordingPublisher`]: the bus as a list. Stages publish into it; the
//! test decides when (and how often) each message is delivered.

use std::sync::Mutex;

use async_trait::async_trait;
use riv_consumers::PortError;
use riv_consumers::ports::Publisher;
use riv_events::outcome::OutcomeEnvelope;
use riv_events::pipeline::PipelineEnvelope;
use riv_events::rollback::RollbackEnvelope;

/// One published message.
#[derive(Debug, Clone)]
pub enum Published {
    /// A pipeline event, for the stage the routing table names.
    Event(PipelineEnvelope),
    /// An outcome.
    Outcome(OutcomeEnvelope),
    /// A rollback command.
    Rollback(RollbackEnvelope),
}

/// Records every publication, in order.
#[derive(Debug, Default)]
pub struct RecordingPublisher {
    published: Mutex<Vec<Published>>,
}

impl RecordingPublisher {
    /// Everything published since index `from`.
    pub fn since(&self, from: usize) -> Vec<Published> {
        let published = self.published.lock().unwrap_or_else(|p| p.into_inner());
        published.get(from..).map(<[_]>::to_vec).unwrap_or_default()
    }

    /// Every outcome published, repeats included.
    pub fn outcomes(&self) -> Vec<OutcomeEnvelope> {
        self.since(0)
            .into_iter()
            .filter_map(|p| match p {
                Published::Outcome(o) => Some(o),
                _ => None,
            })
            .collect()
    }

    fn push(&self, item: Published) {
        self.published
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(item);
    }
}

#[async_trait]
impl Publisher for RecordingPublisher {
    async fn publish_event(&self, event: &PipelineEnvelope) -> Result<(), PortError> {
        self.push(Published::Event(event.clone()));
        Ok(())
    }

    async fn publish_outcome(&self, outcome: &OutcomeEnvelope) -> Result<(), PortError> {
        self.push(Published::Outcome(outcome.clone()));
        Ok(())
    }

    async fn publish_rollback(&self, command: &RollbackEnvelope) -> Result<(), PortError> {
        self.push(Published::Rollback(command.clone()));
        Ok(())
    }
}

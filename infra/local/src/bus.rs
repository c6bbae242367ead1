//! The local EventBridge and SNS: pipeline events are routed by the
//! domain's workflow table to the next stage's queue, rollback commands go
//! to the rollback queue, outcomes to the [`OutcomeLog`]. Sends are
//! deduplicated by event id, as consumers see a repeat as the same message.

use std::time::Duration;

use async_trait::async_trait;
use riv_consumers::PortError;
use riv_consumers::ports::Publisher;
use riv_consumers::workflow::target;
use riv_events::Stage;
use riv_events::outcome::OutcomeEnvelope;
use riv_events::pipeline::PipelineEnvelope;
use riv_events::rollback::RollbackEnvelope;

use crate::outcomes::OutcomeLog;
use crate::queue::LocalQueues;

/// Publishes to local queues and the outcome log.
#[derive(Clone)]
pub struct LocalBus {
    /// The stage queues.
    queues: LocalQueues,
    /// The outcomes topic.
    outcomes: OutcomeLog,
}

impl std::fmt::Debug for LocalBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalBus").finish_non_exhaustive()
    }
}

impl LocalBus {
    /// Joins the queues and the topic.
    pub fn new(queues: LocalQueues, outcomes: OutcomeLog) -> Self {
        Self { queues, outcomes }
    }
}

#[async_trait]
impl Publisher for LocalBus {
    async fn publish_event(&self, event: &PipelineEnvelope) -> Result<(), PortError> {
        let event_type = event.body.type_name();
        let workflow = event.body.context().workflow;
        let target = target(workflow, event_type).ok_or_else(|| {
            PortError::permanent(format!("no route for {event_type} of {workflow}"))
        })?;
        self.queues
            .send_dedup(
                target.as_str(),
                &event.meta.event_id.to_string(),
                &event.to_vec(),
                Duration::ZERO,
            )
            .await
            .map_err(|err| err.into_port(format!("sending {event_type} to {target}")))?;
        Ok(())
    }

    async fn publish_outcome(&self, outcome: &OutcomeEnvelope) -> Result<(), PortError> {
        self.outcomes
            .record(outcome)
            .await
            .map_err(|err| err.into_port("recording an outcome"))?;
        Ok(())
    }

    async fn publish_rollback(&self, command: &RollbackEnvelope) -> Result<(), PortError> {
        self.queues
            .send_dedup(
                Stage::Rollback.as_str(),
                &command.meta.event_id.to_string(),
                &command.to_vec(),
                Duration::ZERO,
            )
            .await
            .map_err(|err| err.into_port("sending a rollback command"))?;
        Ok(())
    }
}

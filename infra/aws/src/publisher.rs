//! [`Publisher`] on AWS: pipeline events to the bus, outcomes and rollback
//! commands to their topics, each message the envelope's JSON exactly as on
//! the embedded queues.
//!
//! Outcomes carry the message attributes apps filter on (`docs/deploy.md`):
//! `outcome` always, `workflow` when the request named one, `reason` on
//! `denied` and `failed`. Rollback commands carry `type`
//! (`rollback.requested`) and `workflow` when known.

use async_trait::async_trait;
use riv_consumers::PortError;
use riv_consumers::ports::Publisher;
use riv_events::OutcomeKind;
use riv_events::outcome::OutcomeEnvelope;
use riv_events::pipeline::PipelineEnvelope;
use riv_events::rollback::{RollbackBody, RollbackEnvelope};

use crate::eventbridge::EventBridgeBus;
use crate::sns::SnsTopic;

/// The bus and the two topics a stage publishes to.
#[derive(Debug, Clone)]
pub struct AwsPublisher {
    /// Pipeline events, routed to the next stage by the bus's rules.
    pub bus: EventBridgeBus,
    /// Outcomes, for apps.
    pub outcomes: SnsTopic,
    /// Rollback commands, for the rollback stage's queue.
    pub rollback: SnsTopic,
}

#[async_trait]
impl Publisher for AwsPublisher {
    async fn publish_event(&self, event: &PipelineEnvelope) -> Result<(), PortError> {
        self.bus.publish(event).await
    }

    async fn publish_outcome(&self, outcome: &OutcomeEnvelope) -> Result<(), PortError> {
        let what = format!("outcome {}", outcome.meta.event_id);
        let message = json(&what, serde_json::to_string(outcome))?;
        self.outcomes
            .publish(&what, message, &outcome_attributes(outcome))
            .await
    }

    async fn publish_rollback(&self, command: &RollbackEnvelope) -> Result<(), PortError> {
        let what = format!("rollback command {}", command.meta.event_id);
        let message = json(&what, serde_json::to_string(command))?;
        self.rollback
            .publish(&what, message, &rollback_attributes(command))
            .await
    }
}

/// `outcome`, `workflow` (when named) and `reason` (on `denied` and `failed`).
pub fn outcome_attributes(outcome: &OutcomeEnvelope) -> Vec<(&'static str, &'static str)> {
    let inner = outcome.outcome();
    let mut attributes = vec![("outcome", inner.outcome.as_str())];
    if let Some(workflow) = outcome.meta.workflow {
        attributes.push(("workflow", workflow.as_str()));
    }
    if matches!(inner.outcome, OutcomeKind::Denied | OutcomeKind::Failed)
        && let Some(reason) = inner.reason
    {
        attributes.push(("reason", reason.as_str()));
    }
    attributes
}

/// `type` and `workflow` (when known).
pub fn rollback_attributes(command: &RollbackEnvelope) -> Vec<(&'static str, &'static str)> {
    let type_name = match command.body {
        RollbackBody::Requested(_) => "rollback.requested",
    };
    let mut attributes = vec![("type", type_name)];
    if let Some(workflow) = command.meta.workflow {
        attributes.push(("workflow", workflow.as_str()));
    }
    attributes
}

/// An envelope's JSON, the message SNS carries.
fn json(what: &str, serialised: serde_json::Result<String>) -> Result<String, PortError> {
    serialised
        .map_err(|err| PortError::permanent(format!("serialising {what} as JSON")).with_source(err))
}

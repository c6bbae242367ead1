//! Dead letters: a message the queue gave up on after too many receives
//! still ends its request, `failed` with `retries_exhausted`, and what the
//! request did is rolled back. A dead-lettered rollback stays in the
//! dead-letter queue for people.

use riv_events::pipeline::PipelineEnvelope;
use riv_events::s3::{S3Notification, parse_notification};
use riv_events::{ReasonCode, RequestManifest, Stage};
use tracing::error;

use super::{Disposition, Pipeline, root_meta, serialise, worse};
use crate::decision::Decision;
use crate::outputs::{Output, plan, unreadable};
use crate::ports::{Begin, IdempotencyKey};

impl Pipeline {
    /// Handles a message the queue dead-lettered after too many receives:
    /// the request fails `retries_exhausted` and what it did is rolled back
    /// (a dead-lettered rollback stays in the dead-letter queue for people).
    pub async fn handle_dead_letter(&self, stage: Stage, body: &[u8]) -> Disposition {
        match stage {
            Stage::Intake => self.dead_intake(body).await,
            Stage::Rollback => {
                error!("a rollback command was dead-lettered; it stays in the dead-letter queue");
                Disposition::DeadLetter("rollback_exhausted".into())
            }
            _ => self.dead_stage(stage, body).await,
        }
    }

    /// What a dead-letter consumer does with the message: once the request
    /// is ended and rolled back the message is parked for people
    /// ([`parked_message`]), like any message riv cannot process; a
    /// retryable failure keeps it in the dead-letter queue.
    pub async fn park_dead_letter(&self, stage: Stage, body: &[u8]) -> Disposition {
        match self.handle_dead_letter(stage, body).await {
            Disposition::Ack => {
                Disposition::DeadLetter("handled: request failed and rolled back".into())
            }
            other => other,
        }
    }
}

/// A message as it rests in the parked queue: the queue it came from, why
/// it was parked, and its body.
pub fn parked_message(queue: &str, reason: &str, body: &str) -> String {
    serde_json::json!({ "queue": queue, "reason": reason, "message": body }).to_string()
}

impl Pipeline {
    async fn dead_stage(&self, stage: Stage, body: &[u8]) -> Disposition {
        let Ok(envelope) = PipelineEnvelope::from_slice(body) else {
            return Disposition::DeadLetter("malformed_message".into());
        };
        let key = IdempotencyKey {
            stage,
            input: envelope.meta.event_id.to_string(),
        };
        if let Ok(Begin::Completed(stored)) = self
            .ports
            .idempotency
            .begin(&key, self.config.delivery.lease())
            .await
            && let Ok(outputs) = serde_json::from_slice::<Vec<Output>>(&stored)
        {
            return self.publish(&outputs, 1).await;
        }
        let mut context = envelope.body.into_context();
        if stage == Stage::ProfileWrite {
            self.effects_of_a_dead_profile_write(&mut context).await;
        }
        let emitter = self.emitter(&envelope.meta, stage, 1, "dead_letter/");
        let decision = Decision::fail(
            context,
            ReasonCode::RetriesExhausted,
            format!("stage {stage} kept failing with retryable errors"),
        );
        let outputs = plan(decision, &emitter, &self.config);
        let disposition = self.publish(&outputs, 1).await;
        if disposition == Disposition::Ack {
            let _ = self
                .ports
                .idempotency
                .complete(&key, &serialise(&outputs))
                .await;
        }
        disposition
    }

    /// What a profile write that gave up may have done: a register may have
    /// created the profile (deleted only if this request created it); an
    /// update may have written the new face into the profile, which then
    /// must not be rolled back from under it.
    async fn effects_of_a_dead_profile_write(&self, context: &mut riv_events::RequestContext) {
        match context.workflow {
            riv_events::Workflow::Update => {
                let listed = match self.ports.profiles.get(&context.user_id).await {
                    Ok(Some(profile)) => {
                        profile.faces.into_iter().map(|f| f.face.face_id).collect()
                    }
                    _ => Vec::new(),
                };
                context.effects.retain(|effect| {
                    !matches!(effect, riv_events::Effect::FaceIndexed { face_id, .. } if listed.contains(face_id))
                });
            }
            _ => context.effects.push(riv_events::Effect::ProfileCreated {
                user_id: context.user_id.clone(),
            }),
        }
    }

    async fn dead_intake(&self, body: &[u8]) -> Disposition {
        let Ok(S3Notification::Created(objects)) = parse_notification(body) else {
            return Disposition::DeadLetter("malformed_message".into());
        };
        let mut worst = Disposition::Ack;
        for object in objects {
            let Some(request_id) = RequestManifest::request_id_of_key(&object.key) else {
                continue;
            };
            let now = self.ports.clock.now();
            let root = root_meta(&request_id, None, 1, object.event_time.unwrap_or(now));
            let emitter = self.emitter(&root, Stage::Intake, 1, "dead_letter/");
            let outputs = unreadable(
                &emitter,
                None,
                ReasonCode::RetriesExhausted,
                "intake kept failing with retryable errors".into(),
            );
            worst = worse(worst, self.publish(&outputs, 1).await);
        }
        worst
    }
}

//! Undoes a failed request's effects, newest first, then deletes its
//! objects. Every step is idempotent, so a repeated command is harmless.

use riv_events::Effect;
use riv_events::rollback::RollbackEnvelope;

use crate::PortError;
use crate::ports::Ports;

/// What a rollback undid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Undone {
    /// Faces removed from the collection.
    pub faces: usize,
    /// Profiles deleted.
    pub profiles: usize,
    /// Objects deleted.
    pub objects: usize,
}

/// Carries out one rollback command.
pub async fn run(ports: &Ports, envelope: &RollbackEnvelope) -> Result<Undone, PortError> {
    let command = envelope.command();
    let request = &envelope.meta.correlation_id;
    let mut undone = Undone::default();
    for effect in command.effects.iter().rev() {
        match effect {
            Effect::FaceIndexed { face_id, .. } => {
                ports
                    .collection
                    .delete_faces(std::slice::from_ref(face_id))
                    .await?;
                undone.faces += 1;
            }
            Effect::ProfileCreated { user_id } => {
                ports.profiles.delete(user_id, Some(request)).await?;
                undone.profiles += 1;
            }
        }
    }
    for key in &command.delete_objects {
        ports.objects.delete(key).await?;
        undone.objects += 1;
    }
    Ok(undone)
}

//! Writes the profile: register creates it (conditionally: a user id is
//! taken once), update adds the new face and keeps the newest N.

use std::collections::BTreeMap;

use riv_events::{Effect, ReasonCode, RequestContext, RequestManifest, ValueSource, Workflow};

use crate::PortError;
use crate::config::PipelineConfig;
use crate::decision::Decision;
use crate::ports::{CreateResult, FaceRef, Ports, Profile, ProfileFace};
use crate::stages::face_match::unknown_user;
use crate::stages::id_match::document_properties;

/// Conflicting concurrent writes tolerated before giving the message back.
const MAX_WRITE_CONFLICTS: usize = 5;

/// Runs the stage.
pub async fn run(
    ports: &Ports,
    config: &PipelineConfig,
    mut context: RequestContext,
) -> Result<Decision, PortError> {
    let Some(indexed) = context.findings.indexed.clone() else {
        return Ok(Decision::fail(
            context,
            ReasonCode::InternalError,
            "profile write reached without an indexed face",
        ));
    };
    let now = ports.clock.now();
    let face = ProfileFace {
        face: FaceRef {
            face_id: indexed.face_id.clone(),
            image_key: indexed.image_key.clone(),
        },
        request_id: context.request_id.clone(),
        added_at: now,
    };
    if context.workflow == Workflow::Update {
        return update(ports, config, context, face).await;
    }
    let (properties, property_sources) = merged_properties(&context);
    let profile = Profile {
        user_id: context.user_id.clone(),
        properties,
        property_sources,
        faces: vec![face],
        created_by: context.request_id.clone(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    match ports.profiles.create(&profile).await? {
        CreateResult::Created | CreateResult::AlreadyCreatedByThisRequest => {
            context.findings.user_faces = vec![indexed.face_id];
            Ok(Decision::Pass(context))
        }
        CreateResult::Taken => Ok(Decision::fail(
            context,
            ReasonCode::UserExists,
            "this user id is already registered",
        )),
    }
}

/// Adds the face, evicting the oldest beyond `keep_last_faces`. Evicted
/// faces leave the collection *before* the profile is written, so a crash
/// in between leaves the profile pointing at a deleted face (harmless: the
/// redelivery evicts it again) rather than an orphan face in the collection.
async fn update(
    ports: &Ports,
    config: &PipelineConfig,
    mut context: RequestContext,
    face: ProfileFace,
) -> Result<Decision, PortError> {
    for _ in 0..MAX_WRITE_CONFLICTS {
        let Some(mut profile) = ports.profiles.get(&context.user_id).await? else {
            return Ok(unknown_user(context));
        };
        if !profile
            .faces
            .iter()
            .any(|f| f.face.face_id == face.face.face_id)
        {
            profile.faces.push(face.clone());
        }
        let excess = profile
            .faces
            .len()
            .saturating_sub(config.update.keep_last_faces);
        let evicted_faces: Vec<ProfileFace> = profile.faces.drain(..excess).collect();
        let evicted: Vec<_> = evicted_faces
            .iter()
            .map(|f| f.face.face_id.clone())
            .collect();
        if !evicted.is_empty() {
            ports.collection.delete_faces(&evicted).await?;
            // The evicted faces' images and their requests' manifests go too.
            for old in &evicted_faces {
                ports.objects.delete(&old.face.image_key).await?;
                ports
                    .objects
                    .delete(&RequestManifest::key_for(&old.request_id))
                    .await?;
            }
        }
        for (name, value) in &context.properties {
            // The app's value now, whatever the document said before.
            profile.property_sources.remove(name);
            profile.properties.insert(name.clone(), value.clone());
        }
        profile.updated_at = ports.clock.now();
        let expected = profile.version;
        profile.version += 1;
        if ports.profiles.replace(&profile, expected).await? {
            context.findings.user_faces = profile
                .faces
                .iter()
                .map(|f| f.face.face_id.clone())
                .collect();
            context.findings.evicted_faces = evicted;
            // The new face now belongs to the profile: a later failure must not delete it.
            context
                .effects
                .retain(|e| !matches!(e, Effect::FaceIndexed { face_id, .. } if *face_id == face.face.face_id));
            return Ok(Decision::Pass(context));
        }
    }
    // No user id here: error messages reach the logs, and user ids may be
    // e-mail addresses. The message's span carries the request id.
    Err(PortError::retryable(format!(
        "the profile kept changing under {MAX_WRITE_CONFLICTS} writes"
    )))
}

/// The app's properties with the document's fields (register-idcard) laid
/// over them: the document wins, and each of its values keeps its source.
fn merged_properties(
    context: &RequestContext,
) -> (BTreeMap<String, String>, BTreeMap<String, ValueSource>) {
    let mut properties = context.properties.clone();
    let mut sources = BTreeMap::new();
    if let Some(report) = &context.findings.document {
        for (name, (value, source)) in document_properties(report) {
            properties.insert(name.clone(), value);
            sources.insert(name, source);
        }
    }
    (properties, sources)
}

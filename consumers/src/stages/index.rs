//! Adds the selfie's face to the collection under the user, then settles
//! registration races.
//!
//! Two registrations of one face under two user ids can both pass the
//! duplicate search if neither has indexed yet. So after indexing, a
//! register request searches again with its own stored face: if another
//! user's matching face was indexed *earlier* (the collection's
//! `indexed_order`), this request lost the race and fails `duplicate_face`
//! (its face is rolled back). The collection is linearizable, so of two
//! racers the later-indexed one always sees the earlier one: exactly one
//! wins. See docs/architecture.md.

use riv_events::{Effect, IndexedFace, ReasonCode, RequestContext, Workflow};

use crate::PortError;
use crate::config::PipelineConfig;
use crate::decision::{Decision, image_problem};
use crate::ports::Ports;

/// Runs the stage.
pub async fn run(
    ports: &Ports,
    config: &PipelineConfig,
    mut context: RequestContext,
) -> Result<Decision, PortError> {
    let token = format!("{}/{}", context.request_id, context.images.selfie);
    let (face_id, order) = match ports
        .collection
        .index_face(&context.images.selfie, &context.user_id, &token)
        .await
    {
        Ok(indexed) => indexed,
        Err(err) => return image_problem(context, err),
    };
    let effect = Effect::FaceIndexed {
        face_id: face_id.clone(),
        user_id: context.user_id.clone(),
    };
    if !context.effects.contains(&effect) {
        context.effects.push(effect);
    }
    context.findings.indexed = Some(IndexedFace {
        face_id: face_id.clone(),
        image_key: context.images.selfie.clone(),
    });
    if matches!(
        context.workflow,
        Workflow::Register | Workflow::RegisterIdcard
    ) {
        let threshold = config.duplicate_threshold();
        let matches = ports
            .collection
            .search_by_face(&face_id, threshold, config.duplicate_search.max_matches)
            .await
            .map_err(not_yet_searchable)?;
        if let Some(earlier) = matches
            .iter()
            .find(|m| m.user_id != context.user_id && m.indexed_order < order)
        {
            let similarity = earlier.similarity.value();
            return Ok(Decision::fail_measured(
                context,
                ReasonCode::DuplicateFace,
                "another user registered this face first",
                "similarity",
                f64::from(similarity),
                f64::from(threshold.value()),
            ));
        }
    }
    Ok(Decision::Pass(context))
}

/// The face was indexed a moment ago, so a collection that cannot find it
/// yet is catching up (Rekognition's collections are eventually
/// consistent): try again rather than fail the registration.
fn not_yet_searchable(err: PortError) -> PortError {
    if err.kind == crate::error::ErrorKind::NotFound {
        PortError::retryable(format!(
            "the face just indexed is not searchable yet: {err}"
        ))
    } else {
        err
    }
}

//! Auth's and update's match: 1:1 against the claimed user's stored faces;
//! when that misses, optionally a 1:N search of the whole collection,
//! accepted only when its top match is the claimed user.

use riv_events::{MatchMethod, MatchReport, ReasonCode, RequestContext, Similarity, Workflow};

use crate::PortError;
use crate::config::PipelineConfig;
use crate::decision::{Decision, Refusal, image_problem};
use crate::ports::{FaceRef, Ports};

/// Runs the match.
pub async fn run(
    ports: &Ports,
    config: &PipelineConfig,
    mut context: RequestContext,
) -> Result<Decision, PortError> {
    let threshold = config.match_threshold();
    let Some(profile) = ports.profiles.get(&context.user_id).await? else {
        return Ok(unknown_user(context));
    };
    let faces: Vec<FaceRef> = profile.faces.iter().map(|f| f.face.clone()).collect();
    let scores = match ports
        .collection
        .compare_with_faces(&context.images.selfie, &faces)
        .await
    {
        Ok(scores) => scores,
        Err(err) => return image_problem(context, err),
    };
    let best = scores
        .iter()
        .max_by(|a, b| a.1.value().total_cmp(&b.1.value()))
        .cloned();
    let best_similarity = best.as_ref().map_or(0.0, |(_, s)| s.value());
    if let Some((face_id, similarity)) = best.filter(|(_, s)| s.value() >= threshold.value()) {
        context.findings.face_match = Some(MatchReport {
            threshold,
            similarity,
            method: MatchMethod::OneToOne,
            face_id: Some(face_id),
        });
        return Ok(Decision::Pass(context));
    }
    if config.face_match.one_to_n_fallback {
        let matches = match ports
            .collection
            .search_by_image(
                &context.images.selfie,
                threshold,
                config.face_match.max_matches,
            )
            .await
        {
            Ok(matches) => matches,
            Err(err) => return image_problem(context, err),
        };
        if let Some(top) = matches.first().filter(|m| m.user_id == context.user_id) {
            context.findings.face_match = Some(MatchReport {
                threshold,
                similarity: top.similarity,
                method: MatchMethod::OneToN,
                face_id: Some(top.face_id.clone()),
            });
            return Ok(Decision::Pass(context));
        }
    }
    context.findings.face_match = Some(MatchReport {
        threshold,
        similarity: Similarity::clamped(best_similarity),
        method: MatchMethod::OneToOne,
        face_id: None,
    });
    Ok(Decision::Deny(Refusal {
        context,
        reason: ReasonCode::FaceMismatch,
        message: "the selfie does not match the user".into(),
        measured: Some(riv_events::Measurement {
            name: "similarity".into(),
            value: f64::from(best_similarity),
            limit: f64::from(threshold.value()),
        }),
    }))
}

/// Auth of an unknown user is denied; an update of one fails.
pub fn unknown_user(context: RequestContext) -> Decision {
    let refusal = Refusal {
        context,
        reason: ReasonCode::UserNotFound,
        message: "no user has this id".into(),
        measured: None,
    };
    if refusal.context.workflow == Workflow::Auth {
        Decision::Deny(refusal)
    } else {
        Decision::Fail(refusal)
    }
}

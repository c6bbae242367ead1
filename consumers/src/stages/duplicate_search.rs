//! Register's 1:N search of the **whole** collection: a face at or above the
//! threshold under another user id is a duplicate. (The original sample
//! searched one partition of the collection; a duplicate in another
//! partition went unnoticed.)

use riv_events::{ReasonCode, RequestContext, SearchReport};

use crate::PortError;
use crate::config::PipelineConfig;
use crate::decision::{Decision, image_problem};
use crate::ports::Ports;

/// Runs the search.
pub async fn run(
    ports: &Ports,
    config: &PipelineConfig,
    mut context: RequestContext,
) -> Result<Decision, PortError> {
    let threshold = config.duplicate_threshold();
    let matches = match ports
        .collection
        .search_by_image(
            &context.images.selfie,
            threshold,
            config.duplicate_search.max_matches,
        )
        .await
    {
        Ok(matches) => matches,
        Err(err) => return image_problem(context, err),
    };
    if let Some(other) = matches.iter().find(|m| m.user_id != context.user_id) {
        let similarity = other.similarity.value();
        return Ok(Decision::fail_measured(
            context,
            ReasonCode::DuplicateFace,
            "this face is already registered under another user id",
            "similarity",
            f64::from(similarity),
            f64::from(threshold.value()),
        ));
    }
    context.findings.duplicate_search = Some(SearchReport {
        threshold,
        best_other_user: None,
    });
    Ok(Decision::Pass(context))
}

//! Register-idcard's ID match: read the document, apply the operator's
//! document rules, find the portrait, compare the selfie with it, and hold
//! the app's properties to what the document says.
//!
//! The reader measures (fields, check digits, expiry and age on the day the
//! request arrived); this stage decides, in a fixed order, and reports the
//! first rule that fails:
//! 1. nothing readable → `document_unreadable`;
//! 2. `reject_invalid`: a failed check digit, or sources that disagree →
//!    `document_invalid`;
//! 3. `reject_expired`: past the expiry date → `document_expired`;
//! 4. `min_age_years`: younger → `underage` (denied); no date of birth to
//!    tell → `document_unreadable`;
//! 5. no face on the document → `document_portrait_not_found`;
//! 6. the selfie below `threshold` → `document_face_mismatch` (denied);
//! 7. `properties_mismatch = reject`: the app's name or date of birth
//!    differs → `document_properties_mismatch` (denied).
//!
//! The rules come before the faces so that no biometric comparison is made
//! for a document that would be refused anyway.

mod properties;
mod report;

use riv_document::model::DocumentAnalysis;
use riv_events::{Measurement, ReasonCode, RequestContext};

use crate::config::{IdMatchConfig, PropertiesMismatch};
use crate::decision::{Decision, Refusal, image_problem};
use crate::ports::Ports;
use crate::{ErrorKind, PortError};

pub use properties::document_properties;

/// Runs the stage.
pub async fn run(
    ports: &Ports,
    config: &IdMatchConfig,
    mut context: RequestContext,
) -> Result<Decision, PortError> {
    let Some(reader) = ports.documents.as_ref() else {
        return Ok(Decision::fail(
            context,
            ReasonCode::WorkflowUnavailable,
            "no document reader is configured",
        ));
    };
    let Some(front) = context.images.document_front.clone() else {
        return Ok(Decision::fail(
            context,
            ReasonCode::InternalError,
            "id match reached without a document image",
        ));
    };
    let as_of = context.received_at.date_naive();
    let back = context.images.document_back.clone();
    let analysis = match reader.read_document(&front, back.as_ref(), as_of).await {
        Ok(analysis) => analysis,
        Err(err) => return unreadable_image(context, err),
    };
    if !analysis.is_readable() {
        return Ok(Decision::fail(
            context,
            ReasonCode::DocumentUnreadable,
            "no machine-readable zone, barcode or labelled field was read",
        ));
    }
    context.findings.document = Some(report::of(&analysis, config.threshold()));
    if let Some(refusal) = rules(&analysis, config, &context) {
        return Ok(refusal);
    }
    if analysis.portrait.is_none() {
        return Ok(Decision::fail(
            context,
            ReasonCode::DocumentPortraitNotFound,
            "no face was found on the document",
        ));
    }
    let similarity = match ports
        .analyzer
        .compare_faces(&context.images.selfie, &front)
        .await
    {
        Ok(Some(similarity)) => similarity,
        Ok(None) => {
            return Ok(Decision::fail(
                context,
                ReasonCode::DocumentPortraitNotFound,
                "no face on the document could be compared",
            ));
        }
        Err(err) => return image_problem(context, err),
    };
    if let Some(report) = context.findings.document.as_mut() {
        report.portrait_similarity = Some(similarity);
    }
    let threshold = config.threshold();
    if similarity.value() < threshold.value() {
        return Ok(deny(
            context,
            ReasonCode::DocumentFaceMismatch,
            "the selfie does not match the document's portrait".into(),
            Some(Measurement {
                name: "similarity".into(),
                value: f64::from(similarity.value()),
                limit: f64::from(threshold.value()),
            }),
        ));
    }
    if config.properties_mismatch == PropertiesMismatch::Reject
        && let Some(property) = properties::first_mismatch(&context.properties, &analysis)
    {
        return Ok(deny(
            context,
            ReasonCode::DocumentPropertiesMismatch,
            format!("the property {property} differs from the document"),
            None,
        ));
    }
    Ok(Decision::Pass(context))
}

/// The document rules, in order; `None` when the document passes them all.
fn rules(
    analysis: &DocumentAnalysis,
    config: &IdMatchConfig,
    context: &RequestContext,
) -> Option<Decision> {
    let checks = &analysis.checks;
    if config.reject_invalid {
        if let Some(failed) = checks.check_digits.iter().find(|c| !c.valid) {
            return Some(Decision::fail(
                context.clone(),
                ReasonCode::DocumentInvalid,
                format!("the MRZ check digit of {:?} is wrong", failed.field),
            ));
        }
        if let Some(disagreement) = checks.agreement.iter().find(|a| !a.agree) {
            return Some(Decision::fail(
                context.clone(),
                ReasonCode::DocumentInvalid,
                format!(
                    "the document's {:?} and {:?} disagree on {}",
                    disagreement.sources[0], disagreement.sources[1], disagreement.field
                ),
            ));
        }
    }
    if config.reject_expired && checks.expired == Some(true) {
        return Some(Decision::fail(
            context.clone(),
            ReasonCode::DocumentExpired,
            "the document is past its expiry date",
        ));
    }
    if config.min_age_years > 0 {
        let limit = f64::from(config.min_age_years);
        match checks.age_years {
            None => {
                return Some(Decision::fail(
                    context.clone(),
                    ReasonCode::DocumentUnreadable,
                    "no date of birth was read to check the minimum age against",
                ));
            }
            Some(age) if age < config.min_age_years => {
                return Some(deny(
                    context.clone(),
                    ReasonCode::Underage,
                    "the holder is younger than the minimum age".into(),
                    Some(Measurement {
                        name: "age_years".into(),
                        value: f64::from(age),
                        limit,
                    }),
                ));
            }
            Some(_) => {}
        }
    }
    None
}

/// A missing document image is `image_missing`; one that cannot be decoded
/// is `document_unreadable`; anything else stays an error.
fn unreadable_image(context: RequestContext, err: PortError) -> Result<Decision, PortError> {
    match err.kind {
        ErrorKind::InvalidImage => Ok(Decision::fail(
            context,
            ReasonCode::DocumentUnreadable,
            format!("the document image cannot be used: {}", err.context),
        )),
        _ => image_problem(context, err),
    }
}

fn deny(
    context: RequestContext,
    reason: ReasonCode,
    message: String,
    measured: Option<Measurement>,
) -> Decision {
    Decision::Deny(Refusal {
        context,
        reason,
        message,
        measured,
    })
}

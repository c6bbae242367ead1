//! What a stage decides about a request.

use riv_events::{Measurement, ReasonCode, RequestContext};

use crate::{ErrorKind, PortError};

/// A stage's verdict.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// The request goes on, with the stage's findings and effects added.
    Pass(RequestContext),
    /// The request ends `denied` (auth or update: not the user).
    Deny(Refusal),
    /// The request ends `failed`; its effects are rolled back.
    Fail(Refusal),
}

/// Why a request stops, with the measurement behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// The request, including every effect done so far.
    pub context: RequestContext,
    /// The stable code.
    pub reason: ReasonCode,
    /// For people; never personal data.
    pub message: String,
    /// The value that missed its limit.
    pub measured: Option<Measurement>,
}

impl Decision {
    /// A failure without a measurement.
    pub fn fail(context: RequestContext, reason: ReasonCode, message: impl Into<String>) -> Self {
        Decision::Fail(Refusal {
            context,
            reason,
            message: message.into(),
            measured: None,
        })
    }

    /// A failure with the value that missed its limit.
    pub fn fail_measured(
        context: RequestContext,
        reason: ReasonCode,
        message: impl Into<String>,
        name: &str,
        value: f64,
        limit: f64,
    ) -> Self {
        Decision::Fail(Refusal {
            context,
            reason,
            message: message.into(),
            measured: Some(Measurement {
                name: name.to_owned(),
                value,
                limit,
            }),
        })
    }
}

/// Turns the port errors that are really verdicts about the input (a
/// missing or undecodable image) into failures; the rest stay errors.
pub fn image_problem(context: RequestContext, err: PortError) -> Result<Decision, PortError> {
    match err.kind {
        ErrorKind::NotFound => Ok(Decision::fail(
            context,
            ReasonCode::ImageMissing,
            "an image the manifest names is not in the bucket",
        )),
        ErrorKind::InvalidImage => Ok(Decision::fail(
            context,
            ReasonCode::InvalidImage,
            format!("the image cannot be used: {}", err.context),
        )),
        ErrorKind::Retryable | ErrorKind::Permanent => Err(err),
    }
}

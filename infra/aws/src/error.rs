//! Classifies SDK errors into the domain's retry dispositions.
//!
//! Retryable: the request never got an answer (timeouts, connection
//! failures), throttling, and server-side (5xx) errors. Everything else
//! (validation, access denied, missing resources the caller did not expect)
//! is permanent: retrying cannot mend it.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use riv_consumers::PortError;

/// Error codes AWS services use for throttling and transient trouble.
const RETRYABLE_CODES: [&str; 9] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestLimitExceeded",
    "SlowDown",
    "ProvisionedThroughputExceededException",
    "ServiceUnavailable",
    "InternalError",
];

/// Whether an SDK error may succeed on a retry.
pub fn is_retryable<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            let status = service.raw().status().as_u16();
            RETRYABLE_CODES.contains(&code) || status >= 500 || status == 429
        }
        _ => false,
    }
}

/// A [`PortError`] for an SDK error, with what was being done.
pub fn port_error<E>(context: impl Into<String>, err: SdkError<E, HttpResponse>) -> PortError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let context = context.into();
    let retryable = is_retryable(&err);
    let code = match &err {
        SdkError::ServiceError(service) => service.err().code().map(str::to_owned),
        _ => None,
    };
    let context = match code {
        Some(code) => format!("{context}: {code}"),
        None => context,
    };
    let base = if retryable {
        PortError::retryable(context)
    } else {
        PortError::permanent(context)
    };
    base.with_source(err)
}

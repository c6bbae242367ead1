//! AWS SDK errors as [`ClientError`]s: no connection or no answer in time
//! is [`ClientError::AwsUnreachable`]; anything else (a refusal, no
//! credentials) is [`ClientError::Aws`].

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

use crate::ClientError;
use crate::error::error_chain;

/// The [`ClientError`] for a failed SDK call; `what` names the call.
pub(crate) fn client_error<E>(
    what: impl Into<String>,
    err: SdkError<E, HttpResponse>,
) -> ClientError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let what = what.into();
    let unreachable = match &err {
        SdkError::TimeoutError(_) => true,
        SdkError::DispatchFailure(failure) => failure.is_io() || failure.is_timeout(),
        _ => false,
    };
    if unreachable {
        return ClientError::AwsUnreachable {
            what,
            detail: error_chain(&err),
        };
    }
    match &err {
        SdkError::ServiceError(service) => ClientError::Aws {
            what,
            code: service.err().code().map(str::to_owned),
            detail: service
                .err()
                .message()
                .map_or_else(|| error_chain(service.err()), str::to_owned),
        },
        _ => ClientError::Aws {
            what,
            code: None,
            detail: error_chain(&err),
        },
    }
}

/// A copy of an AWS error, for each request waiting when the outcome
/// listener fails (a [`ClientError`] cannot be cloned: some variants hold
/// their transport's error).
pub(crate) fn copy_of(err: &ClientError) -> ClientError {
    match err {
        ClientError::AwsUnreachable { what, detail } => ClientError::AwsUnreachable {
            what: what.clone(),
            detail: detail.clone(),
        },
        ClientError::Aws { what, code, detail } => ClientError::Aws {
            what: what.clone(),
            code: code.clone(),
            detail: detail.clone(),
        },
        other => ClientError::Aws {
            what: "receiving outcomes".into(),
            code: None,
            detail: other.to_string(),
        },
    }
}

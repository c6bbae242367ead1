//! What can go wrong talking to riv.

use std::time::Duration;

use crate::picture::PictureError;

/// Why a call to riv did not give an answer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Nothing answers at the endpoint (connection refused, unknown host).
    #[error(
        "cannot reach riv at {endpoint}: {} (is `riv run` running?)",
        root_cause(source)
    )]
    Unreachable {
        /// The endpoint that was tried.
        endpoint: String,
        /// The transport's error.
        #[source]
        source: reqwest::Error,
    },
    /// riv answered with an error status.
    #[error("riv refused {what}: HTTP {status} {code}: {message}")]
    Http {
        /// What was asked (`PUT requests/…/selfie.jpg`, `GET user alice`).
        what: String,
        /// The HTTP status.
        status: u16,
        /// The server's error code (`invalid_key`, `unknown_request`, ...), or
        /// the status text when the body carried none.
        code: String,
        /// The server's message.
        message: String,
    },
    /// No answer in time: a request whose outcome did not arrive, or a call
    /// the transport gave up on.
    #[error("timed out after {:.1} s waiting for {what}", after.as_secs_f64())]
    Timeout {
        /// What was being waited for.
        what: String,
        /// How long was waited.
        after: Duration,
    },
    /// riv answered, but not with what the API promises.
    #[error("unexpected answer to {what}: {detail}")]
    BadResponse {
        /// What was asked.
        what: String,
        /// What was wrong with the answer.
        detail: String,
    },
    /// The picture cannot be sent (unreadable, unknown format, too large).
    #[error(transparent)]
    Picture(#[from] PictureError),
    /// The endpoint is not an http(s) URL.
    #[error("invalid endpoint {endpoint:?}: {detail}")]
    InvalidEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The request the caller built breaks the manifest rules.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// An AWS service could not be reached: no connection, or no answer in
    /// time.
    #[error("cannot reach AWS for {what}: {detail}")]
    AwsUnreachable {
        /// The call (`S3 PutObject requests/…/selfie.jpg`, `SQS ReceiveMessage`).
        what: String,
        /// The SDK's error and its causes.
        detail: String,
    },
    /// An AWS call failed: the service refused it (access denied, no such
    /// bucket or topic), or the SDK could not make it (no credentials).
    #[error("{}", aws_failure(what, code.as_deref(), detail))]
    Aws {
        /// The call.
        what: String,
        /// The service's error code (`AccessDenied`, `NoSuchBucket`, ...),
        /// when the service answered.
        code: Option<String>,
        /// The service's message, or the SDK's error and its causes.
        detail: String,
    },
    /// The call does not exist on this target (`riv user` on AWS).
    #[error("{what} is not available on the {target} target: {hint}")]
    Unsupported {
        /// The call.
        what: String,
        /// The target (`aws`).
        target: String,
        /// Why, and where to do it instead.
        hint: String,
    },
}

impl ClientError {
    /// Whether trying the same call again later may work: the server was not
    /// reachable, or did not answer in time.
    pub fn is_transient(&self) -> bool {
        self.is_unreachable() || matches!(self, Self::Timeout { .. })
    }

    /// Whether riv (its HTTP API, or the AWS services of a deployment) could
    /// not be reached at all: calls after this one are likely to fail too.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Self::Unreachable { .. } | Self::AwsUnreachable { .. })
    }

    /// The server's error code, for [`ClientError::Http`].
    pub fn server_code(&self) -> Option<&str> {
        match self {
            Self::Http { code, .. } => Some(code),
            _ => None,
        }
    }

    /// A short stable label for reports: `unreachable`, `timeout`,
    /// `bad_response`, `picture`, `invalid_request`, `unsupported`, or the
    /// server's (or AWS's) error code.
    pub fn label(&self) -> String {
        match self {
            Self::Unreachable { .. } | Self::AwsUnreachable { .. } => "unreachable".into(),
            Self::Http { code, .. } => code.clone(),
            Self::Timeout { .. } => "timeout".into(),
            Self::BadResponse { .. } => "bad_response".into(),
            Self::Picture(_) => "picture".into(),
            Self::InvalidEndpoint { .. } => "invalid_endpoint".into(),
            Self::InvalidRequest(_) => "invalid_request".into(),
            Self::Aws { code, .. } => code.clone().unwrap_or_else(|| "aws".into()),
            Self::Unsupported { .. } => "unsupported".into(),
        }
    }

    /// Maps a transport error: refused connections and timeouts get their own
    /// variants, anything else is a bad response.
    pub(crate) fn from_transport(
        endpoint: &str,
        what: &str,
        after: Duration,
        err: reqwest::Error,
    ) -> Self {
        if err.is_connect() {
            Self::Unreachable {
                endpoint: endpoint.to_owned(),
                source: err,
            }
        } else if err.is_timeout() {
            Self::Timeout {
                what: what.to_owned(),
                after,
            }
        } else {
            Self::BadResponse {
                what: what.to_owned(),
                detail: error_chain(&err),
            }
        }
    }
}

/// An AWS failure for people: a refusal names the service's code.
fn aws_failure(what: &str, code: Option<&str>, detail: &str) -> String {
    match code {
        Some(code) => format!("AWS refused {what}: {code}: {detail}"),
        None => format!("AWS call {what} failed: {detail}"),
    }
}

/// The innermost source of an error ("Connection refused"), which says more
/// than the transport's outer "error sending request".
fn root_cause(err: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// An error and its sources, joined with `: `.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

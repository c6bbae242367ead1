//! Textract's errors as port errors.
//!
//! | Textract error | port error |
//! |---|---|
//! | `UnsupportedDocumentException`, `BadDocumentException`, `DocumentTooLargeException` | `invalid_image`, `document_unreadable: CODE` first in the context |
//! | `InvalidS3ObjectException` | `not_found` when the object is missing, else permanent (Textract may not read the bucket) |
//! | `ThrottlingException`, `ProvisionedThroughputExceededException`, `InternalServerError` | retryable |
//! | anything else | as [`crate::error::port_error`] classifies it |

use aws_sdk_textract::config::http::HttpResponse;
use aws_sdk_textract::error::{ProvideErrorMetadata, SdkError};
use riv_consumers::PortError;

use crate::error::port_error;

/// Textract's codes for load it sheds: a later call may succeed.
const RETRYABLE: [&str; 3] = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "InternalServerError",
];

/// Textract's codes for a document it cannot read.
const UNREADABLE: [&str; 3] = [
    "UnsupportedDocumentException",
    "BadDocumentException",
    "DocumentTooLargeException",
];

/// A failed `AnalyzeID` call, classified.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The port error, final unless `unreadable_object`.
    pub error: PortError,
    /// `InvalidS3ObjectException`: an object is missing, or Textract may
    /// not read it; only the bucket can tell which.
    pub unreadable_object: bool,
}

/// Classifies `err` from the call described by `context` (e.g. `reading
/// the document requests/r1/front.jpg`).
pub(crate) fn classify<E>(context: &str, err: SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = err.code().unwrap_or_default().to_owned();
    let error = if UNREADABLE.contains(&code.as_str()) {
        PortError::invalid_image(format!("document_unreadable: {code}: {context}"))
    } else if code == "InvalidS3ObjectException" {
        PortError::permanent(format!("{context}: {code}"))
    } else if RETRYABLE.contains(&code.as_str()) {
        PortError::retryable(format!("{context}: {code}"))
    } else {
        return Failure {
            error: port_error(context, err),
            unreadable_object: false,
        };
    };
    Failure {
        unreadable_object: code == "InvalidS3ObjectException",
        error: error.with_source(err),
    }
}

//! Rekognition's errors as port errors.
//!
//! | Rekognition error | port error |
//! |---|---|
//! | `InvalidImageFormatException`, `ImageTooLargeException` | `invalid_image`, the error code first in the context |
//! | `InvalidParameterException` | what the operation makes of it ([`InvalidParameter`]): with a valid request it is about the image |
//! | `InvalidS3ObjectException` | `not_found` when the object is missing, else permanent (see [`super::images::Images::settle`]) |
//! | `ThrottlingException`, `ProvisionedThroughputExceededException`, `InternalServerError` | retryable |
//! | anything else | as [`crate::error::port_error`] classifies it |

use aws_sdk_rekognition::config::http::HttpResponse;
use aws_sdk_rekognition::error::{ProvideErrorMetadata, SdkError};
use riv_consumers::PortError;

use crate::error::port_error;

/// Rekognition's codes for load it sheds: a later call may succeed.
const RETRYABLE: [&str; 3] = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "InternalServerError",
];

/// What an `InvalidParameterException` means for an operation. Every
/// parameter riv sends is valid, so it is about the image or the face.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InvalidParameter {
    /// `SearchFacesByImage`, `CompareFaces`: no face in the (source) image.
    NoFace,
    /// `DetectFaces`, `IndexFaces`: the image cannot be used (e.g. too small).
    BadImage,
    /// `SearchFaces`: the collection does not hold the face.
    UnknownFace,
}

/// A failed Rekognition call, classified.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The port error, final unless `unreadable_object`.
    pub error: PortError,
    /// `InvalidS3ObjectException`: the object is missing, or Rekognition may
    /// not read it; only the bucket can tell which.
    pub unreadable_object: bool,
}

/// Classifies `err` from the call described by `context` (e.g. `analysing
/// requests/r1/selfie.jpg`).
pub(crate) fn classify<E>(
    context: &str,
    err: SdkError<E, HttpResponse>,
    invalid: InvalidParameter,
) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = err.code().unwrap_or_default().to_owned();
    let error = match code.as_str() {
        "InvalidImageFormatException" | "ImageTooLargeException" => {
            PortError::invalid_image(format!("{code}: {context}"))
        }
        "InvalidParameterException" => match invalid {
            InvalidParameter::NoFace => PortError::invalid_image(format!("no_face: {context}")),
            InvalidParameter::BadImage => PortError::invalid_image(format!("{code}: {context}")),
            InvalidParameter::UnknownFace => PortError::not_found(format!("{context}: {code}")),
        },
        "InvalidS3ObjectException" => PortError::permanent(format!("{context}: {code}")),
        _ if RETRYABLE.contains(&code.as_str()) => {
            PortError::retryable(format!("{context}: {code}"))
        }
        _ => return plain(context, err),
    };
    Failure {
        unreadable_object: code == "InvalidS3ObjectException",
        error: error.with_source(err),
    }
}

/// A failure that is never about an image.
fn plain<E>(context: &str, err: SdkError<E, HttpResponse>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    Failure {
        error: port_error(context, err),
        unreadable_object: false,
    }
}

/// A port error for a call that carries no image (ListFaces, DeleteFaces).
pub(crate) fn call_error<E>(context: &str, err: SdkError<E, HttpResponse>) -> PortError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = err.code().unwrap_or_default().to_owned();
    if RETRYABLE.contains(&code.as_str()) {
        return PortError::retryable(format!("{context}: {code}")).with_source(err);
    }
    port_error(context, err)
}

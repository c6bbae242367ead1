//! Errors: [`ApiError`] is what a client sees (Rekognition's error types,
//! status codes and JSON body); [`ServeError`] is what stops the endpoint.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use riv_face_engine::{EngineError, LoadError};

use crate::protocol::CONTENT_TYPE;

/// The error types Rekognition documents for the operations served here,
/// Textract's document errors for `AnalyzeID`, and the protocol's own
/// `UnknownOperationException`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// A parameter is missing, malformed or out of range; also no face where
    /// one is required.
    InvalidParameter,
    /// The image bytes are not a JPEG, PNG or WebP image that decodes.
    InvalidImageFormat,
    /// The image is over the size or pixel limit.
    ImageTooLarge,
    /// An `S3Object` image that cannot be read (no such bucket, object or
    /// version, or no permission).
    InvalidS3Object,
    /// The collection does not exist.
    ResourceNotFound,
    /// The collection already exists.
    ResourceAlreadyExists,
    /// `NextToken` was not issued by this endpoint for this collection.
    InvalidPaginationToken,
    /// The endpoint refused the caller.
    AccessDenied,
    /// Too many requests at once.
    Throttling,
    /// The endpoint failed (status 500).
    InternalServerError,
    /// `X-Amz-Target` names no operation served here.
    UnknownOperation,
    /// Textract: the document is not in a format it reads.
    UnsupportedDocument,
    /// Textract: the document is in a known format but cannot be read.
    BadDocument,
    /// Textract: the document is over the size limit.
    DocumentTooLarge,
}

impl ErrorType {
    /// The `__type` Rekognition sends.
    pub fn name(self) -> &'static str {
        match self {
            ErrorType::InvalidParameter => "InvalidParameterException",
            ErrorType::InvalidImageFormat => "InvalidImageFormatException",
            ErrorType::ImageTooLarge => "ImageTooLargeException",
            ErrorType::InvalidS3Object => "InvalidS3ObjectException",
            ErrorType::ResourceNotFound => "ResourceNotFoundException",
            ErrorType::ResourceAlreadyExists => "ResourceAlreadyExistsException",
            ErrorType::InvalidPaginationToken => "InvalidPaginationTokenException",
            ErrorType::AccessDenied => "AccessDeniedException",
            ErrorType::Throttling => "ThrottlingException",
            ErrorType::InternalServerError => "InternalServerError",
            ErrorType::UnknownOperation => "UnknownOperationException",
            ErrorType::UnsupportedDocument => "UnsupportedDocumentException",
            ErrorType::BadDocument => "BadDocumentException",
            ErrorType::DocumentTooLarge => "DocumentTooLargeException",
        }
    }

    /// The HTTP status: 500 for `InternalServerError`, 400 for the rest.
    pub fn status(self) -> StatusCode {
        match self {
            ErrorType::InternalServerError => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// An error answer: its type and the human message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", kind.name())]
pub struct ApiError {
    /// Which Rekognition error this is.
    pub kind: ErrorType,
    /// The `Message` field.
    pub message: String,
}

impl ApiError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorType, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// `InvalidParameterException`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorType::InvalidParameter, message)
    }

    /// `InternalServerError`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorType::InternalServerError, message)
    }

    /// `ResourceNotFoundException` for a missing collection.
    pub fn no_collection(id: &str) -> Self {
        Self::new(
            ErrorType::ResourceNotFound,
            format!("The collection id: {id} does not exist"),
        )
    }

    /// Rekognition's answer when an image has no (usable) face.
    pub fn no_face(which: &str) -> Self {
        Self::invalid(format!(
            "There are no faces in the {which}. Should be at least 1."
        ))
    }

    /// An engine error as Rekognition reports it.
    pub fn from_engine(error: &EngineError) -> Self {
        let kind = match error {
            EngineError::ImageTooLarge { .. } | EngineError::TooManyPixels { .. } => {
                ErrorType::ImageTooLarge
            }
            EngineError::UnsupportedFormat | EngineError::CorruptImage { .. } => {
                ErrorType::InvalidImageFormat
            }
            EngineError::ImageTooSmall { .. }
            | EngineError::NoFace
            | EngineError::InvalidArgument { .. } => ErrorType::InvalidParameter,
        };
        Self::new(kind, error.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let name = self.kind.name();
        if self.kind == ErrorType::InternalServerError {
            tracing::error!(error = %self.message, "request failed");
        }
        let body = serde_json::json!({ "__type": name, "Message": self.message }).to_string();
        let mut response = (self.kind.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        headers.insert("x-amzn-ErrorType", HeaderValue::from_static(name));
        response
    }
}

/// Why the endpoint could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The face models could not be loaded.
    #[error("loading the face engine: {0}")]
    Engine(#[from] LoadError),
    /// The data directory or its database could not be opened.
    #[error("opening the collections in {path}: {source}")]
    Store {
        /// The database file.
        path: std::path::PathBuf,
        /// What went wrong.
        #[source]
        source: rusqlite::Error,
    },
    /// The data directory could not be created.
    #[error("creating the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: std::path::PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// Loading the models or the database was interrupted.
    #[error("start-up task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// The HTTP server failed.
    #[error("serving HTTP: {0}")]
    Http(#[source] std::io::Error),
}

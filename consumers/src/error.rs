//! Errors from ports, each with its retry disposition.

use std::fmt;

/// What can be done about a port error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// May succeed later (throttling, timeouts, a busy database): retry.
    Retryable,
    /// Will fail again (a bug, a misconfiguration): fail the request.
    Permanent,
    /// The object is not there.
    NotFound,
    /// The image cannot be decoded; the engine's code is in the message.
    InvalidImage,
}

/// A port failed.
#[derive(Debug, thiserror::Error)]
pub struct PortError {
    /// What can be done about it.
    pub kind: ErrorKind,
    /// What was being done, e.g. `reading requests/r1/selfie.jpg`.
    pub context: String,
    /// The underlying error.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(source) => write!(f, "{}: {source}", self.context),
            None => f.write_str(&self.context),
        }
    }
}

impl PortError {
    fn new(kind: ErrorKind, context: impl Into<String>) -> Self {
        Self {
            kind,
            context: context.into(),
            source: None,
        }
    }

    /// May succeed later.
    pub fn retryable(context: impl Into<String>) -> Self {
        Self::new(ErrorKind::Retryable, context)
    }

    /// Will fail again.
    pub fn permanent(context: impl Into<String>) -> Self {
        Self::new(ErrorKind::Permanent, context)
    }

    /// No such object.
    pub fn not_found(context: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, context)
    }

    /// The image cannot be decoded.
    pub fn invalid_image(context: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidImage, context)
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// Whether a retry may help.
    pub fn is_retryable(&self) -> bool {
        self.kind == ErrorKind::Retryable
    }
}

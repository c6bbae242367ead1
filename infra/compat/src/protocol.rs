//! Rekognition's wire protocol (AWS JSON 1.1): every call is `POST /` with
//! `X-Amz-Target: RekognitionService.<Operation>` (or, for Textract's
//! `AnalyzeID`, `Textract.AnalyzeID`) and a JSON body; answers
//! are JSON with `Content-Type: application/x-amz-json-1.1`; errors are
//! status 400 (500 for `InternalServerError`) with
//! `{"__type": ..., "Message": ...}` and the `x-amzn-ErrorType` header.
//!
//! Requests are not authenticated: the signature is ignored.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::error::{ApiError, ErrorType};
use crate::images::MAX_IMAGE_BYTES;
use crate::service::Service;
use crate::textract::TextractService;

/// The content type of every request and answer.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The prefix of `X-Amz-Target` for Rekognition.
pub const TARGET_PREFIX: &str = "RekognitionService.";

/// The prefix of `X-Amz-Target` for Textract.
pub const TEXTRACT_PREFIX: &str = "Textract.";

/// The Textract operations served.
pub const TEXTRACT_OPERATIONS: [&str; 1] = ["AnalyzeID"];

/// Largest request body read: two images at the inline limit, in base64,
/// with room for the JSON around them.
pub const MAX_BODY_BYTES: usize = MAX_IMAGE_BYTES * 2 * 4 / 3 + 64 * 1024;

/// The operations served.
pub const OPERATIONS: [&str; 9] = [
    "CreateCollection",
    "DeleteCollection",
    "DetectFaces",
    "CompareFaces",
    "IndexFaces",
    "SearchFacesByImage",
    "SearchFaces",
    "ListFaces",
    "DeleteFaces",
];

/// The services behind the endpoint.
#[derive(Debug, Clone)]
struct Services {
    rekognition: Arc<Service>,
    /// `None`: Textract's operations are unknown here.
    textract: Option<Arc<TextractService>>,
}

/// Which service an `X-Amz-Target` names, and the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Rekognition(String),
    Textract(String),
}

/// The endpoint's routes over `service` (Rekognition only).
pub fn router(service: Arc<Service>) -> Router {
    router_with(service, None)
}

/// The endpoint's routes over `service` and, when given, `textract`.
pub fn router_with(service: Arc<Service>, textract: Option<Arc<TextractService>>) -> Router {
    Router::new()
        .route("/", post(handle))
        .layer(DefaultBodyLimit::disable())
        .with_state(Services {
            rekognition: service,
            textract,
        })
}

async fn handle(State(services): State<Services>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let target = match target(&parts.headers, services.textract.is_some()) {
        Ok(op) => op,
        Err(e) => return e.into_response(),
    };
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    let (result, operation) = match (&target, &services.textract) {
        (Target::Rekognition(operation), _) => {
            let span = tracing::info_span!("rekognition", operation = %operation);
            let result = dispatch(&services.rekognition, operation, &body)
                .instrument(span)
                .await;
            (result, operation)
        }
        (Target::Textract(operation), Some(textract)) => {
            let span = tracing::info_span!("textract", operation = %operation);
            let result = dispatch_textract(textract, operation, &body)
                .instrument(span)
                .await;
            (result, operation)
        }
        (Target::Textract(operation), None) => (Err(unknown_operation(operation)), operation),
    };
    match &result {
        Ok(_) => tracing::debug!(operation = %operation, "answered"),
        Err(e) => tracing::info!(operation = %operation, error = e.kind.name(), "refused"),
    }
    match result {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

/// The operation named by `X-Amz-Target`; Textract's only when `textract`
/// is served.
fn target(headers: &HeaderMap, textract: bool) -> Result<Target, ApiError> {
    let unknown = |what: &str| ApiError::new(ErrorType::UnknownOperation, what.to_owned());
    let value = headers
        .get("x-amz-target")
        .ok_or_else(|| unknown("Missing X-Amz-Target header"))?
        .to_str()
        .map_err(|_| unknown("X-Amz-Target is not text"))?;
    if let Some(op) = value
        .strip_prefix(TARGET_PREFIX)
        .filter(|op| OPERATIONS.contains(op))
    {
        return Ok(Target::Rekognition(op.to_owned()));
    }
    match value
        .strip_prefix(TEXTRACT_PREFIX)
        .filter(|op| textract && TEXTRACT_OPERATIONS.contains(op))
    {
        Some(op) => Ok(Target::Textract(op.to_owned())),
        None => Err(unknown_operation(value)),
    }
}

fn unknown_operation(name: &str) -> ApiError {
    ApiError::new(
        ErrorType::UnknownOperation,
        format!("Operation {name} is not supported by this endpoint"),
    )
}

async fn read_body(body: Body) -> Result<Bytes, ApiError> {
    to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| {
        ApiError::new(
            ErrorType::ImageTooLarge,
            format!("Request body is over {MAX_BODY_BYTES} bytes"),
        )
    })
}

async fn dispatch(service: &Service, operation: &str, body: &[u8]) -> Result<Response, ApiError> {
    match operation {
        "CreateCollection" => answer(service.create_collection(parse(body)?).await?),
        "DeleteCollection" => answer(service.delete_collection(parse(body)?).await?),
        "DetectFaces" => answer(service.detect_faces(parse(body)?).await?),
        "CompareFaces" => answer(service.compare_faces(parse(body)?).await?),
        "IndexFaces" => answer(service.index_faces(parse(body)?).await?),
        "SearchFacesByImage" => answer(service.search_faces_by_image(parse(body)?).await?),
        "SearchFaces" => answer(service.search_faces(parse(body)?).await?),
        "ListFaces" => answer(service.list_faces(parse(body)?).await?),
        "DeleteFaces" => answer(service.delete_faces(parse(body)?).await?),
        other => Err(unknown_operation(other)),
    }
}

async fn dispatch_textract(
    service: &TextractService,
    operation: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    match operation {
        "AnalyzeID" => answer(service.analyze_id(parse(body)?).await?),
        other => Err(unknown_operation(other)),
    }
}

/// The request body as `T`; an empty body is `{}`.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid(format!("Request body does not parse: {e}")))
}

/// A 200 answer with `value` as JSON.
fn answer<T: Serialize>(value: T) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(&value)
        .map_err(|e| ApiError::internal(format!("serialising the answer: {e}")))?;
    let mut response = (StatusCode::OK, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    Ok(response)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn targets_name_served_operations_only() {
        let mut headers = HeaderMap::new();
        assert_eq!(
            target(&headers, true).unwrap_err().kind,
            ErrorType::UnknownOperation
        );
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("RekognitionService.DetectFaces"),
        );
        assert_eq!(
            target(&headers, false).unwrap(),
            Target::Rekognition("DetectFaces".into())
        );
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("RekognitionService.DetectLabels"),
        );
        assert_eq!(
            target(&headers, true).unwrap_err().kind,
            ErrorType::UnknownOperation
        );
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("Textract.AnalyzeID"),
        );
        assert_eq!(
            target(&headers, true).unwrap(),
            Target::Textract("AnalyzeID".into())
        );
        // Without a document engine, Textract is not served.
        assert_eq!(
            target(&headers, false).unwrap_err().kind,
            ErrorType::UnknownOperation
        );
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("Textract.DetectDocumentText"),
        );
        assert!(target(&headers, true).is_err());
    }

    #[test]
    fn errors_carry_type_header_and_body() {
        let response = ApiError::invalid("bad").into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.headers()["x-amzn-ErrorType"],
            "InvalidParameterException"
        );
        let response = ApiError::internal("boom").into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}

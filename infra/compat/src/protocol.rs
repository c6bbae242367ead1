//! Rekognition's wire protocol (AWS JSON 1.1): every call is `POST /` with
//! `X-Amz-Target: RekognitionService.<Operation>` and a JSON body; answers
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

/// The content type of every request and answer.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The prefix of `X-Amz-Target`.
pub const TARGET_PREFIX: &str = "RekognitionService.";

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

/// The endpoint's routes over `service`.
pub fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/", post(handle))
        .layer(DefaultBodyLimit::disable())
        .with_state(service)
}

async fn handle(State(service): State<Arc<Service>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let operation = match target(&parts.headers) {
        Ok(op) => op,
        Err(e) => return e.into_response(),
    };
    let body = match read_body(body).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    let span = tracing::info_span!("rekognition", operation = %operation);
    let result = dispatch(&service, &operation, &body).instrument(span).await;
    match &result {
        Ok(_) => tracing::debug!(operation = %operation, "answered"),
        Err(e) => tracing::info!(operation = %operation, error = e.kind.name(), "refused"),
    }
    match result {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

/// The operation named by `X-Amz-Target`.
fn target(headers: &HeaderMap) -> Result<String, ApiError> {
    let unknown = |what: &str| ApiError::new(ErrorType::UnknownOperation, what.to_owned());
    let value = headers
        .get("x-amz-target")
        .ok_or_else(|| unknown("Missing X-Amz-Target header"))?
        .to_str()
        .map_err(|_| unknown("X-Amz-Target is not text"))?;
    let operation = value
        .strip_prefix(TARGET_PREFIX)
        .filter(|op| OPERATIONS.contains(op))
        .ok_or_else(|| {
            unknown(&format!(
                "Operation {value} is not supported by this endpoint"
            ))
        })?;
    Ok(operation.to_owned())
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
        other => Err(ApiError::new(
            ErrorType::UnknownOperation,
            format!("Operation {other} is not supported by this endpoint"),
        )),
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
            target(&headers).unwrap_err().kind,
            ErrorType::UnknownOperation
        );
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("RekognitionService.DetectFaces"),
        );
        assert_eq!(target(&headers).unwrap(), "DetectFaces");
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("RekognitionService.DetectLabels"),
        );
        assert_eq!(
            target(&headers).unwrap_err().kind,
            ErrorType::UnknownOperation
        );
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

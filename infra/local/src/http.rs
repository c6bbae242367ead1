//! The app-facing HTTP API of the embedded mode (docs/http-api.md):
//! objects in, outcomes out, users read and deleted.
//!
//! - `PUT /v1/objects/{key}`: store an object; a request's manifest
//!   (`requests/{id}/manifest.json`) starts the request, like an S3 event.
//! - `GET /v1/objects/{key}`: read it back.
//! - `GET /v1/requests/{id}?wait=SECS`: the request's status, long-polling
//!   up to 60 s for its outcome.
//! - `GET /v1/outcomes`: every outcome as server-sent events; resume with
//!   `Last-Event-ID` or `?after=SEQ`.
//! - `GET|DELETE /v1/users/{id}`: a profile; delete removes faces, images
//!   and profile.
//! - `GET /v1/health`, `GET /v1/queues`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use futures_util::{Stream, StreamExt};
use riv_consumers::ports::ObjectStore;
use riv_consumers::{Pipeline, admin};
use riv_events::{ObjectKey, RequestId, RequestManifest, UserId};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;
use tracing::error;

use crate::notify::manifest_notification;
use crate::objects::FsObjectStore;
use crate::outcomes::OutcomeLog;
use crate::queue::LocalQueues;

/// The longest long poll.
const MAX_WAIT_SECS: u64 = 60;

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    /// The domain, for user admin.
    pub pipeline: Arc<Pipeline>,
    /// The bucket.
    pub objects: FsObjectStore,
    /// The outcomes topic.
    pub outcomes: OutcomeLog,
    /// The queues (intake notifications, stats).
    pub queues: LocalQueues,
    /// The largest object accepted, bytes.
    pub max_object_bytes: usize,
    /// The bucket's name in notifications.
    pub bucket: String,
    /// Fires on shutdown: ends open event streams, which would otherwise
    /// hold the graceful shutdown open for as long as a client listens.
    pub shutdown: CancellationToken,
}

impl std::fmt::Debug for ApiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiState")
            .field("bucket", &self.bucket)
            .finish_non_exhaustive()
    }
}

/// The API's routes.
pub fn router(state: ApiState) -> Router {
    let limit = state.max_object_bytes;
    Router::new()
        .route("/v1/objects/{*key}", put(put_object).get(get_object))
        .route("/v1/requests/{request_id}", get(get_request))
        .route("/v1/outcomes", get(stream_outcomes))
        .route("/v1/users/{user_id}", get(get_user).delete(delete_user))
        .route(
            "/v1/health",
            get(|| async { Json(json!({ "status": "ok" })) }),
        )
        .route("/v1/queues", get(queue_stats))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// An error answer: `{"error": code, "message": text}`.
struct ApiError(StatusCode, &'static str, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1, "message": self.2 }))).into_response()
    }
}

fn internal(err: impl std::fmt::Display) -> ApiError {
    error!(error = %err, "request failed");
    ApiError(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        err.to_string(),
    )
}

async fn put_object(
    State(state): State<ApiState>,
    Path(key): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let key = ObjectKey::parse(key)
        .map_err(|err| ApiError(StatusCode::BAD_REQUEST, "invalid_key", err.to_string()))?;
    // The body limit's rejection answers in plain text; answer in JSON like every error.
    let body = body.map_err(|rejection| {
        let status = rejection.status();
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "too_large"
        } else {
            "bad_body"
        };
        ApiError(status, code, rejection.body_text())
    })?;
    if body.len() > state.max_object_bytes {
        return Err(ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("objects are at most {} bytes", state.max_object_bytes),
        ));
    }
    let size = body.len();
    let digest = crate::notify::etag(&body);
    state
        .objects
        .put(&key, body.to_vec())
        .await
        .map_err(internal)?;
    let request = RequestManifest::request_id_of_key(key.as_str());
    if let Some(request_id) = &request {
        state
            .outcomes
            .note_request(request_id)
            .await
            .map_err(internal)?;
        let notification = manifest_notification(&state.bucket, &key, size, &digest);
        state
            .queues
            .send_dedup(
                riv_events::Stage::Intake.as_str(),
                &format!("{key}#{digest}"),
                &notification,
                Duration::ZERO,
            )
            .await
            .map_err(internal)?;
    }
    Ok(Json(
        json!({ "key": key, "size": size, "request_started": request.is_some() }),
    ))
}

async fn get_object(
    State(state): State<ApiState>,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let key = ObjectKey::parse(key)
        .map_err(|err| ApiError(StatusCode::BAD_REQUEST, "invalid_key", err.to_string()))?;
    match state.objects.get(&key).await.map_err(internal)? {
        Some(bytes) => {
            Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
        }
        None => Err(ApiError(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no object {key}"),
        )),
    }
}

#[derive(Deserialize)]
struct WaitQuery {
    wait: Option<u64>,
}

async fn get_request(
    State(state): State<ApiState>,
    Path(request_id): Path<String>,
    Query(query): Query<WaitQuery>,
) -> Result<Json<Value>, ApiError> {
    let request_id = RequestId::parse(request_id).map_err(|err| {
        ApiError(
            StatusCode::BAD_REQUEST,
            "invalid_request_id",
            err.to_string(),
        )
    })?;
    let wait = Duration::from_secs(query.wait.unwrap_or(0).min(MAX_WAIT_SECS));
    let found = if wait.is_zero() {
        state.outcomes.of_request(&request_id).await
    } else {
        state.outcomes.wait_for(&request_id, wait).await
    }
    .map_err(internal)?;
    if let Some(outcome) = found {
        let outcome: Value = serde_json::from_str(&outcome.body).map_err(internal)?;
        return Ok(Json(
            json!({ "request_id": request_id, "status": "done", "outcome": outcome }),
        ));
    }
    if state
        .outcomes
        .is_known(&request_id)
        .await
        .map_err(internal)?
    {
        return Ok(Json(
            json!({ "request_id": request_id, "status": "pending", "outcome": null }),
        ));
    }
    Err(ApiError(
        StatusCode::NOT_FOUND,
        "unknown_request",
        format!("no manifest was uploaded for request {request_id}"),
    ))
}

#[derive(Deserialize)]
struct AfterQuery {
    after: Option<i64>,
}

async fn stream_outcomes(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Query(query): Query<AfterQuery>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    let after = resume.or(query.after).unwrap_or(0);
    let live = state.outcomes.subscribe();
    let log = state.outcomes.clone();
    // Replay from the table, then follow the live channel; a lagging
    // subscriber re-reads the table, so nothing is skipped.
    let stream = futures_util::stream::unfold(
        (log, live, after, Vec::new().into_iter()),
        |(log, mut live, mut last, mut pending)| async move {
            loop {
                if let Some(outcome) = pending.next() {
                    let outcome: crate::outcomes::StoredOutcome = outcome;
                    last = outcome.seq;
                    let event = Event::default()
                        .event("outcome")
                        .id(outcome.seq.to_string())
                        .data(outcome.body);
                    return Some((Ok(event), (log, live, last, pending)));
                }
                match log.since(last, 256).await {
                    Ok(batch) if !batch.is_empty() => {
                        pending = batch.into_iter();
                        continue;
                    }
                    Ok(_) => {}
                    Err(err) => error!(error = %err, "outcome replay failed"),
                }
                match live.recv().await {
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        },
    );
    let stream = stream.take_until(state.shutdown.clone().cancelled_owned());
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn parse_user(user_id: String) -> Result<UserId, ApiError> {
    UserId::parse(user_id)
        .map_err(|err| ApiError(StatusCode::BAD_REQUEST, "invalid_user_id", err.to_string()))
}

async fn get_user(
    State(state): State<ApiState>,
    Path(user_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = parse_user(user_id)?;
    match admin::get_user(state.pipeline.ports(), &user)
        .await
        .map_err(internal)?
    {
        Some(profile) => Ok(Json(serde_json::to_value(profile).map_err(internal)?)),
        None => Err(ApiError(
            StatusCode::NOT_FOUND,
            "user_not_found",
            format!("no user {user}"),
        )),
    }
}

async fn delete_user(
    State(state): State<ApiState>,
    Path(user_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = parse_user(user_id)?;
    match admin::delete_user(state.pipeline.ports(), &user)
        .await
        .map_err(internal)?
    {
        Some(report) => Ok(Json(serde_json::to_value(report).map_err(internal)?)),
        None => Err(ApiError(
            StatusCode::NOT_FOUND,
            "user_not_found",
            format!("no user {user}"),
        )),
    }
}

async fn queue_stats(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let mut stats = serde_json::Map::new();
    for queue in state.queues.list_queues().await.map_err(internal)? {
        let depth = state.queues.depth(&queue).await.map_err(internal)?;
        stats.insert(
            queue,
            json!({
                "visible": depth.visible,
                "in_flight": depth.in_flight,
                "delayed": depth.delayed,
                "oldest_age_secs": depth.oldest_age.map(|age| age.as_secs_f64()),
            }),
        );
    }
    Ok(Json(Value::Object(stats)))
}

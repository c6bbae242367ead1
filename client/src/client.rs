//! [`Client`]: one method per call of riv's HTTP API.

use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use reqwest::{Method, StatusCode, Url};
use riv_events::manifest::RequestManifest;
use riv_events::outcome::OutcomeEnvelope;
use riv_events::{ObjectKey, RequestId, UserId};
use serde::de::DeserializeOwned;

use crate::api::{
    DeletedUser, ErrorBody, MAX_OBJECT_BYTES, MAX_WAIT_SECS, RequestState, RequestStatus,
    StoredObject, UserProfile,
};
use crate::picture::manifest_object;
use crate::{ClientError, PreparedRequest};

/// Where `riv run` listens unless told otherwise.
pub const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:8642";

/// How long one upload or admin call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Added to a long-poll's wait before the transport gives up on it.
const POLL_SLACK: Duration = Duration::from_secs(15);
/// How long a just-submitted request may still be unknown to the server.
const UNKNOWN_GRACE: Duration = Duration::from_secs(5);

/// A client of one riv server. Cheap to clone; clones share connections.
#[derive(Debug, Clone)]
pub struct Client {
    /// Shared connection pool.
    http: reqwest::Client,
    /// The API root, e.g. `http://127.0.0.1:8642/`.
    base: Url,
    /// How uploads are retried when the server cannot be reached.
    upload_retry: ExponentialBuilder,
}

impl Client {
    /// A client of the server at `endpoint` (`http://host:port`).
    pub fn new(endpoint: &str) -> Result<Self, ClientError> {
        let invalid = |detail: String| ClientError::InvalidEndpoint {
            endpoint: endpoint.to_owned(),
            detail,
        };
        let base = Url::parse(endpoint).map_err(|err| invalid(err.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(invalid("not an http(s) URL".into()));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|err| invalid(err.to_string()))?;
        Ok(Self {
            http,
            base,
            upload_retry: ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(100))
                .with_max_delay(Duration::from_secs(2))
                .with_max_times(3),
        })
    }

    /// Retries each upload at most `times` more times when the server cannot
    /// be reached (3 unless changed; 0 turns retries off).
    pub fn with_upload_retries(mut self, times: usize) -> Self {
        self.upload_retry = self.upload_retry.with_max_times(times);
        self
    }

    /// The endpoint, as text.
    pub fn endpoint(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// Checks the server answers `GET /v1/health` with `{"status":"ok"}`.
    pub async fn health(&self) -> Result<(), ClientError> {
        let what = "GET health";
        let url = self.url(&["v1", "health"]);
        let body: serde_json::Value = self.call_json(what, Method::GET, url).await?;
        match body.get("status").and_then(serde_json::Value::as_str) {
            Some("ok") => Ok(()),
            _ => Err(ClientError::BadResponse {
                what: what.into(),
                detail: format!("status is not ok: {body}"),
            }),
        }
    }

    /// Uploads one object, retrying while the server cannot be reached.
    pub async fn put_object(
        &self,
        key: &ObjectKey,
        bytes: Vec<u8>,
    ) -> Result<StoredObject, ClientError> {
        if bytes.len() > MAX_OBJECT_BYTES {
            return Err(ClientError::InvalidRequest(format!(
                "{key} is {} bytes, over the {MAX_OBJECT_BYTES}-byte limit",
                bytes.len()
            )));
        }
        let what = format!("PUT {key}");
        let mut url = self.url(&["v1", "objects"]);
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.extend(key.as_str().split('/'));
        }
        let attempt = || async {
            let request = self
                .http
                .put(url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                .body(bytes.clone());
            let response = self.send(&what, request, CALL_TIMEOUT).await?;
            read_json(&what, response).await
        };
        attempt
            .retry(self.upload_retry)
            .when(|err: &ClientError| matches!(err, ClientError::Unreachable { .. }))
            .notify(|err, delay| {
                tracing::debug!(error = %err, ?delay, "upload failed; retrying");
            })
            .await
    }

    /// Uploads a request: every image first, the manifest last (its arrival
    /// starts the request).
    pub async fn submit(
        &self,
        manifest: &RequestManifest,
        images: Vec<(ObjectKey, Vec<u8>)>,
    ) -> Result<(), ClientError> {
        let (key, body) = manifest_object(manifest)?;
        for (image_key, bytes) in images {
            self.put_object(&image_key, bytes).await?;
        }
        self.put_object(&key, body).await?;
        Ok(())
    }

    /// Submits a prepared request and waits up to `timeout` for its outcome.
    pub async fn run(
        &self,
        request: PreparedRequest,
        timeout: Duration,
    ) -> Result<OutcomeEnvelope, ClientError> {
        let PreparedRequest { manifest, images } = request;
        self.submit(&manifest, images).await?;
        self.wait_outcome(&manifest.request_id, timeout).await
    }

    /// A request's status; the server holds the answer up to `wait` (at most
    /// 60 s, whole seconds) for the request to finish.
    pub async fn request_status(
        &self,
        request_id: &RequestId,
        wait: Duration,
    ) -> Result<RequestStatus, ClientError> {
        let what = format!("GET request {request_id}");
        let wait_secs = wait.as_secs().min(MAX_WAIT_SECS);
        let mut url = self.url(&["v1", "requests", request_id.as_str()]);
        url.query_pairs_mut()
            .append_pair("wait", &wait_secs.to_string());
        let request = self.http.get(url);
        let timeout = Duration::from_secs(wait_secs) + POLL_SLACK;
        let response = self.send(&what, request, timeout).await?;
        let status: RequestStatus = read_json(&what, response).await?;
        if status.status == RequestState::Done && status.outcome.is_none() {
            return Err(ClientError::BadResponse {
                what,
                detail: "status is done but the outcome is missing".into(),
            });
        }
        Ok(status)
    }

    /// Long-polls until the request's outcome arrives or `timeout` passes.
    /// A request the server does not know yet is waited for a few seconds
    /// (its manifest may still be on its way) before the error is returned.
    pub async fn wait_outcome(
        &self,
        request_id: &RequestId,
        timeout: Duration,
    ) -> Result<OutcomeEnvelope, ClientError> {
        let started = Instant::now();
        let deadline = started + timeout;
        loop {
            // Whole seconds, rounded up: a last poll of under a second must
            // still wait rather than spin.
            let remaining = deadline.saturating_duration_since(Instant::now());
            let wait =
                Duration::from_secs(remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0));
            match self.request_status(request_id, wait).await {
                Ok(RequestStatus {
                    outcome: Some(outcome),
                    ..
                }) => return Ok(outcome),
                Ok(_) => {}
                Err(err)
                    if err.server_code() == Some("unknown_request")
                        && started.elapsed() < UNKNOWN_GRACE =>
                {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(err) => return Err(err),
            }
            if Instant::now() >= deadline {
                return Err(ClientError::Timeout {
                    what: format!("the outcome of request {request_id}"),
                    after: timeout,
                });
            }
        }
    }

    /// A user's profile, or `None` when there is no such user.
    pub async fn get_user(&self, user_id: &UserId) -> Result<Option<UserProfile>, ClientError> {
        let what = format!("GET user {user_id}");
        let url = self.url(&["v1", "users", user_id.as_str()]);
        self.call_json_or_none(&what, Method::GET, url).await
    }

    /// Deletes a user with their faces and objects; `None` when there is no
    /// such user.
    pub async fn delete_user(&self, user_id: &UserId) -> Result<Option<DeletedUser>, ClientError> {
        let what = format!("DELETE user {user_id}");
        let url = self.url(&["v1", "users", user_id.as_str()]);
        self.call_json_or_none(&what, Method::DELETE, url).await
    }

    /// `base` with `segments` appended, each percent-encoded.
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    async fn call_json<T: DeserializeOwned>(
        &self,
        what: &str,
        method: Method,
        url: Url,
    ) -> Result<T, ClientError> {
        let response = self
            .send(what, self.http.request(method, url), CALL_TIMEOUT)
            .await?;
        read_json(what, response).await
    }

    async fn call_json_or_none<T: DeserializeOwned>(
        &self,
        what: &str,
        method: Method,
        url: Url,
    ) -> Result<Option<T>, ClientError> {
        match self.call_json(what, method, url).await {
            Ok(value) => Ok(Some(value)),
            Err(ClientError::Http { status: 404, .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Sends a request; an error status becomes [`ClientError::Http`].
    async fn send(
        &self,
        what: &str,
        request: reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<reqwest::Response, ClientError> {
        let response = request
            .timeout(timeout)
            .send()
            .await
            .map_err(|err| ClientError::from_transport(self.endpoint(), what, timeout, err))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let body = response.bytes().await.unwrap_or_default();
        let (code, message) = match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(body) => (body.error, body.message),
            Err(_) => (
                default_code(status),
                String::from_utf8_lossy(&body).chars().take(200).collect(),
            ),
        };
        Err(ClientError::Http {
            what: what.to_owned(),
            status: status.as_u16(),
            code,
            message,
        })
    }
}

/// The status's reason phrase in snake case, for bodies without a code.
fn default_code(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase()
        .replace(' ', "_")
}

async fn read_json<T: DeserializeOwned>(
    what: &str,
    response: reqwest::Response,
) -> Result<T, ClientError> {
    let bytes = response
        .bytes()
        .await
        .map_err(|err| ClientError::BadResponse {
            what: what.to_owned(),
            detail: err.to_string(),
        })?;
    serde_json::from_slice(&bytes).map_err(|err| ClientError::BadResponse {
        what: what.to_owned(),
        detail: format!("not the expected JSON: {err}"),
    })
}

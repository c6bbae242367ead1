//! An in-memory fake of riv's HTTP API, just enough for the client's tests:
//! objects, requests with a scripted pipeline, long-polls and users.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use chrono::Utc;
use riv_events::envelope::{Envelope, EventMeta};
use riv_events::outcome::OutcomeBody;
use riv_events::{
    EventId, FaceId, Findings, Outcome, OutcomeKind, ReasonCode, RequestManifest, SCHEMA_VERSION,
    Stage, Workflow,
};
use serde::Deserialize;
use serde_json::json;

/// What the fake saw, for assertions.
#[derive(Default)]
pub struct Seen {
    pub objects: HashMap<String, Vec<u8>>,
    /// Keys in the order they were uploaded.
    pub uploads: Vec<String>,
    /// Manifests in arrival order, with when they arrived.
    pub manifests: Vec<(Instant, RequestManifest)>,
    /// Outcome envelopes by request id (None while pending).
    pub requests: HashMap<String, Option<serde_json::Value>>,
    /// Requests whose outcome a client has fetched.
    pub delivered: HashSet<String>,
    /// Users and their image keys.
    pub users: HashMap<String, Vec<String>>,
}

pub struct Fake {
    pub seen: Mutex<Seen>,
    /// How long the scripted pipeline takes per request.
    pub delay: Mutex<Duration>,
    /// Pictures containing any of these bytes fail with no_face.
    pub bad_markers: Mutex<Vec<Vec<u8>>>,
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
}

pub struct Server {
    pub endpoint: String,
    pub fake: Arc<Fake>,
}

impl Server {
    pub fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.fake.seen.lock().unwrap()
    }

    pub fn workflows(&self) -> Vec<(String, Workflow)> {
        self.seen()
            .manifests
            .iter()
            .map(|(_, m)| (m.user_id.to_string(), m.workflow))
            .collect()
    }
}

pub async fn start(delay: Duration) -> Server {
    let fake = Arc::new(Fake {
        seen: Mutex::default(),
        delay: Mutex::new(delay),
        bad_markers: Mutex::default(),
        in_flight: AtomicUsize::new(0),
        max_in_flight: AtomicUsize::new(0),
    });
    let app = axum::Router::new()
        .route(
            "/v1/health",
            get(|| async { Json(json!({"status": "ok"})) }),
        )
        .route("/v1/objects/{*key}", put(put_object).get(get_object))
        .route("/v1/requests/{id}", get(request_status))
        .route("/v1/users/{id}", get(get_user).delete(delete_user))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server {
        endpoint: format!("http://{addr}"),
        fake,
    }
}

fn error(status: StatusCode, code: &str) -> Response {
    (status, Json(json!({"error": code, "message": code}))).into_response()
}

async fn put_object(
    State(fake): State<Arc<Fake>>,
    Path(key): Path<String>,
    body: Bytes,
) -> Response {
    let size = body.len();
    let manifest = RequestManifest::request_id_of_key(&key).map(|_| body.to_vec());
    {
        let mut seen = fake.seen.lock().unwrap();
        seen.objects.insert(key.clone(), body.to_vec());
        seen.uploads.push(key.clone());
    }
    if let Some(bytes) = manifest {
        let Ok(manifest) = RequestManifest::parse(&key, &bytes) else {
            return error(StatusCode::BAD_REQUEST, "invalid_manifest");
        };
        let id = manifest.request_id.to_string();
        {
            let mut seen = fake.seen.lock().unwrap();
            if seen.requests.contains_key(&id) {
                return Json(json!({"key": key, "size": size})).into_response();
            }
            seen.requests.insert(id.clone(), None);
            seen.manifests.push((Instant::now(), manifest.clone()));
        }
        let now = fake.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        fake.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let delay = *fake.delay.lock().unwrap();
        let fake = fake.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let outcome = decide(&fake, &manifest);
            fake.seen.lock().unwrap().requests.insert(id, Some(outcome));
        });
    }
    Json(json!({"key": key, "size": size})).into_response()
}

/// The scripted pipeline.
fn decide(fake: &Fake, manifest: &RequestManifest) -> serde_json::Value {
    let markers = fake.bad_markers.lock().unwrap().clone();
    let mut seen = fake.seen.lock().unwrap();
    let user = manifest.user_id.to_string();
    let selfie = manifest.images.selfie.to_string();
    let (kind, reason) = match seen.objects.get(&selfie) {
        None => (OutcomeKind::Failed, Some(ReasonCode::ImageMissing)),
        Some(bytes) if markers.iter().any(|m| contains(bytes, m)) => {
            (OutcomeKind::Failed, Some(ReasonCode::NoFace))
        }
        Some(_) => match (manifest.workflow, seen.users.contains_key(&user)) {
            (Workflow::Register, true) => (OutcomeKind::Failed, Some(ReasonCode::UserExists)),
            (Workflow::Register, false) => (OutcomeKind::Registered, None),
            (Workflow::Update, true) => (OutcomeKind::Updated, None),
            (Workflow::Auth, true) => (OutcomeKind::Verified, None),
            _ => (OutcomeKind::Denied, Some(ReasonCode::UserNotFound)),
        },
    };
    if kind.is_success() && kind != OutcomeKind::Verified {
        seen.users.entry(user).or_default().push(selfie);
    }
    let face_ids = seen
        .users
        .get(manifest.user_id.as_str())
        .map(|faces| {
            (0..faces.len())
                .map(|i| FaceId::parse(format!("face-{i}")).unwrap())
                .collect()
        })
        .unwrap_or_default();
    let now = Utc::now();
    let envelope = Envelope {
        meta: EventMeta {
            schema_version: SCHEMA_VERSION,
            event_id: EventId::random(),
            correlation_id: manifest.request_id.clone(),
            workflow: Some(manifest.workflow),
            stage: Stage::ProfileWrite,
            attempt: 1,
            occurred_at: now,
            received_at: now,
        },
        body: OutcomeBody::Outcome(Outcome {
            outcome: kind,
            user_id: Some(manifest.user_id.clone()),
            reason,
            message: reason.map(|r| format!("scripted {r}")),
            measured: None,
            face_ids: if kind.is_success() {
                face_ids
            } else {
                Vec::new()
            },
            findings: Findings::default(),
        }),
    };
    serde_json::to_value(&envelope).unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn get_object(State(fake): State<Arc<Fake>>, Path(key): Path<String>) -> Response {
    match fake.seen.lock().unwrap().objects.get(&key) {
        Some(bytes) => bytes.clone().into_response(),
        None => error(StatusCode::NOT_FOUND, "not_found"),
    }
}

#[derive(Deserialize)]
struct Wait {
    #[serde(default)]
    wait: u64,
}

async fn request_status(
    State(fake): State<Arc<Fake>>,
    Path(id): Path<String>,
    Query(Wait { wait }): Query<Wait>,
) -> Response {
    let deadline = Instant::now() + Duration::from_secs(wait.min(60));
    loop {
        {
            let mut seen = fake.seen.lock().unwrap();
            match seen.requests.get(&id).cloned() {
                None => return error(StatusCode::NOT_FOUND, "unknown_request"),
                Some(Some(outcome)) => {
                    if seen.delivered.insert(id.clone()) {
                        fake.in_flight.fetch_sub(1, Ordering::SeqCst);
                    }
                    return Json(json!({"request_id": id, "status": "done", "outcome": outcome}))
                        .into_response();
                }
                Some(None) if Instant::now() >= deadline => {
                    return Json(json!({"request_id": id, "status": "pending", "outcome": null}))
                        .into_response();
                }
                Some(None) => {}
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn get_user(State(fake): State<Arc<Fake>>, Path(id): Path<String>) -> Response {
    let seen = fake.seen.lock().unwrap();
    let Some(faces) = seen.users.get(&id) else {
        return error(StatusCode::NOT_FOUND, "user_not_found");
    };
    let now = Utc::now();
    let faces: Vec<_> = faces
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let request = key.split('/').nth(1).unwrap_or("r");
            json!({"face_id": format!("face-{i}"), "image_key": key, "request_id": request, "added_at": now})
        })
        .collect();
    Json(json!({
        "user_id": id, "properties": {}, "faces": faces, "created_by": "r0",
        "created_at": now, "updated_at": now, "version": 1
    }))
    .into_response()
}

async fn delete_user(State(fake): State<Arc<Fake>>, Path(id): Path<String>) -> Response {
    match fake.seen.lock().unwrap().users.remove(&id) {
        Some(faces) => Json(
            json!({"user_id": id, "faces_deleted": faces.len(), "objects_deleted": faces.len()}),
        )
        .into_response(),
        None => error(StatusCode::NOT_FOUND, "user_not_found"),
    }
}

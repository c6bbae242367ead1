//! Outcome subscribers: the server-sent event stream (with resume by
//! `Last-Event-ID`) and webhooks (with `x-riv-event-id`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use futures_util::StreamExt;
use riv_client::Client;
use riv_client::picture::new_request_id;
use riv_events::outcome::OutcomeEnvelope;
use riv_events::{OutcomeKind, ReasonCode, RequestId, RequestManifest};
use riv_tests::inputs::require_models;
use riv_tests::riv::{OUTCOME_TIMEOUT, TestRiv, config, verdict};

/// One server-sent event.
#[derive(Debug, Clone)]
struct SseEvent {
    id: String,
    event: String,
    data: String,
}

/// Reads server-sent events off a streaming response.
struct SseReader {
    body: futures_util::stream::BoxStream<'static, reqwest::Result<Bytes>>,
    buffer: String,
}

impl SseReader {
    async fn open(riv: &TestRiv, last_event_id: Option<&str>) -> Self {
        let mut request = reqwest::Client::new().get(format!("http://{}/v1/outcomes", riv.addr));
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.unwrap();
        assert!(response.status().is_success());
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        Self {
            body: response.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped), within 30 s.
    async fn next(&mut self) -> SseEvent {
        tokio::time::timeout(Duration::from_secs(30), self.next_inner())
            .await
            .expect("an event within 30 s")
    }

    async fn next_inner(&mut self) -> SseEvent {
        loop {
            let normalised = self.buffer.replace("\r\n", "\n");
            if let Some(end) = normalised.find("\n\n") {
                let frame = normalised[..end].to_owned();
                self.buffer = normalised[end + 2..].to_owned();
                let mut event = SseEvent {
                    id: String::new(),
                    event: String::new(),
                    data: String::new(),
                };
                for line in frame.lines() {
                    let (field, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    match field {
                        "id" => event.id = value.to_owned(),
                        "event" => event.event = value.to_owned(),
                        "data" => event.data.push_str(value),
                        _ => {}
                    }
                }
                if !event.data.is_empty() {
                    return event;
                }
                continue;
            }
            let chunk = self
                .body
                .next()
                .await
                .expect("the stream stays open")
                .unwrap();
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// Uploads a manifest that is not JSON: a fast outcome (`invalid_manifest`)
/// that needs no face work.
async fn bad_request(client: &Client) -> RequestId {
    let id = new_request_id().unwrap();
    client
        .put_object(&RequestManifest::key_for(&id), b"not json".to_vec())
        .await
        .unwrap();
    let outcome = client.wait_outcome(&id, OUTCOME_TIMEOUT).await.unwrap();
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Failed, Some(ReasonCode::InvalidManifest))
    );
    id
}

fn parse(event: &SseEvent) -> OutcomeEnvelope {
    assert_eq!(event.event, "outcome");
    assert!(!event.id.is_empty(), "every event has an id");
    serde_json::from_str(&event.data).unwrap()
}

/// What the webhook endpoint received: (`x-riv-event-id`, body).
type Calls = Arc<Mutex<Vec<(Option<String>, serde_json::Value)>>>;

async fn webhook_server() -> (String, Calls) {
    let calls: Calls = Arc::default();
    let app = Router::new()
        .route(
            "/hook",
            post(
                |State(calls): State<Calls>, headers: HeaderMap, body: Bytes| async move {
                    let id = headers
                        .get("x-riv-event-id")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
                    calls.lock().unwrap().push((id, body));
                },
            ),
        )
        .with_state(calls.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, calls)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outcomes_stream_with_resume_and_reach_webhooks() {
    let Some(models) = require_models() else {
        return;
    };
    let (hook, calls) = webhook_server().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path(), &models);
    config.file.outcomes.webhooks = vec![hook];
    let riv = TestRiv::start(config).await;

    // Two outcomes before anyone listens: the stream replays them.
    let first = bad_request(&riv.client).await;
    let second = bad_request(&riv.client).await;
    let mut stream = SseReader::open(&riv, None).await;
    let e1 = stream.next().await;
    let e2 = stream.next().await;
    assert_eq!(parse(&e1).meta.correlation_id, first);
    assert_eq!(parse(&e2).meta.correlation_id, second);
    // A third while listening arrives live.
    let third = bad_request(&riv.client).await;
    let e3 = stream.next().await;
    assert_eq!(parse(&e3).meta.correlation_id, third);
    let ids: Vec<i64> = [&e1, &e2, &e3]
        .iter()
        .map(|e| e.id.parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");

    // Resuming after the first skips it.
    let mut resumed = SseReader::open(&riv, Some(&e1.id)).await;
    let r2 = resumed.next().await;
    let r3 = resumed.next().await;
    assert_eq!(
        (r2.id.as_str(), r3.id.as_str()),
        (e2.id.as_str(), e3.id.as_str())
    );
    assert_eq!(parse(&r2).meta.correlation_id, second);

    // The webhook got every outcome once per event id, named in the header.
    let outcomes: BTreeMap<String, RequestId> = [&e1, &e2, &e3]
        .iter()
        .map(|e| {
            let o = parse(e);
            (o.meta.event_id.to_string(), o.meta.correlation_id)
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let received: BTreeMap<String, String> = calls
            .lock()
            .unwrap()
            .iter()
            .map(|(header, body)| {
                let header = header.clone().expect("x-riv-event-id is set");
                let body: OutcomeEnvelope =
                    serde_json::from_value(body.clone()).expect("the body is an outcome");
                assert_eq!(
                    header,
                    body.meta.event_id.to_string(),
                    "the header names the body's event"
                );
                (header, body.meta.correlation_id.to_string())
            })
            .collect();
        let all = outcomes
            .iter()
            .all(|(id, rid)| received.get(id).map(String::as_str) == Some(rid.as_str()));
        if all {
            assert_eq!(received.len(), outcomes.len(), "only these outcomes");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the webhook got {received:?}, wanted {outcomes:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Open streams neither hold a graceful stop up nor outlive it.
    let started = Instant::now();
    riv.stop().await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped promptly"
    );
    for reader in [&mut stream, &mut resumed] {
        let end = tokio::time::timeout(Duration::from_secs(10), reader.body.next())
            .await
            .expect("the stream ends with the server");
        assert!(
            !matches!(end, Some(Ok(_))),
            "no event after the stop: {end:?}"
        );
    }
}

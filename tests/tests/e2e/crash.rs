//! A pipeline killed in the middle of a request finishes it exactly once
//! after a restart on the same data directory.

use std::path::Path;
use std::time::{Duration, Instant};

use riv_events::pipeline::PipelineEnvelope;
use riv_events::{OutcomeKind, RequestId, Stage, UserId, Workflow};
use riv_local::config::LocalConfig;
use riv_tests::inputs::{require_models, require_photos};
use riv_tests::riv::{OUTCOME_TIMEOUT, TestRiv, config, selfie_request, verdict};
use rusqlite::{Connection, OptionalExtension};
use tempfile::TempDir;

/// Each try starts a pipeline; a kill that misses the window is tried again.
const MAX_TRIES: u32 = 12;

/// A message a killed worker held: received, never settled.
#[derive(Debug)]
struct Held {
    message_id: String,
    queue: String,
    receive_count: u32,
    /// The idempotency key of its handling (`stage#event_id`).
    key: String,
}

fn open_db(dir: &Path) -> Connection {
    let conn = Connection::open(dir.join("riv.db")).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn
}

/// A received, unsettled message on one of `stages`, if any.
fn in_flight(conn: &Connection, stages: &[Stage]) -> Option<Held> {
    let queues: Vec<String> = stages.iter().map(|s| format!("'{}'", s.as_str())).collect();
    let sql = format!(
        "SELECT message_id, queue, receive_count, body FROM queue_messages \
         WHERE receive_count > 0 AND queue IN ({}) ORDER BY seq LIMIT 1",
        queues.join(",")
    );
    let row: Option<(String, String, u32, Vec<u8>)> = conn
        .query_row(&sql, [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()
        .unwrap();
    row.map(|(message_id, queue, receive_count, body)| {
        let event = PipelineEnvelope::from_slice(&body).unwrap();
        Held {
            key: format!("{queue}#{}", event.meta.event_id),
            message_id,
            queue,
            receive_count,
        }
    })
}

fn message_receive_count(conn: &Connection, message_id: &str) -> Option<u32> {
    conn.query_row(
        "SELECT receive_count FROM queue_messages WHERE message_id = ?1",
        [message_id],
        |r| r.get(0),
    )
    .optional()
    .unwrap()
}

fn idempotency_record(conn: &Connection, key: &str) -> Option<(String, Option<Vec<u8>>)> {
    conn.query_row(
        "SELECT status, outputs FROM idempotency WHERE key = ?1",
        [key],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .unwrap()
}

fn outcomes_of(conn: &Connection, request: &RequestId) -> usize {
    conn.query_row(
        "SELECT COUNT(*) FROM outcomes WHERE request_id = ?1",
        [request.as_str()],
        |r| r.get::<_, i64>(0),
    )
    .unwrap() as usize
}

/// Every `attempt` value anywhere in a JSON document.
fn attempts(value: &serde_json::Value, out: &mut Vec<u64>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                if key == "attempt"
                    && let Some(n) = v.as_u64()
                {
                    out.push(n);
                }
                attempts(v, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| attempts(v, out)),
        _ => {}
    }
}

/// Starts a pipeline, submits a register and kills the pipeline while one
/// of `stages` holds the request's message. `None` when the kill came
/// too late to leave the message unsettled (the caller tries again).
async fn kill_mid_request(
    config: &LocalConfig,
    picture: &Path,
    stages: &[Stage],
) -> Option<(RequestId, Held)> {
    let first = TestRiv::start_killable(config.clone()).await;
    let request = selfie_request(Workflow::Register, "phoenix", picture, &[]).await;
    let request_id = request.request_id().clone();
    first
        .client
        .submit(&request.manifest, request.images)
        .await
        .unwrap();
    let conn = open_db(&config.data_dir);
    let started = Instant::now();
    let held = loop {
        if let Some(held) = in_flight(&conn, stages) {
            break held;
        }
        if outcomes_of(&conn, &request_id) > 0 {
            eprintln!("the request finished before {stages:?} was seen holding it; trying again");
            first.kill();
            return None;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the request never got past intake"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    first.kill();
    // Whatever blocking call the kill interrupted is allowed to land first.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let unsettled = message_receive_count(&conn, &held.message_id) == Some(1)
        && !matches!(idempotency_record(&conn, &held.key), Some((status, _)) if status == "completed")
        && outcomes_of(&conn, &request_id) == 0;
    if !unsettled {
        eprintln!("the kill came too late for {held:?}; trying again");
        return None;
    }
    Some((request_id, held))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_analysing_completes_exactly_once_after_restart() {
    crash_and_restart(&[Stage::Quality, Stage::DuplicateSearch]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_indexing_completes_exactly_once_after_restart() {
    crash_and_restart(&[Stage::Index, Stage::ProfileWrite]).await;
}

/// Kills a pipeline while one of `stages` holds a register's message,
/// restarts it on the same data directory and checks the request completed
/// exactly once, on a redelivery.
async fn crash_and_restart(stages: &[Stage]) {
    let Some(models) = require_models() else {
        return;
    };
    let Some([obama, obama2]) = require_photos(["obama.jpg", "obama2.jpg"]) else {
        return;
    };
    // Short leases and visibility, so the held message comes back quickly.
    let setup = |dir: &TempDir| {
        let mut config = config(dir.path(), &models);
        config.file.pipeline.delivery.lease_secs = 1;
        config.file.queues.visibility_timeout_secs = 2;
        config
    };
    let mut tries = 0;
    let (dir, config, request_id, held) = loop {
        tries += 1;
        let dir = tempfile::tempdir().unwrap();
        let config = setup(&dir);
        if let Some((request_id, held)) = kill_mid_request(&config, &obama, stages).await {
            break (dir, config, request_id, held);
        }
        assert!(
            tries < MAX_TRIES,
            "could not kill the pipeline while {stages:?} held the request in {MAX_TRIES} tries"
        );
    };
    eprintln!(
        "killed while {} held its message (receive 1), try {tries}",
        held.queue
    );
    assert_eq!(held.receive_count, 1);

    let second = TestRiv::start(config).await;
    let outcome = second
        .client
        .wait_outcome(&request_id, OUTCOME_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Registered, None),
        "{outcome:?}"
    );

    // The held message was delivered again, handled and deleted: its
    // stage's recorded outputs carry attempt 2.
    // (The outcome can come before the redelivered message is deleted: the
    // worker settles after publishing.)
    let conn = open_db(dir.path());
    let started = Instant::now();
    while let Some(count) = message_receive_count(&conn, &held.message_id) {
        assert!(count >= 2, "received again after the restart");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the held message was never settled"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (status, outputs) = idempotency_record(&conn, &held.key).expect("a record");
    assert_eq!(status, "completed");
    let outputs: serde_json::Value = serde_json::from_slice(&outputs.unwrap()).unwrap();
    let mut seen = Vec::new();
    attempts(&outputs, &mut seen);
    assert!(
        !seen.is_empty() && seen.iter().all(|&a| a == 2),
        "{}'s outputs were made on the redelivery (attempt 2): {seen:?}",
        held.queue
    );

    // Exactly once: one outcome, one face, one profile.
    let rid = request_id.to_string();
    second.wait_jsonl(std::slice::from_ref(&rid)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mine: Vec<_> = second
        .jsonl()
        .into_iter()
        .filter(|o| o.meta.correlation_id == request_id)
        .collect();
    assert_eq!(mine.len(), 1, "one outcome in outcomes.jsonl: {mine:?}");
    assert_eq!(verdict(&mine[0]), (OutcomeKind::Registered, None));
    assert_eq!(outcomes_of(&conn, &request_id), 1);
    assert_eq!(second.face_count(), 1);
    let user = UserId::parse("phoenix").unwrap();
    let profile = second
        .client
        .get_user(&user)
        .await
        .unwrap()
        .expect("a profile");
    assert_eq!(profile.faces.len(), 1);

    // The user survives the crash: auth works.
    let o = second.auth("phoenix", &obama2).await;
    assert_eq!(verdict(&o), (OutcomeKind::Verified, None), "{o:?}");
    second.stop().await;
    drop(dir);
}

//! The local stores against their contracts: queues, idempotency records,
//! profiles and the object store, each test on its own temporary directory.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use riv_consumers::ErrorKind;
use riv_consumers::ports::{
    Begin, Clock, CreateResult, IdempotencyKey, IdempotencyStore, ObjectStore, Profile,
    ProfileStore,
};
use riv_events::{ObjectKey, RequestId, Stage, UserId};
use riv_local::db::Db;
use riv_local::idempotency::SqliteIdempotency;
use riv_local::objects::FsObjectStore;
use riv_local::profiles::SqliteProfiles;
use riv_local::queue::{DedupSend, LocalQueues, QueueConfig, QueuePolicy};
use tempfile::TempDir;

/// A clock that moves only when told.
#[derive(Debug)]
struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    fn new() -> Arc<Self> {
        Arc::new(Self(Mutex::new(
            Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
        )))
    }

    fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap();
        *now += chrono::Duration::from_std(by).unwrap();
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

fn open(dir: &TempDir) -> Db {
    Db::open(dir.path().join("riv.db")).unwrap()
}

fn queues(dir: &TempDir, clock: &Arc<ManualClock>) -> LocalQueues {
    LocalQueues::new(open(dir), clock.clone())
}

const SECOND: Duration = Duration::from_secs(1);

#[tokio::test]
async fn visibility_timeout_redelivers_with_a_growing_receive_count() {
    let dir = TempDir::new().unwrap();
    let clock = ManualClock::new();
    let q = queues(&dir, &clock);
    let id = q.send("work", b"hello", Duration::ZERO).await.unwrap();

    let first = q.receive("work", 10, 30 * SECOND).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].message_id, id);
    assert_eq!(first[0].body, b"hello");
    assert_eq!(first[0].receive_count, 1);
    assert!(q.receive("work", 10, 30 * SECOND).await.unwrap().is_empty());
    let stats = q.depth("work").await.unwrap();
    assert_eq!((stats.visible, stats.in_flight, stats.delayed), (0, 1, 0));

    clock.advance(31 * SECOND);
    let second = q.receive("work", 10, 30 * SECOND).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].receive_count, 2);
    assert_eq!(second[0].first_received_at, first[0].first_received_at);
    assert_ne!(second[0].receipt, first[0].receipt);
    assert_eq!(q.depth("work").await.unwrap().oldest_age, Some(31 * SECOND));

    assert!(q.delete(&second[0].receipt).await.unwrap());
    assert_eq!(q.depth("work").await.unwrap(), Default::default());
}

#[tokio::test]
async fn a_stale_receipt_cannot_delete_or_extend() {
    let dir = TempDir::new().unwrap();
    let clock = ManualClock::new();
    let q = queues(&dir, &clock);
    q.send("work", b"x", Duration::ZERO).await.unwrap();
    let stale = q.receive("work", 1, SECOND).await.unwrap().remove(0);
    clock.advance(2 * SECOND);
    let fresh = q.receive("work", 1, SECOND).await.unwrap().remove(0);

    assert!(!q.delete(&stale.receipt).await.unwrap());
    assert!(
        !q.change_visibility(&stale.receipt, Duration::ZERO)
            .await
            .unwrap()
    );
    assert!(
        q.change_visibility(&fresh.receipt, Duration::ZERO)
            .await
            .unwrap()
    );
    // Visible again at once, under yet another receipt.
    let again = q.receive("work", 1, SECOND).await.unwrap().remove(0);
    assert!(!q.delete(&fresh.receipt).await.unwrap());
    assert!(q.delete(&again.receipt).await.unwrap());
}

#[tokio::test]
async fn a_message_received_too_often_goes_to_the_dead_letter_queue() {
    let dir = TempDir::new().unwrap();
    let clock = ManualClock::new();
    let q = queues(&dir, &clock);
    let policy = QueuePolicy {
        max_receives: 2,
        dead_letter_queue: "work-dlq".to_owned(),
    };
    q.register("work", policy).unwrap();
    let id = q.send("work", b"poison", Duration::ZERO).await.unwrap();

    for count in 1..=2 {
        let got = q.receive("work", 1, SECOND).await.unwrap();
        assert_eq!(got[0].receive_count, count);
        clock.advance(2 * SECOND);
    }
    assert!(q.receive("work", 1, SECOND).await.unwrap().is_empty());
    assert_eq!(q.depth("work").await.unwrap(), Default::default());
    let dead = q.receive("work-dlq", 1, SECOND).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].message_id.clone(), dead[0].body.as_slice()),
        (id, &b"poison"[..])
    );
    assert_eq!(q.list_queues().await.unwrap(), ["work", "work-dlq"]);
    assert!(
        q.register(
            "x",
            QueuePolicy {
                max_receives: 1,
                dead_letter_queue: "x".to_owned()
            }
        )
        .is_err()
    );
}

#[tokio::test]
async fn dedup_sends_enqueue_once_within_the_window() {
    let dir = TempDir::new().unwrap();
    let clock = ManualClock::new();
    let config = QueueConfig {
        dedup_window: 60 * SECOND,
        ..QueueConfig::default()
    };
    let q = LocalQueues::with_config(open(&dir), clock.clone(), config);
    let first = q
        .send_dedup("work", "event-1", b"a", Duration::ZERO)
        .await
        .unwrap();
    let DedupSend::Enqueued(id) = first.clone() else {
        panic!("{first:?}")
    };
    let again = q
        .send_dedup("work", "event-1", b"a", Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(again, DedupSend::Duplicate(id.clone()));
    // Another queue has its own ids.
    assert!(matches!(
        q.send_dedup("other", "event-1", b"a", Duration::ZERO)
            .await
            .unwrap(),
        DedupSend::Enqueued(_)
    ));

    // Deleting the message does not forget the id...
    let got = q.receive("work", 10, SECOND).await.unwrap();
    assert_eq!(got.len(), 1);
    assert!(q.delete(&got[0].receipt).await.unwrap());
    let after_delete = q
        .send_dedup("work", "event-1", b"a", Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(after_delete.message_id(), &id);
    assert_eq!(q.depth("work").await.unwrap().visible, 0);

    // ...but the window does.
    clock.advance(61 * SECOND);
    assert!(matches!(
        q.send_dedup("work", "event-1", b"a", Duration::ZERO)
            .await
            .unwrap(),
        DedupSend::Enqueued(_)
    ));
}

#[tokio::test]
async fn delayed_messages_wait_their_turn() {
    let dir = TempDir::new().unwrap();
    let clock = ManualClock::new();
    let q = queues(&dir, &clock);
    q.send("work", b"later", 10 * SECOND).await.unwrap();
    q.send("work", b"now", Duration::ZERO).await.unwrap();
    let stats = q.depth("work").await.unwrap();
    assert_eq!((stats.visible, stats.delayed), (1, 1));

    let got = q.receive("work", 10, 60 * SECOND).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, b"now");
    clock.advance(10 * SECOND);
    let got = q.receive("work", 10, 60 * SECOND).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, b"later");
}

#[tokio::test]
async fn receive_wait_wakes_on_send_and_gives_up_when_empty() {
    let dir = TempDir::new().unwrap();
    let clock = ManualClock::new();
    let q = queues(&dir, &clock);
    assert!(
        q.receive_wait("work", 1, SECOND, Duration::from_millis(50))
            .await
            .unwrap()
            .is_empty()
    );

    let waiter = {
        let q = q.clone();
        tokio::spawn(async move { q.receive_wait("work", 1, SECOND, 600 * SECOND).await })
    };
    tokio::task::yield_now().await;
    q.send("work", b"ping", Duration::ZERO).await.unwrap();
    let got = waiter.await.unwrap().unwrap();
    assert_eq!(got[0].body, b"ping");
}

#[tokio::test]
async fn messages_are_received_oldest_first_and_purged() {
    let dir = TempDir::new().unwrap();
    let clock = ManualClock::new();
    let q = queues(&dir, &clock);
    for i in 0..5_u8 {
        q.send("work", &[i], Duration::ZERO).await.unwrap();
    }
    let got = q.receive("work", 3, SECOND).await.unwrap();
    let bodies: Vec<u8> = got.iter().map(|m| m.body[0]).collect();
    assert_eq!(bodies, [0, 1, 2]);
    assert_eq!(q.purge("work").await.unwrap(), 5);
    assert!(q.list_queues().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_receivers_never_share_a_message() {
    let dir = TempDir::new().unwrap();
    let clock = ManualClock::new();
    let q = queues(&dir, &clock);
    for i in 0..200_u32 {
        q.send("work", &i.to_be_bytes(), Duration::ZERO)
            .await
            .unwrap();
    }
    let mut workers = Vec::new();
    for _ in 0..8 {
        let q = q.clone();
        workers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            loop {
                let got = q.receive("work", 3, 600 * SECOND).await.unwrap();
                if got.is_empty() {
                    return seen;
                }
                seen.extend(got.into_iter().map(|m| m.message_id));
            }
        }));
    }
    let mut all = HashSet::new();
    for worker in workers {
        for id in worker.await.unwrap() {
            assert!(all.insert(id), "a message was received twice");
        }
    }
    assert_eq!(all.len(), 200);
}

fn key(stage: Stage, input: &str) -> IdempotencyKey {
    IdempotencyKey {
        stage,
        input: input.to_owned(),
    }
}

#[tokio::test]
async fn idempotency_runs_begin_complete_release_and_lease_expiry() {
    let dir = TempDir::new().unwrap();
    let clock = ManualClock::new();
    let store = SqliteIdempotency::new(open(&dir), clock.clone()).with_ttl(3600 * SECOND);
    let lease = 30 * SECOND;
    let k = key(Stage::Quality, "event-1");

    assert_eq!(store.begin(&k, lease).await.unwrap(), Begin::Started);
    assert_eq!(store.begin(&k, lease).await.unwrap(), Begin::InProgress);
    // Same input, another stage: another record.
    assert_eq!(
        store
            .begin(&key(Stage::Index, "event-1"), lease)
            .await
            .unwrap(),
        Begin::Started
    );

    // A crashed worker's lease runs out; the next begin takes over.
    clock.advance(31 * SECOND);
    assert_eq!(store.begin(&k, lease).await.unwrap(), Begin::Started);
    assert_eq!(store.complete(&k, b"outputs").await.unwrap(), b"outputs");
    assert_eq!(
        store.begin(&k, lease).await.unwrap(),
        Begin::Completed(b"outputs".to_vec())
    );
    // The crashed worker comes back and completes late: the first completion stands.
    assert_eq!(store.complete(&k, b"late").await.unwrap(), b"outputs");
    // Release touches only in-progress records.
    store.release(&k).await.unwrap();
    assert!(matches!(
        store.begin(&k, lease).await.unwrap(),
        Begin::Completed(_)
    ));

    let other = key(Stage::Quality, "event-2");
    assert_eq!(store.begin(&other, lease).await.unwrap(), Begin::Started);
    store.release(&other).await.unwrap();
    assert_eq!(store.begin(&other, lease).await.unwrap(), Begin::Started);

    // Completed records expire.
    clock.advance(3601 * SECOND);
    assert_eq!(store.purge_expired().await.unwrap(), 3);
    assert_eq!(store.begin(&k, lease).await.unwrap(), Begin::Started);
}

fn profile(user: &str, request: &str, version: u64) -> Profile {
    let at = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    Profile {
        user_id: UserId::parse(user).unwrap(),
        properties: BTreeMap::from([("name".to_owned(), "Ana".to_owned())]),
        property_sources: [("name".to_owned(), riv_events::ValueSource::Mrz)].into(),
        faces: Vec::new(),
        created_by: RequestId::parse(request).unwrap(),
        created_at: at,
        updated_at: at,
        version,
    }
}

#[tokio::test]
async fn profiles_are_created_replaced_and_deleted_conditionally() {
    let dir = TempDir::new().unwrap();
    let store = SqliteProfiles::new(open(&dir));
    let ana = UserId::parse("ana@example.org").unwrap();
    let mine = profile("ana@example.org", "r1", 1);

    assert_eq!(store.create(&mine).await.unwrap(), CreateResult::Created);
    assert_eq!(
        store.create(&mine).await.unwrap(),
        CreateResult::AlreadyCreatedByThisRequest
    );
    assert_eq!(
        store
            .create(&profile("ana@example.org", "r2", 1))
            .await
            .unwrap(),
        CreateResult::Taken
    );
    assert_eq!(store.get(&ana).await.unwrap(), Some(mine.clone()));

    let mut next = mine.clone();
    next.version = 2;
    next.properties
        .insert("city".to_owned(), "Porto".to_owned());
    assert!(store.replace(&next, 1).await.unwrap());
    assert!(
        !store.replace(&next, 1).await.unwrap(),
        "a stale version must lose"
    );
    assert_eq!(store.get(&ana).await.unwrap(), Some(next));

    store.create(&profile("bob", "r3", 1)).await.unwrap();
    assert_eq!(store.count().await.unwrap(), 2);
    assert_eq!(
        store.list(1, None).await.unwrap(),
        std::slice::from_ref(&ana)
    );
    assert_eq!(
        store.list(10, Some(&ana)).await.unwrap(),
        [UserId::parse("bob").unwrap()]
    );

    let r2 = RequestId::parse("r2").unwrap();
    store.delete(&ana, Some(&r2)).await.unwrap();
    assert!(
        store.get(&ana).await.unwrap().is_some(),
        "r2 did not create it"
    );
    store.delete(&ana, Some(&mine.created_by)).await.unwrap();
    assert!(store.get(&ana).await.unwrap().is_none());
    store.delete(&ana, None).await.unwrap();
    store
        .delete(&UserId::parse("bob").unwrap(), None)
        .await
        .unwrap();
    assert_eq!(store.count().await.unwrap(), 0);
}

#[tokio::test]
async fn messages_profiles_and_idempotency_survive_a_reopen() {
    let dir = TempDir::new().unwrap();
    let clock = ManualClock::new();
    let k = key(Stage::Intake, "r1");
    {
        let db = open(&dir);
        let q = LocalQueues::new(db.clone(), clock.clone());
        q.send("work", b"kept", Duration::ZERO).await.unwrap();
        q.send_dedup("work", "e1", b"once", Duration::ZERO)
            .await
            .unwrap();
        SqliteProfiles::new(db.clone())
            .create(&profile("ana", "r1", 1))
            .await
            .unwrap();
        let store = SqliteIdempotency::new(db, clock.clone());
        store.begin(&k, SECOND).await.unwrap();
        store.complete(&k, b"out").await.unwrap();
    }
    let db = open(&dir);
    let q = LocalQueues::new(db.clone(), clock.clone());
    assert!(matches!(
        q.send_dedup("work", "e1", b"once", Duration::ZERO)
            .await
            .unwrap(),
        DedupSend::Duplicate(_)
    ));
    let bodies: Vec<Vec<u8>> = q
        .receive("work", 10, SECOND)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, [b"kept".to_vec(), b"once".to_vec()]);
    let ana = UserId::parse("ana").unwrap();
    assert!(
        SqliteProfiles::new(db.clone())
            .get(&ana)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        SqliteIdempotency::new(db, clock)
            .begin(&k, SECOND)
            .await
            .unwrap(),
        Begin::Completed(b"out".to_vec())
    );
}

#[tokio::test]
async fn the_database_is_wal_migrated_once_and_refuses_a_newer_schema() {
    let dir = TempDir::new().unwrap();
    let db = open(&dir);
    let (mode, version) = db
        .call(|conn| {
            let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
            let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
            Ok((mode, version))
        })
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(version >= 3);
    drop(open(&dir));
    db.call(|conn| Ok(conn.pragma_update(None, "user_version", 999)?))
        .await
        .unwrap();
    drop(db);
    assert!(matches!(
        Db::open(dir.path().join("riv.db")),
        Err(riv_local::db::DbError::TooNew { found: 999, .. })
    ));
}

fn object(key: &str) -> ObjectKey {
    ObjectKey::parse(key).unwrap()
}

#[tokio::test]
async fn objects_round_trip_and_deletes_are_idempotent() {
    let dir = TempDir::new().unwrap();
    let store = FsObjectStore::new(dir.path().join("bucket")).unwrap();
    let selfie = object("requests/r1/selfie.jpg");
    assert_eq!(store.get(&selfie).await.unwrap(), None);
    store.put(&selfie, b"one".to_vec()).await.unwrap();
    store.put(&selfie, b"two".to_vec()).await.unwrap();
    assert_eq!(store.get(&selfie).await.unwrap(), Some(b"two".to_vec()));
    store
        .put(&object("requests/r1/id.jpg"), b"id".to_vec())
        .await
        .unwrap();
    store
        .put(&object("requests/r10/selfie.jpg"), b"x".to_vec())
        .await
        .unwrap();

    // No temporary file is left beside the objects.
    let names: Vec<String> = std::fs::read_dir(store.root().join("requests/r1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    assert_eq!(
        store.list("requests/r1/").await.unwrap(),
        [object("requests/r1/id.jpg"), selfie.clone()]
    );
    assert_eq!(store.list("requests/r1").await.unwrap().len(), 3);
    assert_eq!(store.list("").await.unwrap().len(), 3);
    assert!(
        store.get(&object("requests/r1")).await.unwrap().is_none(),
        "a folder is no object"
    );

    store.delete(&selfie).await.unwrap();
    store.delete(&selfie).await.unwrap();
    assert_eq!(store.get(&selfie).await.unwrap(), None);
    assert_eq!(store.delete_prefix("requests/r1/").await.unwrap(), 1);
    assert!(
        !store.root().join("requests/r1").exists(),
        "empty folders are pruned"
    );
    assert_eq!(
        store.list("").await.unwrap(),
        [object("requests/r10/selfie.jpg")]
    );
}

#[tokio::test]
async fn objects_refuse_oversized_puts_and_paths_outside_the_root() {
    let dir = TempDir::new().unwrap();
    let store = FsObjectStore::new(dir.path().join("bucket"))
        .unwrap()
        .with_max_object_bytes(4);
    let err = store.put(&object("big"), vec![0; 5]).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent);
    store.put(&object("small"), vec![0; 4]).await.unwrap();

    // A link inside the root that leads out of it.
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret"), b"s").unwrap();
    std::os::unix::fs::symlink(&outside, store.root().join("escape")).unwrap();
    let err = store.get(&object("escape/secret")).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent);
    let err = store
        .put(&object("escape/new"), b"n".to_vec())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent);
    assert!(!outside.join("new").exists());
    store.delete(&object("escape/secret")).await.unwrap_err();
    assert!(outside.join("secret").exists());
    store.list("escape/").await.unwrap_err();
    // Listing the root does not follow the link.
    assert_eq!(store.list("").await.unwrap(), [object("small")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_puts_leave_one_whole_object() {
    let dir = TempDir::new().unwrap();
    let store = FsObjectStore::new(dir.path()).unwrap();
    let k = object("a/b/c");
    let mut writers = Vec::new();
    for i in 0..16_u8 {
        let (store, k) = (store.clone(), k.clone());
        writers.push(tokio::spawn(async move {
            store.put(&k, vec![i; 64 * 1024]).await.unwrap();
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let bytes = store.get(&k).await.unwrap().unwrap();
    assert_eq!(bytes.len(), 64 * 1024);
    assert!(bytes.iter().all(|b| *b == bytes[0]), "a torn write");
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Backfill against an in-memory fake of riv's API.

mod common;

use std::path::Path;
use std::time::Duration;

use riv_client::Client;
use riv_client::backfill::{BackfillOptions, StateRecord, backfill, read_source};
use riv_events::Workflow;

/// A "picture": JPEG magic bytes, then a text the fake can be told to fail on.
fn write_picture(path: &Path, marker: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend_from_slice(marker.as_bytes());
    std::fs::write(path, bytes).unwrap();
}

/// `dir/user/user_000N.jpg` for each (user, count).
fn gallery_dir(dir: &Path, users: &[(&str, usize)]) {
    for (user, count) in users {
        for i in 1..=*count {
            let name = format!("{user}_{i:04}");
            write_picture(&dir.join(user).join(format!("{name}.jpg")), &name);
        }
    }
}

fn options() -> BackfillOptions {
    BackfillOptions {
        timeout: Duration::from_secs(10),
        ..BackfillOptions::default()
    }
}

fn records(path: &Path) -> Vec<StateRecord> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[tokio::test]
async fn a_directory_registers_the_first_picture_and_updates_with_the_rest() {
    let server = common::start(Duration::from_millis(5)).await;
    let client = Client::new(&server.endpoint).unwrap();
    let dir = tempfile::tempdir().unwrap();
    gallery_dir(dir.path(), &[("alice", 3), ("bob", 2)]);
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();

    let report = backfill(&client, dir.path(), &options()).await.unwrap();
    assert!(report.is_complete(), "{report:?}");
    assert_eq!((report.users, report.images, report.succeeded), (2, 5, 5));
    assert_eq!(report.by_outcome["registered"], 2);
    assert_eq!(report.by_outcome["updated"], 3);
    for user in ["alice", "bob"] {
        let flows: Vec<Workflow> = server
            .workflows()
            .into_iter()
            .filter(|(u, _)| u == user)
            .map(|(_, w)| w)
            .collect();
        assert_eq!(flows[0], Workflow::Register);
        assert!(
            flows[1..].iter().all(|w| *w == Workflow::Update),
            "{flows:?}"
        );
    }
    let state = records(&dir.path().join("riv-backfill.jsonl"));
    assert_eq!(state.len(), 5);
    assert!(
        state
            .iter()
            .all(|r| r.request_id.is_some() && r.succeeded())
    );

    let mut pretty = Vec::new();
    report.write_pretty(&mut pretty).unwrap();
    let pretty = String::from_utf8(pretty).unwrap();
    assert!(pretty.contains("registered"), "{pretty}");
}

#[tokio::test]
async fn a_tsv_gallery_honours_per_user() {
    let server = common::start(Duration::from_millis(5)).await;
    let client = Client::new(&server.endpoint).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("lfw-deepfunneled");
    gallery_dir(&root, &[("George_W_Bush", 6), ("Ana_Maria", 1)]);
    let mut tsv = String::from("identity\timage\n");
    for (user, count) in [("George_W_Bush", 6), ("Ana_Maria", 1)] {
        for i in 1..=count {
            tsv.push_str(&format!(
                "{user}\tlfw-deepfunneled/{user}/{user}_{i:04}.jpg\n"
            ));
        }
    }
    tsv.push_str("bad/user\tx.jpg\n");
    let source = dir.path().join("gallery.tsv");
    std::fs::write(&source, tsv).unwrap();

    let opts = BackfillOptions {
        per_user: Some(4),
        ..options()
    };
    let report = backfill(&client, &source, &opts).await.unwrap();
    assert_eq!((report.users, report.images, report.succeeded), (2, 5, 5));
    assert_eq!(report.by_outcome["updated"], 3);
    assert_eq!(report.invalid_rows.len(), 1, "{:?}", report.invalid_rows);
    assert!(!report.is_complete());
    let state = records(&dir.path().join("gallery.tsv.riv-backfill.jsonl"));
    assert_eq!(
        state
            .iter()
            .filter(|r| r.user_id == "George_W_Bush")
            .map(|r| r.image.as_str())
            .collect::<Vec<_>>(),
        (1..=4)
            .map(|i| format!("lfw-deepfunneled/George_W_Bush/George_W_Bush_{i:04}.jpg"))
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_rerun_skips_successes_and_retries_failures() {
    let server = common::start(Duration::from_millis(5)).await;
    let client = Client::new(&server.endpoint).unwrap();
    let dir = tempfile::tempdir().unwrap();
    gallery_dir(dir.path(), &[("bob", 3), ("carol", 3), ("dave", 1)]);
    *server.fake.bad_markers.lock().unwrap() = vec![
        b"bob_0001".to_vec(),
        b"carol_0002".to_vec(),
        b"dave_0001".to_vec(),
    ];
    let state_path = dir.path().join("elsewhere.jsonl");
    let opts = BackfillOptions {
        state_path: Some(state_path.clone()),
        ..options()
    };

    let first = backfill(&client, dir.path(), &opts).await.unwrap();
    assert_eq!((first.attempted, first.succeeded, first.failed), (7, 4, 3));
    assert_eq!(first.by_reason["no_face"], 3);
    assert!(!first.is_complete());
    // bob's first picture failed, so his second registered him.
    let bob: Vec<Workflow> = server
        .workflows()
        .into_iter()
        .filter(|(u, _)| u == "bob")
        .map(|(_, w)| w)
        .collect();
    assert_eq!(
        bob,
        [Workflow::Register, Workflow::Register, Workflow::Update]
    );

    server.fake.bad_markers.lock().unwrap().clear();
    let before = server.workflows().len();
    let second = backfill(&client, dir.path(), &opts).await.unwrap();
    assert!(second.is_complete(), "{second:?}");
    assert_eq!((second.already_done, second.attempted), (4, 3));
    let retried = server.workflows()[before..].to_vec();
    assert_eq!(retried.len(), 3);
    for (user, workflow) in retried {
        // dave never registered: register again; the others exist: update.
        let expected = if user == "dave" {
            Workflow::Register
        } else {
            Workflow::Update
        };
        assert_eq!(workflow, expected, "{user}");
    }

    let third = backfill(&client, dir.path(), &opts).await.unwrap();
    assert_eq!((third.already_done, third.attempted), (7, 0));
    assert_eq!(records(&state_path).len(), 10);
}

#[tokio::test]
async fn user_exists_turns_the_rest_into_updates() {
    let server = common::start(Duration::from_millis(5)).await;
    let client = Client::new(&server.endpoint).unwrap();
    let dir = tempfile::tempdir().unwrap();
    gallery_dir(dir.path(), &[("erin", 2)]);
    backfill(&client, dir.path(), &options()).await.unwrap();
    std::fs::remove_file(dir.path().join("riv-backfill.jsonl")).unwrap();
    gallery_dir(dir.path(), &[("erin", 3)]);

    let report = backfill(&client, dir.path(), &options()).await.unwrap();
    assert_eq!(report.by_reason["user_exists"], 1);
    assert_eq!(report.by_outcome["updated"], 2);
}

#[tokio::test]
async fn concurrency_and_rate_are_bounded() {
    let server = common::start(Duration::from_millis(60)).await;
    let client = Client::new(&server.endpoint).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let users: Vec<(String, usize)> = (0..8).map(|i| (format!("user{i}"), 2)).collect();
    let users: Vec<(&str, usize)> = users.iter().map(|(u, n)| (u.as_str(), *n)).collect();
    gallery_dir(dir.path(), &users);
    let opts = BackfillOptions {
        concurrency: 3,
        ..options()
    };
    let report = backfill(&client, dir.path(), &opts).await.unwrap();
    assert_eq!(report.succeeded, 16);
    let max = server
        .fake
        .max_in_flight
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!((2..=3).contains(&max), "max in flight {max}");

    let server = common::start(Duration::from_millis(1)).await;
    let client = Client::new(&server.endpoint).unwrap();
    let dir = tempfile::tempdir().unwrap();
    gallery_dir(dir.path(), &users);
    let opts = BackfillOptions {
        concurrency: 8,
        rate: Some(20.0),
        ..options()
    };
    let report = backfill(&client, dir.path(), &opts).await.unwrap();
    assert_eq!(report.succeeded, 16);
    let seen = server.seen();
    let first = seen.manifests.first().unwrap().0;
    let last = seen.manifests.last().unwrap().0;
    // 16 requests at 20 per second with no burst: at least 15 gaps of 50 ms.
    assert!(
        last - first >= Duration::from_millis(700),
        "{:?}",
        last - first
    );
}

#[test]
fn csv_and_json_lines_sources_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("users.csv");
    std::fs::write(
        &csv,
        "image,user_id\n\"pics/a,1.jpg\",alice\npics/b.jpg,bob\n\nonly-one-column\n",
    )
    .unwrap();
    let gallery = read_source(&csv).unwrap();
    assert_eq!(gallery.users.len(), 2);
    assert_eq!(gallery.users[0].1[0].image, "pics/a,1.jpg");
    assert_eq!(gallery.users[0].1[0].path, dir.path().join("pics/a,1.jpg"));
    assert_eq!(gallery.invalid.len(), 1);

    let jsonl = dir.path().join("users.jsonl");
    std::fs::write(
        &jsonl,
        "{\"user_id\":\"alice\",\"image\":\"a.jpg\"}\n{\"user_id\":\"alice\",\"image\":\"b.png\"}\nnot json\n",
    )
    .unwrap();
    let gallery = read_source(&jsonl).unwrap();
    assert_eq!(gallery.users.len(), 1);
    assert_eq!(gallery.users[0].1.len(), 2);
    assert_eq!(gallery.invalid.len(), 1);

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "name,file\nx,y\n").unwrap();
    assert!(read_source(&bad).is_err());
}

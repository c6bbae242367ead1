#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The S3 object store against a real S3 server (SeaweedFS) on 127.0.0.1.

mod support;

use riv_aws::s3::S3ObjectStore;
use riv_consumers::ErrorKind;
use riv_consumers::ports::ObjectStore;
use riv_events::ObjectKey;

async fn store() -> Option<S3ObjectStore> {
    let server = support::s3_server()?;
    let client = support::s3_client(server).await;
    let bucket = support::unique_bucket("riv-s3");
    client.create_bucket().bucket(&bucket).send().await.unwrap();
    Some(S3ObjectStore::new(client, bucket))
}

fn key(text: &str) -> ObjectKey {
    ObjectKey::parse(text).unwrap()
}

#[tokio::test]
async fn objects_round_trip_and_missing_ones_read_as_none() {
    let Some(store) = store().await else { return };
    let k = key("requests/r1/selfie.jpg");
    assert_eq!(store.get(&k).await.unwrap(), None);
    assert!(!store.exists(&k).await.unwrap());
    store.put(&k, b"jpeg bytes".to_vec()).await.unwrap();
    assert_eq!(
        store.get(&k).await.unwrap().as_deref(),
        Some(&b"jpeg bytes"[..])
    );
    assert!(store.exists(&k).await.unwrap());
    store.put(&k, b"replaced".to_vec()).await.unwrap();
    assert_eq!(
        store.get(&k).await.unwrap().as_deref(),
        Some(&b"replaced"[..])
    );
    store.delete(&k).await.unwrap();
    assert_eq!(store.get(&k).await.unwrap(), None);
    // Deleting a missing key succeeds, as the port promises.
    store.delete(&k).await.unwrap();
}

#[tokio::test]
async fn keys_with_spaces_plus_signs_and_unicode_survive() {
    let Some(store) = store().await else { return };
    for text in [
        "requests/r2/selfie taken+now.jpg",
        "requests/r2/ça va:1.png",
    ] {
        let k = key(text);
        store.put(&k, text.as_bytes().to_vec()).await.unwrap();
        assert_eq!(store.get(&k).await.unwrap().unwrap(), text.as_bytes());
    }
}

#[tokio::test]
async fn large_objects_go_up_in_parts_and_read_back_whole_or_in_ranges() {
    let Some(store) = store().await else { return };
    let k = key("requests/r3/big.bin");
    // Over the multipart threshold: three parts (5 + 5 + 2 MiB).
    let bytes: Vec<u8> = (0..12 * 1024 * 1024)
        .map(|i| (i * 31 % 251) as u8)
        .collect();
    assert!(bytes.len() >= riv_aws::s3::MULTIPART_THRESHOLD);
    store.put(&k, bytes.clone()).await.unwrap();
    assert_eq!(store.get(&k).await.unwrap().unwrap(), bytes);
    // A range across a part boundary, and one clipped at the end.
    let boundary = riv_aws::s3::PART_SIZE as u64;
    let range = store
        .get_range(&k, boundary - 10, boundary + 10)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        range,
        bytes[(boundary - 10) as usize..(boundary + 10) as usize]
    );
    let end = bytes.len() as u64;
    let tail = store
        .get_range(&k, end - 5, end + 100)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tail, bytes[bytes.len() - 5..]);
    assert_eq!(
        store
            .get_range(&key("requests/r3/none"), 0, 10)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_missing_bucket_is_a_permanent_error() {
    let Some(server) = support::s3_server() else {
        return;
    };
    let client = support::s3_client(server).await;
    let store = S3ObjectStore::new(client, support::unique_bucket("riv-nobucket"));
    let err = store.put(&key("a/b"), b"x".to_vec()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Permanent, "{err}");
}

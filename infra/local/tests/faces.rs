#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The local face adapter on the real engine and real public photos.
//!
//! Skipped (with a message) when the models or photos are missing, failed
//! instead under `CI=true`; see `support/mod.rs`.

mod support;

use std::sync::Arc;

use riv_consumers::ErrorKind;
use riv_consumers::ports::{FaceAnalyzer, FaceCollection, FaceRef, ObjectStore};
use riv_events::{FaceId, ObjectKey, Similarity, UserId};
use riv_face_engine::FaceEngine;
use riv_local::faces::LocalFaces;
use support::{MemObjects, blank_png, engine};

/// A collection in its own temporary folder, over its own bucket.
struct Fixture {
    engine: Arc<FaceEngine>,
    objects: Arc<MemObjects>,
    faces: LocalFaces,
    dir: tempfile::TempDir,
}

impl Fixture {
    async fn new() -> Option<Self> {
        let engine = engine()?;
        let objects = Arc::new(MemObjects::default());
        let dir = tempfile::tempdir().unwrap();
        let faces = LocalFaces::open(engine.clone(), objects.clone(), dir.path().join("faces.db"))
            .await
            .unwrap();
        Some(Self {
            engine,
            objects,
            faces,
            dir,
        })
    }

    /// Puts a public photo under `key`; `None` (a skip) if it is missing.
    async fn photo(&self, key: &str, name: &str) -> Option<ObjectKey> {
        let bytes = support::require_public_photo(name)?;
        Some(self.put(key, bytes).await)
    }

    async fn put(&self, key: &str, bytes: Vec<u8>) -> ObjectKey {
        let key = ObjectKey::parse(key).unwrap();
        self.objects.put(&key, bytes).await.unwrap();
        key
    }
}

fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

fn sim(value: f32) -> Similarity {
    Similarity::new(value).unwrap()
}

#[tokio::test]
async fn detects_one_face_on_obama_with_plausible_measures() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let Some(key) = fx.photo("r1/selfie.jpg", "obama.jpg").await else {
        return;
    };
    let faces = fx.faces.detect_faces(&key).await.unwrap();
    assert_eq!(faces.len(), 1, "{faces:?}");
    let face = &faces[0];
    eprintln!("obama: {face:?}");
    let b = face.bounding_box;
    assert!(
        b.left >= 0.0 && b.top >= 0.0 && b.width > 0.1 && b.height > 0.1,
        "{b:?}"
    );
    assert!(b.left + b.width <= 1.0 && b.top + b.height <= 1.0, "{b:?}");
    assert!(face.height_px >= 100, "{}", face.height_px);
    assert!(
        (60.0..=100.0).contains(&face.confidence),
        "{}",
        face.confidence
    );
    assert!(
        face.pose.yaw.abs() < 25.0 && face.pose.roll.abs() < 15.0,
        "{:?}",
        face.pose
    );
    assert!(
        (50.0..=100.0).contains(&face.sharpness),
        "{}",
        face.sharpness
    );
    assert!(
        (20.0..=90.0).contains(&face.brightness),
        "{}",
        face.brightness
    );
    assert!(face.eyes_occluded < 50.0, "{}", face.eyes_occluded);
}

#[tokio::test]
async fn detects_several_faces_on_the_group_photo_largest_first() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let Some(key) = fx.photo("group/t1.jpg", "t1.jpg").await else {
        return;
    };
    let faces = fx.faces.detect_faces(&key).await.unwrap();
    eprintln!("t1: {} faces", faces.len());
    assert!(faces.len() >= 3, "{faces:?}");
    let areas: Vec<f32> = faces
        .iter()
        .map(|f| f.bounding_box.width * f.bounding_box.height)
        .collect();
    assert!(areas.windows(2).all(|w| w[0] >= w[1]), "{areas:?}");
    for f in &faces {
        let b = f.bounding_box;
        assert!(b.left >= 0.0 && b.left + b.width <= 1.0 + 1e-6, "{b:?}");
        assert!((0.0..=100.0).contains(&f.confidence) && (0.0..=100.0).contains(&f.eyes_occluded));
    }
}

#[tokio::test]
async fn undecodable_is_invalid_image_and_missing_is_not_found() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let Some(jpeg) = support::require_public_photo("obama.jpg") else {
        return;
    };
    let truncated = fx
        .put("bad/truncated.jpg", jpeg[..jpeg.len() / 3].to_vec())
        .await;
    let garbage = fx
        .put("bad/garbage.jpg", b"not an image at all".to_vec())
        .await;
    for key in [&truncated, &garbage] {
        let err = fx.faces.detect_faces(key).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidImage, "{err}");
        assert!(err.context.starts_with("image_"), "{err}");
    }
    let err = fx.faces.detect_faces(&garbage).await.unwrap_err();
    assert!(err.context.contains("image_unsupported_format"), "{err}");
    let missing = ObjectKey::parse("nowhere/selfie.jpg").unwrap();
    let err = fx.faces.detect_faces(&missing).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
    let err = fx
        .faces
        .index_face(&missing, &user("u"), "t")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
}

#[tokio::test]
async fn a_faceless_image_is_refused_by_search_index_and_compare() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let blank = fx.put("blank.png", blank_png()).await;
    assert!(fx.faces.detect_faces(&blank).await.unwrap().is_empty());
    let errors = [
        fx.faces
            .search_by_image(&blank, sim(80.0), 5)
            .await
            .unwrap_err(),
        fx.faces
            .index_face(&blank, &user("u"), "t")
            .await
            .unwrap_err(),
        fx.faces.compare_with_faces(&blank, &[]).await.unwrap_err(),
    ];
    for err in errors {
        assert_eq!(err.kind, ErrorKind::InvalidImage, "{err}");
        assert!(err.context.contains("no_face"), "{err}");
    }
    assert_eq!(fx.faces.count(), 0);
}

#[tokio::test]
async fn indexes_searches_compares_and_deletes() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let Some(obama) = fx.photo("r1/obama.jpg", "obama.jpg").await else {
        return;
    };
    let Some(obama2) = fx.photo("r2/obama2.jpg", "obama2.jpg").await else {
        return;
    };
    let Some(biden) = fx.photo("r3/biden.jpg", "biden.jpg").await else {
        return;
    };
    let (face, order) = fx
        .faces
        .index_face(&obama, &user("obama"), "r1#index")
        .await
        .unwrap();
    assert!(uuid::Uuid::parse_str(face.as_str()).is_ok_and(|u| u.get_version_num() == 4));
    assert_eq!(fx.faces.count(), 1);

    let found = fx
        .faces
        .search_by_image(&obama2, sim(80.0), 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((&found[0].face_id, found[0].indexed_order), (&face, order));
    assert_eq!(found[0].user_id, user("obama"));
    assert!(
        found[0].similarity.value() >= 80.0,
        "{:?}",
        found[0].similarity
    );
    eprintln!("obama2 → obama: {:?}", found[0].similarity);

    assert!(
        fx.faces
            .search_by_image(&biden, sim(80.0), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let low = fx
        .faces
        .search_by_image(&biden, sim(0.0), 10)
        .await
        .unwrap();
    assert!(
        low.len() == 1 && low[0].similarity.value() < 80.0,
        "{low:?}"
    );
    eprintln!("biden → obama: {:?}", low[0].similarity);

    let refs = [
        FaceRef {
            face_id: face.clone(),
            image_key: obama.clone(),
        },
        FaceRef {
            face_id: FaceId::parse("not-there").unwrap(),
            image_key: obama.clone(),
        },
    ];
    let same = fx.faces.compare_with_faces(&obama2, &refs).await.unwrap();
    assert_eq!(same.len(), 1, "faces not in the collection are skipped");
    assert!(same[0].0 == face && same[0].1.value() >= 80.0, "{same:?}");
    let other = fx.faces.compare_with_faces(&biden, &refs).await.unwrap();
    assert!(other[0].1.value() < 80.0, "{other:?}");

    assert_eq!(
        fx.faces.faces_of_user(&user("obama")).await.unwrap(),
        vec![face.clone()]
    );
    fx.faces
        .delete_faces(std::slice::from_ref(&face))
        .await
        .unwrap();
    fx.faces
        .delete_faces(std::slice::from_ref(&face))
        .await
        .unwrap();
    assert!(
        fx.faces
            .search_by_image(&obama2, sim(0.0), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        fx.faces
            .faces_of_user(&user("obama"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(fx.faces.count(), 0);
}

#[tokio::test]
async fn index_is_idempotent_by_token_and_orders_strictly_increase() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let Some(obama) = fx.photo("r1/obama.jpg", "obama.jpg").await else {
        return;
    };
    let Some(obama3) = fx.photo("r2/obama3.jpg", "obama3.jpg").await else {
        return;
    };
    let Some(biden) = fx.photo("r3/biden.jpg", "biden.jpg").await else {
        return;
    };
    let u = user("obama");
    // Two concurrent deliveries of one message add one face.
    let (a, b) = tokio::join!(
        fx.faces.index_face(&obama, &u, "r1#index"),
        fx.faces.index_face(&obama, &u, "r1#index")
    );
    assert_eq!(a.unwrap(), b.as_ref().unwrap().clone());
    let first = b.unwrap();
    assert_eq!(
        fx.faces.index_face(&obama, &u, "r1#index").await.unwrap(),
        first
    );
    assert_eq!(fx.faces.count(), 1);

    let second = fx.faces.index_face(&obama3, &u, "r2#index").await.unwrap();
    let third = fx
        .faces
        .index_face(&biden, &user("biden"), "r3#index")
        .await
        .unwrap();
    assert!(
        first.1 < second.1 && second.1 < third.1,
        "{first:?} {second:?} {third:?}"
    );
    // A deleted newest face's order is never handed out again.
    fx.faces
        .delete_faces(std::slice::from_ref(&third.0))
        .await
        .unwrap();
    let fourth = fx
        .faces
        .index_face(&biden, &user("biden"), "r4#index")
        .await
        .unwrap();
    assert!(fourth.1 > third.1, "{third:?} {fourth:?}");

    // search_by_face leaves the face itself out.
    let found = fx
        .faces
        .search_by_face(&first.0, sim(80.0), 10)
        .await
        .unwrap();
    let ids: Vec<&FaceId> = found.iter().map(|m| &m.face_id).collect();
    assert_eq!(ids, vec![&second.0], "{found:?}");
    let one = fx
        .faces
        .search_by_face(&first.0, sim(0.0), 1)
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].face_id, second.0, "best first");
    let unknown = FaceId::parse("nope").unwrap();
    let err = fx
        .faces
        .search_by_face(&unknown, sim(80.0), 10)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);

    let listed = fx.faces.list(None).await.unwrap();
    let orders: Vec<u64> = listed.iter().map(|f| f.indexed_order).collect();
    assert!(orders.windows(2).all(|w| w[0] < w[1]), "{orders:?}");
    assert_eq!(fx.faces.list(Some(&u)).await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_collection_survives_a_reopen() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let Some(obama) = fx.photo("r1/obama.jpg", "obama.jpg").await else {
        return;
    };
    let Some(obama2) = fx.photo("r2/obama2.jpg", "obama2.jpg").await else {
        return;
    };
    let (face, order) = fx
        .faces
        .index_face(&obama, &user("obama"), "r1#index")
        .await
        .unwrap();
    let Fixture {
        engine,
        objects,
        faces,
        dir,
    } = fx;
    drop(faces);
    let faces = LocalFaces::open(engine, objects, dir.path().join("faces.db"))
        .await
        .unwrap();
    assert_eq!(faces.count(), 1);
    let found = faces.search_by_image(&obama2, sim(80.0), 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((&found[0].face_id, found[0].indexed_order), (&face, order));
    // The token is remembered across the reopen too.
    let again = faces
        .index_face(&obama, &user("obama"), "r1#index")
        .await
        .unwrap();
    assert_eq!(again, (face, order));
    assert_eq!(faces.count(), 1);
}

#[tokio::test]
async fn the_cache_serves_repeats_and_notices_replaced_bytes() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let Some(key) = fx.photo("r1/selfie.jpg", "obama.jpg").await else {
        return;
    };
    let Some(biden) = support::require_public_photo("biden.jpg") else {
        return;
    };
    let first = fx.faces.detect_faces(&key).await.unwrap();
    let misses = fx.faces.cache_stats().misses;
    // Quality, then search and index of the same image: one analysis.
    let again = fx.faces.detect_faces(&key).await.unwrap();
    assert_eq!(first, again);
    fx.faces.search_by_image(&key, sim(80.0), 5).await.unwrap();
    fx.faces
        .index_face(&key, &user("obama"), "r1#index")
        .await
        .unwrap();
    let stats = fx.faces.cache_stats();
    assert_eq!((stats.misses, stats.hits), (misses, 3), "{stats:?}");

    // The object is replaced under the same key: analysed afresh.
    fx.put("r1/selfie.jpg", biden).await;
    let replaced = fx.faces.detect_faces(&key).await.unwrap();
    assert_ne!(first, replaced);
    assert_eq!(fx.faces.cache_stats().misses, misses + 1);
    let found = fx.faces.search_by_image(&key, sim(80.0), 5).await.unwrap();
    assert!(
        found.is_empty(),
        "biden's face must not match obama's: {found:?}"
    );
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The Rekognition adapters against riv's Rekognition-compatible endpoint,
//! started in-process and reading `S3Object` images from the S3 server
//! (SeaweedFS), with the face records on the DynamoDB emulator (moto), on
//! the public test photos. Each test builds its own world (see
//! `rekognition/world.rs`): endpoint, bucket, table and collection.

mod rekognition {
    mod aws_answers;
    mod errors;
    pub mod world;
}
mod support;

use riv_aws::rekognition::ImageSource;
use riv_consumers::ErrorKind;
use riv_consumers::ports::{DetectedFace, FaceAnalyzer, FaceCollection, FaceRef, ObjectStore};
use riv_events::ObjectKey;

use rekognition::world::{World, faceless_png, local_measures, photo, similarity, user};

fn assert_close(got: &DetectedFace, want: &DetectedFace) {
    let near = |a: f32, b: f32| (a - b).abs() <= 1e-3 * b.abs().max(1.0);
    let (g, w) = (&got.bounding_box, &want.bounding_box);
    assert!(
        near(g.left, w.left)
            && near(g.top, w.top)
            && near(g.width, w.width)
            && near(g.height, w.height),
        "box {got:?} vs {want:?}"
    );
    assert!(
        got.height_px.abs_diff(want.height_px) <= 1,
        "{got:?} vs {want:?}"
    );
    for (name, a, b) in [
        ("confidence", got.confidence, want.confidence),
        ("yaw", got.pose.yaw, want.pose.yaw),
        ("pitch", got.pose.pitch, want.pose.pitch),
        ("roll", got.pose.roll, want.pose.roll),
        ("sharpness", got.sharpness, want.sharpness),
        ("brightness", got.brightness, want.brightness),
        ("eyes_occluded", got.eyes_occluded, want.eyes_occluded),
    ] {
        assert!(near(a, b), "{name}: {a} vs {b} ({got:?} vs {want:?})");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn detect_faces_measures_what_the_local_adapter_measures() {
    let Some(world) = World::start().await else {
        return;
    };
    for source in [ImageSource::S3Object, ImageSource::Bytes] {
        let analyzer = world.analyzer(source);
        for name in ["obama.jpg", "t1.jpg"] {
            let got = analyzer.detect_faces(&photo(name)).await.unwrap();
            let bytes = std::fs::read(world.photos.join(name)).unwrap();
            let want = local_measures(&world.models, &bytes);
            assert_eq!(got.len(), want.len(), "{name} ({source:?})");
            assert!(!got.is_empty());
            for (g, w) in got.iter().zip(&want) {
                assert_close(g, w);
            }
            let areas: Vec<f32> = got
                .iter()
                .map(|f| f.bounding_box.width * f.bounding_box.height)
                .collect();
            assert!(areas.windows(2).all(|a| a[0] >= a[1]), "largest first");
        }
        let faceless = ObjectKey::parse("photos/gradient.png").unwrap();
        world.objects.put(&faceless, faceless_png()).await.unwrap();
        assert!(analyzer.detect_faces(&faceless).await.unwrap().is_empty());
    }
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn index_search_compare_and_delete() {
    let Some(world) = World::start().await else {
        return;
    };
    let collection = world.collection(ImageSource::S3Object);
    let (ana, bo) = (user("ana@example.org"), user("bo@example.org"));

    // One token, one face, one order.
    let first = collection
        .index_face(&photo("obama.jpg"), &ana, "r1/photos/obama.jpg")
        .await
        .unwrap();
    let again = collection
        .index_face(&photo("obama.jpg"), &ana, "r1/photos/obama.jpg")
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(world.listed_faces().await.len(), 1);
    let second = collection
        .index_face(&photo("biden.jpg"), &bo, "r2/photos/biden.jpg")
        .await
        .unwrap();
    assert!(second.1 > first.1, "orders increase: {first:?} {second:?}");

    // A face riv did not index is never a match.
    world
        .rekognition
        .index_faces()
        .collection_id(&world.collection_id)
        .image(
            aws_sdk_rekognition::types::Image::builder()
                .bytes(aws_sdk_rekognition::primitives::Blob::new(
                    std::fs::read(world.photos.join("obama.jpg")).unwrap(),
                ))
                .build(),
        )
        .external_image_id("stranger")
        .send()
        .await
        .unwrap();

    let found = collection
        .search_by_image(&photo("obama2.jpg"), similarity(80.0), 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (&found[0].face_id, &found[0].user_id, found[0].indexed_order),
        (&first.0, &ana, first.1)
    );
    assert!(found[0].similarity.value() >= 80.0);
    let nobody = collection
        .search_by_image(&photo("obama2.jpg"), similarity(99.9), 10)
        .await
        .unwrap();
    assert!(nobody.is_empty(), "{nobody:?}");

    // Obama's second photo, under bo: searching with it finds ana's face
    // (earlier) and never itself.
    let third = collection
        .index_face(&photo("obama2.jpg"), &bo, "r3/photos/obama2.jpg")
        .await
        .unwrap();
    let by_face = collection
        .search_by_face(&third.0, similarity(80.0), 10)
        .await
        .unwrap();
    assert_eq!(by_face.len(), 1, "{by_face:?}");
    assert_eq!(by_face[0].face_id, first.0);
    assert!(by_face[0].indexed_order < third.1);
    let err = collection
        .search_by_face(
            &riv_events::FaceId::parse("11111111-1111-1111-1111-111111111111").unwrap(),
            similarity(80.0),
            10,
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");

    // 1:1 comparisons against the stored faces' own images.
    let refs = [
        FaceRef {
            face_id: first.0.clone(),
            image_key: photo("obama.jpg"),
        },
        FaceRef {
            face_id: second.0.clone(),
            image_key: photo("biden.jpg"),
        },
        FaceRef {
            face_id: third.0.clone(),
            image_key: ObjectKey::parse("photos/deleted.jpg").unwrap(),
        },
    ];
    for source in [ImageSource::S3Object, ImageSource::Bytes] {
        let scores = world
            .collection(source)
            .compare_with_faces(&photo("obama2.jpg"), &refs)
            .await
            .unwrap();
        assert_eq!(scores.len(), 2, "the face whose image is gone is left out");
        assert_eq!(scores[0].0, first.0);
        assert!(scores[0].1.value() >= 80.0, "{scores:?}");
        assert_eq!(scores[1].0, second.0);
        assert!(scores[1].1.value() < 80.0, "{scores:?}");
    }

    // Faces of a user, then deletion.
    let mut of_bo = collection.faces_of_user(&bo).await.unwrap();
    of_bo.sort();
    let mut want = vec![second.0.clone(), third.0.clone()];
    want.sort();
    assert_eq!(of_bo, want);
    assert_eq!(
        collection.faces_of_user(&ana).await.unwrap(),
        std::slice::from_ref(&first.0)
    );
    assert!(
        collection
            .faces_of_user(&user("cy"))
            .await
            .unwrap()
            .is_empty()
    );
    collection
        .delete_faces(&[first.0.clone(), third.0.clone(), first.0.clone()])
        .await
        .unwrap();
    collection
        .delete_faces(std::slice::from_ref(&first.0))
        .await
        .unwrap();
    let gone = collection
        .search_by_image(&photo("obama2.jpg"), similarity(50.0), 10)
        .await
        .unwrap();
    assert!(gone.iter().all(|m| m.face_id == second.0), "{gone:?}");
    assert!(collection.faces_of_user(&ana).await.unwrap().is_empty());
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_attempts_and_interrupted_ones() {
    let Some(world) = World::start().await else {
        return;
    };
    let collection = world.collection(ImageSource::Bytes);
    let ana = user("ana@example.org");
    let attempts: Vec<_> = (0..4)
        .map(|_| {
            let (collection, ana) = (collection.clone(), ana.clone());
            tokio::spawn(async move {
                collection
                    .index_face(&photo("obama.jpg"), &ana, "r9/photos/obama.jpg")
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut results = Vec::new();
    for attempt in attempts {
        results.push(attempt.await.unwrap());
    }
    assert!(results.windows(2).all(|r| r[0] == r[1]), "{results:?}");
    let faces = world.listed_faces().await;
    assert_eq!(faces.len(), 1, "exactly one face: {faces:?}");
    assert_eq!(faces[0].face_id(), Some(results[0].0.as_str()));

    // An attempt that stopped after IndexFaces, before recording its face:
    // the face still resolves to its user, and faces_of_user finds it.
    let records = &world.records;
    let order = records.next_order().await.unwrap();
    records
        .put_order(order, &ana, "r10/photos/obama2.jpg")
        .await
        .unwrap();
    assert!(
        records
            .claim_token("r10/photos/obama2.jpg", order)
            .await
            .unwrap()
    );
    let orphan = world
        .rekognition
        .index_faces()
        .collection_id(&world.collection_id)
        .image(
            aws_sdk_rekognition::types::Image::builder()
                .bytes(aws_sdk_rekognition::primitives::Blob::new(
                    std::fs::read(world.photos.join("obama2.jpg")).unwrap(),
                ))
                .build(),
        )
        .external_image_id(order.to_string())
        .max_faces(1)
        .send()
        .await
        .unwrap();
    let orphan = orphan.face_records()[0]
        .face()
        .unwrap()
        .face_id()
        .unwrap()
        .to_owned();
    let mut of_ana: Vec<String> = collection
        .faces_of_user(&ana)
        .await
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    of_ana.sort();
    let mut want = vec![results[0].0.to_string(), orphan.clone()];
    want.sort();
    assert_eq!(of_ana, want);
    let found = collection
        .search_by_face(&results[0].0, similarity(80.0), 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (
            found[0].face_id.as_str(),
            &found[0].user_id,
            found[0].indexed_order
        ),
        (orphan.as_str(), &ana, order)
    );
    // The retried attempt indexes again under the same order.
    let retried = collection
        .index_face(&photo("obama2.jpg"), &ana, "r10/photos/obama2.jpg")
        .await
        .unwrap();
    assert_eq!(retried.1, order);
    assert_ne!(retried.0.as_str(), orphan);
    world.stop().await;
}

//! Missing, corrupt, faceless and oversized images, through both image
//! sources: the port errors the local face adapter gives.

use riv_aws::rekognition::ImageSource;
use riv_consumers::ErrorKind;
use riv_consumers::ports::{FaceAnalyzer, FaceCollection, FaceRef, ObjectStore};
use riv_events::ObjectKey;

use super::world::{World, faceless_png, photo, similarity, user};

#[tokio::test(flavor = "multi_thread")]
async fn missing_corrupt_and_oversized_images() {
    let Some(world) = World::start().await else {
        return;
    };
    let missing = ObjectKey::parse("photos/nobody-here.jpg").unwrap();
    let corrupt = ObjectKey::parse("photos/corrupt.jpg").unwrap();
    let mut bytes = std::fs::read(world.photos.join("obama.jpg")).unwrap();
    bytes.truncate(bytes.len() / 3);
    bytes.extend_from_slice(&[0u8; 4096]);
    world.objects.put(&corrupt, bytes.clone()).await.unwrap();
    let garbage = ObjectKey::parse("photos/garbage.jpg").unwrap();
    world
        .objects
        .put(&garbage, b"not an image at all".to_vec())
        .await
        .unwrap();
    for source in [ImageSource::S3Object, ImageSource::Bytes] {
        let analyzer = world.analyzer(source);
        let collection = world.collection(source);
        let err = analyzer.detect_faces(&missing).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotFound, "{source:?}: {err}");
        for key in [&corrupt, &garbage] {
            let err = analyzer.detect_faces(key).await.unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidImage, "{source:?} {key}: {err}");
        }
        let err = collection
            .search_by_image(&missing, similarity(80.0), 5)
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotFound, "{source:?}: {err}");
        let err = collection
            .search_by_image(&corrupt, similarity(80.0), 5)
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidImage, "{source:?}: {err}");
        let err = collection
            .index_face(&missing, &user("ana"), &format!("missing-{source:?}"))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotFound, "{source:?}: {err}");
    }

    // No face: what the local collection answers (invalid_image, no_face).
    let faceless = ObjectKey::parse("photos/gradient.png").unwrap();
    world.objects.put(&faceless, faceless_png()).await.unwrap();
    let collection = world.collection(ImageSource::S3Object);
    for err in [
        collection
            .search_by_image(&faceless, similarity(80.0), 5)
            .await
            .unwrap_err(),
        collection
            .index_face(&faceless, &user("ana"), "faceless")
            .await
            .unwrap_err(),
        collection
            .compare_with_faces(
                &faceless,
                &[FaceRef {
                    face_id: riv_events::FaceId::parse("11111111-1111-1111-1111-111111111111")
                        .unwrap(),
                    image_key: photo("obama.jpg"),
                }],
            )
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.kind, ErrorKind::InvalidImage, "{err}");
        assert!(err.context.starts_with("no_face: "), "{err}");
    }
    assert!(world.listed_faces().await.is_empty(), "nothing indexed");

    // Over Rekognition's 15 MB for S3 objects: a real PNG header, then padding.
    let large = ObjectKey::parse("photos/large.png").unwrap();
    let mut huge = faceless_png();
    huge.resize(16 * 1024 * 1024, 0);
    world.objects.put(&large, huge).await.unwrap();
    let err = world
        .analyzer(ImageSource::S3Object)
        .detect_faces(&large)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidImage, "{err}");
    assert!(err.context.contains("ImageTooLargeException"), "{err}");

    // The endpoint's own answer to an S3 object it cannot read.
    let err = world
        .rekognition
        .detect_faces()
        .image(
            aws_sdk_rekognition::types::Image::builder()
                .s3_object(
                    aws_sdk_rekognition::types::S3Object::builder()
                        .bucket("no-such-bucket-here")
                        .name("photos/obama.jpg")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_s3_object_exception(), "{err:?}");
    world.stop().await;
}

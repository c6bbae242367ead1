//! DetectFaces and CompareFaces through the real Rekognition SDK client, on
//! real photos, and the protocol's error answers.
//!
//! Each test starts its own endpoint on 127.0.0.1:0 with a fresh data
//! directory and talks to it through the real `aws_sdk_rekognition::Client`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use aws_sdk_rekognition::types::{Attribute, Image, LandmarkType};
use support::endpoint::{Endpoint, image, inputs, raw_post};

#[tokio::test(flavor = "multi_thread")]
async fn detect_and_compare_on_real_photos() {
    let Some((models, photos)) = inputs(&["obama.jpg", "obama2.jpg", "biden.jpg", "t1.jpg"]) else {
        return;
    };
    let [obama, obama2, biden, group] = <[Vec<u8>; 4]>::try_from(photos).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let endpoint = Endpoint::start(&models, dir.path()).await;
    let client = &endpoint.client;

    let detected = client
        .detect_faces()
        .image(image(&obama))
        .attributes(Attribute::All)
        .send()
        .await
        .unwrap();
    let faces = detected.face_details();
    assert_eq!(faces.len(), 1);
    let face = &faces[0];
    let b = face.bounding_box().unwrap();
    let (w, h, l, t) = (
        b.width().unwrap(),
        b.height().unwrap(),
        b.left().unwrap(),
        b.top().unwrap(),
    );
    assert!(w > 0.1 && w < 0.9 && h > 0.1 && h < 0.9, "{b:?}");
    assert!(
        l >= 0.0 && t >= 0.0 && l + w <= 1.0 && t + h <= 1.0,
        "{b:?}"
    );
    assert!(face.confidence().unwrap() > 90.0);
    let eye_left = face
        .landmarks()
        .iter()
        .find(|m| m.r#type() == Some(&LandmarkType::EyeLeft))
        .unwrap();
    let eye_right = face
        .landmarks()
        .iter()
        .find(|m| m.r#type() == Some(&LandmarkType::EyeRight))
        .unwrap();
    // The subject's left eye is on the image's right.
    assert!(eye_left.x().unwrap() > eye_right.x().unwrap());
    assert!(eye_left.x().unwrap() > l && eye_left.x().unwrap() < l + w);
    let pose = face.pose().unwrap();
    assert!(pose.yaw().unwrap().abs() < 30.0 && pose.roll().unwrap().abs() < 30.0);
    let quality = face.quality().unwrap();
    assert!(quality.brightness().unwrap() > 10.0 && quality.sharpness().unwrap() > 10.0);
    let sunglasses = face.sunglasses().unwrap();
    assert!(!sunglasses.value());

    let default_only = client
        .detect_faces()
        .image(image(&obama))
        .send()
        .await
        .unwrap();
    assert!(default_only.face_details()[0].sunglasses().is_none());
    assert!(default_only.face_details()[0].pose().is_some());

    let group_faces = client
        .detect_faces()
        .image(image(&group))
        .send()
        .await
        .unwrap();
    assert_eq!(group_faces.face_details().len(), 6);

    let same = client
        .compare_faces()
        .source_image(image(&obama))
        .target_image(image(&obama2))
        .send()
        .await
        .unwrap();
    assert_eq!(same.face_matches().len(), 1, "{same:?}");
    assert!(same.face_matches()[0].similarity().unwrap() >= 80.0);
    assert!(same.unmatched_faces().is_empty());
    assert!(same.source_image_face().unwrap().confidence().unwrap() > 90.0);

    let other = client
        .compare_faces()
        .source_image(image(&obama))
        .target_image(image(&biden))
        .similarity_threshold(80.0)
        .send()
        .await
        .unwrap();
    assert!(other.face_matches().is_empty(), "{other:?}");
    assert_eq!(other.unmatched_faces().len(), 1);

    let err = client
        .detect_faces()
        .image(image(b"definitely not an image"))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_image_format_exception(), "{err:?}");

    let err = client
        .detect_faces()
        .image(image(&vec![0xFF; 6 * 1024 * 1024]))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_image_too_large_exception(), "{err:?}");

    let err = client
        .compare_faces()
        .source_image(
            Image::builder()
                .s3_object(
                    aws_sdk_rekognition::types::S3Object::builder()
                        .bucket("b")
                        .name("k")
                        .build(),
                )
                .build(),
        )
        .target_image(image(&obama))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");

    // The protocol's own answer to an operation not served.
    let raw = raw_post(endpoint.addr, "RekognitionService.DetectLabels", "{}").await;
    assert!(raw.starts_with("HTTP/1.1 400"), "{raw}");
    assert!(
        raw.to_ascii_lowercase()
            .contains("x-amzn-errortype: unknownoperationexception")
    );
    assert!(
        raw.contains("\"__type\":\"UnknownOperationException\""),
        "{raw}"
    );

    endpoint.stop().await;
}

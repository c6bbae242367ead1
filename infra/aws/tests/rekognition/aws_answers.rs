//! Rekognition answers the endpoint never gives (`EyesOpen`, throttling),
//! from the SDK's mock interceptor; the image is a 120×80 PNG read as bytes.

use std::io::Cursor;

use aws_sdk_rekognition::error::ErrorMetadata;
use aws_sdk_rekognition::operation::detect_faces::{DetectFacesError, DetectFacesOutput};
use aws_sdk_rekognition::types::error::ProvisionedThroughputExceededException;
use aws_sdk_rekognition::types::{
    BoundingBox, EyeOpen, FaceDetail, ImageQuality, Pose, Sunglasses,
};
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};
use riv_aws::rekognition::{ImageSource, RekognitionAnalyzer};
use riv_aws::s3::S3ObjectStore;
use riv_consumers::ErrorKind;
use riv_consumers::ports::FaceAnalyzer;

use super::world::photo;

fn analyzer(answer: Rule) -> RekognitionAnalyzer {
    let mut png = Cursor::new(Vec::new());
    image::RgbImage::new(120, 80)
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let png = png.into_inner();
    let object = mock!(aws_sdk_s3::Client::get_object)
        .sequence()
        .output(move || {
            aws_sdk_s3::operation::get_object::GetObjectOutput::builder()
                .body(aws_sdk_s3::primitives::ByteStream::from(png.clone()))
                .build()
        })
        .repeatedly()
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "a", "b", None, None, "test",
            ))
            .http_client(create_mock_http_client())
            .interceptor(
                MockResponseInterceptor::new()
                    .rule_mode(RuleMode::MatchAny)
                    .with_rule(&object),
            )
            .build(),
    );
    let rekognition = aws_sdk_rekognition::Client::from_conf(
        aws_sdk_rekognition::Config::builder()
            .behavior_version(aws_sdk_rekognition::config::BehaviorVersion::latest())
            .region(aws_sdk_rekognition::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_rekognition::config::Credentials::new(
                "a", "b", None, None, "test",
            ))
            .retry_config(aws_sdk_rekognition::config::retry::RetryConfig::disabled())
            .http_client(create_mock_http_client())
            .interceptor(
                MockResponseInterceptor::new()
                    .rule_mode(RuleMode::MatchAny)
                    .with_rule(&answer),
            )
            .build(),
    );
    RekognitionAnalyzer::new(
        rekognition,
        S3ObjectStore::new(s3, "bucket"),
        ImageSource::Bytes,
    )
}

fn face(height: f32, glasses: Option<(bool, f32)>, open: Option<(bool, f32)>) -> FaceDetail {
    let mut face = FaceDetail::builder()
        .bounding_box(
            BoundingBox::builder()
                .left(0.1)
                .top(0.1)
                .width(height * 0.8)
                .height(height)
                .build(),
        )
        .confidence(99.5)
        .pose(Pose::builder().yaw(5.0).pitch(-3.0).roll(1.0).build())
        .quality(
            ImageQuality::builder()
                .sharpness(78.0)
                .brightness(61.0)
                .build(),
        );
    if let Some((value, confidence)) = glasses {
        face = face.sunglasses(
            Sunglasses::builder()
                .value(value)
                .confidence(confidence)
                .build(),
        );
    }
    if let Some((value, confidence)) = open {
        face = face.eyes_open(
            EyeOpen::builder()
                .value(value)
                .confidence(confidence)
                .build(),
        );
    }
    face.build()
}

#[tokio::test]
async fn eyes_open_counts_and_faces_come_largest_first() {
    let answer = mock!(aws_sdk_rekognition::Client::detect_faces).then_output(|| {
        DetectFacesOutput::builder()
            .face_details(face(0.2, Some((true, 95.0)), Some((true, 99.0))))
            .face_details(face(0.5, Some((false, 90.0)), Some((false, 70.0))))
            .build()
    });
    let faces = analyzer(answer)
        .detect_faces(&photo("any.png"))
        .await
        .unwrap();
    assert_eq!(faces.len(), 2);
    // Largest first; height_px is the box's share of the image's 80 px.
    assert_eq!(faces[0].height_px, 40);
    assert_eq!(faces[1].height_px, 16);
    // Eyes closed (70) outweighs no sunglasses (100 − 90 = 10).
    assert!((faces[0].eyes_occluded - 70.0).abs() < 1e-4, "{faces:?}");
    // Sunglasses (95) outweigh eyes open (100 − 99 = 1).
    assert!((faces[1].eyes_occluded - 95.0).abs() < 1e-4, "{faces:?}");
    assert_eq!((faces[0].pose.yaw, faces[0].pose.pitch), (5.0, -3.0));
    assert_eq!((faces[0].sharpness, faces[0].brightness), (78.0, 61.0));
}

#[tokio::test]
async fn throttling_is_retryable() {
    let answer = mock!(aws_sdk_rekognition::Client::detect_faces).then_error(|| {
        DetectFacesError::ProvisionedThroughputExceededException(
            ProvisionedThroughputExceededException::builder()
                .message("slow down")
                .meta(
                    ErrorMetadata::builder()
                        .code("ProvisionedThroughputExceededException")
                        .build(),
                )
                .build(),
        )
    });
    let err = analyzer(answer)
        .detect_faces(&photo("any.png"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Retryable, "{err}");
}

//! Textract answers the compatible endpoint never gives (printed fields
//! beside a barcode, throttling, Textract's document errors), from the
//! SDK's mock interceptor; the page is a blank PNG read as bytes, the
//! portrait from a face analyzer that finds one face.

use std::io::Cursor;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_textract::error::ErrorMetadata;
use aws_sdk_textract::operation::analyze_id::{AnalyzeIDError, AnalyzeIdOutput};
use aws_sdk_textract::types::error::{BadDocumentException, ThrottlingException};
use aws_sdk_textract::types::{
    AnalyzeIdDetections, IdentityDocument, IdentityDocumentField, NormalizedValue, ValueType,
};
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock};
use riv_aws::rekognition::ImageSource;
use riv_aws::s3::S3ObjectStore;
use riv_aws::textract::TextractDocuments;
use riv_consumers::ports::{DetectedFace, DocumentReader, FaceAnalyzer};
use riv_consumers::{ErrorKind, PortError};
use riv_document::model::{DocumentFormat, DocumentType, FieldName, FieldSource};
use riv_events::{BoundingBox, ObjectKey, Pose, Similarity};

/// Finds one face, at a fixed place.
#[derive(Debug)]
struct OneFace;

#[async_trait]
impl FaceAnalyzer for OneFace {
    async fn detect_faces(&self, _image: &ObjectKey) -> Result<Vec<DetectedFace>, PortError> {
        Ok(vec![DetectedFace {
            bounding_box: BoundingBox {
                left: 0.1,
                top: 0.2,
                width: 0.25,
                height: 0.3,
            },
            height_px: 40,
            confidence: 99.0,
            pose: Pose {
                yaw: 0.0,
                pitch: 0.0,
                roll: 0.0,
            },
            sharpness: 50.0,
            brightness: 50.0,
            eyes_occluded: 0.0,
        }])
    }

    async fn compare_faces(
        &self,
        _source: &ObjectKey,
        _target: &ObjectKey,
    ) -> Result<Option<Similarity>, PortError> {
        Ok(None)
    }
}

fn reader(answer: Rule) -> TextractDocuments {
    let mut png = Cursor::new(Vec::new());
    image::RgbImage::from_pixel(200, 120, image::Rgb([240, 240, 240]))
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
    let textract = aws_sdk_textract::Client::from_conf(
        aws_sdk_textract::Config::builder()
            .behavior_version(aws_sdk_textract::config::BehaviorVersion::latest())
            .region(aws_sdk_textract::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_textract::config::Credentials::new(
                "a", "b", None, None, "test",
            ))
            .retry_config(aws_sdk_textract::config::retry::RetryConfig::disabled())
            .http_client(create_mock_http_client())
            .interceptor(
                MockResponseInterceptor::new()
                    .rule_mode(RuleMode::MatchAny)
                    .with_rule(&answer),
            )
            .build(),
    );
    TextractDocuments::new(
        textract,
        S3ObjectStore::new(s3, "bucket"),
        ImageSource::Bytes,
        Arc::new(OneFace),
    )
}

fn key(name: &str) -> ObjectKey {
    ObjectKey::parse(format!("requests/r1/{name}")).unwrap()
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

fn field(name: &str, text: &str, date: Option<&str>) -> IdentityDocumentField {
    let mut value = AnalyzeIdDetections::builder().text(text).confidence(97.5);
    if let Some(date) = date {
        value = value.normalized_value(
            NormalizedValue::builder()
                .value(date)
                .value_type(ValueType::Date)
                .build(),
        );
    }
    IdentityDocumentField::builder()
        .r#type(AnalyzeIdDetections::builder().text(name).build().unwrap())
        .value_detection(value.build().unwrap())
        .build()
}

#[tokio::test]
async fn analyze_id_fields_are_printed_text_merged_with_a_portrait() {
    let answer = mock!(aws_sdk_textract::Client::analyze_id).then_output(|| {
        AnalyzeIdOutput::builder()
            .identity_documents(
                IdentityDocument::builder()
                    .document_index(1)
                    .identity_document_fields(field("LAST_NAME", "Doe", None))
                    .identity_document_fields(field("FIRST_NAME", "Jane", None))
                    .identity_document_fields(field(
                        "DATE_OF_BIRTH",
                        "09/16/1990",
                        Some("1990-09-16T00:00:00"),
                    ))
                    .identity_document_fields(field(
                        "EXPIRATION_DATE",
                        "09/16/2020",
                        Some("2020-09-16T00:00:00"),
                    ))
                    .identity_document_fields(field("ID_TYPE", "DRIVER LICENSE FRONT", None))
                    .identity_document_fields(field("MIDDLE_NAME", "", None))
                    .build(),
            )
            .build()
    });
    let a = reader(answer)
        .read_document(&key("front.png"), None, today())
        .await
        .unwrap();
    assert_eq!(a.document_type, DocumentType::DriverLicence);
    assert_eq!(a.formats, vec![DocumentFormat::PrintedText]);
    assert_eq!(a.value(FieldName::LastName), Some("DOE"));
    assert_eq!(a.value(FieldName::FirstName), Some("JANE"));
    assert_eq!(a.value(FieldName::DateOfBirth), Some("1990-09-16"));
    assert_eq!(a.fields[&FieldName::LastName].source, FieldSource::Text);
    assert_eq!(a.fields[&FieldName::LastName].confidence, 97.5);
    assert!(!a.fields.contains_key(&FieldName::MiddleName));
    assert_eq!(a.checks.expired, Some(true));
    assert_eq!(a.checks.age_years, Some(35));
    assert_eq!(a.checks.check_digits_valid, None);
    let portrait = a.portrait.unwrap();
    assert_eq!((portrait.left, portrait.top, portrait.side), (0.1, 0.2, 0));
}

#[tokio::test]
async fn nothing_read_is_an_unreadable_analysis_without_a_portrait() {
    let answer = mock!(aws_sdk_textract::Client::analyze_id).then_output(|| {
        AnalyzeIdOutput::builder()
            .identity_documents(
                IdentityDocument::builder()
                    .document_index(1)
                    .identity_document_fields(field("LAST_NAME", "", None))
                    .build(),
            )
            .build()
    });
    let a = reader(answer)
        .read_document(&key("front.png"), None, today())
        .await
        .unwrap();
    assert!(!a.is_readable());
    assert_eq!(a.portrait, None);
}

#[tokio::test]
async fn throttling_is_retryable_and_a_bad_document_invalid() {
    let answer = mock!(aws_sdk_textract::Client::analyze_id).then_error(|| {
        AnalyzeIDError::ThrottlingException(
            ThrottlingException::builder()
                .message("slow down")
                .meta(ErrorMetadata::builder().code("ThrottlingException").build())
                .build(),
        )
    });
    let err = reader(answer)
        .read_document(&key("front.png"), None, today())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Retryable, "{err}");

    let answer = mock!(aws_sdk_textract::Client::analyze_id).then_error(|| {
        AnalyzeIDError::BadDocumentException(
            BadDocumentException::builder()
                .message("cannot read")
                .meta(
                    ErrorMetadata::builder()
                        .code("BadDocumentException")
                        .build(),
                )
                .build(),
        )
    });
    let err = reader(answer)
        .read_document(&key("front.png"), Some(&key("back.png")), today())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidImage, "{err}");
    assert!(
        err.context
            .starts_with("document_unreadable: BadDocumentException"),
        "{err}"
    );
}

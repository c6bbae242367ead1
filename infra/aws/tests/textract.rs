#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The Textract document reader against riv's compatible endpoint, started
//! in-process with the document engine (barcode reader; no OCR yet) and
//! reading `S3Object` pages from the S3 server (SeaweedFS), on the ID
//! document samples of the shared test data.

mod textract {
    mod aws_answers;
}
mod support;

use std::path::PathBuf;
use std::sync::Arc;

use aws_sdk_rekognition::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_textract::error::ProvideErrorMetadata;
use riv_aws::rekognition::{ImageSource, RekognitionAnalyzer};
use riv_aws::s3::S3ObjectStore;
use riv_aws::textract::TextractDocuments;
use riv_compat::riv_document_engine::DocumentEngine;
use riv_compat::riv_face_engine::EngineConfig;
use riv_compat::{CompatConfig, serve};
use riv_consumers::ErrorKind;
use riv_consumers::ports::{DocumentReader, ObjectStore};
use riv_document::model::{DocumentFormat, DocumentType, FieldName, FieldSource};
use riv_events::ObjectKey;
use tokio::sync::oneshot;

const OHIO: &str = "id-documents/aamva-pdf417/SampleDriversLicense.jpg";
const PAYMENT_CARD: &str = "id-documents/mrz-fastmrz/nomrz.jpg";

/// A directory from `var`, else `fallback`; `None` (a skip, or a failure
/// under `CI=true`) when it is missing.
fn require_dir(var: &str, fallback: Option<PathBuf>, hint: &str) -> Option<PathBuf> {
    let from_env = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    match from_env.or(fallback).filter(|dir| dir.is_dir()) {
        Some(dir) => Some(dir),
        None => support::unavailable(&format!("{var} missing; {hint}")),
    }
}

fn cache(name: &str) -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|c| c.join("riv").join(name))
}

fn testdata() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata");
    require_dir("RIV_TESTDATA", Some(root), "the shared ID document samples")
}

struct World {
    objects: S3ObjectStore,
    textract: aws_sdk_textract::Client,
    rekognition: aws_sdk_rekognition::Client,
    testdata: PathBuf,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl World {
    async fn start() -> Option<Self> {
        let models = require_dir("RIV_MODEL_DIR", cache("models"), "run `riv models fetch`")?;
        let testdata = testdata()?;
        let s3_server = support::s3_server()?;
        let s3 = support::s3_client(s3_server).await;
        let bucket = support::unique_bucket("riv-textract");
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        let objects = S3ObjectStore::new(s3.clone(), bucket);

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let data = std::env::temp_dir().join(support::unique_bucket("riv-textract-data"));
        let mut config = CompatConfig::new(&data, EngineConfig::with_model_dir(&models));
        config.s3 = Some(s3);
        config.documents = Some(Arc::new(DocumentEngine::new(None)));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve(config, listener, async move {
                let _ = stopped.await;
            })
            .await
            .unwrap();
            let _ = std::fs::remove_dir_all(data);
        });
        let credentials = Credentials::new("riv-test", "riv-test", None, None, "test");
        let textract = aws_sdk_textract::Client::from_conf(
            aws_sdk_textract::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .credentials_provider(credentials.clone())
                .endpoint_url(&endpoint)
                .build(),
        );
        let rekognition = aws_sdk_rekognition::Client::from_conf(
            aws_sdk_rekognition::Config::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new("us-east-1"))
                .credentials_provider(credentials)
                .endpoint_url(&endpoint)
                .build(),
        );
        // The endpoint loads its models before it listens: wait for it.
        let mut up = Err(String::new());
        for _ in 0..300 {
            let sent = rekognition.list_faces().collection_id("none").send().await;
            up = match sent {
                Ok(_) => Ok(()),
                Err(e) if e.raw_response().is_some() => Ok(()),
                Err(e) => Err(format!("{e:?}")),
            };
            if up.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        up.unwrap();
        Some(Self {
            objects,
            textract,
            rekognition,
            testdata,
            stop,
            task,
        })
    }

    fn reader(&self, source: ImageSource) -> TextractDocuments {
        let faces =
            RekognitionAnalyzer::new(self.rekognition.clone(), self.objects.clone(), source);
        TextractDocuments::new(
            self.textract.clone(),
            self.objects.clone(),
            source,
            Arc::new(faces),
        )
    }

    async fn upload(&self, sample: &str) -> ObjectKey {
        let bytes = std::fs::read(self.testdata.join(sample)).unwrap();
        let name = sample.rsplit('/').next().unwrap();
        let key = ObjectKey::parse(format!("requests/r1/{name}")).unwrap();
        self.objects.put(&key, bytes).await.unwrap();
        key
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap();
    }
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn documents_read_through_analyze_id_and_the_local_barcode_reader() {
    let Some(world) = World::start().await else {
        return;
    };
    let ohio = world.upload(OHIO).await;
    let card = world.upload(PAYMENT_CARD).await;
    let corrupt = ObjectKey::parse("requests/r1/corrupt.jpg").unwrap();
    let mut bytes = std::fs::read(world.testdata.join(OHIO)).unwrap();
    bytes.truncate(2_000);
    world.objects.put(&corrupt, bytes).await.unwrap();
    let missing = ObjectKey::parse("requests/r1/missing.jpg").unwrap();

    for source in [ImageSource::S3Object, ImageSource::Bytes] {
        let reader = world.reader(source);

        let a = reader.read_document(&ohio, None, today()).await.unwrap();
        assert_eq!(a.document_type, DocumentType::DriverLicence, "{source:?}");
        assert_eq!(a.formats, vec![DocumentFormat::Aamva], "{source:?}");
        assert_eq!(a.value(FieldName::LastName), Some("DOE"));
        assert_eq!(a.value(FieldName::FirstName), Some("JANE"));
        assert_eq!(a.value(FieldName::DateOfBirth), Some("1990-09-16"));
        assert_eq!(a.fields[&FieldName::LastName].source, FieldSource::Barcode);
        assert_eq!(a.issuing_country.as_deref(), Some("OH"));
        // Counted once: no printed-text echo of the barcode to agree with.
        assert!(a.checks.agreement.is_empty(), "{:?}", a.checks.agreement);
        assert_eq!(a.checks.as_of, Some(today()));

        // Front and back: the same reading, as AnalyzeID gets two pages.
        let two = reader
            .read_document(&card, Some(&ohio), today())
            .await
            .unwrap();
        assert_eq!(two.value(FieldName::LastName), Some("DOE"));

        let nothing = reader.read_document(&card, None, today()).await.unwrap();
        assert!(!nothing.is_readable(), "{source:?}: {nothing:?}");
        assert_eq!(nothing.portrait, None);

        let err = reader
            .read_document(&corrupt, None, today())
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidImage, "{source:?}: {err}");
        assert!(err.context.starts_with("document_unreadable"), "{err}");

        let err = reader
            .read_document(&missing, None, today())
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotFound, "{source:?}: {err}");
    }
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_endpoint_answers_analyze_id_as_textract_does() {
    let Some(world) = World::start().await else {
        return;
    };
    let ohio = world.upload(OHIO).await;
    let page = |key: &ObjectKey| {
        aws_sdk_textract::types::Document::builder()
            .s3_object(
                aws_sdk_textract::types::S3Object::builder()
                    .bucket(world.objects.bucket())
                    .name(key.as_str())
                    .build(),
            )
            .build()
    };
    let answer = world
        .textract
        .analyze_id()
        .document_pages(page(&ohio))
        .document_pages(page(&ohio))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.document_metadata().and_then(|m| m.pages()), Some(2));
    let pages = answer.identity_documents();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[1].document_index(), Some(2));
    let names: Vec<&str> = pages[0]
        .identity_document_fields()
        .iter()
        .filter_map(|f| f.r#type().map(|t| t.text()))
        .collect();
    assert!(names.contains(&"DATE_OF_BIRTH") && names.contains(&"MRZ_CODE"));
    // AnalyzeID reads no barcode: the back's fields are all empty.
    for field in pages[0].identity_document_fields() {
        assert_eq!(field.value_detection().map(|v| v.text()), Some(""));
    }

    let missing = ObjectKey::parse("requests/r1/missing.jpg").unwrap();
    let err = world
        .textract
        .analyze_id()
        .document_pages(page(&missing))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidS3ObjectException"));
    let bad = aws_sdk_textract::types::Document::builder()
        .bytes(aws_sdk_textract::primitives::Blob::new(
            b"not an image".to_vec(),
        ))
        .build();
    let err = world
        .textract
        .analyze_id()
        .document_pages(bad)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("UnsupportedDocumentException"));
    world.stop().await;
}

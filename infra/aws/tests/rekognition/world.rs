//! One test's world: riv's Rekognition-compatible endpoint in-process
//! (reading `S3Object` images from the S3 server), a bucket with the public
//! photos, a face records table on the DynamoDB emulator and a collection,
//! all with unique names. Also where the face models and photos are, and
//! the local adapter's measurements to compare with.

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::Arc;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use aws_sdk_rekognition::config::{BehaviorVersion, Credentials, Region};
use riv_aws::dynamodb::face_records::{BY_USER_INDEX, FaceRecords};
use riv_aws::rekognition::{ImageSource, RekognitionAnalyzer, RekognitionCollection};
use riv_aws::s3::S3ObjectStore;
use riv_compat::riv_face_engine::{EngineConfig, FaceDetail, FaceEngine};
use riv_compat::{CompatConfig, serve};
use riv_consumers::ports::{DetectedFace, ObjectStore};
use riv_events::{BoundingBox, ObjectKey, Pose, Similarity, UserId};
use tokio::sync::oneshot;

use crate::support;

/// The photos every world uploads, under `photos/`.
pub const PHOTOS: [&str; 4] = ["obama.jpg", "obama2.jpg", "biden.jpg", "t1.jpg"];

/// A running world; [`World::stop`] ends the endpoint.
pub struct World {
    /// The bucket, holding `photos/<name>` for each of [`PHOTOS`].
    pub objects: S3ObjectStore,
    /// A Rekognition client for the endpoint.
    pub rekognition: aws_sdk_rekognition::Client,
    /// The face records table.
    pub records: FaceRecords,
    /// The collection's id.
    pub collection_id: String,
    /// The face models.
    pub models: PathBuf,
    /// The photo folder.
    pub photos: PathBuf,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl World {
    /// Starts everything, or `None` when an input or emulator is missing
    /// (which fails under `CI=true`).
    pub async fn start() -> Option<Self> {
        let models = require_dir("RIV_MODEL_DIR", "models", "run `riv models fetch`")?;
        let photos = require_dir("RIV_PUBLIC_PHOTOS", "public-photos", "run `make photos`")?;
        for name in PHOTOS {
            if !photos.join(name).is_file() {
                return support::unavailable(&format!("{name} missing; run `make photos`"));
            }
        }
        let s3_server = support::s3_server()?;
        let moto = support::moto_server()?;
        let s3 = support::s3_client(s3_server).await;
        let bucket = support::unique_bucket("riv-rek");
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        let objects = S3ObjectStore::new(s3.clone(), bucket);
        for name in PHOTOS {
            let bytes = std::fs::read(photos.join(name)).unwrap();
            objects.put(&photo(name), bytes).await.unwrap();
        }
        let dynamodb = aws_sdk_dynamodb::Client::new(&support::sdk_config(&moto.endpoint).await);
        let table = support::unique_bucket("riv-faces");
        create_faces_table(&dynamodb, &table).await;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let data = std::env::temp_dir().join(support::unique_bucket("riv-rek-data"));
        let mut config = CompatConfig::new(&data, EngineConfig::with_model_dir(&models));
        config.s3 = Some(s3);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve(config, listener, async move {
                let _ = stopped.await;
            })
            .await
            .unwrap();
            let _ = std::fs::remove_dir_all(data);
        });
        let rekognition = rekognition_client(&format!("http://{addr}"));
        let collection_id = support::unique_bucket("riv-faces");
        // The endpoint loads its models before answering: wait for it.
        let mut created = Err(String::new());
        for _ in 0..300 {
            let sent = rekognition
                .create_collection()
                .collection_id(&collection_id)
                .send()
                .await;
            created = sent.map(|_| ()).map_err(|e| format!("{e:?}"));
            if created.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        created.unwrap();
        Some(Self {
            objects,
            rekognition,
            records: FaceRecords::new(dynamodb, table),
            collection_id,
            models,
            photos,
            stop,
            task,
        })
    }

    /// The analyzer, sending images as `source` says.
    pub fn analyzer(&self, source: ImageSource) -> RekognitionAnalyzer {
        RekognitionAnalyzer::new(self.rekognition.clone(), self.objects.clone(), source)
    }

    /// The collection, sending images as `source` says.
    pub fn collection(&self, source: ImageSource) -> RekognitionCollection {
        RekognitionCollection::new(
            self.rekognition.clone(),
            &self.collection_id,
            self.records.clone(),
            self.objects.clone(),
            source,
        )
    }

    /// The faces the collection holds, as Rekognition lists them.
    pub async fn listed_faces(&self) -> Vec<aws_sdk_rekognition::types::Face> {
        let listed = self
            .rekognition
            .list_faces()
            .collection_id(&self.collection_id)
            .send()
            .await
            .unwrap();
        listed.faces().to_vec()
    }

    /// Stops the endpoint.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap();
    }
}

/// `photos/<name>`.
pub fn photo(name: &str) -> ObjectKey {
    ObjectKey::parse(format!("photos/{name}")).unwrap()
}

/// A Rekognition client for `endpoint`, with test credentials.
pub fn rekognition_client(endpoint: &str) -> aws_sdk_rekognition::Client {
    let config = aws_sdk_rekognition::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("riv-test", "riv-test", None, None, "test"))
        .endpoint_url(endpoint)
        .build();
    aws_sdk_rekognition::Client::from_conf(config)
}

/// The faces table as the CDK app defines it: key `key`, sparse index
/// `by_user` on `user_id`, every attribute projected.
async fn create_faces_table(client: &aws_sdk_dynamodb::Client, name: &str) {
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let hash = |name: &str| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(KeyType::Hash)
            .build()
            .unwrap()
    };
    client
        .create_table()
        .table_name(name)
        .attribute_definitions(attribute("key"))
        .attribute_definitions(attribute("user_id"))
        .key_schema(hash("key"))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(BY_USER_INDEX)
                .key_schema(hash("user_id"))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

/// `$VAR`, else `${XDG_CACHE_HOME:-~/.cache}/riv/<cached>`, if it is a folder.
fn require_dir(var: &str, cached: &str, hint: &str) -> Option<PathBuf> {
    let from_env = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|c| c.join("riv").join(cached));
    match from_env.or(cache).filter(|dir| dir.is_dir()) {
        Some(dir) => Some(dir),
        None => support::unavailable(&format!("{var} (or the {cached} cache) missing; {hint}")),
    }
}

/// What the local adapter measures in `bytes`: the engine's faces on the
/// port's scales, as `riv_local::faces::measures::detected_face` maps them.
pub fn local_measures(models: &std::path::Path, bytes: &[u8]) -> Vec<DetectedFace> {
    let engine = Arc::new(FaceEngine::load(EngineConfig::with_model_dir(models)).unwrap());
    let image = engine.decode(bytes).unwrap();
    let (detection, upright) = engine.detect(&image);
    detection
        .faces
        .iter()
        .map(|face| local_face(face, upright.width(), upright.height()))
        .collect()
}

fn local_face(detail: &FaceDetail, width: u32, height: u32) -> DetectedFace {
    let rect = &detail.bounding_box;
    let (w, h) = (f64::from(width), f64::from(height));
    let left = (rect.left as f64).clamp(0.0, w);
    let top = (rect.top as f64).clamp(0.0, h);
    let right = ((rect.right + 1) as f64).clamp(left, w);
    let bottom = ((rect.bottom + 1) as f64).clamp(top, h);
    DetectedFace {
        bounding_box: BoundingBox {
            left: (left / w) as f32,
            top: (top / h) as f32,
            width: ((right - left) / w) as f32,
            height: ((bottom - top) / h) as f32,
        },
        height_px: detail.size.height,
        confidence: detail.confidence.clamp(0.0, 100.0) as f32,
        pose: Pose {
            yaw: detail.pose.yaw as f32,
            pitch: detail.pose.pitch as f32,
            roll: detail.pose.roll as f32,
        },
        sharpness: riv_compat::riv_face_engine::measure::sharpness_score(detail.sharpness) as f32,
        brightness: detail.brightness.clamp(0.0, 100.0) as f32,
        eyes_occluded: (detail.eyes_occluded.score * 100.0).clamp(0.0, 100.0) as f32,
    }
}

/// A user id.
pub fn user(name: &str) -> UserId {
    UserId::parse(name).unwrap()
}

/// A similarity on the port's 0–100 scale.
pub fn similarity(value: f32) -> Similarity {
    Similarity::new(value).unwrap()
}

/// A picture without a face: a colour gradient.
pub fn faceless_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x * y) % 256) as u8])
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

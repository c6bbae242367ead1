//! A Rekognition-compatible endpoint over riv's local face engine.
//!
//! No emulator implements Rekognition, so riv serves the subset it uses —
//! `CreateCollection`, `DeleteCollection`, `DetectFaces`, `CompareFaces`,
//! `IndexFaces`, `SearchFacesByImage`, `SearchFaces`, `ListFaces`,
//! `DeleteFaces` — in Rekognition's own JSON protocol, and, when given a
//! document engine, Textract's `AnalyzeID` ([`textract`]), so an unmodified AWS
//! SDK client pointed at it (its endpoint URL) gets real answers computed on
//! this machine. Images come inline or, when the endpoint is given an S3
//! client, as `S3Object`s read from that S3 server. What differs from
//! Rekognition is in `docs/rekognition-endpoint.md`.
//!
//! Start with [`serve`] and [`CompatConfig`].
//!
//! Map of the modules:
//! - [`protocol`]: AWS JSON 1.1 — `X-Amz-Target` dispatch, bodies, errors.
//! - [`shapes`]: the request and response shapes, named as Rekognition names them.
//! - [`service`]: the operations.
//! - [`convert`]: the engine's measures on Rekognition's scales.
//! - [`quality`]: `QualityFilter`'s bars.
//! - [`images`]: image bytes, inline or from S3, with Rekognition's limits.
//! - [`validate`]: request fields checked as Rekognition checks them.
//! - [`store`]: the collections in SQLite, and in memory for exact search.
//! - [`textract`]: `AnalyzeID` over riv's document engine, and how it
//!   differs from Textract.
//! - [`error`]: Rekognition's error types, and why serving stops.

pub mod convert;
pub mod error;
pub mod images;
pub mod protocol;
pub mod quality;
pub mod service;
pub mod shapes;
pub mod store;
pub mod textract;
pub mod validate;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use riv_face_engine::{EngineConfig, FaceEngine};
use tokio::net::TcpListener;

/// The S3 SDK whose client [`CompatConfig::s3`] takes, for callers that do
/// not depend on it themselves.
pub use aws_sdk_s3;
pub use error::{ApiError, ErrorType, ServeError};
/// The document engine [`CompatConfig::documents`] takes.
pub use riv_document_engine;
/// The face engine whose settings [`CompatConfig::engine`] takes, for
/// callers that do not depend on it themselves.
pub use riv_face_engine;
pub use service::Service;
pub use textract::TextractService;

/// The `FaceModelVersion` reported: riv's engine, not one of Rekognition's
/// model versions (a client comparing it with `"7.0"` sees the difference).
pub const FACE_MODEL_VERSION: &str = "riv-dlib-resnet-1";

/// The database file's name in the data directory.
pub const DATABASE_FILE: &str = "collections.sqlite";

/// What the endpoint needs to start.
#[derive(Debug, Clone)]
pub struct CompatConfig {
    /// Where the collections persist ([`DATABASE_FILE`]); created if missing.
    pub data_dir: PathBuf,
    /// The face engine's models and settings.
    pub engine: EngineConfig,
    /// The region written into collection ARNs.
    pub region: String,
    /// The account id written into collection ARNs.
    pub account_id: String,
    /// The S3 server `Image.S3Object` images are read from; `None` refuses
    /// them (`InvalidParameterException`).
    pub s3: Option<aws_sdk_s3::Client>,
    /// The engine Textract's `AnalyzeID` reads documents with; `None`
    /// serves Rekognition only.
    pub documents: Option<Arc<riv_document_engine::DocumentEngine>>,
}

impl CompatConfig {
    /// A configuration with region `us-east-1`, account `000000000000`, no
    /// S3 server and no document engine.
    pub fn new(data_dir: impl Into<PathBuf>, engine: EngineConfig) -> Self {
        Self {
            data_dir: data_dir.into(),
            engine,
            region: "us-east-1".to_owned(),
            account_id: "000000000000".to_owned(),
            s3: None,
            documents: None,
        }
    }
}

/// Loads the engine, opens the collections and serves Rekognition's JSON
/// API (and Textract's `AnalyzeID` with [`CompatConfig::documents`]) on
/// `listener` until `shutdown` completes; requests in flight then finish
/// before this returns.
pub async fn serve<S>(
    config: CompatConfig,
    listener: TcpListener,
    shutdown: S,
) -> Result<(), ServeError>
where
    S: Future<Output = ()> + Send + 'static,
{
    let textract = config
        .documents
        .clone()
        .map(|engine| Arc::new(TextractService::new(engine, config.s3.clone())));
    let service = open(config).await?;
    let app = protocol::router_with(Arc::new(service), textract);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(ServeError::Http)
}

/// The service [`serve`] runs: the engine loaded and the collections opened.
pub async fn open(config: CompatConfig) -> Result<Service, ServeError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| ServeError::DataDir {
        path: config.data_dir.clone(),
        source,
    })?;
    let path = config.data_dir.join(DATABASE_FILE);
    let engine_config = config.engine.clone();
    let db_path = path.clone();
    let (engine, collections) = tokio::task::spawn_blocking(move || {
        let engine = FaceEngine::load(engine_config).map_err(ServeError::Engine)?;
        let collections =
            store::Collections::open(&db_path).map_err(|source| ServeError::Store {
                path: db_path,
                source,
            })?;
        Ok::<_, ServeError>((engine, collections))
    })
    .await??;
    tracing::info!(
        database = %path.display(),
        "Rekognition-compatible endpoint ready"
    );
    Ok(Service::new(
        Arc::new(engine),
        collections,
        &config.region,
        &config.account_id,
    )
    .with_s3(config.s3))
}

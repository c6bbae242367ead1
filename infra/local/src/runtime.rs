//! `riv run`'s composition root below the command line: opens the data
//! directory, builds every adapter once, starts one worker set per stage,
//! the dead-letter handlers, the outcome subscribers and the HTTP API, and
//! stops them all gracefully on cancellation.
//!
//! Layout of the data directory:
//! - `objects/`: the bucket;
//! - `riv.db`: queues, idempotency records, profiles, outcomes (SQLite, WAL);
//! - `faces.db`: the face collection;
//! - `outcomes.jsonl`: every outcome, one JSON object per line.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use riv_consumers::ports::{Ports, SystemClock};
use riv_consumers::{Pipeline, PortError};
use riv_document_engine::DocumentEngine;
use riv_document_engine::models::OcrModelDir;
use riv_events::Stage;
use riv_face_engine::FaceEngine;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::info;

use crate::bus::LocalBus;
use crate::config::LocalConfig;
use crate::db::{Db, DbError};
use crate::documents::LocalDocuments;
use crate::faces::LocalFaces;
use crate::http::{ApiState, router};
use crate::idempotency::SqliteIdempotency;
use crate::objects::FsObjectStore;
use crate::outcomes::OutcomeLog;
use crate::profiles::SqliteProfiles;
use crate::queue::{LocalQueues, QueueConfig, QueuePolicy};
use crate::subscribers::{dispatch, register_webhook_queue, webhook_worker};
use crate::worker::{PollSettings, dead_letter_queue, dead_letter_worker, stage_worker};

/// The stages the embedded mode runs a consumer for.
pub const STAGES: [Stage; 8] = [
    Stage::Intake,
    Stage::Quality,
    Stage::IdMatch,
    Stage::DuplicateSearch,
    Stage::FaceMatch,
    Stage::Index,
    Stage::ProfileWrite,
    Stage::Rollback,
];

/// Why the embedded pipeline could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The settings are invalid.
    #[error(transparent)]
    Config(#[from] crate::config::LocalConfigError),
    /// The data directory could not be prepared.
    #[error("data directory {path}: {source}")]
    DataDir {
        /// Where.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database could not be opened.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The face engine could not load its models.
    #[error(transparent)]
    Engine(#[from] riv_face_engine::LoadError),
    /// The OCR models could not be loaded.
    #[error("document OCR: {0}")]
    Ocr(#[from] riv_document_engine::ocr::OcrError),
    /// The face collection could not be opened.
    #[error("face collection: {0}")]
    Faces(PortError),
    /// The HTTP address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A started pipeline.
#[derive(Debug)]
pub struct Running {
    /// Where the HTTP API listens (the real port when 0 was asked for).
    pub addr: SocketAddr,
    /// Every task; wait on it after cancelling.
    pub tracker: TaskTracker,
    /// The domain, for in-process callers (tests).
    pub pipeline: Arc<Pipeline>,
}

impl Running {
    /// Waits until every task has stopped (after the shutdown token fired).
    pub async fn stopped(self) {
        self.tracker.close();
        self.tracker.wait().await;
    }
}

/// The document engine: barcodes, and the MRZ and printed labels when
/// `documents.ocr` is on (its models loaded from the face models' folder).
async fn document_engine(config: &LocalConfig) -> Result<DocumentEngine, StartError> {
    if !config.file.documents.ocr {
        tracing::info!("documents.ocr is off: identity documents are read from their barcode only");
        return Ok(DocumentEngine::new(None));
    }
    let dir = OcrModelDir::new(&config.engine.model_dir);
    let engine = tokio::task::spawn_blocking(move || DocumentEngine::with_ocr_models(&dir))
        .await
        .map_err(|err| StartError::DataDir {
            path: config.engine.model_dir.clone(),
            source: std::io::Error::other(err),
        })??;
    Ok(engine)
}

/// Starts everything; stops when `shutdown` is cancelled.
pub async fn start(
    config: LocalConfig,
    shutdown: CancellationToken,
) -> Result<Running, StartError> {
    config.validate()?;
    let dir = &config.data_dir;
    let data_dir_error = |source| StartError::DataDir {
        path: dir.clone(),
        source,
    };
    std::fs::create_dir_all(dir.join("objects")).map_err(data_dir_error)?;
    let file = &config.file;

    let clock = Arc::new(SystemClock);
    let db = Db::open(dir.join("riv.db"))?;
    let objects = FsObjectStore::new(dir.join("objects"))
        .map_err(data_dir_error)?
        .with_max_object_bytes(file.objects.max_object_bytes as u64);
    let engine = Arc::new(
        tokio::task::spawn_blocking({
            let engine_config = config.engine.clone();
            move || FaceEngine::load(engine_config)
        })
        .await
        .map_err(|err| StartError::DataDir {
            path: dir.clone(),
            source: std::io::Error::other(err),
        })??,
    );
    let faces = LocalFaces::open(engine, Arc::new(objects.clone()), dir.join("faces.db"))
        .await
        .map_err(StartError::Faces)?;
    // Sends wake waiting receivers at once; the poll only notices delayed
    // messages and expired visibility timeouts, so it can be slow and cheap.
    let queue_config = QueueConfig {
        poll_interval: Duration::from_millis(500),
        ..QueueConfig::default()
    };
    let queues = LocalQueues::with_config(db.clone(), clock.clone(), queue_config);
    for stage in STAGES {
        queues.register(
            stage.as_str(),
            QueuePolicy {
                max_receives: file.queues.max_receives,
                dead_letter_queue: dead_letter_queue(stage.as_str()),
            },
        )?;
    }
    register_webhook_queue(&queues, file.outcomes.webhook_max_receives)?;
    let outcomes = OutcomeLog::open(db.clone()).await?;
    let idempotency = Arc::new(SqliteIdempotency::new(db.clone(), clock.clone()));
    let documents = LocalDocuments::new(
        Arc::new(document_engine(&config).await?),
        faces.clone(),
        Arc::new(objects.clone()),
    );
    let faces = Arc::new(faces);
    let ports = Ports {
        objects: Arc::new(objects.clone()),
        analyzer: faces.clone(),
        documents: Some(Arc::new(documents)),
        collection: faces,
        profiles: Arc::new(SqliteProfiles::new(db.clone())),
        idempotency: idempotency.clone(),
        publisher: Arc::new(LocalBus::new(queues.clone(), outcomes.clone())),
        clock,
    };
    let pipeline = Arc::new(Pipeline::new(ports, Arc::new(file.pipeline.clone())));

    let tracker = TaskTracker::new();
    let poll = PollSettings {
        visibility: Duration::from_secs(file.queues.visibility_timeout_secs),
        wait: Duration::from_millis(file.queues.poll_wait_ms),
    };
    for stage in STAGES {
        for _ in 0..file.queues.workers_per_stage {
            tracker.spawn(stage_worker(
                stage,
                pipeline.clone(),
                queues.clone(),
                poll,
                shutdown.clone(),
            ));
        }
        tracker.spawn(dead_letter_worker(
            stage,
            pipeline.clone(),
            queues.clone(),
            poll,
            shutdown.clone(),
        ));
    }
    tracker.spawn(purge_expired_records(idempotency, shutdown.clone()));
    let jsonl = file.outcomes.jsonl.then(|| dir.join("outcomes.jsonl"));
    tracker.spawn(dispatch(
        outcomes.clone(),
        queues.clone(),
        jsonl,
        file.outcomes.webhooks.clone(),
        shutdown.clone(),
    ));
    if !file.outcomes.webhooks.is_empty() {
        let timeout = Duration::from_secs(file.outcomes.webhook_timeout_secs);
        tracker.spawn(webhook_worker(queues.clone(), timeout, shutdown.clone()));
    }

    let state = ApiState {
        pipeline: pipeline.clone(),
        objects,
        outcomes,
        queues,
        max_object_bytes: file.objects.max_object_bytes,
        bucket: file.objects.bucket.clone(),
        shutdown: shutdown.clone(),
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Listen {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Listen {
        addr: config.listen,
        source,
    })?;
    let app = router(state);
    let http_shutdown = shutdown.clone();
    tracker.spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { http_shutdown.cancelled().await })
            .await;
        if let Err(err) = served {
            tracing::error!(error = %err, "HTTP server stopped");
        }
    });
    info!(%addr, data_dir = %dir.display(), "riv is running");
    Ok(Running {
        addr,
        tracker,
        pipeline,
    })
}

/// Deletes idempotency records past their time to live, hourly.
async fn purge_expired_records(records: Arc<SqliteIdempotency>, shutdown: CancellationToken) {
    loop {
        match records.purge_expired().await {
            Ok(0) => {}
            Ok(purged) => info!(purged, "expired idempotency records purged"),
            Err(err) => tracing::warn!(error = %err, "purging idempotency records failed"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(3600)) => {}
        }
    }
}

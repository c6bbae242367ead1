//! The embedded mode's settings: one typed struct, read once from an
//! optional TOML file and the command line, validated, passed down. Every
//! key is documented in docs/configuration.md (a test keeps it so).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use riv_consumers::PipelineConfig;
use riv_face_engine::EngineConfig;
use serde::{Deserialize, Serialize};

/// Why the settings were refused.
#[derive(Debug, thiserror::Error)]
pub enum LocalConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for these settings.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        source: toml::de::Error,
    },
    /// A value is out of range.
    #[error("config key {key}: {why}")]
    Invalid {
        /// The dotted key.
        key: String,
        /// Why.
        why: String,
    },
}

/// The file's shape (`riv.toml`): everything but the face engine, which the
/// command line configures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocalFileConfig {
    /// The domain's thresholds and delivery settings.
    pub pipeline: PipelineConfig,
    /// Queues and workers.
    pub queues: QueueSettings,
    /// Outcome subscribers.
    pub outcomes: OutcomeSettings,
    /// The object store.
    pub objects: ObjectSettings,
    /// The document reader (register-idcard).
    pub documents: DocumentSettings,
}

/// Queues and workers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueSettings {
    /// A received message stays invisible this long, seconds; longer than
    /// any stage's worst case and than `pipeline.delivery.lease_secs`.
    pub visibility_timeout_secs: u64,
    /// Receives before a message goes to its dead-letter queue.
    pub max_receives: u32,
    /// Concurrent workers per stage queue.
    pub workers_per_stage: usize,
    /// Long-poll wait of a worker's receive, milliseconds.
    pub poll_wait_ms: u64,
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self {
            visibility_timeout_secs: 120,
            max_receives: 5,
            workers_per_stage: 2,
            poll_wait_ms: 1000,
        }
    }
}

/// Outcome subscribers besides the HTTP stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutcomeSettings {
    /// Append every outcome to `outcomes.jsonl` in the data directory.
    pub jsonl: bool,
    /// URLs each outcome is POSTed to.
    pub webhooks: Vec<String>,
    /// Timeout of one webhook call, seconds.
    pub webhook_timeout_secs: u64,
    /// Webhook attempts before the call is dead-lettered.
    pub webhook_max_receives: u32,
}

impl Default for OutcomeSettings {
    fn default() -> Self {
        Self {
            jsonl: true,
            webhooks: Vec::new(),
            webhook_timeout_secs: 10,
            webhook_max_receives: 8,
        }
    }
}

/// The object store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObjectSettings {
    /// The largest object accepted, bytes.
    pub max_object_bytes: usize,
    /// The bucket name notifications carry.
    pub bucket: String,
}

impl Default for ObjectSettings {
    fn default() -> Self {
        Self {
            max_object_bytes: 16 * 1024 * 1024,
            bucket: "riv-local".into(),
        }
    }
}

/// The document reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentSettings {
    /// Read the MRZ and printed labels with the OCR models (installed by
    /// `riv models fetch` beside the face models); `false` reads PDF417
    /// barcodes only.
    pub ocr: bool,
}

impl Default for DocumentSettings {
    fn default() -> Self {
        Self { ocr: true }
    }
}

/// Everything `riv run` needs.
#[derive(Debug, Clone)]
pub struct LocalConfig {
    /// Where objects, the database and outcomes.jsonl live.
    pub data_dir: PathBuf,
    /// The HTTP API's address (port 0 picks a free port).
    pub listen: SocketAddr,
    /// The file's settings.
    pub file: LocalFileConfig,
    /// The face engine's settings.
    pub engine: EngineConfig,
}

impl LocalFileConfig {
    /// Reads a TOML file.
    pub fn read(path: &Path) -> Result<Self, LocalConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| LocalConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| LocalConfigError::Parse {
            path: path.to_owned(),
            source,
        })
    }
}

impl LocalConfig {
    /// Checks every value once.
    pub fn validate(&self) -> Result<(), LocalConfigError> {
        let invalid = |key: &str, why: String| LocalConfigError::Invalid {
            key: key.to_owned(),
            why,
        };
        self.file
            .pipeline
            .validate()
            .map_err(|err| invalid(&format!("pipeline.{}", err.key), err.why))?;
        let q = &self.file.queues;
        if q.visibility_timeout_secs <= self.file.pipeline.delivery.lease_secs {
            return Err(invalid(
                "queues.visibility_timeout_secs",
                format!(
                    "{} must exceed pipeline.delivery.lease_secs ({})",
                    q.visibility_timeout_secs, self.file.pipeline.delivery.lease_secs
                ),
            ));
        }
        let o = &self.file.outcomes;
        for (key, value) in [
            ("queues.max_receives", u64::from(q.max_receives)),
            ("queues.workers_per_stage", q.workers_per_stage as u64),
            ("queues.poll_wait_ms", q.poll_wait_ms),
            ("outcomes.webhook_timeout_secs", o.webhook_timeout_secs),
            (
                "outcomes.webhook_max_receives",
                u64::from(o.webhook_max_receives),
            ),
        ] {
            if value == 0 {
                return Err(invalid(key, "must be positive".into()));
            }
        }
        if self.file.objects.bucket.is_empty() {
            return Err(invalid("objects.bucket", "must not be empty".into()));
        }
        for url in &self.file.outcomes.webhooks {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(invalid(
                    "outcomes.webhooks",
                    format!("{url} is not an http(s) URL"),
                ));
            }
        }
        if self.file.objects.max_object_bytes == 0 {
            return Err(invalid(
                "objects.max_object_bytes",
                "must be positive".into(),
            ));
        }
        self.engine
            .validate()
            .map_err(|err| invalid("engine", err.to_string()))?;
        Ok(())
    }
}

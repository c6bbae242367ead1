//! The settings of one riv process on AWS (a Lambda function or a worker),
//! read once from `RIV_*` variables by `main`, validated, passed down.
//!
//! The CDK app sets these on every function (docs/deploy.md); a worker
//! takes the same variables. Resources a stage does not use are optional:
//! a port whose resource is not named refuses permanently, naming the
//! variable, so a missing permission or variable shows up as a `failed`
//! outcome with a clear message instead of a silent gap.

pub use riv_aws::rekognition::ImageSource;
use riv_consumers::config::{ConfigError, PipelineConfig};

/// Why the settings were refused.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A required variable is absent or empty.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// A variable has a value riv cannot use.
    #[error("{name}: {why}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        why: String,
    },
    /// The pipeline configuration in `RIV_PIPELINE_CONFIG` is invalid.
    #[error("RIV_PIPELINE_CONFIG: {0}")]
    Pipeline(#[from] ConfigError),
}

/// Everything one process on AWS is configured with.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsSettings {
    /// `RIV_ENV`: the environment's name (`prod`, `dev`), for logs.
    pub env: String,
    /// `RIV_BUCKET`: where requests' objects live.
    pub bucket: String,
    /// `RIV_EVENT_BUS`: the pipeline's EventBridge bus.
    pub event_bus: String,
    /// `RIV_EVENT_SOURCE`: the `Source` of pipeline events (`riv.pipeline`).
    pub event_source: String,
    /// `RIV_OUTCOMES_TOPIC_ARN`: where outcomes go.
    pub outcomes_topic_arn: String,
    /// `RIV_ROLLBACK_TOPIC_ARN`: where rollback commands go.
    pub rollback_topic_arn: String,
    /// `RIV_IDEMPOTENCY_TABLE`: processed-message records.
    pub idempotency_table: String,
    /// `RIV_PROFILES_TABLE`: profiles (stages that read or write them).
    pub profiles_table: Option<String>,
    /// `RIV_FACES_TABLE`: the collection's face records (stages that search or index).
    pub faces_table: Option<String>,
    /// `RIV_COLLECTION_ID`: the Rekognition collection.
    pub collection_id: Option<String>,
    /// `RIV_REKOGNITION_IMAGES`: `s3_object` (default) or `bytes`.
    pub image_source: ImageSource,
    /// `RIV_DEAD_LETTER_QUEUE_URL`: the function's own dead-letter queue, for
    /// messages the driver can never process.
    pub dead_letter_queue_url: Option<String>,
    /// `RIV_PARKED_QUEUE_URL`: where handled dead letters rest.
    pub parked_queue_url: Option<String>,
    /// `RIV_QUEUE_PREFIX`: queue names are `{prefix}-{stage}` and
    /// `{prefix}-{stage}-dlq` (the dead-letter function and workers find
    /// queues by it).
    pub queue_prefix: Option<String>,
    /// `RIV_PIPELINE_CONFIG`: the stages' thresholds, as JSON (docs/configuration.md);
    /// defaults when unset.
    pub pipeline: PipelineConfig,
}

impl AwsSettings {
    /// Reads the settings through `var` (in `main`: `std::env::var(name).ok()`)
    /// and validates them.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let optional = |name: &'static str| var(name).filter(|v| !v.trim().is_empty());
        let required = |name: &'static str| optional(name).ok_or(SettingsError::Missing(name));
        let image_source = match optional("RIV_REKOGNITION_IMAGES").as_deref() {
            None | Some("s3_object") => ImageSource::S3Object,
            Some("bytes") => ImageSource::Bytes,
            Some(other) => {
                return Err(SettingsError::Invalid {
                    name: "RIV_REKOGNITION_IMAGES",
                    why: format!("{other:?} is neither s3_object nor bytes"),
                });
            }
        };
        let pipeline = match optional("RIV_PIPELINE_CONFIG") {
            None => PipelineConfig::default(),
            Some(json) => serde_json::from_str(&json).map_err(|err| SettingsError::Invalid {
                name: "RIV_PIPELINE_CONFIG",
                why: err.to_string(),
            })?,
        };
        pipeline.validate()?;
        let settings = Self {
            env: optional("RIV_ENV").unwrap_or_else(|| "dev".into()),
            bucket: required("RIV_BUCKET")?,
            event_bus: required("RIV_EVENT_BUS")?,
            event_source: optional("RIV_EVENT_SOURCE").unwrap_or_else(|| "riv.pipeline".into()),
            outcomes_topic_arn: required("RIV_OUTCOMES_TOPIC_ARN")?,
            rollback_topic_arn: required("RIV_ROLLBACK_TOPIC_ARN")?,
            idempotency_table: required("RIV_IDEMPOTENCY_TABLE")?,
            profiles_table: optional("RIV_PROFILES_TABLE"),
            faces_table: optional("RIV_FACES_TABLE"),
            collection_id: optional("RIV_COLLECTION_ID"),
            image_source,
            dead_letter_queue_url: optional("RIV_DEAD_LETTER_QUEUE_URL"),
            parked_queue_url: optional("RIV_PARKED_QUEUE_URL"),
            queue_prefix: optional("RIV_QUEUE_PREFIX"),
            pipeline,
        };
        for (name, arn) in [
            ("RIV_OUTCOMES_TOPIC_ARN", &settings.outcomes_topic_arn),
            ("RIV_ROLLBACK_TOPIC_ARN", &settings.rollback_topic_arn),
        ] {
            if !arn.starts_with("arn:") {
                return Err(SettingsError::Invalid {
                    name,
                    why: format!("{arn:?} is not an ARN"),
                });
            }
        }
        Ok(settings)
    }

    /// The variable names [`Self::from_vars`] reads, for docs and tests.
    pub const VARIABLES: [&'static str; 16] = [
        "RIV_ENV",
        "RIV_BUCKET",
        "RIV_EVENT_BUS",
        "RIV_EVENT_SOURCE",
        "RIV_OUTCOMES_TOPIC_ARN",
        "RIV_ROLLBACK_TOPIC_ARN",
        "RIV_IDEMPOTENCY_TABLE",
        "RIV_PROFILES_TABLE",
        "RIV_FACES_TABLE",
        "RIV_COLLECTION_ID",
        "RIV_REKOGNITION_IMAGES",
        "RIV_DEAD_LETTER_QUEUE_URL",
        "RIV_PARKED_QUEUE_URL",
        "RIV_QUEUE_PREFIX",
        "RIV_PIPELINE_CONFIG",
        "RIV_STAGE",
    ];
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const BASE: [(&str, &str); 5] = [
        ("RIV_BUCKET", "riv-dev-bucket"),
        ("RIV_EVENT_BUS", "riv-dev"),
        (
            "RIV_OUTCOMES_TOPIC_ARN",
            "arn:aws:sns:eu-west-1:1:riv-dev-outcomes",
        ),
        (
            "RIV_ROLLBACK_TOPIC_ARN",
            "arn:aws:sns:eu-west-1:1:riv-dev-rollback",
        ),
        ("RIV_IDEMPOTENCY_TABLE", "riv-dev-idempotency"),
    ];

    #[test]
    fn the_deployment_variables_are_enough() {
        let settings = AwsSettings::from_vars(vars(&BASE)).unwrap();
        assert_eq!(settings.event_source, "riv.pipeline");
        assert_eq!(settings.image_source, ImageSource::S3Object);
        assert_eq!(settings.pipeline, PipelineConfig::default());
        assert_eq!(settings.profiles_table, None);
    }

    #[test]
    fn a_missing_variable_is_named() {
        let err = AwsSettings::from_vars(vars(&BASE[1..])).unwrap_err();
        assert_eq!(err.to_string(), "RIV_BUCKET is not set");
    }

    #[test]
    fn pipeline_overrides_are_validated_with_their_key() {
        let mut pairs = BASE.to_vec();
        pairs.push((
            "RIV_PIPELINE_CONFIG",
            r#"{"duplicate_search":{"threshold":0.95}}"#,
        ));
        let err = AwsSettings::from_vars(vars(&pairs)).unwrap_err();
        assert!(
            err.to_string().contains("duplicate_search.threshold"),
            "{err}"
        );
        pairs.pop();
        pairs.push((
            "RIV_PIPELINE_CONFIG",
            r#"{"duplicate_search":{"threshold":97}}"#,
        ));
        let settings = AwsSettings::from_vars(vars(&pairs)).unwrap();
        assert_eq!(settings.pipeline.duplicate_search.threshold, 97.0);
    }

    #[test]
    fn bad_values_are_refused() {
        let mut pairs = BASE.to_vec();
        pairs.push(("RIV_REKOGNITION_IMAGES", "inline"));
        assert!(AwsSettings::from_vars(vars(&pairs)).is_err());
        let mut pairs = BASE.to_vec();
        pairs[2] = ("RIV_OUTCOMES_TOPIC_ARN", "riv-dev-outcomes");
        assert!(AwsSettings::from_vars(vars(&pairs)).is_err());
        let mut pairs = BASE.to_vec();
        pairs.push(("RIV_PIPELINE_CONFIG", r#"{"nonsense":1}"#));
        assert!(AwsSettings::from_vars(vars(&pairs)).is_err());
    }
}

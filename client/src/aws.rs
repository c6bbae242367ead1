//! [`AwsClient`]: the test client against an AWS deployment. Requests go up
//! to the deployment's bucket (images first, the manifest last, as apps do);
//! outcomes come back through the client's own temporary subscription to
//! the outcomes topic (the `outcomes` module).
//!
//! The SDK configuration (credentials, region, endpoint) is loaded by the
//! caller and handed in: nothing here reads the environment.

mod outcomes;
mod sdk_error;
mod waiters;

use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_s3::primitives::ByteStream;
use riv_events::ObjectKey;
use riv_events::manifest::RequestManifest;
use riv_events::outcome::OutcomeEnvelope;

/// The SDK configuration crate, so that callers load the [`SdkConfig`]
/// they hand to [`AwsClient::connect`] with the version this crate uses.
pub use aws_config;
pub use outcomes::QUEUE_PREFIX;

use crate::picture::manifest_object;
use crate::transport::Transport;
use crate::{ClientError, PreparedRequest};
use outcomes::OutcomeSubscription;
use sdk_error::client_error;

/// Where a deployment takes requests and publishes outcomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsTarget {
    /// The deployment's bucket (the stack's `BucketName` output).
    pub bucket: String,
    /// The outcomes topic (the stack's `OutcomesTopicArn` output).
    pub outcomes_topic_arn: String,
    /// Address objects as `endpoint/bucket/key` rather than by a virtual
    /// host per bucket: what S3 emulators behind an endpoint override need.
    pub path_style: bool,
}

/// A client of one AWS deployment, subscribed to its outcomes until
/// [`AwsClient::close`]. One client serves many requests at once.
#[derive(Debug)]
pub struct AwsClient {
    s3: aws_sdk_s3::Client,
    /// The deployment's bucket.
    bucket: String,
    /// The temporary queue the outcomes arrive in.
    outcomes: OutcomeSubscription,
}

impl AwsClient {
    /// Subscribes a new temporary queue to the outcomes topic, with the
    /// credentials, region and endpoint of `sdk`. Call [`AwsClient::close`]
    /// when done, also after errors, to remove the queue and subscription.
    pub async fn connect(sdk: &SdkConfig, target: AwsTarget) -> Result<Self, ClientError> {
        let s3_config = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(target.path_style)
            .build();
        let outcomes = OutcomeSubscription::open(
            aws_sdk_sqs::Client::new(sdk),
            aws_sdk_sns::Client::new(sdk),
            &target.outcomes_topic_arn,
        )
        .await?;
        Ok(Self {
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            bucket: target.bucket,
            outcomes,
        })
    }

    /// The bucket requests go to.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The temporary queue's URL (its name starts with [`QUEUE_PREFIX`]).
    pub fn queue_url(&self) -> &str {
        self.outcomes.queue_url()
    }

    /// The temporary subscription's ARN.
    pub fn subscription_arn(&self) -> Option<&str> {
        self.outcomes.subscription_arn()
    }

    /// Uploads one object to the bucket.
    pub async fn put_object(&self, key: &ObjectKey, bytes: Vec<u8>) -> Result<(), ClientError> {
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type(key))
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|err| client_error(format!("S3 PutObject s3://{}/{key}", self.bucket), err))?;
        Ok(())
    }

    /// Uploads a request: every image first, the manifest last (its arrival
    /// starts the request).
    pub async fn submit(
        &self,
        manifest: &RequestManifest,
        images: Vec<(ObjectKey, Vec<u8>)>,
    ) -> Result<(), ClientError> {
        let (key, body) = manifest_object(manifest)?;
        for (image_key, bytes) in images {
            self.put_object(&image_key, bytes).await?;
        }
        self.put_object(&key, body).await
    }

    /// Unsubscribes and deletes the temporary queue; outcomes that arrive
    /// later are not kept anywhere.
    pub async fn close(mut self) -> Result<(), ClientError> {
        self.outcomes.close().await
    }
}

impl Transport for AwsClient {
    async fn run(
        &self,
        request: PreparedRequest,
        timeout: Duration,
    ) -> Result<OutcomeEnvelope, ClientError> {
        let PreparedRequest { manifest, images } = request;
        // Waiting starts before the manifest goes up: its outcome may come
        // back before the upload call returns.
        let waiter = self
            .outcomes
            .waiters()
            .register(manifest.request_id.clone());
        self.submit(&manifest, images).await?;
        waiter.wait(timeout).await
    }
}

/// The content type an object is stored with, from its key's extension.
fn content_type(key: &ObjectKey) -> &'static str {
    match key.as_str().rsplit_once('.').map(|(_, ext)| ext) {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

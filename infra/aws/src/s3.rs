//! The bucket over S3: [`ObjectStore`] with `GetObject`, `PutObject`,
//! `DeleteObject` and `HeadObject`. A missing key reads as `None` (not an
//! error), as the port wants; deleting a missing key succeeds, as S3 does.

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use riv_consumers::PortError;
use riv_consumers::ports::ObjectStore;
use riv_events::ObjectKey;

use crate::error::port_error;

/// One bucket.
#[derive(Debug, Clone)]
pub struct S3ObjectStore {
    /// The client, built once by the composition root.
    client: Client,
    /// The bucket's name.
    bucket: String,
}

impl S3ObjectStore {
    /// The bucket `bucket` through `client`.
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }
}

#[async_trait]
impl ObjectStore for S3ObjectStore {
    async fn get(&self, key: &ObjectKey) -> Result<Option<Vec<u8>>, PortError> {
        let sent = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await;
        let output = match sent {
            Ok(output) => output,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                return Ok(None);
            }
            Err(err) => {
                return Err(port_error(
                    format!("reading s3://{}/{key}", self.bucket),
                    err,
                ));
            }
        };
        let bytes = output.body.collect().await.map_err(|err| {
            PortError::retryable(format!("reading the body of s3://{}/{key}", self.bucket))
                .with_source(err)
        })?;
        Ok(Some(bytes.into_bytes().to_vec()))
    }

    async fn put(&self, key: &ObjectKey, bytes: Vec<u8>) -> Result<(), PortError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|err| port_error(format!("writing s3://{}/{key}", self.bucket), err))?;
        Ok(())
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), PortError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(|err| port_error(format!("deleting s3://{}/{key}", self.bucket), err))?;
        Ok(())
    }

    async fn exists(&self, key: &ObjectKey) -> Result<bool, PortError> {
        let sent = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            // HEAD has no body, so a missing key shows only as NotFound / 404.
            Err(err)
                if err.as_service_error().is_some_and(|e| e.is_not_found())
                    || err.code() == Some("NotFound") =>
            {
                Ok(false)
            }
            Err(err) => Err(port_error(
                format!("checking s3://{}/{key}", self.bucket),
                err,
            )),
        }
    }
}

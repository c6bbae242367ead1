//! The bucket over S3: [`ObjectStore`] with `GetObject`, `PutObject`,
//! `DeleteObject` and `HeadObject`. A missing key reads as `None` (not an
//! error), as the port wants; deleting a missing key succeeds, as S3 does.
//! Objects from [`MULTIPART_THRESHOLD`] up are uploaded in parts (aborted
//! on failure, so no parts are left behind); [`S3ObjectStore::get_range`]
//! reads part of an object.

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
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

    /// Bytes `start..end` of an object (`end` exclusive, clipped to the
    /// object), or `None` if there is no such object.
    pub async fn get_range(
        &self,
        key: &ObjectKey,
        start: u64,
        end: u64,
    ) -> Result<Option<Vec<u8>>, PortError> {
        if end <= start {
            return Ok(Some(Vec::new()));
        }
        self.read(key, Some(format!("bytes={start}-{}", end - 1)))
            .await
    }

    /// `GetObject`, whole or for an HTTP byte range; `None` if there is no
    /// such object.
    async fn read(
        &self,
        key: &ObjectKey,
        range: Option<String>,
    ) -> Result<Option<Vec<u8>>, PortError> {
        let sent = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .set_range(range)
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

    /// Uploads in parts of [`PART_SIZE`]; aborts the upload on any failure.
    async fn put_multipart(&self, key: &ObjectKey, bytes: Vec<u8>) -> Result<(), PortError> {
        let context = |what: &str| format!("{what} s3://{}/{key}", self.bucket);
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(|err| port_error(context("starting a multipart upload of"), err))?;
        let upload_id = created
            .upload_id()
            .ok_or_else(|| PortError::permanent(context("no upload id for")))?
            .to_owned();
        let uploaded = self.upload_parts(key, &upload_id, &bytes).await;
        let parts = match uploaded {
            Ok(parts) => parts,
            Err(err) => {
                let _ = self
                    .client
                    .abort_multipart_upload()
                    .bucket(&self.bucket)
                    .key(key.as_str())
                    .upload_id(&upload_id)
                    .send()
                    .await;
                return Err(err);
            }
        };
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(&upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|err| port_error(context("completing a multipart upload of"), err))?;
        Ok(())
    }

    async fn upload_parts(
        &self,
        key: &ObjectKey,
        upload_id: &str,
        bytes: &[u8],
    ) -> Result<Vec<CompletedPart>, PortError> {
        let mut parts = Vec::new();
        for (index, chunk) in bytes.chunks(PART_SIZE).enumerate() {
            let number = i32::try_from(index + 1)
                .map_err(|_| PortError::permanent("an object of more than 10,000 parts"))?;
            let part = self
                .client
                .upload_part()
                .bucket(&self.bucket)
                .key(key.as_str())
                .upload_id(upload_id)
                .part_number(number)
                .body(ByteStream::from(chunk.to_vec()))
                .send()
                .await
                .map_err(|err| {
                    port_error(
                        format!("uploading part {number} of s3://{}/{key}", self.bucket),
                        err,
                    )
                })?;
            parts.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(part.e_tag().map(str::to_owned))
                    .build(),
            );
        }
        Ok(parts)
    }
}

/// Objects this large or larger are uploaded in parts.
pub const MULTIPART_THRESHOLD: usize = 8 * 1024 * 1024;
/// The size of each part but the last (S3's minimum is 5 MiB).
pub const PART_SIZE: usize = 5 * 1024 * 1024;

#[async_trait]
impl ObjectStore for S3ObjectStore {
    async fn get(&self, key: &ObjectKey) -> Result<Option<Vec<u8>>, PortError> {
        self.read(key, None).await
    }

    async fn put(&self, key: &ObjectKey, bytes: Vec<u8>) -> Result<(), PortError> {
        if bytes.len() >= MULTIPART_THRESHOLD {
            return self.put_multipart(key, bytes).await;
        }
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

//! Where an image's bytes come from: `Image.Bytes` (base64, at most
//! [`MAX_IMAGE_BYTES`]) or `Image.S3Object`, read from the S3 server the
//! endpoint was given (at most [`MAX_S3_IMAGE_BYTES`]), with the errors
//! Rekognition gives for each. Without an S3 client, `S3Object` is refused.

use aws_sdk_s3::error::ProvideErrorMetadata;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use crate::error::{ApiError, ErrorType};

/// Rekognition's limit for inline image bytes (5 MB).
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;

/// Rekognition's limit for an image read from S3 (15 MB).
pub const MAX_S3_IMAGE_BYTES: usize = 15 * 1024 * 1024;

/// An image: inline `Bytes` (base64 in JSON), or an `S3Object`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Image {
    /// Base64 of the image file's bytes.
    pub bytes: Option<String>,
    /// An object of the S3 server the endpoint reads from.
    #[serde(rename = "S3Object")]
    pub s3_object: Option<S3Object>,
}

/// `Image.S3Object`: which object, and optionally which version of it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3Object {
    /// The bucket.
    pub bucket: Option<String>,
    /// The object's key.
    pub name: Option<String>,
    /// The object's version, when the bucket is versioned.
    pub version: Option<String>,
}

/// Reads images for the operations: inline bytes always, S3 objects when
/// the endpoint was given an S3 client.
#[derive(Debug, Clone, Default)]
pub struct ImageReader {
    /// The S3 server `S3Object` images are read from; `None` refuses them.
    s3: Option<aws_sdk_s3::Client>,
}

impl ImageReader {
    /// A reader that reads `S3Object` images through `s3`, or refuses them
    /// when `None`.
    pub fn new(s3: Option<aws_sdk_s3::Client>) -> Self {
        Self { s3 }
    }

    /// The bytes of the image in the request field `name` (e.g.
    /// `SourceImage`).
    pub async fn bytes(&self, image: Option<Image>, name: &str) -> Result<Vec<u8>, ApiError> {
        let image = image.ok_or_else(|| ApiError::invalid(format!("{name} is required")))?;
        match (image.bytes, image.s3_object) {
            (Some(_), Some(_)) => Err(ApiError::invalid(format!(
                "Requested image should either contain bytes or s3 object, not both: {name} has both"
            ))),
            (Some(encoded), None) => inline_bytes(&encoded, name),
            (None, Some(object)) => match &self.s3 {
                Some(client) => s3_bytes(client, object, name).await,
                None => Err(ApiError::invalid(format!(
                    "{name}.S3Object is not supported by this endpoint (it was started without an S3 endpoint): send the image inline as {name}.Bytes"
                ))),
            },
            (None, None) => Err(ApiError::invalid(format!(
                "Requested image should either contain bytes or s3 object: {name} has neither"
            ))),
        }
    }
}

/// Decodes `Image.Bytes`.
pub fn inline_bytes(encoded: &str, name: &str) -> Result<Vec<u8>, ApiError> {
    // Base64 grows by 4/3: refuse before decoding what cannot fit.
    if encoded.len() / 4 * 3 > MAX_IMAGE_BYTES + 3 {
        return Err(too_large("inline image bytes", MAX_IMAGE_BYTES));
    }
    let bytes = STANDARD
        .decode(encoded.trim())
        .map_err(|e| ApiError::invalid(format!("{name}.Bytes is not valid base64: {e}")))?;
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(too_large("inline image bytes", MAX_IMAGE_BYTES));
    }
    not_empty(bytes)
}

/// Reads `Image.S3Object` through `client`.
async fn s3_bytes(
    client: &aws_sdk_s3::Client,
    object: S3Object,
    name: &str,
) -> Result<Vec<u8>, ApiError> {
    let (Some(bucket), Some(key)) = (object.bucket, object.name) else {
        return Err(ApiError::new(
            ErrorType::InvalidS3Object,
            format!("{name}.S3Object needs both Bucket and Name"),
        ));
    };
    let sent = client
        .get_object()
        .bucket(&bucket)
        .key(&key)
        .set_version_id(object.version)
        .send()
        .await;
    let output = sent.map_err(|err| {
        let status = err.raw_response().map(|r| r.status().as_u16());
        let what = err.code().unwrap_or("no answer").to_owned();
        match status {
            // The object, its bucket or the permission to read it is missing.
            Some(status) if status < 500 => ApiError::new(
                ErrorType::InvalidS3Object,
                format!(
                    "Unable to get object metadata from S3. Check object key, region and/or access permissions. ({what} for s3://{bucket}/{key})"
                ),
            ),
            // The S3 server failed or did not answer: may work later.
            _ => ApiError::internal(format!("reading s3://{bucket}/{key}: {what}: {err}")),
        }
    })?;
    let declared = output
        .content_length()
        .and_then(|len| usize::try_from(len).ok());
    if declared.is_some_and(|len| len > MAX_S3_IMAGE_BYTES) {
        return Err(too_large("images in S3", MAX_S3_IMAGE_BYTES));
    }
    let mut body = output.body;
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0));
    while let Some(chunk) = body
        .try_next()
        .await
        .map_err(|e| ApiError::internal(format!("reading the body of s3://{bucket}/{key}: {e}")))?
    {
        // Checked as it arrives, in case no length was declared.
        if bytes.len() + chunk.len() > MAX_S3_IMAGE_BYTES {
            return Err(too_large("images in S3", MAX_S3_IMAGE_BYTES));
        }
        bytes.extend_from_slice(&chunk);
    }
    not_empty(bytes)
}

fn not_empty(bytes: Vec<u8>) -> Result<Vec<u8>, ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::new(
            ErrorType::InvalidImageFormat,
            "Request has invalid image format: the image is empty",
        ));
    }
    Ok(bytes)
}

fn too_large(what: &str, limit: usize) -> ApiError {
    ApiError::new(
        ErrorType::ImageTooLarge,
        format!("Image size is too large: {what} are limited to {limit} bytes"),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn s3_image() -> Image {
        Image {
            bytes: None,
            s3_object: Some(S3Object {
                bucket: Some("b".into()),
                name: Some("n".into()),
                version: None,
            }),
        }
    }

    #[tokio::test]
    async fn s3_objects_are_refused_without_an_s3_client() {
        let reader = ImageReader::default();
        let err = reader.bytes(Some(s3_image()), "Image").await.unwrap_err();
        assert_eq!(err.kind, ErrorType::InvalidParameter);
        assert!(err.message.contains("S3Object"), "{err}");
    }

    #[tokio::test]
    async fn inline_bytes_are_base64_and_exactly_one_source() {
        let reader = ImageReader::default();
        let bad = Image {
            bytes: Some("***".into()),
            s3_object: None,
        };
        assert!(reader.bytes(Some(bad), "Image").await.is_err());
        let ok = Image {
            bytes: Some(STANDARD.encode(b"abc")),
            s3_object: None,
        };
        assert_eq!(reader.bytes(Some(ok), "Image").await.unwrap(), b"abc");
        let both = Image {
            bytes: Some(STANDARD.encode(b"abc")),
            ..s3_image()
        };
        let err = reader.bytes(Some(both), "Image").await.unwrap_err();
        assert_eq!(err.kind, ErrorType::InvalidParameter);
        let neither = reader.bytes(Some(Image::default()), "Image").await;
        assert_eq!(neither.unwrap_err().kind, ErrorType::InvalidParameter);
        let empty = Image {
            bytes: Some(String::new()),
            s3_object: None,
        };
        let err = reader.bytes(Some(empty), "Image").await.unwrap_err();
        assert_eq!(err.kind, ErrorType::InvalidImageFormat);
        assert!(reader.bytes(None, "Image").await.is_err());
    }
}

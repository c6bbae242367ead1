//! How images reach Rekognition ([`ImageSource`]), an image's height read
//! from its header, and what an unreadable `S3Object` means.

use std::io::Cursor;

use aws_sdk_rekognition::primitives::Blob;
use aws_sdk_rekognition::types::{Image, S3Object};
use riv_consumers::PortError;
use riv_consumers::ports::ObjectStore;
use riv_events::ObjectKey;

use super::error::Failure;
use crate::s3::S3ObjectStore;

/// How much of an object is read for its header: enough for the
/// dimensions of every JPEG, PNG or WebP file but those with very large
/// metadata, which are then read whole.
pub const HEADER_BYTES: u64 = 64 * 1024;

/// How images are handed to Rekognition, chosen by the composition root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageSource {
    /// `Image.S3Object` (bucket and key): Rekognition reads the object
    /// itself, with the caller's permissions, up to 15 MB. What riv runs on
    /// AWS.
    S3Object,
    /// `Image.Bytes`: the object is read through the object store and sent
    /// inline, up to 5 MB. For a Rekognition that cannot read the bucket.
    Bytes,
}

/// Builds the `Image` of a request for an object of the bucket.
#[derive(Debug, Clone)]
pub(crate) struct Images {
    /// The bucket: its name for `S3Object`, its objects for `Bytes`,
    /// headers and existence checks.
    objects: S3ObjectStore,
    /// How images are sent.
    source: ImageSource,
}

impl Images {
    /// Images of `objects`' bucket, sent as `source` says.
    pub fn new(objects: S3ObjectStore, source: ImageSource) -> Self {
        Self { objects, source }
    }

    /// The request `Image` for `key`; with [`ImageSource::Bytes`] a missing
    /// object is [`PortError::not_found`].
    pub async fn image(&self, key: &ObjectKey) -> Result<Image, PortError> {
        match self.source {
            ImageSource::S3Object => Ok(self.reference(key)),
            ImageSource::Bytes => Ok(inline(self.read(key).await?)),
        }
    }

    /// The request `Image` for `key` and the image's height in pixels, from
    /// its header. A missing object is [`PortError::not_found`]; a header
    /// that does not parse is [`PortError::invalid_image`].
    pub async fn image_and_height(&self, key: &ObjectKey) -> Result<(Image, u32), PortError> {
        match self.source {
            ImageSource::S3Object => {
                let head = self
                    .objects
                    .get_range(key, 0, HEADER_BYTES)
                    .await?
                    .ok_or_else(|| missing(key))?;
                let height = match dimensions(&head) {
                    Ok((_, height)) => height,
                    // Shorter than asked for: that was the whole object.
                    Err(err) if (head.len() as u64) < HEADER_BYTES => return Err(err.at(key)),
                    Err(_) => dimensions(&self.read(key).await?).map_err(|e| e.at(key))?.1,
                };
                Ok((self.reference(key), height))
            }
            ImageSource::Bytes => {
                let bytes = self.read(key).await?;
                let (_, height) = dimensions(&bytes).map_err(|e| e.at(key))?;
                Ok((inline(bytes), height))
            }
        }
    }

    /// The port error of a failed call about `key`: an unreadable
    /// `S3Object` is [`PortError::not_found`] when the object is missing,
    /// else the failure's own (permanent) error — Rekognition may not read
    /// the bucket.
    pub async fn settle(&self, key: &ObjectKey, failure: Failure) -> PortError {
        if !failure.unreadable_object {
            return failure.error;
        }
        match self.objects.exists(key).await {
            Ok(false) => missing(key),
            Ok(true) => failure.error,
            Err(err) => err,
        }
    }

    /// Whether `key` exists.
    pub async fn exists(&self, key: &ObjectKey) -> Result<bool, PortError> {
        self.objects.exists(key).await
    }

    fn reference(&self, key: &ObjectKey) -> Image {
        Image::builder()
            .s3_object(
                S3Object::builder()
                    .bucket(self.objects.bucket())
                    .name(key.as_str())
                    .build(),
            )
            .build()
    }

    async fn read(&self, key: &ObjectKey) -> Result<Vec<u8>, PortError> {
        self.objects.get(key).await?.ok_or_else(|| missing(key))
    }
}

/// `key` is not in the bucket.
pub(crate) fn missing(key: &ObjectKey) -> PortError {
    PortError::not_found(format!("reading {key}: no such object"))
}

fn inline(bytes: Vec<u8>) -> Image {
    Image::builder().bytes(Blob::new(bytes)).build()
}

/// Why a header gave no dimensions, as one of the face engine's reason codes.
#[derive(Debug)]
pub(crate) struct HeaderError {
    code: &'static str,
    source: Option<image::ImageError>,
}

impl HeaderError {
    fn at(self, key: &ObjectKey) -> PortError {
        let error = PortError::invalid_image(format!("{}: reading the header of {key}", self.code));
        match self.source {
            Some(source) => error.with_source(source),
            None => error,
        }
    }
}

/// Width and height from the start of an image file.
pub(crate) fn dimensions(bytes: &[u8]) -> Result<(u32, u32), HeaderError> {
    let corrupt = |source| HeaderError {
        code: "image_corrupt",
        source: Some(source),
    };
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|err| corrupt(image::ImageError::IoError(err)))?;
    if reader.format().is_none() {
        return Err(HeaderError {
            code: "image_unsupported_format",
            source: None,
        });
    }
    reader.into_dimensions().map_err(corrupt)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image::RgbImage::new(width, height)
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn dimensions_come_from_the_header_alone() {
        let bytes = png(120, 80);
        assert_eq!(dimensions(&bytes).unwrap(), (120, 80));
        // The first 64 bytes hold a PNG's size.
        assert_eq!(dimensions(&bytes[..64]).unwrap(), (120, 80));
        assert_eq!(
            dimensions(b"definitely not an image").unwrap_err().code,
            "image_unsupported_format"
        );
        let mut corrupt = bytes[..20].to_vec();
        corrupt.extend_from_slice(&[0xFF; 10]);
        assert_eq!(dimensions(&corrupt).unwrap_err().code, "image_corrupt");
    }
}

//! Document images from bytes, with limits checked before the pixels are
//! decoded: a document photo needs neither 15 MiB nor 50 megapixels, and an
//! image that claims more is refused rather than allocated.

use std::io::Cursor;

use image::{DynamicImage, ImageReader, Limits};

/// Largest encoded image accepted.
pub const MAX_IMAGE_BYTES: usize = 15 * 1024 * 1024;
/// Largest decoded image accepted, in pixels.
pub const MAX_IMAGE_PIXELS: u64 = 50_000_000;

/// Why an image cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Over [`MAX_IMAGE_BYTES`].
    #[error("the image is {bytes} bytes, over the limit of {MAX_IMAGE_BYTES}")]
    TooLarge { bytes: usize },
    /// Not JPEG, PNG or WebP, or damaged.
    #[error("the image cannot be decoded: {0}")]
    Undecodable(String),
}

/// Decodes a JPEG, PNG or WebP document image.
pub fn decode_image(bytes: &[u8]) -> Result<DynamicImage, DecodeError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(DecodeError::TooLarge { bytes: bytes.len() });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DecodeError::Undecodable(e.to_string()))?;
    let side = u32::try_from(MAX_IMAGE_PIXELS).unwrap_or(u32::MAX);
    let mut limits = Limits::default();
    limits.max_image_width = Some(side);
    limits.max_image_height = Some(side);
    limits.max_alloc = Some(MAX_IMAGE_PIXELS * 4);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| DecodeError::Undecodable(e.to_string()))?;
    if u64::from(image.width()) * u64::from(image.height()) > MAX_IMAGE_PIXELS {
        return Err(DecodeError::TooLarge { bytes: bytes.len() });
    }
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_truncated_images_are_refused_not_panicked_on() {
        assert!(matches!(
            decode_image(b"not an image"),
            Err(DecodeError::Undecodable(_))
        ));
        let mut png = Vec::new();
        DynamicImage::new_rgb8(40, 30)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(decode_image(&png).unwrap().width(), 40);
        for cut in [8, 20, png.len() / 2] {
            assert!(decode_image(&png[..cut]).is_err(), "cut at {cut}");
        }
    }
}

//! Request fields checked as Rekognition checks them, and the image bytes
//! taken out of their base64.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::error::{ApiError, ErrorType};
use crate::shapes::Image;

/// Rekognition's limit for inline image bytes (5 MB).
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;

/// A required field, or `InvalidParameterException` naming it.
pub fn required<T>(value: Option<T>, name: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::invalid(format!("{name} is required")))
}

/// `CollectionId`: 1–255 of `[a-zA-Z0-9_.\-]`.
pub fn collection_id(value: Option<String>) -> Result<String, ApiError> {
    let id = required(value, "CollectionId")?;
    check_pattern(&id, "CollectionId", |c| {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
    })?;
    Ok(id)
}

/// `ExternalImageId`: 1–255 of `[a-zA-Z0-9_.\-:]`.
pub fn external_image_id(value: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(id) = value else {
        return Ok(None);
    };
    check_pattern(&id, "ExternalImageId", |c| {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ':')
    })?;
    Ok(Some(id))
}

fn check_pattern(value: &str, name: &str, allowed: impl Fn(char) -> bool) -> Result<(), ApiError> {
    if value.is_empty() || value.len() > 255 || !value.chars().all(allowed) {
        return Err(ApiError::invalid(format!(
            "{name} '{value}' must be 1 to 255 characters of letters, digits and _ . -{}",
            if name == "ExternalImageId" { " :" } else { "" }
        )));
    }
    Ok(())
}

/// An integer field within `min..=max`, or `default` when absent.
pub fn int_in(
    value: Option<i64>,
    name: &str,
    min: i64,
    max: i64,
    default: i64,
) -> Result<usize, ApiError> {
    let v = value.unwrap_or(default);
    if !(min..=max).contains(&v) {
        return Err(ApiError::invalid(format!(
            "{name} {v} is outside {min} to {max}"
        )));
    }
    usize::try_from(v).map_err(|_| ApiError::invalid(format!("{name} {v} is negative")))
}

/// A 0–100 threshold, or `default` when absent.
pub fn threshold(value: Option<f64>, name: &str, default: f64) -> Result<f64, ApiError> {
    let v = value.unwrap_or(default);
    if !(0.0..=100.0).contains(&v) {
        return Err(ApiError::invalid(format!("{name} {v} is outside 0 to 100")));
    }
    Ok(v)
}

/// The image's bytes: `Bytes` decoded; `S3Object` refused.
pub fn image_bytes(image: Option<Image>, name: &str) -> Result<Vec<u8>, ApiError> {
    let image = required(image, name)?;
    if image.s3_object.is_some() {
        return Err(ApiError::invalid(format!(
            "{name}.S3Object is not supported by this endpoint: send the image inline as {name}.Bytes"
        )));
    }
    let encoded = image.bytes.ok_or_else(|| {
        ApiError::invalid(format!(
            "Requested image should either contain bytes or s3 object: {name}.Bytes is required"
        ))
    })?;
    // Base64 grows by 4/3: refuse before decoding what cannot fit.
    if encoded.len() / 4 * 3 > MAX_IMAGE_BYTES + 3 {
        return Err(too_large());
    }
    let bytes = STANDARD
        .decode(encoded.trim())
        .map_err(|e| ApiError::invalid(format!("{name}.Bytes is not valid base64: {e}")))?;
    if bytes.is_empty() {
        return Err(ApiError::new(
            ErrorType::InvalidImageFormat,
            "Request has invalid image format: the image is empty",
        ));
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

fn too_large() -> ApiError {
    ApiError::new(
        ErrorType::ImageTooLarge,
        format!(
            "Image size is too large: inline image bytes are limited to {MAX_IMAGE_BYTES} bytes"
        ),
    )
}

/// `ListFaces`' `NextToken`: the collection and the last `seq` returned.
pub fn encode_token(collection: &str, after_seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{after_seq}:{collection}"))
}

/// The `seq` a `NextToken` continues after, or
/// `InvalidPaginationTokenException`.
pub fn decode_token(collection: &str, token: &str) -> Result<i64, ApiError> {
    let invalid = || {
        ApiError::new(
            ErrorType::InvalidPaginationToken,
            "Invalid pagination token: it was not issued for this collection",
        )
    };
    let text = URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(invalid)?;
    let mut parts = text.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("v1"), Some(seq), Some(c)) if c == collection => seq.parse().map_err(|_| invalid()),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ids_follow_rekognition_patterns() {
        assert!(collection_id(Some("my.coll_1-x".into())).is_ok());
        assert!(collection_id(Some("bad/id".into())).is_err());
        assert!(collection_id(Some(String::new())).is_err());
        assert!(collection_id(None).is_err());
        assert!(external_image_id(Some("a:b".into())).is_ok());
        assert!(external_image_id(Some("a b".into())).is_err());
    }

    #[test]
    fn tokens_are_bound_to_their_collection() {
        let t = encode_token("c1", 42);
        assert_eq!(decode_token("c1", &t).unwrap(), 42);
        let err = decode_token("c2", &t).unwrap_err();
        assert_eq!(err.kind, ErrorType::InvalidPaginationToken);
        assert!(decode_token("c1", "garbage!").is_err());
    }

    #[test]
    fn images_must_be_inline_base64() {
        let s3 = Image {
            bytes: None,
            s3_object: Some(serde_json::json!({"Bucket": "b", "Name": "n"})),
        };
        assert!(
            image_bytes(Some(s3), "Image")
                .unwrap_err()
                .message
                .contains("S3Object")
        );
        let bad = Image {
            bytes: Some("***".into()),
            s3_object: None,
        };
        assert!(image_bytes(Some(bad), "Image").is_err());
        let ok = Image {
            bytes: Some(STANDARD.encode(b"abc")),
            s3_object: None,
        };
        assert_eq!(image_bytes(Some(ok), "Image").unwrap(), b"abc");
    }
}

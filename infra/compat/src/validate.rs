//! Request fields checked as Rekognition checks them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{ApiError, ErrorType};

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

/// `FaceId`: a lower-case UUID, as Rekognition assigns them.
pub fn face_id(value: Option<String>) -> Result<String, ApiError> {
    let id = required(value, "FaceId")?;
    let groups: Vec<&str> = id.split('-').collect();
    let shaped = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
    if !shaped {
        return Err(ApiError::invalid(format!(
            "FaceId '{id}' is not a face id (a lower-case UUID)"
        )));
    }
    Ok(id)
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
    fn face_ids_are_uuids() {
        let id = "0b9a3f5e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
        assert_eq!(face_id(Some(id.into())).unwrap(), id);
        assert!(face_id(Some(id.to_uppercase())).is_err());
        assert!(face_id(Some("not-a-face".into())).is_err());
        assert!(face_id(None).is_err());
    }
}

//! Validated identifiers. Each is parsed once at the edge; inside riv a
//! `UserId` is always a valid user id, so no stage re-checks it.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} {value:?} is invalid: {why}")]
pub struct IdError {
    /// Which identifier was being parsed (`request_id`, `user_id`, ...).
    pub kind: &'static str,
    /// The offending value, cut to 64 characters.
    pub value: String,
    /// What rule it broke.
    pub why: &'static str,
}

impl IdError {
    fn new(kind: &'static str, value: &str, why: &'static str) -> Self {
        Self {
            kind,
            value: value.chars().take(64).collect(),
            why,
        }
    }
}

fn check_token(kind: &'static str, value: &str, max: usize, extra: &[char]) -> Result<(), IdError> {
    if value.is_empty() {
        return Err(IdError::new(kind, value, "is empty"));
    }
    if value.len() > max {
        return Err(IdError::new(kind, value, "is too long"));
    }
    if value.starts_with('.') {
        return Err(IdError::new(kind, value, "starts with a dot"));
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || extra.contains(&c))
    {
        return Err(IdError::new(
            kind,
            value,
            "has a character outside the allowed set",
        ));
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $max:expr, $extra:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses and validates.
            pub fn parse(value: impl Into<String>) -> Result<Self, IdError> {
                let value = value.into();
                check_token($kind, &value, $max, $extra)?;
                Ok(Self(value))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(value: String) -> Result<Self, IdError> {
                Self::parse(value)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(value: &str) -> Result<Self, IdError> {
                Self::parse(value)
            }
        }
    };
}

string_id!(
    /// The app's id for one request; also the correlation id of every event
    /// the request causes. 1–128 characters of `A-Z a-z 0-9 - _`; it names the
    /// request's folder in the bucket, so it has no slash or dot.
    RequestId, "request_id", 128, &[]
);
string_id!(
    /// The app's id for a person. 1–128 characters of `A-Z a-z 0-9 - _ . @ +`,
    /// not starting with a dot.
    UserId, "user_id", 128, &['.', '@', '+']
);
string_id!(
    /// A face in the collection, as the collection named it (Rekognition uses
    /// UUIDs; the local collection does too).
    FaceId, "face_id", 128, &[]
);

/// An object's key in the bucket: 1–1024 bytes, no leading slash, no `.` or
/// `..` segment, no backslash or control character.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct ObjectKey(String);

impl ObjectKey {
    /// Parses and validates.
    pub fn parse(value: impl Into<String>) -> Result<Self, IdError> {
        let value = value.into();
        let bad = |why| Err(IdError::new("object_key", &value, why));
        if value.is_empty() {
            return bad("is empty");
        }
        if value.len() > 1024 {
            return bad("is longer than 1024 bytes");
        }
        if value.starts_with('/') || value.ends_with('/') {
            return bad("starts or ends with a slash");
        }
        if value.chars().any(|c| c.is_control() || c == '\\') {
            return bad("has a control character or a backslash");
        }
        if value
            .split('/')
            .any(|segment| segment.is_empty() || segment == "." || segment == "..")
        {
            return bad("has an empty, `.` or `..` segment");
        }
        Ok(Self(value))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A key built inside this crate from parts already validated.
    pub(crate) fn trusted(value: String) -> Self {
        debug_assert!(Self::parse(value.clone()).is_ok(), "{value}");
        Self(value)
    }

    /// Whether the key lies under `prefix/`.
    pub fn is_under(&self, prefix: &str) -> bool {
        self.0
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
    }
}

impl TryFrom<String> for ObjectKey {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, IdError> {
        Self::parse(value)
    }
}

impl From<ObjectKey> for String {
    fn from(key: ObjectKey) -> String {
        key.0
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An event's unique id. Events a stage emits in answer to an event get ids
/// derived from that event's id, so a redelivered event produces the very
/// same ids and every consumer downstream recognises the repeat.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct EventId(pub Uuid);

impl EventId {
    /// A fresh random id, for events that start a chain.
    pub fn random() -> Self {
        Self(Uuid::new_v4())
    }

    /// The id of the `label`th thing emitted in answer to `self`: a name-based
    /// (v5) UUID, identical on every redelivery.
    pub fn derive(&self, label: &str) -> Self {
        Self(Uuid::new_v5(&self.0, label.as_bytes()))
    }

    /// The root of a request's event ids, derived from its request id: a
    /// request id is used once, so every upload of its manifest (and every
    /// repeat of the notification) yields the same ids.
    pub fn for_request(request_id: &RequestId) -> Self {
        let name = format!("riv:request:{request_id}");
        Self(Uuid::new_v5(&Uuid::NAMESPACE_URL, name.as_bytes()))
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_accept_names_and_emails_and_refuse_paths() {
        assert!(UserId::parse("George_W_Bush").is_ok());
        assert!(UserId::parse("ana.maria+1@example.org").is_ok());
        for bad in ["", ".hidden", "a/b", "a b", "é", &"x".repeat(129)] {
            assert!(UserId::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn request_ids_are_single_path_segments() {
        assert!(RequestId::parse("01HZX-abc_9").is_ok());
        assert!(RequestId::parse("a.b").is_err());
        assert!(RequestId::parse("a/b").is_err());
    }

    #[test]
    fn object_keys_refuse_traversal() {
        assert!(ObjectKey::parse("requests/r1/selfie.jpg").is_ok());
        for bad in [
            "", "/abs", "a/../b", "a//b", "a/./b", "dir/", "a\\b", "a\nb",
        ] {
            assert!(ObjectKey::parse(bad).is_err(), "{bad:?}");
        }
        let key = ObjectKey::parse("requests/r1/selfie.jpg").unwrap();
        assert!(key.is_under("requests/r1"));
        assert!(!key.is_under("requests/r"));
    }

    #[test]
    fn derived_event_ids_are_stable_and_distinct() {
        let parent = EventId::random();
        assert_eq!(parent.derive("quality/0"), parent.derive("quality/0"));
        assert_ne!(parent.derive("quality/0"), parent.derive("quality/1"));
        let request = RequestId::parse("r1").unwrap();
        assert_eq!(
            EventId::for_request(&request),
            EventId::for_request(&request)
        );
    }

    #[test]
    fn ids_deserialize_through_validation() {
        let err = serde_json::from_str::<UserId>("\"a/b\"").unwrap_err();
        assert!(err.to_string().contains("user_id"));
    }
}

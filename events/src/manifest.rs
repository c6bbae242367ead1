//! The request manifest: the JSON object an app uploads last, beside the
//! request's images, at `requests/{request_id}/manifest.json`. Its arrival
//! starts the request.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{ObjectKey, ReasonCode, RequestId, SCHEMA_VERSION, UserId, Workflow};

/// Top folder of every request's objects.
pub const REQUESTS_PREFIX: &str = "requests";
/// File name of the manifest inside a request's folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// At most this many properties per request.
pub const MAX_PROPERTIES: usize = 32;
/// A property name is 1–64 characters of `a-z A-Z 0-9 _ - .`.
pub const MAX_PROPERTY_NAME: usize = 64;
/// A property value is at most this many bytes.
pub const MAX_PROPERTY_VALUE: usize = 1024;
/// A manifest larger than this is refused unread.
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024;

/// What the app asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestManifest {
    /// Always 1 for this version of riv.
    pub schema_version: u32,
    /// Which workflow to run.
    pub workflow: Workflow,
    /// The app's id for this request; must match the manifest's folder. A
    /// request id is used once: uploading its manifest again starts nothing.
    pub request_id: RequestId,
    /// The person the request is about.
    pub user_id: UserId,
    /// The request's images, each under the request's folder.
    pub images: ImageKeys,
    /// Free-form profile properties (register and update).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub properties: BTreeMap<String, String>,
    /// A liveness session to check before anything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<LivenessRef>,
}

/// The images of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageKeys {
    /// The selfie: every workflow has one.
    pub selfie: ObjectKey,
    /// The identity document's front (register-idcard only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_front: Option<ObjectKey>,
    /// The identity document's back, when it carries a barcode or MRZ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_back: Option<ObjectKey>,
}

impl ImageKeys {
    /// Every key, selfie first.
    pub fn all(&self) -> Vec<&ObjectKey> {
        std::iter::once(&self.selfie)
            .chain(self.document_front.as_ref())
            .chain(self.document_back.as_ref())
            .collect()
    }
}

/// A reference to a liveness session the app ran before uploading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LivenessRef {
    /// The liveness provider's session id.
    pub session_id: String,
}

/// Why a manifest was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ManifestError {
    /// `invalid_manifest` or `unsupported_schema_version`.
    pub code: ReasonCode,
    /// What is wrong, for people.
    pub message: String,
}

impl ManifestError {
    fn invalid(message: impl Into<String>) -> Self {
        Self {
            code: ReasonCode::InvalidManifest,
            message: message.into(),
        }
    }
}

impl RequestManifest {
    /// The key a request's manifest is uploaded to.
    pub fn key_for(request_id: &RequestId) -> ObjectKey {
        // A request id is one path segment without dots, so this key is valid.
        ObjectKey::trusted(format!("{REQUESTS_PREFIX}/{request_id}/{MANIFEST_FILE}"))
    }

    /// The folder all of a request's objects live in.
    pub fn folder_for(request_id: &RequestId) -> String {
        format!("{REQUESTS_PREFIX}/{request_id}")
    }

    /// If `key` is a manifest key, the request id it names.
    pub fn request_id_of_key(key: &str) -> Option<RequestId> {
        let rest = key.strip_prefix(REQUESTS_PREFIX)?.strip_prefix('/')?;
        let id = rest.strip_suffix(MANIFEST_FILE)?.strip_suffix('/')?;
        RequestId::parse(id).ok()
    }

    /// Reads a manifest uploaded at `key`: size, JSON, schema version, then
    /// [`RequestManifest::validate`].
    pub fn parse(key: &str, bytes: &[u8]) -> Result<Self, ManifestError> {
        if bytes.len() > MAX_MANIFEST_BYTES {
            return Err(ManifestError::invalid(format!(
                "manifest is {} bytes, over the {MAX_MANIFEST_BYTES}-byte limit",
                bytes.len()
            )));
        }
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|err| ManifestError::invalid(format!("not JSON: {err}")))?;
        match value
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
        {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) => {
                return Err(ManifestError {
                    code: ReasonCode::UnsupportedSchemaVersion,
                    message: format!("schema_version {v}; this riv reads {SCHEMA_VERSION}"),
                });
            }
            None if value.get("schema_version").is_some() => {
                return Err(ManifestError::invalid(
                    "schema_version must be a whole number, not a string",
                ));
            }
            None => return Err(ManifestError::invalid("schema_version is missing")),
        }
        let manifest: RequestManifest =
            serde_json::from_value(value).map_err(|err| ManifestError::invalid(err.to_string()))?;
        manifest.validate(key)?;
        Ok(manifest)
    }

    /// Checks the rules JSON Schema cannot say: the manifest sits in its own
    /// request's folder, every image lies in that folder, the images fit the
    /// workflow, properties are within limits.
    pub fn validate(&self, key: &str) -> Result<(), ManifestError> {
        match Self::request_id_of_key(key) {
            Some(id) if id == self.request_id => {}
            _ => {
                return Err(ManifestError::invalid(format!(
                    "a manifest for request {} must be uploaded to {}",
                    self.request_id,
                    Self::key_for(&self.request_id)
                )));
            }
        }
        let folder = Self::folder_for(&self.request_id);
        for image in self.images.all() {
            if !image.is_under(&folder) {
                return Err(ManifestError::invalid(format!(
                    "image {image} is outside the request's folder {folder}/"
                )));
            }
            if image.as_str().rsplit('/').next() == Some(MANIFEST_FILE) {
                return Err(ManifestError::invalid("the manifest cannot be an image"));
            }
        }
        let has_document = self.images.document_front.is_some();
        match self.workflow {
            Workflow::RegisterIdcard if !has_document => {
                return Err(ManifestError::invalid(
                    "register-idcard needs images.document_front",
                ));
            }
            Workflow::Register | Workflow::Auth | Workflow::Update
                if has_document || self.images.document_back.is_some() =>
            {
                return Err(ManifestError::invalid(format!(
                    "{} takes no document images",
                    self.workflow
                )));
            }
            _ => {}
        }
        if self.properties.len() > MAX_PROPERTIES {
            return Err(ManifestError::invalid(format!(
                "{} properties, over the limit of {MAX_PROPERTIES}",
                self.properties.len()
            )));
        }
        for (name, value) in &self.properties {
            let name_ok = !name.is_empty()
                && name.len() <= MAX_PROPERTY_NAME
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !name_ok {
                return Err(ManifestError::invalid(format!(
                    "property name {name:?} must be 1-{MAX_PROPERTY_NAME} characters of a-z A-Z 0-9 _ - ."
                )));
            }
            if value.len() > MAX_PROPERTY_VALUE || value.chars().any(char::is_control) {
                return Err(ManifestError::invalid(format!(
                    "property {name} is over {MAX_PROPERTY_VALUE} bytes or has control characters"
                )));
            }
        }
        if let Some(liveness) = &self.liveness
            && (liveness.session_id.is_empty() || liveness.session_id.len() > 256)
        {
            return Err(ManifestError::invalid(
                "liveness.session_id must be 1-256 bytes",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest_json(extra: &str) -> String {
        format!(
            r#"{{"schema_version":1,"workflow":"register","request_id":"r1","user_id":"u1",
                "images":{{"selfie":"requests/r1/selfie.jpg"}}{extra}}}"#
        )
    }

    #[test]
    fn reads_a_valid_manifest() {
        let m = RequestManifest::parse("requests/r1/manifest.json", manifest_json("").as_bytes())
            .unwrap();
        assert_eq!(m.user_id.as_str(), "u1");
        assert_eq!(m.workflow, Workflow::Register);
    }

    #[test]
    fn refuses_bad_manifests_with_reason_codes() {
        let key = "requests/r1/manifest.json";
        let cases = [
            ("{", ReasonCode::InvalidManifest),
            (
                r#"{"schema_version":2}"#,
                ReasonCode::UnsupportedSchemaVersion,
            ),
            (
                &manifest_json(r#","colour":"red""#),
                ReasonCode::InvalidManifest,
            ),
            (
                &manifest_json("").replace("requests/r1/selfie", "requests/r2/selfie"),
                ReasonCode::InvalidManifest,
            ),
            (
                &manifest_json(r#","properties":{"bad name":"x"}"#),
                ReasonCode::InvalidManifest,
            ),
            (
                &manifest_json("").replace("\"register\"", "\"register-idcard\""),
                ReasonCode::InvalidManifest,
            ),
        ];
        for (json, code) in cases {
            let err = RequestManifest::parse(key, json.as_bytes()).unwrap_err();
            assert_eq!(err.code, code, "{json}: {err}");
        }
        let err = RequestManifest::parse("requests/r2/manifest.json", manifest_json("").as_bytes())
            .unwrap_err();
        assert_eq!(err.code, ReasonCode::InvalidManifest);
    }

    #[test]
    fn manifest_keys_round_trip() {
        let id = RequestId::parse("abc").unwrap();
        let key = RequestManifest::key_for(&id);
        assert_eq!(key.as_str(), "requests/abc/manifest.json");
        assert_eq!(RequestManifest::request_id_of_key(key.as_str()), Some(id));
        assert_eq!(
            RequestManifest::request_id_of_key("requests/abc/selfie.jpg"),
            None
        );
        assert_eq!(
            RequestManifest::request_id_of_key("other/abc/manifest.json"),
            None
        );
    }
}

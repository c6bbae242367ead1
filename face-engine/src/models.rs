//! The model files the engine runs, their checksums and licences, and the
//! package that carries most of them.
//!
//! The model directory, its checksum checks and their errors are
//! [`riv_models`]'s, re-exported here; see there how models are fetched and
//! verified.

pub use riv_models::{ModelDir, ModelFile, ModelFileError, Package, sha256_hex};

/// `face_recognition_models` 0.3.0, a source distribution carrying dlib's
/// descriptor, 5-point landmark and MMOD detector models (CC0). The
/// research-only 68-point model it also carries is never extracted.
pub const FACE_PACKAGE: Package = Package {
    requirement: "face_recognition_models==0.3.0",
    file_name: "face_recognition_models-0.3.0.tar.gz",
    sha256: "b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf",
};

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
}

impl ModelFile for Model {
    fn file_name(self) -> &'static str {
        match self {
            Model::Descriptor => "dlib_face_recognition_resnet_model_v1.dat",
            Model::Landmarks5 => "shape_predictor_5_face_landmarks.dat",
            Model::MmodDetector => "mmod_human_face_detector.dat",
            Model::HogDetector => "frontal_face_detector.dat",
        }
    }

    fn sha256(self) -> &'static str {
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

    fn licence(self) -> &'static str {
        match self {
            Model::Descriptor | Model::Landmarks5 | Model::MmodDetector => {
                "CC0 1.0 (public domain), as published by dlib's author"
            }
            Model::HogDetector => "Boost Software License 1.0 (part of dlib's source)",
        }
    }

    /// Path inside [`FACE_PACKAGE`]; the HOG detector is not in it.
    fn package_member(self) -> Option<&'static str> {
        match self {
            Model::Descriptor => Some(
                "face_recognition_models-0.3.0/face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat",
            ),
            Model::Landmarks5 => Some(
                "face_recognition_models-0.3.0/face_recognition_models/models/shape_predictor_5_face_landmarks.dat",
            ),
            Model::MmodDetector => Some(
                "face_recognition_models-0.3.0/face_recognition_models/models/mmod_human_face_detector.dat",
            ),
            Model::HogDetector => None,
        }
    }
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
        assert!(matches!(missing, ModelFileError::Missing { .. }));
        assert!(missing.to_string().contains("riv models fetch"));

        std::fs::write(models.file(Model::Landmarks5), b"truncated").unwrap();
        let corrupt = models.read(Model::Landmarks5).unwrap_err();
        assert!(matches!(corrupt, ModelFileError::Checksum { .. }));
        assert!(corrupt.to_string().contains("riv models fetch"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn packaged_models_are_named_members_and_the_research_only_one_is_not() {
        for model in Model::ALL {
            assert_eq!(model.sha256().len(), 64);
            if let Some(member) = model.package_member() {
                assert!(member.ends_with(model.file_name()), "{member}");
                assert!(!member.contains("68"), "{member}");
            }
        }
        assert_eq!(Model::HogDetector.package_member(), None);
        assert_eq!(FACE_PACKAGE.sha256.len(), 64);
    }
}

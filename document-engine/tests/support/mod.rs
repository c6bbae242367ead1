//! Shared helpers for document-engine's integration tests and benchmarks.
//!
//! Include with `mod support;` from a file in `document-engine/tests/`
//! (benchmarks: `#[path = "../tests/support/mod.rs"] mod support;`).
//!
//! - Where the inputs live: the shared specimens ([`testdata_dir`]) and the
//!   OCR models ([`model_dir`]): `RIV_TESTDATA`, `RIV_MODEL_DIR` (default
//!   `${XDG_CACHE_HOME:-~/.cache}/riv/models`, where `riv models fetch`
//!   installs them).
//! - The `require_*` functions return the input, or print why the test is
//!   skipped and return `None`. Under `CI=true` a missing input fails the
//!   test instead, so CI can never pass by skipping.
//! - [`font`]: a monospace TrueType font for rendered fixtures, taken from
//!   a registry package at test time and cached (never committed).
//! - [`aamva`]: a test-only writer of AAMVA DL/ID barcode payloads.
//! - [`fixtures`]: the generated licence set and its degradations.
//! - [`render`]: PDF417 symbols drawn at a given module width, and the
//!   degradations a camera adds (blur, tilt, noise, JPEG).
//! - [`mrz_fixtures`]: MRZ strings of every format, rendered.

// Each test binary uses a different subset of these helpers, and failing
// loudly (panicking) is how a test helper reports broken fixtures.
#![allow(dead_code, clippy::panic, clippy::expect_used, clippy::unwrap_used)]

pub mod aamva;
pub mod fixtures;
pub mod mrz_fixtures;
pub mod render;

use std::io::Read as _;
use std::path::{Path, PathBuf};

use riv_document_engine::models::{ModelFile, OcrModel, OcrModelDir, sha256_hex};
use riv_document_engine::ocr::Ocr;

/// The document-engine crate's own folder.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace root (the folder holding the workspace `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    let krate = crate_dir();
    krate
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|toml| toml.contains("[workspace]"))
        })
        .map_or_else(|| krate.join(".."), Path::to_path_buf)
}

/// True when running under CI (`CI=true`): missing inputs fail, never skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn cache_root() -> PathBuf {
    env_dir("XDG_CACHE_HOME")
        .or_else(|| env_dir("HOME").map(|home| home.join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"))
        .join("riv")
}

/// The shared specimens: `$RIV_TESTDATA`, else `../shared/testdata` next to
/// the workspace. `None` when the folder does not exist.
pub fn testdata_dir() -> Option<PathBuf> {
    let dir = env_dir("RIV_TESTDATA")
        .unwrap_or_else(|| workspace_root().join("..").join("shared").join("testdata"));
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

/// `$RIV_MODEL_DIR`, else `${XDG_CACHE_HOME:-~/.cache}/riv/models`.
pub fn model_dir() -> PathBuf {
    env_dir("RIV_MODEL_DIR").unwrap_or_else(|| cache_root().join("models"))
}

fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_owned()
}

/// Report a missing input: panic under CI, else print the skip reason.
pub fn skip<T>(reason: &str) -> Option<T> {
    if in_ci() {
        panic!(
            "{}: {reason} (CI=true: missing inputs fail instead of skipping)",
            test_name()
        );
    }
    eprintln!("SKIPPED {}: {reason}", test_name());
    None
}

/// A file or folder inside the shared specimens, or a skip.
pub fn require_testdata_file(relative: &str) -> Option<PathBuf> {
    let Some(root) = testdata_dir() else {
        return skip(
            "shared test data not found: set RIV_TESTDATA or place it in \
             ../shared/testdata next to the workspace",
        );
    };
    let path = root.join(relative);
    if path.exists() {
        Some(path)
    } else {
        skip(&format!(
            "test data file {relative} missing from {}",
            root.display()
        ))
    }
}

/// Opens an image from the shared test photos, or a skip.
pub fn require_testdata_image(relative: &str) -> Option<image::DynamicImage> {
    let path = require_testdata_file(relative)?;
    Some(image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// The OCR engine over verified models, or a skip.
pub fn require_ocr() -> Option<Ocr> {
    let dir = OcrModelDir::new(model_dir());
    let missing: Vec<&str> = OcrModel::ALL
        .iter()
        .filter(|m| !dir.is_valid(**m))
        .map(|m| m.file_name())
        .collect();
    if !missing.is_empty() {
        return skip(&format!(
            "OCR model(s) {} missing or invalid in {}; run `make setup` \
             (riv models fetch) or set RIV_MODEL_DIR",
            missing.join(", "),
            dir.path().display()
        ));
    }
    Some(Ocr::load(&dir).expect("verified models load"))
}

/// The font package rendered fixtures use: Source Code Pro (SIL OFL 1.1).
const FONT_REQUIREMENT: &str = "fontpkg-source-code-pro==1.26";
const FONT_WHEEL: &str = "fontpkg_source_code_pro-1.26-py3-none-any.whl";
const FONT_WHEEL_SHA256: &str = "986a0c5b67ed28c3753b49d9c51139f1dfb517c9b441b901c79cb7545076089f";
const FONT_MEMBER: &str = "fontpkg_source_code_pro/files/SourceCodePro[wght].ttf";
const FONT_SHA256: &str = "b400fc584e10aff25d0e775ce181b4fc1c5ea1b5dc37b81aeb2084375b945790";

/// The font's bytes: from the cache (`${XDG_CACHE_HOME:-~/.cache}/riv/fonts`)
/// when there and intact, else downloaded with pip, verified and cached.
/// `None` (a skip) when it cannot be had.
pub fn font() -> Option<Vec<u8>> {
    let cache = cache_root().join("fonts");
    let cached = cache.join("SourceCodePro-wght.ttf");
    if let Ok(bytes) = std::fs::read(&cached)
        && sha256_hex(&bytes) == FONT_SHA256
    {
        return Some(bytes);
    }
    let scratch = tempfile::tempdir().expect("scratch dir");
    let python = std::env::var("RIV_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let status = std::process::Command::new(&python)
        .args(["-m", "pip", "download", "--quiet", "--no-deps"])
        .args(["--only-binary", ":all:", "--dest"])
        .arg(scratch.path())
        .arg(FONT_REQUIREMENT)
        .status();
    if !status.is_ok_and(|s| s.success()) {
        return skip(&format!(
            "could not download {FONT_REQUIREMENT} with {python} -m pip"
        ));
    }
    let wheel = std::fs::read(scratch.path().join(FONT_WHEEL)).expect("pip saved the wheel");
    assert_eq!(
        sha256_hex(&wheel),
        FONT_WHEEL_SHA256,
        "{FONT_WHEEL} checksum"
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(wheel)).expect("a zip archive");
    let mut bytes = Vec::new();
    zip.by_name(FONT_MEMBER)
        .expect("the font is in the wheel")
        .read_to_end(&mut bytes)
        .expect("the font extracts");
    assert_eq!(sha256_hex(&bytes), FONT_SHA256, "{FONT_MEMBER} checksum");
    std::fs::create_dir_all(&cache).expect("font cache dir");
    let partial = cached.with_extension("partial");
    std::fs::write(&partial, &bytes).expect("write the font");
    std::fs::rename(&partial, &cached).expect("move the font into place");
    Some(bytes)
}

/// One row of `id-documents/truth_mrz.tsv`.
#[derive(Debug, Clone)]
pub struct TruthRow {
    pub subset: String,
    pub file: String,
    /// The MRZ lines (empty when the row has no MRZ string).
    pub mrz: Vec<String>,
    pub printed_matches: String,
}

impl TruthRow {
    /// Path relative to the shared test data.
    pub fn relative_path(&self) -> String {
        format!("id-documents/{}/{}", self.subset, self.file)
    }

    /// A row the MRZ reader must read: an MRZ string confirmed against the
    /// print (`yes…`), or unconfirmed but given as truth by the source in
    /// the fastmrz and PassportEye subsets.
    pub fn is_reading_target(&self) -> bool {
        !self.mrz.is_empty()
            && (self.printed_matches.starts_with("yes")
                || (self.printed_matches.is_empty()
                    && matches!(self.subset.as_str(), "mrz-fastmrz" | "mrz-passporteye")))
    }
}

/// The rows of `id-documents/truth_mrz.tsv`, or a skip.
pub fn truth_rows() -> Option<Vec<TruthRow>> {
    let path = require_testdata_file("id-documents/truth_mrz.tsv")?;
    let text = std::fs::read_to_string(&path).expect("truth_mrz.tsv reads");
    let rows = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let col = |i: usize| cols.get(i).copied().unwrap_or("").to_string();
            TruthRow {
                subset: col(0),
                file: col(1),
                mrz: col(3)
                    .split("\\n")
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
                printed_matches: col(7),
            }
        })
        .collect();
    Some(rows)
}

/// Characters that differ between a reading and the truth, O and 0 counted
/// as equal (the OCR-B letter and digit are near-identical; the parser
/// resolves them by field).
pub fn differences(read: &str, truth: &str) -> usize {
    let fold = |c: char| if c == 'O' { '0' } else { c };
    let a: Vec<char> = read.chars().map(fold).collect();
    let b: Vec<char> = truth.chars().map(fold).collect();
    edit_distance(&a, &b)
}

/// Levenshtein distance.
pub fn edit_distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(x != y);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

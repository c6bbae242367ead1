//! Shared helpers for face-engine's integration tests.
//!
//! Include with `mod support;` from a file in `face-engine/tests/`.
//!
//! - Where the inputs live: the shared test photos ([`testdata_dir`]), the
//!   dlib model files ([`model_dir`]) and the public photos that
//!   `tools/public-photos/fetch.py` extracts from registry packages
//!   ([`public_photos_dir`]).
//! - The `require_*` variants are what tests call: they return the path, or
//!   print why the test is skipped and return `None`. Under `CI=true` a
//!   missing input is a failure instead, so CI can never pass by skipping.
//! - Typed loaders for the committed dlib reference fixtures
//!   (`tests/fixtures/dlib/`, made by `tools/dlib-reference/make_fixtures.py`).
//!
//! Environment: `RIV_TESTDATA`, `RIV_MODEL_DIR`, `RIV_PUBLIC_PHOTOS`
//! override the default folders; `CI=true` turns skips into panics.

// Each test binary uses a different subset of these helpers, and failing
// loudly (panicking) is how a test helper reports broken fixtures.
#![allow(dead_code, clippy::panic, clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The two model files the descriptor fixtures were made with.
pub const RECOGNITION_MODEL: &str = "dlib_face_recognition_resnet_model_v1.dat";
/// The 5-point shape predictor.
pub const SHAPE_MODEL: &str = "shape_predictor_5_face_landmarks.dat";

/// Prefix of fixture paths that live in [`public_photos_dir`] rather than in
/// the shared test data.
pub const PUBLIC_PHOTOS_PREFIX: &str = "public-photos/";

// ---------------------------------------------------------------------------
// Locations
// ---------------------------------------------------------------------------

/// The face-engine crate's own folder.
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

/// The shared test photos: `$RIV_TESTDATA`, else `../shared/testdata` next
/// to the workspace. `None` when the folder does not exist.
pub fn testdata_dir() -> Option<PathBuf> {
    let dir = env_dir("RIV_TESTDATA")
        .unwrap_or_else(|| workspace_root().join("..").join("shared").join("testdata"));
    dir.is_dir().then(|| dir.canonicalize().unwrap_or(dir))
}

/// Where the model files are looked for: `$RIV_MODEL_DIR`, else
/// `${XDG_CACHE_HOME:-~/.cache}/riv/models`. `None` when it does not exist.
pub fn model_dir() -> Option<PathBuf> {
    let dir = env_dir("RIV_MODEL_DIR").unwrap_or_else(|| cache_root().join("models"));
    dir.is_dir().then_some(dir)
}

/// Where `tools/public-photos/fetch.py` puts the public photos:
/// `$RIV_PUBLIC_PHOTOS`, else `${XDG_CACHE_HOME:-~/.cache}/riv/public-photos`.
/// `None` when it does not exist.
pub fn public_photos_dir() -> Option<PathBuf> {
    let dir = env_dir("RIV_PUBLIC_PHOTOS").unwrap_or_else(|| cache_root().join("public-photos"));
    dir.is_dir().then_some(dir)
}

/// The current test's name (test threads are named after their test).
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_owned()
}

/// Report a missing input: panic under CI, else print the skip reason.
/// Always returns `None` so callers can `return skip(..)`.
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

/// The shared test photos, or a skip (a panic under `CI=true`).
pub fn require_testdata() -> Option<PathBuf> {
    match testdata_dir() {
        Some(dir) => Some(dir),
        None => skip(
            "shared test photos not found: set RIV_TESTDATA or place them in \
             ../shared/testdata next to the workspace",
        ),
    }
}

/// A file or folder inside the shared test photos, or a skip.
pub fn require_testdata_file(relative: &str) -> Option<PathBuf> {
    let root = require_testdata()?;
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

/// The model folder holding both fixture models ([`RECOGNITION_MODEL`],
/// [`SHAPE_MODEL`]), or a skip.
pub fn require_models() -> Option<PathBuf> {
    require_model_files(&[RECOGNITION_MODEL, SHAPE_MODEL])
}

/// The model folder holding every file in `files` (non-empty), or a skip.
pub fn require_model_files(files: &[&str]) -> Option<PathBuf> {
    let hint = "run `make setup` (riv models fetch) or set RIV_MODEL_DIR";
    let Some(dir) = model_dir() else {
        return skip(&format!("model folder not found; {hint}"));
    };
    let missing: Vec<&str> = files
        .iter()
        .copied()
        .filter(|f| !std::fs::metadata(dir.join(f)).is_ok_and(|m| m.is_file() && m.len() > 0))
        .collect();
    if missing.is_empty() {
        Some(dir)
    } else {
        skip(&format!(
            "model file(s) {} missing from {}; {hint}",
            missing.join(", "),
            dir.display()
        ))
    }
}

/// The public photos' pinned SHA-256s, from `tools/public-photos/checksums.txt`.
pub fn public_photo_checksums() -> BTreeMap<String, String> {
    let path = workspace_root()
        .join("tools")
        .join("public-photos")
        .join("checksums.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('#').next()?.split_whitespace().collect();
            (fields.first() == Some(&"photo") && fields.len() >= 3)
                .then(|| (fields[2].to_owned(), fields[1].to_owned()))
        })
        .collect()
}

/// One public photo (e.g. `"obama.jpg"`, `"t1.jpg"`, `"astronaut.png"`),
/// present and matching its pinned checksum, or a skip.
pub fn require_public_photo(name: &str) -> Option<PathBuf> {
    let hint = "run `make photos` (python3 tools/public-photos/fetch.py)";
    let Some(want) = public_photo_checksums().get(name).cloned() else {
        panic!("{name} is not a known public photo (see tools/public-photos/checksums.txt)");
    };
    let Some(dir) = public_photos_dir() else {
        return skip(&format!("public photos not fetched; {hint}"));
    };
    let path = dir.join(name);
    match std::fs::read(&path) {
        Ok(bytes) if sha256_hex(&bytes) == want => Some(path),
        Ok(_) => skip(&format!(
            "{} does not match its checksum; {hint}",
            path.display()
        )),
        Err(_) => skip(&format!("{} missing; {hint}", path.display())),
    }
}

/// Resolve a fixture path (`ImageRecord::path`) to a file: `public-photos/…`
/// in [`public_photos_dir`], everything else in [`testdata_dir`]. `None`
/// when that folder or file is absent (no skip message: callers decide).
pub fn fixture_image_path(path: &str) -> Option<PathBuf> {
    let file = match path.strip_prefix(PUBLIC_PHOTOS_PREFIX) {
        Some(name) => public_photos_dir()?.join(name),
        None => testdata_dir()?.join(path),
    };
    file.is_file().then_some(file)
}

// ---------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------

/// Lower-case hex SHA-256, as the fixtures record it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Euclidean distance, accumulated in f64 (how dlib users compare descriptors).
pub fn euclidean(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len(), "descriptor lengths differ");
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = f64::from(x) - f64::from(y);
            d * d
        })
        .sum::<f64>()
        .sqrt()
}

// ---------------------------------------------------------------------------
// The dlib reference fixtures
// ---------------------------------------------------------------------------

/// `face-engine/tests/fixtures/dlib/`.
pub fn fixtures_dir() -> PathBuf {
    crate_dir().join("tests").join("fixtures").join("dlib")
}

fn load_json<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let path = fixtures_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("fixture {} does not parse: {e}", path.display()))
}

/// What every fixture header records about how it was made.
#[derive(Debug, Clone, Deserialize)]
pub struct FixtureHeader {
    /// `dlib.__version__` of the run.
    pub dlib_version: String,
    /// The command that regenerates the file.
    pub command: String,
    /// Model file name → SHA-256 of the model used.
    pub models: BTreeMap<String, String>,
}

/// `descriptors.json`: one record per photo.
#[derive(Debug, Clone, Deserialize)]
pub struct DescriptorFixtures {
    pub header: DescriptorHeader,
    pub images: Vec<ImageRecord>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DescriptorHeader {
    #[serde(flatten)]
    pub common: FixtureHeader,
    pub image_count: usize,
    pub face_count: usize,
    pub no_face_count: usize,
}

/// One photo as dlib saw it.
#[derive(Debug, Clone, Deserialize)]
pub struct ImageRecord {
    /// Relative to the shared test data, or `public-photos/NAME` (see
    /// [`fixture_image_path`]).
    pub path: String,
    /// SHA-256 of the file's bytes: finds the record for a photo whatever
    /// its name (the public photos are byte-identical to shared ones).
    pub file_sha256: String,
    /// Size after decoding (and EXIF orientation).
    pub width: u32,
    pub height: u32,
    /// SHA-256 of the decoded row-major RGB u8 pixels the reference run fed
    /// to dlib (Pillow, EXIF orientation applied, alpha dropped). When ours
    /// differs, a decoder difference — not the engine — explains any
    /// mismatch further down.
    pub pixels_sha256: String,
    /// How many faces the HOG detector (upsample 1) found.
    pub detections: usize,
    /// The largest detection only; empty when dlib found no face.
    pub faces: Vec<FaceRecord>,
}

/// dlib's pipeline on the largest HOG detection of a photo.
#[derive(Debug, Clone, Deserialize)]
pub struct FaceRecord {
    /// `[left, top, right, bottom]`, dlib rectangle (inclusive corners).
    #[serde(rename = "box")]
    pub rect: [i64; 4],
    /// Detection score (`fhog_object_detector.run`, threshold 0).
    pub score: f64,
    /// Which of the detector's 5 filters fired.
    pub filter: u32,
    /// The 5 shape-predictor points `[x, y]`, as dlib's integer `point`s.
    pub landmarks: Vec<[i64; 2]>,
    /// SHA-256 of dlib's 150×150 chip (padding 0.25), row-major RGB u8.
    pub chip_sha256: String,
    /// dlib's 128-d descriptor (num_jitters 0) — f32 values exactly.
    pub descriptor: Vec<f32>,
}

impl DescriptorFixtures {
    /// The record for a fixture path.
    pub fn image(&self, path: &str) -> Option<&ImageRecord> {
        self.images.iter().find(|r| r.path == path)
    }

    /// The record whose file has this SHA-256.
    pub fn by_file_sha256(&self, sha256: &str) -> Option<&ImageRecord> {
        self.images.iter().find(|r| r.file_sha256 == sha256)
    }

    /// The face dlib found in a photo (`None`: unknown path or no face).
    pub fn face(&self, path: &str) -> Option<&FaceRecord> {
        self.image(path)?.faces.first()
    }

    /// Every (record, face) pair, in file order.
    pub fn faces(&self) -> impl Iterator<Item = (&ImageRecord, &FaceRecord)> {
        self.images
            .iter()
            .flat_map(|r| r.faces.iter().map(move |f| (r, f)))
    }
}

/// `pairs_mini.json`: lfw-dev-mini's 100 verification pairs.
#[derive(Debug, Clone, Deserialize)]
pub struct PairFixtures {
    pub header: PairsHeader,
    pub pairs: Vec<PairRecord>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PairsHeader {
    #[serde(flatten)]
    pub common: FixtureHeader,
    /// Decision threshold (0.6): `dlib_same = distance <= threshold`.
    pub threshold: f64,
    pub pair_count: usize,
    /// Pairs with no decision (dlib found no face in an image).
    pub undecided: usize,
    /// Pairs where dlib's decision equals the truth.
    pub correct: usize,
    /// `correct / pair_count`.
    pub accuracy: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PairRecord {
    /// Fixture paths of both photos (keys into `descriptors.json`).
    pub a: String,
    pub b: String,
    /// Ground truth: the same person.
    pub same: bool,
    /// dlib's Euclidean distance; `None` when either photo has no face.
    pub distance: Option<f64>,
    /// dlib's decision at the threshold; `None` when undecided.
    pub dlib_same: Option<bool>,
}

/// Load `tests/fixtures/dlib/descriptors.json` (panics if broken).
pub fn load_descriptor_fixtures() -> DescriptorFixtures {
    load_json("descriptors.json")
}

/// Load `tests/fixtures/dlib/pairs_mini.json` (panics if broken).
pub fn load_pair_fixtures() -> PairFixtures {
    load_json("pairs_mini.json")
}

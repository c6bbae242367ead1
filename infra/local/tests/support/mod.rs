//! Helpers for riv-local's face tests. Finding the inputs — the dlib model
//! files and the public photos — is a minimal copy of
//! `face-engine/tests/support`.
//!
//! The `require_*` helpers return the path, or print why the test is skipped
//! and return `None`; under `CI=true` a missing input fails the test instead,
//! so CI can never pass by skipping.
//!
//! Also the in-memory bucket [`MemObjects`], the shared [`engine`] and a
//! faceless image ([`blank_png`]).
//!
//! Environment: `RIV_MODEL_DIR` and `RIV_PUBLIC_PHOTOS` override the default
//! folders under `${XDG_CACHE_HOME:-~/.cache}/riv`.

// Failing loudly (panicking) is how a test helper reports a broken input.
#![allow(dead_code, clippy::panic, clippy::expect_used, clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use riv_consumers::PortError;
use riv_consumers::ports::ObjectStore;
use riv_events::ObjectKey;
use riv_face_engine::{EngineConfig, FaceEngine};
use sha2::{Digest, Sha256};

/// The model files [`riv_face_engine::FaceEngine::load`] reads.
pub const ENGINE_MODELS: [&str; 3] = [
    "frontal_face_detector.dat",
    "shape_predictor_5_face_landmarks.dat",
    "dlib_face_recognition_resnet_model_v1.dat",
];

/// The workspace root (the folder holding the workspace `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    let krate = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    krate
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|toml| toml.contains("[workspace]"))
        })
        .map_or_else(|| krate.join("..").join(".."), Path::to_path_buf)
}

/// True under CI (`CI=true`): missing inputs fail, never skip.
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

/// Report a missing input: panic under CI, else print the reason and return
/// `None`.
pub fn skip<T>(reason: &str) -> Option<T> {
    let test = std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_owned();
    if in_ci() {
        panic!("{test}: {reason} (CI=true: missing inputs fail instead of skipping)");
    }
    eprintln!("SKIPPED {test}: {reason}");
    None
}

/// The model folder holding every file the engine loads, or a skip.
pub fn require_models() -> Option<PathBuf> {
    let hint = "run `make setup` (riv models fetch) or set RIV_MODEL_DIR";
    let dir = env_dir("RIV_MODEL_DIR").unwrap_or_else(|| cache_root().join("models"));
    let missing: Vec<&str> = ENGINE_MODELS
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
fn public_photo_checksums() -> BTreeMap<String, String> {
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

/// The bytes of one public photo (e.g. `"obama.jpg"`), present and matching
/// its pinned checksum, or a skip.
pub fn require_public_photo(name: &str) -> Option<Vec<u8>> {
    let hint = "run `make photos` (python3 tools/public-photos/fetch.py)";
    let Some(want) = public_photo_checksums().get(name).cloned() else {
        panic!("{name} is not a known public photo (see tools/public-photos/checksums.txt)");
    };
    let dir = env_dir("RIV_PUBLIC_PHOTOS").unwrap_or_else(|| cache_root().join("public-photos"));
    let path = dir.join(name);
    match std::fs::read(&path) {
        Ok(bytes) if sha256_hex(&bytes) == want => Some(bytes),
        Ok(_) => skip(&format!(
            "{} does not match its checksum; {hint}",
            path.display()
        )),
        Err(_) => skip(&format!("{} missing; {hint}", path.display())),
    }
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut hex = String::with_capacity(64);
    for byte in Sha256::digest(bytes).iter() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// A bucket in memory.
#[derive(Debug, Default)]
pub struct MemObjects(Mutex<HashMap<ObjectKey, Vec<u8>>>);

#[async_trait]
impl ObjectStore for MemObjects {
    async fn get(&self, key: &ObjectKey) -> Result<Option<Vec<u8>>, PortError> {
        Ok(self.0.lock().unwrap().get(key).cloned())
    }
    async fn put(&self, key: &ObjectKey, bytes: Vec<u8>) -> Result<(), PortError> {
        self.0.lock().unwrap().insert(key.clone(), bytes);
        Ok(())
    }
    async fn delete(&self, key: &ObjectKey) -> Result<(), PortError> {
        self.0.lock().unwrap().remove(key);
        Ok(())
    }
}

/// One engine for the whole binary (loading checksums ~100 MB of models).
pub fn engine() -> Option<Arc<FaceEngine>> {
    static ENGINE: OnceLock<Option<Arc<FaceEngine>>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let dir = require_models()?;
            Some(Arc::new(
                FaceEngine::load(EngineConfig::with_model_dir(dir)).expect("engine loads"),
            ))
        })
        .clone()
}

/// A valid 256×256 mid-grey PNG (stored deflate blocks): decodes, has no face.
pub fn blank_png() -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let side = 256u32;
    let mut raw = Vec::new();
    for _ in 0..side {
        raw.push(0); // filter: none
        raw.extend(std::iter::repeat_n(128u8, side as usize));
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale
    chunk(&mut png, b"IHDR", &header);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// A file in the shared test data (`$RIV_TESTDATA`, else `../shared/testdata`
/// next to the workspace), or a skip.
pub fn require_testdata_file(relative: &str) -> Option<PathBuf> {
    let root = env_dir("RIV_TESTDATA")
        .unwrap_or_else(|| workspace_root().join("..").join("shared").join("testdata"));
    let path = root.join(relative);
    if path.is_file() {
        Some(path)
    } else {
        skip(&format!(
            "test data file {relative} missing from {}: set RIV_TESTDATA or place the shared test data next to the workspace",
            root.display()
        ))
    }
}

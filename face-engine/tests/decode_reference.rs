//! The dlib reference fixtures were computed on the pixels riv's own decoder
//! produces, so engine and dlib can be compared on identical input.
//!
//! JPEG decoders disagree in the last bit (IDCT and chroma upsampling differ
//! between libjpeg-turbo, which Pillow and dlib use, and the pure-Rust
//! decoder riv uses), and one changed pixel changes a chip's SHA-256. So
//! `tools/dlib-reference/make_fixtures.py` asks riv to decode every photo (the
//! ignored `dump_decoded_pixels` below) and feeds those pixels to dlib.
//!
//! `decoded_pixels_match_the_fixtures` guards that contract: if a dependency
//! update changes riv's decoded pixels, the fixtures must be regenerated.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod support;

use std::io::Write as _;
use std::path::PathBuf;

use riv_face_engine::image::{DecodeLimits, decode};
use support::{fixture_image_path, load_descriptor_fixtures, require_testdata, sha256_hex};

#[test]
fn decoded_pixels_match_the_fixtures() {
    let Some(_) = require_testdata() else { return };
    let fx = load_descriptor_fixtures();
    let (mut checked, mut differ, mut absent) = (0, Vec::new(), Vec::new());
    for r in &fx.images {
        let Some(path) = fixture_image_path(&r.path) else {
            absent.push(r.path.as_str());
            continue;
        };
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            sha256_hex(&bytes),
            r.file_sha256,
            "{}: file changed",
            r.path
        );
        let img = decode(&bytes, &DecodeLimits::default())
            .unwrap_or_else(|e| panic!("{}: riv cannot decode: {e}", r.path));
        assert_eq!(
            (img.width(), img.height()),
            (r.width, r.height),
            "{}: size",
            r.path
        );
        checked += 1;
        if sha256_hex(img.pixels()) != r.pixels_sha256 {
            differ.push(r.path.as_str());
        }
    }
    // Public photos are only there after `make photos`; test data photos must be.
    let missing_testdata: Vec<_> = absent
        .iter()
        .filter(|p| !p.starts_with(support::PUBLIC_PHOTOS_PREFIX))
        .collect();
    assert!(
        missing_testdata.is_empty(),
        "test data photos missing: {missing_testdata:?}"
    );
    if !absent.is_empty() {
        eprintln!(
            "note: {} public photo(s) not fetched, not checked",
            absent.len()
        );
    }
    assert!(
        differ.is_empty(),
        "{} of {checked} photos decode to other pixels than the fixtures were made from \
         (decoder changed? regenerate with tools/dlib-reference/make_fixtures.py): {differ:?}",
        differ.len()
    );
}

/// Not a test: the decoding step of `tools/dlib-reference/make_fixtures.py`.
///
/// Reads `RIV_DECODE_LIST`, a file of `input<TAB>output` lines, decodes each
/// input with riv's decoder (default limits, EXIF orientation applied) and
/// writes the RGB pixels to output as a binary PPM (`P6`).
#[test]
#[ignore = "tool for tools/dlib-reference/make_fixtures.py"]
fn dump_decoded_pixels() {
    let list = std::env::var_os("RIV_DECODE_LIST").expect("set RIV_DECODE_LIST");
    let text = std::fs::read_to_string(&list).expect("read RIV_DECODE_LIST");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (input, output) = line.split_once('\t').expect("input<TAB>output");
        let bytes = std::fs::read(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        let img = decode(&bytes, &DecodeLimits::default())
            .unwrap_or_else(|e| panic!("{input}: riv cannot decode: {e}"));
        let out = PathBuf::from(output);
        let mut f = std::fs::File::create(&out).unwrap_or_else(|e| panic!("{output}: {e}"));
        write!(f, "P6\n{} {}\n255\n", img.width(), img.height()).expect("write header");
        f.write_all(img.pixels()).expect("write pixels");
    }
}

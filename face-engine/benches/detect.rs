//! Speed of the HOG face detector on a 640×480 selfie-sized photo and a
//! 512×512 one, at upsample 0 and 1, with the whole rayon pool and with one
//! thread (dlib's detector is single-threaded; compare with
//! `tools/dlib-reference/bench_dlib.py`).
//!
//! Run with `cargo bench -p riv-face-engine --bench detect`. The detector is
//! read from `RIV_MODEL_DIR` (default `~/.cache/riv/models`): dlib's
//! `frontal_face_detector.h` or the `frontal_face_detector.dat` that
//! `riv models fetch` installs; without either the bench says so and
//! measures nothing. The photo is `face-recognition-examples/obama-480p.jpg`
//! of the shared test photos (`RIV_TESTDATA`, default `../shared/testdata`)
//! resized, else a generated image of the same size.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use riv_face_engine::hog::HogDetector;
use riv_face_engine::image::{DecodeLimits, RgbImage, decode};
use riv_face_engine::pyramid::resize_rgb;

fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn detector() -> Option<HogDetector> {
    let dir = env_dir("RIV_MODEL_DIR")
        .or_else(|| env_dir("HOME").map(|h| h.join(".cache/riv/models")))?;
    if let Ok(text) = std::fs::read_to_string(dir.join("frontal_face_detector.h")) {
        return HogDetector::from_dlib_header(&text).ok();
    }
    let bytes = std::fs::read(dir.join("frontal_face_detector.dat")).ok()?;
    HogDetector::from_serialized(&bytes).ok()
}

/// The test photo resized to `width × height`, or a generated stand-in.
fn photo(width: u32, height: u32) -> RgbImage {
    let testdata = env_dir("RIV_TESTDATA")
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata"));
    let path = testdata.join("face-recognition-examples/obama-480p.jpg");
    if let Some(img) = std::fs::read(path)
        .ok()
        .and_then(|bytes| decode(&bytes, &DecodeLimits::default()).ok())
    {
        return resize_rgb(&img, width, height);
    }
    eprintln!("detect bench: shared test photos not found, using a generated image");
    let mut img = RgbImage::new(width, height);
    for y in 0..height {
        for x in 0..width {
            let v = ((x * 7 + y * 3) ^ (x * y / 13)) % 256;
            img.put(x, y, [v as u8, (v / 2) as u8, (255 - v) as u8]);
        }
    }
    img
}

fn bench(c: &mut Criterion) {
    let Some(detector) = detector() else {
        eprintln!(
            "detect bench skipped: no frontal_face_detector.h or .dat in the model folder; \
             run `riv models fetch` or set RIV_MODEL_DIR"
        );
        return;
    };
    let cores = rayon::current_num_threads();
    let Ok(single) = rayon::ThreadPoolBuilder::new().num_threads(1).build() else {
        eprintln!("detect bench skipped: cannot build a one-thread pool");
        return;
    };
    let mut g = c.benchmark_group("hog_detect");
    g.sample_size(30).measurement_time(Duration::from_secs(6));
    for (width, height) in [(640, 480), (512, 512)] {
        let img = photo(width, height);
        let gray = img.to_gray();
        for upsample in [0, 1] {
            let name = format!("{width}x{height}/rgb/upsample{upsample}");
            g.bench_function(format!("{name}/{cores}_threads"), |b| {
                b.iter(|| black_box(detector.detect(&img, upsample, 0.0)))
            });
            g.bench_function(format!("{name}/1_thread"), |b| {
                b.iter(|| single.install(|| black_box(detector.detect(&img, upsample, 0.0))))
            });
        }
        g.bench_function(
            format!("{width}x{height}/gray/upsample0/{cores}_threads"),
            |b| b.iter(|| black_box(detector.detect(&gray, 0, 0.0))),
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

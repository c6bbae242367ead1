//! Speed of the 5-point landmarks, face chips and image pyramids.
//!
//! Run with `cargo bench -p riv-face-engine --bench landmarks`. The shape
//! predictor is read from `RIV_MODEL_DIR` (default `~/.cache/riv/models`);
//! without it the landmark bench is skipped and the rest still runs. The
//! photo is the first face of `tests/fixtures/shape_reference.json` when the
//! shared test photos are present (`RIV_TESTDATA`, default
//! `../shared/testdata`), else a generated image of the same size.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use riv_face_engine::chip::face_chip;
use riv_face_engine::geometry::{Point, Rect};
use riv_face_engine::image::{DecodeLimits, RgbImage, decode};
use riv_face_engine::pyramid::{PyramidDown, pyramid_up_rgb};
use riv_face_engine::shape::{ShapePredictor, round_parts};

fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn model_path() -> Option<PathBuf> {
    let dir = env_dir("RIV_MODEL_DIR")
        .or_else(|| env_dir("HOME").map(|h| h.join(".cache/riv/models")))?;
    Some(dir.join("shape_predictor_5_face_landmarks.dat")).filter(|p| p.is_file())
}

/// A real photo and dlib's face box in it, from the shape fixture.
fn photo() -> Option<(RgbImage, Rect)> {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let testdata =
        env_dir("RIV_TESTDATA").unwrap_or_else(|| crate_dir.join("../../shared/testdata"));
    let fixture =
        std::fs::read_to_string(crate_dir.join("tests/fixtures/shape_reference.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&fixture).ok()?;
    let face = json.get("faces")?.get(0)?;
    let path = testdata.join(face.get("path")?.as_str()?);
    let rect: Vec<i64> = face
        .get("rect")?
        .as_array()?
        .iter()
        .filter_map(serde_json::Value::as_i64)
        .collect();
    let image = decode(&std::fs::read(path).ok()?, &DecodeLimits::default()).ok()?;
    Some((
        image,
        Rect::new(*rect.first()?, *rect.get(1)?, *rect.get(2)?, *rect.get(3)?),
    ))
}

/// Stand-in when the photos are absent: 250×250 with some structure.
fn generated() -> (RgbImage, Rect) {
    let mut img = RgbImage::new(250, 250);
    for y in 0..250 {
        for x in 0..250 {
            let v = ((x * 7 + y * 13) ^ (x * y / 50)) % 256;
            img.put(x, y, [v as u8, (v / 2) as u8, (255 - v) as u8]);
        }
    }
    (img, Rect::new(68, 68, 175, 175))
}

fn bench(c: &mut Criterion) {
    let (image, face) = photo().unwrap_or_else(generated);
    let mut g = c.benchmark_group("landmarks");
    g.measurement_time(Duration::from_secs(5));

    let mut landmarks = [
        Point::new(160.0, 110.0),
        Point::new(140.0, 112.0),
        Point::new(90.0, 110.0),
        Point::new(110.0, 112.0),
        Point::new(125.0, 150.0),
    ];
    match model_path().map(std::fs::read) {
        Some(Ok(bytes)) => match ShapePredictor::from_dat_bytes(&bytes) {
            Ok(predictor) => {
                g.bench_function("predict_5_points", |b| {
                    b.iter(|| predictor.predict(black_box(&image), black_box(&face)))
                });
                landmarks = round_parts(&predictor.predict(&image, &face));
                g.sample_size(10);
                g.bench_function("load_model", |b| {
                    b.iter(|| ShapePredictor::from_dat_bytes(black_box(&bytes)))
                });
                g.sample_size(100);
            }
            Err(e) => eprintln!("landmark bench skipped: {e}"),
        },
        _ => eprintln!(
            "landmark bench skipped: shape_predictor_5_face_landmarks.dat not found; \
             run `riv models fetch` or set RIV_MODEL_DIR"
        ),
    }
    g.bench_function("face_chip_150", |b| {
        b.iter(|| face_chip(black_box(&image), black_box(&landmarks), 150, 0.25))
    });
    g.finish();

    let vga = generated().0;
    let vga = riv_face_engine::pyramid::resize_rgb(&vga, 640, 480);
    let mut g = c.benchmark_group("pyramid_640x480");
    let six = PyramidDown::new(6);
    if let Some(six) = six {
        g.bench_function("down_6", |b| b.iter(|| six.down_rgb(black_box(&vga))));
    }
    g.bench_function("down_2", |b| {
        b.iter(|| PyramidDown::HALF.down_rgb(black_box(&vga)))
    });
    g.bench_function("up", |b| b.iter(|| pyramid_up_rgb(black_box(&vga))));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

//! Latency of the PDF417 reader, plain (one attempt) and with retries, on
//! the Ohio-style sample licence back (decodes only after 2× upscaling), on
//! generated licence symbols at module widths of 1 to 4 pixels (clean, as a
//! degraded photo, tilted 4°), and on images without a barcode (where every
//! retry runs: the worst case).
//!
//! Run with `cargo bench -p riv-document-engine --bench pdf417`. Before the
//! timings it prints, per image, which attempt decoded it. The sample comes
//! from the shared test photos (`RIV_TESTDATA`, default
//! `../shared/testdata`); without them its rows are left out.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)] // bench code

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use image::DynamicImage;
use riv_document_engine::barcode::{DecodeOptions, Retries, decode_pdf417_with};
use support::fixtures::{self, Degradation};
use support::render::{self, Rng, dynamic};

fn images() -> Vec<(String, DynamicImage)> {
    let mut out = Vec::new();
    if let Some(dir) = support::testdata_dir() {
        for (name, relative) in [
            (
                "ohio sample 800x504",
                "id-documents/aamva-pdf417/SampleDriversLicense.jpg",
            ),
            (
                "face photo 1920x1080 (no barcode)",
                "face-recognition-examples/obama-1080p.jpg",
            ),
        ] {
            if let Ok(image) = image::open(dir.join(relative)) {
                out.push((name.to_owned(), image));
            }
        }
    }
    let licence = fixtures::licences()
        .into_iter()
        .find(|(name, _)| *name == "VA v10")
        .map(|(_, payload)| payload)
        .unwrap();
    let matrix = render::pdf417_matrix(&licence.to_text(), 5);
    let mut rng = Rng::new(1);
    for module_px in fixtures::MODULE_WIDTHS {
        let symbol = render::draw(&matrix, module_px, 2);
        let (w, h) = symbol.dimensions();
        out.push((
            format!("generated {module_px}px clean {w}x{h}"),
            dynamic(symbol.clone()),
        ));
        if module_px >= 2 {
            let photo = Degradation::Photo.apply(&symbol, module_px, &mut rng);
            out.push((format!("generated {module_px}px photo"), dynamic(photo)));
            let tilted = Degradation::Rotate(4.0).apply(&symbol, module_px, &mut rng);
            out.push((
                format!("generated {module_px}px tilted 4deg"),
                dynamic(tilted),
            ));
        }
    }
    out.push((
        "noise 1200x800 (no barcode)".to_owned(),
        dynamic(rng.noise_image(1200, 800)),
    ));
    out
}

fn bench(c: &mut Criterion) {
    let plain = DecodeOptions {
        retries: Retries::None,
        ..DecodeOptions::default()
    };
    let full = DecodeOptions::default();
    let images = images();
    println!("\nwhich attempt decodes each image (plain | with retries):");
    for (name, image) in &images {
        let describe = |options: &DecodeOptions| match decode_pdf417_with(image, options) {
            Ok(Some(p)) => format!("{} after {} attempts", p.attempt, p.attempts_tried),
            Ok(None) => "none".to_owned(),
            Err(e) => format!("error: {e}"),
        };
        println!("  {name:40} {} | {}", describe(&plain), describe(&full));
    }
    let mut group = c.benchmark_group("pdf417");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    for (name, image) in &images {
        group.bench_function(format!("{name} / plain"), |b| {
            b.iter(|| decode_pdf417_with(black_box(image), &plain))
        });
        group.bench_function(format!("{name} / retries"), |b| {
            b.iter(|| decode_pdf417_with(black_box(image), &full))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

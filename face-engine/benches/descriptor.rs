//! Speed of the 128-d descriptor network: one chip at a time (latency), a
//! batch of chips (throughput of one caller), and several callers at once
//! (throughput of a server answering concurrent requests); and of the MMOD
//! CNN detector on a 640×480 frame.
//!
//! Run with `cargo bench -p riv-face-engine --bench descriptor`. The model
//! is read from `RIV_MODEL_DIR` (default `~/.cache/riv/models`); without it
//! the bench says so and measures nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use riv_face_engine::image::RgbImage;
use riv_face_engine::nn::{CHIP_SIZE, DESCRIPTOR_MODEL_NAME, DescriptorNet, MmodNet};

fn model_path() -> Option<PathBuf> {
    let dir = std::env::var_os("RIV_MODEL_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/riv/models")))?;
    Some(dir.join(format!("{DESCRIPTOR_MODEL_NAME}.dat"))).filter(|p| p.is_file())
}

/// A chip-sized image; the network's cost does not depend on the content.
fn chip(seed: u32) -> RgbImage {
    let mut img = RgbImage::new(CHIP_SIZE, CHIP_SIZE);
    for y in 0..CHIP_SIZE {
        for x in 0..CHIP_SIZE {
            let v = (x * 3 + y * 5 + seed * 17) % 256;
            img.put(x, y, [v as u8, (255 - v) as u8, ((x ^ y) % 256) as u8]);
        }
    }
    img
}

fn bench(c: &mut Criterion) {
    let Some(path) = model_path() else {
        eprintln!(
            "descriptor bench skipped: {DESCRIPTOR_MODEL_NAME}.dat not found; \
             run `riv models fetch` or set RIV_MODEL_DIR"
        );
        return;
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (net, net1) = match (DescriptorNet::load(&path), DescriptorNet::load(&path)) {
        (Ok(a), Ok(b)) => (a.with_threads(cores), b.with_threads(1)),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("descriptor bench skipped: cannot load the model: {e}");
            return;
        }
    };
    let chips: Vec<RgbImage> = (0..8).map(chip).collect();

    let mut g = c.benchmark_group("descriptor");
    g.sample_size(30).measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(1));
    g.bench_function(format!("single/{cores}_threads"), |b| {
        b.iter(|| net.descriptor(&chips[0]))
    });
    g.bench_function("single/1_thread", |b| b.iter(|| net1.descriptor(&chips[0])));
    g.throughput(Throughput::Elements(chips.len() as u64));
    g.bench_function(format!("batch8/{cores}_threads"), |b| {
        b.iter(|| net.descriptors(&chips))
    });
    g.bench_function("batch8/1_thread", |b| b.iter(|| net1.descriptors(&chips)));
    // One single-threaded caller per core, each doing one chip at a time.
    g.throughput(Throughput::Elements((cores * 4) as u64));
    g.bench_function(format!("concurrent/{cores}_callers_x4_single"), |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                for t in 0..cores {
                    let (net1, chips) = (&net1, &chips);
                    s.spawn(move || {
                        for i in 0..4 {
                            let _ = net1.descriptor(&chips[(t + i) % chips.len()]);
                        }
                    });
                }
            })
        })
    });
    g.finish();

    // The MMOD CNN detector on a VGA frame (its cost depends on the size,
    // not on the content).
    let mmod = path.with_file_name("mmod_human_face_detector.dat");
    let Ok(bytes) = std::fs::read(&mmod) else {
        eprintln!("mmod bench skipped: {} not found", mmod.display());
        return;
    };
    let (Ok(det), Ok(det1)) = (
        MmodNet::from_dat_bytes(&bytes),
        MmodNet::from_dat_bytes(&bytes),
    ) else {
        eprintln!("mmod bench skipped: cannot load the model");
        return;
    };
    let (det, det1) = (det.with_threads(cores), det1.with_threads(1));
    let mut vga = RgbImage::new(640, 480);
    for (i, p) in vga.pixels_mut().iter_mut().enumerate() {
        *p = (i * 13 % 251) as u8;
    }
    let mut g = c.benchmark_group("mmod");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function(format!("640x480/{cores}_threads"), |b| {
        b.iter(|| det.detect(&vga, 0.0))
    });
    g.bench_function("640x480/1_thread", |b| b.iter(|| det1.detect(&vga, 0.0)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

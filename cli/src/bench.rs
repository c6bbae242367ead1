//! `riv bench`: the face engine timed next to dlib, on the same pixels, in
//! the same run, printed as a table with ratios.
//!
//! With `--dlib-python PY`, dlib's own timings come from
//! `tools/dlib-reference/bench_dlib.py` run by that interpreter; the script
//! also writes its inputs, and riv times exactly those images. Each figure
//! is the median wall-clock time over `--repeat` runs after a warm-up, on
//! one thread unless the row says otherwise.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use riv_face_engine::{EngineConfig, FaceEngine, RgbImage};
use serde_json::{Value, json};

pub struct BenchArgs {
    pub images: Vec<PathBuf>,
    pub dlib_python: Option<String>,
    pub repeat: usize,
    pub config: EngineConfig,
}

/// Median of `repeat` timed runs (ms) after one warm-up.
fn timed<T>(repeat: usize, mut f: impl FnMut() -> T) -> f64 {
    std::hint::black_box(f());
    let mut ms: Vec<f64> = (0..repeat.max(1))
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    ms[ms.len() / 2]
}

/// Runs dlib's benchmark; returns its report and the inputs it wrote.
fn run_dlib(python: &str, repeat: usize, inputs: &Path) -> Result<(Value, Vec<PathBuf>)> {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/dlib-reference/bench_dlib.py");
    let output = Command::new(python)
        .arg(&script)
        .arg("--repeat")
        .arg(repeat.to_string())
        .arg("--save-inputs")
        .arg(inputs)
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !output.status.success() {
        bail!(
            "dlib's benchmark failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let report: Value = serde_json::from_slice(&output.stdout).context("reading dlib's report")?;
    let mut images: Vec<PathBuf> = std::fs::read_dir(inputs)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    images.sort();
    Ok((report, images))
}

/// Peak resident memory of this process (Linux), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

struct Row {
    step: String,
    riv_ms: f64,
    dlib_ms: Option<f64>,
}

fn bench_image(
    engine: &FaceEngine,
    up0: &FaceEngine,
    image: &RgbImage,
    repeat: usize,
    dlib: Option<&Value>,
) -> Result<Vec<Row>> {
    let label = format!("{}×{}", image.width(), image.height());
    let d = |key: &str| dlib.and_then(|r| r.pointer(key)).and_then(Value::as_f64);
    let mut rows = vec![
        Row {
            step: format!("HOG detection, {label}, no upsampling"),
            riv_ms: timed(repeat, || up0.detect_boxes(image, 0.0)),
            dlib_ms: d("/detect_ms_upsample0/median"),
        },
        Row {
            step: format!("HOG detection, {label}, upsampled once (40 px faces)"),
            riv_ms: timed(repeat, || engine.detect_boxes(image, 0.0)),
            dlib_ms: d("/detect_ms_upsample1/median"),
        },
    ];
    let boxes = engine.detect_boxes(image, 0.0);
    let Some(face) = boxes.iter().max_by_key(|b| b.rect.area()) else {
        return Ok(rows);
    };
    let landmarks = engine.landmarks(image, &face.rect);
    rows.push(Row {
        step: "5-point landmarks, per face".into(),
        riv_ms: timed(repeat * 10, || engine.landmarks(image, &face.rect)),
        dlib_ms: d("/shape_ms/median"),
    });
    rows.push(Row {
        step: "150×150 face chip, per face".into(),
        riv_ms: timed(repeat, || engine.chip(image, &landmarks)),
        dlib_ms: d("/chip_ms/median"),
    });
    rows.push(Row {
        step: "descriptor (chip + network), one face".into(),
        riv_ms: timed(repeat, || engine.descriptor(image, &landmarks)),
        dlib_ms: d("/descriptor_ms/median"),
    });
    // Throughput: as many faces as dlib's batch, one per core at a time.
    let faces = dlib
        .and_then(|r| r.pointer("/batched/faces"))
        .and_then(Value::as_u64)
        .unwrap_or(8) as usize;
    let total = timed(repeat, || {
        (0..faces)
            .into_par_iter()
            .map(|_| engine.descriptor(image, &landmarks).is_ok())
            .count()
    });
    rows.push(Row {
        step: format!("descriptors, batch of {faces}, per face (riv: all cores; dlib: one call)"),
        riv_ms: total / faces as f64,
        dlib_ms: d("/batched/per_face_ms/median"),
    });
    rows.push(Row {
        step: format!("whole photo {label}: detect, measure and describe every face"),
        riv_ms: timed(repeat, || engine.analyze(image).map(|(d, _)| d.faces.len())),
        dlib_ms: None,
    });
    Ok(rows)
}

pub fn run(args: BenchArgs, out: &mut impl Write) -> Result<()> {
    let scratch = tempfile::tempdir()?;
    let (dlib_report, images) = match (&args.dlib_python, args.images.is_empty()) {
        (Some(python), true) => {
            let (report, images) = run_dlib(python, args.repeat, scratch.path())?;
            (Some(report), images)
        }
        (Some(_), false) => bail!("--dlib-python times its own inputs; give no images with it"),
        (None, false) => (None, args.images.clone()),
        (None, true) => {
            bail!("give images to time, or --dlib-python PY to time dlib's inputs next to dlib")
        }
    };
    let mut up0_config = args.config.clone();
    up0_config.detection.min_face_px = 80;
    let up0 = FaceEngine::load(up0_config)?;
    let engine = FaceEngine::load(args.config)?;
    writeln!(out, "| step | riv ms | dlib ms | dlib ÷ riv |")?;
    writeln!(out, "|---|---|---|---|")?;
    for (index, path) in images.iter().enumerate() {
        let image = engine.decode(&std::fs::read(path)?)?;
        let dlib = dlib_report
            .as_ref()
            .and_then(|r| r.pointer(&format!("/results/{index}")));
        for row in bench_image(&engine, &up0, &image, args.repeat, dlib)? {
            let (dlib_ms, ratio) = match row.dlib_ms {
                Some(d) => (format!("{d:.2}"), format!("{:.1}×", d / row.riv_ms)),
                None => ("–".into(), "–".into()),
            };
            writeln!(
                out,
                "| {} | {:.2} | {dlib_ms} | {ratio} |",
                row.step, row.riv_ms
            )?;
        }
    }
    let threads = rayon::current_num_threads();
    writeln!(
        out,
        "\n{threads} cores; peak resident memory of riv: {:.0} MiB (two engines loaded).",
        peak_rss_mib().unwrap_or(f64::NAN)
    )?;
    if let Some(report) = dlib_report {
        let build = report.get("dlib_build").cloned().unwrap_or(json!({}));
        let version = report
            .get("dlib_version")
            .and_then(Value::as_str)
            .unwrap_or("?");
        writeln!(out, "dlib {version} ({build}), one thread.")?;
    }
    Ok(())
}

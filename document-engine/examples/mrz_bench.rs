//! MRZ band reading on the shared specimens: per-document latency by stage
//! (detect, band selection, recognition) and the exact-line read rate.
//!
//! ```sh
//! taskset -c 0,1 cargo run --release -p riv-document-engine --example mrz_bench -- [REPEAT [STRETCH [DETECT_SIDE]]]
//! ```
//!
//! Models from `$RIV_MODEL_DIR` (else `~/.cache/riv/models`), specimens from
//! `$RIV_TESTDATA` (else `../shared/testdata`). Each image is read once to
//! build the network plans, then `REPEAT` times (default 3); the median of
//! each stage is reported.

#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use riv_document_engine::models::OcrModelDir;
use riv_document_engine::mrz_band::{MrzOptions, read_mrz};
use riv_document_engine::ocr::Ocr;

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let repeat: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3)
        .max(1);
    let models = env_path("RIV_MODEL_DIR").unwrap_or_else(|| {
        env_path("XDG_CACHE_HOME")
            .or_else(|| env_path("HOME").map(|h| h.join(".cache")))
            .unwrap_or_default()
            .join("riv")
            .join("models")
    });
    let testdata = env_path("RIV_TESTDATA")
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata"));
    let started = Instant::now();
    let ocr = Ocr::load(&OcrModelDir::new(models))?;
    println!("models loaded in {:.0} ms", ms(started.elapsed()));
    let truth = std::fs::read_to_string(testdata.join("id-documents/truth_mrz.tsv"))?;
    let mut options = MrzOptions::default();
    if let Some(stretch) = std::env::args().nth(2).and_then(|a| a.parse().ok()) {
        options.stretch = stretch;
    }
    if let Some(side) = std::env::args().nth(3).and_then(|a| a.parse().ok()) {
        options.detect_side = side;
    }
    println!("options: {options:?}");
    let (mut docs, mut lines, mut exact_lines, mut exact_docs) = (0, 0, 0, 0);
    let mut totals = Vec::new();
    let mut first_reads = Vec::new();
    println!(
        "{:<48} {:>8} {:>8} {:>8} {:>8}  lines",
        "document", "detect", "select", "read", "total"
    );
    for row in truth.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (subset, file, mrz, printed) = (
            cols[0],
            cols[1],
            cols.get(3).copied().unwrap_or(""),
            cols.get(7).copied().unwrap_or(""),
        );
        let target = !mrz.is_empty()
            && (printed.starts_with("yes")
                || (printed.is_empty() && matches!(subset, "mrz-fastmrz" | "mrz-passporteye")));
        if !target {
            continue;
        }
        let image = image::open(testdata.join("id-documents").join(subset).join(file))?;
        let first = Instant::now();
        read_mrz(&ocr, &image, &options)?;
        first_reads.push(first.elapsed());
        let mut detect = Vec::new();
        let mut select = Vec::new();
        let mut read = Vec::new();
        let mut total = Vec::new();
        let mut last = None;
        for _ in 0..repeat {
            let t = Instant::now();
            let reading = read_mrz(&ocr, &image, &options)?;
            total.push(t.elapsed());
            detect.push(reading.timings.detect);
            select.push(reading.timings.select);
            read.push(reading.timings.recognize);
            last = Some(reading);
        }
        let truth_lines: Vec<&str> = mrz.split("\\n").collect();
        let got: Vec<String> = last
            .clone()
            .and_then(|r| r.band)
            .map(|b| {
                b.lines
                    .into_iter()
                    .map(|l| l.text.replace('O', "0"))
                    .collect()
            })
            .unwrap_or_default();
        let exact = truth_lines
            .iter()
            .enumerate()
            .filter(|(i, t)| got.get(*i).is_some_and(|g| *g == t.replace('O', "0")))
            .count();
        if exact < truth_lines.len() {
            let read: Vec<String> = last
                .as_ref()
                .and_then(|r| r.band.as_ref())
                .map(|b| {
                    b.lines
                        .iter()
                        .map(|l| format!("{} [{}]", l.text, l.unrestricted))
                        .collect()
                })
                .unwrap_or_default();
            println!("  read  {read:?}\n  truth {truth_lines:?}");
        }
        docs += 1;
        lines += truth_lines.len();
        exact_lines += exact;
        exact_docs += usize::from(exact == truth_lines.len() && got.len() == truth_lines.len());
        let total = median(total);
        totals.push(total);
        println!(
            "{:<48} {:>6.0}ms {:>6.0}ms {:>6.0}ms {:>6.0}ms  {exact}/{}",
            format!("{subset}/{file}"),
            ms(median(detect)),
            ms(median(select)),
            ms(median(read)),
            ms(total),
            truth_lines.len()
        );
    }
    let mean = totals.iter().map(|d| ms(*d)).sum::<f64>() / totals.len().max(1) as f64;
    let worst = totals.iter().map(|d| ms(*d)).fold(0.0, f64::max);
    let first_mean =
        first_reads.iter().map(|d| ms(*d)).sum::<f64>() / first_reads.len().max(1) as f64;
    println!(
        "{docs} documents: {exact_docs} read exactly, {exact_lines}/{lines} lines exact (O=0); \
         per document mean {mean:.0} ms, worst {worst:.0} ms (first read incl. plan building: mean {first_mean:.0} ms)"
    );
    Ok(())
}

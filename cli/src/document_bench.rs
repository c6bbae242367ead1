//! `riv document bench DIR`: the document reader on a folder of specimens,
//! timed by stage, with its MRZ read rate.
//!
//! DIR holds `truth_mrz.tsv` (columns `subset`, `file`, …, `mrz` with lines
//! joined by `\n`, …, `printed_mrz_matches_truth`) and the images it names
//! under `SUBSET/FILE`; every image below DIR is read, with or without a
//! truth row. Each document is read `--repeat` times: the first pass builds
//! the OCR networks' plans for each new image shape (the cost a server pays
//! once per shape), later passes are the steady state. Printed per pass:
//! each stage's mean, median, 95th percentile and maximum per document —
//! decode, barcode, MRZ, printed labels, portrait (its own decode
//! included) — their sum (the work), the time a document took from start to
//! end as the pipeline reads it (barcode beside MRZ, portrait beside both),
//! that time against the 1.5 s goal, and the MRZ read rate: documents whose
//! printed MRZ is the truth read exactly with valid check digits, and
//! documents with wrong check digits flagged invalid.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use riv_document::model::FieldName;
use riv_document_engine::DocumentEngine;
use riv_face_engine::FaceEngine;
use riv_local::documents::{ReadError, read_sides};

/// The per-document latency goal.
const GOAL: Duration = Duration::from_millis(1500);

/// Image files the bench reads.
const IMAGE_EXTENSIONS: [&str; 4] = ["png", "jpg", "jpeg", "webp"];

/// What the truth says about one image.
#[derive(Debug, Clone)]
struct Truth {
    mrz: String,
    /// The printed MRZ is the truth (a reading target).
    target: bool,
    /// The truth's own check digits fail (a deliberately invalid document).
    invalid: bool,
}

/// One document read once.
#[derive(Debug, Clone, Copy, Default)]
struct Timed {
    decode: Duration,
    barcode: Duration,
    mrz: Duration,
    labels: Duration,
    portrait: Duration,
    /// From start to end.
    elapsed: Duration,
}

impl Timed {
    /// The work: every stage's time added up.
    fn work(&self) -> Duration {
        self.decode + self.barcode + self.mrz + self.labels + self.portrait
    }
}

/// Picks one stage's time out of a reading.
type StageOf = fn(&Timed) -> Duration;

/// How one pass went on the MRZ documents.
#[derive(Debug, Default)]
struct Rates {
    targets: usize,
    targets_exact: usize,
    invalid: usize,
    invalid_flagged: usize,
    portraits: usize,
    missed: Vec<String>,
}

pub fn bench(
    documents: &DocumentEngine,
    faces: &FaceEngine,
    dir: &Path,
    repeat: usize,
    today: NaiveDate,
    out: &mut impl Write,
) -> Result<()> {
    let truth = read_truth(dir)?;
    let mut images = Vec::new();
    collect_images(dir, &mut images)?;
    images.sort();
    if images.is_empty() {
        bail!("no images under {}", dir.display());
    }
    writeln!(
        out,
        "{} documents under {}, OCR {}; {} pass(es)",
        images.len(),
        dir.display(),
        if documents.reads_text() { "on" } else { "off" },
        repeat.max(1)
    )?;
    for pass in 1..=repeat.max(1) {
        let mut times = Vec::with_capacity(images.len());
        let mut names = Vec::with_capacity(images.len());
        let mut rates = Rates::default();
        for path in &images {
            let relative = path.strip_prefix(dir).unwrap_or(path);
            let key = relative.to_string_lossy().replace('\\', "/");
            let (timed, read) = read_one(documents, faces, path, today)?;
            times.push(timed);
            names.push(key.clone());
            rates.portraits += usize::from(read.portrait);
            if let Some(t) = truth.iter().find(|(k, _)| *k == key).map(|(_, t)| t) {
                if t.target {
                    rates.targets += 1;
                    if read.mrz == t.mrz && read.valid == Some(true) {
                        rates.targets_exact += 1;
                    } else {
                        rates.missed.push(key.clone());
                    }
                }
                if t.invalid {
                    rates.invalid += 1;
                    rates.invalid_flagged += usize::from(read.valid == Some(false));
                }
            }
        }
        report(out, pass, &times, &rates)?;
        slowest(out, &names, &times)?;
    }
    Ok(())
}

/// What one reading found that the rates need.
struct Read {
    mrz: String,
    valid: Option<bool>,
    portrait: bool,
}

fn read_one(
    documents: &DocumentEngine,
    faces: &FaceEngine,
    path: &Path,
    today: NaiveDate,
) -> Result<(Timed, Read)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let started = Instant::now();
    let read = read_sides(documents, faces, &[bytes], today);
    let elapsed = started.elapsed();
    let read = match read {
        Ok(read) => read,
        Err(ReadError::Undecodable { .. }) => {
            let nothing = Read {
                mrz: String::new(),
                valid: None,
                portrait: false,
            };
            let timed = Timed {
                elapsed,
                ..Timed::default()
            };
            return Ok((timed, nothing));
        }
        Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
    };
    let times = read.times;
    let timed = Timed {
        decode: times.decode,
        barcode: times.stages.barcode,
        mrz: times.stages.mrz,
        labels: times.stages.labels,
        portrait: times.portrait,
        elapsed,
    };
    let found = Read {
        mrz: read
            .analysis
            .value(FieldName::MrzCode)
            .unwrap_or_default()
            .to_owned(),
        valid: read.analysis.checks.check_digits_valid,
        portrait: !read.faces.is_empty(),
    };
    Ok((timed, found))
}

fn report(out: &mut impl Write, pass: usize, times: &[Timed], rates: &Rates) -> Result<()> {
    let first = if pass == 1 {
        " (builds the OCR plans for each new image shape)"
    } else {
        ""
    };
    writeln!(out, "\npass {pass}{first}")?;
    writeln!(
        out,
        "| stage | mean ms | median ms | p95 ms | max ms |\n|---|---|---|---|---|"
    )?;
    let stages: [(&str, StageOf); 7] = [
        ("decode", |t| t.decode),
        ("barcode", |t| t.barcode),
        ("MRZ", |t| t.mrz),
        ("printed labels", |t| t.labels),
        ("portrait", |t| t.portrait),
        ("work (sum)", Timed::work),
        ("per document", |t| t.elapsed),
    ];
    for (name, get) in stages {
        let mut values: Vec<Duration> = times.iter().map(get).collect();
        values.sort();
        let [mean, median, p95, max] = summary(&values);
        writeln!(
            out,
            "| {name} | {mean:.0} | {median:.0} | {p95:.0} | {max:.0} |"
        )?;
    }
    let mut totals: Vec<Duration> = times.iter().map(|t| t.elapsed).collect();
    totals.sort();
    let [mean, _, p95, max] = summary(&totals);
    let goal = GOAL.as_secs_f64() * 1000.0;
    let within = totals.iter().filter(|t| **t <= GOAL).count();
    writeln!(
        out,
        "per document: mean {mean:.0} ms = {:.2} × the {goal:.0} ms goal, p95 {:.2} ×, max {:.2} ×; {within}/{} within it",
        mean / goal,
        p95 / goal,
        max / goal,
        totals.len()
    )?;
    writeln!(
        out,
        "MRZ read rate: {}/{} documents whose printed MRZ is the truth read exactly with valid check digits ({:.1} %); {}/{} deliberately invalid ones flagged invalid; portrait found on {}/{} images",
        rates.targets_exact,
        rates.targets,
        100.0 * rates.targets_exact as f64 / rates.targets.max(1) as f64,
        rates.invalid_flagged,
        rates.invalid,
        rates.portraits,
        times.len()
    )?;
    if !rates.missed.is_empty() {
        writeln!(out, "not read exactly: {}", rates.missed.join(", "))?;
    }
    Ok(())
}

/// How many of the slowest documents are listed with their stages.
const SLOWEST: usize = 5;

/// The slowest documents of a pass, stage by stage.
fn slowest(out: &mut impl Write, names: &[String], times: &[Timed]) -> Result<()> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(times[i].elapsed));
    writeln!(
        out,
        "slowest: document, then ms per document (barcode / MRZ / labels / portrait)"
    )?;
    let ms = |d: Duration| d.as_millis();
    for &i in order.iter().take(SLOWEST) {
        let t = &times[i];
        writeln!(
            out,
            "  {} {} ({} / {} / {} / {})",
            names[i],
            ms(t.elapsed),
            ms(t.barcode),
            ms(t.mrz),
            ms(t.labels),
            ms(t.portrait)
        )?;
    }
    Ok(())
}

/// Mean, median, 95th percentile and maximum of sorted durations, in ms.
fn summary(sorted: &[Duration]) -> [f64; 4] {
    if sorted.is_empty() {
        return [0.0; 4];
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = sorted.iter().map(|d| ms(*d)).sum::<f64>() / sorted.len() as f64;
    let at = |q: f64| ms(sorted[((sorted.len() - 1) as f64 * q).round() as usize]);
    [mean, at(0.5), at(0.95), ms(sorted[sorted.len() - 1])]
}

/// `truth_mrz.tsv`'s rows with an MRZ, keyed `SUBSET/FILE`.
fn read_truth(dir: &Path) -> Result<Vec<(String, Truth)>> {
    let path = dir.join("truth_mrz.tsv");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut rows = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let col = |i: usize| cols.get(i).copied().unwrap_or("");
        let mrz = col(3).replace("\\n", "\n");
        if mrz.is_empty() {
            continue;
        }
        let printed = col(7);
        let target = printed.starts_with("yes")
            || (printed.is_empty() && matches!(col(0), "mrz-fastmrz" | "mrz-passporteye"));
        let invalid = col(5).contains("false");
        rows.push((
            format!("{}/{}", col(0), col(1)),
            Truth {
                mrz,
                target,
                invalid,
            },
        ));
    }
    Ok(rows)
}

fn collect_images(dir: &Path, into: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_images(&path, into)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            into.push(path);
        }
    }
    Ok(())
}

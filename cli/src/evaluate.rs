//! `riv faces evaluate --pairs FILE…`: verification accuracy and error
//! rates on labelled pairs (third column: 1 same person, 0 different).
//!
//! This is how the similarity scale was calibrated and how the table in
//! `docs/face-engine.md` is reproduced; operators can run it on their own
//! labelled pairs to choose thresholds.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};
use riv_face_engine::{EngineError, FaceEngine};
use serde::Serialize;

use crate::faces::{Pair, Pick, describe_all, read_pairs};

/// Similarity cut-offs reported.
const CUT_OFFS: [f64; 4] = [80.0, 90.0, 95.0, 99.0];
/// dlib's own same-person distance threshold.
const DLIB_THRESHOLD: f64 = 0.6;

#[derive(Debug, Serialize)]
struct Report {
    files: Vec<PathBuf>,
    pairs: usize,
    same_pairs: usize,
    different_pairs: usize,
    /// Pairs where a side had no usable face (counted as "no match").
    failed_pairs: usize,
    /// Accuracy at dlib's distance threshold 0.6, failures counted as "no match".
    accuracy_at_dlib_threshold: f64,
    /// The best accuracy any single distance threshold reaches, and that threshold.
    best_accuracy: f64,
    best_threshold: f64,
    cut_offs: Vec<CutOff>,
}

#[derive(Debug, Serialize)]
struct CutOff {
    similarity: f64,
    distance: f64,
    /// Different-person pairs scoring at or above the cut-off.
    false_match_rate: f64,
    false_matches: usize,
    /// Same-person pairs scoring below it (or failing).
    false_non_match_rate: f64,
    false_non_matches: usize,
}

/// A scored pair: truth and distance (None when a side failed).
struct Scored {
    same: bool,
    distance: Option<f64>,
}

pub fn evaluate(
    engine: &FaceEngine,
    files: &[PathBuf],
    pick: Pick,
    markdown: bool,
    out: &mut impl Write,
) -> Result<()> {
    let mut pairs: Vec<Pair> = Vec::new();
    for file in files {
        pairs.extend(read_pairs(file)?);
    }
    let descriptors = describe_all(engine, &pairs, pick);
    let mut scored = Vec::with_capacity(pairs.len());
    for pair in &pairs {
        let same = label(pair)?;
        let get = |p: &PathBuf| descriptors.get(p).and_then(|r| r.as_ref().ok());
        let distance = match (get(&pair.a), get(&pair.b)) {
            (Some(a), Some(b)) => Some(a.distance(b)),
            _ => None,
        };
        scored.push(Scored { same, distance });
    }
    let report = build_report(engine, files, &scored);
    if markdown {
        write_markdown(&report, out)?;
    } else {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    }
    let failures: usize = descriptors
        .values()
        .filter(|r| matches!(r, Err(EngineError::NoFace)))
        .count();
    tracing::info!(
        photos = descriptors.len(),
        without_face = failures,
        "evaluated"
    );
    Ok(())
}

/// A labelled pair's truth: third column 1 (same person) or 0.
pub fn label(pair: &Pair) -> Result<bool> {
    match pair.extra.first().map(String::as_str) {
        Some("1") => Ok(true),
        Some("0") => Ok(false),
        _ => bail!(
            "pair {} / {} has no 1/0 label in its third column",
            pair.a.display(),
            pair.b.display()
        ),
    }
}

fn accuracy_at(scored: &[Scored], threshold: f64) -> f64 {
    let correct = scored
        .iter()
        .filter(|s| s.same == s.distance.is_some_and(|d| d < threshold))
        .count();
    correct as f64 / scored.len().max(1) as f64
}

fn build_report(engine: &FaceEngine, files: &[PathBuf], scored: &[Scored]) -> Report {
    let same_pairs = scored.iter().filter(|s| s.same).count();
    let different_pairs = scored.len() - same_pairs;
    let mut thresholds: Vec<f64> = scored.iter().filter_map(|s| s.distance).collect();
    thresholds.sort_by(f64::total_cmp);
    let (mut best_accuracy, mut best_threshold) = (0.0, DLIB_THRESHOLD);
    for pair in thresholds.windows(2) {
        let t = (pair[0] + pair[1]) / 2.0;
        let acc = accuracy_at(scored, t);
        if acc > best_accuracy {
            (best_accuracy, best_threshold) = (acc, t);
        }
    }
    let scale = engine.config().similarity;
    let cut_offs = CUT_OFFS
        .iter()
        .map(|&similarity| {
            let matches = |s: &Scored| {
                s.distance
                    .is_some_and(|d| scale.similarity(d) >= similarity)
            };
            let false_matches = scored.iter().filter(|s| !s.same && matches(s)).count();
            let false_non_matches = scored.iter().filter(|s| s.same && !matches(s)).count();
            CutOff {
                similarity,
                distance: scale.distance_at(similarity),
                false_match_rate: false_matches as f64 / different_pairs.max(1) as f64,
                false_matches,
                false_non_match_rate: false_non_matches as f64 / same_pairs.max(1) as f64,
                false_non_matches,
            }
        })
        .collect();
    Report {
        files: files.to_vec(),
        pairs: scored.len(),
        same_pairs,
        different_pairs,
        failed_pairs: scored.iter().filter(|s| s.distance.is_none()).count(),
        accuracy_at_dlib_threshold: accuracy_at(scored, DLIB_THRESHOLD),
        best_accuracy,
        best_threshold,
        cut_offs,
    }
}

fn write_markdown(report: &Report, out: &mut impl Write) -> Result<()> {
    writeln!(
        out,
        "{} pairs ({} same, {} different; {} with a side without a usable face). \
         Accuracy at dlib's threshold 0.6: {:.2} %; best single threshold {:.3}: {:.2} %.\n",
        report.pairs,
        report.same_pairs,
        report.different_pairs,
        report.failed_pairs,
        100.0 * report.accuracy_at_dlib_threshold,
        report.best_threshold,
        100.0 * report.best_accuracy
    )?;
    writeln!(
        out,
        "| similarity ≥ | distance ≤ | false-match rate | false-non-match rate |"
    )?;
    writeln!(out, "|---|---|---|---|")?;
    for c in &report.cut_offs {
        writeln!(
            out,
            "| {} | {:.3} | {:.3} % ({}/{}) | {:.2} % ({}/{}) |",
            c.similarity,
            c.distance,
            100.0 * c.false_match_rate,
            c.false_matches,
            report.different_pairs,
            100.0 * c.false_non_match_rate,
            c.false_non_matches,
            report.same_pairs
        )?;
    }
    Ok(())
}

//! `riv faces evaluate-portraits --pairs FILE…`: how a selfie compares with
//! a document's printed portrait, measured on labelled pairs whose second
//! photo is rendered as an identity card's front ([`crate::portrait_cards`]).
//!
//! Each side is handled as the embedded pipeline's `compare_faces` does: the
//! selfie (first photo, as is) by its largest face; the card by every face
//! [`riv_local::faces::portrait::document_faces`] finds (small images are
//! doubled first), the best-scoring one counting. The same pairs compared
//! photo against photo (largest faces) are reported for comparison. This is
//! how the default `pipeline.id_match.threshold` was chosen.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use rayon::prelude::*;
use riv_face_engine::{Descriptor, EngineError, FaceEngine};
use riv_local::faces::portrait::document_faces;

use crate::evaluate::label;
use crate::faces::{Pair, Pick, describe_all, read_pairs};
use crate::portrait_cards::{VARIANTS, render_card};

/// False-match rates the thresholds are reported at.
const TARGET_FMRS: [f64; 2] = [1e-2, 1e-3];

/// A pair's truth and similarity (None when a side had no usable face).
#[derive(Debug, Clone, Copy)]
struct Scored {
    genuine: bool,
    similarity: Option<f64>,
}

/// Error rates of one way of comparing the pairs.
#[derive(Debug, Clone, PartialEq)]
struct Rates {
    genuine: usize,
    impostor: usize,
    genuine_failed: usize,
    impostor_failed: usize,
    /// Genuine similarities at the 5th and 50th percentile.
    genuine_p5_p50: [f64; 2],
    /// Impostor similarities: median, 99th, 99.9th percentile, maximum.
    impostor_p50_p99_p999_max: [f64; 4],
    /// For each target rate: the lowest similarity (at 0.01) whose
    /// false-match rate is at most the target, and the false-non-match rate
    /// there.
    at_target: Vec<(f64, f64)>,
}

pub fn evaluate_portraits(
    engine: &FaceEngine,
    files: &[PathBuf],
    at: &[f64],
    out: &mut impl Write,
) -> Result<()> {
    let mut pairs: Vec<Pair> = Vec::new();
    for file in files {
        pairs.extend(read_pairs(file)?);
    }
    let truth = pairs.iter().map(label).collect::<Result<Vec<bool>>>()?;
    let photos = describe_all(engine, &pairs, Pick::Largest);
    let cards = describe_cards(engine, &pairs);
    let descriptor = |p: &PathBuf| photos.get(p).and_then(|r| r.as_ref().ok());

    let plain: Vec<Scored> = pairs
        .iter()
        .zip(&truth)
        .map(|(pair, &genuine)| Scored {
            genuine,
            similarity: match (descriptor(&pair.a), descriptor(&pair.b)) {
                (Some(a), Some(b)) => Some(engine.compare(a, b).similarity),
                _ => None,
            },
        })
        .collect();
    let mut rows = vec![("photo against photo (plain)".to_string(), plain)];
    for (v, variant) in VARIANTS.iter().enumerate() {
        let scored = pairs
            .iter()
            .zip(&truth)
            .map(|(pair, &genuine)| {
                let faces = cards.get(&pair.b).and_then(|c| c.get(v));
                let similarity = descriptor(&pair.a).zip(faces).and_then(|(selfie, faces)| {
                    faces
                        .iter()
                        .map(|f| engine.compare(selfie, f).similarity)
                        .reduce(f64::max)
                });
                Scored {
                    genuine,
                    similarity,
                }
            })
            .collect();
        rows.push((format!("card: {}", variant.name), scored));
    }
    let rates: Vec<(String, Rates)> = rows
        .iter()
        .map(|(name, scored)| (name.clone(), rates(scored)))
        .collect();
    write_markdown(&rates, &rows, at, out)
}

/// For each distinct second photo, per card variant, the descriptors of the
/// faces found on the card (empty when none). Photos without a face to
/// crop the portrait around are left out (every variant fails).
fn describe_cards(engine: &FaceEngine, pairs: &[Pair]) -> HashMap<PathBuf, Vec<Vec<Descriptor>>> {
    let mut paths: Vec<&PathBuf> = pairs.iter().map(|p| &p.b).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_par_iter()
        .filter_map(|path| match card_faces(engine, path) {
            Ok(faces) => Some((path.clone(), faces)),
            Err(err) => {
                tracing::debug!(photo = %path.display(), error = %err, "no card");
                None
            }
        })
        .collect()
}

/// Renders `path` as every card variant and describes the faces on each.
fn card_faces(engine: &FaceEngine, path: &Path) -> Result<Vec<Vec<Descriptor>>> {
    let photo = engine.decode(&std::fs::read(path)?)?;
    let (detection, upright) = engine.detect(&photo);
    // The labelled person is the face nearest the centre (LFW's convention).
    let centre = riv_face_engine::Point::new(
        f64::from(upright.width()) / 2.0,
        f64::from(upright.height()) / 2.0,
    );
    let face = detection
        .faces
        .iter()
        .map(|f| f.bounding_box)
        .min_by(|a, b| {
            a.dcenter()
                .distance(&centre)
                .total_cmp(&b.dcenter().distance(&centre))
        })
        .ok_or(EngineError::NoFace)?;
    let (w, h) = (upright.width(), upright.height());
    let source = image::RgbImage::from_raw(w, h, upright.into_raw())
        .ok_or_else(|| anyhow::anyhow!("{}: pixel buffer of the wrong size", path.display()))?;
    VARIANTS
        .iter()
        .map(|variant| {
            let card = engine.decode(&render_card(&source, face, variant)?)?;
            Ok(match document_faces(engine, &card) {
                Ok(faces) => faces.into_iter().map(|f| f.face.descriptor).collect(),
                Err(EngineError::NoFace) => Vec::new(),
                Err(err) => return Err(err.into()),
            })
        })
        .collect()
}

/// Nearest-rank percentile of sorted values (0 when there are none).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The lowest similarity, in steps of 0.01, at which at most `fmr` of the
/// impostor scores (sorted ascending) are at or above it.
fn threshold_at(impostors: &[f64], fmr: f64) -> f64 {
    let allowed = (fmr * impostors.len() as f64).floor() as usize;
    if allowed >= impostors.len() {
        return 0.0;
    }
    // The highest score that must be refused; the threshold lies just above.
    let refused = impostors[impostors.len() - 1 - allowed];
    let mut threshold = ((refused * 100.0).floor() + 1.0) / 100.0;
    while threshold <= refused {
        threshold = ((threshold * 100.0).round() + 1.0) / 100.0;
    }
    threshold
}

/// False-match rate (over impostor pairs compared) and false-non-match rate
/// (over all genuine pairs, a failed side counting as a non-match) at
/// `threshold`, with their counts.
fn rates_at(scored: &[Scored], threshold: f64) -> ((usize, usize), (usize, usize)) {
    let compared: Vec<&Scored> = scored
        .iter()
        .filter(|s| !s.genuine && s.similarity.is_some())
        .collect();
    let false_matches = compared
        .iter()
        .filter(|s| s.similarity.is_some_and(|v| v >= threshold))
        .count();
    let genuine: Vec<&Scored> = scored.iter().filter(|s| s.genuine).collect();
    let false_non_matches = genuine
        .iter()
        .filter(|s| !s.similarity.is_some_and(|v| v >= threshold))
        .count();
    (
        (false_matches, compared.len()),
        (false_non_matches, genuine.len()),
    )
}

fn ratio((n, d): (usize, usize)) -> f64 {
    n as f64 / d.max(1) as f64
}

fn rates(scored: &[Scored]) -> Rates {
    let sorted = |genuine: bool| {
        let mut v: Vec<f64> = scored
            .iter()
            .filter(|s| s.genuine == genuine)
            .filter_map(|s| s.similarity)
            .collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let (genuine, impostor) = (sorted(true), sorted(false));
    let count = |g: bool| scored.iter().filter(|s| s.genuine == g).count();
    let at_target = TARGET_FMRS
        .iter()
        .map(|&fmr| {
            let t = threshold_at(&impostor, fmr);
            (t, ratio(rates_at(scored, t).1))
        })
        .collect();
    Rates {
        genuine: count(true),
        impostor: count(false),
        genuine_failed: count(true) - genuine.len(),
        impostor_failed: count(false) - impostor.len(),
        genuine_p5_p50: [5.0, 50.0].map(|p| percentile(&genuine, p)),
        impostor_p50_p99_p999_max: [50.0, 99.0, 99.9, 100.0].map(|p| percentile(&impostor, p)),
        at_target,
    }
}

/// The suggested document threshold: the strictest card variant's
/// threshold at a false-match rate of 0.1 %, rounded down to a whole number.
fn suggested(rates: &[(String, Rates)]) -> f64 {
    rates
        .iter()
        .skip(1)
        .filter_map(|(_, r)| r.at_target.get(1).map(|(t, _)| *t))
        .fold(0.0, f64::max)
        .floor()
}

fn write_markdown(
    rates: &[(String, Rates)],
    rows: &[(String, Vec<Scored>)],
    at: &[f64],
    out: &mut impl Write,
) -> Result<()> {
    writeln!(
        out,
        "| comparison | genuine (no face) | impostor (no face) | genuine p5 / p50 \
         | impostor p50 / p99 / p99.9 / max | threshold at FMR 1e-2 | FNMR there \
         | threshold at FMR 1e-3 | FNMR there |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|---|")?;
    for (name, r) in rates {
        let [g5, g50] = r.genuine_p5_p50;
        let [i50, i99, i999, imax] = r.impostor_p50_p99_p999_max;
        write!(
            out,
            "| {name} | {} ({}) | {} ({}) | {g5:.1} / {g50:.1} | {i50:.2} / {i99:.1} / {i999:.1} / {imax:.1} ",
            r.genuine, r.genuine_failed, r.impostor, r.impostor_failed
        )?;
        for (t, fnmr) in &r.at_target {
            write!(out, "| {t:.2} | {:.2} % ", 100.0 * fnmr)?;
        }
        writeln!(out, "|")?;
    }
    let chosen = suggested(rates);
    writeln!(
        out,
        "\nFMR over impostor pairs compared; FNMR over all genuine pairs, a side \
         without a face counting as a non-match.\n\nSuggested document threshold \
         (the strictest card variant's threshold at FMR 1e-3, rounded down): {chosen}\n"
    )?;
    let mut cut_offs: Vec<f64> = at.to_vec();
    if !cut_offs.contains(&chosen) {
        cut_offs.push(chosen);
    }
    write!(out, "| similarity ≥ |")?;
    for (name, _) in rows {
        write!(out, " {name}: FMR / FNMR |")?;
    }
    writeln!(out, "\n|---|{}", "---|".repeat(rows.len()))?;
    for &t in &cut_offs {
        write!(out, "| {t} |")?;
        for (_, scored) in rows {
            let (fm, fnm) = rates_at(scored, t);
            write!(
                out,
                " {:.3} % ({}/{}) / {:.2} % ({}/{}) |",
                100.0 * ratio(fm),
                fm.0,
                fm.1,
                100.0 * ratio(fnm),
                fnm.0,
                fnm.1
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(genuine: bool, similarity: Option<f64>) -> Scored {
        Scored {
            genuine,
            similarity,
        }
    }

    #[test]
    fn the_threshold_refuses_all_but_the_allowed_impostors() {
        let impostors: Vec<f64> = (0..1000).map(|i| f64::from(i) / 10.0).collect();
        // 1 % of 1000: ten may pass, the eleventh highest (98.9) must not.
        assert_eq!(threshold_at(&impostors, 1e-2), 98.91);
        assert_eq!(threshold_at(&impostors, 1e-3), 99.81);
        assert_eq!(threshold_at(&[], 1e-3), 0.0);
    }

    #[test]
    fn failures_are_non_matches_and_not_compared_impostors() {
        let scored = [
            s(true, Some(90.0)),
            s(true, None),
            s(true, Some(50.0)),
            s(false, Some(80.0)),
            s(false, Some(10.0)),
            s(false, None),
        ];
        let ((fm, compared), (fnm, genuine)) = rates_at(&scored, 75.0);
        assert_eq!((fm, compared, fnm, genuine), (1, 2, 2, 3));
        let r = rates(&scored);
        assert_eq!((r.genuine_failed, r.impostor_failed), (1, 1));
        assert_eq!(r.impostor_p50_p99_p999_max[3], 80.0);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 50.0), 2.0);
        assert_eq!(percentile(&v, 100.0), 4.0);
        assert_eq!(percentile(&v, 1.0), 1.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }
}

//! `riv faces …`: the face engine from the command line.
//!
//! Output is JSON on standard output. A photo the engine cannot use gives a
//! stable error code (`docs/reason-codes.md`) in the output, never a crash.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rayon::prelude::*;
use riv_face_engine::{AnalyzedFace, Descriptor, EngineError, FaceEngine};
use serde_json::{Value, json};

/// One photo's faces, largest first, in the upright image's coordinates.
struct PhotoAnalysis {
    width: u32,
    height: u32,
    /// Degrees the photo was turned to find them.
    rotation: u16,
    faces: Vec<AnalyzedFace>,
}

/// Reads, decodes and analyses one photo.
fn analyze_file(engine: &FaceEngine, path: &Path) -> Result<PhotoAnalysis, EngineError> {
    let bytes = read_limited(path, engine.decode_limits().max_bytes)?;
    let image = engine.decode(&bytes)?;
    let (detection, upright) = engine.analyze(&image)?;
    Ok(PhotoAnalysis {
        width: upright.width(),
        height: upright.height(),
        rotation: detection.rotation,
        faces: detection.faces,
    })
}

/// Reads a file, refusing more than `limit` bytes without reading them all.
fn read_limited(path: &Path, limit: usize) -> Result<Vec<u8>, EngineError> {
    let unreadable = |e: std::io::Error| EngineError::InvalidArgument {
        detail: format!("cannot read {}: {e}", path.display()),
    };
    let len = std::fs::metadata(path).map_err(unreadable)?.len();
    if len > limit as u64 {
        return Err(EngineError::ImageTooLarge {
            bytes: usize::try_from(len).unwrap_or(usize::MAX),
            limit,
        });
    }
    std::fs::read(path).map_err(unreadable)
}

fn error_json(err: &EngineError) -> Value {
    json!({ "code": err.code(), "message": err.to_string() })
}

/// `riv faces detect IMAGE`.
pub fn detect(engine: &FaceEngine, path: &Path, out: &mut impl Write) -> Result<bool> {
    let value = match analyze_file(engine, path) {
        Ok(photo) => {
            let faces: Vec<Value> = photo
                .faces
                .iter()
                .map(|f| serde_json::to_value(&f.detail))
                .collect::<Result<_, _>>()?;
            let image = json!({
                "width": photo.width,
                "height": photo.height,
                "rotation": photo.rotation,
            });
            json!({ "image": image, "faces": faces })
        }
        Err(err) => json!({ "error": error_json(&err), "faces": [] }),
    };
    let ok = value.get("error").is_none();
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)?;
    Ok(ok)
}

/// Which face of a photo with several is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Pick {
    /// The largest face (what Rekognition's CompareFaces uses for its source).
    Largest,
    /// The face whose centre is nearest the photo's centre (LFW's convention:
    /// the labelled person is the one in the middle).
    Central,
}

/// The descriptor of the chosen face of a photo, or why there is none.
fn pick_descriptor(
    engine: &FaceEngine,
    path: &Path,
    pick: Pick,
) -> Result<Descriptor, EngineError> {
    let PhotoAnalysis {
        width,
        height,
        faces,
        ..
    } = analyze_file(engine, path)?;
    let centre = riv_face_engine::Point::new(f64::from(width) / 2.0, f64::from(height) / 2.0);
    let chosen = match pick {
        Pick::Largest => faces.into_iter().next(),
        Pick::Central => faces.into_iter().min_by(|a, b| {
            let d = |f: &AnalyzedFace| f.detail.bounding_box.dcenter().distance(&centre);
            d(a).total_cmp(&d(b))
        }),
    };
    chosen.map(|f| f.descriptor).ok_or(EngineError::NoFace)
}

fn comparison_json(
    engine: &FaceEngine,
    a: &Path,
    b: &Path,
    da: &Result<Descriptor, EngineError>,
    db: &Result<Descriptor, EngineError>,
) -> Value {
    let mut value = json!({ "a": a, "b": b });
    match (da, db) {
        (Ok(x), Ok(y)) => {
            let c = engine.compare(x, y);
            value["similarity"] = json!(round(c.similarity, 4));
            value["distance"] = json!(round(c.distance, 6));
        }
        (Err(err), _) => {
            value["error"] = error_json(err);
            value["side"] = json!("a");
        }
        (_, Err(err)) => {
            value["error"] = error_json(err);
            value["side"] = json!("b");
        }
    }
    value
}

fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// `riv faces compare A B`.
pub fn compare_two(
    engine: &FaceEngine,
    a: &Path,
    b: &Path,
    pick: Pick,
    out: &mut impl Write,
) -> Result<bool> {
    let da = pick_descriptor(engine, a, pick);
    let db = pick_descriptor(engine, b, pick);
    let value = comparison_json(engine, a, b, &da, &db);
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)?;
    Ok(value.get("error").is_none())
}

/// One line of a pairs file: two paths and whatever columns follow.
#[derive(Debug, Clone)]
pub struct Pair {
    pub a: PathBuf,
    pub b: PathBuf,
    pub extra: Vec<String>,
}

/// Reads a pairs file: tab-separated, two image paths per line, extra
/// columns kept. Blank lines, `#` comments and a header line starting with
/// `image1` are skipped. Relative paths are relative to the file's folder.
pub fn read_pairs(file: &Path) -> Result<Vec<Pair>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let base = file.parent().unwrap_or(Path::new("."));
    let mut pairs = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty()
            || line.starts_with('#')
            || (number == 0 && line.starts_with("image1"))
        {
            continue;
        }
        let mut fields = line.split('\t');
        let (Some(a), Some(b)) = (fields.next(), fields.next()) else {
            anyhow::bail!(
                "{}:{}: expected two tab-separated paths",
                file.display(),
                number + 1
            );
        };
        pairs.push(Pair {
            a: base.join(a),
            b: base.join(b),
            extra: fields.map(str::to_string).collect(),
        });
    }
    Ok(pairs)
}

/// Descriptors of every distinct photo in `pairs`, computed in parallel.
pub fn describe_all(
    engine: &FaceEngine,
    pairs: &[Pair],
    pick: Pick,
) -> HashMap<PathBuf, Result<Descriptor, EngineError>> {
    let mut paths: Vec<&PathBuf> = pairs.iter().flat_map(|p| [&p.a, &p.b]).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_par_iter()
        .map(|p| (p.clone(), pick_descriptor(engine, p, pick)))
        .collect()
}

/// `riv faces compare --pairs FILE`: one JSON object per line.
pub fn compare_pairs(
    engine: &FaceEngine,
    file: &Path,
    pick: Pick,
    out: &mut impl Write,
) -> Result<()> {
    let pairs = read_pairs(file)?;
    let descriptors = describe_all(engine, &pairs, pick);
    let missing = Err(EngineError::NoFace);
    for pair in &pairs {
        let da = descriptors.get(&pair.a).unwrap_or(&missing);
        let db = descriptors.get(&pair.b).unwrap_or(&missing);
        let mut value = comparison_json(engine, &pair.a, &pair.b, da, db);
        if !pair.extra.is_empty() {
            value["extra"] = json!(pair.extra);
        }
        serde_json::to_writer(&mut *out, &value)?;
        writeln!(out)?;
    }
    Ok(())
}

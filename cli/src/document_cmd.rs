//! `riv document analyze FRONT [BACK]`: what riv reads from an identity
//! document, as JSON on standard output — the same analysis the ID-match
//! stage decides on: `document_type`, `fields` (each `value`, `normalized`,
//! `confidence`, `source`), `checks` and `portrait`.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use riv_document::model::DocumentAnalysis;
use riv_document_engine::{DocumentEngine, decode_image};
use riv_face_engine::FaceEngine;
use riv_local::faces::portrait::{DocumentFace, document_faces};
use serde_json::json;

/// Analyses the sides and writes the analysis; `false` when nothing was read.
pub fn analyze(
    engine: &DocumentEngine,
    faces: &FaceEngine,
    front: &Path,
    back: Option<&Path>,
    today: NaiveDate,
    out: &mut impl Write,
) -> Result<bool> {
    let mut images = Vec::new();
    for path in std::iter::once(front).chain(back) {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        match decode_image(&bytes) {
            Ok(image) => images.push(image),
            Err(err) => {
                let value = json!({
                    "error": { "code": "document_unreadable", "message": format!("{}: {err}", path.display()) }
                });
                serde_json::to_writer_pretty(&mut *out, &value)?;
                writeln!(out)?;
                return Ok(false);
            }
        }
    }
    let sides: Vec<&image::DynamicImage> = images.iter().collect();
    let mut analysis: DocumentAnalysis = engine.analyze(&sides, today)?;
    let front_bytes = std::fs::read(front)?;
    if let Ok(decoded) = faces.decode(&front_bytes) {
        let found = document_faces(faces, &decoded).context("looking for the portrait")?;
        analysis.portrait = found.first().map(DocumentFace::portrait);
    }
    serde_json::to_writer_pretty(&mut *out, &analysis)?;
    writeln!(out)?;
    Ok(analysis.is_readable())
}

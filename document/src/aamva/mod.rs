//! The AAMVA DL/ID card design standard's payload: what the PDF417 on the
//! back of a US or Canadian driver's licence or identification card holds.
//!
//! Parsing is lenient where real payloads are sloppy: separators may be any
//! of LF, RS and CR; the header's separators may be missing; the file type
//! may be `ANSI `, `ANSI` or the pre-standard `AAMVA`; a version-1 header
//! may carry a jurisdiction version or not; and subfiles are found by
//! scanning for their designator when the directory's offsets are wrong.
//! A payload that is not AAMVA, or ends before its header does, is a typed
//! [`AamvaError`]; nothing panics.
//!
//! [`read`] gives the fields under AnalyzeID's names (see
//! [`AamvaDocument::reading`] for the mapping).

mod fields;
mod header;
mod iin;

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod writer;

use serde::{Deserialize, Serialize};

pub use header::{Designator, FileType, Header};
pub use iin::{JURISDICTIONS, Jurisdiction, jurisdiction};

use crate::reading::Reading;

/// Why a payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AamvaError {
    #[error("not an AAMVA payload: no `ANSI` or `AAMVA` file type")]
    NotAamva,
    #[error("the payload ends in its header ({what})")]
    Truncated { what: &'static str },
    #[error("the header's {field} is not a number: {value:?}")]
    BadHeader { field: &'static str, value: String },
    #[error("no DL or ID subfile")]
    NoSubfile,
}

/// One subfile: its designator and its elements in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subfile {
    /// `DL`, `ID`, or a jurisdiction's `Z?`.
    pub kind: String,
    /// Where it was found (which may differ from the declared offset).
    pub offset: usize,
    /// `(element id, value)` as encoded, values untrimmed.
    pub elements: Vec<(String, String)>,
}

impl Subfile {
    /// The value of element `id` (first occurrence).
    pub fn element(&self, id: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, v)| v.as_str())
    }
}

/// A parsed payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AamvaDocument {
    pub header: Header,
    /// Every subfile found, in payload order.
    pub subfiles: Vec<Subfile>,
}

impl AamvaDocument {
    /// The DL subfile, else the ID subfile: the one the fields come from.
    pub fn card(&self) -> Option<&Subfile> {
        self.subfiles
            .iter()
            .find(|s| s.kind == "DL")
            .or_else(|| self.subfiles.iter().find(|s| s.kind == "ID"))
    }

    /// The jurisdiction the IIN names.
    pub fn jurisdiction(&self) -> Option<&'static Jurisdiction> {
        jurisdiction(self.header.iin)
    }

    /// The fields under AnalyzeID's names.
    pub fn reading(&self) -> Reading {
        fields::reading(self)
    }
}

/// Parses a payload (bytes as decoded from the PDF417).
pub fn parse(payload: &[u8]) -> Result<AamvaDocument, AamvaError> {
    let header = header::parse_header(payload)?;
    let starts = subfile_starts(payload, &header);
    let mut subfiles = Vec::new();
    for (i, &(offset, ref kind)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(payload.len(), |s| s.0);
        let body = payload.get(offset + 2..end).unwrap_or(&[]);
        subfiles.push(Subfile {
            kind: kind.clone(),
            offset,
            elements: elements(body),
        });
    }
    if !subfiles.iter().any(|s| s.kind == "DL" || s.kind == "ID") {
        return Err(AamvaError::NoSubfile);
    }
    Ok(AamvaDocument { header, subfiles })
}

/// Parses a payload and reads its fields.
pub fn read(payload: &[u8]) -> Result<Reading, AamvaError> {
    parse(payload).map(|d| d.reading())
}

/// Where each subfile starts, sorted: at its declared offset when the
/// designator is there, else at the first place after the directory where
/// the designator is followed by an element id of its family (`DLDAQ`,
/// `ZOZOA`). Without a directory, the first `DL` or `ID` subfile found.
fn subfile_starts(payload: &[u8], header: &Header) -> Vec<(usize, String)> {
    let mut kinds: Vec<String> = header.designators.iter().map(|d| d.kind.clone()).collect();
    if !kinds.iter().any(|k| k == "DL" || k == "ID") {
        kinds.extend(["DL".to_owned(), "ID".to_owned()]);
    }
    let mut starts: Vec<(usize, String)> = Vec::new();
    for kind in kinds {
        let declared = header
            .designators
            .iter()
            .find(|d| d.kind == kind)
            .map(|d| d.offset)
            .filter(|&o| o >= header.data_start && is_subfile_at(payload, o, &kind));
        let found = declared.or_else(|| {
            (header.data_start..payload.len()).find(|&o| is_subfile_at(payload, o, &kind))
        });
        if let Some(offset) = found
            && !starts.iter().any(|(o, _)| *o == offset)
        {
            starts.push((offset, kind));
        }
    }
    starts.sort();
    starts
}

/// Whether subfile `kind` starts at `offset`: its designator, then an
/// element id (`D..` for DL and ID subfiles, the designator's letter for
/// jurisdiction subfiles).
fn is_subfile_at(payload: &[u8], offset: usize, kind: &str) -> bool {
    let Some(window) = payload.get(offset..offset + 5) else {
        return false;
    };
    let family = if kind.starts_with('Z') {
        kind.as_bytes()[0]
    } else {
        b'D'
    };
    &window[..2] == kind.as_bytes()
        && window[2] == family
        && window[3..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// The elements of a subfile body: pieces between separators (LF, CR, RS),
/// each a three-character id (a capital letter then two capitals or digits)
/// and its value. Anything else is skipped.
fn elements(body: &[u8]) -> Vec<(String, String)> {
    body.split(|c| matches!(c, b'\n' | b'\r' | 0x1e))
        .filter_map(|piece| {
            let id = piece.get(..3)?;
            let ok = id[0].is_ascii_uppercase()
                && id[1..]
                    .iter()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            ok.then(|| (String::from_utf8_lossy(id).into_owned(), text(&piece[3..])))
        })
        .collect()
}

/// Bytes as text: UTF-8 when they are, else Latin-1 (what licences encode).
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

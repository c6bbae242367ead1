//! ICAO 9303 machine-readable zones: TD1 (3×30), TD2 (2×36), TD3 (2×44),
//! MRV-A (2×44) and MRV-B (2×36), read from OCR text.
//!
//! - [`find_lines`] picks the MRZ out of every text line of a page;
//! - [`read`] repairs OCR errors where that is safe (see the `repair`
//!   module's documentation: lengths by filler runs, `K` for `<` in filler
//!   tails, character classes, a country code that does not exist when one
//!   look-alike letter alone makes it one that does, and confusions in
//!   document numbers only when a unique substitution makes the check digit
//!   valid and the composite confirms it), verifies every check digit, and
//!   reads the fields under
//!   AnalyzeID's names;
//! - [`MrzReading::analysis`] turns the reading into a
//!   [`DocumentAnalysis`].
//!
//! Fields read: ID_TYPE (the document code without fillers: `P`, `I`,
//! `ID`, `V`…), ISSUING_COUNTRY, NATIONALITY, LAST_NAME, FIRST_NAME (every
//! given name, joined by spaces: the MRZ does not mark a middle name, so no
//! MIDDLE_NAME), DOCUMENT_NUMBER (fillers dropped, TD1/TD2 long numbers
//! joined), DATE_OF_BIRTH, EXPIRATION_DATE (ISO 8601, century resolved
//! against `today`), SEX (`M`, `F`, `X`; a filler is `X`), MRZ_CODE (the
//! repaired lines joined by `\n`).

mod chars;
mod countries;
mod fields;
mod find;
mod layout;
mod parse;
mod repair;

#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod writer;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use chars::check_digit;
pub use countries::is_known as is_known_country;
pub use find::{FoundLines, find_lines};
pub use repair::{Repair, RepairKind};

use crate::model::{CheckDigit, DocumentAnalysis, DocumentFormat, DocumentType, FieldName};
use crate::reading::Reading;

/// Why lines could not be read as an MRZ.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    #[error("no MRZ text")]
    Empty,
    #[error("{0} lines: an MRZ has two or three")]
    LineCount(usize),
    #[error(
        "line {line} has {len} characters where the layout has {expected}, and no filler run can absorb the difference"
    )]
    LineLength {
        /// 1-based.
        line: usize,
        len: usize,
        expected: usize,
    },
    #[error("the line lengths can be fixed in more than one way")]
    AmbiguousLength,
}

/// What an MRZ says, after repair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MrzReading {
    /// The layout.
    pub format: DocumentFormat,
    /// The repaired lines.
    pub lines: Vec<String>,
    /// The optional data fields as printed, fillers included: TD3's
    /// personal number; TD1's two fields; TD2's and the visas' one.
    pub optional_data: Vec<String>,
    /// Every character changed from what OCR read.
    pub repairs: Vec<Repair>,
    /// The fields and check digits, ready for [`crate::combine::combine`].
    pub reading: Reading,
}

impl MrzReading {
    /// The check digits, in the order printed.
    pub fn check_digits(&self) -> &[CheckDigit] {
        &self.reading.check_digits
    }

    /// Whether every check digit holds.
    pub fn checks_valid(&self) -> bool {
        self.reading.check_digits.iter().all(|c| c.valid)
    }

    /// The kind of document.
    pub fn document_type(&self) -> DocumentType {
        self.reading.document_type
    }

    /// The normalised value of a field.
    pub fn value(&self, name: FieldName) -> Option<&str> {
        self.reading.value(name)
    }

    /// The analysis of a document read from its MRZ alone.
    pub fn analysis(&self, today: NaiveDate) -> DocumentAnalysis {
        crate::combine::combine(vec![self.reading.clone()], today)
    }
}

/// Which of `lines` (as OCR read them) a check digit finds wrong, after the
/// repairs [`read`] makes: the lines printing a failing check digit or part
/// of what it covers. An OCR can read those lines again; the others hold
/// nothing a check digit doubts.
pub fn lines_failing_checks(lines: &[&str]) -> Result<Vec<bool>, MrzError> {
    let parsed = parse::parse(lines)?;
    let mut failing = vec![false; parsed.lines.len()];
    for spec in parsed.layout.checks() {
        if parsed.check_valid(spec.field) != Some(false) {
            continue;
        }
        for span in std::iter::once(spec.digit).chain(spec.covers.iter().copied()) {
            if let Some(line) = failing.get_mut(span.line) {
                *line = true;
            }
        }
    }
    Ok(failing)
}

/// Reads MRZ `lines` (two or three, as OCR read them), resolving two-digit
/// years against `today`.
pub fn read(lines: &[&str], today: NaiveDate) -> Result<MrzReading, MrzError> {
    let parsed = parse::parse(lines)?;
    let reading = fields::reading(&parsed, today);
    let text = |l: &Vec<u8>| String::from_utf8_lossy(l).into_owned();
    Ok(MrzReading {
        format: parsed.layout.format,
        lines: parsed.lines.iter().map(text).collect(),
        optional_data: parsed
            .layout
            .optional
            .iter()
            .map(|s| String::from_utf8_lossy(s.slice(&parsed.lines)).into_owned())
            .collect(),
        repairs: parsed.repairs,
        reading,
    })
}

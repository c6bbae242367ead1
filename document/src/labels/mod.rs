//! Printed labels and their values, for documents with neither an MRZ nor
//! a barcode (the US passport card's front, a licence's front).
//!
//! Input: OCR [`TextLine`]s with their boxes. A line that starts with a
//! known English label (`Surname`, `Given Names`, `Date of Birth`, `DOB`,
//! `Expires On`, `EXP`, `Issued On`, `Passport Card no.`, `Sex`,
//! `Nationality`, `Place of Birth`…; see `table.rs`) takes its value from
//! the rest of the same line, else from the nearest line to its right on
//! the same row (within three line heights), else from the nearest line
//! just below it (starting within two line heights and overlapping it
//! horizontally). Lines that are labels themselves, or whose text does not
//! fit the field (a date that does not parse, a sex that is not M/F/X, a
//! number without digits, a name with digits), are skipped.
//!
//! Fields read: LAST_NAME, FIRST_NAME, DATE_OF_BIRTH, EXPIRATION_DATE,
//! DATE_OF_ISSUE (ISO 8601), DOCUMENT_NUMBER, SEX, NATIONALITY,
//! PLACE_OF_BIRTH, all with source `text` and the value line's OCR
//! confidence × 0.6. The document type comes from a line naming it
//! (`PASSPORT CARD`, `DRIVER LICENSE`…).

mod printed_dates;
mod table;

use serde::{Deserialize, Serialize};

pub use printed_dates::parse_printed_date;

use crate::model::{DocumentFormat, DocumentType, FieldName};
use crate::reading::{Reading, normalize_name};

/// Printed text is read without any check: its confidence is the OCR's,
/// scaled by this.
pub const TEXT_CONFIDENCE_SCALE: f32 = 0.6;

/// One line of OCR text and where it is on the image, in pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextLine {
    pub text: String,
    /// The OCR's confidence, 0..100.
    pub confidence: f32,
    pub left: f32,
    pub top: f32,
    pub width: f32,
    pub height: f32,
}

impl TextLine {
    fn right(&self) -> f32 {
        self.left + self.width
    }

    fn bottom(&self) -> f32 {
        self.top + self.height
    }

    fn middle(&self) -> f32 {
        self.top + self.height / 2.0
    }
}

/// Reads the labelled fields of `lines` (every text line of one side).
pub fn read(lines: &[TextLine]) -> Reading {
    let document_type = lines
        .iter()
        .find_map(|l| table::document_type(&l.text))
        .unwrap_or(DocumentType::Unknown);
    let mut reading = Reading::new(DocumentFormat::PrintedText, document_type);
    let labels: Vec<Option<table::LabelMatch>> =
        lines.iter().map(|l| table::match_label(&l.text)).collect();
    for (i, label) in labels.iter().enumerate() {
        let Some(label) = label else { continue };
        if reading.fields.contains_key(&label.field) {
            continue;
        }
        let own = (!label.rest.is_empty())
            .then(|| value_of(label.field, &label.rest).map(|v| (v, lines[i].confidence)))
            .flatten();
        let found = own.or_else(|| {
            neighbours(lines, i)
                .into_iter()
                .filter(|&j| labels[j].is_none())
                .find_map(|j| {
                    value_of(label.field, &lines[j].text).map(|v| (v, lines[j].confidence))
                })
        });
        if let Some(((value, normalized), confidence)) = found {
            reading.insert(
                label.field,
                value,
                normalized,
                confidence * TEXT_CONFIDENCE_SCALE,
            );
        }
    }
    reading
}

/// The lines that may hold label `i`'s value, best first: to its right on
/// the same row, then below it, nearest first.
fn neighbours(lines: &[TextLine], i: usize) -> Vec<usize> {
    let label = &lines[i];
    let h = label.height.max(1.0);
    let mut right: Vec<(f32, usize)> = Vec::new();
    let mut below: Vec<(f32, usize)> = Vec::new();
    for (j, line) in lines.iter().enumerate() {
        if j == i {
            continue;
        }
        let same_row = (line.middle() - label.middle()).abs() <= h / 2.0;
        let gap = line.left - label.right();
        if same_row && gap >= -h / 2.0 && gap <= 3.0 * h {
            right.push((gap, j));
            continue;
        }
        let dy = line.top - label.bottom();
        let overlaps = line.left < label.right() + h && line.right() > label.left - h;
        if line.top >= label.top + h / 2.0 && dy <= 2.0 * h && overlaps {
            below.push((dy, j));
        }
    }
    right.sort_by(|a, b| a.0.total_cmp(&b.0));
    below.sort_by(|a, b| a.0.total_cmp(&b.0));
    right.into_iter().chain(below).map(|(_, j)| j).collect()
}

/// `(value, normalised)` of `text` read as `field`, or `None` when it does
/// not fit the field.
fn value_of(field: FieldName, text: &str) -> Option<(String, Option<String>)> {
    let text = text.trim();
    if !text.chars().any(char::is_alphanumeric) {
        return None;
    }
    match field {
        FieldName::DateOfBirth | FieldName::ExpirationDate | FieldName::DateOfIssue => {
            let date = parse_printed_date(text)?;
            Some((text.to_owned(), Some(date.to_string())))
        }
        FieldName::Sex => {
            let first = table::words(text).into_iter().next()?.0;
            let first = first.split('/').next().unwrap_or_default();
            // `M1JAN1981`: the sex run together with the date beside it.
            let first = first
                .split(|c: char| c.is_ascii_digit())
                .next()
                .unwrap_or_default()
                .to_owned();
            let sex = match first.as_str() {
                "M" | "MALE" => "M",
                "F" | "FEMALE" => "F",
                "X" => "X",
                _ => return None,
            };
            Some((text.to_owned(), Some(sex.to_owned())))
        }
        FieldName::DocumentNumber => {
            let number = table::words(text)
                .into_iter()
                .map(|w| w.0)
                .filter(|w| w.len() >= 5 && w.chars().any(|c| c.is_ascii_digit()))
                .max_by_key(String::len)?;
            Some((text.to_owned(), Some(number)))
        }
        _ => {
            if text.chars().any(|c| c.is_ascii_digit()) {
                return None;
            }
            Some((text.to_owned(), normalize_name(text)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str, left: f32, top: f32, width: f32) -> TextLine {
        TextLine {
            text: text.into(),
            confidence: 90.0,
            left,
            top,
            width,
            height: 20.0,
        }
    }

    #[test]
    fn values_come_from_the_same_line_the_right_or_below() {
        let lines = [
            line("DRIVER LICENSE", 10.0, 0.0, 200.0),
            line("DOB 01/02/1990", 10.0, 40.0, 150.0),
            line("LN", 10.0, 80.0, 20.0),
            line("SMITH", 40.0, 80.0, 80.0),
            line("FN", 10.0, 120.0, 20.0),
            line("JOHN", 10.0, 145.0, 60.0),
            line("SEX", 200.0, 120.0, 40.0),
            line("Date of Birth", 260.0, 120.0, 120.0),
            line("M", 200.0, 145.0, 15.0),
            line("4d DLN D1234567", 10.0, 200.0, 200.0),
        ];
        let r = read(&lines);
        assert_eq!(r.document_type, DocumentType::DriverLicence);
        assert_eq!(r.value(FieldName::DateOfBirth), Some("1990-01-02"));
        assert_eq!(r.value(FieldName::LastName), Some("SMITH"));
        assert_eq!(r.value(FieldName::FirstName), Some("JOHN"));
        assert_eq!(r.value(FieldName::Sex), Some("M"));
        let f = &r.fields[&FieldName::LastName];
        assert_eq!(f.source, crate::model::FieldSource::Text);
        assert!((f.confidence - 54.0).abs() < 1e-3);
        // After a licence's field number.
        assert_eq!(r.value(FieldName::DocumentNumber), Some("D1234567"));
    }

    #[test]
    fn far_or_unfit_lines_are_not_values() {
        let lines = [
            line("Surname", 10.0, 0.0, 80.0),
            line("SPECIMEN", 400.0, 0.0, 100.0),
            line("Date of Birth", 10.0, 100.0, 120.0),
            line("UNKNOWN", 10.0, 125.0, 100.0),
            line("Sex", 10.0, 200.0, 40.0),
            line("Q", 10.0, 225.0, 10.0),
        ];
        let r = read(&lines);
        assert!(r.fields.is_empty(), "{:?}", r.fields);
        assert_eq!(r.document_type, DocumentType::Unknown);
    }
}

#[cfg(test)]
mod noise {
    use super::*;

    #[test]
    fn random_lines_never_panic() {
        const WORDS: &[&str] = &[
            "Surname",
            "DOB",
            "EXP",
            "1",
            "JAN",
            "1981",
            "01/02/1990",
            "M",
            "Sex",
            "/",
            "*",
            "Given",
            "Names",
            "Date",
            "of",
            "Birth",
            "C03005988",
            "é",
            "4b",
            "",
            "ISS",
        ];
        let mut state = 0x1234_5678_u32;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as usize
        };
        for _ in 0..500 {
            let lines: Vec<TextLine> = (0..next() % 12)
                .map(|_| {
                    let text: Vec<&str> = (0..next() % 5)
                        .map(|_| WORDS[next() % WORDS.len()])
                        .collect();
                    TextLine {
                        text: text.join(" "),
                        confidence: (next() % 101) as f32,
                        left: (next() % 500) as f32,
                        top: (next() % 500) as f32,
                        width: (next() % 200) as f32,
                        height: (next() % 40) as f32,
                    }
                })
                .collect();
            let r = read(&lines);
            assert!(
                r.fields
                    .values()
                    .all(|f| (0.0..=60.001).contains(&f.confidence))
            );
        }
    }
}

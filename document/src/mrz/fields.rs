//! Repaired MRZ lines to fields under AnalyzeID's names.
//!
//! Confidence: a field a valid check digit protects starts at 99, one whose
//! check digit fails at 40, a field no check digit protects (names, sex,
//! nationality, codes) at 90; each character changed by a repair inside the
//! field takes off 5 (filler or class repair) or 10 (confusion repair).

use chrono::NaiveDate;

use super::chars::FILLER;
use super::layout::Span;
use super::parse::Parsed;
use super::repair::{Repair, RepairKind};
use crate::dates::{DateRole, resolve_yymmdd};
use crate::model::{CheckDigitField, DocumentFormat, DocumentType, FieldName};
use crate::reading::{Reading, normalize_name};

const PROTECTED_VALID: f32 = 99.0;
const PROTECTED_INVALID: f32 = 40.0;
const UNPROTECTED: f32 = 90.0;

/// The reading of a parsed MRZ.
pub fn reading(parsed: &Parsed, today: NaiveDate) -> Reading {
    let layout = &parsed.layout;
    let text = |span: Span| String::from_utf8_lossy(span.slice(&parsed.lines)).into_owned();
    let stripped = |span: Span| text(span).trim_end_matches('<').to_owned();
    let confidence = |spans: &[Span], check: Option<CheckDigitField>| {
        let base = match check.and_then(|c| parsed.check_valid(c)) {
            Some(true) => PROTECTED_VALID,
            Some(false) => PROTECTED_INVALID,
            None => UNPROTECTED,
        };
        base - penalty(&parsed.repairs, spans)
    };

    let code = stripped(layout.doc_code);
    let mut reading = Reading::new(layout.format, document_type(layout.format, &code));
    let issuing = stripped(layout.issuing);
    if !issuing.is_empty() {
        reading.issuing_country = Some(issuing.clone());
    }

    let alpha = |reading: &mut Reading, name: FieldName, span: Span| {
        let value = stripped(span);
        if !value.is_empty() {
            let c = confidence(&[span], None);
            reading.insert(name, value.clone(), Some(value), c);
        }
    };
    alpha(&mut reading, FieldName::IdType, layout.doc_code);
    alpha(&mut reading, FieldName::IssuingCountry, layout.issuing);
    alpha(&mut reading, FieldName::Nationality, layout.nationality);

    let (surname, given) = split_name(&text(layout.name));
    let name_conf = confidence(&[layout.name], None);
    if let Some(surname) = surname {
        reading.insert(
            FieldName::LastName,
            surname.clone(),
            Some(surname),
            name_conf,
        );
    }
    if let Some(given) = given {
        reading.insert(FieldName::FirstName, given.clone(), Some(given), name_conf);
    }

    let number: String = parsed
        .number
        .iter()
        .flat_map(|s| s.slice(&parsed.lines).iter())
        .filter(|&&c| c != FILLER)
        .map(|&c| char::from(c))
        .collect();
    if !number.is_empty() {
        let mut spans = parsed.number.clone();
        spans.push(parsed.number_check);
        let c = confidence(&spans, Some(CheckDigitField::DocumentNumber));
        reading.insert(FieldName::DocumentNumber, number.clone(), Some(number), c);
    }

    for (name, span, check_span, check, role) in [
        (
            FieldName::DateOfBirth,
            layout.birth,
            layout.birth_check,
            CheckDigitField::DateOfBirth,
            DateRole::Past,
        ),
        (
            FieldName::ExpirationDate,
            layout.expiry,
            layout.expiry_check,
            CheckDigitField::ExpirationDate,
            DateRole::Expiry,
        ),
    ] {
        let raw = text(span);
        let date = resolve_yymmdd(&raw, role, today).map(|d| d.to_string());
        let c = confidence(&[span, check_span], Some(check));
        reading.insert(name, raw, date, c);
    }

    let sex = text(layout.sex);
    let normalized = match sex.as_str() {
        "M" | "F" | "X" => Some(sex.clone()),
        "<" => Some("X".to_owned()),
        _ => None,
    };
    let c = confidence(&[layout.sex], None);
    reading.insert(FieldName::Sex, sex, normalized, c);

    let code_text = parsed
        .lines
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    let all_valid = parsed.checks.iter().all(|c| c.valid);
    let whole: Vec<Span> = (0..layout.lines)
        .map(|line| Span {
            line,
            start: 0,
            len: layout.line_len,
        })
        .collect();
    let base = if all_valid {
        PROTECTED_VALID
    } else {
        PROTECTED_INVALID
    };
    let c = base - penalty(&parsed.repairs, &whole);
    reading.insert(FieldName::MrzCode, code_text.clone(), Some(code_text), c);

    reading.check_digits = parsed.checks.clone();
    reading
}

/// What the repairs inside `spans` cost.
fn penalty(repairs: &[Repair], spans: &[Span]) -> f32 {
    let cost: f32 = repairs
        .iter()
        .filter(|r| spans.iter().any(|s| s.contains(r.line, r.position)))
        .map(|r| match r.kind {
            RepairKind::Confusion | RepairKind::Country => 10.0,
            RepairKind::Length | RepairKind::FillerTail | RepairKind::CharClass => 5.0,
        })
        .sum();
    cost.min(80.0)
}

/// The kind of document a layout and document code name.
fn document_type(format: DocumentFormat, code: &str) -> DocumentType {
    match format {
        DocumentFormat::MrvA | DocumentFormat::MrvB => DocumentType::Visa,
        DocumentFormat::Td3 => DocumentType::Passport,
        _ => match code.as_bytes().first() {
            Some(b'I' | b'A' | b'C') => DocumentType::IdCard,
            Some(b'P') => DocumentType::Passport,
            _ => DocumentType::Unknown,
        },
    }
}

/// The primary identifier (surname) and the secondary identifier (given
/// names, joined by spaces). The MRZ does not mark a middle name, so all
/// given names stay in FIRST_NAME and no MIDDLE_NAME is read.
fn split_name(field: &str) -> (Option<String>, Option<String>) {
    let field = field.trim_end_matches('<');
    match field.split_once("<<") {
        Some((surname, given)) => (normalize_name(surname), normalize_name(given)),
        None => (normalize_name(field), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_the_double_filler() {
        assert_eq!(
            split_name("ERIKSSON<<ANNA<MARIA<<<<<<<"),
            (Some("ERIKSSON".into()), Some("ANNA MARIA".into()))
        );
        assert_eq!(
            split_name("ESPANOLA<ESPANOLA<<CARMEN<<<<<"),
            (Some("ESPANOLA ESPANOLA".into()), Some("CARMEN".into()))
        );
        assert_eq!(
            split_name("SPITERI<MANDY<<<<<<<"),
            (Some("SPITERI MANDY".into()), None)
        );
        assert_eq!(split_name("<<<<<<"), (None, None));
    }
}

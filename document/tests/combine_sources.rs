//! A passport read from its MRZ and its printed page, combined: the MRZ's
//! values win, and every field both read is compared.

// Test helpers fail loudly, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::panic)]

use chrono::NaiveDate;
use riv_document::labels::{self, TextLine};
use riv_document::model::{DocumentFormat, DocumentType, FieldName, FieldSource};
use riv_document::{combine, mrz};

fn line(text: &str, left: f32, top: f32) -> TextLine {
    TextLine {
        text: text.to_owned(),
        confidence: 95.0,
        left,
        top,
        width: 14.0 * text.len() as f32,
        height: 20.0,
    }
}

fn page(birth: &str) -> Vec<TextLine> {
    vec![
        line("PASSPORT", 300.0, 10.0),
        line("Surname / Nom", 200.0, 60.0),
        line("Eriksson", 200.0, 85.0),
        line("Given names / Prénoms", 200.0, 120.0),
        line("Anna María", 200.0, 145.0),
        line("Passport No.", 600.0, 60.0),
        line("L898902C3", 600.0, 85.0),
        line("Date of birth", 200.0, 180.0),
        line(birth, 200.0, 205.0),
        line("Sex", 450.0, 180.0),
        line("F", 450.0, 205.0),
        line("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", 20.0, 400.0),
        line("L898902C36UTO7408122F1204159ZE184226B<<<<<10", 20.0, 430.0),
    ]
}

fn analyse(birth: &str) -> riv_document::model::DocumentAnalysis {
    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let lines = page(birth);
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    let found = mrz::find_lines(&texts).unwrap();
    assert_eq!(found.indices, vec![11, 12]);
    let mrz = mrz::read(&found.as_strs(), today).unwrap();
    // The printed page without the MRZ lines.
    let printed: Vec<TextLine> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| !found.indices.contains(i))
        .map(|(_, l)| l.clone())
        .collect();
    combine(vec![labels::read(&printed), mrz.reading], today)
}

#[test]
fn an_mrz_and_its_printed_page_agree() {
    let a = analyse("12 AUG 1974");
    assert_eq!(a.document_type, DocumentType::Passport);
    assert_eq!(
        a.formats,
        vec![DocumentFormat::Td3, DocumentFormat::PrintedText]
    );
    assert_eq!(a.fields[&FieldName::LastName].source, FieldSource::Mrz);
    assert_eq!(a.value(FieldName::FirstName), Some("ANNA MARIA"));
    let compared: Vec<FieldName> = a.checks.agreement.iter().map(|x| x.field).collect();
    for name in [
        FieldName::LastName,
        FieldName::DocumentNumber,
        FieldName::DateOfBirth,
        FieldName::Sex,
    ] {
        assert!(
            compared.contains(&name),
            "{name} not compared: {compared:?}"
        );
    }
    // `Anna María` is `ANNA MARIA` once transliterated.
    assert!(
        a.checks.agreement.iter().all(|x| x.agree),
        "{:?}",
        a.checks.agreement
    );
    assert_eq!(a.checks.sources_agree(), Some(true));
    assert_eq!(a.checks.check_digits_valid, Some(true));
}

#[test]
fn a_printed_birth_date_that_differs_from_the_mrz_is_flagged() {
    let a = analyse("13 AUG 1974");
    let birth = a
        .checks
        .agreement
        .iter()
        .find(|x| x.field == FieldName::DateOfBirth)
        .unwrap();
    assert!(!birth.agree);
    assert_eq!(birth.sources, [FieldSource::Mrz, FieldSource::Text]);
    assert_eq!(a.value(FieldName::DateOfBirth), Some("1974-08-12"));
    assert_eq!(a.checks.sources_agree(), Some(false));
}

//! The whole document engine (barcode, MRZ band OCR, printed labels) on the
//! shared specimens:
//! - every specimen whose printed MRZ is the truth is read exactly, after
//!   the parser's repairs, with every check digit right;
//! - the deliberately invalid ones (ICAO's "bad hashes" passport, Malta's
//!   non-compliant card) come out invalid, never repaired;
//! - the US passport card exemplar, which has no MRZ, yields its holder's
//!   names, date of birth, card number and expiry from its printed labels;
//! - a payment card and photos without a document read nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod support;

use chrono::NaiveDate;
use riv_document::model::{DocumentAnalysis, FieldName, FieldSource};
use riv_document_engine::{DocumentEngine, OcrText};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 6, 1).unwrap()
}

fn engine() -> Option<DocumentEngine> {
    let ocr = support::require_ocr()?;
    Some(DocumentEngine::new(Some(Box::new(OcrText::new(ocr)))))
}

fn analyze(engine: &DocumentEngine, relative: &str) -> Option<DocumentAnalysis> {
    let image = support::require_testdata_image(relative)?;
    Some(engine.analyze(&[&image], today()).expect("analysis runs"))
}

#[test]
fn every_specimen_whose_printed_mrz_is_the_truth_is_read_exactly_and_valid() {
    let Some(engine) = engine() else { return };
    let Some(rows) = support::truth_rows() else {
        return;
    };
    let targets: Vec<_> = rows.iter().filter(|r| r.is_reading_target()).collect();
    assert!(targets.len() >= 20, "only {} targets", targets.len());
    let mut wrong = Vec::new();
    for row in &targets {
        let Some(analysis) = analyze(&engine, &row.relative_path()) else {
            return;
        };
        let truth = row.mrz.join("\n");
        let read = analysis.value(FieldName::MrzCode).unwrap_or_default();
        let valid = analysis.checks.check_digits_valid;
        if read != truth || valid != Some(true) {
            wrong.push(format!(
                "{}: check digits {valid:?}\n  read  {}\n  truth {}",
                row.file,
                read.replace('\n', " / "),
                truth.replace('\n', " / ")
            ));
        }
    }
    eprintln!(
        "MRZ through the engine: {}/{} specimens exact with valid check digits",
        targets.len() - wrong.len(),
        targets.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn deliberately_invalid_specimens_come_out_invalid() {
    let Some(engine) = engine() else { return };
    for relative in [
        "id-documents/mrz-specimens-arg0s1080/passports/ICAO_Example2.png",
        "id-documents/mrz-specimens-arg0s1080/id_cards/Malta_BAD.png",
    ] {
        let Some(analysis) = analyze(&engine, relative) else {
            return;
        };
        assert!(analysis.is_readable(), "{relative}: read nothing");
        assert_eq!(
            analysis.checks.check_digits_valid,
            Some(false),
            "{relative}: {:?}",
            analysis.checks.check_digits
        );
    }
}

#[test]
fn the_us_passport_card_yields_its_holder_from_the_printed_labels() {
    let Some(engine) = engine() else { return };
    let Some(analysis) = analyze(
        &engine,
        "id-documents/us-passport-card-exemplar/passport_card.jpeg",
    ) else {
        return;
    };
    let value = |name| analysis.value(name).unwrap_or_default().to_owned();
    assert_eq!(value(FieldName::LastName), "TRAVELER", "{analysis:#?}");
    assert_eq!(value(FieldName::FirstName), "HAPPY", "{analysis:#?}");
    assert_eq!(value(FieldName::DateOfBirth), "1981-01-01", "{analysis:#?}");
    assert_eq!(
        value(FieldName::DocumentNumber),
        "C03005988",
        "{analysis:#?}"
    );
    assert!(
        !value(FieldName::ExpirationDate).is_empty(),
        "{analysis:#?}"
    );
    assert!(
        analysis
            .fields
            .values()
            .all(|f| f.source == FieldSource::Text)
    );
}

#[test]
fn a_payment_card_and_photos_without_a_document_read_nothing() {
    let Some(engine) = engine() else { return };
    for relative in [
        "id-documents/mrz-fastmrz/nomrz.jpg",
        "id-documents/mrz-passporteye/tests_data/pacman.png",
        "id-documents/mrz-passporteye/tests_data/tesseract-test2.png",
    ] {
        let Some(analysis) = analyze(&engine, relative) else {
            return;
        };
        assert!(!analysis.is_readable(), "{relative}: {analysis:#?}");
    }
}

//! The document engine on licences read from their barcode: the Ohio
//! sample's back yields its documented fields; generated licences read back
//! with their fields; a payment card and a non-AAMVA barcode read nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod support;

use chrono::NaiveDate;
use riv_document::model::{DocumentType, FieldName, FieldSource};
use riv_document_engine::DocumentEngine;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 6, 1).unwrap()
}

#[test]
fn the_ohio_sample_back_yields_its_documented_fields() {
    let Some(image) =
        support::require_testdata_image("id-documents/aamva-pdf417/SampleDriversLicense.jpg")
    else {
        return;
    };
    let engine = DocumentEngine::new(None);
    let analysis = engine.analyze(&[&image], today()).unwrap();
    assert_eq!(analysis.document_type, DocumentType::DriverLicence);
    assert_eq!(analysis.issuing_country.as_deref(), Some("OH"));
    let value = |name| analysis.value(name).unwrap_or_default().to_owned();
    assert_eq!(value(FieldName::DocumentNumber), "AB123456");
    assert_eq!(value(FieldName::LastName), "DOE");
    assert_eq!(value(FieldName::FirstName), "JANE");
    assert_eq!(value(FieldName::DateOfBirth), "1990-09-16");
    assert_eq!(value(FieldName::ExpirationDate), "2021-01-21");
    assert_eq!(value(FieldName::DateOfIssue), "2018-07-02");
    assert_eq!(value(FieldName::Sex), "F");
    assert_eq!(value(FieldName::StateInAddress), "OH");
    assert!(
        analysis
            .fields
            .values()
            .all(|f| f.source == FieldSource::Barcode)
    );
    assert_eq!(analysis.checks.expired, Some(false));
    assert_eq!(analysis.checks.age_years, Some(29));
    assert_eq!(analysis.checks.check_digits_valid, None);
}

#[test]
fn a_generated_licence_reads_back_its_fields_on_either_side() {
    let (_, payload) = support::fixtures::licences().into_iter().next().unwrap();
    let bytes = payload.to_bytes();
    let matrix = support::render::pdf417_matrix(&String::from_utf8_lossy(&bytes), 4);
    let symbol = support::render::draw(&matrix, 3, 12);
    let back = image::DynamicImage::ImageLuma8(symbol);
    let blank = image::DynamicImage::new_rgb8(600, 380);
    let engine = DocumentEngine::new(None);
    let analysis = engine.analyze(&[&blank, &back], today()).unwrap();
    assert!(analysis.is_readable());
    assert!(analysis.value(FieldName::DocumentNumber).is_some());
    assert!(matches!(
        analysis.document_type,
        DocumentType::DriverLicence | DocumentType::IdCard
    ));
}

#[test]
fn a_payment_card_and_a_foreign_barcode_read_nothing() {
    if let Some(card) = support::require_testdata_image("id-documents/mrz-fastmrz/nomrz.jpg") {
        let analysis = DocumentEngine::new(None)
            .analyze(&[&card], today())
            .unwrap();
        assert!(!analysis.is_readable());
    }
    let matrix = support::render::pdf417_matrix("just some text, not a licence", 4);
    let symbol = image::DynamicImage::ImageLuma8(support::render::draw(&matrix, 3, 12));
    let analysis = DocumentEngine::new(None)
        .analyze(&[&symbol], today())
        .unwrap();
    assert!(!analysis.is_readable());
}

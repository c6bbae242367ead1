//! The shared AAMVA samples: the Ohio-style sample licence's payload (with
//! its wrong directory offsets) against its decoded element table, and the
//! AAMVA standard's Virginia example.

// Test helpers fail loudly, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::panic)]

mod support;

use chrono::NaiveDate;
use riv_document::aamva;
use riv_document::model::{DocumentType, FieldName};

#[test]
fn the_ohio_sample_reads_its_documented_fields() {
    let Some(payload) = support::read_id_document("aamva-pdf417/SampleDriversLicense.decoded.txt")
    else {
        return;
    };
    let Some(json) = support::read_id_document("aamva-pdf417/SampleDriversLicense.decoded.json")
    else {
        return;
    };
    let doc = aamva::parse(payload.as_bytes()).unwrap();
    assert_eq!(doc.header.iin, 636023);
    assert_eq!(doc.jurisdiction().map(|j| j.code), Some("OH"));
    assert_eq!(doc.header.version, 9);
    assert_eq!(doc.header.jurisdiction_version, Some(1));
    assert_eq!(doc.header.entries, 2);

    // Every element of the decoded table, value for value.
    let expected: serde_json::Value = serde_json::from_str(&json).unwrap();
    let subfiles = expected["subfiles"].as_object().unwrap();
    assert_eq!(doc.subfiles.len(), subfiles.len());
    for (kind, elements) in subfiles {
        let subfile = doc.subfiles.iter().find(|s| &s.kind == kind).unwrap();
        let positions = &expected["header"]["subfile_positions_actual"][kind];
        assert_eq!(
            subfile.offset as u64,
            positions["offset"].as_u64().unwrap(),
            "{kind}"
        );
        let elements = elements.as_object().unwrap();
        assert_eq!(subfile.elements.len(), elements.len(), "{kind}");
        for (id, value) in elements {
            assert_eq!(subfile.element(id), value.as_str(), "{kind} {id}");
        }
    }

    let r = doc.reading();
    assert_eq!(r.document_type, DocumentType::DriverLicence);
    for (name, value) in [
        (FieldName::DocumentNumber, "AB123456"),
        (FieldName::LastName, "DOE"),
        (FieldName::FirstName, "JANE"),
        (FieldName::DateOfBirth, "1990-09-16"),
        (FieldName::ExpirationDate, "2021-01-21"),
        (FieldName::DateOfIssue, "2018-07-02"),
        (FieldName::Sex, "F"),
        (FieldName::StateInAddress, "OH"),
        (FieldName::ZipCodeInAddress, "12345"),
        (FieldName::Address, "123 ANYWHERE ST"),
        (FieldName::CityInAddress, "ANYTOWN"),
        (FieldName::Class, "D"),
        (FieldName::Restrictions, "M"),
        (FieldName::Endorsements, "B"),
        (FieldName::PlaceOfBirth, "OHIO"),
        (FieldName::IssuingCountry, "USA"),
    ] {
        assert_eq!(r.value(name), Some(value), "{name}");
    }
    assert_eq!(r.value(FieldName::MiddleName), None);
    assert_eq!(r.value(FieldName::Veteran), None);

    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let analysis = riv_document::combine(vec![r], today);
    assert_eq!(analysis.checks.expired, Some(true));
    assert_eq!(analysis.checks.age_years, Some(35));
    assert_eq!(analysis.checks.check_digits_valid, None);
    assert_eq!(analysis.issuing_country.as_deref(), Some("OH"));
}

#[test]
fn the_virginia_example_reads_its_documented_fields() {
    let Some(payload) = support::read_id_document("aamva-pdf417/test-case-1_state-VA.txt") else {
        return;
    };
    let doc = aamva::parse(payload.as_bytes()).unwrap();
    assert_eq!(doc.header.iin, 636000);
    assert_eq!(doc.header.version, 10);
    assert_eq!(doc.jurisdiction().map(|j| j.name), Some("Virginia"));
    let r = doc.reading();
    for (name, value) in [
        (FieldName::DocumentNumber, "T64235789"),
        (FieldName::LastName, "SAMPLE"),
        (FieldName::FirstName, "MICHAEL"),
        (FieldName::MiddleName, "JOHN"),
        (FieldName::Suffix, "JR"),
        (FieldName::DateOfBirth, "1986-06-06"),
        (FieldName::ExpirationDate, "2024-12-10"),
        (FieldName::DateOfIssue, "2019-06-06"),
        (FieldName::Sex, "M"),
        (FieldName::Class, "D"),
        (FieldName::Restrictions, "K"),
        (FieldName::Endorsements, "PH"),
        (FieldName::Address, "2300 WEST BROAD STREET"),
        (FieldName::CityInAddress, "RICHMOND"),
        (FieldName::StateInAddress, "VA"),
        (FieldName::ZipCodeInAddress, "23269"),
        (FieldName::StateName, "VIRGINIA"),
    ] {
        assert_eq!(r.value(name), Some(value), "{name}");
    }
    // The directory's offsets assume a header this file does not have.
    let zv = doc.subfiles.iter().find(|s| s.kind == "ZV").unwrap();
    assert_eq!(zv.element("ZVA"), Some("0"));
}

#[test]
fn the_samples_survive_truncation_at_every_byte() {
    for file in [
        "aamva-pdf417/SampleDriversLicense.decoded.txt",
        "aamva-pdf417/test-case-1_state-VA.txt",
    ] {
        let Some(payload) = support::read_id_document(file) else {
            return;
        };
        let bytes = payload.as_bytes();
        for end in 0..=bytes.len() {
            if let Ok(doc) = aamva::parse(&bytes[..end]) {
                let _ = doc.reading();
            }
        }
    }
}

//! The US passport card exemplar: Textract's LINE blocks, read by the
//! printed-label reader.

// Test helpers fail loudly, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::panic)]

mod support;

use chrono::NaiveDate;
use riv_document::labels::{self, TextLine};
use riv_document::model::{DocumentType, FieldName, FieldSource};

/// The exemplar's size in pixels (Textract's boxes are relative).
const WIDTH: f32 = 1020.0;
const HEIGHT: f32 = 645.0;

fn lines() -> Option<Vec<TextLine>> {
    let json = support::read_id_document("us-passport-card-exemplar/textract-output.json")?;
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let lines = doc["Blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["BlockType"] == "LINE")
        .map(|b| {
            let bbox = &b["Geometry"]["BoundingBox"];
            let f = |k: &str| bbox[k].as_f64().unwrap() as f32;
            TextLine {
                text: b["Text"].as_str().unwrap().to_owned(),
                confidence: b["Confidence"].as_f64().unwrap() as f32,
                left: f("Left") * WIDTH,
                top: f("Top") * HEIGHT,
                width: f("Width") * WIDTH,
                height: f("Height") * HEIGHT,
            }
        })
        .collect();
    Some(lines)
}

#[test]
fn the_passport_card_reads_its_printed_fields() {
    let Some(lines) = lines() else { return };
    assert!(lines.len() > 20);
    let r = labels::read(&lines);
    assert_eq!(r.document_type, DocumentType::IdCard);
    for (name, value) in [
        (FieldName::LastName, "TRAVELER"),
        (FieldName::FirstName, "HAPPY"),
        (FieldName::DateOfBirth, "1981-01-01"),
        (FieldName::DocumentNumber, "C03005988"),
        (FieldName::ExpirationDate, "2019-11-29"),
        (FieldName::DateOfIssue, "2009-11-30"),
        (FieldName::Sex, "M"),
        (FieldName::Nationality, "USA"),
        (FieldName::PlaceOfBirth, "NEW YORK. U.S.A."),
    ] {
        assert_eq!(r.value(name), Some(value), "{name}");
    }
    for field in r.fields.values() {
        assert_eq!(field.source, FieldSource::Text);
        assert!(field.confidence <= 60.0);
    }

    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    let a = riv_document::combine(vec![r], today);
    assert_eq!(a.checks.expired, Some(true));
    assert_eq!(a.checks.age_years, Some(45));
    assert_eq!(a.checks.check_digits_valid, None);
}

//! Every MRZ of the shared specimens' truth table (`truth_mrz.tsv`) read
//! back: the valid ones with every check digit valid and their fields, the
//! deliberately bad ones with exactly the check digits the table marks
//! false failing.

// Test helpers fail loudly, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::panic)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use riv_document::model::{CheckDigitField, DocumentType, FieldName};
use riv_document::mrz;

struct Row {
    file: String,
    lines: Vec<String>,
    expected: BTreeMap<CheckDigitField, bool>,
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

fn check_field(key: &str) -> CheckDigitField {
    match key {
        "doc_number" => CheckDigitField::DocumentNumber,
        "birth" => CheckDigitField::DateOfBirth,
        "expiry" => CheckDigitField::ExpirationDate,
        "optional" => CheckDigitField::PersonalNumber,
        "composite" => CheckDigitField::Composite,
        other => panic!("unknown check {other}"),
    }
}

/// The rows that carry an MRZ.
fn rows() -> Option<Vec<Row>> {
    let tsv = support::read_id_document("truth_mrz.tsv")?;
    let mut rows = Vec::new();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(file), Some(mrz), Some(checks)) = (cols.get(1), cols.get(3), cols.get(5)) else {
            continue;
        };
        if mrz.is_empty() {
            continue;
        }
        // A quoted TSV cell: outer quotes, doubled inner quotes.
        let json = checks.trim_matches('"').replace("\"\"", "\"");
        let map: BTreeMap<String, bool> =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{file}: {json}: {e}"));
        rows.push(Row {
            file: (*file).to_owned(),
            lines: mrz.split("\\n").map(str::to_owned).collect(),
            expected: map.iter().map(|(k, v)| (check_field(k), *v)).collect(),
        });
    }
    Some(rows)
}

#[test]
fn every_specimen_mrz_parses_with_the_check_digits_the_table_expects() {
    let Some(rows) = rows() else { return };
    assert!(rows.len() >= 25, "only {} rows with an MRZ", rows.len());
    for row in &rows {
        let lines: Vec<&str> = row.lines.iter().map(String::as_str).collect();
        let reading = mrz::read(&lines, today()).unwrap_or_else(|e| panic!("{}: {e}", row.file));
        assert_eq!(reading.lines, row.lines, "{}: nothing to repair", row.file);
        let got: BTreeMap<CheckDigitField, bool> = reading
            .check_digits()
            .iter()
            .map(|c| (c.field, c.valid))
            .collect();
        assert_eq!(got, row.expected, "{}", row.file);
        let all_valid = row.expected.values().all(|v| *v);
        assert_eq!(reading.checks_valid(), all_valid, "{}", row.file);
        let analysis = reading.analysis(today());
        assert_eq!(
            analysis.checks.check_digits_valid,
            Some(all_valid),
            "{}",
            row.file
        );
        for name in [
            FieldName::LastName,
            FieldName::DocumentNumber,
            FieldName::DateOfBirth,
        ] {
            assert!(analysis.value(name).is_some(), "{}: no {name}", row.file);
        }
    }
}

#[test]
fn the_icao_specimens_read_their_documented_fields() {
    if rows().is_none() {
        return;
    }
    let td3 = mrz::read(
        &[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ],
        today(),
    )
    .unwrap();
    let a = td3.analysis(today());
    assert_eq!(a.document_type, DocumentType::Passport);
    assert_eq!(a.issuing_country.as_deref(), Some("UTO"));
    for (name, value) in [
        (FieldName::DocumentNumber, "L898902C3"),
        (FieldName::DateOfBirth, "1974-08-12"),
        (FieldName::ExpirationDate, "2012-04-15"),
        (FieldName::Sex, "F"),
        (FieldName::LastName, "ERIKSSON"),
        (FieldName::FirstName, "ANNA MARIA"),
        (FieldName::Nationality, "UTO"),
        (FieldName::IdType, "P"),
    ] {
        assert_eq!(a.value(name), Some(value), "{name}");
    }
    assert_eq!(a.checks.expired, Some(true));
    assert_eq!(a.checks.age_years, Some(51));
    assert_eq!(td3.optional_data, vec!["ZE184226B<<<<<"]);

    let td2 = mrz::read(
        &[
            "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "D231458907UTO7408122F1204159<<<<<<<6",
        ],
        today(),
    )
    .unwrap();
    assert_eq!(td2.document_type(), DocumentType::IdCard);
    assert_eq!(td2.value(FieldName::DocumentNumber), Some("D23145890"));
    assert!(td2.checks_valid());

    let visa = mrz::read(
        &[
            "VNUSATRAVELER<<HAPPY<<<<<<<<<<<<<<<<<<<<<<<<",
            "1234567897CAN6612120M1407282B3XLC000FD142955",
        ],
        today(),
    )
    .unwrap();
    assert_eq!(visa.document_type(), DocumentType::Visa);
    assert_eq!(visa.value(FieldName::IdType), Some("VN"));
    assert_eq!(visa.value(FieldName::DateOfBirth), Some("1966-12-12"));
    assert_eq!(visa.value(FieldName::ExpirationDate), Some("2014-07-28"));
    assert!(visa.checks_valid());
}

#[test]
fn the_bad_specimens_come_out_invalid() {
    let Some(rows) = rows() else { return };
    for file in ["passports/ICAO_Example2.png", "id_cards/Malta_BAD.png"] {
        let row = rows.iter().find(|r| r.file == file).unwrap();
        let lines: Vec<&str> = row.lines.iter().map(String::as_str).collect();
        let r = mrz::read(&lines, today()).unwrap();
        assert!(!r.checks_valid(), "{file}");
        assert!(r.repairs.is_empty(), "{file}: {:?}", r.repairs);
        let failing: BTreeSet<CheckDigitField> = r
            .check_digits()
            .iter()
            .filter(|c| !c.valid)
            .map(|c| c.field)
            .collect();
        let expected: BTreeSet<CheckDigitField> = row
            .expected
            .iter()
            .filter(|(_, v)| !**v)
            .map(|(k, _)| *k)
            .collect();
        assert!(!expected.is_empty(), "{file}");
        assert_eq!(failing, expected, "{file}");
    }
}

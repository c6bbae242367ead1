//! Generated payloads for every AAMVA version, a Canadian one, an ID card,
//! separator variants, and truncation at every byte.

use super::writer::payload;
use super::*;
use crate::model::{DocumentType, FieldName};

/// A payload of `version` with the element ids that version uses.
fn generated(version: u8) -> Vec<u8> {
    let mut elements: Vec<(&str, &str)> = vec![("DAQ", "D1234567")];
    match version {
        1 => elements.extend([
            ("DAA", "DOE,JANE,QUINN"),
            ("DBB", "19900916"),
            ("DBA", "20300121"),
            ("DBD", "20200702"),
            ("DBC", "F"),
            ("DAR", "C"),
            ("DAS", "B"),
            ("DAT", "NONE"),
        ]),
        2 | 3 => elements.extend([
            ("DCS", "DOE"),
            ("DCT", "JANE,QUINN"),
            ("DCU", "JR"),
            ("DBB", "09161990"),
            ("DBA", "01212030"),
            ("DBD", "07022020"),
            ("DBC", "2"),
            ("DCA", "C"),
            ("DCB", "B"),
            ("DCD", "NONE"),
        ]),
        _ => elements.extend([
            ("DCS", "DOE"),
            ("DAC", "JANE"),
            ("DAD", "QUINN"),
            ("DCU", "JR"),
            ("DDE", "N"),
            ("DDF", "T"),
            ("DDG", "N"),
            ("DBB", "09161990"),
            ("DBA", "01212030"),
            ("DBD", "07022020"),
            ("DBC", "2"),
            ("DCA", "C"),
            ("DCB", "B"),
            ("DCD", "NONE"),
            ("DCG", "USA"),
            ("DDL", "1"),
            ("DCI", "COLUMBUS, OH"),
            ("DAU", "069 IN"),
            ("DAW", "150"),
        ]),
    }
    elements.extend([
        ("DAG", "123 ANYWHERE ST"),
        ("DAH", "APT 4"),
        ("DAI", "ANYTOWN"),
        ("DAJ", "OH"),
        ("DAK", "432150000  "),
    ]);
    let jurisdiction = (version >= 2).then_some(1);
    payload(
        636023,
        version,
        jurisdiction,
        &[("DL", elements), ("ZO", vec![("ZOA", "N"), ("ZOB", "1")])],
    )
}

fn canadian() -> Vec<u8> {
    payload(
        636012,
        10,
        Some(0),
        &[(
            "DL",
            vec![
                ("DAQ", "D1234-56789-01234"),
                ("DCS", "TREMBLAY"),
                ("DAC", "MARIE"),
                ("DAD", ""),
                ("DBB", "19851231"),
                ("DBA", "20290704"),
                ("DBD", "20240704"),
                ("DBC", "2"),
                ("DCG", "CAN"),
                ("DAG", "100 QUEEN ST W"),
                ("DAI", "TORONTO"),
                ("DAJ", "ON"),
                ("DAK", "M5H2N2     "),
                ("DCA", "G"),
            ],
        )],
    )
}

#[test]
fn every_version_reads_the_same_holder() {
    for version in 1..=10u8 {
        let bytes = generated(version);
        let doc = parse(&bytes).unwrap_or_else(|e| panic!("v{version}: {e}"));
        assert_eq!(doc.header.version, version);
        assert_eq!(doc.header.jurisdiction_version, (version >= 2).then_some(1));
        assert_eq!(doc.subfiles.len(), 2);
        assert_eq!(doc.subfiles[1].element("ZOB"), Some("1"));
        let r = doc.reading();
        assert_eq!(r.document_type, DocumentType::DriverLicence);
        assert_eq!(r.issuing_country.as_deref(), Some("OH"));
        for (name, value) in [
            (FieldName::DocumentNumber, "D1234567"),
            (FieldName::LastName, "DOE"),
            (FieldName::FirstName, "JANE"),
            (FieldName::MiddleName, "QUINN"),
            (FieldName::DateOfBirth, "1990-09-16"),
            (FieldName::ExpirationDate, "2030-01-21"),
            (FieldName::DateOfIssue, "2020-07-02"),
            (FieldName::Sex, "F"),
            (FieldName::Class, "C"),
            (FieldName::Restrictions, "B"),
            (FieldName::Address, "123 ANYWHERE ST, APT 4"),
            (FieldName::CityInAddress, "ANYTOWN"),
            (FieldName::StateInAddress, "OH"),
            (FieldName::ZipCodeInAddress, "43215"),
            (FieldName::IssuingCountry, "USA"),
            (FieldName::StateName, "OHIO"),
            (FieldName::IdType, "DL"),
        ] {
            assert_eq!(r.value(name), Some(value), "v{version} {name}");
        }
        // `NONE` is no endorsement.
        assert_eq!(r.value(FieldName::Endorsements), None, "v{version}");
        if version >= 4 {
            assert_eq!(r.value(FieldName::Suffix), Some("JR"));
            assert_eq!(r.value(FieldName::Veteran), Some("VETERAN"));
            assert_eq!(r.value(FieldName::PlaceOfBirth), Some("COLUMBUS, OH"));
            // DDF marks the first name truncated.
            assert!(
                r.fields[&FieldName::FirstName].confidence
                    < r.fields[&FieldName::LastName].confidence
            );
        }
    }
}

#[test]
fn a_canadian_licence_reads_year_first_dates() {
    let r = read(&canadian()).unwrap();
    assert_eq!(r.issuing_country.as_deref(), Some("ON"));
    assert_eq!(r.value(FieldName::IssuingCountry), Some("CAN"));
    assert_eq!(r.value(FieldName::DateOfBirth), Some("1985-12-31"));
    assert_eq!(r.value(FieldName::ExpirationDate), Some("2029-07-04"));
    assert_eq!(r.value(FieldName::ZipCodeInAddress), Some("M5H 2N2"));
    assert_eq!(r.value(FieldName::MiddleName), None);
    assert_eq!(r.value(FieldName::StateName), Some("ONTARIO"));
}

#[test]
fn an_id_subfile_is_an_identity_card() {
    let bytes = payload(
        636001,
        8,
        Some(0),
        &[(
            "ID",
            vec![("DAQ", "123456789"), ("DCS", "ROE"), ("DBB", "01021980")],
        )],
    );
    let r = read(&bytes).unwrap();
    assert_eq!(r.document_type, DocumentType::IdCard);
    assert_eq!(r.value(FieldName::IdType), Some("ID"));
    assert_eq!(r.value(FieldName::DateOfBirth), Some("1980-01-02"));
}

#[test]
fn separators_and_offsets_may_be_wrong() {
    let good = generated(9);
    let expected = read(&good).unwrap();
    let variants: Vec<Vec<u8>> = vec![
        // CR LF between elements.
        String::from_utf8_lossy(&good)
            .replace('\n', "\r\n")
            .into_bytes(),
        // RS between elements.
        String::from_utf8_lossy(&good)
            .replacen("\n", "\u{1e}", 3)
            .into_bytes(),
        // No separators in the header (offsets now off by four).
        String::from_utf8_lossy(&good)
            .replacen("@\n\u{1e}\r", "@", 1)
            .into_bytes(),
        // `ANSI` without its space.
        String::from_utf8_lossy(&good)
            .replacen("ANSI ", "ANSI", 1)
            .into_bytes(),
    ];
    for v in variants {
        let r = read(&v).unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(&v)));
        assert_eq!(
            r.fields,
            expected.fields,
            "{:?}",
            String::from_utf8_lossy(&v)
        );
    }
}

#[test]
fn truncation_at_every_byte_never_panics() {
    for bytes in [generated(1), generated(9), canadian()] {
        let header_len = 4 + 5 + 6 + 2 + 2;
        let mut parsed = 0;
        for end in 0..=bytes.len() {
            match parse(&bytes[..end]) {
                Ok(doc) => {
                    parsed += 1;
                    assert!(doc.card().is_some());
                    assert!(end > header_len);
                }
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        }
        assert!(parsed > 0);
        assert!(parse(&bytes[..header_len]).is_err());
    }
}

#[test]
fn garbage_is_a_typed_error() {
    assert_eq!(parse(b""), Err(AamvaError::NotAamva));
    assert_eq!(
        parse(b"@\n\x1e\r"),
        Err(AamvaError::Truncated { what: "file type" })
    );
    assert_eq!(
        parse(b"@\n\x1e\rANSI 636023090100"),
        Err(AamvaError::NoSubfile)
    );
    // Pseudo-random bytes, and a payload with bytes overwritten.
    let mut state = 0x2545_f491_u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    for _ in 0..2000 {
        let len = (next() % 300) as usize;
        let random: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let _ = parse(&random);
        let mut damaged = generated(9);
        for _ in 0..(next() % 8) {
            let i = next() as usize % damaged.len();
            damaged[i] = next() as u8;
        }
        let _ = parse(&damaged).map(|d| d.reading());
    }
}

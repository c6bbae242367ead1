//! The test-only AAMVA writer itself: headers and subfile designators are
//! exact, so fixtures built with it are well-formed payloads.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod support;

use support::aamva::{self, Payload, Subfile};

/// Reads back the designators the way a strict parser would.
fn designators(bytes: &[u8], header_len: usize, entries: usize) -> Vec<(String, usize, usize)> {
    (0..entries)
        .map(|i| {
            let start = header_len + i * aamva::DESIGNATOR_LEN;
            let field = std::str::from_utf8(&bytes[start..start + aamva::DESIGNATOR_LEN]).unwrap();
            (
                field[..2].to_owned(),
                field[2..6].parse().unwrap(),
                field[6..10].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn header_fields_are_in_place() {
    let payload = aamva::sample_licence("636023", 9, "OH", false);
    let bytes = payload.to_bytes();
    assert_eq!(&bytes[..21], b"@\n\x1e\rANSI 636023090102");
    assert_eq!(payload.header_len(), 21);
    // As in the AAMVA standard's examples: two designators, DL at 41.
    assert_eq!(designators(&bytes, 21, 2)[0].1, 41);
}

#[test]
fn version_01_has_no_jurisdiction_version() {
    let payload = aamva::sample_licence("636014", 1, "CA", false);
    let bytes = payload.to_bytes();
    assert_eq!(payload.header_len(), 19);
    assert_eq!(&bytes[..19], b"@\n\x1e\rANSI 6360140102");
    assert_eq!(&bytes[19..21], b"DL");
    assert_eq!(designators(&bytes, 19, 2)[0].1, 39);
}

#[test]
fn designators_point_exactly_at_their_subfiles() {
    for (iin, version, jurisdiction, canadian) in [
        ("636014", 1, "CA", false),
        ("636015", 4, "TX", false),
        ("636023", 8, "OH", false),
        ("636000", 10, "VA", false),
        ("636012", 10, "ON", true),
    ] {
        let payload = aamva::sample_licence(iin, version, jurisdiction, canadian);
        let bytes = payload.to_bytes();
        let found = designators(&bytes, payload.header_len(), payload.subfiles.len());
        let mut expected_offset = payload.header_len() + 10 * payload.subfiles.len();
        for ((kind, offset, length), subfile) in found.iter().zip(&payload.subfiles) {
            assert_eq!(kind, &subfile.kind);
            assert_eq!(*offset, expected_offset, "{iin} v{version} {kind} offset");
            assert_eq!(&bytes[*offset..*offset + 2], kind.as_bytes());
            assert_eq!(bytes[offset + length - 1], b'\r', "{kind} ends with CR");
            assert_eq!(
                bytes[*offset..offset + length]
                    .iter()
                    .filter(|&&b| b == b'\r')
                    .count(),
                1,
                "one CR per subfile"
            );
            expected_offset = offset + length;
        }
        assert_eq!(
            expected_offset,
            bytes.len(),
            "the last subfile ends the payload"
        );
        assert!(bytes.is_ascii());
    }
}

#[test]
fn subfile_elements_are_lf_separated_and_cr_terminated() {
    let subfile = Subfile::new("DL", &[("DAQ", "X1"), ("DCS", "DOE"), ("DAD", "")]);
    assert_eq!(subfile.to_bytes(), b"DLDAQX1\nDCSDOE\nDAD\r");
}

#[test]
fn canadian_licences_use_ccyymmdd_dates() {
    let payload = aamva::sample_licence("636012", 10, "ON", true);
    let text = payload.to_text();
    assert!(text.contains("\nDBB19800115\n"), "{text:?}");
    assert!(text.contains("\nDCGCAN\n"), "{text:?}");
    let us = Payload {
        iin: "636000".to_owned(),
        ..payload
    };
    assert!(us.to_text().contains("ANSI 636000"));
}

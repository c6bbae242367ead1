//! The codes an MRZ's issuing state and nationality may hold (ICAO 9303
//! part 3): ISO 3166-1 alpha-3, Germany's `D`, and ICAO's own codes; and
//! the repair of a code OCR misread as one that does not exist.
//!
//! No check digit covers these fields, so a confident misreading (`MOO`
//! for Monaco's `MCO`) would otherwise stand. A code that is not on the
//! list is repaired only when exactly one substitution of a letter OCR
//! confuses with another gives a code that is.

use super::layout::Span;
use super::repair::{Repair, RepairKind};

/// ICAO codes outside ISO 3166-1 alpha-3, fillers dropped.
const ICAO_CODES: [&str; 29] = [
    "D",   // Germany
    "GBD", // British Overseas Territories citizen
    "GBN", // British National (Overseas)
    "GBO", // British Overseas citizen
    "GBP", // British protected person
    "GBS", // British subject
    "UNO", // United Nations Organization official
    "UNA", // United Nations specialized agency official
    "UNK", // resident of Kosovo (UN interim administration)
    "XBA", // African Development Bank
    "XIM", // African Export-Import Bank
    "XCC", // Caribbean Community
    "XCE", // Council of Europe
    "XCO", // Common Market for Eastern and Southern Africa
    "XEC", // Economic Community of West African States
    "XPO", // Interpol
    "XES", // Organisation of Eastern Caribbean States
    "XMP", // Parliamentary Assembly of the Mediterranean
    "XOM", // Sovereign Military Order of Malta
    "XDC", // Southern African Development Community
    "XXA", // stateless (1954 Convention)
    "XXB", // refugee (1951 Convention)
    "XXC", // refugee (other)
    "XXX", // unspecified nationality
    "EUE", // European Union
    "RKS", // Kosovo
    "ANT", // Netherlands Antilles (former)
    "NTZ", // Neutral Zone (former)
    "UTO", // Utopia: ICAO's specimen state
];

/// Whether `code` (as printed, fillers included) is a state or
/// organisation an MRZ may name.
pub fn is_known(code: &[u8]) -> bool {
    let trimmed = String::from_utf8_lossy(code);
    let trimmed = trimmed.trim_end_matches('<');
    ICAO_CODES.contains(&trimmed) || isocountry::CountryCode::for_alpha3(trimmed).is_ok()
}

/// Letters OCR-B print is misread as, letter for letter.
fn look_alikes(c: u8) -> &'static [u8] {
    match c {
        b'O' => b"CDQU",
        b'C' => b"OG",
        b'D' => b"O",
        b'Q' => b"O",
        b'G' => b"C",
        b'U' => b"OV",
        b'V' => b"UY",
        b'Y' => b"V",
        b'I' => b"LT",
        b'L' => b"I",
        b'T' => b"I",
        b'M' => b"NH",
        b'N' => b"MH",
        b'H' => b"NM",
        b'E' => b"F",
        b'F' => b"EP",
        b'P' => b"FR",
        b'R' => b"P",
        b'K' => b"X",
        b'X' => b"K",
        _ => b"",
    }
}

/// Repairs the code under `span` when it is unknown and exactly one
/// look-alike substitution makes it known.
pub fn fix_country(lines: &mut [Vec<u8>], span: Span, repairs: &mut Vec<Repair>) {
    let code = span.slice(lines).to_vec();
    if code.len() != span.len || is_known(&code) {
        return;
    }
    let mut found = None;
    for (offset, &read) in code.iter().enumerate() {
        for &instead in look_alikes(read) {
            let mut candidate = code.clone();
            candidate[offset] = instead;
            if is_known(&candidate) {
                if found.is_some() {
                    return;
                }
                found = Some((offset, read, instead));
            }
        }
    }
    let Some((offset, from, to)) = found else {
        return;
    };
    let position = span.start + offset;
    if let Some(c) = lines.get_mut(span.line).and_then(|l| l.get_mut(position)) {
        *c = to;
        repairs.push(Repair::change(
            span.line,
            position,
            from,
            to,
            RepairKind::Country,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(code: &str) -> (String, usize) {
        let mut lines = vec![format!("I<{code}X").into_bytes()];
        let mut repairs = Vec::new();
        fix_country(
            &mut lines,
            Span {
                line: 0,
                start: 2,
                len: 3,
            },
            &mut repairs,
        );
        (
            String::from_utf8_lossy(&lines[0][2..5]).into_owned(),
            repairs.len(),
        )
    }

    #[test]
    fn states_organisations_and_specimens_are_known() {
        for code in [
            "MCO", "USA", "SRB", "D<<", "GBN", "XXA", "UNO", "UTO", "EUE",
        ] {
            assert!(is_known(code.as_bytes()), "{code}");
        }
        for code in ["MOO", "QQQ", "<<<", "", "US"] {
            assert!(!is_known(code.as_bytes()), "{code}");
        }
    }

    #[test]
    fn a_misread_code_is_repaired_only_when_one_look_alike_fits() {
        assert_eq!(fixed("MOO"), ("MCO".to_string(), 1));
        // Known codes stay as read.
        assert_eq!(fixed("UTO"), ("UTO".to_string(), 0));
        // Nothing fits.
        assert_eq!(fixed("QQQ"), ("QQQ".to_string(), 0));
    }
}

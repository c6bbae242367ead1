//! AAMVA elements to fields under AnalyzeID's names.
//!
//! | element | field |
//! |---|---|
//! | DAQ | DOCUMENT_NUMBER |
//! | DCS (v2+), DAB (v1), else DAA's first part | LAST_NAME |
//! | DAC (v4+), DCT (v2–3: first and middle names; the first word), else DAA | FIRST_NAME |
//! | DAD, else the rest of DCT or DAA | MIDDLE_NAME |
//! | DCU (v2+), DAE (v1) | SUFFIX |
//! | DBA / DBB / DBD | EXPIRATION_DATE / DATE_OF_BIRTH / DATE_OF_ISSUE |
//! | DBC (`1` M, `2` F, `9` X) | SEX |
//! | DAG (+ DAH) | ADDRESS |
//! | DAI / DAJ / DAK | CITY / STATE / ZIP_CODE_IN_ADDRESS |
//! | DCG, else the IIN's country | ISSUING_COUNTRY |
//! | the IIN's jurisdiction | STATE_NAME |
//! | DCA (v2+), DAR (v1) | CLASS |
//! | DCB (v2+), DAS (v1) | RESTRICTIONS |
//! | DCD (v2+), DAT (v1) | ENDORSEMENTS |
//! | DDL = `1` | VETERAN |
//! | DCI | PLACE_OF_BIRTH |
//! | the subfile (`DL`, `ID`) | ID_TYPE |
//!
//! Dates are `MMDDCCYY` for the US and `CCYYMMDD` for Canada (by DCG, else
//! the IIN), falling back to the other order when the expected one is not a
//! date. Every field has confidence 95 (PDF417 corrects its own errors),
//! 70 for a name the truncation flags (DDE, DDF, DDG) mark truncated, 50
//! for a date that does not parse. Elements not listed (DAU, DAY, DAZ, DAW,
//! DCF, DCK, DDA…) are kept in [`super::Subfile`] but not read as fields.

use super::AamvaDocument;
use crate::dates::{EightDigitOrder, parse_eight_digits};
use crate::model::{DocumentFormat, DocumentType, FieldName};
use crate::reading::{Reading, normalize_name};

const CONFIDENCE: f32 = 95.0;
const TRUNCATED: f32 = 70.0;
const UNPARSED_DATE: f32 = 50.0;

/// The fields of `doc`'s DL (else ID) subfile.
pub fn reading(doc: &AamvaDocument) -> Reading {
    let card = doc.card();
    let document_type = match card.map(|c| c.kind.as_str()) {
        Some("DL") => DocumentType::DriverLicence,
        Some("ID") => DocumentType::IdCard,
        _ => DocumentType::Unknown,
    };
    let mut reading = Reading::new(DocumentFormat::Aamva, document_type);
    let Some(card) = card else {
        return reading;
    };
    let get = |id: &str| {
        card.element(id)
            .map(str::trim)
            .filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case("NONE"))
    };
    let jurisdiction = doc.jurisdiction();
    reading.issuing_country = jurisdiction
        .map(|j| j.code.to_owned())
        .or_else(|| get("DAJ").map(str::to_uppercase));

    let text = |reading: &mut Reading, name: FieldName, value: Option<&str>, confidence: f32| {
        if let Some(v) = value {
            reading.insert(name, v, normalize_name(v), confidence);
        }
    };
    let truncated = |id: &str| {
        if get(id).is_some_and(|f| f.eq_ignore_ascii_case("T")) {
            TRUNCATED
        } else {
            CONFIDENCE
        }
    };

    // Names: DCS/DAC/DAD from version 4, DCT in versions 2 and 3, DAB or
    // DAA (`LAST,FIRST,MIDDLE`) in version 1.
    let full: Vec<&str> = get("DAA")
        .map(|v| v.split([',', '$']).map(str::trim).collect())
        .unwrap_or_default();
    let full = if full.len() >= 2 { full } else { Vec::new() };
    let (dct_first, dct_rest) = match get("DCT") {
        Some(v) => match v.split_once([',', ' ', '$']) {
            Some((first, rest)) => (
                Some(first.trim()),
                Some(rest.trim()).filter(|r| !r.is_empty()),
            ),
            None => (Some(v), None),
        },
        None => (None, None),
    };
    let last = get("DCS").or(get("DAB")).or(full.first().copied());
    let first = get("DAC").or(dct_first).or(full.get(1).copied());
    let middle_from_full = (full.len() > 2).then(|| full[2..].join(" "));
    let middle = get("DAD")
        .map(str::to_owned)
        .or(dct_rest.map(str::to_owned))
        .or(middle_from_full);
    text(&mut reading, FieldName::LastName, last, truncated("DDE"));
    text(&mut reading, FieldName::FirstName, first, truncated("DDF"));
    text(
        &mut reading,
        FieldName::MiddleName,
        middle.as_deref(),
        truncated("DDG"),
    );
    text(
        &mut reading,
        FieldName::Suffix,
        get("DCU").or(get("DAE")),
        CONFIDENCE,
    );

    if let Some(number) = get("DAQ") {
        reading.insert(
            FieldName::DocumentNumber,
            number,
            Some(number.to_uppercase()),
            CONFIDENCE,
        );
    }

    let country = get("DCG")
        .map(str::to_uppercase)
        .or_else(|| jurisdiction.map(|j| j.country.to_owned()));
    let order = if country.as_deref() == Some("CAN") {
        EightDigitOrder::YearMonthDay
    } else {
        EightDigitOrder::MonthDayYear
    };
    for (name, id) in [
        (FieldName::ExpirationDate, "DBA"),
        (FieldName::DateOfBirth, "DBB"),
        (FieldName::DateOfIssue, "DBD"),
    ] {
        if let Some(raw) = get(id) {
            let date = parse_eight_digits(raw, order).map(|d| d.to_string());
            let confidence = if date.is_some() {
                CONFIDENCE
            } else {
                UNPARSED_DATE
            };
            reading.insert(name, raw, date, confidence);
        }
    }

    if let Some(raw) = get("DBC") {
        let sex = match raw.to_ascii_uppercase().as_str() {
            "1" | "M" => Some("M"),
            "2" | "F" => Some("F"),
            "9" | "X" => Some("X"),
            _ => None,
        };
        reading.insert(FieldName::Sex, raw, sex.map(str::to_owned), CONFIDENCE);
    }

    let address = match (get("DAG"), get("DAH")) {
        (Some(a), Some(b)) => Some(format!("{a}, {b}")),
        (Some(a), None) => Some(a.to_owned()),
        (None, b) => b.map(str::to_owned),
    };
    text(
        &mut reading,
        FieldName::Address,
        address.as_deref(),
        CONFIDENCE,
    );
    text(
        &mut reading,
        FieldName::CityInAddress,
        get("DAI"),
        CONFIDENCE,
    );
    text(
        &mut reading,
        FieldName::StateInAddress,
        get("DAJ"),
        CONFIDENCE,
    );
    if let Some(raw) = get("DAK") {
        reading.insert(
            FieldName::ZipCodeInAddress,
            raw,
            postal_code(raw),
            CONFIDENCE,
        );
    }
    if let Some(country) = country {
        reading.insert(
            FieldName::IssuingCountry,
            country.clone(),
            Some(country),
            CONFIDENCE,
        );
    }
    if let Some(j) = jurisdiction {
        reading.insert(
            FieldName::StateName,
            j.name,
            Some(j.name.to_uppercase()),
            CONFIDENCE,
        );
    }
    text(
        &mut reading,
        FieldName::Class,
        get("DCA").or(get("DAR")),
        CONFIDENCE,
    );
    text(
        &mut reading,
        FieldName::Restrictions,
        get("DCB").or(get("DAS")),
        CONFIDENCE,
    );
    text(
        &mut reading,
        FieldName::Endorsements,
        get("DCD").or(get("DAT")),
        CONFIDENCE,
    );
    if get("DDL") == Some("1") {
        reading.insert(
            FieldName::Veteran,
            "1",
            Some("VETERAN".to_owned()),
            CONFIDENCE,
        );
    }
    text(
        &mut reading,
        FieldName::PlaceOfBirth,
        get("DCI"),
        CONFIDENCE,
    );
    reading.insert(
        FieldName::IdType,
        card.kind.clone(),
        Some(card.kind.clone()),
        CONFIDENCE,
    );
    reading
}

/// A US ZIP code as `12345` or `12345-6789` (a `0000` extension is no
/// extension), a Canadian postal code as `A1A 1A1`; anything else upper
/// case and trimmed.
fn postal_code(raw: &str) -> Option<String> {
    let compact: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if compact.is_empty() {
        return None;
    }
    let all_digits = compact.bytes().all(|c| c.is_ascii_digit());
    Some(match compact.len() {
        5 if all_digits => compact,
        9.. if all_digits => {
            let (zip, plus) = compact.split_at(5);
            let plus = &plus[..4];
            if plus == "0000" {
                zip.to_owned()
            } else {
                format!("{zip}-{plus}")
            }
        }
        6 if !all_digits => format!("{} {}", &compact[..3], &compact[3..]),
        _ => compact,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postal_codes_are_normalised() {
        assert_eq!(postal_code("123450000  ").as_deref(), Some("12345"));
        assert_eq!(postal_code("232691234").as_deref(), Some("23269-1234"));
        assert_eq!(postal_code("12345").as_deref(), Some("12345"));
        assert_eq!(postal_code("m5v2t6").as_deref(), Some("M5V 2T6"));
        assert_eq!(postal_code("M5V 2T6").as_deref(), Some("M5V 2T6"));
        assert_eq!(postal_code("   "), None);
    }
}

//! The facts measured on a document: expiry, age, and whether two sources
//! read a field the same way.

use chrono::NaiveDate;

use crate::dates::{age_years, parse_iso};
use crate::model::{Field, FieldName};

/// Whether a document expiring on `expiry` (ISO 8601) has expired by
/// `today` (it is valid through its expiry date); `None` when the date is
/// unknown.
pub fn expired(expiry: Option<&str>, today: NaiveDate) -> Option<bool> {
    expiry.and_then(parse_iso).map(|d| d < today)
}

/// The holder's age in whole years on `today`, from an ISO 8601 birth date.
pub fn age(birth: Option<&str>, today: NaiveDate) -> Option<u32> {
    birth.and_then(parse_iso).and_then(|d| age_years(d, today))
}

/// Whether comparing two sources' values of `field` means anything: the
/// MRZ text and the document code exist in one source only, in one form.
pub fn comparable(field: FieldName) -> bool {
    !matches!(field, FieldName::MrzCode | FieldName::IdType)
}

/// Whether two sources read `field` the same way, comparing normalised
/// values: names and other text ignoring case, spaces, fillers, punctuation
/// and diacritics the way ICAO 9303 transliterates them (`OSPELT-BECK` =
/// `OSPELT<BECK`, `María` = `MARIA`, `Müller` = `MUELLER` or `MULLER`);
/// given names also agree when one source has only the first of them (a
/// licence's barcode keeps the middle name apart); document numbers
/// ignoring everything but letters and digits; anything else (dates, sex,
/// codes) exactly.
pub fn values_agree(field: FieldName, a: &Field, b: &Field) -> bool {
    let (a, b) = (normalized(a), normalized(b));
    match field {
        FieldName::DateOfBirth
        | FieldName::ExpirationDate
        | FieldName::DateOfIssue
        | FieldName::Sex => a.trim().eq_ignore_ascii_case(b.trim()),
        _ => {
            let first_name = field == FieldName::FirstName;
            [false, true].into_iter().any(|expand_a| {
                [false, true].into_iter().any(|expand_b| {
                    let (fa, fb) = (fold(a, expand_a), fold(b, expand_b));
                    if first_name {
                        let (wa, wb) = (words(&fa), words(&fb));
                        let n = wa.len().min(wb.len());
                        n > 0 && wa[..n] == wb[..n]
                    } else {
                        letters_and_digits(&fa) == letters_and_digits(&fb)
                    }
                })
            })
        }
    }
}

/// Upper case with diacritics transliterated as ICAO 9303 does: to the bare
/// letter, or (`expand`) to the two-letter form for the letters that have
/// one (`Ä` `AE`, `Å` `AA`, `Ö` and `Ø` `OE`, `Ü` `UE`).
fn fold(text: &str, expand: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_uppercase) {
        let replacement = match c {
            'Ä' if expand => "AE",
            'Å' if expand => "AA",
            'Ö' | 'Ø' | 'Ő' if expand => "OE",
            'Ü' | 'Ű' if expand => "UE",
            'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ą' | 'Ā' | 'Ă' => "A",
            'Æ' => "AE",
            'Ç' | 'Č' | 'Ć' | 'Ĉ' | 'Ċ' => "C",
            'Ð' | 'Ď' | 'Đ' => "D",
            'È' | 'É' | 'Ê' | 'Ë' | 'Ě' | 'Ę' | 'Ė' | 'Ē' => "E",
            'Ğ' | 'Ģ' | 'Ĝ' | 'Ġ' => "G",
            'Ì' | 'Í' | 'Î' | 'Ï' | 'İ' | 'Ī' | 'Į' => "I",
            'Ķ' => "K",
            'Ł' | 'Ļ' | 'Ľ' | 'Ĺ' => "L",
            'Ñ' | 'Ń' | 'Ň' | 'Ņ' => "N",
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ő' | 'Ō' => "O",
            'Œ' => "OE",
            'Ř' | 'Ŕ' => "R",
            'Š' | 'Ś' | 'Ş' | 'Ș' => "S",
            'Ť' | 'Ţ' | 'Ț' => "T",
            'Þ' => "TH",
            'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ů' | 'Ű' | 'Ū' | 'Ų' => "U",
            'Ý' | 'Ÿ' => "Y",
            'Ž' | 'Ź' | 'Ż' => "Z",
            other => {
                out.push(other);
                continue;
            }
        };
        out.push_str(replacement);
    }
    out
}

fn normalized(field: &Field) -> &str {
    field.normalized.as_deref().unwrap_or(&field.value)
}

fn letters_and_digits(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FieldSource;

    fn field(value: &str) -> Field {
        Field {
            value: value.into(),
            normalized: Some(value.into()),
            confidence: 90.0,
            source: FieldSource::Text,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_document_is_valid_through_its_expiry_date() {
        assert_eq!(expired(Some("2026-05-01"), date(2026, 5, 1)), Some(false));
        assert_eq!(expired(Some("2026-05-01"), date(2026, 5, 2)), Some(true));
        assert_eq!(expired(Some("not a date"), date(2026, 5, 2)), None);
        assert_eq!(expired(None, date(2026, 5, 2)), None);
    }

    #[test]
    fn ages_are_whole_years() {
        assert_eq!(age(Some("1974-08-12"), date(2026, 5, 1)), Some(51));
        assert_eq!(age(Some("2030-01-01"), date(2026, 5, 1)), None);
    }

    #[test]
    fn names_agree_across_fillers_case_and_hyphens() {
        assert!(values_agree(
            FieldName::LastName,
            &field("OSPELT-BECK"),
            &field("ospelt<beck")
        ));
        assert!(!values_agree(
            FieldName::LastName,
            &field("OSPELT"),
            &field("OSPELT BECK")
        ));
        assert!(values_agree(
            FieldName::FirstName,
            &field("ANNA MARIA"),
            &field("Anna")
        ));
        assert!(!values_agree(
            FieldName::FirstName,
            &field("ANNA MARIA"),
            &field("MARIA")
        ));
        assert!(!values_agree(
            FieldName::FirstName,
            &field(""),
            &field("MARIA")
        ));
        assert!(values_agree(
            FieldName::DocumentNumber,
            &field("C03005988"),
            &field("C 0300 5988")
        ));
        assert!(!values_agree(
            FieldName::DateOfBirth,
            &field("1981-01-01"),
            &field("1981-01-02")
        ));
    }
}

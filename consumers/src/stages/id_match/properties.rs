//! The app's properties against the document's fields, and the document's
//! fields as profile properties.

use std::collections::BTreeMap;

use riv_document::model::{DocumentAnalysis, FieldName};
use riv_events::{DocumentReport, ValueSource};

/// The app properties held to the document, with the field each is held to.
const COMPARED: [(&str, FieldName); 3] = [
    ("first_name", FieldName::FirstName),
    ("last_name", FieldName::LastName),
    ("date_of_birth", FieldName::DateOfBirth),
];

/// The first of the app's `first_name`, `last_name` and `date_of_birth`
/// that the document contradicts; properties the app did not send, and
/// fields the document did not show, are not compared.
pub fn first_mismatch(
    properties: &BTreeMap<String, String>,
    analysis: &DocumentAnalysis,
) -> Option<&'static str> {
    COMPARED.into_iter().find_map(|(property, field)| {
        let claimed = properties.get(property)?;
        let read = analysis.value(field)?;
        let same = if field == FieldName::DateOfBirth {
            claimed.trim() == read
        } else {
            names_match(claimed, read, field == FieldName::FirstName)
        };
        (!same).then_some(property)
    })
}

/// Whether a name the app sent is the document's. Case, accents, spaces,
/// hyphens and apostrophes do not count (an MRZ drops them all); a first
/// name may be the first of the document's given names.
fn names_match(claimed: &str, read: &str, given_names: bool) -> bool {
    let claimed_words = words(claimed);
    let read_words = words(read);
    if claimed_words.is_empty() {
        return false;
    }
    if claimed_words.concat() == read_words.concat() {
        return true;
    }
    given_names && read_words.starts_with(&claimed_words)
}

/// The name's words, upper-case ASCII letters only.
fn words(name: &str) -> Vec<String> {
    name.split(|c: char| c.is_whitespace() || c == '<' || c == '-' || c == ',')
        .map(|word| word.chars().flat_map(fold).collect::<String>())
        .filter(|word| !word.is_empty())
        .collect()
}

/// One character as the MRZ would print it (ICAO 9303 part 3's
/// transliteration of the Latin letters, one-letter forms), or nothing.
fn fold(c: char) -> Vec<char> {
    let upper: Vec<char> = c.to_uppercase().collect();
    upper
        .into_iter()
        .flat_map(|c| match c {
            'A'..='Z' => vec![c],
            'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => vec!['A'],
            'Æ' => vec!['A', 'E'],
            'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => vec!['C'],
            'Ď' | 'Đ' | 'Ð' => vec!['D'],
            'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => vec!['E'],
            'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => vec!['G'],
            'Ĥ' | 'Ħ' => vec!['H'],
            'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' => vec!['I'],
            'Ĵ' => vec!['J'],
            'Ķ' => vec!['K'],
            'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => vec!['L'],
            'Ñ' | 'Ń' | 'Ņ' | 'Ň' => vec!['N'],
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ŏ' | 'Ő' => vec!['O'],
            'Œ' => vec!['O', 'E'],
            'Ŕ' | 'Ŗ' | 'Ř' => vec!['R'],
            'Ś' | 'Ŝ' | 'Ş' | 'Š' | 'Ș' => vec!['S'],
            'ß' => vec!['S', 'S'],
            'Ţ' | 'Ť' | 'Ŧ' | 'Ț' => vec!['T'],
            'Þ' => vec!['T', 'H'],
            'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => vec!['U'],
            'Ŵ' => vec!['W'],
            'Ý' | 'Ÿ' | 'Ŷ' => vec!['Y'],
            'Ź' | 'Ż' | 'Ž' => vec!['Z'],
            _ => Vec::new(),
        })
        .collect()
}

/// The document's fields as profile properties, with their sources:
/// lower-case AnalyzeID names (`first_name`, `date_of_birth`…, normalised
/// values), plus `document_type` and `issuing_country`. The MRZ's raw text
/// is left out: every field it holds is there already.
pub fn document_properties(report: &DocumentReport) -> BTreeMap<String, (String, ValueSource)> {
    let mut properties: BTreeMap<String, (String, ValueSource)> = report
        .fields
        .iter()
        .filter(|(name, _)| name.as_str() != FieldName::MrzCode.as_str())
        .map(|(name, field)| {
            (
                name.to_ascii_lowercase(),
                (field.best().to_owned(), field.source),
            )
        })
        .collect();
    let best_source = report
        .fields
        .values()
        .map(|f| f.source)
        .min_by_key(|s| s.rank());
    if let Some(source) = best_source {
        let kind = report.document_type.as_str().to_owned();
        properties.insert("document_type".into(), (kind, source));
        if let Some(country) = &report.issuing_country {
            properties.insert("issuing_country".into(), (country.clone(), source));
        }
    }
    properties
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_as_an_mrz_prints_them() {
        assert!(names_match("Anna", "ANNA MARIA", true));
        assert!(names_match("anna maria", "ANNA MARIA", true));
        assert!(!names_match("Maria", "ANNA MARIA", true));
        assert!(names_match("Paraudziņš", "PARAUDZINS", false));
        assert!(names_match("Ospelt-Beck", "OSPELT BECK", false));
        assert!(names_match("O'Neil", "ONEIL", false));
        assert!(!names_match("Eriksson", "ERIKSON", false));
        assert!(!names_match("", "ERIKSSON", false));
        assert!(!names_match("Anna", "ANNA MARIA", false));
    }
}

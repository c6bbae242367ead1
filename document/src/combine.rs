//! One analysis from every reader's [`Reading`].

use chrono::NaiveDate;

use crate::checks::{age, comparable, expired, values_agree};
use crate::model::{
    Checks, DocumentAnalysis, DocumentType, FieldName, FieldSource, SourceAgreement,
};
use crate::reading::Reading;

/// Merges `readings` of one document (its MRZ, its barcode, its printed
/// text, in any order) into one analysis measured on `today`:
///
/// - each field from the best source ([`FieldSource::rank`]: MRZ, then
///   barcode, then printed text), the more confident reading between two of
///   one source;
/// - the document type and issuing country from the best source that knows
///   them; the formats best first;
/// - the check digits of the (first) MRZ; `check_digits_valid` is `None`
///   without an MRZ;
/// - `expired` and `age_years` from the chosen expiry and birth dates;
/// - an agreement entry for every field that two different sources read
///   (the chosen source against each other one), except MRZ_CODE and
///   ID_TYPE.
pub fn combine(mut readings: Vec<Reading>, today: NaiveDate) -> DocumentAnalysis {
    readings.sort_by_key(|r| r.source().rank());
    let mut analysis = DocumentAnalysis::unknown();
    for r in &readings {
        if !analysis.formats.contains(&r.format) {
            analysis.formats.push(r.format);
        }
    }
    analysis.document_type = readings
        .iter()
        .map(|r| r.document_type)
        .find(|t| *t != DocumentType::Unknown)
        .unwrap_or(DocumentType::Unknown);
    analysis.issuing_country = readings.iter().find_map(|r| r.issuing_country.clone());

    for name in FieldName::ALL {
        let mut read: Vec<&crate::model::Field> = readings
            .iter()
            .filter_map(|r| r.fields.get(&name))
            .collect();
        // Best source first; within a source, the most confident first.
        read.sort_by(|a, b| {
            a.source
                .rank()
                .cmp(&b.source.rank())
                .then(b.confidence.total_cmp(&a.confidence))
        });
        let Some(best) = read.first() else {
            continue;
        };
        if comparable(name) {
            let mut seen: Vec<FieldSource> = vec![best.source];
            for other in &read[1..] {
                if seen.contains(&other.source) {
                    continue;
                }
                seen.push(other.source);
                analysis.checks.agreement.push(SourceAgreement {
                    field: name,
                    sources: [best.source, other.source],
                    agree: values_agree(name, best, other),
                });
            }
        }
        analysis.fields.insert(name, (*best).clone());
    }

    let mrz = readings.iter().find(|r| r.source() == FieldSource::Mrz);
    analysis.checks = Checks {
        check_digits: mrz.map(|r| r.check_digits.clone()).unwrap_or_default(),
        check_digits_valid: mrz.map(|r| r.check_digits.iter().all(|c| c.valid)),
        expired: expired(analysis.value(FieldName::ExpirationDate), today),
        age_years: age(analysis.value(FieldName::DateOfBirth), today),
        agreement: std::mem::take(&mut analysis.checks.agreement),
        as_of: Some(today),
    };
    analysis
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CheckDigit, CheckDigitField, DocumentFormat};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
    }

    fn reading(format: DocumentFormat, fields: &[(FieldName, &str, f32)]) -> Reading {
        let mut r = Reading::new(format, DocumentType::Unknown);
        for (name, value, confidence) in fields {
            r.insert(*name, *value, Some((*value).to_owned()), *confidence);
        }
        r
    }

    #[test]
    fn the_best_source_wins_and_every_pair_is_compared() {
        let mut mrz = reading(
            DocumentFormat::Td3,
            &[
                (FieldName::LastName, "ERIKSSON", 90.0),
                (FieldName::DateOfBirth, "1974-08-12", 99.0),
                (FieldName::ExpirationDate, "2012-04-15", 99.0),
                (FieldName::MrzCode, "P<UTO…", 99.0),
            ],
        );
        mrz.document_type = DocumentType::Passport;
        mrz.issuing_country = Some("UTO".into());
        mrz.check_digits.push(CheckDigit {
            field: CheckDigitField::DateOfBirth,
            printed: '2',
            computed: '2',
            valid: true,
        });
        let text = reading(
            DocumentFormat::PrintedText,
            &[
                (FieldName::LastName, "Eriksson", 95.0),
                (FieldName::DateOfBirth, "1974-08-13", 60.0),
                (FieldName::PlaceOfBirth, "ZENITH", 60.0),
            ],
        );
        let a = combine(vec![text, mrz], today());
        assert_eq!(
            a.formats,
            vec![DocumentFormat::Td3, DocumentFormat::PrintedText]
        );
        assert_eq!(a.document_type, DocumentType::Passport);
        assert_eq!(a.issuing_country.as_deref(), Some("UTO"));
        assert_eq!(a.fields[&FieldName::LastName].source, FieldSource::Mrz);
        assert_eq!(a.value(FieldName::LastName), Some("ERIKSSON"));
        assert_eq!(a.value(FieldName::PlaceOfBirth), Some("ZENITH"));
        assert_eq!(a.checks.check_digits_valid, Some(true));
        assert_eq!(a.checks.expired, Some(true));
        assert_eq!(a.checks.age_years, Some(51));
        assert_eq!(a.checks.as_of, Some(today()));
        let agree: Vec<(FieldName, bool)> = a
            .checks
            .agreement
            .iter()
            .map(|x| (x.field, x.agree))
            .collect();
        assert_eq!(
            agree,
            vec![(FieldName::LastName, true), (FieldName::DateOfBirth, false)]
        );
        assert_eq!(a.checks.sources_agree(), Some(false));
        assert_eq!(
            a.checks.agreement[0].sources,
            [FieldSource::Mrz, FieldSource::Text]
        );
    }

    #[test]
    fn without_an_mrz_there_are_no_check_digits() {
        let text = reading(
            DocumentFormat::PrintedText,
            &[(FieldName::LastName, "X", 50.0)],
        );
        let a = combine(vec![text], today());
        assert_eq!(a.checks.check_digits_valid, None);
        assert_eq!(a.checks.expired, None);
        assert_eq!(a.checks.sources_agree(), None);
        assert!(a.is_readable());
        let empty = combine(Vec::new(), today());
        assert!(!empty.is_readable());
        assert_eq!(empty.checks.as_of, Some(today()));
    }

    #[test]
    fn within_one_source_the_more_confident_reading_wins() {
        let a = reading(
            DocumentFormat::PrintedText,
            &[(FieldName::LastName, "TRAVELER", 50.0)],
        );
        let b = reading(
            DocumentFormat::PrintedText,
            &[(FieldName::LastName, "TRAVELFR", 30.0)],
        );
        let c = combine(vec![b, a], today());
        assert_eq!(c.value(FieldName::LastName), Some("TRAVELER"));
        assert!(c.checks.agreement.is_empty());
    }
}

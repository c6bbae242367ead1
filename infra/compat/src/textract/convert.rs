//! One page's [`DocumentAnalysis`] as AnalyzeID's `IdentityDocument`:
//! only what AnalyzeID itself reads (see the module's documentation in
//! `mod.rs` for why).

use riv_document::dates::parse_iso;
use riv_document::model::{DocumentAnalysis, DocumentFormat, DocumentType, FieldName, FieldSource};

use super::shapes::{Detection, IdentityDocument, IdentityDocumentField, NormalizedValue};

/// The fields AnalyzeID answers, in its order. SEX, NATIONALITY and
/// ISSUING_COUNTRY are riv's own: AnalyzeID has no such fields.
pub const ANALYZE_ID_FIELDS: [FieldName; 21] = [
    FieldName::FirstName,
    FieldName::LastName,
    FieldName::MiddleName,
    FieldName::Suffix,
    FieldName::CityInAddress,
    FieldName::ZipCodeInAddress,
    FieldName::StateInAddress,
    FieldName::StateName,
    FieldName::DocumentNumber,
    FieldName::ExpirationDate,
    FieldName::DateOfBirth,
    FieldName::DateOfIssue,
    FieldName::IdType,
    FieldName::Endorsements,
    FieldName::Veteran,
    FieldName::Restrictions,
    FieldName::Class,
    FieldName::Address,
    FieldName::County,
    FieldName::PlaceOfBirth,
    FieldName::MrzCode,
];

/// AnalyzeID's `ID_TYPE` for a kind of document.
pub fn id_type(kind: DocumentType) -> &'static str {
    match kind {
        DocumentType::DriverLicence => "DRIVER LICENSE FRONT",
        DocumentType::Passport => "PASSPORT",
        DocumentType::IdCard | DocumentType::Visa | DocumentType::Unknown => "OTHER",
    }
}

/// Page `index` (1-based) of an AnalyzeID answer, from the analysis of
/// that page alone.
pub fn identity_document(index: i32, analysis: &DocumentAnalysis) -> IdentityDocument {
    let fields = ANALYZE_ID_FIELDS
        .iter()
        .map(|&name| {
            let (text, confidence) = value(name, analysis).unzip();
            let text = text.unwrap_or_default();
            let normalized_value = if name.is_date() {
                analysis
                    .fields
                    .get(&name)
                    .filter(|_| !text.is_empty())
                    .and_then(|f| f.normalized.as_deref())
                    .and_then(parse_iso)
                    .map(|date| NormalizedValue {
                        value: format!("{date}T00:00:00"),
                        value_type: "DATE".to_owned(),
                    })
            } else {
                None
            };
            IdentityDocumentField {
                kind: Detection {
                    text: name.as_str().to_owned(),
                    normalized_value: None,
                    confidence: None,
                },
                value_detection: Detection {
                    text,
                    normalized_value,
                    confidence,
                },
            }
        })
        .collect();
    IdentityDocument {
        document_index: index,
        identity_document_fields: fields,
    }
}

/// What AnalyzeID would answer for `name`, with its confidence: printed
/// text as read; the MRZ's characters as `MRZ_CODE`; `ID_TYPE` when the
/// MRZ or printed text (not the barcode alone) told the document's kind.
fn value(name: FieldName, analysis: &DocumentAnalysis) -> Option<(String, f32)> {
    let read_by = |source: FieldSource| {
        analysis
            .fields
            .get(&name)
            .filter(|f| f.source == source)
            .map(|f| (f.value.clone(), f.confidence))
    };
    match name {
        FieldName::MrzCode => read_by(FieldSource::Mrz),
        FieldName::IdType => {
            let seen = analysis.formats.iter().any(|f| *f != DocumentFormat::Aamva);
            let confidence = analysis
                .fields
                .values()
                .filter(|f| f.source != FieldSource::Barcode)
                .map(|f| f.confidence)
                .reduce(f32::max)?;
            (seen && analysis.document_type != DocumentType::Unknown)
                .then(|| (id_type(analysis.document_type).to_owned(), confidence))
        }
        _ => read_by(FieldSource::Text),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::NaiveDate;
    use riv_document::model::{Field, FieldSource};
    use riv_document::{Reading, combine, mrz};

    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
    }

    fn field<'a>(doc: &'a IdentityDocument, name: &str) -> &'a Detection {
        &doc.identity_document_fields
            .iter()
            .find(|f| f.kind.text == name)
            .unwrap()
            .value_detection
    }

    const SPECIMEN: [&str; 2] = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];

    #[test]
    fn an_mrz_page_answers_its_code_and_kind_but_not_its_fields() {
        let read = mrz::read(&SPECIMEN, today()).unwrap();
        let doc = identity_document(1, &read.analysis(today()));
        assert_eq!(doc.document_index, 1);
        assert_eq!(doc.identity_document_fields.len(), 21);
        assert_eq!(field(&doc, "MRZ_CODE").text, SPECIMEN.join("\n"));
        assert_eq!(field(&doc, "ID_TYPE").text, "PASSPORT");
        assert_eq!(field(&doc, "LAST_NAME").text, "");
        assert_eq!(field(&doc, "LAST_NAME").confidence, None);
        assert_eq!(field(&doc, "DATE_OF_BIRTH").normalized_value, None);
    }

    #[test]
    fn printed_text_is_answered_with_dates_normalised() {
        let mut text = Reading::new(DocumentFormat::PrintedText, DocumentType::DriverLicence);
        for (name, value, normalized) in [
            (FieldName::LastName, "Doe", "DOE"),
            (FieldName::DateOfBirth, "09/16/1990", "1990-09-16"),
        ] {
            text.fields.insert(
                name,
                Field {
                    value: value.into(),
                    normalized: Some(normalized.into()),
                    confidence: 54.0,
                    source: FieldSource::Text,
                },
            );
        }
        let doc = identity_document(2, &combine(vec![text], today()));
        assert_eq!(field(&doc, "LAST_NAME").text, "Doe");
        assert_eq!(field(&doc, "LAST_NAME").confidence, Some(54.0));
        let dob = field(&doc, "DATE_OF_BIRTH");
        assert_eq!(dob.text, "09/16/1990");
        let normalized = dob.normalized_value.as_ref().unwrap();
        assert_eq!(normalized.value, "1990-09-16T00:00:00");
        assert_eq!(normalized.value_type, "DATE");
        assert_eq!(field(&doc, "ID_TYPE").text, "DRIVER LICENSE FRONT");
        let json = serde_json::to_value(&doc).unwrap();
        assert_eq!(
            json["IdentityDocumentFields"][0]["Type"]["Text"],
            "FIRST_NAME"
        );
        assert_eq!(
            json["IdentityDocumentFields"][0]["ValueDetection"]["Text"],
            ""
        );
    }

    #[test]
    fn a_barcode_alone_answers_nothing() {
        let mut barcode = Reading::new(DocumentFormat::Aamva, DocumentType::DriverLicence);
        barcode.fields.insert(
            FieldName::LastName,
            Field {
                value: "DOE".into(),
                normalized: Some("DOE".into()),
                confidence: 95.0,
                source: FieldSource::Barcode,
            },
        );
        let doc = identity_document(1, &combine(vec![barcode], today()));
        assert!(
            doc.identity_document_fields
                .iter()
                .all(|f| f.value_detection.text.is_empty()),
            "{doc:?}"
        );
    }
}

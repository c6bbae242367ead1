//! AnalyzeID's answer for one page as riv-document [`Reading`]s.
//!
//! AnalyzeID reads printed text, and the MRZ's characters, but checks
//! nothing: it validates no check digit and reads no barcode. So one page
//! gives up to two readings:
//!
//! - [`text_reading`]: every `IdentityDocumentField` with a value, source
//!   `text` (format `printed_text`), Textract's own confidence. The field's
//!   `Type.Text` is the field name (AnalyzeID's names are riv's); names the
//!   model does not know are skipped, and so are empty values (AnalyzeID
//!   lists every field, with `""` for those it did not find).
//!   Normalisation: dates from `NormalizedValue.Value` (the date part of
//!   `YYYY-MM-DDT00:00:00`), else from the printed text as riv's label
//!   reader parses dates; every other value in upper case with single
//!   spaces; `MRZ_CODE` as read. The document type comes from `ID_TYPE`
//!   ([`id_type`]).
//! - [`mrz_reading`]: `MRZ_CODE` read again by riv's own MRZ parser, which
//!   repairs what it safely can and verifies every check digit (source
//!   `mrz`, so it outranks the printed text in
//!   [`combine`](riv_document::combine())).

use aws_sdk_textract::types::{AnalyzeIdDetections, IdentityDocument, ValueType};
use chrono::NaiveDate;
use riv_document::labels::parse_printed_date;
use riv_document::model::{DocumentFormat, DocumentType, Field, FieldName, FieldSource};
use riv_document::{Reading, mrz};

/// The fields of one AnalyzeID page, read as printed text; `None` when
/// the page has no field with a value.
pub fn text_reading(page: &IdentityDocument) -> Option<Reading> {
    let mut reading = Reading::new(DocumentFormat::PrintedText, DocumentType::Unknown);
    for field in page.identity_document_fields() {
        let (Some(kind), Some(value)) = (field.r#type(), field.value_detection()) else {
            continue;
        };
        let Some(name) = FieldName::parse(kind.text().trim()) else {
            continue;
        };
        let text = value.text().trim();
        if text.is_empty() {
            continue;
        }
        if name == FieldName::IdType {
            reading.document_type = id_type(text);
        }
        reading.fields.insert(
            name,
            Field {
                value: text.to_owned(),
                normalized: normalized(name, text, value),
                confidence: confidence(value.confidence()),
                source: FieldSource::Text,
            },
        );
    }
    (!reading.fields.is_empty()).then_some(reading)
}

/// The page's `MRZ_CODE` read by riv's MRZ parser, when it has one that
/// parses as an ICAO 9303 zone.
pub fn mrz_reading(page: &IdentityDocument, as_of: NaiveDate) -> Option<Reading> {
    let code = page.identity_document_fields().iter().find_map(|field| {
        let name = field.r#type().map(AnalyzeIdDetections::text)?;
        (name.trim() == FieldName::MrzCode.as_str())
            .then(|| field.value_detection().map(AnalyzeIdDetections::text))
            .flatten()
    })?;
    let lines = mrz_lines(code);
    let candidates: Vec<&str> = lines.iter().map(String::as_str).collect();
    let found = mrz::find_lines(&candidates)?;
    mrz::read(&found.as_strs(), as_of)
        .ok()
        .map(|read| read.reading)
}

/// The lines of an `MRZ_CODE` value: split at line breaks; a value without
/// any, as long as two or three lines of a layout (88, 72 or 90
/// characters once spaces are dropped), cut into them.
pub fn mrz_lines(code: &str) -> Vec<String> {
    let lines: Vec<String> = code
        .lines()
        .map(|l| l.split_whitespace().collect::<String>())
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() != 1 {
        return lines;
    }
    let joined = &lines[0];
    let width = match joined.len() {
        88 => 44,
        72 => 36,
        90 => 30,
        _ => return lines,
    };
    if !joined.is_ascii() {
        return lines;
    }
    joined
        .as_bytes()
        .chunks(width)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect()
}

/// The kind of document AnalyzeID's `ID_TYPE` names (`DRIVER LICENSE
/// FRONT`, `PASSPORT`…).
pub fn id_type(text: &str) -> DocumentType {
    let upper = text.to_uppercase();
    let has = |word: &str| upper.split_whitespace().any(|w| w == word);
    if has("DRIVER") || has("DRIVER'S") || upper.contains("LICENSE") || upper.contains("LICENCE") {
        DocumentType::DriverLicence
    } else if has("PASSPORT") && has("CARD") {
        DocumentType::IdCard
    } else if has("PASSPORT") {
        DocumentType::Passport
    } else if has("VISA") {
        DocumentType::Visa
    } else if has("ID") || has("IDENTIFICATION") || has("IDENTITY") {
        DocumentType::IdCard
    } else {
        DocumentType::Unknown
    }
}

/// A field's normalised value (see the module's documentation).
fn normalized(name: FieldName, text: &str, value: &AnalyzeIdDetections) -> Option<String> {
    if name.is_date() {
        let from_textract = value
            .normalized_value()
            .filter(|n| n.value_type().is_none_or(|t| *t == ValueType::Date))
            .and_then(|n| n.value())
            .and_then(|v| NaiveDate::parse_from_str(v.get(..10)?, "%Y-%m-%d").ok());
        return from_textract
            .or_else(|| parse_printed_date(text))
            .map(|d| d.to_string());
    }
    if name == FieldName::MrzCode {
        return None;
    }
    let words: Vec<String> = text.split_whitespace().map(str::to_uppercase).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Textract's confidence on riv's 0..100 scale (absent or NaN: 0).
fn confidence(value: Option<f32>) -> f32 {
    match value {
        Some(c) if !c.is_nan() => c.clamp(0.0, 100.0),
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use aws_sdk_textract::types::{IdentityDocumentField, NormalizedValue};

    use super::*;

    fn field(name: &str, text: &str, date: Option<&str>, confidence: f32) -> IdentityDocumentField {
        let mut value = AnalyzeIdDetections::builder()
            .text(text)
            .confidence(confidence);
        if let Some(date) = date {
            value = value.normalized_value(
                NormalizedValue::builder()
                    .value(date)
                    .value_type(ValueType::Date)
                    .build(),
            );
        }
        IdentityDocumentField::builder()
            .r#type(AnalyzeIdDetections::builder().text(name).build().unwrap())
            .value_detection(value.build().unwrap())
            .build()
    }

    fn page(fields: Vec<IdentityDocumentField>) -> IdentityDocument {
        IdentityDocument::builder()
            .document_index(1)
            .set_identity_document_fields(Some(fields))
            .build()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
    }

    // ICAO 9303's specimen passport (TD3).
    const SPECIMEN: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";

    #[test]
    fn fields_are_printed_text_with_textract_confidence_and_dates_normalised() {
        let page = page(vec![
            field("FIRST_NAME", "Jane  ann", None, 98.5),
            field("LAST_NAME", "DOE", None, 99.0),
            field(
                "DATE_OF_BIRTH",
                "09/16/1990",
                Some("1990-09-16T00:00:00"),
                97.0,
            ),
            // No NormalizedValue: the printed date is parsed.
            field("EXPIRATION_DATE", "09/16/2030", None, 96.0),
            field("ID_TYPE", "DRIVER LICENSE FRONT", None, 99.9),
            field("MIDDLE_NAME", "", None, 99.0),
            field("NOT_A_FIELD", "x", None, 99.0),
            field("DOCUMENT_NUMBER", "ab123", None, 150.0),
        ]);
        let r = text_reading(&page).unwrap();
        assert_eq!(r.format, DocumentFormat::PrintedText);
        assert_eq!(r.source(), FieldSource::Text);
        assert_eq!(r.document_type, DocumentType::DriverLicence);
        assert_eq!(r.value(FieldName::FirstName), Some("JANE ANN"));
        assert_eq!(r.fields[&FieldName::FirstName].value, "Jane  ann");
        assert_eq!(r.fields[&FieldName::FirstName].confidence, 98.5);
        assert_eq!(r.fields[&FieldName::FirstName].source, FieldSource::Text);
        assert_eq!(r.value(FieldName::DateOfBirth), Some("1990-09-16"));
        assert_eq!(r.value(FieldName::ExpirationDate), Some("2030-09-16"));
        assert_eq!(r.fields[&FieldName::DocumentNumber].confidence, 100.0);
        assert!(!r.fields.contains_key(&FieldName::MiddleName));
        assert_eq!(r.fields.len(), 6);
        assert!(mrz_reading(&page, today()).is_none());
    }

    #[test]
    fn a_page_without_values_reads_nothing() {
        let empty = page(vec![field("FIRST_NAME", " ", None, 0.0)]);
        assert!(text_reading(&empty).is_none());
        assert!(text_reading(&page(Vec::new())).is_none());
    }

    #[test]
    fn the_mrz_code_is_read_again_with_its_check_digits() {
        let page = page(vec![
            field("MRZ_CODE", SPECIMEN, None, 99.0),
            field("ID_TYPE", "PASSPORT", None, 99.0),
            field("LAST_NAME", "ERIKSSON", None, 99.0),
        ]);
        let text = text_reading(&page).unwrap();
        assert_eq!(text.document_type, DocumentType::Passport);
        assert_eq!(text.fields[&FieldName::MrzCode].normalized, None);
        let m = mrz_reading(&page, today()).unwrap();
        assert_eq!(m.format, DocumentFormat::Td3);
        assert_eq!(m.source(), FieldSource::Mrz);
        assert_eq!(m.value(FieldName::LastName), Some("ERIKSSON"));
        assert_eq!(m.value(FieldName::DateOfBirth), Some("1974-08-12"));
        assert!(m.check_digits.iter().all(|c| c.valid));

        let a = riv_document::combine(vec![text, m], today());
        assert_eq!(a.document_type, DocumentType::Passport);
        assert_eq!(a.checks.check_digits_valid, Some(true));
        assert_eq!(a.fields[&FieldName::LastName].source, FieldSource::Mrz);
        assert_eq!(a.checks.sources_agree(), Some(true));

        // A damaged check digit is seen, not trusted.
        let bad = SPECIMEN.replace("7408122", "7408123");
        let page = super::tests::page(vec![field("MRZ_CODE", &bad, None, 99.0)]);
        let m = mrz_reading(&page, today()).unwrap();
        assert!(m.check_digits.iter().any(|c| !c.valid));
    }

    #[test]
    fn mrz_lines_are_split_at_breaks_or_by_the_layout_width() {
        let joined = SPECIMEN.replace('\n', "");
        assert_eq!(mrz_lines(&joined), mrz_lines(SPECIMEN));
        assert_eq!(mrz_lines(SPECIMEN).len(), 2);
        assert_eq!(mrz_lines(&SPECIMEN.replace('\n', " \r\n")).len(), 2);
        assert_eq!(mrz_lines("P<UTO"), vec!["P<UTO".to_owned()]);
        assert!(mrz_lines("").is_empty());
    }

    #[test]
    fn id_types_map_to_document_types() {
        for (text, want) in [
            ("DRIVER LICENSE FRONT", DocumentType::DriverLicence),
            ("PASSPORT", DocumentType::Passport),
            ("PASSPORT CARD", DocumentType::IdCard),
            ("STATE ID", DocumentType::IdCard),
            ("OTHER", DocumentType::Unknown),
        ] {
            assert_eq!(id_type(text), want, "{text}");
        }
    }
}

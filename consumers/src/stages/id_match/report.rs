//! The document as the request carries it on: [`DocumentReport`].

use riv_document::model::{DocumentAnalysis, DocumentType, Field, FieldSource};
use riv_events::{DocumentField, DocumentKind, DocumentReport, Similarity, ValueSource};

/// What the stage read, before the portrait is compared.
pub fn of(analysis: &DocumentAnalysis, threshold: Similarity) -> DocumentReport {
    DocumentReport {
        document_type: kind(analysis.document_type),
        issuing_country: analysis.issuing_country.clone(),
        fields: analysis
            .fields
            .iter()
            .map(|(name, field)| (name.as_str().to_owned(), field_of(field)))
            .collect(),
        check_digits_valid: analysis.checks.check_digits_valid,
        expired: analysis.checks.expired,
        age_years: analysis.checks.age_years,
        sources_agree: analysis.checks.sources_agree(),
        portrait_similarity: None,
        threshold,
    }
}

fn field_of(field: &Field) -> DocumentField {
    DocumentField {
        value: field.value.clone(),
        normalized: field.normalized.clone(),
        confidence: field.confidence,
        source: source(field.source),
    }
}

/// The wire name of a reader's source.
pub fn source(source: FieldSource) -> ValueSource {
    match source {
        FieldSource::Mrz => ValueSource::Mrz,
        FieldSource::Barcode => ValueSource::Barcode,
        FieldSource::Text => ValueSource::Text,
    }
}

fn kind(document_type: DocumentType) -> DocumentKind {
    match document_type {
        DocumentType::Passport => DocumentKind::Passport,
        DocumentType::IdCard => DocumentKind::IdCard,
        DocumentType::Visa => DocumentKind::Visa,
        DocumentType::DriverLicence => DocumentKind::DriverLicence,
        DocumentType::Unknown => DocumentKind::Unknown,
    }
}

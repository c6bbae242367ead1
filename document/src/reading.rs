//! What one reader (MRZ, barcode, printed text) read from one document,
//! before [`crate::combine()`] merges the readers into one analysis.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{CheckDigit, DocumentFormat, DocumentType, Field, FieldName, FieldSource};

/// One reader's result: the layout it read, what it thinks the document is,
/// and the fields it found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// The layout the fields were read from.
    pub format: DocumentFormat,
    /// The kind of document this reader recognised ([`DocumentType::Unknown`]
    /// when it cannot tell, as printed text often cannot).
    pub document_type: DocumentType,
    /// The issuing state as this reader knows it: ICAO code for an MRZ,
    /// jurisdiction (`OH`) for an AAMVA barcode.
    pub issuing_country: Option<String>,
    /// Every field read, under AnalyzeID's names.
    pub fields: BTreeMap<FieldName, Field>,
    /// Check digits, in the order printed (MRZ readings only).
    pub check_digits: Vec<CheckDigit>,
}

impl Reading {
    /// An empty reading of `format`.
    pub fn new(format: DocumentFormat, document_type: DocumentType) -> Self {
        Reading {
            format,
            document_type,
            issuing_country: None,
            fields: BTreeMap::new(),
            check_digits: Vec::new(),
        }
    }

    /// The source every field of this reading carries.
    pub fn source(&self) -> FieldSource {
        source_of(self.format)
    }

    /// The normalised value of a field (its raw value when it has none).
    pub fn value(&self, name: FieldName) -> Option<&str> {
        self.fields
            .get(&name)
            .map(|f| f.normalized.as_deref().unwrap_or(&f.value))
    }

    /// Adds a field read by this reading's source.
    pub(crate) fn insert(
        &mut self,
        name: FieldName,
        value: impl Into<String>,
        normalized: Option<String>,
        confidence: f32,
    ) {
        let source = self.source();
        self.fields.insert(
            name,
            Field {
                value: value.into(),
                normalized,
                confidence: confidence.clamp(0.0, 100.0),
                source,
            },
        );
    }
}

/// The field source a layout's readings carry.
pub fn source_of(format: DocumentFormat) -> FieldSource {
    match format {
        DocumentFormat::Td1
        | DocumentFormat::Td2
        | DocumentFormat::Td3
        | DocumentFormat::MrvA
        | DocumentFormat::MrvB => FieldSource::Mrz,
        DocumentFormat::Aamva => FieldSource::Barcode,
        DocumentFormat::PrintedText => FieldSource::Text,
    }
}

/// A name in upper case with single spaces; `None` when nothing is left.
pub(crate) fn normalize_name(raw: &str) -> Option<String> {
    let words: Vec<String> = raw
        .split(|c: char| c.is_whitespace() || c == '<')
        .filter(|w| !w.is_empty())
        .map(str::to_uppercase)
        .collect();
    if words.is_empty() {
        None
    } else {
        Some(words.join(" "))
    }
}

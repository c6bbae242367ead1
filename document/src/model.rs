//! What an analysis of an identity document reports. Every reader (MRZ,
//! PDF417 barcode, printed text, Textract AnalyzeID) fills this one model.
//!
//! The model measures; it never decides. Whether an expired document or a
//! failed check digit rejects a registration is the pipeline's decision,
//! made with the operator's thresholds.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    /// A passport book (ICAO TD3).
    Passport,
    /// An identity card (ICAO TD1 or TD2, or an AAMVA identification card).
    IdCard,
    /// A visa (ICAO MRV-A or MRV-B).
    Visa,
    /// A driver's licence (AAMVA).
    DriverLicence,
    /// Nothing recognised.
    Unknown,
}

/// The layout the fields were read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentFormat {
    /// ICAO 9303 TD1: three lines of 30 (identity cards).
    Td1,
    /// ICAO 9303 TD2: two lines of 36.
    Td2,
    /// ICAO 9303 TD3: two lines of 44 (passports).
    Td3,
    /// ICAO 9303 MRV-A: two lines of 44 (visas).
    MrvA,
    /// ICAO 9303 MRV-B: two lines of 36 (visas).
    MrvB,
    /// AAMVA DL/ID card design standard, in a PDF417 barcode.
    Aamva,
    /// Printed labels and values only.
    PrintedText,
}

/// Where a field's value was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldSource {
    /// The machine-readable zone, check digits verified where it has them.
    Mrz,
    /// A PDF417 barcode.
    Barcode,
    /// Printed text next to a label (lowest confidence).
    Text,
}

impl FieldSource {
    /// Which source wins when two disagree: the MRZ and the barcode are
    /// machine-readable and checked; printed text is not.
    pub fn rank(self) -> u8 {
        match self {
            FieldSource::Mrz => 0,
            FieldSource::Barcode => 1,
            FieldSource::Text => 2,
        }
    }
}

/// A field, named as Textract AnalyzeID names it (plus SEX, NATIONALITY and
/// ISSUING_COUNTRY, which AnalyzeID does not return).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FieldName {
    FirstName,
    LastName,
    MiddleName,
    Suffix,
    DocumentNumber,
    ExpirationDate,
    DateOfBirth,
    DateOfIssue,
    IdType,
    Address,
    CityInAddress,
    ZipCodeInAddress,
    StateInAddress,
    StateName,
    County,
    Class,
    Restrictions,
    Endorsements,
    Veteran,
    PlaceOfBirth,
    MrzCode,
    Sex,
    Nationality,
    IssuingCountry,
}

impl FieldName {
    /// Every field, in documentation order.
    pub const ALL: [FieldName; 24] = [
        FieldName::FirstName,
        FieldName::LastName,
        FieldName::MiddleName,
        FieldName::Suffix,
        FieldName::DocumentNumber,
        FieldName::ExpirationDate,
        FieldName::DateOfBirth,
        FieldName::DateOfIssue,
        FieldName::IdType,
        FieldName::Address,
        FieldName::CityInAddress,
        FieldName::ZipCodeInAddress,
        FieldName::StateInAddress,
        FieldName::StateName,
        FieldName::County,
        FieldName::Class,
        FieldName::Restrictions,
        FieldName::Endorsements,
        FieldName::Veteran,
        FieldName::PlaceOfBirth,
        FieldName::MrzCode,
        FieldName::Sex,
        FieldName::Nationality,
        FieldName::IssuingCountry,
    ];

    /// The name on the wire, e.g. `DATE_OF_BIRTH` (AnalyzeID's spelling).
    pub fn as_str(self) -> &'static str {
        match self {
            FieldName::FirstName => "FIRST_NAME",
            FieldName::LastName => "LAST_NAME",
            FieldName::MiddleName => "MIDDLE_NAME",
            FieldName::Suffix => "SUFFIX",
            FieldName::DocumentNumber => "DOCUMENT_NUMBER",
            FieldName::ExpirationDate => "EXPIRATION_DATE",
            FieldName::DateOfBirth => "DATE_OF_BIRTH",
            FieldName::DateOfIssue => "DATE_OF_ISSUE",
            FieldName::IdType => "ID_TYPE",
            FieldName::Address => "ADDRESS",
            FieldName::CityInAddress => "CITY_IN_ADDRESS",
            FieldName::ZipCodeInAddress => "ZIP_CODE_IN_ADDRESS",
            FieldName::StateInAddress => "STATE_IN_ADDRESS",
            FieldName::StateName => "STATE_NAME",
            FieldName::County => "COUNTY",
            FieldName::Class => "CLASS",
            FieldName::Restrictions => "RESTRICTIONS",
            FieldName::Endorsements => "ENDORSEMENTS",
            FieldName::Veteran => "VETERAN",
            FieldName::PlaceOfBirth => "PLACE_OF_BIRTH",
            FieldName::MrzCode => "MRZ_CODE",
            FieldName::Sex => "SEX",
            FieldName::Nationality => "NATIONALITY",
            FieldName::IssuingCountry => "ISSUING_COUNTRY",
        }
    }

    /// The field named `name` on the wire, if any.
    pub fn parse(name: &str) -> Option<FieldName> {
        FieldName::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// Whether the normalised value is an ISO 8601 date.
    pub fn is_date(self) -> bool {
        matches!(
            self,
            FieldName::ExpirationDate | FieldName::DateOfBirth | FieldName::DateOfIssue
        )
    }
}

impl std::fmt::Display for FieldName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// The text as read (after OCR repair), e.g. `740812` or `ERIKSSON`.
    pub value: String,
    /// The value normalised: dates as ISO 8601 (`1974-08-12`), names in
    /// upper case with single spaces, sex as `M`, `F` or `X`; `None` when
    /// the value could not be normalised.
    pub normalized: Option<String>,
    /// How sure the reader is, 0..100.
    pub confidence: f32,
    /// Where it was read.
    pub source: FieldSource,
}

/// A field the MRZ protects with a check digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckDigitField {
    DocumentNumber,
    DateOfBirth,
    ExpirationDate,
    /// TD3's personal number (optional data).
    PersonalNumber,
    /// The composite over the upper and middle (TD1) or lower (TD2, TD3)
    /// line's protected fields.
    Composite,
}

/// One check digit as printed and as computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckDigit {
    /// What it protects.
    pub field: CheckDigitField,
    /// The digit on the document (`<` where the document prints a filler).
    pub printed: char,
    /// The digit computed from the field (ICAO 9303 7-3-1).
    pub computed: char,
    /// `printed == computed` (a filler counts as `0` where ICAO allows it).
    pub valid: bool,
}

/// Whether two sources agree on a field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceAgreement {
    /// The field both sources read.
    pub field: FieldName,
    /// The two sources, best first.
    pub sources: [FieldSource; 2],
    /// Whether their normalised values are equal.
    pub agree: bool,
}

/// The facts the pipeline's document rules decide on.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Checks {
    /// Every check digit of the MRZ, in the order printed; empty without one.
    pub check_digits: Vec<CheckDigit>,
    /// All check digits valid; `None` when the document has no MRZ.
    pub check_digits_valid: Option<bool>,
    /// The expiry date is before the analysis date; `None` when unknown.
    pub expired: Option<bool>,
    /// The holder's age in whole years on the analysis date.
    pub age_years: Option<u32>,
    /// Each field two sources both read (MRZ and printed text, barcode and
    /// printed text…).
    pub agreement: Vec<SourceAgreement>,
    /// The day the expiry and the age were measured against.
    pub as_of: Option<NaiveDate>,
}

impl Checks {
    /// Whether every source that read a field agrees with the others;
    /// `None` when no field was read twice.
    pub fn sources_agree(&self) -> Option<bool> {
        if self.agreement.is_empty() {
            None
        } else {
            Some(self.agreement.iter().all(|a| a.agree))
        }
    }
}

/// The face printed on the document, relative to the image (0..1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Portrait {
    pub left: f32,
    pub top: f32,
    pub width: f32,
    pub height: f32,
    /// Detector confidence, 0..100.
    pub confidence: f32,
    /// Which side of the document: 0 the front, 1 the back.
    pub side: u8,
}

/// Everything read from one document (one or two sides).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentAnalysis {
    /// What kind of document it is.
    pub document_type: DocumentType,
    /// The layouts that were read, best first (an AAMVA licence read from
    /// its barcode and its printed front has `[aamva, printed_text]`).
    pub formats: Vec<DocumentFormat>,
    /// The issuing state: an ICAO 9303 three-letter code (`UTO`, `D`…) or,
    /// for AAMVA documents, the jurisdiction (`OH`).
    pub issuing_country: Option<String>,
    /// Every field read, keyed by AnalyzeID's name; where two sources read
    /// a field, the better source's value (see [`FieldSource::rank`]).
    pub fields: BTreeMap<FieldName, Field>,
    /// Check digits, expiry, age, agreement between sources.
    pub checks: Checks,
    /// The largest face on the document, if one was found.
    pub portrait: Option<Portrait>,
}

impl DocumentAnalysis {
    /// An analysis that read nothing.
    pub fn unknown() -> Self {
        DocumentAnalysis {
            document_type: DocumentType::Unknown,
            formats: Vec::new(),
            issuing_country: None,
            fields: BTreeMap::new(),
            checks: Checks::default(),
            portrait: None,
        }
    }

    /// The normalised value of a field (its raw value when it has none).
    pub fn value(&self, name: FieldName) -> Option<&str> {
        self.fields
            .get(&name)
            .map(|f| f.normalized.as_deref().unwrap_or(&f.value))
    }

    /// Whether anything was read at all.
    pub fn is_readable(&self) -> bool {
        self.document_type != DocumentType::Unknown || !self.fields.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_round_trip_through_their_wire_names() {
        for name in FieldName::ALL {
            assert_eq!(FieldName::parse(name.as_str()), Some(name));
            let json = serde_json::to_string(&name).unwrap();
            assert_eq!(json, format!("\"{}\"", name.as_str()));
        }
        assert_eq!(FieldName::parse("NOT_A_FIELD"), None);
    }

    #[test]
    fn an_analysis_serialises_with_fields_keyed_by_name() {
        let mut analysis = DocumentAnalysis::unknown();
        analysis.document_type = DocumentType::Passport;
        analysis.fields.insert(
            FieldName::DateOfBirth,
            Field {
                value: "740812".into(),
                normalized: Some("1974-08-12".into()),
                confidence: 99.0,
                source: FieldSource::Mrz,
            },
        );
        let json = serde_json::to_value(&analysis).unwrap();
        assert_eq!(json["document_type"], "passport");
        assert_eq!(json["fields"]["DATE_OF_BIRTH"]["normalized"], "1974-08-12");
        assert_eq!(json["fields"]["DATE_OF_BIRTH"]["source"], "mrz");
        let back: DocumentAnalysis = serde_json::from_value(json).unwrap();
        assert_eq!(back, analysis);
        assert_eq!(back.value(FieldName::DateOfBirth), Some("1974-08-12"));
    }
}

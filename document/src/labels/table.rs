//! The labels we know and how a line of text is matched against them.

use crate::model::{DocumentType, FieldName};

/// Labels, as upper-case words, and the field each introduces. Longer
/// labels are tried first, so `DATE OF EXPIRATION` wins over `EXP`.
const LABELS: &[(&str, FieldName)] = &[
    ("SURNAME", FieldName::LastName),
    ("LAST NAME", FieldName::LastName),
    ("FAMILY NAME", FieldName::LastName),
    ("LN", FieldName::LastName),
    ("GIVEN NAMES", FieldName::FirstName),
    ("GIVEN NAME", FieldName::FirstName),
    ("FIRST NAME", FieldName::FirstName),
    ("FORENAMES", FieldName::FirstName),
    ("FN", FieldName::FirstName),
    ("DATE OF BIRTH", FieldName::DateOfBirth),
    ("BIRTH DATE", FieldName::DateOfBirth),
    ("DOB", FieldName::DateOfBirth),
    ("EXPIRES ON", FieldName::ExpirationDate),
    ("DATE OF EXPIRATION", FieldName::ExpirationDate),
    ("DATE OF EXPIRY", FieldName::ExpirationDate),
    ("EXPIRATION DATE", FieldName::ExpirationDate),
    ("EXPIRY DATE", FieldName::ExpirationDate),
    ("EXPIRATION", FieldName::ExpirationDate),
    ("EXPIRES", FieldName::ExpirationDate),
    ("EXP", FieldName::ExpirationDate),
    ("ISSUED ON", FieldName::DateOfIssue),
    ("DATE OF ISSUE", FieldName::DateOfIssue),
    ("ISSUE DATE", FieldName::DateOfIssue),
    ("ISSUED", FieldName::DateOfIssue),
    ("ISS", FieldName::DateOfIssue),
    ("PASSPORT CARD NO", FieldName::DocumentNumber),
    ("PASSPORT CARD NUMBER", FieldName::DocumentNumber),
    ("PASSPORT NO", FieldName::DocumentNumber),
    ("PASSPORT NUMBER", FieldName::DocumentNumber),
    ("DOCUMENT NO", FieldName::DocumentNumber),
    ("DOCUMENT NUMBER", FieldName::DocumentNumber),
    ("CARD NO", FieldName::DocumentNumber),
    ("CARD NUMBER", FieldName::DocumentNumber),
    ("LICENSE NO", FieldName::DocumentNumber),
    ("LICENSE NUMBER", FieldName::DocumentNumber),
    ("DL NO", FieldName::DocumentNumber),
    ("DLN", FieldName::DocumentNumber),
    ("LIC NO", FieldName::DocumentNumber),
    ("SEX", FieldName::Sex),
    ("GENDER", FieldName::Sex),
    ("NATIONALITY", FieldName::Nationality),
    ("PLACE OF BIRTH", FieldName::PlaceOfBirth),
];

/// Phrases that name the kind of document, longest first.
const DOCUMENT_TYPES: &[(&str, DocumentType)] = &[
    ("PASSPORT CARD", DocumentType::IdCard),
    ("DRIVER LICENSE", DocumentType::DriverLicence),
    ("DRIVERS LICENSE", DocumentType::DriverLicence),
    ("DRIVER LICENCE", DocumentType::DriverLicence),
    ("DRIVING LICENCE", DocumentType::DriverLicence),
    ("IDENTIFICATION CARD", DocumentType::IdCard),
    ("IDENTITY CARD", DocumentType::IdCard),
    ("ID CARD", DocumentType::IdCard),
    ("PASSPORT", DocumentType::Passport),
];

/// A line's words: each whitespace-separated token of the original text
/// with its letters and digits in upper case (empty for `*`, `/`…).
pub fn words(text: &str) -> Vec<(String, &str)> {
    text.split_whitespace()
        .map(|token| {
            let key: String = token
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_uppercase)
                .collect();
            (key, token)
        })
        .collect()
}

/// Whether an OCR'd word is a label's word: equal, or one edit away for
/// words of five letters or more.
fn word_matches(read: &str, label: &str) -> bool {
    read == label
        || (label.len() >= 5
            && read.len().abs_diff(label.len()) <= 1
            && edit_distance(read, label) <= 1)
}

/// How many of `words` (skipping empty ones) `phrase` matches from index
/// `from`, if it matches: the index after its last word. Two of the
/// phrase's words may be run together in one word, as OCR reads a narrow
/// space (`Cardno.` for `CARD NO`).
fn match_phrase(words: &[(String, &str)], from: usize, phrase: &str) -> Option<usize> {
    let parts: Vec<&str> = phrase.split(' ').collect();
    let (mut i, mut p) = (from, 0);
    while p < parts.len() {
        while words.get(i).is_some_and(|w| w.0.is_empty()) {
            i += 1;
        }
        let word = &words.get(i)?.0;
        if word_matches(word, parts[p]) {
            p += 1;
        } else if parts
            .get(p + 1)
            .is_some_and(|next| word_matches(word, &format!("{}{next}", parts[p])))
        {
            p += 2;
        } else {
            return None;
        }
        i += 1;
    }
    Some(i)
}

/// A label at the start of a line.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelMatch {
    pub field: FieldName,
    /// The text after the label on the same line (empty when none, or when
    /// it is the label's translation after a `/`).
    pub rest: String,
}

/// The label `text` starts with (after an optional field number such as
/// `4b` or `3`, as licences print), the longest that matches.
pub fn match_label(text: &str) -> Option<LabelMatch> {
    let words = words(text);
    let numbered = words.first().is_some_and(|(k, _)| is_field_number(k));
    let starts: &[usize] = if numbered { &[0, 1] } else { &[0] };
    let mut best: Option<(usize, FieldName, usize)> = None;
    for &start in starts {
        for (label, field) in LABELS {
            if let Some(end) = match_phrase(&words, start, label) {
                let len = label.len();
                if best.is_none_or(|(l, _, _)| len > l) {
                    best = Some((len, *field, end));
                }
            }
        }
    }
    let (_, field, end) = best?;
    let rest: Vec<&str> = words[end..].iter().map(|w| w.1).collect();
    let rest = rest.join(" ");
    let rest = if rest.trim_start().starts_with('/') {
        String::new()
    } else {
        rest.trim_start_matches([':', '.', '*', '-', ' '])
            .trim()
            .to_owned()
    };
    Some(LabelMatch { field, rest })
}

/// `4b`, `3`, `15`: the numbers licences print before their labels.
fn is_field_number(word: &str) -> bool {
    let digits = word.chars().take_while(char::is_ascii_digit).count();
    (1..=2).contains(&digits) && word.len() <= digits + 1
}

/// The kind of document a line names, if any.
pub fn document_type(text: &str) -> Option<DocumentType> {
    let words = words(text);
    DOCUMENT_TYPES.iter().find_map(|(phrase, kind)| {
        (0..words.len())
            .any(|i| match_phrase(&words, i, phrase).is_some())
            .then_some(*kind)
    })
}

/// Levenshtein distance between two short words.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(text: &str) -> Option<(FieldName, String)> {
        match_label(text).map(|m| (m.field, m.rest))
    }

    #[test]
    fn labels_match_with_their_value_or_alone() {
        assert_eq!(label("Surname"), Some((FieldName::LastName, String::new())));
        assert_eq!(
            label("Passport Card no. *"),
            Some((FieldName::DocumentNumber, String::new()))
        );
        assert_eq!(
            label("DOB: 01/01/1981"),
            Some((FieldName::DateOfBirth, "01/01/1981".into()))
        );
        assert_eq!(
            label("4b EXP 01/01/2030"),
            Some((FieldName::ExpirationDate, "01/01/2030".into()))
        );
        assert_eq!(
            label("Date of Expiration 01 JAN 2030"),
            Some((FieldName::ExpirationDate, "01 JAN 2030".into()))
        );
        assert_eq!(
            label("Surname / Nom"),
            Some((FieldName::LastName, String::new()))
        );
        assert_eq!(
            label("Date of Birh"),
            Some((FieldName::DateOfBirth, String::new()))
        );
        // Words run together by the OCR.
        assert_eq!(
            label("Passport Cardno."),
            Some((FieldName::DocumentNumber, String::new()))
        );
        assert_eq!(
            label("Date oflssue"),
            Some((FieldName::DateOfIssue, String::new()))
        );
        assert_eq!(label("+PASSPORT CARD*"), None);
        assert_eq!(label("TRAVELER"), None);
        assert_eq!(label("EXEMPLAR"), None);
        assert_eq!(label("1 JAN 1981"), None);
    }

    #[test]
    fn document_types_are_recognised_despite_ocr_slips() {
        assert_eq!(document_type("PASSORT CARD*"), Some(DocumentType::IdCard));
        assert_eq!(
            document_type("USA DRIVER LICENSE"),
            Some(DocumentType::DriverLicence)
        );
        assert_eq!(document_type("PASSPORT"), Some(DocumentType::Passport));
        assert_eq!(document_type("UNITED STATES OF AMERICA"), None);
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("PASSORT", "PASSPORT"), 1);
        assert_eq!(edit_distance("BIRTH", "BRITH"), 2);
        assert_eq!(edit_distance("", "ABC"), 3);
    }
}

//! A small MRZ writer for tests: lines with correct check digits from field
//! values, so the reader can be tested on any document we can describe.

use super::chars::check_digit;
use crate::model::DocumentFormat;

/// The values to print.
#[derive(Debug, Clone)]
pub struct Doc {
    pub code: &'static str,
    pub issuing: &'static str,
    pub surname: &'static str,
    pub given: &'static str,
    pub number: &'static str,
    pub nationality: &'static str,
    pub birth: &'static str,
    pub sex: char,
    pub expiry: &'static str,
    /// TD3's personal number, or the (first) optional data.
    pub optional: &'static str,
    /// TD1's second optional data.
    pub optional2: &'static str,
}

fn pad(text: &str, len: usize) -> String {
    let mut s: String = text.replace(' ', "<").chars().take(len).collect();
    while s.len() < len {
        s.push('<');
    }
    s
}

fn cd(text: &str) -> char {
    char::from(check_digit(text.as_bytes()).unwrap_or(b'?'))
}

fn name(doc: &Doc, len: usize) -> String {
    let given = if doc.given.is_empty() {
        String::new()
    } else {
        format!("<<{}", doc.given)
    };
    pad(&format!("{}{given}", doc.surname), len)
}

/// The lines of `doc` in `format`.
pub fn write(format: DocumentFormat, doc: &Doc) -> Vec<String> {
    match format {
        DocumentFormat::Td1 => td1(doc),
        DocumentFormat::Td2 => two_line(doc, 36, 7, false),
        DocumentFormat::Td3 => two_line(doc, 44, 14, false),
        DocumentFormat::MrvA => two_line(doc, 44, 16, true),
        DocumentFormat::MrvB => two_line(doc, 36, 8, true),
        DocumentFormat::Aamva | DocumentFormat::PrintedText => Vec::new(),
    }
}

fn number_and_optional(doc: &Doc, optional_len: usize) -> (String, String) {
    if doc.number.len() <= 9 {
        let number = pad(doc.number, 9);
        let check = cd(&number);
        (format!("{number}{check}"), pad(doc.optional, optional_len))
    } else {
        let (head, rest) = doc.number.split_at(9);
        let optional = format!("{rest}{}<{}", cd(doc.number), doc.optional);
        (format!("{head}<"), pad(&optional, optional_len))
    }
}

fn td1(doc: &Doc) -> Vec<String> {
    let (number, optional) = number_and_optional(doc, 15);
    let line1 = format!(
        "{}{}{number}{optional}",
        pad(doc.code, 2),
        pad(doc.issuing, 3)
    );
    let upper = format!(
        "{}{}{}{}{}{}",
        doc.birth,
        cd(doc.birth),
        doc.sex,
        doc.expiry,
        cd(doc.expiry),
        pad(doc.nationality, 3)
    );
    let optional2 = pad(doc.optional2, 11);
    let composite = format!(
        "{}{}{}{optional2}",
        &line1[5..30],
        &upper[0..7],
        &upper[8..15]
    );
    let line2 = format!("{upper}{optional2}{}", cd(&composite));
    vec![line1, line2, name(doc, 30)]
}

fn two_line(doc: &Doc, len: usize, optional_len: usize, visa: bool) -> Vec<String> {
    let line1 = format!(
        "{}{}{}",
        pad(doc.code, 2),
        pad(doc.issuing, 3),
        name(doc, len - 5)
    );
    let td2_long = len == 36 && !visa;
    let (number, optional) = if td2_long {
        number_and_optional(doc, optional_len)
    } else {
        let number = pad(doc.number, 9);
        (
            format!("{number}{}", cd(&number)),
            pad(doc.optional, optional_len),
        )
    };
    let mut line2 = format!(
        "{number}{}{}{}{}{}{}{}{optional}",
        pad(doc.nationality, 3),
        doc.birth,
        cd(doc.birth),
        doc.sex,
        doc.expiry,
        cd(doc.expiry),
        ""
    );
    if len == 44 && !visa {
        // TD3: the personal number's check digit, a filler when it is empty.
        let check = if optional.bytes().all(|c| c == b'<') {
            '<'
        } else {
            cd(&optional)
        };
        line2.push(check);
    }
    if !visa {
        let composite = format!("{}{}{}", &line2[0..10], &line2[13..20], &line2[21..]);
        line2.push(cd(&composite));
    }
    vec![line1, line2]
}

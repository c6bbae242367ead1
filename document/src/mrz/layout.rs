//! Where each field sits in each ICAO 9303 layout, and which characters
//! each position may hold.

use crate::model::{CheckDigitField, DocumentFormat};

/// A run of characters on one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub line: usize,
    pub start: usize,
    pub len: usize,
}

impl Span {
    const fn new(line: usize, start: usize, len: usize) -> Self {
        Span { line, start, len }
    }

    /// The position after the last character.
    pub fn end(self) -> usize {
        self.start + self.len
    }

    /// Whether `(line, pos)` is inside.
    pub fn contains(self, line: usize, pos: usize) -> bool {
        line == self.line && pos >= self.start && pos < self.end()
    }

    /// The characters of `lines` under this span (empty when out of range).
    pub fn slice(self, lines: &[Vec<u8>]) -> &[u8] {
        lines
            .get(self.line)
            .and_then(|l| l.get(self.start..self.end()))
            .unwrap_or(&[])
    }
}

/// What a position may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharClass {
    /// Letters and fillers: codes, countries, names, sex.
    Alpha,
    /// Digits (and the filler where a check digit may be one): dates and
    /// check digits.
    Numeric,
    /// Letters, digits and fillers: document numbers, optional data.
    AlphaNumeric,
}

/// A check digit and the spans it protects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckSpec {
    pub field: CheckDigitField,
    /// Where the digit is printed.
    pub digit: Span,
    /// What it is computed over, in order.
    pub covers: Vec<Span>,
}

/// One layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub format: DocumentFormat,
    pub lines: usize,
    pub line_len: usize,
    pub doc_code: Span,
    pub issuing: Span,
    pub name: Span,
    pub doc_number: Span,
    pub doc_check: Span,
    pub nationality: Span,
    pub birth: Span,
    pub birth_check: Span,
    pub sex: Span,
    pub expiry: Span,
    pub expiry_check: Span,
    /// Optional data: TD3's personal number, TD1's two fields, the rest's one.
    pub optional: Vec<Span>,
    /// TD3's personal-number check digit.
    pub personal_check: Option<Span>,
    /// The composite check digit and what it covers (none on visas).
    pub composite: Option<CheckSpec>,
    /// Whether a document number may overflow into the optional data, with a
    /// filler where its check digit would be (TD1, TD2).
    pub long_number: bool,
}

impl Layout {
    /// The layout of `format`; `None` for the formats that are not MRZs.
    pub fn of(format: DocumentFormat) -> Option<Layout> {
        match format {
            DocumentFormat::Td1 => Some(td1()),
            DocumentFormat::Td2 => Some(two_line(format, 36)),
            DocumentFormat::Td3 => Some(two_line(format, 44)),
            DocumentFormat::MrvA => Some(two_line(format, 44)),
            DocumentFormat::MrvB => Some(two_line(format, 36)),
            DocumentFormat::Aamva | DocumentFormat::PrintedText => None,
        }
    }

    /// The character class of every position of every line.
    pub fn classes(&self) -> Vec<Vec<CharClass>> {
        let mut classes = vec![vec![CharClass::Alpha; self.line_len]; self.lines];
        let mut set = |span: Span, class: CharClass| {
            if let Some(line) = classes.get_mut(span.line) {
                for c in line.iter_mut().skip(span.start).take(span.len) {
                    *c = class;
                }
            }
        };
        for span in [self.doc_number]
            .into_iter()
            .chain(self.optional.iter().copied())
        {
            set(span, CharClass::AlphaNumeric);
        }
        for span in [
            self.doc_check,
            self.birth,
            self.birth_check,
            self.expiry,
            self.expiry_check,
        ]
        .into_iter()
        .chain(self.personal_check)
        .chain(self.composite.as_ref().map(|c| c.digit))
        {
            set(span, CharClass::Numeric);
        }
        classes
    }

    /// The check digits the layout prints, in the order printed.
    pub fn checks(&self) -> Vec<CheckSpec> {
        let mut checks = vec![
            CheckSpec {
                field: CheckDigitField::DocumentNumber,
                digit: self.doc_check,
                covers: vec![self.doc_number],
            },
            CheckSpec {
                field: CheckDigitField::DateOfBirth,
                digit: self.birth_check,
                covers: vec![self.birth],
            },
            CheckSpec {
                field: CheckDigitField::ExpirationDate,
                digit: self.expiry_check,
                covers: vec![self.expiry],
            },
        ];
        if let (Some(digit), Some(&personal)) = (self.personal_check, self.optional.first()) {
            checks.push(CheckSpec {
                field: CheckDigitField::PersonalNumber,
                digit,
                covers: vec![personal],
            });
        }
        if let Some(composite) = &self.composite {
            checks.push(composite.clone());
        }
        checks
    }
}

fn td1() -> Layout {
    Layout {
        format: DocumentFormat::Td1,
        lines: 3,
        line_len: 30,
        doc_code: Span::new(0, 0, 2),
        issuing: Span::new(0, 2, 3),
        doc_number: Span::new(0, 5, 9),
        doc_check: Span::new(0, 14, 1),
        birth: Span::new(1, 0, 6),
        birth_check: Span::new(1, 6, 1),
        sex: Span::new(1, 7, 1),
        expiry: Span::new(1, 8, 6),
        expiry_check: Span::new(1, 14, 1),
        nationality: Span::new(1, 15, 3),
        name: Span::new(2, 0, 30),
        optional: vec![Span::new(0, 15, 15), Span::new(1, 18, 11)],
        personal_check: None,
        composite: Some(CheckSpec {
            field: CheckDigitField::Composite,
            digit: Span::new(1, 29, 1),
            covers: vec![
                Span::new(0, 5, 25),
                Span::new(1, 0, 7),
                Span::new(1, 8, 7),
                Span::new(1, 18, 11),
            ],
        }),
        long_number: true,
    }
}

/// TD2, TD3, MRV-A and MRV-B share their first 28 positions of line 2.
fn two_line(format: DocumentFormat, line_len: usize) -> Layout {
    let td3 = format == DocumentFormat::Td3;
    let visa = matches!(format, DocumentFormat::MrvA | DocumentFormat::MrvB);
    let optional_len = match format {
        DocumentFormat::Td3 => 14,
        DocumentFormat::Td2 => 7,
        _ => line_len - 28,
    };
    let composite = (!visa).then(|| CheckSpec {
        field: CheckDigitField::Composite,
        digit: Span::new(1, line_len - 1, 1),
        covers: vec![
            Span::new(1, 0, 10),
            Span::new(1, 13, 7),
            Span::new(1, 21, line_len - 22),
        ],
    });
    Layout {
        format,
        lines: 2,
        line_len,
        doc_code: Span::new(0, 0, 2),
        issuing: Span::new(0, 2, 3),
        name: Span::new(0, 5, line_len - 5),
        doc_number: Span::new(1, 0, 9),
        doc_check: Span::new(1, 9, 1),
        nationality: Span::new(1, 10, 3),
        birth: Span::new(1, 13, 6),
        birth_check: Span::new(1, 19, 1),
        sex: Span::new(1, 20, 1),
        expiry: Span::new(1, 21, 6),
        expiry_check: Span::new(1, 27, 1),
        optional: vec![Span::new(1, 28, optional_len)],
        personal_check: td3.then(|| Span::new(1, 42, 1)),
        composite,
        long_number: format == DocumentFormat::Td2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_position_of_line_two_is_a_field() {
        for format in [
            DocumentFormat::Td1,
            DocumentFormat::Td2,
            DocumentFormat::Td3,
            DocumentFormat::MrvA,
            DocumentFormat::MrvB,
        ] {
            let layout = Layout::of(format).unwrap();
            let mut spans = vec![
                layout.doc_number,
                layout.doc_check,
                layout.nationality,
                layout.birth,
                layout.birth_check,
                layout.sex,
                layout.expiry,
                layout.expiry_check,
            ];
            spans.extend(layout.optional.iter().copied());
            spans.extend(layout.personal_check);
            spans.extend(layout.composite.as_ref().map(|c| c.digit));
            for line in 0..layout.lines {
                for pos in 0..layout.line_len {
                    let covered = spans.iter().filter(|s| s.contains(line, pos)).count()
                        + usize::from(layout.doc_code.contains(line, pos))
                        + usize::from(layout.issuing.contains(line, pos))
                        + usize::from(layout.name.contains(line, pos));
                    assert_eq!(covered, 1, "{format:?} line {line} position {pos}");
                }
            }
        }
    }
}

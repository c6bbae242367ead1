//! Repairs of OCR'd MRZ lines, from the safest to the most guarded:
//!
//! 1. length: a line a character or two too long or short gains or loses
//!    fillers in one of its filler runs (the run the check digits and the
//!    character classes favour; the trailing run on a tie);
//! 2. filler tails: `K` read for `<` in the filler tail of a field;
//! 3. character classes: letters in numeric positions (dates, check
//!    digits) become the digits OCR confuses them with, digits in
//!    alphabetic positions (codes, countries, names, sex) the letters;
//! 4. confusions in alphanumeric fields (document number, TD3's personal
//!    number): only when the field's own check digit fails, only a single
//!    substitution, only when exactly one substitution makes the check
//!    valid, and only when the composite check digit then confirms it.
//!
//! Numeric fields are never repaired through check digits, and no check
//! digit is ever changed to fit. The composite's confirmation is what makes
//! the last repair safe: a document number and its check digit sit at the
//! same weights in the composite, so a printed check digit that is wrong by
//! `d` could only be "confirmed" if `8·d ≡ 0 (mod 10)`, i.e. `d = 5`, and no
//! single OCR confusion shifts a weighted sum by 5 (see
//! `chars::confusables`). The repair is therefore restricted to positions
//! whose weight in the composite equals their weight in the field.

use serde::{Deserialize, Serialize};

use super::chars::{FILLER, check_digit, confusables, digit_to_letter, letter_to_digit};
use super::layout::{CharClass, Span};

/// What a repair did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepairKind {
    /// A filler inserted into or removed from a filler run to fix the line
    /// length.
    Length,
    /// `K` read for `<` in a filler tail.
    FillerTail,
    /// A letter in a numeric position or a digit in an alphabetic one.
    CharClass,
    /// A confusable character substituted because it alone makes the
    /// field's check digit (and the composite) valid.
    Confusion,
    /// A look-alike letter substituted in a country code that does not
    /// exist, because it alone gives one that does.
    Country,
}

/// One character changed from what OCR read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repair {
    /// Line index (0-based).
    pub line: usize,
    /// Position in the repaired line (0-based).
    pub position: usize,
    /// The character read; `None` for an inserted filler.
    pub from: Option<char>,
    /// The character kept; `None` for a removed filler.
    pub to: Option<char>,
    pub kind: RepairKind,
}

impl Repair {
    pub(super) fn change(line: usize, position: usize, from: u8, to: u8, kind: RepairKind) -> Self {
        Repair {
            line,
            position,
            from: Some(char::from(from)),
            to: Some(char::from(to)),
            kind,
        }
    }
}

/// One way to read a line at the layout's length.
#[derive(Debug, Clone)]
pub struct LengthFix {
    /// The line at the right length.
    pub line: Vec<u8>,
    /// The filler inserted or removed; `None` when the length was right.
    pub repair: Option<Repair>,
    /// Whether the changed filler run ends the line (preferred on a tie).
    pub at_end: bool,
}

/// The ways to bring `line` to `len` characters by growing or shrinking one
/// of its filler runs. Empty when the line has no run that can absorb it.
pub fn length_candidates(line: &[u8], len: usize, index: usize) -> Vec<LengthFix> {
    let mut out = Vec::new();
    let runs = filler_runs(line);
    for (start, run_len) in runs {
        let at_end = start + run_len == line.len();
        let mut candidate = line.to_vec();
        let repair = if line.len() > len {
            let excess = line.len() - len;
            if run_len < excess {
                continue;
            }
            candidate.drain(start..start + excess);
            Repair {
                line: index,
                position: start,
                from: Some('<'),
                to: None,
                kind: RepairKind::Length,
            }
        } else {
            let missing = len - line.len();
            candidate.splice(start..start, std::iter::repeat_n(FILLER, missing));
            Repair {
                line: index,
                position: start,
                from: None,
                to: Some('<'),
                kind: RepairKind::Length,
            }
        };
        out.push(LengthFix {
            line: candidate,
            repair: Some(repair),
            at_end,
        });
    }
    out
}

/// `(start, length)` of every maximal run of fillers.
fn filler_runs(line: &[u8]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < line.len() {
        if line[i] == FILLER {
            let start = i;
            while i < line.len() && line[i] == FILLER {
                i += 1;
            }
            runs.push((start, i - start));
        } else {
            i += 1;
        }
    }
    runs
}

/// Turns `K` into `<` in the filler tail of `span`: the longest suffix made
/// only of `<` and `K`, after any `K` that directly follows the field's
/// last real character (so `ERIK<<<` keeps its `K`).
pub fn fix_filler_tail(lines: &mut [Vec<u8>], span: Span, repairs: &mut Vec<Repair>) {
    let Some(field) = lines
        .get_mut(span.line)
        .and_then(|l| l.get_mut(span.start..span.end()))
    else {
        return;
    };
    let mut tail = field.len();
    while tail > 0 && matches!(field[tail - 1], FILLER | b'K') {
        tail -= 1;
    }
    while tail < field.len() && field[tail] == b'K' {
        tail += 1;
    }
    if !field[tail..].contains(&FILLER) {
        return;
    }
    for (i, c) in field.iter_mut().enumerate().skip(tail) {
        if *c == b'K' {
            *c = FILLER;
            repairs.push(Repair::change(
                span.line,
                span.start + i,
                b'K',
                FILLER,
                RepairKind::FillerTail,
            ));
        }
    }
}

/// Letters in numeric positions to digits, digits in alphabetic positions to
/// letters. Returns how many positions still hold a character of the wrong
/// class.
pub fn fix_classes(
    lines: &mut [Vec<u8>],
    classes: &[Vec<CharClass>],
    repairs: &mut Vec<Repair>,
) -> usize {
    let mut wrong = 0;
    for (l, (line, line_classes)) in lines.iter_mut().zip(classes).enumerate() {
        for (p, (c, class)) in line.iter_mut().zip(line_classes).enumerate() {
            let fixed = match class {
                CharClass::Numeric if c.is_ascii_uppercase() => letter_to_digit(*c),
                CharClass::Alpha if c.is_ascii_digit() => digit_to_letter(*c),
                _ => continue,
            };
            match fixed {
                Some(to) => {
                    repairs.push(Repair::change(l, p, *c, to, RepairKind::CharClass));
                    *c = to;
                }
                None => wrong += 1,
            }
        }
    }
    wrong
}

/// Fixes the single position `pos` of a long number's check digit (it lives
/// in the optional data, whose class is alphanumeric).
pub fn fix_digit_at(lines: &mut [Vec<u8>], span: Span, repairs: &mut Vec<Repair>) {
    if let Some(c) = lines.get_mut(span.line).and_then(|l| l.get_mut(span.start))
        && let Some(to) = letter_to_digit(*c)
    {
        repairs.push(Repair::change(
            span.line,
            span.start,
            *c,
            to,
            RepairKind::CharClass,
        ));
        *c = to;
    }
}

/// A checked alphanumeric field whose check digit fails.
pub struct FailingField {
    /// What the check digit is computed over.
    pub covers: Vec<Span>,
    /// Where the check digit is.
    pub digit: Span,
}

/// The single substitutions that make `field`'s check digit valid, limited
/// to positions whose weight in the composite (covering `composite`) equals
/// their weight in the field.
fn candidates(lines: &[Vec<u8>], field: &FailingField, composite: &[Span]) -> Vec<(Span, u8)> {
    let Some(&printed) = field.digit.slice(lines).first() else {
        return Vec::new();
    };
    let positions: Vec<(usize, usize)> = field
        .covers
        .iter()
        .flat_map(|s| (s.start..s.end()).map(move |p| (s.line, p)))
        .collect();
    let composite_index = |line: usize, pos: usize| -> Option<usize> {
        let mut offset = 0;
        for span in composite {
            if span.contains(line, pos) {
                return Some(offset + pos - span.start);
            }
            offset += span.len;
        }
        None
    };
    let mut text: Vec<u8> = positions
        .iter()
        .map(|&(l, p)| {
            lines
                .get(l)
                .and_then(|x| x.get(p))
                .copied()
                .unwrap_or(FILLER)
        })
        .collect();
    let mut found = Vec::new();
    for (i, &(line, pos)) in positions.iter().enumerate() {
        if composite_index(line, pos).is_none_or(|j| j % 3 != i % 3) {
            continue;
        }
        let original = text[i];
        for &alt in confusables(original) {
            text[i] = alt;
            if check_digit(&text) == Some(printed) {
                found.push((
                    Span {
                        line,
                        start: pos,
                        len: 1,
                    },
                    alt,
                ));
            }
        }
        text[i] = original;
    }
    found
}

/// Repairs every failing field by its unique single substitution, keeping
/// the repairs only when the composite (`composite_valid`) then holds.
/// Returns whether anything changed.
pub fn fix_confusions(
    lines: &mut [Vec<u8>],
    failing: &[FailingField],
    composite: &[Span],
    composite_valid: impl Fn(&[Vec<u8>]) -> bool,
    repairs: &mut Vec<Repair>,
) -> bool {
    if failing.is_empty() || composite.is_empty() {
        return false;
    }
    let mut chosen = Vec::new();
    for field in failing {
        match candidates(lines, field, composite).as_slice() {
            [one] => chosen.push(*one),
            _ => return false,
        }
    }
    let mut trial = lines.to_vec();
    for (span, to) in &chosen {
        if let Some(c) = trial.get_mut(span.line).and_then(|l| l.get_mut(span.start)) {
            *c = *to;
        }
    }
    if !composite_valid(&trial) {
        return false;
    }
    for (span, to) in chosen {
        if let Some(c) = lines.get_mut(span.line).and_then(|l| l.get_mut(span.start)) {
            repairs.push(Repair::change(
                span.line,
                span.start,
                *c,
                to,
                RepairKind::Confusion,
            ));
            *c = to;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &[&str]) -> Vec<Vec<u8>> {
        s.iter().map(|l| l.as_bytes().to_vec()).collect()
    }

    #[test]
    fn filler_tails_lose_their_ks_but_names_keep_theirs() {
        let mut l = lines(&["ERIKSSON<<ANNA<MARIA<<<K<<K", "ERIK<<<<", "ERIK<<<K"]);
        let mut repairs = Vec::new();
        fix_filler_tail(
            &mut l,
            Span {
                line: 0,
                start: 0,
                len: 27,
            },
            &mut repairs,
        );
        fix_filler_tail(
            &mut l,
            Span {
                line: 1,
                start: 0,
                len: 8,
            },
            &mut repairs,
        );
        fix_filler_tail(
            &mut l,
            Span {
                line: 2,
                start: 0,
                len: 8,
            },
            &mut repairs,
        );
        assert_eq!(
            l,
            lines(&["ERIKSSON<<ANNA<MARIA<<<<<<<", "ERIK<<<<", "ERIK<<<<"])
        );
        assert_eq!(repairs.len(), 3);
    }

    #[test]
    fn a_length_can_only_change_in_a_filler_run() {
        let c = length_candidates(b"AB<<CD<<<", 8, 0);
        let fixed: Vec<Vec<u8>> = c.iter().map(|f| f.line.clone()).collect();
        assert_eq!(fixed, vec![b"AB<CD<<<".to_vec(), b"AB<<CD<<".to_vec()]);
        assert!(c[1].at_end && !c[0].at_end);
        assert!(length_candidates(b"ABCDEFGHI", 8, 0).is_empty());
        assert_eq!(length_candidates(b"AB<C", 6, 0)[0].line, b"AB<<<C".to_vec());
    }
}

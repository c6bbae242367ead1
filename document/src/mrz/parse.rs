//! From OCR lines to repaired MRZ lines with their check digits: format
//! detection, the repairs of `repair.rs` in order, and the check digits.

use super::MrzError;
use super::chars::{FILLER, check_digit, normalize_line};
use super::countries::fix_country;
use super::layout::{CheckSpec, Layout, Span};
use super::repair::{
    FailingField, LengthFix, Repair, fix_classes, fix_confusions, fix_digit_at, fix_filler_tail,
    length_candidates,
};
use crate::model::{CheckDigit, CheckDigitField, DocumentFormat};

/// Lines are accepted this many characters too long or too short.
const MAX_LENGTH_ERROR: usize = 3;

/// How many fillers a line that ends in fillers may be short: OCR merges
/// long runs of `<`, and a closing run is padding, worth 0 in every check
/// digit, so restoring it changes no field and no check.
const MAX_TRAILING_FILLERS_MISSING: usize = 12;

/// Repaired lines, their layout and check digits.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub layout: Layout,
    pub lines: Vec<Vec<u8>>,
    pub repairs: Vec<Repair>,
    /// The check digits as printed and computed, in the order printed.
    pub checks: Vec<CheckDigit>,
    /// Where the document number is: one span, or two for a TD1/TD2 number
    /// that overflows into the optional data.
    pub number: Vec<Span>,
    /// Where the check digit of the document number is.
    pub number_check: Span,
    /// Positions still holding a character of the wrong class.
    pub wrong_class: usize,
}

impl Parsed {
    /// Whether the check digit protecting `field` is valid (`None` without one).
    pub fn check_valid(&self, field: CheckDigitField) -> Option<bool> {
        self.checks
            .iter()
            .find(|c| c.field == field)
            .map(|c| c.valid)
    }

    fn valid_checks(&self) -> usize {
        self.checks.iter().filter(|c| c.valid).count()
    }
}

/// Reads `raw` lines as one MRZ.
pub fn parse(raw: &[&str]) -> Result<Parsed, MrzError> {
    let lines: Vec<Vec<u8>> = raw
        .iter()
        .map(|l| normalize_line(l))
        .filter(|l| !l.is_empty())
        .collect();
    let layout = Layout::of(detect_format(&lines)?).ok_or(MrzError::LineCount(lines.len()))?;
    // Every way to fix each line's length, then the combination the check
    // digits and character classes favour.
    let mut options: Vec<Vec<LengthFix>> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.len() == layout.line_len {
            options.push(vec![LengthFix {
                line: line.clone(),
                repair: None,
                at_end: false,
            }]);
            continue;
        }
        let off = line.len().abs_diff(layout.line_len);
        let fixes = if off <= MAX_LENGTH_ERROR {
            length_candidates(line, layout.line_len, i)
        } else if line.len() < layout.line_len && off <= MAX_TRAILING_FILLERS_MISSING {
            // Only the line's closing filler run may grow this much.
            length_candidates(line, layout.line_len, i)
                .into_iter()
                .filter(|fix| fix.at_end)
                .collect()
        } else {
            Vec::new()
        };
        if fixes.is_empty() {
            return Err(MrzError::LineLength {
                line: i + 1,
                len: line.len(),
                expected: layout.line_len,
            });
        }
        options.push(fixes);
    }
    let mut best: Option<((usize, i64, usize), Parsed)> = None;
    let mut tied = false;
    for choice in combinations(&options) {
        let candidate: Vec<Vec<u8>> = choice.iter().map(|o| o.line.clone()).collect();
        let repairs: Vec<Repair> = choice.iter().filter_map(|o| o.repair).collect();
        let at_end = choice.iter().filter(|o| o.at_end).count();
        let parsed = analyse(layout.clone(), candidate, repairs);
        let class_repairs = parsed.repairs.len() as i64;
        let score = (
            parsed.valid_checks(),
            -(parsed.wrong_class as i64) * 4 - class_repairs,
            at_end,
        );
        match &best {
            Some((s, _)) if *s > score => {}
            Some((s, _)) if *s == score => tied = true,
            _ => {
                tied = false;
                best = Some((score, parsed));
            }
        }
    }
    match best {
        Some((_, parsed)) if !tied => Ok(repair_confusions(parsed)),
        _ => Err(MrzError::AmbiguousLength),
    }
}

/// The layout the line count and lengths point to.
fn detect_format(lines: &[Vec<u8>]) -> Result<DocumentFormat, MrzError> {
    let visa = lines.first().and_then(|l| l.first()) == Some(&b'V');
    match lines.len() {
        3 => Ok(DocumentFormat::Td1),
        2 => {
            // The longer line: OCR loses characters (merged filler runs)
            // far more often than it adds them.
            let longest = lines[0].len().max(lines[1].len());
            Ok(match (longest <= 40, visa) {
                (true, true) => DocumentFormat::MrvB,
                (true, false) => DocumentFormat::Td2,
                (false, true) => DocumentFormat::MrvA,
                (false, false) => DocumentFormat::Td3,
            })
        }
        0 => Err(MrzError::Empty),
        n => Err(MrzError::LineCount(n)),
    }
}

/// Every way to pick one option per line.
fn combinations<T>(options: &[Vec<T>]) -> Vec<Vec<&T>> {
    let mut out: Vec<Vec<&T>> = vec![Vec::new()];
    for line in options {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                line.iter().map(move |o| {
                    let mut next = prefix.clone();
                    next.push(o);
                    next
                })
            })
            .collect();
    }
    out
}

/// Filler tails and character classes repaired, check digits computed.
fn analyse(layout: Layout, mut lines: Vec<Vec<u8>>, mut repairs: Vec<Repair>) -> Parsed {
    for span in [layout.name, layout.doc_number]
        .into_iter()
        .chain(layout.optional.iter().copied())
    {
        fix_filler_tail(&mut lines, span, &mut repairs);
    }
    let wrong_class = fix_classes(&mut lines, &layout.classes(), &mut repairs);
    for span in [layout.issuing, layout.nationality] {
        fix_country(&mut lines, span, &mut repairs);
    }
    let (number, number_check) = number_spans(&layout, &lines);
    if number_check != layout.doc_check {
        fix_digit_at(&mut lines, number_check, &mut repairs);
    }
    let mut parsed = Parsed {
        layout,
        lines,
        repairs,
        checks: Vec::new(),
        number,
        number_check,
        wrong_class,
    };
    parsed.checks = check_specs(&parsed)
        .iter()
        .map(|spec| evaluate(&parsed.lines, spec))
        .collect();
    parsed
}

/// The document number's spans and its check digit: TD1 and TD2 print a
/// filler where the check digit would be when the number is longer than
/// nine characters, and continue it in the optional data, its check digit
/// last, before the optional data's first filler.
fn number_spans(layout: &Layout, lines: &[Vec<u8>]) -> (Vec<Span>, Span) {
    let plain = (vec![layout.doc_number], layout.doc_check);
    let Some(&optional) = layout.optional.first() else {
        return plain;
    };
    if !layout.long_number || layout.doc_check.slice(lines) != [FILLER] {
        return plain;
    }
    let overflow = optional
        .slice(lines)
        .iter()
        .take_while(|&&c| c != FILLER)
        .count();
    if overflow == 0 {
        return plain;
    }
    let rest = Span {
        line: optional.line,
        start: optional.start,
        len: overflow - 1,
    };
    let digit = Span {
        line: optional.line,
        start: optional.start + overflow - 1,
        len: 1,
    };
    (vec![layout.doc_number, rest], digit)
}

fn check_specs(parsed: &Parsed) -> Vec<CheckSpec> {
    parsed
        .layout
        .checks()
        .into_iter()
        .map(|spec| match spec.field {
            CheckDigitField::DocumentNumber => CheckSpec {
                field: spec.field,
                digit: parsed.number_check,
                covers: parsed.number.clone(),
            },
            _ => spec,
        })
        .collect()
}

fn evaluate(lines: &[Vec<u8>], spec: &CheckSpec) -> CheckDigit {
    let text: Vec<u8> = spec
        .covers
        .iter()
        .flat_map(|s| s.slice(lines).iter().copied())
        .collect();
    let printed = spec.digit.slice(lines).first().copied().unwrap_or(FILLER);
    let computed = check_digit(&text).unwrap_or(b'?');
    // ICAO 9303 lets an empty personal number print a filler as its check digit.
    let filler_ok = spec.field == CheckDigitField::PersonalNumber && computed == b'0';
    CheckDigit {
        field: spec.field,
        printed: char::from(printed),
        computed: char::from(computed),
        valid: printed == computed || (printed == FILLER && filler_ok),
    }
}

/// The guarded confusion repair of the document number and TD3's personal
/// number (see `repair.rs`), then the check digits again.
fn repair_confusions(mut parsed: Parsed) -> Parsed {
    let specs = check_specs(&parsed);
    let failing: Vec<FailingField> = specs
        .iter()
        .zip(&parsed.checks)
        .filter(|(spec, check)| {
            !check.valid
                && matches!(
                    spec.field,
                    CheckDigitField::DocumentNumber | CheckDigitField::PersonalNumber
                )
        })
        .map(|(spec, _)| FailingField {
            covers: spec.covers.clone(),
            digit: spec.digit,
        })
        .collect();
    let Some(composite) = specs
        .iter()
        .find(|s| s.field == CheckDigitField::Composite)
        .cloned()
    else {
        return parsed;
    };
    let changed = fix_confusions(
        &mut parsed.lines,
        &failing,
        &composite.covers,
        |lines| evaluate(lines, &composite).valid,
        &mut parsed.repairs,
    );
    if changed {
        parsed.checks = specs.iter().map(|s| evaluate(&parsed.lines, s)).collect();
    }
    parsed
}

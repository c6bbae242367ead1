//! Generated cases: documents written with correct check digits, corrupted
//! the ways OCR corrupts them, and read back.

use chrono::NaiveDate;

use super::layout::{CharClass, Layout};
use super::writer::{Doc, write};
use super::*;
use crate::model::CheckDigitField;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

const ANNA: Doc = Doc {
    code: "P",
    issuing: "UTO",
    surname: "ERIKSSON",
    given: "ANNA MARIA",
    number: "L898902C3",
    nationality: "UTO",
    birth: "740812",
    sex: 'F',
    expiry: "120415",
    optional: "ZE184226B",
    optional2: "",
};

/// Documents for every format, with fields that exercise the repairs.
fn cases() -> Vec<(DocumentFormat, Doc)> {
    vec![
        (DocumentFormat::Td3, ANNA),
        (
            DocumentFormat::Td3,
            Doc {
                code: "PD",
                issuing: "D",
                surname: "MUSTERMANN",
                given: "ERIKA",
                number: "C01X00T47",
                nationality: "D",
                birth: "640812",
                sex: 'F',
                expiry: "310801",
                optional: "",
                optional2: "",
            },
        ),
        (
            DocumentFormat::Td1,
            Doc {
                code: "I",
                number: "D23145890",
                optional: "",
                ..ANNA
            },
        ),
        (
            DocumentFormat::Td1,
            Doc {
                code: "ID",
                issuing: "ESP",
                surname: "ESPANOLA ESPANOLA",
                given: "CARMEN",
                number: "BAA000589",
                nationality: "ESP",
                birth: "800101",
                sex: 'F',
                expiry: "250101",
                optional: "99999999R",
                optional2: "",
            },
        ),
        (
            DocumentFormat::Td1,
            Doc {
                code: "I",
                number: "D23145890123",
                optional: "",
                optional2: "X1234",
                ..ANNA
            },
        ),
        (
            DocumentFormat::Td2,
            Doc {
                code: "I",
                number: "D23145890",
                optional: "",
                ..ANNA
            },
        ),
        (
            DocumentFormat::Td2,
            Doc {
                code: "AC",
                issuing: "FRA",
                surname: "DUPONT",
                given: "JEAN PIERRE",
                number: "X4RTBPFW46",
                nationality: "FRA",
                birth: "560210",
                sex: 'M',
                expiry: "300521",
                optional: "",
                optional2: "",
            },
        ),
        (
            DocumentFormat::MrvA,
            Doc {
                code: "V",
                number: "L8988901C",
                nationality: "XXX",
                birth: "400907",
                expiry: "961210",
                ..ANNA
            },
        ),
        (
            DocumentFormat::MrvB,
            Doc {
                code: "V",
                number: "L8988901C",
                nationality: "XXX",
                birth: "400907",
                expiry: "961210",
                optional: "",
                ..ANNA
            },
        ),
    ]
}

fn strs(lines: &[String]) -> Vec<&str> {
    lines.iter().map(String::as_str).collect()
}

fn read_lines(lines: &[String]) -> MrzReading {
    read(&strs(lines), today()).unwrap_or_else(|e| panic!("{lines:?}: {e}"))
}

/// Replaces `lines[line][pos]` with `to`.
fn with(lines: &[String], line: usize, pos: usize, to: char) -> Vec<String> {
    let mut out = lines.to_vec();
    let mut chars: Vec<char> = out[line].chars().collect();
    chars[pos] = to;
    out[line] = chars.into_iter().collect();
    out
}

#[test]
fn the_writer_reproduces_the_icao_specimens() {
    assert_eq!(
        write(DocumentFormat::Td3, &ANNA),
        [
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
        ]
    );
    let td1 = Doc {
        code: "I",
        number: "D23145890",
        optional: "",
        ..ANNA
    };
    assert_eq!(
        write(DocumentFormat::Td1, &td1),
        [
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
        ]
    );
    assert_eq!(
        write(DocumentFormat::Td2, &td1),
        [
            "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "D231458907UTO7408122F1204159<<<<<<<6"
        ]
    );
    let visa = Doc {
        code: "V",
        number: "L8988901C",
        nationality: "XXX",
        birth: "400907",
        expiry: "961210",
        optional: "",
        ..ANNA
    };
    assert_eq!(
        write(DocumentFormat::MrvB, &visa)[1],
        "L8988901C4XXX4009078F9612109<<<<<<<<"
    );
}

#[test]
fn generated_documents_read_back_with_every_check_valid() {
    for (format, doc) in cases() {
        let lines = write(format, &doc);
        let r = read_lines(&lines);
        assert_eq!(r.format, format);
        assert!(r.checks_valid(), "{lines:?}: {:?}", r.check_digits());
        assert!(r.repairs.is_empty(), "{lines:?}: {:?}", r.repairs);
        assert_eq!(r.value(FieldName::DocumentNumber), Some(doc.number));
        assert_eq!(r.value(FieldName::LastName), Some(doc.surname));
        assert_eq!(r.value(FieldName::FirstName), Some(doc.given));
        assert_eq!(r.value(FieldName::Nationality), Some(doc.nationality));
        assert_eq!(r.value(FieldName::IssuingCountry), Some(doc.issuing));
        assert_eq!(r.value(FieldName::IdType), Some(doc.code));
        assert_eq!(r.value(FieldName::Sex), Some(doc.sex.to_string().as_str()));
        let birth = r.value(FieldName::DateOfBirth).unwrap();
        assert_eq!(birth[2..].replace('-', ""), doc.birth, "{birth}");
        assert_eq!(r.value(FieldName::MrzCode), Some(lines.join("\n").as_str()));
        let expected_type = match format {
            DocumentFormat::Td3 => DocumentType::Passport,
            DocumentFormat::MrvA | DocumentFormat::MrvB => DocumentType::Visa,
            _ => DocumentType::IdCard,
        };
        assert_eq!(r.document_type(), expected_type);
        let checks: Vec<CheckDigitField> = r.check_digits().iter().map(|c| c.field).collect();
        let visa = matches!(format, DocumentFormat::MrvA | DocumentFormat::MrvB);
        assert_eq!(checks.contains(&CheckDigitField::Composite), !visa);
        assert_eq!(
            checks.contains(&CheckDigitField::PersonalNumber),
            format == DocumentFormat::Td3
        );
    }
}

/// Every character of `class` with a known OCR confusion, swapped.
fn class_corruptions(
    format: DocumentFormat,
    lines: &[String],
    class: CharClass,
) -> Vec<Vec<String>> {
    let classes = Layout::of(format).unwrap().classes();
    let mut out = Vec::new();
    for (l, line) in lines.iter().enumerate() {
        for (p, c) in line.chars().enumerate() {
            let to = match (class, c) {
                (CharClass::Numeric, '0') => 'O',
                (CharClass::Numeric, '1') => 'I',
                (CharClass::Numeric, '2') => 'Z',
                (CharClass::Numeric, '5') => 'S',
                (CharClass::Numeric, '6') => 'G',
                (CharClass::Numeric, '8') => 'B',
                (CharClass::Alpha, 'O') => '0',
                (CharClass::Alpha, 'I') => '1',
                (CharClass::Alpha, 'Z') => '2',
                (CharClass::Alpha, 'S') => '5',
                (CharClass::Alpha, 'G') => '6',
                (CharClass::Alpha, 'B') => '8',
                _ => continue,
            };
            if classes[l][p] == class {
                out.push(with(lines, l, p, to));
            }
        }
    }
    out
}

#[test]
fn letters_in_numeric_fields_and_digits_in_alphabetic_ones_are_repaired() {
    for (format, doc) in cases() {
        let lines = write(format, &doc);
        for class in [CharClass::Numeric, CharClass::Alpha] {
            let corrupted = class_corruptions(format, &lines, class);
            // Alone, and all at once.
            let mut all = lines.clone();
            for c in &corrupted {
                for (l, line) in c.iter().enumerate() {
                    if *line != lines[l] {
                        for (p, (a, b)) in line.chars().zip(lines[l].chars()).enumerate() {
                            if a != b {
                                all = with(&all, l, p, a);
                            }
                        }
                    }
                }
            }
            for bad in corrupted.iter().chain([&all]) {
                let r = read_lines(bad);
                assert_eq!(r.lines, lines, "from {bad:?}");
                assert!(r.checks_valid());
                assert!(r.repairs.iter().all(|x| x.kind == RepairKind::CharClass));
            }
        }
    }
}

#[test]
fn ocr_formatting_is_undone() {
    for (format, doc) in cases() {
        let lines = write(format, &doc);
        // Lower case, spaces, `«` for `<<`, `K` for `<` in the name's tail.
        let messy: Vec<String> = lines
            .iter()
            .map(|l| {
                let spaced: String = l
                    .chars()
                    .enumerate()
                    .flat_map(|(i, c)| {
                        let space = (i % 7 == 6).then_some(' ');
                        std::iter::once(c.to_ascii_lowercase()).chain(space)
                    })
                    .collect();
                spaced.replacen("<<", "«", 1)
            })
            .collect();
        assert_eq!(read_lines(&messy).lines, lines, "from {messy:?}");

        let name_line = if format == DocumentFormat::Td1 { 2 } else { 0 };
        let len = lines[name_line].len();
        let k_tail = with(&lines, name_line, len - 2, 'K');
        let r = read_lines(&k_tail);
        assert_eq!(r.lines, lines);
        assert_eq!(r.repairs[0].kind, RepairKind::FillerTail);
    }
}

#[test]
fn a_closing_filler_run_read_much_too_short_is_restored_and_nothing_else_is() {
    let truth = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ];
    let mut short: Vec<String> = truth.iter().map(|l| (*l).to_owned()).collect();
    short[0].truncate(44 - 8);
    let r = read_lines(&short);
    assert_eq!(r.lines, truth, "from {short:?}");
    assert!(r.checks_valid());
    // Eight characters missing inside a line cannot be padding.
    let mut inner = truth.map(str::to_owned).to_vec();
    inner[1] = inner[1].replacen("ZE184226", "", 1);
    assert!(
        read(
            &inner.iter().map(String::as_str).collect::<Vec<_>>(),
            today()
        )
        .is_err()
    );
}

#[test]
fn a_filler_too_many_or_too_few_is_absorbed() {
    for (format, doc) in cases() {
        let lines = write(format, &doc);
        for (l, line) in lines.iter().enumerate() {
            if line.ends_with("<<<") {
                let mut short = lines.clone();
                short[l].pop();
                let mut long = lines.clone();
                long[l].push('<');
                for bad in [short, long] {
                    let r = read_lines(&bad);
                    assert_eq!(r.lines, lines, "from {bad:?}");
                    assert!(r.checks_valid());
                    assert_eq!(r.repairs.len(), 1);
                }
            }
        }
    }
    // A run inside the line: TD3's personal number padding.
    let dropped = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<10",
    ];
    let r = read(&dropped, today()).unwrap();
    assert_eq!(r.lines[1], "L898902C36UTO7408122F1204159ZE184226B<<<<<10");
    assert!(r.checks_valid());
    assert_eq!(
        read(&["P<UTOERIKSSON", "L898902C3"], today()),
        Err(MrzError::LineLength {
            line: 1,
            len: 13,
            expected: 36
        })
    );
}

#[test]
fn a_confused_document_number_is_restored_only_when_unambiguous() {
    let mut restored = 0;
    let mut left = 0;
    for (format, doc) in cases() {
        let lines = write(format, &doc);
        let layout = Layout::of(format).unwrap();
        let span = layout.doc_number;
        for p in span.start..span.end() {
            let c = lines[span.line].as_bytes()[p];
            for &alt in super::chars::confusables(c) {
                let bad = with(&lines, span.line, p, char::from(alt));
                let r = read_lines(&bad);
                if r.lines == lines {
                    restored += 1;
                    assert!(r.checks_valid());
                    assert_eq!(r.repairs.len(), 1);
                    assert_eq!(r.repairs[0].kind, RepairKind::Confusion);
                    assert_eq!(r.value(FieldName::DocumentNumber), Some(doc.number));
                } else {
                    // Never a wrong repair: left as read, the check failing.
                    left += 1;
                    assert_eq!(r.lines, bad, "from {bad:?}");
                    let number = r.check_digits()[0].clone();
                    assert_eq!(number.field, CheckDigitField::DocumentNumber);
                    // G/6 leaves every check digit as it was: nothing to repair.
                    assert!(!number.valid || matches!(alt, b'G' | b'6'), "{bad:?}");
                }
            }
        }
    }
    eprintln!("restored {restored}, left {left}");
    assert!(restored >= 10, "restored {restored}, left {left}");
    // One worked example: the ICAO specimen with its 0 read as O.
    let r = read(
        &[
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10",
        ],
        today(),
    )
    .unwrap();
    assert_eq!(r.value(FieldName::DocumentNumber), Some("L898902C3"));
    assert!(r.checks_valid());
}

#[test]
fn a_wrong_check_digit_is_never_repaired() {
    for (format, doc) in cases() {
        let lines = write(format, &doc);
        let clean = read_lines(&lines);
        let layout = Layout::of(format).unwrap();
        let classes = layout.classes();
        for (l, line) in lines.iter().enumerate() {
            for (p, c) in line.chars().enumerate() {
                let is_check = classes[l][p] == CharClass::Numeric
                    && !layout.birth.contains(l, p)
                    && !layout.expiry.contains(l, p);
                // A long number's check digit lives in the optional data.
                let long_check = format == DocumentFormat::Td1
                    && doc.number.len() > 9
                    && l == 0
                    && p == 15 + doc.number.len() - 9;
                if !(is_check || long_check) || !c.is_ascii_digit() {
                    continue;
                }
                for d in '0'..='9' {
                    if d == c {
                        continue;
                    }
                    let bad = with(&lines, l, p, d);
                    let r = read_lines(&bad);
                    assert_eq!(r.lines, bad, "{bad:?} was changed: {:?}", r.repairs);
                    assert!(!r.checks_valid(), "{bad:?}");
                    for name in [FieldName::DocumentNumber, FieldName::DateOfBirth] {
                        assert_eq!(r.value(name), clean.value(name));
                    }
                }
            }
        }
    }
}

#[test]
fn the_lines_a_failing_check_digit_reads_are_named() {
    let lines = write(DocumentFormat::Td3, &ANNA);
    assert_eq!(lines_failing_checks(&strs(&lines)), Ok(vec![false, false]));
    // The birth date's check digit, on the second line.
    let bad = with(&lines, 1, 19, '9');
    assert_eq!(lines_failing_checks(&strs(&bad)), Ok(vec![false, true]));
    // A TD1 number on the first line: its check digit and the composite,
    // which covers the first two lines, fail.
    let td1 = Doc {
        code: "I",
        number: "D23145890",
        optional: "",
        ..ANNA
    };
    let lines = write(DocumentFormat::Td1, &td1);
    assert_eq!(
        lines_failing_checks(&strs(&lines)),
        Ok(vec![false, false, false])
    );
    let bad = with(&lines, 0, 6, '7');
    assert_eq!(
        lines_failing_checks(&strs(&bad)),
        Ok(vec![true, true, false])
    );
    assert!(lines_failing_checks(&["P<UTO", "L898"]).is_err());
}

#[test]
fn numeric_fields_are_never_repaired_through_check_digits() {
    let lines = write(DocumentFormat::Td3, &ANNA);
    // 740812 read as 746812: a digit for a digit.
    let bad = with(&lines, 1, 15, '6');
    let r = read_lines(&bad);
    assert_eq!(r.lines, bad);
    // Month 68 is no month: the value stays as read, with no normalised date.
    assert_eq!(r.reading.fields[&FieldName::DateOfBirth].normalized, None);
    let birth = r
        .check_digits()
        .iter()
        .find(|c| c.field == CheckDigitField::DateOfBirth)
        .unwrap();
    assert!(!birth.valid);
    assert_eq!(r.reading.fields[&FieldName::DateOfBirth].value, "746812");
    assert!(r.reading.fields[&FieldName::DateOfBirth].confidence < 50.0);
}

#[test]
fn garbage_is_an_error_never_a_panic() {
    for lines in [
        vec![],
        vec![""],
        vec!["<<<"],
        vec!["a", "b", "c", "d"],
        vec!["P<UTO", "123"],
        vec!["«««««««««««««««««««««", "«««««««««««««««««««««"],
        vec![
            "ÄÖÜ€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€",
            "ÄÖÜ€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€",
        ],
    ] {
        let _ = read(&lines, today());
    }
    assert_eq!(read(&[], today()), Err(MrzError::Empty));
    assert_eq!(
        read(&["a", "b", "c", "d"], today()),
        Err(MrzError::LineCount(4))
    );
}

#[test]
fn random_ocr_noise_never_panics() {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<<<<<K kc(";
    let mut state = 0x9e37_79b9_u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as usize
    };
    let specimen = write(DocumentFormat::Td1, &cases()[2].1);
    for _ in 0..3000 {
        let count = 1 + next() % 3;
        let mut lines: Vec<String> = (0..count)
            .map(|_| {
                let len = 26 + next() % 22;
                (0..len)
                    .map(|_| char::from(ALPHABET[next() % ALPHABET.len()]))
                    .collect()
            })
            .collect();
        if next() % 2 == 0 {
            // A real MRZ with a few characters damaged, dropped or doubled.
            lines = specimen.clone();
            for _ in 0..(1 + next() % 4) {
                let l = next() % lines.len();
                let mut chars: Vec<char> = lines[l].chars().collect();
                let p = next() % chars.len();
                match next() % 3 {
                    0 => chars[p] = char::from(ALPHABET[next() % ALPHABET.len()]),
                    1 => {
                        chars.remove(p);
                    }
                    _ => chars.insert(p, '<'),
                }
                lines[l] = chars.into_iter().collect();
            }
        }
        let strs: Vec<&str> = lines.iter().map(String::as_str).collect();
        if let Ok(r) = read(&strs, today()) {
            let _ = r.analysis(today());
        }
        let _ = find_lines(&strs);
    }
}

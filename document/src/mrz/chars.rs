//! MRZ characters: normalising OCR text, ICAO 9303 check digits, and the
//! character confusions OCR makes.

/// The filler character.
pub const FILLER: u8 = b'<';

/// ICAO 9303's weights, repeated over the field.
const WEIGHTS: [u32; 3] = [7, 3, 1];

/// The value of an MRZ character: digits are themselves, `A`=10 … `Z`=35,
/// `<`=0; `None` outside the MRZ alphabet.
pub fn char_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        FILLER => Some(0),
        _ => None,
    }
}

/// The weight of position `index` of a checked field.
pub fn weight(index: usize) -> u32 {
    WEIGHTS[index % 3]
}

/// The ICAO 9303 check digit (7-3-1 weights, modulo 10) of `field`, as an
/// ASCII digit; `None` when the field holds a character outside the MRZ
/// alphabet.
pub fn check_digit(field: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (i, &c) in field.iter().enumerate() {
        sum += char_value(c)? * weight(i);
    }
    // `sum % 10` is below 10, so the cast cannot truncate.
    Some(b'0' + (sum % 10) as u8)
}

/// One OCR line as MRZ characters: upper case, whitespace dropped, `«`
/// read as two fillers, anything else outside `[A-Z0-9<]` read as a filler
/// (OCR reads `<` as `(`, `{`, `‹`, `\u{2039}`…).
pub fn normalize_line(raw: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            c if c.is_whitespace() => {}
            '«' => out.extend_from_slice(b"<<"),
            c if c.is_ascii_alphanumeric() => out.push(c.to_ascii_uppercase() as u8),
            _ => out.push(FILLER),
        }
    }
    out
}

/// The digit OCR most likely misread as `c` in a numeric position.
pub fn letter_to_digit(c: u8) -> Option<u8> {
    match c {
        b'O' | b'Q' | b'D' | b'U' => Some(b'0'),
        b'I' | b'L' | b'J' => Some(b'1'),
        b'Z' => Some(b'2'),
        b'S' => Some(b'5'),
        b'G' => Some(b'6'),
        b'T' => Some(b'7'),
        b'B' => Some(b'8'),
        _ => None,
    }
}

/// The letter OCR most likely misread as `c` in an alphabetic position.
pub fn digit_to_letter(c: u8) -> Option<u8> {
    match c {
        b'0' => Some(b'O'),
        b'1' => Some(b'I'),
        b'2' => Some(b'Z'),
        b'5' => Some(b'S'),
        b'6' => Some(b'G'),
        b'8' => Some(b'B'),
        _ => None,
    }
}

/// What `c` may have been before OCR confused it, in a position that holds
/// letters and digits alike (O/0, D/0, I/1, B/8, S/5, Z/2, G/6).
pub fn confusables(c: u8) -> &'static [u8] {
    match c {
        b'0' => b"OD",
        b'O' | b'D' => b"0",
        b'1' => b"I",
        b'I' => b"1",
        b'8' => b"B",
        b'B' => b"8",
        b'5' => b"S",
        b'S' => b"5",
        b'2' => b"Z",
        b'Z' => b"2",
        b'6' => b"G",
        b'G' => b"6",
        _ => b"",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_follow_icao_9303() {
        // ICAO 9303 part 3's worked examples.
        assert_eq!(check_digit(b"520727"), Some(b'3'));
        assert_eq!(check_digit(b"L898902C3"), Some(b'6'));
        assert_eq!(check_digit(b"740812"), Some(b'2'));
        assert_eq!(check_digit(b"120415"), Some(b'9'));
        assert_eq!(check_digit(b"ZE184226B<<<<<"), Some(b'1'));
        assert_eq!(check_digit(b"AB2134<<<"), Some(b'5'));
        assert_eq!(check_digit(b"<<<<<<"), Some(b'0'));
        assert_eq!(check_digit(b"ab"), None);
    }

    #[test]
    fn ocr_text_is_normalised() {
        assert_eq!(
            normalize_line("p<uto eriksson«anna"),
            b"P<UTOERIKSSON<<ANNA".to_vec()
        );
        assert_eq!(normalize_line("I(UTO"), b"I<UTO".to_vec());
    }

    #[test]
    fn every_confusion_goes_both_ways_or_to_zero() {
        for c in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" {
            for &alt in confusables(*c) {
                assert!(
                    confusables(alt).contains(c),
                    "{} <-> {}",
                    *c as char,
                    alt as char
                );
            }
        }
    }

    #[test]
    fn no_single_confusion_shifts_a_check_digit_by_five() {
        // The repair relies on this: a printed check digit that is off by
        // five cannot be explained away by one confusion (see repair.rs).
        for c in b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" {
            for &alt in confusables(*c) {
                for w in WEIGHTS {
                    let diff = char_value(alt).unwrap() as i64 - char_value(*c).unwrap() as i64;
                    assert_ne!((diff * w as i64).rem_euclid(10), 5);
                }
            }
        }
    }
}

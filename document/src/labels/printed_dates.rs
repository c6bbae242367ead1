//! Dates as they are printed next to labels: `1 JAN 1981`, `01 JAN 1981`,
//! `JAN 01 1981`, `01/01/1981`, `1981-01-01`, and bilingual forms such as
//! `12 AUG/AOÛT 1974`.

use chrono::NaiveDate;

/// The month a (three-letter or full English) month name names.
fn month(token: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    const FULL: [&str; 12] = [
        "JANUARY",
        "FEBRUARY",
        "MARCH",
        "APRIL",
        "MAY",
        "JUNE",
        "JULY",
        "AUGUST",
        "SEPTEMBER",
        "OCTOBER",
        "NOVEMBER",
        "DECEMBER",
    ];
    let upper = token.to_uppercase();
    let upper = if upper == "SEPT" {
        "SEP".to_owned()
    } else {
        upper
    };
    MONTHS
        .iter()
        .zip(FULL)
        .position(|(short, full)| upper == *short || upper == full)
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// A token whose spaces the OCR lost (`1JAN1981`, or `M1JAN1981` with the
/// sex printed beside the date) split into its letter and digit runs, when
/// one of the letter runs is a month; any other token as it is.
fn split_run_together(token: &str) -> Vec<&str> {
    let mut runs = Vec::new();
    let mut start = 0;
    let mut previous: Option<bool> = None;
    for (i, c) in token.char_indices() {
        let digit = c.is_ascii_digit();
        if previous.is_some_and(|p| p != digit) {
            runs.push(&token[start..i]);
            start = i;
        }
        previous = Some(digit);
    }
    runs.push(&token[start..]);
    if runs.len() > 1 && runs.iter().any(|r| month(r).is_some()) {
        runs
    } else {
        vec![token]
    }
}

/// A printed date with a four-digit year. All-numeric dates are read
/// year-month-day when the year comes first, else month/day/year (the US
/// order) unless the first number cannot be a month, then day/month/year.
pub fn parse_printed_date(text: &str) -> Option<NaiveDate> {
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, '/' | '-' | '.' | ','))
        .filter(|t| !t.is_empty())
        .flat_map(split_run_together)
        .collect();
    let mut numbers: Vec<&str> = Vec::new();
    let mut month_name = None;
    for token in &tokens {
        if token.bytes().all(|c| c.is_ascii_digit()) {
            numbers.push(token);
        } else if let Some(m) = month(token) {
            month_name.get_or_insert(m);
        } else if token.chars().any(|c| c.is_ascii_digit()) {
            // `1981A`: not a date.
            return None;
        }
        // Other words (a second language's month name) are ignored.
    }
    let num = |t: &str| t.parse::<u32>().ok();
    let year_of = |t: &str| (t.len() == 4).then(|| t.parse::<i32>().ok()).flatten();
    match (month_name, numbers.as_slice()) {
        (Some(m), [a, b]) => {
            if let Some(y) = year_of(b) {
                NaiveDate::from_ymd_opt(y, m, num(a)?)
            } else {
                NaiveDate::from_ymd_opt(year_of(a)?, m, num(b)?)
            }
        }
        (None, [a, b, c]) => {
            if let Some(y) = year_of(a) {
                return NaiveDate::from_ymd_opt(y, num(b)?, num(c)?);
            }
            let y = year_of(c)?;
            let (a, b) = (num(a)?, num(b)?);
            if a > 12 {
                NaiveDate::from_ymd_opt(y, b, a)
            } else {
                NaiveDate::from_ymd_opt(y, a, b)
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn the_usual_forms_parse() {
        for text in [
            "1 JAN 1981",
            "01 JAN 1981",
            "JAN 01 1981",
            "Jan 1, 1981",
            "01/01/1981",
            "1981-01-01",
            "01 JANUARY 1981",
        ] {
            assert_eq!(parse_printed_date(text), date(1981, 1, 1), "{text}");
        }
        assert_eq!(parse_printed_date("29 NOV 2019"), date(2019, 11, 29));
        assert_eq!(parse_printed_date("12 AUG/AOUT 1974"), date(1974, 8, 12));
        assert_eq!(parse_printed_date("12/31/1990"), date(1990, 12, 31));
        assert_eq!(parse_printed_date("31/12/1990"), date(1990, 12, 31));
        assert_eq!(parse_printed_date("02/03/1990"), date(1990, 2, 3));
        assert_eq!(parse_printed_date("5 SEPT 2001"), date(2001, 9, 5));
        // Spaces lost by the OCR, and the sex printed just before the date.
        assert_eq!(parse_printed_date("1JAN1981"), date(1981, 1, 1));
        assert_eq!(parse_printed_date("M1JAN1981"), date(1981, 1, 1));
        assert_eq!(parse_printed_date("29NOV 2019"), date(2019, 11, 29));
    }

    #[test]
    fn other_text_is_not_a_date() {
        for text in [
            "M-6131821-07",
            "1-02781-0",
            "TRAVELER",
            "31 FEB 1990",
            "1 JAN 81",
            "",
            "C03005988",
            "1981A",
            "A1B2C3",
        ] {
            assert_eq!(parse_printed_date(text), None, "{text}");
        }
    }
}

//! Dates as documents print them: ICAO's two-digit years resolved against
//! the analysis date, AAMVA's eight-digit forms, and whole years of age.

use chrono::{Datelike, NaiveDate};

/// What a date is, which decides the century of a two-digit year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateRole {
    /// A birth date or an issue date: never after the analysis date.
    Past,
    /// An expiry date: the century that puts it nearest to the analysis date,
    /// so within 50 years either side.
    Expiry,
}

/// A `YYMMDD` date with its century resolved against `today`; `None` when
/// it is not six digits or not a calendar date.
///
/// A birth date takes the latest century that does not put it after
/// `today` (`740812` → 1974-08-12, `100101` → 2010-01-01 in 2026); an
/// expiry date takes the century nearest to `today` (`961210` → 1996-12-10,
/// `410101` → 2041-01-01 in 2026).
pub fn resolve_yymmdd(text: &str, role: DateRole, today: NaiveDate) -> Option<NaiveDate> {
    let digits = six_digits(text)?;
    let (yy, month, day) = (digits[0], digits[1], digits[2]);
    let century = today.year().div_euclid(100) * 100;
    let candidates = [century - 100, century, century + 100]
        .into_iter()
        .filter_map(|c| NaiveDate::from_ymd_opt(c + yy as i32, month, day));
    match role {
        DateRole::Past => candidates.filter(|d| *d <= today).max(),
        DateRole::Expiry => candidates.min_by_key(|d| (*d - today).num_days().abs()),
    }
}

fn six_digits(text: &str) -> Option<[u32; 3]> {
    let bytes = text.as_bytes();
    if bytes.len() != 6 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let pair = |i: usize| u32::from(bytes[i] - b'0') * 10 + u32::from(bytes[i + 1] - b'0');
    Some([pair(0), pair(2), pair(4)])
}

/// The order of an eight-digit date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EightDigitOrder {
    /// `MMDDCCYY`, the US order.
    MonthDayYear,
    /// `CCYYMMDD`, the Canadian (and ISO) order.
    YearMonthDay,
}

/// An eight-digit date in `order`, falling back to the other order when the
/// preferred one is not a calendar date (a year such as `19…` or `20…` is
/// never a month, so the two orders rarely both parse).
pub fn parse_eight_digits(text: &str, order: EightDigitOrder) -> Option<NaiveDate> {
    let text = text.trim();
    let bytes = text.as_bytes();
    if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |from: usize, to: usize| text.get(from..to)?.parse::<u32>().ok();
    let mdy = || NaiveDate::from_ymd_opt(num(4, 8)? as i32, num(0, 2)?, num(2, 4)?);
    let ymd = || NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(4, 6)?, num(6, 8)?);
    match order {
        EightDigitOrder::MonthDayYear => mdy().or_else(ymd),
        EightDigitOrder::YearMonthDay => ymd().or_else(mdy),
    }
}

/// Whole years from `birth` to `on`; `None` when `birth` is after `on`.
pub fn age_years(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    if birth > on {
        return None;
    }
    let mut years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).ok()
}

/// A normalised (ISO 8601) date.
pub fn parse_iso(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn birth_dates_are_never_in_the_future() {
        let today = date(2026, 5, 1);
        assert_eq!(
            resolve_yymmdd("740812", DateRole::Past, today),
            Some(date(1974, 8, 12))
        );
        assert_eq!(
            resolve_yymmdd("100101", DateRole::Past, today),
            Some(date(2010, 1, 1))
        );
        assert_eq!(
            resolve_yymmdd("260501", DateRole::Past, today),
            Some(date(2026, 5, 1))
        );
        assert_eq!(
            resolve_yymmdd("260502", DateRole::Past, today),
            Some(date(1926, 5, 2))
        );
    }

    #[test]
    fn expiry_dates_take_the_century_nearest_today() {
        let today = date(2026, 5, 1);
        assert_eq!(
            resolve_yymmdd("961210", DateRole::Expiry, today),
            Some(date(1996, 12, 10))
        );
        assert_eq!(
            resolve_yymmdd("410101", DateRole::Expiry, today),
            Some(date(2041, 1, 1))
        );
        assert_eq!(
            resolve_yymmdd("120415", DateRole::Expiry, today),
            Some(date(2012, 4, 15))
        );
    }

    #[test]
    fn impossible_dates_are_none() {
        let today = date(2026, 5, 1);
        assert_eq!(resolve_yymmdd("741312", DateRole::Past, today), None);
        assert_eq!(resolve_yymmdd("74081", DateRole::Past, today), None);
        assert_eq!(resolve_yymmdd("74O812", DateRole::Past, today), None);
        // 29 February only in leap years: 2000 yes, 1900 no.
        assert_eq!(
            resolve_yymmdd("000229", DateRole::Past, today),
            Some(date(2000, 2, 29))
        );
    }

    #[test]
    fn eight_digit_dates_fall_back_to_the_other_order() {
        use EightDigitOrder::*;
        assert_eq!(
            parse_eight_digits("09161990", MonthDayYear),
            Some(date(1990, 9, 16))
        );
        assert_eq!(
            parse_eight_digits("19900916", MonthDayYear),
            Some(date(1990, 9, 16))
        );
        assert_eq!(
            parse_eight_digits("19900916", YearMonthDay),
            Some(date(1990, 9, 16))
        );
        assert_eq!(parse_eight_digits("0916199", YearMonthDay), None);
        assert_eq!(parse_eight_digits("99999999", YearMonthDay), None);
    }

    #[test]
    fn ages_count_whole_years() {
        assert_eq!(age_years(date(1974, 8, 12), date(2026, 8, 11)), Some(51));
        assert_eq!(age_years(date(1974, 8, 12), date(2026, 8, 12)), Some(52));
        assert_eq!(age_years(date(2030, 1, 1), date(2026, 8, 12)), None);
    }
}

//! Picking the MRZ out of every text line OCR read on a page.

use super::chars::{FILLER, normalize_line};
use super::parse::parse;

/// The MRZ lines found among a page's text lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundLines {
    /// Indices of the chosen lines in the candidates, in order.
    pub indices: Vec<usize>,
    /// The chosen lines, normalised (upper case, no spaces); pass them to
    /// [`super::read`].
    pub lines: Vec<String>,
}

impl FoundLines {
    /// The lines as `&str`, as [`super::read`] takes them.
    pub fn as_strs(&self) -> Vec<&str> {
        self.lines.iter().map(String::as_str).collect()
    }
}

/// Picks the MRZ lines from `candidates` (every text line of a page, in
/// reading order): runs of two or three consecutive lines that look like
/// MRZ lines (26 to 48 characters of `[A-Z0-9<]` once spaces are dropped,
/// with fillers or many digits), scored by how many check digits hold once
/// parsed, then by fillers; the later run wins a tie, as the MRZ is at the
/// bottom of the page. `None` when no run parses as an MRZ.
pub fn find_lines(candidates: &[&str]) -> Option<FoundLines> {
    let looks: Vec<bool> = candidates.iter().map(|c| looks_like_mrz(c)).collect();
    let mut best: Option<((usize, usize), Vec<usize>)> = None;
    for size in [2usize, 3] {
        for start in 0..candidates.len().saturating_sub(size - 1) {
            let window: Vec<usize> = (start..start + size).collect();
            if !window.iter().all(|&i| looks[i]) {
                continue;
            }
            let lines: Vec<&str> = window.iter().map(|&i| candidates[i]).collect();
            let Ok(parsed) = parse(&lines) else {
                continue;
            };
            let valid = parsed.checks.iter().filter(|c| c.valid).count();
            let fillers = parsed
                .lines
                .iter()
                .flatten()
                .filter(|&&c| c == FILLER)
                .count();
            let score = (valid, fillers);
            if best.as_ref().is_none_or(|(s, _)| score >= *s) {
                best = Some((score, window));
            }
        }
    }
    let (_, indices) = best?;
    let lines = indices
        .iter()
        .map(|&i| String::from_utf8_lossy(&normalize_line(candidates[i])).into_owned())
        .collect();
    Some(FoundLines { indices, lines })
}

/// Whether a text line could be an MRZ line.
fn looks_like_mrz(text: &str) -> bool {
    let compact: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let len = normalize_line(text).len();
    if !(26..=48).contains(&len) {
        return false;
    }
    let mrz_chars = compact
        .iter()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '<' | '«'))
        .count();
    let fillers = compact.iter().filter(|c| matches!(c, '<' | '«')).count();
    let digits = compact.iter().filter(|c| c.is_ascii_digit()).count();
    let lowercase = compact.iter().filter(|c| c.is_lowercase()).count();
    mrz_chars * 10 >= compact.len() * 9
        && lowercase * 4 <= compact.len()
        && (fillers >= 1 || digits >= 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mrz_is_picked_out_of_a_page() {
        let page = [
            "PASSPORT  PASSEPORT  UTOPIA",
            "Surname / Nom",
            "ERIKSSON",
            "Given names / Prénoms",
            "ANNA MARIA",
            "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
        ];
        let found = find_lines(&page).unwrap();
        assert_eq!(found.indices, vec![5, 6]);
        assert_eq!(
            found.lines[1],
            "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
        );
    }

    #[test]
    fn a_td1_wins_over_two_of_its_lines() {
        let page = [
            "I<UTOD231458907<<<<<<<<<<<<<<<",
            "7408122F1204159UTO<<<<<<<<<<<6",
            "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
            "signature",
        ];
        assert_eq!(find_lines(&page).unwrap().indices, vec![0, 1, 2]);
    }

    #[test]
    fn pages_without_an_mrz_find_nothing() {
        assert_eq!(
            find_lines(&["UNITED STATES OF AMERICA", "PASSPORT CARD"]),
            None
        );
        assert_eq!(find_lines(&[]), None);
        assert_eq!(
            find_lines(&[
                "The quick brown fox jumps over the lazy dog",
                "and again and again"
            ]),
            None
        );
    }
}

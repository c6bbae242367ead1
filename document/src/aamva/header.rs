//! The AAMVA file header: compliance indicator, separators, file type,
//! IIN, versions, and the subfile directory.

use serde::{Deserialize, Serialize};

use super::AamvaError;

/// How far into the payload the file type may start (after the compliance
/// indicator and separators, which decoders mangle).
const FILE_TYPE_WINDOW: usize = 32;

/// The file type a payload declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileType {
    /// `ANSI ` (every standard version).
    Ansi,
    /// `AAMVA` (cards printed before the 2000 standard).
    Aamva,
}

/// One entry of the subfile directory, as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Designator {
    /// `DL`, `ID` or a jurisdiction's `Z?`.
    pub kind: String,
    /// Declared offset of the subfile from the start of the payload.
    pub offset: usize,
    /// Declared length.
    pub length: usize,
}

/// The header as declared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub file_type: FileType,
    /// The six-digit issuer identification number.
    pub iin: u32,
    /// The AAMVA version (1 = DL/ID-2000 … 10 = 2020).
    pub version: u8,
    /// The jurisdiction's own version (absent before version 2).
    pub jurisdiction_version: Option<u8>,
    /// The declared number of subfiles.
    pub entries: u8,
    /// The subfile directory (only the entries that could be read).
    pub designators: Vec<Designator>,
    /// Where the directory ends, i.e. where subfile data may begin.
    pub data_start: usize,
}

/// A cursor over the header bytes.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize, field: &'static str) -> Result<u32, AamvaError> {
        let slice = self
            .bytes
            .get(self.pos..self.pos + n)
            .ok_or(AamvaError::Truncated { what: field })?;
        if !slice.iter().all(u8::is_ascii_digit) {
            return Err(AamvaError::BadHeader {
                field,
                value: String::from_utf8_lossy(slice).into_owned(),
            });
        }
        self.pos += n;
        Ok(slice
            .iter()
            .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0')))
    }
}

/// Reads the header of `payload`.
pub fn parse_header(payload: &[u8]) -> Result<Header, AamvaError> {
    let (file_type, after) = find_file_type(payload)?;
    let mut cursor = Cursor {
        bytes: payload,
        pos: after,
    };
    let iin = cursor.digits(6, "issuer identification number")?;
    let version = u8::try_from(cursor.digits(2, "AAMVA version")?).unwrap_or(u8::MAX);
    let after_version = cursor.pos;
    // Version 2 added the jurisdiction version; read both ways and keep the
    // one whose directory reads, as some encoders get this wrong.
    let with = read_rest(payload, after_version, true);
    let without = read_rest(payload, after_version, false);
    let prefer_with = version >= 2;
    let (jurisdiction_version, entries, designators, data_start) = match (with, without) {
        (Ok(a), Ok(b)) => {
            if (a.2.len(), prefer_with) >= (b.2.len(), !prefer_with) {
                a
            } else {
                b
            }
        }
        (Ok(a), Err(_)) => a,
        (Err(_), Ok(b)) => b,
        (Err(e), Err(_)) => return Err(e),
    };
    Ok(Header {
        file_type,
        iin,
        version,
        jurisdiction_version,
        entries,
        designators,
        data_start,
    })
}

type Rest = (Option<u8>, u8, Vec<Designator>, usize);

/// Jurisdiction version (when `with_jurisdiction`), number of entries and the
/// directory entries that read.
fn read_rest(payload: &[u8], at: usize, with_jurisdiction: bool) -> Result<Rest, AamvaError> {
    let mut cursor = Cursor {
        bytes: payload,
        pos: at,
    };
    let jurisdiction = if with_jurisdiction {
        Some(u8::try_from(cursor.digits(2, "jurisdiction version")?).unwrap_or(u8::MAX))
    } else {
        None
    };
    let entries = u8::try_from(cursor.digits(2, "number of entries")?).unwrap_or(u8::MAX);
    let mut designators = Vec::new();
    for _ in 0..entries {
        let Some(kind) = payload.get(cursor.pos..cursor.pos + 2) else {
            break;
        };
        if !(kind[0].is_ascii_uppercase() && kind[1].is_ascii_alphanumeric()) {
            break;
        }
        let kind = String::from_utf8_lossy(kind).into_owned();
        cursor.pos += 2;
        let (Ok(offset), Ok(length)) = (
            cursor.digits(4, "subfile offset"),
            cursor.digits(4, "subfile length"),
        ) else {
            cursor.pos -= 2;
            break;
        };
        designators.push(Designator {
            kind,
            offset: offset as usize,
            length: length as usize,
        });
    }
    Ok((jurisdiction, entries, designators, cursor.pos))
}

/// The file type and the position after it.
fn find_file_type(payload: &[u8]) -> Result<(FileType, usize), AamvaError> {
    let window = &payload[..payload.len().min(FILE_TYPE_WINDOW)];
    for (needle, file_type) in [(&b"ANSI"[..], FileType::Ansi), (b"AAMVA", FileType::Aamva)] {
        if let Some(at) = window.windows(needle.len()).position(|w| w == needle) {
            let mut after = at + needle.len();
            if file_type == FileType::Ansi && payload.get(after) == Some(&b' ') {
                after += 1;
            }
            return Ok((file_type, after));
        }
    }
    // A payload cut inside its file type is truncated, not foreign.
    let body: &[u8] = {
        let start = window
            .iter()
            .position(|c| !matches!(c, b'@' | b'\n' | b'\r' | 0x1e | b' '))
            .unwrap_or(window.len());
        &window[start..]
    };
    let started = payload.first() == Some(&b'@') || !body.is_empty();
    if started
        && payload.len() < FILE_TYPE_WINDOW
        && (b"ANSI".starts_with(body) || b"AAMVA".starts_with(body))
    {
        return Err(AamvaError::Truncated { what: "file type" });
    }
    Err(AamvaError::NotAamva)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_standard_header_reads() {
        let h = parse_header(b"@\n\x1e\rANSI 636023090102DL00410317ZO03580057DLDBA").unwrap();
        assert_eq!(h.file_type, FileType::Ansi);
        assert_eq!(
            (h.iin, h.version, h.jurisdiction_version, h.entries),
            (636023, 9, Some(1), 2)
        );
        assert_eq!(h.designators.len(), 2);
        assert_eq!(h.designators[1].kind, "ZO");
        assert_eq!(h.designators[1].offset, 358);
        assert_eq!(h.data_start, 41);
    }

    #[test]
    fn version_one_has_no_jurisdiction_version() {
        let h = parse_header(b"@\n\x1e\rANSI 6360000101DL00290100DLDAQ").unwrap();
        assert_eq!((h.version, h.jurisdiction_version, h.entries), (1, None, 1));
        assert_eq!(h.designators[0].offset, 29);
    }

    #[test]
    fn foreign_and_cut_payloads_are_told_apart() {
        assert_eq!(
            parse_header(b"hello world, this is not a licence"),
            Err(AamvaError::NotAamva)
        );
        assert_eq!(
            parse_header(b"@\n\x1e\rAN"),
            Err(AamvaError::Truncated { what: "file type" })
        );
        assert_eq!(
            parse_header(b"@\n\x1e\rANSI 6360"),
            Err(AamvaError::Truncated {
                what: "issuer identification number"
            })
        );
        assert!(matches!(
            parse_header(b"@\n\x1e\rANSI 63X023090102"),
            Err(AamvaError::BadHeader { .. })
        ));
    }
}

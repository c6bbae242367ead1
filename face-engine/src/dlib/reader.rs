//! The primitives of dlib's binary serialisation (`dlib/serialize.h`).
//!
//! - Integers: one control byte — low nibble the number of payload bytes
//!   (1..=8), bit 7 the sign for signed types — then the magnitude in
//!   little-endian order.
//! - Floating point: a `float_details` pair, an `int64` mantissa and an
//!   `int16` exponent, value `mantissa * 2^exponent`; exponents 32000, 32001
//!   and 32002 stand for +inf, -inf and NaN.
//! - Strings and byte vectors: an unsigned length, then the raw bytes.
//! - `bool`: the ASCII byte `'1'` or `'0'`.
//! - `matrix<T>`: rows and columns as signed integers (negative in the newer
//!   format), then the elements row by row.
//!
//! The reader works over a byte slice, never panics, and reports the byte
//! offset of every failure.

use thiserror::Error;

/// Why a dlib stream could not be read, with the byte offset it happened at.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FormatError {
    #[error("unexpected end of data at byte {offset} while reading {what}")]
    Truncated { offset: usize, what: &'static str },
    #[error("invalid {what} at byte {offset}: {detail}")]
    Invalid {
        offset: usize,
        what: &'static str,
        detail: String,
    },
}

/// Exponent values `float_details` reserves for special values.
const EXP_INF: i64 = 32000;
const EXP_NEG_INF: i64 = 32001;
const EXP_NAN: i64 = 32002;

/// A cursor over a dlib-serialised byte stream.
#[derive(Debug, Clone)]
pub struct DlibReader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> DlibReader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, offset: 0 }
    }

    /// Byte offset of the next unread byte.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Bytes left to read.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.offset
    }

    pub fn is_at_end(&self) -> bool {
        self.remaining() == 0
    }

    /// An `Invalid` error at the current offset.
    pub fn invalid(&self, what: &'static str, detail: impl Into<String>) -> FormatError {
        FormatError::Invalid {
            offset: self.offset,
            what,
            detail: detail.into(),
        }
    }

    pub fn read_u8(&mut self, what: &'static str) -> Result<u8, FormatError> {
        let byte = *self.bytes.get(self.offset).ok_or(FormatError::Truncated {
            offset: self.offset,
            what,
        })?;
        self.offset += 1;
        Ok(byte)
    }

    /// Looks at the next byte without consuming it.
    pub fn peek_u8(&self) -> Option<u8> {
        self.bytes.get(self.offset).copied()
    }

    pub fn read_bytes(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], FormatError> {
        let end = self
            .offset
            .checked_add(len)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(FormatError::Truncated {
                offset: self.offset,
                what,
            })?;
        let slice = &self.bytes[self.offset..end];
        self.offset = end;
        Ok(slice)
    }

    /// A signed integer of any width up to 64 bits.
    pub fn read_i64(&mut self, what: &'static str) -> Result<i64, FormatError> {
        let start = self.offset;
        let control = self.read_u8(what)?;
        let negative = control & 0x80 != 0;
        let size = usize::from(control & 0x0F);
        if size == 0 || size > 8 {
            return Err(FormatError::Invalid {
                offset: start,
                what,
                detail: format!("integer control byte {control:#04x}"),
            });
        }
        let magnitude = self
            .read_bytes(size, what)?
            .iter()
            .rev()
            .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
        // dlib stores the magnitude of a signed value, so it fits an i64
        // unless the stream is corrupt.
        let value = i64::try_from(magnitude).map_err(|_| FormatError::Invalid {
            offset: start,
            what,
            detail: "signed integer out of range".into(),
        })?;
        Ok(if negative { -value } else { value })
    }

    /// An unsigned integer (`unsigned long`, `uint64`, ...).
    pub fn read_u64(&mut self, what: &'static str) -> Result<u64, FormatError> {
        let start = self.offset;
        let control = self.read_u8(what)? & 0x8F;
        let size = usize::from(control);
        if size == 0 || size > 8 {
            return Err(FormatError::Invalid {
                offset: start,
                what,
                detail: format!("unsigned integer control byte {control:#04x}"),
            });
        }
        Ok(self
            .read_bytes(size, what)?
            .iter()
            .rev()
            .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte)))
    }

    /// An unsigned integer used as a count or size, bounded by `max` so a
    /// corrupt stream cannot ask for an absurd allocation.
    pub fn read_len(&mut self, max: usize, what: &'static str) -> Result<usize, FormatError> {
        let start = self.offset;
        let value = self.read_u64(what)?;
        usize::try_from(value)
            .ok()
            .filter(|len| *len <= max)
            .ok_or(FormatError::Invalid {
                offset: start,
                what,
                detail: format!("length {value} exceeds the limit {max}"),
            })
    }

    /// A signed integer expected to lie in `range`.
    pub fn read_i64_in(
        &mut self,
        range: std::ops::RangeInclusive<i64>,
        what: &'static str,
    ) -> Result<i64, FormatError> {
        let start = self.offset;
        let value = self.read_i64(what)?;
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(FormatError::Invalid {
                offset: start,
                what,
                detail: format!("{value} is outside {range:?}"),
            })
        }
    }

    /// A floating point number in dlib's `float_details` form, as `f64`.
    pub fn read_f64(&mut self, what: &'static str) -> Result<f64, FormatError> {
        if let Some(first) = self.peek_u8()
            && first & 0x70 != 0
        {
            // Streams older than dlib 18.x wrote floats as ASCII text; no
            // model riv uses is that old.
            return Err(self.invalid(what, "legacy ASCII floating point format"));
        }
        let mantissa = self.read_i64(what)?;
        let exponent = self.read_i64_in(-32768..=32767, what)?;
        Ok(match exponent {
            EXP_INF => f64::INFINITY,
            EXP_NEG_INF => f64::NEG_INFINITY,
            EXP_NAN => f64::NAN,
            // The mantissa has at most 63 significant bits, so the product is
            // exact whenever the result is representable.
            exp => (mantissa as f64) * 2f64.powi(exp as i32),
        })
    }

    /// A floating point number narrowed to `f32`, as dlib does when it
    /// deserialises into a `float`.
    pub fn read_f32(&mut self, what: &'static str) -> Result<f32, FormatError> {
        Ok(self.read_f64(what)? as f32)
    }

    /// `bool`: the ASCII digit `'1'` or `'0'`.
    pub fn read_bool(&mut self, what: &'static str) -> Result<bool, FormatError> {
        let start = self.offset;
        match self.read_u8(what)? {
            b'1' => Ok(true),
            b'0' => Ok(false),
            other => Err(FormatError::Invalid {
                offset: start,
                what,
                detail: format!("boolean byte {other:#04x}"),
            }),
        }
    }

    /// `std::string`: a length, then the bytes (taken as UTF-8, lossily).
    pub fn read_string(
        &mut self,
        max_len: usize,
        what: &'static str,
    ) -> Result<String, FormatError> {
        let len = self.read_len(max_len, what)?;
        let bytes = self.read_bytes(len, what)?;
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }

    /// Reads a string and checks it equals `expected` (dlib's layer and
    /// object tags, e.g. `"con_"`).
    pub fn expect_tag(&mut self, expected: &str, what: &'static str) -> Result<(), FormatError> {
        let start = self.offset;
        let tag = self.read_string(256, what)?;
        if tag == expected {
            Ok(())
        } else {
            Err(FormatError::Invalid {
                offset: start,
                what,
                detail: format!("expected tag {expected:?}, found {tag:?}"),
            })
        }
    }

    /// A `dlib::matrix` of floating point values; returns (rows, cols, data
    /// in row-major order). `max_elems` bounds the allocation.
    pub fn read_matrix_f32(
        &mut self,
        max_elems: usize,
        what: &'static str,
    ) -> Result<Matrix, FormatError> {
        let start = self.offset;
        let rows = self.read_i64(what)?.unsigned_abs();
        let cols = self.read_i64(what)?.unsigned_abs();
        let len = usize::try_from(rows)
            .ok()
            .zip(usize::try_from(cols).ok())
            .and_then(|(r, c)| r.checked_mul(c))
            .filter(|len| *len <= max_elems)
            .ok_or(FormatError::Invalid {
                offset: start,
                what,
                detail: format!("matrix of {rows}x{cols} exceeds {max_elems} elements"),
            })?;
        let mut data = Vec::with_capacity(len);
        for _ in 0..len {
            data.push(self.read_f32(what)?);
        }
        Ok(Matrix {
            rows: rows as usize,
            cols: cols as usize,
            data,
        })
    }
}

/// A dense row-major matrix read from a dlib stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_signed_and_unsigned_integers() {
        // 300 = 0x012C little-endian in two bytes; -5 has the sign bit set.
        let bytes = [0x02, 0x2C, 0x01, 0x81, 0x05, 0x01, 0x07];
        let mut reader = DlibReader::new(&bytes);
        assert_eq!(reader.read_i64("a").unwrap(), 300);
        assert_eq!(reader.read_i64("b").unwrap(), -5);
        assert_eq!(reader.read_u64("c").unwrap(), 7);
        assert!(reader.is_at_end());
    }

    #[test]
    fn rejects_bad_control_bytes_and_truncation() {
        assert!(matches!(
            DlibReader::new(&[0x00]).read_i64("x"),
            Err(FormatError::Invalid { offset: 0, .. })
        ));
        assert!(matches!(
            DlibReader::new(&[0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0]).read_u64("x"),
            Err(FormatError::Invalid { .. })
        ));
        assert!(matches!(
            DlibReader::new(&[0x04, 1, 2]).read_i64("x"),
            Err(FormatError::Truncated { offset: 1, .. })
        ));
        assert!(matches!(
            DlibReader::new(&[]).read_u8("x"),
            Err(FormatError::Truncated { offset: 0, .. })
        ));
    }

    #[test]
    fn reads_float_details() {
        // 3 * 2^-1 = 1.5 ; -1 * 2^2 = -4 ; special exponent 32000 = +inf.
        let bytes = [
            0x01, 0x03, 0x81, 0x01, // 1.5
            0x81, 0x01, 0x01, 0x02, // -4
            0x01, 0x00, 0x02, 0x00, 0x7D, // inf (exp 32000 = 0x7D00)
        ];
        let mut reader = DlibReader::new(&bytes);
        assert_eq!(reader.read_f64("a").unwrap(), 1.5);
        assert_eq!(reader.read_f32("b").unwrap(), -4.0);
        assert_eq!(reader.read_f64("c").unwrap(), f64::INFINITY);
    }

    #[test]
    fn reads_strings_bools_and_matrices() {
        let mut bytes = vec![0x01, 0x04];
        bytes.extend_from_slice(b"con_");
        bytes.extend_from_slice(b"10");
        // matrix -1 x -2 (new format) holding 1.0 and 2.0
        bytes.extend_from_slice(&[
            0x81, 0x01, 0x81, 0x02, 0x01, 0x01, 0x01, 0x00, 0x01, 0x01, 0x01, 0x01,
        ]);
        let mut reader = DlibReader::new(&bytes);
        reader.expect_tag("con_", "tag").unwrap();
        assert!(reader.read_bool("b1").unwrap());
        assert!(!reader.read_bool("b0").unwrap());
        let m = reader.read_matrix_f32(16, "m").unwrap();
        assert_eq!((m.rows, m.cols), (1, 2));
        assert_eq!(m.data, vec![1.0, 2.0]);
    }

    #[test]
    fn bounds_lengths_before_allocating() {
        // A string claiming 2^40 bytes must fail without allocating.
        let bytes = [0x06, 0, 0, 0, 0, 0, 0x01];
        assert!(matches!(
            DlibReader::new(&bytes).read_string(1 << 20, "s"),
            Err(FormatError::Invalid { .. })
        ));
        let wrong_tag = [0x01, 0x02, b'f', b'c'];
        assert!(DlibReader::new(&wrong_tag).expect_tag("con_", "t").is_err());
    }
}

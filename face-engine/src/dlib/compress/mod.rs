//! dlib's `compress_stream::kernel_1ea` decompressor, and the extraction of
//! the HOG face detector that dlib ships inside a C++ header.
//!
//! dlib does not publish its HOG frontal face detector as a file: the
//! serialised detector lives in `frontal_face_detector.h` as base64 text of a
//! stream compressed with `kernel_1ea`. Reading it here, instead of converting
//! it once with a script, means riv runs the very weights dlib compiles in and
//! needs no extra artefact to trust.
//!
//! `kernel_1ea` is an order-4 PPM model (escape method D, Shkarin's
//! information inheritance, 200 000 context nodes) driving a 32-bit range
//! decoder. The stream carries a check symbol every 20 000 symbols, an
//! end-of-data symbol (256) and finally the CRC-32 of the output. Every
//! integer width and wrap-around below mirrors the encoder's, because a
//! single differing rounding desynchronises the model from the encoder for
//! the rest of the stream.

mod ppm;
mod range;

use crate::dlib::FormatError;

use ppm::{EOF_SYMBOL, PpmModel};
use range::RangeDecoder;

/// Largest decompressed output accepted: the face detector is ~155 kB, so
/// this only stops a corrupt stream from producing endless output.
pub const MAX_DECOMPRESSED_LEN: usize = 64 << 20;

/// Extracts, decodes and decompresses the serialised detector from the text
/// of dlib's `frontal_face_detector.h`.
pub fn serialized_detector_from_header(text: &str) -> Result<Vec<u8>, FormatError> {
    let payload = base64_payload_from_header(text)?;
    let compressed = decode_base64(&payload)?;
    decompress_kernel_1ea(&compressed, MAX_DECOMPRESSED_LEN)
}

/// Concatenates the string literals of the header's `sout << "...";` lines,
/// which together hold the base64 text.
pub fn base64_payload_from_header(text: &str) -> Result<String, FormatError> {
    const PREFIX: &str = "sout << \"";
    const SUFFIX: &str = "\";";
    let mut payload = String::new();
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix(PREFIX) {
            let literal = rest.strip_suffix(SUFFIX).ok_or(FormatError::Invalid {
                offset,
                what: "detector header",
                detail: "unterminated `sout << \"...\";` line".into(),
            })?;
            payload.push_str(literal);
        }
        offset += line.len();
    }
    if payload.is_empty() {
        return Err(FormatError::Invalid {
            offset: 0,
            what: "detector header",
            detail: "no `sout << \"...\";` lines holding the serialised detector".into(),
        });
    }
    Ok(payload)
}

/// Standard base64 (RFC 4648 alphabet). ASCII whitespace is skipped and `=`
/// padding is optional, as in dlib's decoder; any other byte is an error.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, FormatError> {
    fn value(byte: u8) -> Option<u32> {
        match byte {
            b'A'..=b'Z' => Some(u32::from(byte - b'A')),
            b'a'..=b'z' => Some(u32::from(byte - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(byte - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut bits = 0u32;
    let mut padding_seen = false;
    for (offset, byte) in text.bytes().enumerate() {
        if byte.is_ascii_whitespace() {
            continue;
        }
        if byte == b'=' {
            padding_seen = true;
            continue;
        }
        let v = value(byte)
            .filter(|_| !padding_seen)
            .ok_or_else(|| FormatError::Invalid {
                offset,
                what: "base64 text",
                detail: format!("unexpected byte {byte:#04x}"),
            })?;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        // A lone trailing character cannot encode a whole byte.
        return Err(FormatError::Truncated {
            offset: text.len(),
            what: "base64 text",
        });
    }
    Ok(out)
}

/// CRC-32 (IEEE, reflected, polynomial 0xEDB88320), dlib's `crc32::kernel_1a`.
#[derive(Debug, Clone)]
pub struct Crc32 {
    table: [u32; 256],
    state: u32,
}

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32 {
    pub fn new() -> Self {
        let mut table = [0u32; 256];
        for (i, entry) in table.iter_mut().enumerate() {
            let mut value = i as u32;
            for _ in 0..8 {
                value = if value & 1 != 0 {
                    (value >> 1) ^ 0xEDB8_8320
                } else {
                    value >> 1
                };
            }
            *entry = value;
        }
        Self {
            table,
            state: 0xFFFF_FFFF,
        }
    }

    pub fn add(&mut self, byte: u8) {
        let index = ((self.state ^ u32::from(byte)) & 0xFF) as usize;
        self.state = (self.state >> 8) ^ self.table[index];
    }

    pub fn checksum(&self) -> u32 {
        self.state ^ 0xFFFF_FFFF
    }
}

/// Decompresses a `compress_stream::kernel_1ea` stream, checking the
/// periodic markers and the trailing CRC-32.
pub fn decompress_kernel_1ea(input: &[u8], max_len: usize) -> Result<Vec<u8>, FormatError> {
    let corrupt = |coder: &RangeDecoder<'_>, detail: &str| FormatError::Invalid {
        offset: coder.pos.min(input.len()),
        what: "compressed stream",
        detail: detail.into(),
    };
    let mut coder = RangeDecoder::new(input);
    let mut model = PpmModel::new();
    let mut crc = Crc32::new();
    let mut out = Vec::new();
    let mut since_marker = 0u32;
    loop {
        if since_marker == 20_000 {
            if coder.get_target(8000)? != 1500 {
                return Err(corrupt(&coder, "missing synchronisation marker"));
            }
            since_marker = 0;
            coder.decode(1500, 1501)?;
        }
        since_marker += 1;

        let symbol = model.decode(&mut coder)?;
        if symbol == EOF_SYMBOL {
            break;
        }
        if out.len() >= max_len {
            return Err(corrupt(&coder, "decompressed data exceeds the size limit"));
        }
        let byte = symbol as u8;
        crc.add(byte);
        out.push(byte);
    }
    let mut stored = 0u32;
    for _ in 0..4 {
        stored = (stored << 8) | u32::from(model.decode(&mut coder)? as u8);
    }
    if stored != crc.checksum() {
        return Err(corrupt(
            &coder,
            &format!(
                "CRC-32 mismatch (stored {stored:#010x}, computed {:#010x})",
                crc.checksum()
            ),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        let mut crc = Crc32::new();
        for byte in b"123456789" {
            crc.add(*byte);
        }
        assert_eq!(crc.checksum(), 0xCBF4_3926);
        assert_eq!(Crc32::new().checksum(), 0);
    }

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(decode_base64("TWFu").unwrap(), b"Man");
        assert_eq!(decode_base64("TWE=").unwrap(), b"Ma");
        assert_eq!(decode_base64("TWE").unwrap(), b"Ma");
        assert_eq!(decode_base64("TQ==").unwrap(), b"M");
        assert_eq!(decode_base64("TW\nFu\r\n").unwrap(), b"Man");
        assert_eq!(decode_base64("+/+/").unwrap(), vec![0xFB, 0xFF, 0xBF]);
        assert!(decode_base64("TW*u").is_err());
        assert!(decode_base64("TQ=A").is_err());
        assert!(matches!(
            decode_base64("TWFuT"),
            Err(FormatError::Truncated { .. })
        ));
    }

    #[test]
    fn payload_is_the_concatenated_sout_literals() {
        let header = "inline std::string f() {\n  std::ostringstream sout;\n  \
                      sout << \"TW\";\n  sout << \"Fu\";\n  return sout.str();\n}\n";
        assert_eq!(base64_payload_from_header(header).unwrap(), "TWFu");
        assert!(base64_payload_from_header("int main() {}").is_err());
        assert!(base64_payload_from_header("sout << \"abc\n").is_err());
    }

    // Streams produced by dlib's own `compress_stream::kernel_1ea` encoder
    // from small known inputs (see `fixtures` below for how they were made).

    #[test]
    fn decompresses_the_empty_stream() {
        assert_eq!(
            decompress_kernel_1ea(&fixtures::empty(), 1 << 20).unwrap(),
            Vec::<u8>::new()
        );
    }

    #[test]
    fn decompresses_short_text() {
        assert_eq!(
            decompress_kernel_1ea(&fixtures::hello(), 1 << 20).unwrap(),
            fixtures::HELLO_PLAIN
        );
    }

    #[test]
    fn decompresses_past_the_synchronisation_markers() {
        let plain = fixtures::long_plain();
        assert_eq!(
            decompress_kernel_1ea(&fixtures::long(), 1 << 20).unwrap(),
            plain
        );
    }

    #[test]
    fn corruption_and_truncation_are_errors_not_panics() {
        let stream = fixtures::hello();
        for cut in 0..stream.len() {
            let _ = decompress_kernel_1ea(&stream[..cut], 1 << 20);
        }
        // The encoder's final flush byte carries no information, so only
        // the bytes before it must all matter.
        for i in 0..stream.len() - 1 {
            let mut bad = stream.to_vec();
            bad[i] ^= 0x5A;
            assert_ne!(
                decompress_kernel_1ea(&bad, 1 << 20).ok().as_deref(),
                Some(fixtures::HELLO_PLAIN),
                "flipping byte {i} went unnoticed"
            );
        }
        assert!(decompress_kernel_1ea(b"not a compressed stream at all", 1 << 20).is_err());
        assert!(decompress_kernel_1ea(&stream, 4).is_err());
    }

    /// Streams written by dlib's `compress_stream::kernel_1ea` encoder
    /// (a few lines of C++ around `compress()`), stored as hex.
    mod fixtures {
        fn hex(text: &str) -> Vec<u8> {
            (0..text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
                .collect()
        }

        /// `""`
        pub fn empty() -> Vec<u8> {
            hex("ff6e6a11d775")
        }

        pub const HELLO_PLAIN: &[u8] = b"hello, hello world! riv riv riv";

        pub fn hello() -> Vec<u8> {
            hex("683f52bf4d3a34f300a79b47b9ab18f399f211a854f1a5622f93f87300")
        }

        /// 45 000 bytes cycling through `"riv-hog:"`: long enough to cross
        /// two of the markers written every 20 000 symbols.
        pub fn long_plain() -> Vec<u8> {
            b"riv-hog:".iter().copied().cycle().take(45_000).collect()
        }

        pub fn long() -> Vec<u8> {
            hex("7237a4b74a5613d4d2c8530000000101418eb3b9cbf38ea95598c4967a00")
        }
    }
}

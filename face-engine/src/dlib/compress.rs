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

use crate::dlib::FormatError;

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

/// How many bytes past the end of the input the decoder may read (as zeros,
/// like dlib's) before the stream is declared truncated. A valid stream only
/// looks a few bytes ahead.
const MAX_READ_PAST_END: usize = 64;

/// dlib's `entropy_decoder::kernel_2a`: a 32-bit range decoder. `high` holds
/// the real upper bound minus one, and `low` never becomes zero.
#[derive(Debug)]
struct RangeDecoder<'a> {
    input: &'a [u8],
    pos: usize,
    low: u32,
    high: u32,
    target: u32,
    range_per_count: u32,
}

impl<'a> RangeDecoder<'a> {
    fn new(input: &'a [u8]) -> Self {
        let mut decoder = Self {
            input,
            pos: 0,
            low: 1,
            high: 0xFFFF_FFFF,
            target: 0,
            range_per_count: 0,
        };
        for _ in 0..4 {
            decoder.target = (decoder.target << 8) | u32::from(decoder.next_byte());
        }
        decoder
    }

    /// The next input byte, or zero past the end (dlib treats a short read
    /// as a zero byte).
    fn next_byte(&mut self) -> u8 {
        let byte = self.input.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        byte
    }

    fn check_not_overrun(&self) -> Result<(), FormatError> {
        if self.pos > self.input.len() + MAX_READ_PAST_END {
            Err(FormatError::Truncated {
                offset: self.input.len(),
                what: "compressed stream",
            })
        } else {
            Ok(())
        }
    }

    /// The count, in `0..total`, the next symbol's interval contains.
    fn get_target(&mut self, total: u32) -> Result<u32, FormatError> {
        let span = self.high.wrapping_sub(self.low).wrapping_add(1);
        self.range_per_count = span.checked_div(total).unwrap_or(0);
        if self.range_per_count == 0 {
            return Err(FormatError::Invalid {
                offset: self.pos.min(self.input.len()),
                what: "compressed stream",
                detail: "range decoder lost precision".into(),
            });
        }
        let value = self.target.wrapping_sub(self.low) / self.range_per_count;
        Ok(value.min(total - 1))
    }

    /// Consumes the interval `[low_count, high_count)` of the last
    /// `get_target` total and renormalises.
    fn decode(&mut self, low_count: u32, high_count: u32) -> Result<(), FormatError> {
        let r = self.range_per_count;
        self.high = self
            .low
            .wrapping_add(r.wrapping_mul(high_count))
            .wrapping_sub(1);
        self.low = self.low.wrapping_add(r.wrapping_mul(low_count));
        self.range_per_count = 0;
        loop {
            if (self.high & 0xFF00_0000) != (self.low & 0xFF00_0000) {
                let gap = self.high.wrapping_sub(self.low);
                if gap >= 0x10000 {
                    break;
                }
                // The bounds straddle a byte boundary but are too close to
                // keep going: collapse them onto their midpoint.
                self.high >>= 1;
                self.low >>= 1;
                let mid = self.high.wrapping_add(self.low);
                self.high = mid;
                self.low = mid;
                if gap > 0x1000 {
                    self.high = self.high.wrapping_add(0xFF);
                    self.low = self.low.wrapping_sub(0xFF);
                }
            } else {
                let byte = self.next_byte();
                self.target = (self.target << 8) | u32::from(byte);
                self.high = (self.high << 8) | 0xFF;
                self.low <<= 8;
                if self.low == 0 {
                    self.low = 1;
                }
            }
        }
        self.check_not_overrun()
    }
}

/// Number of symbols: the 256 byte values plus the end-of-data marker.
const ALPHABET_SIZE: u32 = 257;
const EOF_SYMBOL: u16 = 256;
/// `kernel_5a`: 200 000 nodes, contexts of up to 4 symbols.
const TOTAL_NODES: usize = 200_000;
const MAX_ORDER: usize = 4;
const NIL: u32 = u32::MAX;
const ROOT: u32 = 0;

#[derive(Debug, Clone, Copy)]
struct Node {
    /// Next node in the same context set.
    next: u32,
    /// First node of the child context set.
    child: u32,
    /// The node for this context one symbol shorter.
    parent: u32,
    symbol: u16,
    count: u16,
    /// Sum of the child counts plus `escapes`.
    total: u16,
    escapes: u16,
}

const EMPTY_NODE: Node = Node {
    next: NIL,
    child: NIL,
    parent: NIL,
    symbol: 0,
    count: 0,
    total: 0,
    escapes: 0,
};

/// dlib's `entropy_decoder_model::kernel_5` (order-4 PPM). Nodes live in an
/// arena indexed by `u32`, `NIL` standing for dlib's null pointer; the root
/// is node 0.
#[derive(Debug)]
struct PpmModel {
    nodes: Vec<Node>,
    next_node: usize,
    cur: u32,
    cur_order: usize,
    excluded: [u32; (ALPHABET_SIZE as usize) / 32 + 1],
    exclusions_used: bool,
    /// New nodes waiting for their symbol and count, with their contexts.
    stack: Vec<(u32, u32)>,
}

impl PpmModel {
    fn new() -> Self {
        let mut model = Self {
            nodes: vec![EMPTY_NODE; TOTAL_NODES],
            next_node: 1,
            cur: ROOT,
            cur_order: 0,
            excluded: [0; (ALPHABET_SIZE as usize) / 32 + 1],
            exclusions_used: false,
            stack: Vec::with_capacity(MAX_ORDER + 1),
        };
        model.clear();
        model
    }

    /// Forgets every context: dlib rebuilds the tree from scratch when the
    /// node arena is full.
    fn clear(&mut self) {
        self.next_node = 1;
        let root = &mut self.nodes[ROOT as usize];
        root.child = NIL;
        root.escapes = 0;
        root.total = 0;
        root.next = NIL;
        root.parent = NIL;
        self.cur = ROOT;
        self.cur_order = 0;
        self.stack.clear();
        self.clear_exclusions();
    }

    fn clear_exclusions(&mut self) {
        self.excluded = [0; (ALPHABET_SIZE as usize) / 32 + 1];
        self.exclusions_used = false;
    }

    fn exclude(&mut self, symbol: u16) {
        self.exclusions_used = true;
        self.excluded[usize::from(symbol >> 5)] |= 1 << (symbol & 0x1F);
    }

    fn is_excluded(&self, symbol: u16) -> bool {
        self.excluded[usize::from(symbol >> 5)] & (1 << (symbol & 0x1F)) != 0
    }

    fn allocate(&mut self) -> u32 {
        let index = self.next_node as u32;
        self.next_node += 1;
        index
    }

    /// Halves the counts of `context`'s children (never to zero).
    fn scale_counts(&mut self, context: u32) {
        let c = context as usize;
        if self.nodes[c].escapes > 1 {
            self.nodes[c].escapes >>= 1;
        }
        let mut total = self.nodes[c].escapes;
        let mut n = self.nodes[c].child;
        while n != NIL {
            let node = &mut self.nodes[n as usize];
            if node.count > 1 {
                node.count >>= 1;
            }
            total = total.wrapping_add(node.count);
            n = node.next;
        }
        self.nodes[c].total = total;
    }

    fn node(&self, index: u32) -> &Node {
        &self.nodes[index as usize]
    }

    fn node_mut(&mut self, index: u32) -> &mut Node {
        &mut self.nodes[index as usize]
    }

    /// Links a fresh node after `new_node` (or starts the chain) and returns it.
    fn chain_new_node(&mut self, new_node: u32) -> u32 {
        let fresh = self.allocate();
        if new_node != NIL {
            self.node_mut(new_node).parent = fresh;
        }
        fresh
    }

    /// Decodes one symbol (0..=256).
    fn decode(&mut self, coder: &mut RangeDecoder<'_>) -> Result<u16, FormatError> {
        let mut context = self.cur;
        self.cur = NIL;
        let mut local_order = self.cur_order;
        let mut new_node = NIL;
        if self.exclusions_used {
            self.clear_exclusions();
        }

        // `count` and `total` of the symbol where it was found, which seed
        // the counts of the nodes created for it in longer contexts.
        let (symbol, found_count, found_total) = loop {
            if self.next_node >= TOTAL_NODES {
                self.clear();
                context = self.cur;
                local_order = self.cur_order;
                self.cur = NIL;
                new_node = NIL;
                continue;
            }

            let mut total_count = u32::from(self.node(context).total);
            if total_count > 0 {
                if total_count > 10_000 {
                    self.scale_counts(context);
                    total_count = u32::from(self.node(context).total);
                }
                if self.exclusions_used {
                    total_count = u32::from(self.node(context).escapes);
                    let mut n = self.node(context).child;
                    while n != NIL {
                        let node = *self.node(n);
                        if !self.is_excluded(node.symbol) {
                            total_count += u32::from(node.count);
                        }
                        n = node.next;
                    }
                }

                let target = coder.get_target(total_count)?;
                let mut high_count = 0u32;
                let mut n = self.node(context).child;
                let mut last = NIL;
                loop {
                    let node = *self.node(n);
                    if !self.is_excluded(node.symbol) {
                        high_count += u32::from(node.count);
                        self.exclude(node.symbol);
                    }
                    if high_count > target || node.next == NIL {
                        break;
                    }
                    last = n;
                    n = node.next;
                }

                if high_count > target {
                    let low_count = high_count - u32::from(self.node(n).count);
                    if new_node != NIL {
                        self.node_mut(new_node).parent = n;
                    }
                    let symbol = self.node(n).symbol;
                    coder.decode(low_count, high_count)?;
                    let c = self.node(n).count.wrapping_add(8);
                    self.node_mut(n).count = c;
                    let t = self.node(context).total.wrapping_add(8);
                    self.node_mut(context).total = t;

                    // Move the symbol to the front of its context set.
                    if last != NIL {
                        let after = self.node(n).next;
                        self.node_mut(last).next = after;
                        self.node_mut(n).next = self.node(context).child;
                        self.node_mut(context).child = n;
                    }
                    if self.cur == NIL {
                        if local_order < MAX_ORDER {
                            self.cur_order = local_order + 1;
                            self.cur = n;
                        } else {
                            self.cur = self.node(n).parent;
                            self.cur_order = local_order;
                        }
                    }
                    break (symbol, c, t);
                }

                // Not in this context: escape, and remember to add it here.
                new_node = self.chain_new_node(new_node);
                self.node_mut(n).next = new_node;
                coder.decode(high_count, total_count)?;
            } else {
                // A context that has never seen a symbol.
                new_node = self.chain_new_node(new_node);
                self.node_mut(context).child = new_node;
            }

            if self.cur == NIL && local_order < MAX_ORDER {
                self.cur = new_node;
                self.cur_order = local_order + 1;
            }
            {
                let fresh = self.node_mut(new_node);
                fresh.child = NIL;
                fresh.escapes = 0;
                fresh.next = NIL;
                fresh.total = 0;
            }
            self.stack.push((new_node, context));

            if context != ROOT {
                context = self.node(context).parent;
                local_order = local_order.saturating_sub(1);
                if context == NIL {
                    return Err(FormatError::Invalid {
                        offset: coder.pos.min(coder.input.len()),
                        what: "compressed stream",
                        detail: "context tree is inconsistent".into(),
                    });
                }
                continue;
            }

            // Order -1: every symbol equally likely.
            let target = coder.get_target(ALPHABET_SIZE)?;
            self.node_mut(new_node).parent = ROOT;
            coder.decode(target, target + 1)?;
            if self.cur == NIL {
                self.cur = ROOT;
                self.cur_order = 0;
            }
            break (target as u16, 8u16, 2056u16);
        };

        self.initialise_new_nodes(symbol, found_count, found_total)?;
        Ok(symbol)
    }

    /// Gives the nodes created during a decode their symbol and initial
    /// count, inherited from the context the symbol was found in.
    fn initialise_new_nodes(&mut self, symbol: u16, c: u16, t: u16) -> Result<(), FormatError> {
        while let Some((n, nc)) = self.stack.pop() {
            self.node_mut(n).symbol = symbol;
            let context = *self.node(nc);
            if context.total != 0 {
                // dlib computes this in `int` and stores it in an `unsigned
                // long`, so a negative value wraps to a huge divisor.
                let divisor = (i32::from(t) - i32::from(c) + i32::from(context.total)
                    - i32::from(context.escapes)
                    - i32::from(context.escapes)) as i64 as u64;
                let count =
                    (u64::from(context.total) * u64::from(c) / (divisor | 1) + 2).min(50_000);
                let count = count as u16;
                self.node_mut(n).count = count;
                let ctx = self.node_mut(nc);
                ctx.escapes = ctx.escapes.wrapping_add(4);
                ctx.total = ctx.total.wrapping_add(count).wrapping_add(4);
            } else {
                let spread = i32::from(t) - i32::from(c);
                let ratio = (5 * i32::from(c))
                    .checked_div(spread)
                    .ok_or(FormatError::Invalid {
                        offset: 0,
                        what: "compressed stream",
                        detail: "degenerate symbol counts".into(),
                    })?;
                let count = (3 + ratio) as u16;
                self.node_mut(n).count = count;
                let ctx = self.node_mut(nc);
                ctx.escapes = 4;
                ctx.total = count.wrapping_add(4);
            }
            while self.node(nc).total > 10_000 {
                self.scale_counts(nc);
            }
        }
        Ok(())
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

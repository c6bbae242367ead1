//! dlib's `entropy_decoder::kernel_2a`, the range decoder under
//! `compress_stream::kernel_1ea`: 32-bit bounds, renormalised a byte at a
//! time, with dlib's collapse of the bounds when they straddle a byte
//! boundary but lie too close to continue.

use crate::dlib::FormatError;

/// How many bytes past the end of the input the decoder may read (as zeros,
/// like dlib's) before the stream is declared truncated. A valid stream only
/// looks a few bytes ahead.
const MAX_READ_PAST_END: usize = 64;

/// dlib's `entropy_decoder::kernel_2a`: a 32-bit range decoder. `high` holds
/// the real upper bound minus one, and `low` never becomes zero.
#[derive(Debug)]
pub(super) struct RangeDecoder<'a> {
    pub(super) input: &'a [u8],
    pub(super) pos: usize,
    low: u32,
    high: u32,
    target: u32,
    range_per_count: u32,
}

impl<'a> RangeDecoder<'a> {
    pub(super) fn new(input: &'a [u8]) -> Self {
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
    pub(super) fn get_target(&mut self, total: u32) -> Result<u32, FormatError> {
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
    pub(super) fn decode(&mut self, low_count: u32, high_count: u32) -> Result<(), FormatError> {
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

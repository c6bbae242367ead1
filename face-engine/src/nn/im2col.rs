//! im2col for [`Conv`]: the matrix whose product with the filters is the
//! convolution, built a band of output rows at a time.
//!
//! Three layouts of the work keep the copies cheap: a stride-1 "same"
//! layer (the ResNet's 3×3 ones) copies each tap as the whole input plane
//! shifted, then zeroes the values that wrapped around; a strided layer
//! splits each input row into runs by column phase once, so every tap is a
//! contiguous copy; anything else pads the input row once per output row.

use rayon::prelude::*;

use super::conv::{Conv, PARALLEL_MIN};
use super::tensor::Tensor;

/// Input rows up to this width are padded on the stack.
const ROW_BUF: usize = 512;

impl Conv {
    /// Fills `col` (`(channels·nr·nc) × (rows·wo)`, row-major) for the
    /// output rows `rows` of the whole batch (row `b·ho + oy`): row
    /// `(c, dy, dx)` of `col` holds, for each output position, the input
    /// value that filter tap meets there, or 0 in the padding.
    pub(super) fn im2col(
        &self,
        input: &Tensor,
        ho: usize,
        wo: usize,
        rows: std::ops::Range<usize>,
        col: &mut [f32],
        parallel: bool,
    ) {
        let m = rows.len() * wo;
        // One block per (channel, filter row): nc rows of col that all read
        // the same input row for a given output row.
        let fill = |(i, block): (usize, &mut [f32])| {
            self.im2col_block(input, i / self.nr, i % self.nr, ho, wo, rows.clone(), block);
        };
        let block = (self.nc * m).max(1);
        if parallel && col.len() >= PARALLEL_MIN {
            col.par_chunks_exact_mut(block).enumerate().for_each(fill);
        } else {
            col.chunks_exact_mut(block).enumerate().for_each(fill);
        }
    }

    /// The `nc` im2col rows of channel `c`, filter row `dy`.
    #[allow(clippy::too_many_arguments)]
    fn im2col_block(
        &self,
        input: &Tensor,
        c: usize,
        dy: usize,
        ho: usize,
        wo: usize,
        rows: std::ops::Range<usize>,
        block: &mut [f32],
    ) {
        let s = input.shape();
        if self.stride_y == 1 && self.stride_x == 1 && (ho, wo) == (s.nr, s.nc) {
            return self.im2col_block_same(input, c, dy, rows, block);
        }
        let m = rows.len() * wo;
        let (sy, sx, py, px) = (self.stride_y, self.stride_x, self.padding_y, self.padding_x);
        // The input row with its padding, as far as the filter reaches.
        let reach = (wo - 1) * sx + self.nc;
        let needs_padding = px > 0 || reach > s.nc;
        let mut stack = [0.0f32; ROW_BUF];
        let mut heap = Vec::new();
        let padded: &mut [f32] = if !needs_padding {
            &mut stack[..0]
        } else if reach <= ROW_BUF {
            &mut stack[..reach]
        } else {
            heap.resize(reach, 0.0);
            &mut heap
        };
        let inside = px.min(reach)..(px + s.nc).min(reach);
        let phase_len = reach.div_ceil(sx);
        let mut phases = vec![0.0f32; if sx > 1 { sx * phase_len } else { 0 }];
        for (i, r) in rows.enumerate() {
            let (b, oy) = (r / ho, r % ho);
            let iy = (oy * sy + dy).wrapping_sub(py);
            let segs = (0..self.nc).map(|dx| dx * m + i * wo);
            if iy >= s.nr {
                segs.for_each(|at| block[at..at + wo].fill(0.0));
                continue;
            }
            let mut src = &input.plane(c, b)[iy * s.nc..(iy + 1) * s.nc];
            if needs_padding {
                padded[..inside.start].fill(0.0);
                padded[inside.clone()].copy_from_slice(&src[..inside.len()]);
                padded[inside.end..].fill(0.0);
                src = padded;
            }
            if sx == 1 {
                for (dx, at) in segs.enumerate() {
                    block[at..at + wo].copy_from_slice(&src[dx..dx + wo]);
                }
                continue;
            }
            // Split the row by column phase once (every sx-th value into
            // its own run), so each tap is a contiguous copy rather than a
            // strided gather repeated for every filter column.
            for (p, run) in phases.chunks_exact_mut(phase_len).enumerate() {
                for (d, v) in run.iter_mut().zip(src[p..reach].iter().step_by(sx)) {
                    *d = *v;
                }
            }
            for (dx, at) in segs.enumerate() {
                let start = (dx % sx) * phase_len + dx / sx;
                block[at..at + wo].copy_from_slice(&phases[start..start + wo]);
            }
        }
    }

    /// [`Self::im2col_block`] for a stride-1 convolution whose output has
    /// the input's size (the 3×3 layers with padding 1): each im2col row is
    /// then the input plane shifted by the tap's offset, so it is copied in
    /// one piece per sample and only the values that wrapped around a row
    /// end or fell off the plane are zeroed afterwards.
    fn im2col_block_same(
        &self,
        input: &Tensor,
        c: usize,
        dy: usize,
        rows: std::ops::Range<usize>,
        block: &mut [f32],
    ) {
        let s = input.shape();
        let (h, w) = (s.nr, s.nc);
        let m = rows.len() * w;
        let mut r = rows.start;
        while r < rows.end {
            let (b, oy0) = (r / h, r % h);
            let oy1 = h.min(oy0 + rows.end - r);
            let plane = input.plane(c, b);
            let base = (r - rows.start) * w;
            // Output rows whose input row exists: 0 <= oy + dy − py < h.
            let a = self.padding_y.saturating_sub(dy).clamp(oy0, oy1);
            let z = (h + self.padding_y).saturating_sub(dy).clamp(a, oy1);
            for dx in 0..self.nc {
                let seg = &mut block[dx * m + base..dx * m + base + (oy1 - oy0) * w];
                seg[..(a - oy0) * w].fill(0.0);
                seg[(z - oy0) * w..].fill(0.0);
                if a < z {
                    // Output (oy, ox) reads plane[(oy + dy − py)·w + ox + dx − px].
                    let shift =
                        (dy * w + dx) as isize - (self.padding_y * w + self.padding_x) as isize;
                    let first = (a * w) as isize + shift;
                    let last = (z * w) as isize + shift;
                    let (from, to) = (first.max(0) as usize, (last as usize).min(h * w));
                    let dst = &mut seg[(a - oy0) * w..(z - oy0) * w];
                    let skip = (from as isize - first) as usize;
                    dst[..skip].fill(0.0);
                    dst[skip..skip + (to - from)].copy_from_slice(&plane[from..to]);
                    let copied = skip + (to - from);
                    dst[copied..].fill(0.0);
                    // Columns whose tap falls left or right of the plane.
                    let (left, right) = (
                        self.padding_x.saturating_sub(dx),
                        dx.saturating_sub(self.padding_x),
                    );
                    for row in dst.chunks_exact_mut(w) {
                        row[..left.min(w)].fill(0.0);
                        row[w - right.min(w)..].fill(0.0);
                    }
                }
            }
            r += oy1 - oy0;
        }
    }
}

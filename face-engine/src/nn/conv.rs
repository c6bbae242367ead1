//! dlib's `con_` layer: a 2-D convolution computed as im2col plus one matrix
//! product, with the bias, a following affine layer and a relu applied in a
//! single pass over the output.
//!
//! The fused pass performs the very operations dlib performs one layer at a
//! time (add the bias, then `x * gamma + beta`, then `max(x, 0)`), in the
//! same order and in `f32`, so fusing saves two passes over memory without
//! changing a single rounding; only the product's summation order differs
//! from dlib.

use crate::dlib::net::ConRecord;
use crate::error::EngineError;

use super::gemm::{Threads, matmul};
use super::layers::Affine;
use super::tensor::{Shape, Tensor};

/// A convolution layer with its weights.
#[derive(Debug, Clone)]
pub struct Conv {
    num_filters: usize,
    channels: usize,
    nr: usize,
    nc: usize,
    stride_y: usize,
    stride_x: usize,
    padding_y: usize,
    padding_x: usize,
    /// `num_filters × (channels · nr · nc)`, each filter in dlib's
    /// `[channel][row][column]` order, which is also the row order of the
    /// im2col matrix.
    weights: Vec<f32>,
    bias: Option<Vec<f32>>,
    /// dlib's `con_6` can carry a relu of its own.
    relu: bool,
}

/// What the fused pass applies after the product, besides the bias.
#[derive(Debug, Clone, Copy, Default)]
pub struct Epilogue<'a> {
    /// A per-channel affine layer that follows the convolution.
    pub affine: Option<&'a Affine>,
    /// A relu that follows (the convolution's or the affine layer's output).
    pub relu: bool,
}

impl Conv {
    /// The layer described by a record; fails when its weights do not have
    /// the size its shape implies.
    pub fn from_record(r: &ConRecord) -> Result<Self, String> {
        let per_filter = r.channels * r.nr * r.nc;
        if r.filters.len() != r.num_filters * per_filter || per_filter == 0 {
            return Err(format!(
                "{} weights for {} filters of {}x{}x{}",
                r.filters.len(),
                r.num_filters,
                r.channels,
                r.nr,
                r.nc
            ));
        }
        if r.stride_y == 0 || r.stride_x == 0 || r.padding_y >= r.nr || r.padding_x >= r.nc {
            return Err("stride 0 or padding as large as the filter".into());
        }
        Ok(Self {
            num_filters: r.num_filters,
            channels: r.channels,
            nr: r.nr,
            nc: r.nc,
            stride_y: r.stride_y,
            stride_x: r.stride_x,
            padding_y: r.padding_y,
            padding_x: r.padding_x,
            weights: r.filters.clone(),
            bias: r.biases.clone(),
            relu: r.relu,
        })
    }

    pub fn num_filters(&self) -> usize {
        self.num_filters
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Filter rows, columns, vertical and horizontal stride and padding.
    pub fn geometry(&self) -> [usize; 6] {
        [
            self.nr,
            self.nc,
            self.stride_y,
            self.stride_x,
            self.padding_y,
            self.padding_x,
        ]
    }

    /// Output rows and columns for an input of `nr × nc`:
    /// `1 + (in + 2·padding − filter) / stride`, as dlib computes it; None
    /// when the filter does not fit the padded input.
    pub fn output_size(&self, nr: usize, nc: usize) -> Option<(usize, usize)> {
        let rows = (nr + 2 * self.padding_y).checked_sub(self.nr)? / self.stride_y + 1;
        let cols = (nc + 2 * self.padding_x).checked_sub(self.nc)? / self.stride_x + 1;
        Some((rows, cols))
    }

    /// Convolves `input` into `out`, then applies the bias and `epilogue`.
    /// `col` is scratch space for the im2col matrix, kept by the caller so
    /// repeated calls do not allocate.
    pub fn forward(
        &self,
        input: &Tensor,
        out: &mut Tensor,
        epilogue: Epilogue<'_>,
        col: &mut Vec<f32>,
        threads: Threads,
    ) -> Result<(), EngineError> {
        let s = input.shape();
        let bad = |detail: String| EngineError::InvalidArgument { detail };
        if s.k != self.channels {
            return Err(bad(format!(
                "convolution over {} channels given {s:?}",
                self.channels
            )));
        }
        if let Some(affine) = epilogue.affine
            && !affine.is_per_channel(self.num_filters)
        {
            return Err(bad("affine layer does not match the convolution".into()));
        }
        let (ho, wo) = self
            .output_size(s.nr, s.nc)
            .ok_or_else(|| bad(format!("filter larger than the padded input {s:?}")))?;
        let n = s.n * ho * wo;
        let k = self.channels * self.nr * self.nc;
        col.resize(k * n, 0.0);
        self.im2col(input, ho, wo, col);
        out.reshape_for_output(Shape::new(s.n, self.num_filters, ho, wo));
        if !matmul(
            self.num_filters,
            n,
            k,
            &self.weights,
            k,
            col,
            n,
            out.data_mut(),
            n,
            false,
            threads,
        ) {
            return Err(bad("convolution buffers of the wrong size".into()));
        }
        self.finish(out, n, epilogue);
        Ok(())
    }

    /// Fills `col` (`(channels·nr·nc) × (n·ho·wo)`, row-major): row
    /// `(c, dy, dx)` holds, for every output position, the input value that
    /// filter tap meets there, or 0 in the padding.
    fn im2col(&self, input: &Tensor, ho: usize, wo: usize, col: &mut [f32]) {
        let s = input.shape();
        let per_row = s.n * ho * wo;
        let (sy, sx, py, px) = (self.stride_y, self.stride_x, self.padding_y, self.padding_x);
        let mut rows = col.chunks_exact_mut(per_row.max(1));
        for c in 0..s.k {
            for dy in 0..self.nr {
                for dx in 0..self.nc {
                    let Some(row) = rows.next() else { return };
                    // Output columns whose tap falls inside the input:
                    // 0 <= ox·sx + dx − px < nc.
                    let lo = (px.saturating_sub(dx)).div_ceil(sx).min(wo);
                    let hi = (s.nc + px).saturating_sub(dx).div_ceil(sx).min(wo).max(lo);
                    for b in 0..s.n {
                        let plane = input.plane(c, b);
                        for oy in 0..ho {
                            let seg = &mut row[(b * ho + oy) * wo..(b * ho + oy + 1) * wo];
                            let iy = (oy * sy + dy).wrapping_sub(py);
                            if iy >= s.nr {
                                seg.fill(0.0);
                                continue;
                            }
                            let src = &plane[iy * s.nc..(iy + 1) * s.nc];
                            seg[..lo].fill(0.0);
                            seg[hi..].fill(0.0);
                            let first = lo * sx + dx - px;
                            if sx == 1 {
                                seg[lo..hi].copy_from_slice(&src[first..first + (hi - lo)]);
                            } else {
                                for (d, s) in
                                    seg[lo..hi].iter_mut().zip(src[first..].iter().step_by(sx))
                                {
                                    *d = *s;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The fused pass, channel by channel, in dlib's order: bias, the
    /// convolution's own relu, affine, the following relu.
    fn finish(&self, out: &mut Tensor, per_channel: usize, epilogue: Epilogue<'_>) {
        for (f, row) in out
            .data_mut()
            .chunks_exact_mut(per_channel.max(1))
            .enumerate()
        {
            let bias = self.bias.as_ref().map_or(0.0, |b| b[f]);
            let affine = epilogue.affine.map(|a| a.channel(f));
            match (self.relu, affine, epilogue.relu) {
                (false, None, false) => finish_row::<false, false, false>(row, bias, (1.0, 0.0)),
                (false, None, true) => finish_row::<false, false, true>(row, bias, (1.0, 0.0)),
                (false, Some(gb), false) => finish_row::<false, true, false>(row, bias, gb),
                (false, Some(gb), true) => finish_row::<false, true, true>(row, bias, gb),
                (true, None, _) => finish_row::<true, false, false>(row, bias, (1.0, 0.0)),
                (true, Some(gb), false) => finish_row::<true, true, false>(row, bias, gb),
                (true, Some(gb), true) => finish_row::<true, true, true>(row, bias, gb),
            }
        }
    }
}

/// One output channel of the fused pass; the flags are constants so each
/// combination compiles to a branch-free, vectorised loop. Adding a zero
/// bias is exact, so layers without one share the loop.
#[inline]
fn finish_row<const PRE_RELU: bool, const AFFINE: bool, const RELU: bool>(
    row: &mut [f32],
    bias: f32,
    (gamma, beta): (f32, f32),
) {
    for v in row {
        let mut x = *v + bias;
        if PRE_RELU {
            x = x.max(0.0);
        }
        if AFFINE {
            x = x * gamma + beta;
        }
        if RELU {
            x = x.max(0.0);
        }
        *v = x;
    }
}

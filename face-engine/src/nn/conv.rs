//! dlib's `con_` layer: a 2-D convolution computed as im2col plus one matrix
//! product, with the bias, a following affine layer and a relu applied in a
//! single pass over the output.
//!
//! The fused pass performs the very operations dlib performs one layer at a
//! time (add the bias, then `x * gamma + beta`, then `max(x, 0)`), in the
//! same order and in `f32`, so fusing saves two passes over memory without
//! changing a single rounding; only the product's summation order differs
//! from dlib.

use rayon::prelude::*;

use crate::dlib::net::ConRecord;
use crate::error::EngineError;

use super::gemm::{Threads, matmul};
use super::layers::Affine;
use super::tensor::{Shape, Tensor};

/// Bytes of im2col matrix built at a time: small enough to stay in the
/// core's L2 cache between being written and being read by the product.
const COL_BUDGET: usize = 1 << 20;
/// Below this many values, splitting a pass over threads costs more than
/// it saves.
pub(super) const PARALLEL_MIN: usize = 1 << 15;

/// A convolution layer with its weights.
#[derive(Debug, Clone)]
pub struct Conv {
    num_filters: usize,
    channels: usize,
    pub(super) nr: usize,
    pub(super) nc: usize,
    pub(super) stride_y: usize,
    pub(super) stride_x: usize,
    pub(super) padding_y: usize,
    pub(super) padding_x: usize,
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
        let rows_total = s.n * ho;
        let total = rows_total * wo;
        let k = self.channels * self.nr * self.nc;
        let f = self.num_filters;
        out.reshape_for_output(Shape::new(s.n, f, ho, wo));
        let parallel = threads.0 > 1;
        if f == 1 && self.stride_y == 1 && self.stride_x == 1 {
            self.forward_single_filter(input, out, ho, wo);
            self.finish(out, total, epilogue, false);
            return Ok(());
        }
        let wrong_size = || bad("convolution buffers of the wrong size".into());
        let chunk_rows = (COL_BUDGET / (4 * k * wo).max(1)).max(1);
        if chunk_rows >= rows_total {
            col.resize(k * total, 0.0);
            self.im2col(input, ho, wo, 0..rows_total, col, parallel);
            let dst = out.data_mut();
            if !matmul(
                f,
                total,
                k,
                &self.weights,
                k,
                col,
                total,
                dst,
                total,
                false,
                threads,
            ) {
                return Err(wrong_size());
            }
        } else if parallel {
            self.forward_bands_parallel(input, out, ho, wo, chunk_rows)
                .ok_or_else(wrong_size)?;
        } else {
            // Large layers go a band of output rows at a time, so the im2col
            // matrix is still in cache when the product reads it. Each band's
            // product goes to a buffer of its own and is then copied into
            // place: writing straight into the wide output would stride
            // across it and thrash the cache.
            let band = chunk_rows * wo;
            col.resize(k * band + f * band, 0.0);
            let (col, product) = col.split_at_mut(k * band);
            for r0 in (0..rows_total).step_by(chunk_rows) {
                let r1 = (r0 + chunk_rows).min(rows_total);
                let m = (r1 - r0) * wo;
                let col = &mut col[..k * m];
                self.im2col(input, ho, wo, r0..r1, col, parallel);
                if !matmul(
                    f,
                    m,
                    k,
                    &self.weights,
                    k,
                    col,
                    m,
                    product,
                    m,
                    false,
                    threads,
                ) {
                    return Err(wrong_size());
                }
                let dst = out.data_mut();
                for (row, src) in product.chunks_exact(m).take(f).enumerate() {
                    let at = row * total + r0 * wo;
                    dst[at..at + m].copy_from_slice(src);
                }
            }
        }
        self.finish(out, total, epilogue, parallel);
        Ok(())
    }

    /// The banded product with the bands shared among the rayon pool, each
    /// band single-threaded from im2col to product, then copied into place
    /// one output channel per task. Splitting by band keeps every core on
    /// its own cache-sized pieces instead of synchronising on each band.
    fn forward_bands_parallel(
        &self,
        input: &Tensor,
        out: &mut Tensor,
        ho: usize,
        wo: usize,
        chunk_rows: usize,
    ) -> Option<()> {
        let rows_total = input.shape().n * ho;
        let total = rows_total * wo;
        let (k, f) = (self.channels * self.nr * self.nc, self.num_filters);
        let bands: Vec<(usize, usize)> = (0..rows_total)
            .step_by(chunk_rows)
            .map(|r0| (r0, (r0 + chunk_rows).min(rows_total)))
            .collect();
        let products = bands
            .par_iter()
            .map_init(Vec::new, |col: &mut Vec<f32>, &(r0, r1)| {
                let m = (r1 - r0) * wo;
                col.resize(k * m, 0.0);
                self.im2col(input, ho, wo, r0..r1, col, false);
                let mut product = vec![0.0; f * m];
                matmul(
                    f,
                    m,
                    k,
                    &self.weights,
                    k,
                    col,
                    m,
                    &mut product,
                    m,
                    false,
                    Threads(1),
                )
                .then_some(product)
            })
            .collect::<Option<Vec<_>>>()?;
        out.data_mut()
            .par_chunks_exact_mut(total.max(1))
            .enumerate()
            .for_each(|(row, dst)| {
                for (&(r0, r1), product) in bands.iter().zip(&products) {
                    let m = (r1 - r0) * wo;
                    dst[r0 * wo..r1 * wo].copy_from_slice(&product[row * m..(row + 1) * m]);
                }
            });
        Some(())
    }

    /// A stride-1 convolution with a single filter (the detector's score
    /// layer), computed directly: for each filter tap, the shifted input
    /// rows scaled by the weight are added to the output rows. With one
    /// output channel im2col would copy the input `nr·nc` times for a
    /// product that is only a matrix-vector one.
    fn forward_single_filter(&self, input: &Tensor, out: &mut Tensor, ho: usize, wo: usize) {
        let s = input.shape();
        let (py, px) = (self.padding_y, self.padding_x);
        out.data_mut().fill(0.0);
        for b in 0..s.n {
            let dst = out.plane_mut(0, b);
            for c in 0..s.k {
                let src = input.plane(c, b);
                for dy in 0..self.nr {
                    // Output rows whose input row exists.
                    let oy0 = py.saturating_sub(dy).min(ho);
                    let oy1 = (s.nr + py).saturating_sub(dy).min(ho).max(oy0);
                    for dx in 0..self.nc {
                        let w = self.weights[(c * self.nr + dy) * self.nc + dx];
                        let ox0 = px.saturating_sub(dx).min(wo);
                        let ox1 = (s.nc + px).saturating_sub(dx).min(wo).max(ox0);
                        if ox0 == ox1 {
                            continue;
                        }
                        for oy in oy0..oy1 {
                            let iy = oy + dy - py;
                            let from = iy * s.nc + ox0 + dx - px;
                            let row = &mut dst[oy * wo + ox0..oy * wo + ox1];
                            for (o, v) in row.iter_mut().zip(&src[from..from + (ox1 - ox0)]) {
                                *o += w * v;
                            }
                        }
                    }
                }
            }
        }
    }

    /// The fused pass, channel by channel, in dlib's order: bias, the
    /// convolution's own relu, affine, the following relu.
    fn finish(&self, out: &mut Tensor, per_channel: usize, epilogue: Epilogue<'_>, parallel: bool) {
        let apply = |(f, row): (usize, &mut [f32])| {
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
        };
        let rows = out.data_mut();
        if parallel && rows.len() >= PARALLEL_MIN {
            rows.par_chunks_exact_mut(per_channel.max(1))
                .enumerate()
                .for_each(apply);
        } else {
            rows.chunks_exact_mut(per_channel.max(1))
                .enumerate()
                .for_each(apply);
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

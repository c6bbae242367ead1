//! The weight-free and per-channel layers of dlib's networks: affine (and
//! batch normalisation turned into affine), relu, max and average pooling,
//! the residual add, and the fully connected layer.
//!
//! Each follows dlib's CPU implementation (`dlib/cuda/cpu_dlib.cpp`) operation
//! for operation, so results agree to the last bit wherever no matrix product
//! is involved.

use crate::dlib::net::{AffineRecord, BatchNormRecord, FcRecord, LayerMode, PoolRecord};
use crate::error::EngineError;

use super::tensor::{Shape, Tensor};

fn bad(detail: String) -> EngineError {
    EngineError::InvalidArgument { detail }
}

/// `affine_`: `x * gamma + beta`, per channel (`Conv` mode) or per element
/// of a sample (`Fc` mode).
#[derive(Debug, Clone, PartialEq)]
pub struct Affine {
    mode: LayerMode,
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

impl Affine {
    pub fn new(mode: LayerMode, gamma: Vec<f32>, beta: Vec<f32>) -> Result<Self, String> {
        if gamma.len() != beta.len() {
            return Err(format!("{} gammas and {} betas", gamma.len(), beta.len()));
        }
        Ok(Self { mode, gamma, beta })
    }

    /// A stored affine layer; a disabled one is the identity.
    pub fn from_record(r: &AffineRecord) -> Result<Self, String> {
        if r.disabled {
            let ones = vec![1.0; r.gamma.len()];
            return Self::new(r.mode, ones, vec![0.0; r.gamma.len()]);
        }
        Self::new(r.mode, r.gamma.clone(), r.beta.clone())
    }

    /// Batch normalisation with its running statistics, folded into an
    /// affine layer the way dlib does when it loads a `bn_` into an
    /// `affine_`: `g = gamma / sqrt(var + eps)`, `b = beta − g · mean`, in
    /// `f32`.
    pub fn from_batch_norm(r: &BatchNormRecord) -> Result<Self, String> {
        let eps = r.eps as f32;
        let gamma: Vec<f32> = r
            .gamma
            .iter()
            .zip(&r.running_variances)
            .map(|(g, v)| g / (v + eps).sqrt())
            .collect();
        let beta = r
            .beta
            .iter()
            .zip(&gamma)
            .zip(&r.running_means)
            .map(|((b, g), m)| b - g * m)
            .collect();
        Self::new(r.mode, gamma, beta)
    }

    pub fn mode(&self) -> LayerMode {
        self.mode
    }

    pub fn len(&self) -> usize {
        self.gamma.len()
    }

    pub fn is_empty(&self) -> bool {
        self.gamma.is_empty()
    }

    /// Whether this is a per-channel layer for `channels` channels.
    pub fn is_per_channel(&self, channels: usize) -> bool {
        self.mode == LayerMode::Conv && self.gamma.len() == channels
    }

    /// Gamma and beta of channel `k` (of element `k` in `Fc` mode).
    #[inline]
    pub fn channel(&self, k: usize) -> (f32, f32) {
        (self.gamma[k], self.beta[k])
    }

    /// Applies the layer in place.
    pub fn forward_inplace(&self, t: &mut Tensor) -> Result<(), EngineError> {
        let s = t.shape();
        match self.mode {
            LayerMode::Conv => {
                if s.k != self.gamma.len() {
                    return Err(bad(format!(
                        "affine over {} channels given {s:?}",
                        self.len()
                    )));
                }
                let per_channel = s.n * s.plane();
                for (k, chunk) in t
                    .data_mut()
                    .chunks_exact_mut(per_channel.max(1))
                    .enumerate()
                {
                    let (g, b) = self.channel(k);
                    chunk.iter_mut().for_each(|x| *x = *x * g + b);
                }
            }
            LayerMode::Fc => {
                if s.k * s.plane() != self.gamma.len() {
                    return Err(bad(format!(
                        "affine over {} values given {s:?}",
                        self.len()
                    )));
                }
                for k in 0..s.k {
                    for n in 0..s.n {
                        let base = k * s.plane();
                        for (i, x) in t.plane_mut(k, n).iter_mut().enumerate() {
                            let (g, b) = self.channel(base + i);
                            *x = *x * g + b;
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// `relu_`: `max(x, 0)` in place.
pub fn relu_inplace(t: &mut Tensor) {
    t.data_mut().iter_mut().for_each(|x| *x = x.max(0.0));
}

/// Which reduction a pooling layer computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolKind {
    Max,
    Avg,
}

/// `max_pool_` / `avg_pool_`. A window of 0 rows or columns spans the whole
/// input (`avg_pool_everything`). Windows are clipped to the input: the max
/// and the mean are taken over the values inside it only, as dlib does, so
/// padding never contributes zeros to an average.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pool {
    pub kind: PoolKind,
    pub geometry: PoolRecord,
}

impl Pool {
    pub fn new(kind: PoolKind, geometry: PoolRecord) -> Self {
        Self { kind, geometry }
    }

    /// Window rows and columns for an input of `nr × nc`.
    fn window(&self, nr: usize, nc: usize) -> (usize, usize) {
        let g = &self.geometry;
        (
            if g.nr == 0 { nr } else { g.nr },
            if g.nc == 0 { nc } else { g.nc },
        )
    }

    /// Output rows and columns, `1 + (in + 2·padding − window) / stride`;
    /// None when the window does not fit the padded input or the geometry
    /// is one dlib rejects.
    pub fn output_size(&self, nr: usize, nc: usize) -> Option<(usize, usize)> {
        let g = &self.geometry;
        let (wr, wc) = self.window(nr, nc);
        if g.stride_y == 0 || g.stride_x == 0 || wr == 0 || wc == 0 {
            return None;
        }
        if g.padding_y >= wr || g.padding_x >= wc {
            return None;
        }
        let rows = (nr + 2 * g.padding_y).checked_sub(wr)? / g.stride_y + 1;
        let cols = (nc + 2 * g.padding_x).checked_sub(wc)? / g.stride_x + 1;
        Some((rows, cols))
    }

    pub fn forward(&self, input: &Tensor, out: &mut Tensor) -> Result<(), EngineError> {
        let s = input.shape();
        let (ho, wo) = self
            .output_size(s.nr, s.nc)
            .ok_or_else(|| bad(format!("pooling window does not fit {s:?}")))?;
        let (wr, wc) = self.window(s.nr, s.nc);
        let g = self.geometry;
        out.reshape_for_output(Shape::new(s.n, s.k, ho, wo));
        for k in 0..s.k {
            for n in 0..s.n {
                let src = input.plane(k, n);
                let dst = out.plane_mut(k, n);
                for oy in 0..ho {
                    // The window starts at out·stride − padding; clip it.
                    let top = oy * g.stride_y;
                    let (y0, y1) = (
                        top.saturating_sub(g.padding_y),
                        (top + wr - g.padding_y).min(s.nr),
                    );
                    for ox in 0..wo {
                        let left = ox * g.stride_x;
                        let (x0, x1) = (
                            left.saturating_sub(g.padding_x),
                            (left + wc - g.padding_x).min(s.nc),
                        );
                        let rows = (y0..y1).map(|y| &src[y * s.nc + x0..y * s.nc + x1]);
                        dst[oy * wo + ox] = match self.kind {
                            PoolKind::Max => rows
                                .flatten()
                                .fold(f32::NEG_INFINITY, |m, v| if *v > m { *v } else { m }),
                            PoolKind::Avg => {
                                let sum = rows.flatten().fold(0.0f32, |acc, v| acc + v);
                                sum / ((y1 - y0) * (x1 - x0)) as f32
                            }
                        };
                    }
                }
            }
        }
        Ok(())
    }
}

/// `add_prev_`: `out = a + b`, optionally followed by a relu. When the
/// shapes differ, dlib's output takes the larger size in every dimension and
/// a value missing from one input counts as zero: the residual shortcut of a
/// downsampling block adds a 4×4 average-pooled map to a 3×3 convolution
/// output, and 32 channels to 64.
pub fn add_padded(a: &Tensor, b: &Tensor, out: &mut Tensor, relu: bool) {
    let (sa, sb) = (a.shape(), b.shape());
    let so = Shape::new(
        sa.n.max(sb.n),
        sa.k.max(sb.k),
        sa.nr.max(sb.nr),
        sa.nc.max(sb.nc),
    );
    out.reshape_for_output(so);
    let finish = |v: f32| if relu { v.max(0.0) } else { v };
    if sa == sb {
        for ((o, x), y) in out.data_mut().iter_mut().zip(a.data()).zip(b.data()) {
            *o = finish(x + y);
        }
        return;
    }
    let value = |t: &Tensor, n: usize, k: usize, r: usize, c: usize| {
        let s = t.shape();
        if n < s.n && k < s.k && r < s.nr && c < s.nc {
            t.at(n, k, r, c)
        } else {
            0.0
        }
    };
    for k in 0..so.k {
        for n in 0..so.n {
            for r in 0..so.nr {
                for c in 0..so.nc {
                    let v = value(a, n, k, r, c) + value(b, n, k, r, c);
                    out.set(n, k, r, c, finish(v));
                }
            }
        }
    }
}

/// `fc_`: each sample flattened in dlib's `[k][nr][nc]` order times the
/// `num_inputs × num_outputs` weight matrix, plus the bias if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Fc {
    num_inputs: usize,
    num_outputs: usize,
    weights: Vec<f32>,
    bias: Option<Vec<f32>>,
}

impl Fc {
    pub fn from_record(r: &FcRecord) -> Result<Self, String> {
        if r.weights.len() != r.num_inputs * r.num_outputs
            || r.biases.as_ref().is_some_and(|b| b.len() != r.num_outputs)
        {
            return Err(format!(
                "fc weights do not match {}x{}",
                r.num_inputs, r.num_outputs
            ));
        }
        Ok(Self {
            num_inputs: r.num_inputs,
            num_outputs: r.num_outputs,
            weights: r.weights.clone(),
            bias: r.biases.clone(),
        })
    }

    pub fn num_inputs(&self) -> usize {
        self.num_inputs
    }

    pub fn num_outputs(&self) -> usize {
        self.num_outputs
    }

    pub fn has_bias(&self) -> bool {
        self.bias.is_some()
    }

    /// One row of `num_outputs` values per sample.
    pub fn forward(&self, input: &Tensor) -> Result<Vec<Vec<f32>>, EngineError> {
        let s = input.shape();
        if s.k * s.plane() != self.num_inputs {
            return Err(bad(format!(
                "fc over {} inputs given {s:?}",
                self.num_inputs
            )));
        }
        let mut outputs = Vec::with_capacity(s.n);
        for n in 0..s.n {
            let mut out = vec![0.0; self.num_outputs];
            let mut rows = self.weights.chunks_exact(self.num_outputs.max(1));
            for k in 0..s.k {
                for (&x, row) in input.plane(k, n).iter().zip(&mut rows) {
                    out.iter_mut().zip(row).for_each(|(o, w)| *o += x * w);
                }
            }
            // dlib adds the bias after the product.
            if let Some(bias) = &self.bias {
                out.iter_mut().zip(bias).for_each(|(o, b)| *o += b);
            }
            outputs.push(out);
        }
        Ok(outputs)
    }
}

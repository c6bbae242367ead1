//! The tensor the layers pass along: a batch of multi-channel feature maps.
//!
//! dlib stores a tensor sample by sample (`[n][k][nr][nc]`). riv stores it
//! channel by channel, `[k][n][nr][nc]`, so that a convolution over a whole
//! batch is a single matrix product whose output rows are already the output
//! channels: no reordering between layers, and the small late layers (4×4
//! maps) get a product wide enough to run at full speed when batched. For a
//! single image (`n = 1`) the two layouts are the same.

use crate::error::EngineError;

/// Dimensions of a tensor: samples, channels, rows, columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Shape {
    pub n: usize,
    pub k: usize,
    pub nr: usize,
    pub nc: usize,
}

impl Shape {
    pub fn new(n: usize, k: usize, nr: usize, nc: usize) -> Self {
        Self { n, k, nr, nc }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.n * self.k * self.nr * self.nc
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Elements in one feature map.
    pub fn plane(&self) -> usize {
        self.nr * self.nc
    }
}

/// A batch of feature maps stored `[k][n][nr][nc]` (see the module docs).
#[derive(Clone, Default, PartialEq)]
pub struct Tensor {
    shape: Shape,
    data: Vec<f32>,
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.shape;
        write!(f, "Tensor(n={}, k={}, nr={}, nc={})", s.n, s.k, s.nr, s.nc)
    }
}

impl Tensor {
    pub fn zeros(shape: Shape) -> Self {
        Self {
            shape,
            data: vec![0.0; shape.len()],
        }
    }

    /// Builds a tensor from data in dlib's sample-major order `[n][k][nr][nc]`.
    pub fn from_nchw(shape: Shape, nchw: &[f32]) -> Result<Self, EngineError> {
        if nchw.len() != shape.len() {
            return Err(EngineError::InvalidArgument {
                detail: format!("{} values for a tensor of {shape:?}", nchw.len()),
            });
        }
        let mut t = Self::zeros(shape);
        let plane = shape.plane();
        for n in 0..shape.n {
            for k in 0..shape.k {
                let src = (n * shape.k + k) * plane;
                t.plane_mut(k, n).copy_from_slice(&nchw[src..src + plane]);
            }
        }
        Ok(t)
    }

    /// The data in dlib's sample-major order `[n][k][nr][nc]`.
    pub fn to_nchw(&self) -> Vec<f32> {
        let s = self.shape;
        let mut out = Vec::with_capacity(s.len());
        for n in 0..s.n {
            for k in 0..s.k {
                out.extend_from_slice(self.plane(k, n));
            }
        }
        out
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// All elements, `[k][n][nr][nc]`.
    pub fn data(&self) -> &[f32] {
        &self.data
    }

    pub fn data_mut(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// Element `(n, k, r, c)`; callers keep indices inside the shape.
    #[inline]
    pub fn at(&self, n: usize, k: usize, r: usize, c: usize) -> f32 {
        self.data[self.index(n, k, r, c)]
    }

    #[inline]
    pub fn set(&mut self, n: usize, k: usize, r: usize, c: usize, v: f32) {
        let i = self.index(n, k, r, c);
        self.data[i] = v;
    }

    #[inline]
    fn index(&self, n: usize, k: usize, r: usize, c: usize) -> usize {
        let s = self.shape;
        ((k * s.n + n) * s.nr + r) * s.nc + c
    }

    /// Feature map `k` of sample `n`.
    pub fn plane(&self, k: usize, n: usize) -> &[f32] {
        let p = self.shape.plane();
        let start = (k * self.shape.n + n) * p;
        &self.data[start..start + p]
    }

    pub fn plane_mut(&mut self, k: usize, n: usize) -> &mut [f32] {
        let p = self.shape.plane();
        let start = (k * self.shape.n + n) * p;
        &mut self.data[start..start + p]
    }

    /// Channel `k` of every sample, contiguous.
    pub fn channel(&self, k: usize) -> &[f32] {
        let len = self.shape.n * self.shape.plane();
        &self.data[k * len..(k + 1) * len]
    }

    /// Gives the tensor a new shape, keeping its allocation when it is large
    /// enough. The contents are unspecified afterwards: every layer writes
    /// all of its output.
    pub fn reshape_for_output(&mut self, shape: Shape) {
        self.shape = shape;
        self.data.resize(shape.len(), 0.0);
    }
}

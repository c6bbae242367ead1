//! Singular value decomposition by the Golub–Reinsch algorithm (Householder
//! bidiagonalisation, then implicitly shifted QR), as published in Wilkinson
//! & Reinsch, *Handbook for Automatic Computation*, vol. II.
//!
//! dlib (built without LAPACK, as its Python wheels are) computes every
//! similarity and affine transform through this algorithm, and the chips and
//! landmarks depend on those transforms down to the last bit: a flat image
//! region interpolated at a coordinate one ulp off can truncate to a
//! different grey level. So this follows the published algorithm step by
//! step, in the same operation order dlib's translation uses, rather than
//! using a closed form or a different SVD.

/// A small dense row-major matrix of `f64`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mat {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

impl Mat {
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    #[inline]
    pub fn at(&self, r: usize, c: usize) -> f64 {
        self.data[r * self.cols + c]
    }

    #[inline]
    pub fn at_mut(&mut self, r: usize, c: usize) -> &mut f64 {
        &mut self.data[r * self.cols + c]
    }

    pub fn transpose(&self) -> Mat {
        let mut t = Mat::zeros(self.cols, self.rows);
        for r in 0..self.rows {
            for c in 0..self.cols {
                *t.at_mut(c, r) = self.at(r, c);
            }
        }
        t
    }

    /// `self * rhs`, each element summed left to right starting from the
    /// first product (dlib's `matrix_multiply_helper`).
    pub fn mul(&self, rhs: &Mat) -> Mat {
        let mut out = Mat::zeros(self.rows, rhs.cols);
        for r in 0..self.rows {
            for c in 0..rhs.cols {
                let mut sum = self.at(r, 0) * rhs.at(0, c);
                for k in 1..self.cols {
                    sum += self.at(r, k) * rhs.at(k, c);
                }
                *out.at_mut(r, c) = sum;
            }
        }
        out
    }
}

/// The thin SVD `a = u · diag(q) · vᵀ` of an `m × n` matrix with `m >= n`:
/// `u` is `m × n`, `q` has `n` entries and `v` is `n × n`. Singular values
/// are non-negative but not sorted (as in dlib).
pub(crate) struct Svd {
    pub u: Mat,
    pub q: Vec<f64>,
    pub v: Mat,
}

/// Computes the SVD; `a.rows >= a.cols` is required (the caller transposes
/// otherwise). Gives up on a singular value after 300 QR sweeps, as dlib
/// does, leaving the values found so far.
// Index loops keep the published algorithm's shape, so its operation order
// can be checked against it line by line.
#[allow(clippy::needless_range_loop)]
pub(crate) fn svd(a: &Mat) -> Svd {
    let (m, n) = (a.rows, a.cols);
    let mut u = a.clone();
    let mut v = Mat::zeros(n, n);
    let mut q = vec![0.0; n];
    let mut e = vec![0.0; n];
    if n == 0 || m < n {
        return Svd { u, q, v };
    }
    let tol = f64::MIN_POSITIVE / f64::EPSILON;

    // Householder reduction to bidiagonal form.
    let (mut g, mut x) = (0.0f64, 0.0f64);
    let mut l = 0usize;
    for i in 0..n {
        e[i] = g;
        l = i + 1;
        let mut s = 0.0;
        for j in i..m {
            s += u.at(j, i) * u.at(j, i);
        }
        if s < tol {
            g = 0.0;
        } else {
            let f = u.at(i, i);
            g = if f < 0.0 { s.sqrt() } else { -s.sqrt() };
            let h = f * g - s;
            *u.at_mut(i, i) = f - g;
            for j in l..n {
                let mut s = 0.0;
                for k in i..m {
                    s += u.at(k, i) * u.at(k, j);
                }
                let f = s / h;
                for k in i..m {
                    let add = f * u.at(k, i);
                    *u.at_mut(k, j) += add;
                }
            }
        }
        q[i] = g;
        let mut s = 0.0;
        for j in l..n {
            s += u.at(i, j) * u.at(i, j);
        }
        if s < tol {
            g = 0.0;
        } else {
            let f = u.at(i, i + 1);
            g = if f < 0.0 { s.sqrt() } else { -s.sqrt() };
            let h = f * g - s;
            *u.at_mut(i, i + 1) = f - g;
            for j in l..n {
                e[j] = u.at(i, j) / h;
            }
            for j in l..m {
                let mut s = 0.0;
                for k in l..n {
                    s += u.at(j, k) * u.at(i, k);
                }
                for k in l..n {
                    *u.at_mut(j, k) += s * e[k];
                }
            }
        }
        let y = q[i].abs() + e[i].abs();
        if y > x {
            x = y;
        }
    }

    // Accumulation of the right-hand transformations.
    for i in (0..n).rev() {
        if g != 0.0 {
            let h = u.at(i, i + 1) * g;
            for j in l..n {
                *v.at_mut(j, i) = u.at(i, j) / h;
            }
            for j in l..n {
                let mut s = 0.0;
                for k in l..n {
                    s += u.at(i, k) * v.at(k, j);
                }
                for k in l..n {
                    let add = s * v.at(k, i);
                    *v.at_mut(k, j) += add;
                }
            }
        }
        for j in l..n {
            *v.at_mut(i, j) = 0.0;
            *v.at_mut(j, i) = 0.0;
        }
        *v.at_mut(i, i) = 1.0;
        g = e[i];
        l = i;
    }

    // Accumulation of the left-hand transformations (thin U: nothing to
    // pad below row n).
    for i in (0..n).rev() {
        let l = i + 1;
        let g = q[i];
        for j in l..n {
            *u.at_mut(i, j) = 0.0;
        }
        if g != 0.0 {
            let h = u.at(i, i) * g;
            for j in l..n {
                let mut s = 0.0;
                for k in l..m {
                    s += u.at(k, i) * u.at(k, j);
                }
                let f = s / h;
                for k in i..m {
                    let add = f * u.at(k, i);
                    *u.at_mut(k, j) += add;
                }
            }
            for j in i..m {
                *u.at_mut(j, i) /= g;
            }
        } else {
            for j in i..m {
                *u.at_mut(j, i) = 0.0;
            }
        }
        *u.at_mut(i, i) += 1.0;
    }

    diagonalise(&mut u, &mut v, &mut q, &mut e, f64::EPSILON * x);
    Svd { u, q, v }
}

/// Rotates columns `a` and `b` of `mat` by the Givens pair `(c, s)`.
fn rotate_columns(mat: &mut Mat, a: usize, b: usize, c: f64, s: f64) {
    for j in 0..mat.rows {
        let y = mat.at(j, a);
        let z = mat.at(j, b);
        *mat.at_mut(j, a) = y * c + z * s;
        *mat.at_mut(j, b) = -y * s + z * c;
    }
}

/// Diagonalisation of the bidiagonal form `(q, e)` by QR sweeps with a shift
/// from the bottom 2×2 minor.
fn diagonalise(u: &mut Mat, v: &mut Mat, q: &mut [f64], e: &mut [f64], eps: f64) {
    let n = q.len();
    for k in (0..n).rev() {
        let mut iter = 0;
        loop {
            // Test for splitting: find the largest l with a negligible e[l]
            // (e[0] is always zero) or a negligible q[l - 1].
            let mut l = k;
            let mut cancel = false;
            loop {
                // e[0] is always zero, so only NaN input gets past l = 0.
                if e[l].abs() <= eps || l == 0 {
                    break;
                }
                if q[l - 1].abs() <= eps {
                    cancel = true;
                    break;
                }
                l -= 1;
            }
            if cancel {
                // Cancellation of e[l], l > 0.
                let (mut c, mut s) = (0.0f64, 1.0f64);
                let l1 = l - 1;
                for i in l..=k {
                    let f = s * e[i];
                    e[i] *= c;
                    if f.abs() <= eps {
                        break;
                    }
                    let g = q[i];
                    let h = (f * f + g * g).sqrt();
                    q[i] = h;
                    c = g / h;
                    s = -f / h;
                    rotate_columns(u, l1, i, c, s);
                }
            }
            // Test for convergence.
            let z = q[k];
            if l == k {
                if z < 0.0 {
                    q[k] = -z;
                    for j in 0..n {
                        *v.at_mut(j, k) = -v.at(j, k);
                    }
                }
                break;
            }
            iter += 1;
            if iter > 300 {
                return;
            }
            // Shift from the bottom 2×2 minor.
            let mut x = q[l];
            let mut y = q[k - 1];
            let mut g = e[k - 1];
            let mut h = e[k];
            let mut f = ((y - z) * (y + z) + (g - h) * (g + h)) / (2.0 * h * y);
            g = (f * f + 1.0).sqrt();
            let denom = if f < 0.0 { f - g } else { f + g };
            f = ((x - z) * (x + z) + h * (y / denom - h)) / x;
            // Next QR transformation.
            let (mut c, mut s) = (1.0f64, 1.0f64);
            for i in l + 1..=k {
                g = e[i];
                y = q[i];
                h = s * g;
                g *= c;
                let mut z = (f * f + h * h).sqrt();
                e[i - 1] = z;
                c = f / z;
                s = h / z;
                f = x * c + g * s;
                g = -x * s + g * c;
                h = y * s;
                y *= c;
                rotate_columns(v, i - 1, i, c, s);
                z = (f * f + h * h).sqrt();
                q[i - 1] = z;
                if z != 0.0 {
                    c = f / z;
                    s = h / z;
                }
                f = c * g + s * y;
                x = -s * g + c * y;
                rotate_columns(u, i - 1, i, c, s);
            }
            e[l] = 0.0;
            e[k] = f;
            q[k] = x;
        }
    }
}

/// dlib's `pinv`: the Moore–Penrose pseudo-inverse through the SVD, with
/// singular values below `eps · max(rows, cols) · max(q)` treated as zero.
pub(crate) fn pinv(a: &Mat) -> Mat {
    if a.cols > a.rows {
        return pinv_tall(&a.transpose()).transpose();
    }
    pinv_tall(a)
}

fn pinv_tall(a: &Mat) -> Mat {
    let Svd { u, q, v } = svd(a);
    let max_q = q.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let eps = f64::EPSILON * a.rows.max(a.cols) as f64 * max_q;
    let recip: Vec<f64> = q
        .iter()
        .map(|&w| {
            let w = if w >= eps || w <= -eps { w } else { 0.0 };
            if w != 0.0 { 1.0 / w } else { 0.0 }
        })
        .collect();
    let mut scaled = v.clone();
    for r in 0..scaled.rows {
        for (c, rc) in recip.iter().enumerate() {
            *scaled.at_mut(r, c) = v.at(r, c) * rc;
        }
    }
    scaled.mul(&u.transpose())
}

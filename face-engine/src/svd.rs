//! Singular value decomposition by Golub and Reinsch's algorithm (the
//! "Handbook for Automatic Computation, vol. II" procedure dlib's `svd4`
//! implements when it is built without LAPACK, as its Python wheel is).
//!
//! Why a bespoke SVD: dlib computes every similarity and affine transform
//! (face chips, landmarks) and splits every HOG filter plane into rank-one
//! (row × column) filters taken from this decomposition, and the detector's
//! scores depend on the last bit of those filters. Performing the same
//! floating-point operations in the same order gives the same filters, and
//! so the same scores, as dlib.

// Index loops keep the procedure line-for-line comparable with the published
// algorithm, whose operation order the results depend on.
#![allow(clippy::needless_range_loop)]

/// A dense row-major matrix of `f64`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mat {
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

    pub fn transpose(&self) -> Mat {
        let mut t = Mat::zeros(self.cols, self.rows);
        for r in 0..self.rows {
            for c in 0..self.cols {
                *t.at_mut(c, r) = self.at(r, c);
            }
        }
        t
    }

    /// Column `c` as a vector.
    pub fn column(&self, c: usize) -> Vec<f64> {
        (0..self.rows).map(|r| self.at(r, c)).collect()
    }
}

/// `m = u * diag(w) * vᵀ`, singular values unsorted (as the algorithm
/// leaves them), `u` with as many columns as `w` has entries.
#[derive(Debug, Clone, PartialEq)]
pub struct Svd {
    pub u: Mat,
    pub w: Vec<f64>,
    pub v: Mat,
}

/// dlib's `svd3`: works for any shape by decomposing the transpose of a
/// wide matrix and padding with zero singular values.
pub fn svd3(m: &Mat) -> Svd {
    if m.rows >= m.cols {
        golub_reinsch(m, false)
    } else {
        let t = golub_reinsch(&m.transpose(), true);
        // Roles swap: the transpose's V is our U and its (full) U our V.
        let mut u = Mat::zeros(m.rows, m.cols);
        for r in 0..m.rows {
            for c in 0..t.v.cols {
                *u.at_mut(r, c) = t.v.at(r, c);
            }
        }
        let mut w = t.w;
        w.resize(m.cols, 0.0);
        Svd { u, w, v: t.u }
    }
}

/// The Golub–Reinsch procedure for `a` with at least as many rows as
/// columns. `full_u` makes `u` square (`rows × rows`) instead of
/// `rows × cols`.
fn golub_reinsch(a: &Mat, full_u: bool) -> Svd {
    let m = a.rows;
    let n = a.cols;
    let u_cols = if full_u { m } else { n };
    let mut u = Mat::zeros(m, u_cols);
    for i in 0..m {
        for j in 0..n {
            *u.at_mut(i, j) = a.at(i, j);
        }
    }
    let mut q = vec![0.0f64; n];
    let mut e = vec![0.0f64; n];
    let mut v = Mat::zeros(n, n);

    let tol = f64::MIN_POSITIVE / f64::EPSILON;

    // Householder reduction to bidiagonal form.
    let mut g = 0.0f64;
    let mut x = 0.0f64;
    let mut l = 0usize;
    for i in 0..n {
        e[i] = g;
        l = i + 1;
        let mut s = 0.0f64;
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
                let mut s = 0.0f64;
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
        let mut s = 0.0f64;
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
                let mut s = 0.0f64;
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

    // Accumulation of right-hand transformations.
    for i in (0..n).rev() {
        if g != 0.0 {
            let h = u.at(i, i + 1) * g;
            for j in l..n {
                *v.at_mut(j, i) = u.at(i, j) / h;
            }
            for j in l..n {
                let mut s = 0.0f64;
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

    // Accumulation of left-hand transformations.
    for i in n..m {
        for j in n..u_cols {
            *u.at_mut(i, j) = 0.0;
        }
        if i < u_cols {
            *u.at_mut(i, i) = 1.0;
        }
    }
    for i in (0..n).rev() {
        let l = i + 1;
        let g = q[i];
        for j in l..u_cols {
            *u.at_mut(i, j) = 0.0;
        }
        if g != 0.0 {
            let h = u.at(i, i) * g;
            for j in l..u_cols {
                let mut s = 0.0f64;
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

    diagonalise(&mut u, &mut q, &mut e, &mut v, f64::EPSILON * x);
    Svd { u, w: q, v }
}

/// Rotates `u[.., a]` and `u[.., b]` (all rows) by the Givens pair (c, s).
fn rotate_columns(mat: &mut Mat, a: usize, b: usize, c: f64, s: f64) {
    for j in 0..mat.rows {
        let y = mat.at(j, a);
        let z = mat.at(j, b);
        *mat.at_mut(j, a) = y * c + z * s;
        *mat.at_mut(j, b) = -y * s + z * c;
    }
}

/// Diagonalisation of the bidiagonal form (`q` diagonal, `e` super-diagonal)
/// by implicitly shifted QR steps, with cancellation when a diagonal entry
/// vanishes. Gives up on a singular value after 300 steps, as dlib does.
fn diagonalise(u: &mut Mat, q: &mut [f64], e: &mut [f64], v: &mut Mat, eps: f64) {
    let n = q.len();
    for k in (0..n).rev() {
        let mut iterations = 0;
        loop {
            // Find l: either e[l] is negligible (split), or q[l-1] is and
            // e[l] must be cancelled first. e[0] is always zero, so the
            // search ends by l = 0.
            let mut l = k;
            let mut cancel = false;
            loop {
                if e[l].abs() <= eps {
                    break;
                }
                if l == 0 || q[l - 1].abs() <= eps {
                    cancel = l > 0;
                    break;
                }
                l -= 1;
            }
            if cancel {
                let l1 = l - 1;
                let mut c = 0.0f64;
                let mut s = 1.0f64;
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

            let z = q[k];
            if l == k {
                if z < 0.0 {
                    q[k] = -z;
                    for j in 0..v.rows {
                        let flipped = -v.at(j, k);
                        *v.at_mut(j, k) = flipped;
                    }
                }
                break;
            }

            iterations += 1;
            if iterations > 300 {
                return;
            }
            // Shift from the bottom 2x2 minor.
            let mut x = q[l];
            let mut y = q[k - 1];
            let mut g = e[k - 1];
            let mut h = e[k];
            let mut f = ((y - z) * (y + z) + (g - h) * (g + h)) / (2.0 * h * y);
            g = (f * f + 1.0).sqrt();
            f = ((x - z) * (x + z) + h * (y / (if f < 0.0 { f - g } else { f + g }) - h)) / x;

            // Next QR transformation.
            let mut c = 1.0f64;
            let mut s = 1.0f64;
            for i in (l + 1)..=k {
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
    let Svd { u, w: q, v } = svd3(a);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn reconstruct(svd: &Svd) -> Mat {
        let (rows, cols) = (svd.u.rows, svd.v.rows);
        let mut m = Mat::zeros(rows, cols);
        for r in 0..rows {
            for c in 0..cols {
                let mut sum = 0.0;
                for (k, w) in svd.w.iter().enumerate() {
                    sum += svd.u.at(r, k) * w * svd.v.at(c, k);
                }
                *m.at_mut(r, c) = sum;
            }
        }
        m
    }

    fn sample(rows: usize, cols: usize, seed: u64) -> Mat {
        let mut state = seed;
        let mut m = Mat::zeros(rows, cols);
        for value in &mut m.data {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *value = ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5;
        }
        m
    }

    fn assert_orthonormal_columns(m: &Mat, count: usize) {
        for a in 0..count {
            for b in 0..count {
                let dot: f64 = (0..m.rows).map(|r| m.at(r, a) * m.at(r, b)).sum();
                let expected = if a == b { 1.0 } else { 0.0 };
                assert!((dot - expected).abs() < 1e-12, "columns {a},{b}: {dot}");
            }
        }
    }

    #[test]
    fn decomposes_square_tall_and_wide_matrices() {
        for (rows, cols) in [(10, 10), (7, 3), (3, 7), (1, 1), (1, 4), (5, 1)] {
            let m = sample(rows, cols, (rows * 31 + cols) as u64);
            let svd = svd3(&m);
            assert_eq!(svd.w.len(), cols);
            assert!(svd.w.iter().all(|w| *w >= 0.0));
            let back = reconstruct(&svd);
            for (a, b) in back.data.iter().zip(&m.data) {
                assert!((a - b).abs() < 1e-12, "{rows}x{cols}: {a} vs {b}");
            }
            assert_orthonormal_columns(&svd.v, cols);
            assert_orthonormal_columns(&svd.u, rows.min(cols));
        }
    }

    #[test]
    fn rank_one_and_zero_matrices() {
        let mut m = Mat::zeros(4, 4);
        for r in 0..4 {
            for c in 0..4 {
                *m.at_mut(r, c) = (r + 1) as f64 * (c as f64 - 1.5);
            }
        }
        let svd = svd3(&m);
        let mut w = svd.w.clone();
        w.sort_by(|a, b| b.total_cmp(a));
        let expected = (30.0f64).sqrt() * (5.0f64).sqrt();
        assert!((w[0] - expected).abs() < 1e-12);
        assert!(w[1..].iter().all(|x| x.abs() < 1e-12));
        let zero = svd3(&Mat::zeros(3, 3));
        assert_eq!(zero.w, vec![0.0; 3]);
    }
}

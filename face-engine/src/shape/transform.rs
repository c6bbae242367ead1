//! dlib's point transforms: `point_transform_affine`,
//! `find_affine_transform` (least squares through the pseudo-inverse) and
//! `find_similarity_transform` (Umeyama's method), computed with dlib's
//! operation order so results agree with dlib bit for bit.
//!
//! Several of dlib's expression-template rewrites change the arithmetic and
//! are reproduced on purpose: a matrix divided by a scalar is multiplied by
//! the reciprocal, and `(c · R) · v` is evaluated as `(R · v) · c`.

use crate::geometry::Point;
use crate::svd::{Mat, pinv, svd3};

/// `p ↦ m · p + b` (dlib's `point_transform_affine`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AffineTransform {
    /// Row-major 2×2 linear part.
    pub m: [[f64; 2]; 2],
    pub b: [f64; 2],
}

impl Default for AffineTransform {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl AffineTransform {
    pub const IDENTITY: AffineTransform = AffineTransform {
        m: [[1.0, 0.0], [0.0, 1.0]],
        b: [0.0, 0.0],
    };

    /// Applies the transform.
    #[inline]
    pub fn apply(&self, p: Point) -> Point {
        Point::new(
            self.m[0][0] * p.x + self.m[0][1] * p.y + self.b[0],
            self.m[1][0] * p.x + self.m[1][1] * p.y + self.b[1],
        )
    }
}

/// `find_affine_transform`: the affine map sending `from[i]` closest to
/// `to[i]` in the least-squares sense. Needs at least three point pairs of
/// equal count; otherwise returns the identity.
pub fn find_affine_transform(from: &[Point], to: &[Point]) -> AffineTransform {
    let n = from.len();
    if n < 3 || to.len() != n {
        return AffineTransform::IDENTITY;
    }
    let mut p = Mat::zeros(3, n);
    let mut q = Mat::zeros(2, n);
    for (i, (f, t)) in from.iter().zip(to).enumerate() {
        *p.at_mut(0, i) = f.x;
        *p.at_mut(1, i) = f.y;
        *p.at_mut(2, i) = 1.0;
        *q.at_mut(0, i) = t.x;
        *q.at_mut(1, i) = t.y;
    }
    let m = q.mul(&pinv(&p));
    AffineTransform {
        m: [[m.at(0, 0), m.at(0, 1)], [m.at(1, 0), m.at(1, 1)]],
        b: [m.at(0, 2), m.at(1, 2)],
    }
}

/// `find_similarity_transform`: the rotation, uniform scale and translation
/// sending `from[i]` closest to `to[i]` (Umeyama 1991, eqs. 34–43). Needs at
/// least two point pairs of equal count; otherwise returns the identity.
pub fn find_similarity_transform(from: &[Point], to: &[Point]) -> AffineTransform {
    let n = from.len();
    if n < 2 || to.len() != n {
        return AffineTransform::IDENTITY;
    }
    let count = n as f64;
    let (mut mf, mut mt) = ([0.0f64; 2], [0.0f64; 2]);
    for (f, t) in from.iter().zip(to) {
        mf[0] += f.x;
        mf[1] += f.y;
        mt[0] += t.x;
        mt[1] += t.y;
    }
    for v in mf.iter_mut().chain(mt.iter_mut()) {
        *v /= count;
    }
    let mut sigma_from = 0.0;
    let mut cov = Mat::zeros(2, 2);
    for (f, t) in from.iter().zip(to) {
        let df = [f.x - mf[0], f.y - mf[1]];
        let dt = [t.x - mt[0], t.y - mt[1]];
        sigma_from += df[0] * df[0] + df[1] * df[1];
        for (r, dtr) in dt.iter().enumerate() {
            for (c, dfc) in df.iter().enumerate() {
                *cov.at_mut(r, c) += dtr * dfc;
            }
        }
    }
    sigma_from /= count;
    // dlib divides a floating-point matrix by multiplying with 1/n.
    let inv = 1.0 / count;
    for v in &mut cov.data {
        *v *= inv;
    }

    let dec = svd3(&cov);
    let (u, d, v) = (&dec.u, &dec.w, &dec.v);
    let det2 = |m: &Mat| m.at(0, 0) * m.at(1, 1) - m.at(0, 1) * m.at(1, 0);
    let det_cov = det2(&cov);
    let mut s = [1.0f64, 1.0];
    if det_cov < 0.0 || (det_cov == 0.0 && det2(u) * det2(v) < 0.0) {
        if d[1] < d[0] {
            s[1] = -1.0;
        } else {
            s[0] = -1.0;
        }
    }
    // r = u · diag(s) · vᵀ. The zero off-diagonal terms of dlib's lazy
    // products add exactly nothing, so they are left out.
    let mut r = [[0.0f64; 2]; 2];
    for (i, row) in r.iter_mut().enumerate() {
        for (j, out) in row.iter_mut().enumerate() {
            *out = u.at(i, 0) * s[0] * v.at(j, 0) + u.at(i, 1) * s[1] * v.at(j, 1);
        }
    }
    let mut c = 1.0;
    if sigma_from != 0.0 {
        c = 1.0 / sigma_from * (d[0] * s[0] + d[1] * s[1]);
    }
    let rm = |i: usize| (r[i][0] * mf[0] + r[i][1] * mf[1]) * c;
    AffineTransform {
        m: [[r[0][0] * c, r[0][1] * c], [r[1][0] * c, r[1][1] * c]],
        b: [mt[0] - rm(0), mt[1] - rm(1)],
    }
}

/// dlib's `rotate_point(center, p, angle)`.
pub fn rotate_point(center: Point, p: Point, angle: f64) -> Point {
    let (sin, cos) = (angle.sin(), angle.cos());
    let (x, y) = (p.x - center.x, p.y - center.y);
    Point::new(cos * x - sin * y + center.x, sin * x + cos * y + center.y)
}

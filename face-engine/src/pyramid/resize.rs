//! Bilinear resizing with dlib's exact arithmetic (`resize_image` with
//! `interpolate_bilinear`, the overloads for RGB→RGB and 8-bit grey→grey).
//!
//! dlib resizes a row four columns at a time in single precision (its SSE
//! path) and finishes the columns the vector loop cannot reach in double
//! precision. The two paths round differently, and the vector path
//! accumulates its column coordinate in `f32`, so the same pixel can differ
//! by one grey level depending on which path produced it. We replay both
//! paths operation by operation, in the same order, so every output byte
//! equals dlib's. Both `pyramid_down<N>` for N > 3 and `pyramid_up` are this
//! resize with particular output sizes.

use crate::image::{GrayImage, RgbImage};

/// Per-row vertical interpolation state shared by both pixel types.
struct RowSpec {
    top: usize,
    bottom: usize,
    /// `tb_frac` in double precision (the scalar tail).
    tb: f64,
    /// `tb_frac` and `1 - tb_frac` narrowed to `f32` (the vector loop).
    tb_f: f32,
    inv_tb_f: f32,
}

/// The column coordinates of one four-lane step of dlib's vector loop.
struct Lanes {
    left: [usize; 4],
    /// Bilinear weights of the four neighbours, per lane: tl, tr, bl, br.
    weights: [[f32; 4]; 4],
}

/// Scale factors dlib uses: input span over output span, both minus one.
fn scales(in_w: usize, in_h: usize, out_w: usize, out_h: usize) -> (f64, f64) {
    let x_scale = (in_w - 1) as f64 / (out_w.saturating_sub(1)).max(1) as f64;
    let y_scale = (in_h - 1) as f64 / (out_h.saturating_sub(1)).max(1) as f64;
    (x_scale, y_scale)
}

/// Walks the rows as dlib does (accumulating `y` in double precision) and
/// calls `row` with each row's vertical state.
fn for_each_row(in_h: usize, out_h: usize, y_scale: f64, mut row: impl FnMut(usize, &RowSpec)) {
    let mut y = -y_scale;
    for r in 0..out_h {
        y += y_scale;
        let top = y.floor().max(0.0) as usize;
        let spec = RowSpec {
            top,
            bottom: (top + 1).min(in_h - 1),
            tb: y - top as f64,
            tb_f: (y - top as f64) as f32,
            inv_tb_f: (1.0 - (y - top as f64)) as f32,
        };
        row(r, &spec);
    }
}

/// Runs dlib's four-lane column loop for one row. `emit` receives the output
/// column and the lane geometry; returns the first column left to the scalar
/// tail.
fn vector_columns(
    in_w: usize,
    out_w: usize,
    x_scale: f64,
    row: &RowSpec,
    mut emit: impl FnMut(usize, usize, &Lanes),
) -> usize {
    let x = -4.0 * x_scale;
    let step = (4.0 * x_scale) as f32;
    let mut xs = [
        x as f32,
        (x + x_scale) as f32,
        (x + 2.0 * x_scale) as f32,
        (x + 3.0 * x_scale) as f32,
    ];
    let mut c = 0usize;
    loop {
        let mut lanes = Lanes {
            left: [0; 4],
            weights: [[0.0; 4]; 4],
        };
        let mut right_last = 0i64;
        for (k, xk) in xs.iter_mut().enumerate() {
            *xk += step;
            // `_mm_cvttps_epi32`: truncation toward zero.
            let left = *xk as i32;
            let lr = *xk - left as f32;
            let inv_lr = 1.0f32 - lr;
            lanes.left[k] = left.max(0) as usize;
            lanes.weights[k] = [
                row.inv_tb_f * inv_lr,
                row.inv_tb_f * lr,
                row.tb_f * inv_lr,
                row.tb_f * lr,
            ];
            right_last = i64::from(left) + 1;
        }
        if right_last >= in_w as i64 {
            return c;
        }
        for k in 0..4 {
            // dlib writes all four lanes; lanes past the row end only
            // scribble on memory it overwrites later, so skipping them is
            // equivalent.
            if c + k < out_w {
                emit(c + k, k, &lanes);
            }
        }
        c += 4;
    }
}

/// `static_cast<int32>` of a non-negative float sum, then the low byte, as
/// dlib's RGB vector path stores it.
#[inline]
fn lane_value(w: &[f32; 4], tl: u8, tr: u8, bl: u8, br: u8) -> f32 {
    w[0] * f32::from(tl) + w[1] * f32::from(tr) + w[2] * f32::from(bl) + w[3] * f32::from(br)
}

/// dlib's `resize_image(in, out)` for RGB images: `out` is `out_w × out_h`.
pub(crate) fn resize_rgb(src: &RgbImage, out_w: u32, out_h: u32) -> RgbImage {
    let mut out = RgbImage::new(out_w, out_h);
    let (in_w, in_h) = (src.width() as usize, src.height() as usize);
    let (ow, oh) = (out_w as usize, out_h as usize);
    if in_w == 0 || in_h == 0 || ow == 0 || oh == 0 {
        return out;
    }
    let (x_scale, y_scale) = scales(in_w, in_h, ow, oh);
    let px = src.pixels();
    let stride = in_w * 3;
    let dst = out.pixels_mut();
    for_each_row(in_h, oh, y_scale, |r, row| {
        let top = &px[row.top * stride..(row.top + 1) * stride];
        let bottom = &px[row.bottom * stride..(row.bottom + 1) * stride];
        let out_row = &mut dst[r * ow * 3..(r + 1) * ow * 3];
        let c0 = vector_columns(in_w, ow, x_scale, row, |c, k, lanes| {
            let l = lanes.left[k] * 3;
            let w = &lanes.weights[k];
            for ch in 0..3 {
                let v = lane_value(
                    w,
                    top[l + ch],
                    top[l + 3 + ch],
                    bottom[l + ch],
                    bottom[l + 3 + ch],
                );
                out_row[c * 3 + ch] = (v as i32) as u8;
            }
        });
        let mut x = -x_scale + c0 as f64 * x_scale;
        for c in c0..ow {
            x += x_scale;
            let left = x.floor().max(0.0) as usize;
            let right = (left + 1).min(in_w - 1);
            let lr = x - left as f64;
            for ch in 0..3 {
                let tl = f64::from(top[left * 3 + ch]);
                let tr = f64::from(top[right * 3 + ch]);
                let bl = f64::from(bottom[left * 3 + ch]);
                let br = f64::from(bottom[right * 3 + ch]);
                let v = (1.0 - row.tb) * ((1.0 - lr) * tl + lr * tr)
                    + row.tb * ((1.0 - lr) * bl + lr * br);
                out_row[c * 3 + ch] = v as u8;
            }
        }
    });
    out
}

/// dlib's `resize_image(in, out)` for 8-bit grey images.
pub(crate) fn resize_gray(src: &GrayImage, out_w: u32, out_h: u32) -> GrayImage {
    let (in_w, in_h) = (src.width() as usize, src.height() as usize);
    let (ow, oh) = (out_w as usize, out_h as usize);
    let mut dst = vec![0u8; ow * oh];
    if in_w != 0 && in_h != 0 && ow != 0 && oh != 0 {
        let (x_scale, y_scale) = scales(in_w, in_h, ow, oh);
        let px = src.pixels();
        for_each_row(in_h, oh, y_scale, |r, row| {
            let top = &px[row.top * in_w..(row.top + 1) * in_w];
            let bottom = &px[row.bottom * in_w..(row.bottom + 1) * in_w];
            let out_row = &mut dst[r * ow..(r + 1) * ow];
            let c0 = vector_columns(in_w, ow, x_scale, row, |c, k, lanes| {
                let l = lanes.left[k];
                let v = lane_value(
                    &lanes.weights[k],
                    top[l],
                    top[l + 1],
                    bottom[l],
                    bottom[l + 1],
                );
                // The grey vector path rounds: `static_cast<T>(value + 0.5)`.
                out_row[c] = (f64::from(v) + 0.5) as u8;
            });
            let mut x = -x_scale + c0 as f64 * x_scale;
            for out in out_row.iter_mut().skip(c0) {
                x += x_scale;
                let left = x.floor().max(0.0) as usize;
                let right = (left + 1).min(in_w - 1);
                let lr = (x - left as f64) as f32;
                let (tl, tr) = (f32::from(top[left]), f32::from(top[right]));
                let (bl, br) = (f32::from(bottom[left]), f32::from(bottom[right]));
                let upper = (1.0f32 - lr) * tl + lr * tr;
                let lower = (1.0f32 - lr) * bl + lr * br;
                let v = ((1.0 - row.tb) * f64::from(upper) + row.tb * f64::from(lower)) as f32;
                // The scalar tail truncates (dlib's `assign_pixel` from float).
                *out = v.clamp(0.0, 255.0) as u8;
            }
        });
    }
    super::gray_from_vec(out_w, out_h, dst)
}

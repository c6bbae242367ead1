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
//!
//! The column coordinates do not depend on the row (dlib restarts them for
//! every row), so they are computed once per image; only the arithmetic that
//! mixes row and column weights runs per pixel.

use crate::image::{GrayImage, RgbImage};

/// Per-row vertical interpolation state.
struct RowSpec {
    top: usize,
    bottom: usize,
    /// `tb_frac` in double precision (the scalar tail).
    tb: f64,
    /// `tb_frac` and `1 - tb_frac` narrowed to `f32` (the vector loop).
    tb_f: f32,
    inv_tb_f: f32,
}

/// A column of the vector loop: left neighbour and `f32` weights.
#[derive(Clone, Copy)]
struct LaneCol {
    left: usize,
    lr: f32,
    inv_lr: f32,
}

/// A column of the scalar tail: both neighbours and the `f64` weight.
#[derive(Clone, Copy)]
struct TailCol {
    left: usize,
    right: usize,
    lr: f64,
}

/// The row-independent column plan of one resize.
struct Columns {
    lanes: Vec<LaneCol>,
    tail: Vec<TailCol>,
}

/// Scale factors dlib uses: input span over output span, both minus one.
fn scales(in_w: usize, in_h: usize, out_w: usize, out_h: usize) -> (f64, f64) {
    let x_scale = (in_w - 1) as f64 / (out_w.saturating_sub(1)).max(1) as f64;
    let y_scale = (in_h - 1) as f64 / (out_h.saturating_sub(1)).max(1) as f64;
    (x_scale, y_scale)
}

/// Replays dlib's column walk: four `f32` lanes advanced by `4 x_scale`
/// until the last lane's right neighbour leaves the image, then the rest in
/// `f64`, restarting from `c · x_scale`.
fn plan_columns(in_w: usize, out_w: usize, x_scale: f64) -> Columns {
    let x = -4.0 * x_scale;
    let step = (4.0 * x_scale) as f32;
    let mut xs = [
        x as f32,
        (x + x_scale) as f32,
        (x + 2.0 * x_scale) as f32,
        (x + 3.0 * x_scale) as f32,
    ];
    let mut lanes = Vec::with_capacity(out_w);
    while lanes.len() < out_w {
        let step_cols = xs.map(|x| x + step).map(|x| {
            // `_mm_cvttps_epi32`: truncation toward zero.
            let left = x as i32;
            let lr = x - left as f32;
            (left, lr)
        });
        xs = xs.map(|x| x + step);
        // dlib tests only the last lane: lanes are increasing.
        if i64::from(step_cols[3].0) + 1 >= in_w as i64 {
            break;
        }
        // dlib writes all four lanes; lanes past the row end only scribble
        // on memory it overwrites later, so dropping them is equivalent.
        let room = out_w - lanes.len();
        lanes.extend(step_cols.iter().take(room).map(|&(left, lr)| LaneCol {
            left: left.max(0) as usize,
            lr,
            inv_lr: 1.0f32 - lr,
        }));
    }
    let c0 = lanes.len();
    let mut x = -x_scale + c0 as f64 * x_scale;
    let tail = (c0..out_w)
        .map(|_| {
            x += x_scale;
            let left = x.floor().max(0.0) as usize;
            TailCol {
                left,
                right: (left + 1).min(in_w - 1),
                lr: x - left as f64,
            }
        })
        .collect();
    Columns { lanes, tail }
}

/// Walks the rows as dlib does (accumulating `y` in double precision).
fn rows(in_h: usize, out_h: usize, y_scale: f64) -> Vec<RowSpec> {
    let mut y = -y_scale;
    (0..out_h)
        .map(|_| {
            y += y_scale;
            let top = y.floor().max(0.0) as usize;
            let tb = y - top as f64;
            RowSpec {
                top,
                bottom: (top + 1).min(in_h - 1),
                tb,
                tb_f: tb as f32,
                inv_tb_f: (1.0 - tb) as f32,
            }
        })
        .collect()
}

/// The vector path's four `f32` weights for a pixel: products of a row and
/// a column weight, `[tl, tr, bl, br]`.
#[inline(always)]
fn lane_weights(row: &RowSpec, col: &LaneCol) -> [f32; 4] {
    [
        row.inv_tb_f * col.inv_lr,
        row.inv_tb_f * col.lr,
        row.tb_f * col.inv_lr,
        row.tb_f * col.lr,
    ]
}

/// The vector path's weighted sum, `((tl·a + tr·b) + bl·c) + br·d`.
#[inline(always)]
fn lane_sum(w: &[f32; 4], tl: u8, tr: u8, bl: u8, br: u8) -> f32 {
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
    let cols = plan_columns(in_w, ow, x_scale);
    let px = src.pixels();
    let stride = in_w * 3;
    for (row, out_row) in rows(in_h, oh, y_scale)
        .iter()
        .zip(out.pixels_mut().chunks_exact_mut(ow * 3))
    {
        let top = &px[row.top * stride..(row.top + 1) * stride];
        let bottom = &px[row.bottom * stride..(row.bottom + 1) * stride];
        let (lane_out, tail_out) = out_row.split_at_mut(cols.lanes.len() * 3);
        for (col, o) in cols.lanes.iter().zip(lane_out.chunks_exact_mut(3)) {
            let l = col.left * 3;
            let (t, b) = (&top[l..l + 6], &bottom[l..l + 6]);
            let w = lane_weights(row, col);
            for ch in 0..3 {
                let v = lane_sum(&w, t[ch], t[3 + ch], b[ch], b[3 + ch]);
                // `_mm_cvttps_epi32` keeps the low byte; the sum never
                // reaches 256, so the saturating cast truncates the same.
                o[ch] = v as u8;
            }
        }
        for (col, o) in cols.tail.iter().zip(tail_out.chunks_exact_mut(3)) {
            let (l, r) = (col.left * 3, col.right * 3);
            for ch in 0..3 {
                let tl = f64::from(top[l + ch]);
                let tr = f64::from(top[r + ch]);
                let bl = f64::from(bottom[l + ch]);
                let br = f64::from(bottom[r + ch]);
                let v = (1.0 - row.tb) * ((1.0 - col.lr) * tl + col.lr * tr)
                    + row.tb * ((1.0 - col.lr) * bl + col.lr * br);
                // vector_to_pixel truncates.
                o[ch] = v as u8;
            }
        }
    }
    out
}

/// dlib's `resize_image(in, out)` for 8-bit grey images.
pub(crate) fn resize_gray(src: &GrayImage, out_w: u32, out_h: u32) -> GrayImage {
    let (in_w, in_h) = (src.width() as usize, src.height() as usize);
    let (ow, oh) = (out_w as usize, out_h as usize);
    let mut dst = vec![0u8; ow * oh];
    if in_w != 0 && in_h != 0 && ow != 0 && oh != 0 {
        let (x_scale, y_scale) = scales(in_w, in_h, ow, oh);
        let cols = plan_columns(in_w, ow, x_scale);
        let px = src.pixels();
        for (row, out_row) in rows(in_h, oh, y_scale).iter().zip(dst.chunks_exact_mut(ow)) {
            let top = &px[row.top * in_w..(row.top + 1) * in_w];
            let bottom = &px[row.bottom * in_w..(row.bottom + 1) * in_w];
            let (lane_out, tail_out) = out_row.split_at_mut(cols.lanes.len());
            for (col, o) in cols.lanes.iter().zip(lane_out) {
                let l = col.left;
                let w = lane_weights(row, col);
                let v = lane_sum(&w, top[l], top[l + 1], bottom[l], bottom[l + 1]);
                // The grey vector path rounds: `static_cast<T>(value + 0.5)`.
                *o = (f64::from(v) + 0.5) as u8;
            }
            for (col, o) in cols.tail.iter().zip(tail_out) {
                let lr = col.lr as f32;
                let (tl, tr) = (f32::from(top[col.left]), f32::from(top[col.right]));
                let (bl, br) = (f32::from(bottom[col.left]), f32::from(bottom[col.right]));
                let upper = (1.0f32 - lr) * tl + lr * tr;
                let lower = (1.0f32 - lr) * bl + lr * br;
                let v = ((1.0 - row.tb) * f64::from(upper) + row.tb * f64::from(lower)) as f32;
                // The scalar tail truncates (dlib's `assign_pixel` from float).
                *o = v.clamp(0.0, 255.0) as u8;
            }
        }
    }
    super::gray_from_vec(out_w, out_h, dst)
}

//! dlib's `tt::resize_bilinear` on `f32` feature maps: how
//! `input_rgb_image_pyramid` builds the smaller pyramid levels, in the
//! tensor after normalisation rather than on 8-bit pixels.
//!
//! dlib runs its single-channel `resize_image` (`interpolate_bilinear`)
//! here: four columns at a time in `f32` with the column coordinate
//! accumulated in `f32`, and the columns that loop cannot reach in mixed
//! double precision. Both paths are replayed operation by operation so the
//! levels equal dlib's to the bit; the 8-bit version of the same routine
//! lives with the image pyramids.

/// A rectangular window of a row-major `f32` plane.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Index of the window's top-left value in the plane.
    pub offset: usize,
    pub width: usize,
    pub height: usize,
    /// Distance between rows of the plane.
    pub stride: usize,
}

/// Resizes the `src` window of `plane` into the `dst` window of the same
/// plane. The windows must not overlap (the tiled pyramid's levels never do).
pub fn resize_bilinear_in_place(plane: &mut [f32], src: Window, dst: Window) {
    if src.width == 0 || src.height == 0 || dst.width == 0 || dst.height == 0 {
        return;
    }
    let x_scale = (src.width - 1) as f64 / (dst.width.saturating_sub(1)).max(1) as f64;
    let y_scale = (src.height - 1) as f64 / (dst.height.saturating_sub(1)).max(1) as f64;
    let at = |w: &Window, r: usize, c: usize| w.offset + r * w.stride + c;
    let mut y = -y_scale;
    for r in 0..dst.height {
        y += y_scale;
        let top = y.floor().max(0.0) as usize;
        let bottom = (top + 1).min(src.height - 1);
        let tb = y - top as f64;
        let (tb_f, inv_tb_f) = (tb as f32, (1.0 - tb) as f32);
        // The four-lane loop: coordinates and weights in f32.
        let x0 = -4.0 * x_scale;
        let step = (4.0 * x_scale) as f32;
        let mut lanes = [0, 1, 2, 3].map(|i| (x0 + f64::from(i) * x_scale) as f32);
        let mut c = 0;
        loop {
            lanes = lanes.map(|x| x + step);
            let left = lanes.map(|x| x as i32);
            if i64::from(left[3]) + 1 >= src.width as i64 {
                break;
            }
            for lane in 0..4 {
                let l = left[lane].max(0) as usize;
                let lr = lanes[lane] - left[lane] as f32;
                let inv_lr = 1.0 - lr;
                let (tlf, trf) = (inv_tb_f * inv_lr, inv_tb_f * lr);
                let (blf, brf) = (tb_f * inv_lr, tb_f * lr);
                let v = tlf * plane[at(&src, top, l)]
                    + trf * plane[at(&src, top, l + 1)]
                    + blf * plane[at(&src, bottom, l)]
                    + brf * plane[at(&src, bottom, l + 1)];
                if c + lane < dst.width {
                    plane[at(&dst, r, c + lane)] = v;
                }
            }
            c += 4;
            if c >= dst.width {
                break;
            }
        }
        // The scalar tail: x in double, the pixel arithmetic mixed.
        let mut x = -x_scale + c as f64 * x_scale;
        while c < dst.width {
            x += x_scale;
            let left = x.floor().max(0.0) as usize;
            let right = (left + 1).min(src.width - 1);
            let lr = (x - left as f64) as f32;
            let tl = plane[at(&src, top, left)];
            let tr = plane[at(&src, top, right)];
            let bl = plane[at(&src, bottom, left)];
            let br = plane[at(&src, bottom, right)];
            let upper = (1.0 - lr) * tl + lr * tr;
            let lower = (1.0 - lr) * bl + lr * br;
            plane[at(&dst, r, c)] = ((1.0 - tb) * f64::from(upper) + tb * f64::from(lower)) as f32;
            c += 1;
        }
    }
}

//! dlib's tiled image pyramids (`create_tiled_pyramid` and the point maps
//! around it), which the MMOD CNN detector scans in one pass: every level is
//! packed into a single image, the first level on the left and the smaller
//! ones stacked down a column beside it and back up a second column.
//!
//! The layout arithmetic follows dlib's, including its unsigned wrap-around
//! in the column-break test, so the packed image and its rectangles are the
//! ones dlib's network sees.

use super::{DRect, PyramidDown};
use crate::geometry::{Point, Rect};
use crate::image::RgbImage;

/// The levels of a tiled pyramid: where each level sits in the packed image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TiledPyramid {
    pyr: PyramidDown,
    /// One rectangle per level, the full-size image first.
    pub rects: Vec<Rect>,
    /// Size of the packed image.
    pub width: u32,
    pub height: u32,
}

/// dlib's `rectangle(nc, nr)`: the box from the origin covering `w × h`.
fn sized(w: i64, h: i64) -> Rect {
    Rect::new(0, 0, w - 1, h - 1)
}

impl TiledPyramid {
    /// `compute_tiled_image_pyramid_details` for an image of `width ×
    /// height`, with `padding` pixels between levels and `outer_padding`
    /// around the whole.
    pub fn layout(
        pyr: PyramidDown,
        width: u32,
        height: u32,
        padding: u32,
        outer_padding: u32,
    ) -> Self {
        let empty = Self {
            pyr,
            rects: Vec::new(),
            width: 0,
            height: 0,
        };
        if width == 0 || height == 0 {
            return empty;
        }
        const MIN_HEIGHT: u32 = 5;
        let mut rects = vec![sized(i64::from(width), i64::from(height))];
        let (mut w, mut h) = (width, height);
        loop {
            (w, h) = pyr.output_size(w, h);
            if w == 0 || h == 0 || h < MIN_HEIGHT {
                break;
            }
            rects.push(sized(i64::from(w), i64::from(h)));
        }

        let pad = i64::from(padding);
        let outer = i64::from(outer_padding);
        let total_height = rects.iter().map(|r| r.height() + pad).sum::<i64>() - 2 * pad;
        let (w0, h0) = (rects[0].width(), rects[0].height());
        // dlib mixes signed and unsigned longs here; the comparisons happen
        // in unsigned arithmetic, wrap-around included.
        let mut col_height = 0i64;
        let mut prev_width = 0i64;
        for r in &rects {
            let fits_beside =
                (r.width() as u64) <= (w0 as u64).wrapping_sub((prev_width + pad) as u64);
            let past_half = (col_height as u64).wrapping_sub(h0 as u64).wrapping_mul(2)
                >= (total_height as u64).wrapping_sub(h0 as u64);
            if fits_beside && past_half {
                break;
            }
            col_height += r.height() + pad;
            prev_width = r.width();
        }
        col_height -= pad;

        let mut y = outer;
        let mut i = 0;
        while y < col_height + outer && i < rects.len() {
            let r = rects[i];
            rects[i] = Rect::new(r.left + outer, r.top + y, r.right + outer, r.bottom + y);
            y += rects[i].height() + pad;
            i += 1;
        }
        y -= pad;
        while i < rects.len() {
            let (rw, rh) = (rects[i].width(), rects[i].height());
            let (x1, y1) = (outer + w0 - 1, y - 1);
            let rect = Rect::new(x1 - (rw - 1), y1 - (rh - 1), x1, y1);
            if !rects[0].intersect(&rect).is_empty() {
                break;
            }
            rects[i] = rect;
            y -= rh + pad;
            i += 1;
        }
        rects.truncate(i);
        Self {
            pyr,
            rects,
            width: (w0 + 2 * outer) as u32,
            height: (col_height + 2 * outer) as u32,
        }
    }

    /// `create_tiled_pyramid`: the packed image (black where no level is)
    /// and its layout. Each level is downsampled from the previous one.
    pub fn build_rgb(
        img: &RgbImage,
        pyr: PyramidDown,
        padding: u32,
        outer_padding: u32,
    ) -> (RgbImage, Self) {
        let layout = Self::layout(pyr, img.width(), img.height(), padding, outer_padding);
        let mut out = RgbImage::new(layout.width, layout.height);
        let Some(first) = layout.rects.first() else {
            return (out, layout);
        };
        paste(&mut out, img, first);
        let mut prev = img.clone();
        for rect in layout.rects.iter().skip(1) {
            let (w, h) = (rect.width() as u32, rect.height() as u32);
            let level = match pyr.n {
                2 | 3 => pyr.down_rgb(&prev),
                _ => super::resize::resize_rgb(&prev, w, h),
            };
            paste(&mut out, &level, rect);
            prev = level;
        }
        (out, layout)
    }

    /// `image_to_tiled_pyramid`: where a point of the original image lies in
    /// the level for detection scale `scale` (0 < scale <= 1).
    pub fn image_to_tiled(&self, scale: f64, p: Point) -> Point {
        let Some(last) = self.rects.len().checked_sub(1) else {
            return p;
        };
        let iter = ((scale.ln() / self.pyr.rate().ln()).round() as i64).clamp(0, last as i64);
        let origin = self.rects[iter as usize];
        let q = self.pyr.point_down(p, iter as u32);
        Point::new(origin.left as f64 + q.x, origin.top as f64 + q.y)
    }

    /// `tiled_pyramid_to_image` for a point: the level nearest the point
    /// decides the scale.
    pub fn tiled_to_image(&self, p: Point) -> Point {
        let Some(idx) = nearest_rect(&self.rects, p) else {
            return p;
        };
        let origin = self.rects[idx];
        let q = Point::new(p.x - origin.left as f64, p.y - origin.top as f64);
        self.pyr.point_up(q, idx as u32)
    }

    /// `tiled_pyramid_to_image` for a box: the level nearest its centre
    /// decides the scale.
    pub fn tiled_to_image_rect(&self, r: DRect) -> DRect {
        let Some(idx) = nearest_rect(&self.rects, r.center()) else {
            return r;
        };
        let (ox, oy) = (self.rects[idx].left as f64, self.rects[idx].top as f64);
        let local = DRect::from_corners(
            Point::new(r.left - ox, r.top - oy),
            Point::new(r.right - ox, r.bottom - oy),
        );
        self.pyr.rect_up(local, idx as u32)
    }
}

/// dlib's `nearest_rect`: the first rectangle containing the point (rounded
/// to integers as dlib's `point` conversion does), else the closest one.
fn nearest_rect(rects: &[Rect], p: Point) -> Option<usize> {
    let (px, py) = ((p.x + 0.5).floor() as i64, (p.y + 0.5).floor() as i64);
    let mut best = (f64::INFINITY, None);
    for (i, r) in rects.iter().enumerate() {
        let nx = px.clamp(r.left, r.right.max(r.left));
        let ny = py.clamp(r.top, r.bottom.max(r.top));
        if nx == px && ny == py {
            return Some(i);
        }
        let dist = (((nx - px).pow(2) + (ny - py).pow(2)) as f64).sqrt();
        if dist < best.0 {
            best = (dist, Some(i));
        }
    }
    best.1
}

/// Copies `src` into `dst` with its top-left corner at `at`'s, clipped to
/// both images.
fn paste(dst: &mut RgbImage, src: &RgbImage, at: &Rect) {
    let (dw, dh) = (i64::from(dst.width()), i64::from(dst.height()));
    let w = i64::from(src.width()).min(at.width()).min(dw - at.left);
    let h = i64::from(src.height()).min(at.height()).min(dh - at.top);
    if w <= 0 || h <= 0 || at.left < 0 || at.top < 0 {
        return;
    }
    let (w, h) = (w as usize, h as usize);
    let (sx, sy) = (at.left as usize, at.top as usize);
    let src_stride = src.width() as usize * 3;
    let dst_stride = dw as usize * 3;
    let pixels = src.pixels();
    let out = dst.pixels_mut();
    for row in 0..h {
        let s = &pixels[row * src_stride..row * src_stride + w * 3];
        let d0 = (sy + row) * dst_stride + sx * 3;
        out[d0..d0 + w * 3].copy_from_slice(s);
    }
}

//! dlib's `pyramid_down<N>` image pyramids and `pyramid_up`, pixel for pixel.
//!
//! Every detector and the face-chip cutter look at downsampled copies of the
//! input, and where dlib's copies differ by one grey level its scores and
//! chips differ too. So the pyramids here reproduce dlib's arithmetic
//! exactly, including its quirks:
//!
//! - `N = 2` is a 5×5 binomial filter sampled every other pixel (output side
//!   `(n - 3) / 2`), with the matching point mapping `p / 2 - (1.25, 0.75)`.
//! - `N = 3` is an integer 3×3 filter with a 3→2 bilinear step.
//! - Any other `N` is a bilinear resize to `(N - 1) n / N` pixels per side
//!   (integer division), with point mapping `(p - 0.3) (N - 1) / N`.
//! - `pyramid_up` is a bilinear resize to the size `pyramid_down<2>::rect_up`
//!   gives the image rectangle: `2 h + 1` rows and `2 w + 2` columns.
//!
//! Rectangles map through [`DRect`], dlib's floating-point `drectangle`; use
//! [`DRect::round`] where dlib converts back to an integer `rectangle`.

mod kernels;
mod resize;
mod tiled;

pub use tiled::TiledPyramid;

use crate::geometry::{Point, Rect};
use crate::image::{GrayImage, RgbImage};

/// dlib's `drectangle`: a box with floating-point corners, inclusive like
/// [`Rect`] (width is `right - left + 1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DRect {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl DRect {
    pub fn new(left: f64, top: f64, right: f64, bottom: f64) -> Self {
        Self {
            left,
            top,
            right,
            bottom,
        }
    }

    /// The smallest box holding both corners (dlib's `drectangle(p1, p2)`).
    pub fn from_corners(a: Point, b: Point) -> Self {
        Self::new(a.x.min(b.x), a.y.min(b.y), a.x.max(b.x), a.y.max(b.y))
    }

    pub fn is_empty(&self) -> bool {
        self.top > self.bottom || self.left > self.right
    }

    pub fn width(&self) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            self.right - self.left + 1.0
        }
    }

    pub fn height(&self) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            self.bottom - self.top + 1.0
        }
    }

    pub fn area(&self) -> f64 {
        self.width() * self.height()
    }

    /// dlib's `center(drectangle)`: the midpoint of the corners.
    pub fn center(&self) -> Point {
        Point::new(
            (self.left + self.right) / 2.0,
            (self.top + self.bottom) / 2.0,
        )
    }

    pub fn tl(&self) -> Point {
        Point::new(self.left, self.top)
    }

    pub fn tr(&self) -> Point {
        Point::new(self.right, self.top)
    }

    pub fn bl(&self) -> Point {
        Point::new(self.left, self.bottom)
    }

    pub fn br(&self) -> Point {
        Point::new(self.right, self.bottom)
    }

    /// dlib's conversion to `rectangle`: every side rounded half away from
    /// zero (`std::lround`).
    pub fn round(&self) -> Rect {
        Rect::new(
            self.left.round() as i64,
            self.top.round() as i64,
            self.right.round() as i64,
            self.bottom.round() as i64,
        )
    }
}

impl From<Rect> for DRect {
    fn from(r: Rect) -> Self {
        Self::new(r.left as f64, r.top as f64, r.right as f64, r.bottom as f64)
    }
}

/// dlib's `pyramid_down<N>`: each level is `(N - 1) / N` the size of the one
/// above. Only `N >= 2` downsamples (`pyramid_down<1>` disables the pyramid
/// in dlib, and nothing in riv uses it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PyramidDown {
    n: u32,
}

impl PyramidDown {
    /// `pyramid_down<2>`, used for chips and for upsampling.
    pub const HALF: PyramidDown = PyramidDown { n: 2 };

    /// `None` unless `2 <= n <= 20` (the range dlib's Python binding
    /// accepts).
    pub const fn new(n: u32) -> Option<Self> {
        if n >= 2 && n <= 20 {
            Some(Self { n })
        } else {
            None
        }
    }

    pub fn n(&self) -> u32 {
        self.n
    }

    /// `pyramid_rate`: the size ratio between consecutive levels.
    pub fn rate(&self) -> f64 {
        (f64::from(self.n) - 1.0) / f64::from(self.n)
    }

    /// Maps a point one level down.
    fn point_down1(&self, p: Point) -> Point {
        match self.n {
            2 => Point::new(p.x / 2.0 - 1.25, p.y / 2.0 - 0.75),
            3 => Point::new(p.x * (2.0 / 3.0) - 1.0, p.y * (2.0 / 3.0) - 1.0),
            _ => {
                let ratio = self.rate();
                Point::new((p.x - 0.3) * ratio, (p.y - 0.3) * ratio)
            }
        }
    }

    /// Maps a point one level up.
    fn point_up1(&self, p: Point) -> Point {
        match self.n {
            2 => Point::new((p.x + 1.25) * 2.0, (p.y + 0.75) * 2.0),
            3 => Point::new(p.x * 1.5 + 1.5, p.y * 1.5 + 1.5),
            n => {
                let ratio = f64::from(n) / (f64::from(n) - 1.0);
                Point::new(p.x * ratio + 0.3, p.y * ratio + 0.3)
            }
        }
    }

    /// Where a point of the original image lies `levels` levels down.
    pub fn point_down(&self, p: Point, levels: u32) -> Point {
        (0..levels).fold(p, |q, _| self.point_down1(q))
    }

    /// Where a point `levels` levels down lies in the original image.
    pub fn point_up(&self, p: Point, levels: u32) -> Point {
        (0..levels).fold(p, |q, _| self.point_up1(q))
    }

    /// `rect_down(rect, levels)`: both corners mapped down.
    pub fn rect_down(&self, r: DRect, levels: u32) -> DRect {
        DRect::from_corners(
            self.point_down(r.tl(), levels),
            self.point_down(r.br(), levels),
        )
    }

    /// `rect_up(rect, levels)`: both corners mapped up.
    pub fn rect_up(&self, r: DRect, levels: u32) -> DRect {
        DRect::from_corners(self.point_up(r.tl(), levels), self.point_up(r.br(), levels))
    }

    /// `find_pyramid_down_output_image_size`: the size of the next level as
    /// dlib's tiled pyramids compute it, `(width, height)`.
    pub fn output_size(&self, width: u32, height: u32) -> (u32, u32) {
        let (w, h) = (i64::from(width), i64::from(height));
        let (w, h) = match self.n {
            2 => ((w - 3) / 2, (h - 3) / 2),
            3 => (2 * (w - 2) / 3, 2 * (h - 2) / 3),
            _ => {
                let rate = self.rate();
                (
                    (rate * w as f64).floor() as i64,
                    (rate * h as f64).floor() as i64,
                )
            }
        };
        (w.max(0) as u32, h.max(0) as u32)
    }

    /// The size `pyramid_down<N>::operator()` gives its output for
    /// `N > 3`: `(N - 1) n / N` with integer division.
    fn generic_size(&self, width: u32, height: u32) -> (u32, u32) {
        let n = u64::from(self.n);
        let f = |v: u32| ((n - 1) * u64::from(v) / n) as u32;
        (f(width), f(height))
    }

    /// One level down of an RGB image, byte-identical to dlib.
    pub fn down_rgb(&self, img: &RgbImage) -> RgbImage {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let kernel = match self.n {
            2 => kernels::down2,
            3 => kernels::down3,
            _ => {
                let (ow, oh) = self.generic_size(img.width(), img.height());
                return resize::resize_rgb(img, ow, oh);
            }
        };
        let (px, ow, oh) = kernel(img.pixels(), w, h, 3);
        RgbImage::from_raw(ow as u32, oh as u32, px).unwrap_or_else(|_| RgbImage::new(0, 0))
    }

    /// One level down of a grey image, byte-identical to dlib.
    pub fn down_gray(&self, img: &GrayImage) -> GrayImage {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let kernel = match self.n {
            2 => kernels::down2,
            3 => kernels::down3,
            _ => {
                let (ow, oh) = self.generic_size(img.width(), img.height());
                return resize::resize_gray(img, ow, oh);
            }
        };
        let (px, ow, oh) = kernel(img.pixels(), w, h, 1);
        gray_from_vec(ow as u32, oh as u32, px)
    }
}

/// The size of dlib's `pyramid_up` output (with `pyramid_down<2>`): the image
/// rectangle mapped up and rounded, `(width, height)`.
fn up_size(width: u32, height: u32) -> (u32, u32) {
    if width == 0 || height == 0 {
        return (0, 0);
    }
    let full = DRect::new(0.0, 0.0, f64::from(width) - 1.0, f64::from(height) - 1.0);
    let up = PyramidDown::HALF.rect_up(full, 1).round();
    ((up.right + 1).max(0) as u32, (up.bottom + 1).max(0) as u32)
}

/// dlib's `pyramid_up(img)`: doubles an RGB image with bilinear
/// interpolation (to `2 w + 2` × `2 h + 1`, so that `pyramid_down<2>`'s
/// point mapping stays the inverse). Detectors run on this to find faces
/// smaller than their window; map their boxes back with
/// `PyramidDown::HALF.rect_down(rect, 1)`.
pub fn pyramid_up_rgb(img: &RgbImage) -> RgbImage {
    let (w, h) = up_size(img.width(), img.height());
    resize::resize_rgb(img, w, h)
}

/// dlib's `pyramid_up(img)` for grey images (see [`pyramid_up_rgb`]).
pub fn pyramid_up_gray(img: &GrayImage) -> GrayImage {
    let (w, h) = up_size(img.width(), img.height());
    resize::resize_gray(img, w, h)
}

/// dlib's `resize_image(in, out)` (bilinear) for RGB: exposed because dlib
/// uses it directly in a few places (e.g. `pyramid_up`, generic pyramids).
pub fn resize_rgb(img: &RgbImage, width: u32, height: u32) -> RgbImage {
    resize::resize_rgb(img, width, height)
}

/// dlib's `resize_image(in, out)` (bilinear) for grey images.
pub fn resize_gray(img: &GrayImage, width: u32, height: u32) -> GrayImage {
    resize::resize_gray(img, width, height)
}

/// Wraps a pixel buffer the caller sized as `width * height`. `GrayImage`
/// only has a fallible constructor; the fallback is unreachable.
fn gray_from_vec(width: u32, height: u32, px: Vec<u8>) -> GrayImage {
    GrayImage::from_raw(width, height, px).unwrap_or_else(|_| RgbImage::new(0, 0).to_gray())
}

#[cfg(test)]
mod tests;

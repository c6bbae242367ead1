//! Face chips cut exactly as dlib cuts them (`get_face_chip_details`,
//! `extract_image_chip(s)` with bilinear interpolation).
//!
//! dlib's descriptor network was trained on chips made this way, and riv
//! promises descriptors equal to dlib's, so a chip must equal dlib's byte
//! for byte. That means reproducing: the similarity fit of the five
//! landmarks to dlib's mean face, the chip rectangle and angle derived from
//! it, the `pyramid_down<2>` levels dlib cuts from when the chip is much
//! smaller than the face (bilinear sampling alone would alias), the affine
//! map from chip to source fitted through a pseudo-inverse, and dlib's
//! bilinear interpolation, which truncates rather than rounds.
//!
//! dlib builds chips from the *rounded* landmarks of a
//! `full_object_detection`; pass [`crate::shape::round_parts`] of the
//! predicted points to get dlib's chip.

use crate::geometry::{Point, Rect};
use crate::image::RgbImage;
use crate::pyramid::{DRect, PyramidDown};
use crate::shape::NUM_PARTS;
use crate::shape::transform::{
    AffineTransform, find_affine_transform, find_similarity_transform, rotate_point,
};

/// dlib's mean positions of the five landmarks in a chip, in the unit square
/// (before padding): eye corners left to right in the image, then the nose.
const MEAN_FACE: [(f64, f64); NUM_PARTS] = [
    (0.8595674595992, 0.2134981538014),
    (0.6460604764104, 0.2289674387677),
    (0.1205750620789, 0.2137274526848),
    (0.3340850613712, 0.2290642403242),
    (0.4901123135679, 0.6277975316475),
];

/// Where a chip comes from (dlib's `chip_details`): the source rectangle
/// before rotation, the rotation about its centre, and the chip's size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChipDetails {
    /// The source area in image coordinates, unrotated.
    pub rect: DRect,
    /// Rotation of `rect` about its centre, in radians (counter-clockwise in
    /// image coordinates, y pointing down).
    pub angle: f64,
    pub rows: u32,
    pub cols: u32,
}

impl ChipDetails {
    /// Centre of the source area in the image.
    pub fn center(&self) -> Point {
        self.rect.center()
    }

    /// Image pixels per chip pixel (the similarity transform's scale).
    pub fn scale(&self) -> f64 {
        if self.cols == 0 {
            0.0
        } else {
            self.rect.width() / f64::from(self.cols)
        }
    }

    /// The map from chip coordinates to image coordinates that sampling
    /// uses (chip corners onto the rotated rectangle's corners).
    pub fn chip_to_image(&self) -> AffineTransform {
        chip_transform(&self.rect, self.angle, self.rows, self.cols)
    }

    /// Maps a chip pixel position back to the image.
    pub fn to_image(&self, p: Point) -> Point {
        self.chip_to_image().apply(p)
    }

    /// dlib's `get_mapping_to_chip`: image coordinates to chip coordinates
    /// (the rotated rectangle's corners onto the chip's corners), as dlib's
    /// `map_det_to_chip` moves landmarks into a chip.
    pub fn image_to_chip(&self) -> AffineTransform {
        let centre = self.rect.center();
        let from = [self.rect.tl(), self.rect.tr(), self.rect.br()]
            .map(|c| rotate_point(centre, c, self.angle));
        let (w, h) = (f64::from(self.cols) - 1.0, f64::from(self.rows) - 1.0);
        let to = [Point::new(0.0, 0.0), Point::new(w, 0.0), Point::new(w, h)];
        find_affine_transform(&from, &to)
    }

    /// dlib's fast path: no rotation and no scaling, a plain copy.
    fn is_plain_copy(&self) -> bool {
        self.angle == 0.0
            && f64::from(self.rows) == self.rect.height()
            && f64::from(self.cols) == self.rect.width()
    }
}

/// dlib's `get_face_chip_details` for five landmarks: the chip of
/// `size × size` pixels in which the landmarks best fit dlib's mean face,
/// with `padding` (a fraction of the face width) added on every side.
///
/// dlib's Python binding passes `padding` as a 32-bit float; for the same
/// chip as `dlib.get_face_chip(img, shape, size, padding)` pass
/// `f64::from(padding as f32)` (0.25, the face-recognition setting, is
/// exact either way).
pub fn get_face_chip_details(
    landmarks: &[Point; NUM_PARTS],
    size: u32,
    padding: f64,
) -> ChipDetails {
    let size_f = f64::from(size);
    // dlib divides a vector expression by a scalar by multiplying with the
    // reciprocal.
    let inv = 1.0 / (2.0 * padding + 1.0);
    let from: Vec<Point> = MEAN_FACE
        .iter()
        .map(|&(x, y)| Point::new((x + padding) * inv * size_f, (y + padding) * inv * size_f))
        .collect();
    let tform = find_similarity_transform(&from, landmarks);
    // The image of the unit x vector gives the rotation and the scale.
    let (px, py) = (
        tform.m[0][0] * 1.0 + tform.m[0][1] * 0.0,
        tform.m[1][0] * 1.0 + tform.m[1][1] * 0.0,
    );
    let angle = py.atan2(px);
    let scale = (px * px + py * py).sqrt();
    let centre = tform.apply(Point::new(size_f / 2.0, size_f / 2.0));
    // dlib's centered_drect: corners half of (width - 1) from the centre.
    let half_w = (size_f * scale - 1.0) / 2.0;
    let half_h = (size_f * scale - 1.0) / 2.0;
    ChipDetails {
        rect: DRect::new(
            centre.x - half_w,
            centre.y - half_h,
            centre.x + half_w,
            centre.y + half_h,
        ),
        angle,
        rows: size,
        cols: size,
    }
}

/// The face chip dlib's `get_face_chip(img, shape, size, padding)` returns.
/// `landmarks` should be the rounded parts ([`crate::shape::round_parts`]).
pub fn face_chip(
    image: &RgbImage,
    landmarks: &[Point; NUM_PARTS],
    size: u32,
    padding: f64,
) -> RgbImage {
    extract_image_chip(image, &get_face_chip_details(landmarks, size, padding))
}

/// dlib's `extract_image_chip`: one chip.
pub fn extract_image_chip(image: &RgbImage, details: &ChipDetails) -> RgbImage {
    if details.is_plain_copy() {
        return plain_copy(image, &details.rect.round());
    }
    extract_image_chips(image, std::slice::from_ref(details))
        .pop()
        .unwrap_or_else(|| RgbImage::new(details.cols, details.rows))
}

/// dlib's `extract_image_chips` with bilinear interpolation: all chips cut
/// from one shared pyramid built over the area they cover together.
///
/// Like dlib's, a chip cut in a batch can differ from the same chip cut
/// alone: the shared area shifts the pyramid's sampling grid. Use this to
/// reproduce dlib's batch calls (`get_face_chips`, descriptors computed for
/// several faces of one image at once) and [`extract_image_chip`] for
/// single ones.
pub fn extract_image_chips(image: &RgbImage, details: &[ChipDetails]) -> Vec<RgbImage> {
    let pyr = PyramidDown::HALF;
    let image_rect = DRect::new(
        0.0,
        0.0,
        f64::from(image.width()) - 1.0,
        f64::from(image.height()) - 1.0,
    );
    // How deep a pyramid the smallest chip needs, and the area (grown by a
    // border per level so filtering sees no edge) all chips cover.
    let mut max_depth = 0u32;
    let mut bounds: Option<Rect> = None;
    for d in details {
        let size = f64::from(d.rows) * f64::from(d.cols);
        let (mut depth, mut grow) = (0u32, 2.0f64);
        let mut rect = pyr.rect_down(d.rect, 1);
        while rect.area() > size {
            rect = pyr.rect_down(rect, 1);
            depth += 1;
            grow = grow * 2.0 + 2.0;
        }
        let centre = d.rect.center();
        let corners = [d.rect.tl(), d.rect.tr(), d.rect.bl(), d.rect.br()]
            .map(|c| rotate_point(centre, c, d.angle));
        let rotated =
            corners
                .iter()
                .skip(1)
                .fold(DRect::from_corners(corners[0], corners[0]), |r, c| {
                    DRect::new(
                        r.left.min(c.x),
                        r.top.min(c.y),
                        r.right.max(c.x),
                        r.bottom.max(c.y),
                    )
                });
        let grown = DRect::new(
            rotated.left - grow,
            rotated.top - grow,
            rotated.right + grow,
            rotated.bottom + grow,
        );
        let clipped = intersect(&grown, &image_rect).round();
        bounds = Some(union(bounds, clipped));
        max_depth = max_depth.max(depth);
    }
    let bounds = bounds.unwrap_or(Rect::new(0, 0, -1, -1));
    let region = crop(image, &bounds);
    let mut levels: Vec<RgbImage> = Vec::new();
    for i in 0..max_depth as usize {
        let next = pyr.down_rgb(levels.get(i.wrapping_sub(1)).unwrap_or(&region));
        levels.push(next);
    }

    details
        .iter()
        .map(|d| {
            if d.is_plain_copy() {
                return plain_copy(image, &d.rect.round());
            }
            let size = f64::from(d.rows) * f64::from(d.cols);
            let mut rect = translate(&d.rect, -(bounds.left as f64), -(bounds.top as f64));
            let mut level = None;
            while pyr.rect_down(rect, 1).area() > size {
                level = Some(level.map_or(0, |l: usize| l + 1));
                rect = pyr.rect_down(rect, 1);
            }
            let source = level.and_then(|l| levels.get(l)).unwrap_or(&region);
            let map = chip_transform(&rect, d.angle, d.rows, d.cols);
            sample(source, &map, d.cols, d.rows)
        })
        .collect()
}

/// The affine map from chip pixels onto `rect` rotated by `angle` (fitted
/// through three corners, as dlib does).
fn chip_transform(rect: &DRect, angle: f64, rows: u32, cols: u32) -> AffineTransform {
    let (w, h) = (f64::from(cols) - 1.0, f64::from(rows) - 1.0);
    let from = [Point::new(0.0, 0.0), Point::new(w, 0.0), Point::new(0.0, h)];
    let centre = rect.center();
    let to = [rect.tl(), rect.tr(), rect.bl()].map(|c| rotate_point(centre, c, angle));
    find_affine_transform(&from, &to)
}

/// dlib's `transform_image` with `interpolate_bilinear` and a black
/// background: every chip pixel sampled at its mapped source position.
fn sample(source: &RgbImage, map: &AffineTransform, cols: u32, rows: u32) -> RgbImage {
    let mut chip = RgbImage::new(cols, rows);
    let (sw, sh) = (f64::from(source.width()), f64::from(source.height()));
    let px = source.pixels();
    let stride = source.width() as usize * 3;
    let [[m00, m01], [m10, m11]] = map.m;
    // `m · (c, r) + b` as dlib evaluates it, `(m00·c + m01·r) + b0`, with
    // the products that only depend on the column hoisted out of the rows.
    let col_terms: Vec<(f64, f64)> = (0..cols)
        .map(|c| (m00 * f64::from(c), m10 * f64::from(c)))
        .collect();
    for (r, out_row) in chip
        .pixels_mut()
        .chunks_exact_mut(cols as usize * 3)
        .enumerate()
    {
        let (rx, ry) = (m01 * r as f64, m11 * r as f64);
        for (&(cx, cy), out) in col_terms.iter().zip(out_row.chunks_exact_mut(3)) {
            let (x, y) = (cx + rx + map.b[0], cy + ry + map.b[1]);
            // dlib needs floor(x) >= 0, i.e. x >= 0 (NaN fails too), and for
            // those truncation is the floor, without a libm call.
            if !(x >= 0.0 && y >= 0.0) {
                continue;
            }
            let (left, top) = ((x as u64) as f64, (y as u64) as f64);
            if !(left + 1.0 < sw && top + 1.0 < sh) {
                continue;
            }
            let (lr, tb) = (x - left, y - top);
            let i00 = top as usize * stride + left as usize * 3;
            let (upper, lower) = (&px[i00..i00 + 6], &px[i00 + stride..i00 + stride + 6]);
            for ch in 0..3 {
                let (tl, tr) = (f64::from(upper[ch]), f64::from(upper[ch + 3]));
                let (bl, br) = (f64::from(lower[ch]), f64::from(lower[ch + 3]));
                let v = (1.0 - tb) * ((1.0 - lr) * tl + lr * tr) + tb * ((1.0 - lr) * bl + lr * br);
                // dlib's vector_to_pixel truncates.
                out[ch] = v as u8;
            }
        }
    }
    chip
}

/// dlib's `basic_extract_image_chip`: a copy of `rect`, black outside the
/// image.
fn plain_copy(image: &RgbImage, rect: &Rect) -> RgbImage {
    let (w, h) = (rect.width(), rect.height());
    let mut chip = RgbImage::new(w as u32, h as u32);
    for y in 0..h {
        for x in 0..w {
            let (sx, sy) = (rect.left + x, rect.top + y);
            if (0..i64::from(image.width())).contains(&sx)
                && (0..i64::from(image.height())).contains(&sy)
            {
                chip.put(x as u32, y as u32, image.get(sx as u32, sy as u32));
            }
        }
    }
    chip
}

/// The part of `image` inside `rect` (clipped to the image), as dlib's
/// `sub_image` views it.
fn crop(image: &RgbImage, rect: &Rect) -> RgbImage {
    let area = rect.intersect(&Rect::new(
        0,
        0,
        i64::from(image.width()) - 1,
        i64::from(image.height()) - 1,
    ));
    if area.is_empty() {
        return RgbImage::new(0, 0);
    }
    let (w, h) = (area.width() as usize, area.height() as usize);
    let stride = image.width() as usize * 3;
    let mut pixels = Vec::with_capacity(w * h * 3);
    for y in area.top as usize..area.top as usize + h {
        let start = y * stride + area.left as usize * 3;
        pixels.extend_from_slice(&image.pixels()[start..start + w * 3]);
    }
    RgbImage::from_raw(w as u32, h as u32, pixels).unwrap_or_else(|_| RgbImage::new(0, 0))
}

fn intersect(a: &DRect, b: &DRect) -> DRect {
    DRect::new(
        a.left.max(b.left),
        a.top.max(b.top),
        a.right.min(b.right),
        a.bottom.min(b.bottom),
    )
}

/// dlib's `rectangle + rectangle`: the bounding box, ignoring empty boxes.
fn union(acc: Option<Rect>, r: Rect) -> Rect {
    match acc {
        Some(a) if !a.is_empty() => {
            if r.is_empty() {
                a
            } else {
                Rect::new(
                    a.left.min(r.left),
                    a.top.min(r.top),
                    a.right.max(r.right),
                    a.bottom.max(r.bottom),
                )
            }
        }
        _ => r,
    }
}

fn translate(r: &DRect, dx: f64, dy: f64) -> DRect {
    DRect::new(r.left + dx, r.top + dy, r.right + dx, r.bottom + dy)
}

#[cfg(test)]
mod tests;

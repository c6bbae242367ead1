//! Pixels in and out of the networks: resizing, rotated crops and the
//! normalised planar tensors the PP-OCR models take.
//!
//! The models were trained on OpenCV's BGR channel order with every value
//! mapped to `(v / 255 − 0.5) / 0.5`; padding is 0 after normalisation
//! (mid grey), as PaddleOCR pads.

use image::imageops::FilterType;
use image::{Rgb, RgbImage};

use super::geometry::RotatedRect;

/// Resizes with a triangle (bilinear, area-averaging when shrinking) filter.
pub fn resize(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    if image.width() == width && image.height() == height {
        return image.clone();
    }
    image::imageops::resize(image, width.max(1), height.max(1), FilterType::Triangle)
}

/// Writes `image` into a zeroed `[3, height, width]` BGR plane tensor at
/// the top-left corner (the rest is padding).
pub fn to_planes(image: &RgbImage, width: usize, height: usize) -> Vec<f32> {
    let plane = width * height;
    let mut data = vec![0.0f32; 3 * plane];
    let w = (image.width() as usize).min(width);
    let h = (image.height() as usize).min(height);
    for y in 0..h {
        for x in 0..w {
            let Rgb([r, g, b]) = *image.get_pixel(x as u32, y as u32);
            let i = y * width + x;
            data[i] = norm(b);
            data[plane + i] = norm(g);
            data[2 * plane + i] = norm(r);
        }
    }
    data
}

fn norm(v: u8) -> f32 {
    f32::from(v) / 127.5 - 1.0
}

/// Samples the pixels under a rotated rectangle into an upright image of
/// `width × height` pixels (bilinear, edges repeated), at the source's
/// scale when `width`/`height` equal the rectangle's size.
pub fn crop_rotated(image: &RgbImage, rect: &RotatedRect, width: u32, height: u32) -> RgbImage {
    let (width, height) = (width.max(1), height.max(1));
    let (sin, cos) = rect.angle.sin_cos();
    let sx = rect.width / width as f32;
    let sy = rect.height / height as f32;
    let mut out = RgbImage::new(width, height);
    for v in 0..height {
        let dv = (v as f32 + 0.5) * sy - rect.height / 2.0;
        for u in 0..width {
            let du = (u as f32 + 0.5) * sx - rect.width / 2.0;
            let x = rect.center.x + du * cos - dv * sin;
            let y = rect.center.y + du * sin + dv * cos;
            out.put_pixel(u, v, bilinear(image, x - 0.5, y - 0.5));
        }
    }
    out
}

fn bilinear(image: &RgbImage, x: f32, y: f32) -> Rgb<u8> {
    let max_x = image.width().saturating_sub(1) as f32;
    let max_y = image.height().saturating_sub(1) as f32;
    let x = x.clamp(0.0, max_x);
    let y = y.clamp(0.0, max_y);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as u32, y0 as u32);
    let x1 = (x0 + 1).min(max_x as u32);
    let y1 = (y0 + 1).min(max_y as u32);
    let p = |x, y| image.get_pixel(x, y).0;
    let (a, b, c, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
    let mut out = [0u8; 3];
    for k in 0..3 {
        let top = f32::from(a[k]) * (1.0 - fx) + f32::from(b[k]) * fx;
        let bottom = f32::from(c[k]) * (1.0 - fx) + f32::from(d[k]) * fx;
        out[k] = (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8;
    }
    Rgb(out)
}

#[cfg(test)]
mod tests {
    use super::super::geometry::Point;
    use super::*;

    #[test]
    fn planes_are_bgr_normalised_and_padded_with_zero() {
        let mut img = RgbImage::new(2, 1);
        img.put_pixel(0, 0, Rgb([255, 0, 0]));
        img.put_pixel(1, 0, Rgb([0, 0, 255]));
        let t = to_planes(&img, 3, 1);
        // plane 0 = blue, plane 2 = red
        assert_eq!(&t[0..3], &[-1.0, 1.0, 0.0]);
        assert_eq!(&t[6..9], &[1.0, -1.0, 0.0]);
    }

    #[test]
    fn an_upright_crop_copies_the_pixels() {
        let img = RgbImage::from_fn(20, 10, |x, y| Rgb([x as u8 * 10, y as u8 * 20, 7]));
        let rect = RotatedRect {
            center: Point { x: 10.0, y: 5.0 },
            width: 6.0,
            height: 4.0,
            angle: 0.0,
        };
        let crop = crop_rotated(&img, &rect, 6, 4);
        assert_eq!(crop.get_pixel(0, 0), img.get_pixel(7, 3));
        assert_eq!(crop.get_pixel(5, 3), img.get_pixel(12, 6));
    }
}

//! Image preparation for the attempts: one grey working image, bounded in
//! size, and its upscaled and sharpened variants.

use image::imageops::{self, FilterType};
use image::{DynamicImage, GrayImage};

/// The grey working image all attempts start from: the luma of the caller's
/// image, shrunk (keeping its aspect ratio) when its longer side exceeds
/// `max_side`.
pub(crate) fn working_image(image: &DynamicImage, max_side: u32) -> GrayImage {
    let gray = image.to_luma8();
    let (width, height) = gray.dimensions();
    let longer = width.max(height);
    if longer <= max_side || max_side == 0 {
        return gray;
    }
    let factor = max_side as f32 / longer as f32;
    let new_width = scaled(width, factor);
    let new_height = scaled(height, factor);
    imageops::resize(&gray, new_width, new_height, FilterType::Triangle)
}

fn scaled(side: u32, factor: f32) -> u32 {
    ((side as f32 * factor).round() as u32).max(1)
}

/// Enlarges by an integer factor with bicubic (Catmull-Rom) interpolation,
/// which keeps bar edges steep: thin modules of one or two pixels get room
/// for the detector's edge transitions.
pub(crate) fn upscale(image: &GrayImage, factor: u32) -> GrayImage {
    if factor <= 1 {
        return image.clone();
    }
    let (width, height) = image.dimensions();
    imageops::resize(
        image,
        width.saturating_mul(factor),
        height.saturating_mul(factor),
        FilterType::CatmullRom,
    )
}

/// An unsharp mask of one pixel's radius, applied before any upscaling:
/// restores the edges of modules a little out of focus.
pub(crate) fn sharpen(image: &GrayImage) -> GrayImage {
    imageops::unsharpen(image, 1.0, 2)
}

/// Rotates so that a line at `degrees` from the horizontal (image y pointing
/// down) becomes horizontal: each output pixel samples the source along the
/// tilted axes, bilinearly. The canvas grows to hold the whole rotated image;
/// pixels from outside the source repeat its nearest edge, so no artificial
/// contrast appears at the border.
pub(crate) fn level(image: &GrayImage, degrees: f32) -> GrayImage {
    let (width, height) = image.dimensions();
    if width == 0 || height == 0 {
        return image.clone();
    }
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (w, h) = (width as f32, height as f32);
    let out_width = (w * cos.abs() + h * sin.abs()).ceil().max(1.0) as u32;
    let out_height = (w * sin.abs() + h * cos.abs()).ceil().max(1.0) as u32;
    let (cx, cy) = (w / 2.0, h / 2.0);
    let (ocx, ocy) = (out_width as f32 / 2.0, out_height as f32 / 2.0);
    let (max_x, max_y) = (width as i64 - 1, height as i64 - 1);
    let at = |x: i64, y: i64| {
        f32::from(
            image
                .get_pixel(x.clamp(0, max_x) as u32, y.clamp(0, max_y) as u32)
                .0[0],
        )
    };
    GrayImage::from_fn(out_width, out_height, |x, y| {
        let (dx, dy) = (x as f32 + 0.5 - ocx, y as f32 + 0.5 - ocy);
        let sx = cos * dx - sin * dy + cx - 0.5;
        let sy = sin * dx + cos * dy + cy - 0.5;
        let (fx, fy) = (sx - sx.floor(), sy - sy.floor());
        let (x0, y0) = (sx.floor() as i64, sy.floor() as i64);
        let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1, y0) * fx;
        let bottom = at(x0, y0 + 1) * (1.0 - fx) + at(x0 + 1, y0 + 1) * fx;
        image::Luma([(top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Luma, Rgb, RgbImage};

    #[test]
    fn small_images_are_only_converted_to_grey() {
        let rgb = RgbImage::from_pixel(40, 20, Rgb([10, 200, 30]));
        let work = working_image(&DynamicImage::ImageRgb8(rgb), 100);
        assert_eq!(work.dimensions(), (40, 20));
    }

    #[test]
    fn large_images_are_bounded_by_their_longer_side() {
        let gray = GrayImage::from_pixel(4000, 1000, Luma([128]));
        let work = working_image(&DynamicImage::ImageLuma8(gray), 2000);
        assert_eq!(work.dimensions(), (2000, 500));
    }

    #[test]
    fn upscale_multiplies_both_sides() {
        let gray = GrayImage::from_pixel(7, 3, Luma([0]));
        assert_eq!(upscale(&gray, 3).dimensions(), (21, 9));
        assert_eq!(upscale(&gray, 1).dimensions(), (7, 3));
    }

    #[test]
    fn levelling_makes_a_tilted_line_horizontal() {
        // A dark line from (10, 10) going right and down at 10 degrees.
        let mut gray = GrayImage::from_pixel(200, 80, Luma([255]));
        let slope = 10.0f32.to_radians().tan();
        for x in 10..190u32 {
            let y = 10.0 + (x - 10) as f32 * slope;
            gray.put_pixel(x, y.round() as u32, Luma([0]));
        }
        let levelled = level(&gray, 10.0);
        // Each column's darkest row: constant along the levelled line.
        let darkest_row =
            |x: u32| (0..levelled.height()).min_by_key(|&y| levelled.get_pixel(x, y).0[0]);
        let (left, right) = (darkest_row(60).unwrap(), darkest_row(150).unwrap());
        assert!(left.abs_diff(right) <= 1, "rows {left} and {right}");
        assert_eq!(level(&gray, 0.0).dimensions(), (200, 80));
    }

    #[test]
    fn sharpening_steepens_an_edge() {
        let mut gray = GrayImage::from_pixel(20, 4, Luma([200]));
        for y in 0..4 {
            for x in 0..10 {
                gray.put_pixel(x, y, Luma([60]));
            }
        }
        let soft = imageops::blur(&gray, 1.5);
        let sharp = sharpen(&soft);
        let contrast = |img: &GrayImage| {
            i32::from(img.get_pixel(11, 2).0[0]) - i32::from(img.get_pixel(8, 2).0[0])
        };
        assert!(contrast(&sharp) > contrast(&soft));
    }
}

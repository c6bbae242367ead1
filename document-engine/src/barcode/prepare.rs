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

/// An unsharp mask sized to the image scale: `sigma` grows with the upscale
/// factor so the same physical blur is undone.
pub(crate) fn sharpen(image: &GrayImage, upscale: u32) -> GrayImage {
    let sigma = 1.0 * upscale.max(1) as f32;
    imageops::unsharpen(image, sigma, 2)
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
    fn sharpening_steepens_an_edge() {
        let mut gray = GrayImage::from_pixel(20, 4, Luma([200]));
        for y in 0..4 {
            for x in 0..10 {
                gray.put_pixel(x, y, Luma([60]));
            }
        }
        let soft = imageops::blur(&gray, 1.5);
        let sharp = sharpen(&soft, 1);
        let contrast = |img: &GrayImage| {
            i32::from(img.get_pixel(11, 2).0[0]) - i32::from(img.get_pixel(8, 2).0[0])
        };
        assert!(contrast(&sharp) > contrast(&soft));
    }
}

//! Pictures made in the test.

use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};

/// A smooth diagonal gradient: a valid PNG without a face.
pub fn gradient_png(width: u32, height: u32) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| {
        let r = (x * 255 / width.max(1)) as u8;
        let g = (y * 255 / height.max(1)) as u8;
        Rgb([r, g, 128])
    });
    let mut bytes = Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, ImageFormat::Png)
        .expect("encoding a PNG in memory");
    bytes.into_inner()
}

/// The first `fraction` of a file's bytes: a truncated picture.
pub fn truncated(bytes: &[u8], fraction: f64) -> Vec<u8> {
    let keep = ((bytes.len() as f64) * fraction) as usize;
    bytes[..keep.min(bytes.len())].to_vec()
}

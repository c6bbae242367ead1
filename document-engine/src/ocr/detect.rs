//! Text detection: the PP-OCRv4 DBNet detector on a resized image, then
//! [`db_post`](super::db_post) to boxes in the image's own pixels.

use image::RgbImage;

use super::db_post::{DbParams, boxes_from_map};
use super::error::OcrError;
use super::geometry::{Point, RotatedRect};
use super::net::Network;
use super::pixels;

/// Inputs are padded so their shorter side is a multiple of this, which
/// keeps the number of distinct shapes (and so of plans) small.
const SIDE_STEP: u32 = 64;

/// One detected text region, in the pixels of the image it was found in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextBox {
    /// The region, reading direction along `rect.width`.
    pub rect: RotatedRect,
    /// Mean text probability inside the region (0..1).
    pub score: f32,
}

#[derive(Debug)]
pub(crate) struct Detector {
    net: Network,
    params: DbParams,
}

/// The input canvas for an image of `width × height` whose longer side is
/// brought to `max_side`: `(scale, resized width, resized height, canvas
/// width, canvas height)`.
fn layout(width: u32, height: u32, max_side: u32) -> (f32, u32, u32, u32, u32) {
    let max_side = max_side.max(SIDE_STEP).div_ceil(32) * 32;
    let scale = max_side as f32 / width.max(height).max(1) as f32;
    let rw = ((width as f32 * scale).round() as u32).clamp(1, max_side);
    let rh = ((height as f32 * scale).round() as u32).clamp(1, max_side);
    let cw = rw.div_ceil(SIDE_STEP) * SIDE_STEP;
    let ch = rh.div_ceil(SIDE_STEP) * SIDE_STEP;
    (
        scale,
        rw,
        rh,
        cw.min(max_side.max(rw)),
        ch.min(max_side.max(rh)),
    )
}

impl Detector {
    pub(crate) fn new(net: Network) -> Self {
        Self {
            net,
            params: DbParams::default(),
        }
    }

    /// Builds the plan for images of this size ahead of time.
    pub(crate) fn prepare(&self, width: u32, height: u32, max_side: u32) -> Result<(), OcrError> {
        let (_, _, _, cw, ch) = layout(width, height, max_side);
        self.net.prepare([1, 3, ch as usize, cw as usize])
    }

    /// Detects text with the image scaled so its longer side is `max_side`
    /// pixels (rounded up to a multiple of 32); boxes come back in the
    /// image's own pixels, top to bottom.
    pub(crate) fn detect(&self, image: &RgbImage, max_side: u32) -> Result<Vec<TextBox>, OcrError> {
        let (width, height) = image.dimensions();
        if width < 8 || height < 8 {
            return Err(OcrError::ImageTooSmall { width, height });
        }
        let (scale, rw, rh, cw, ch) = layout(width, height, max_side);
        let resized = pixels::resize(image, rw, rh);
        let (cw, ch) = (cw as usize, ch as usize);
        let input = pixels::to_planes(&resized, cw, ch);
        let output = self.net.run([1, 3, ch, cw], input)?;
        let (mh, mw) = match output.dims.as_slice() {
            [1, 1, h, w] => (*h, *w),
            other => {
                return Err(OcrError::Inference {
                    name: "detector",
                    detail: format!("unexpected output shape {other:?}"),
                });
            }
        };
        let mut boxes: Vec<TextBox> = boxes_from_map(&output.values, mw, mh, &self.params)
            .into_iter()
            .map(|b| TextBox {
                rect: to_image(&b.rect, scale, width, height),
                score: b.score,
            })
            .filter(|b| b.rect.width > 3.0 && b.rect.height > 3.0)
            .collect();
        boxes.sort_by(|a, b| {
            a.rect
                .center
                .y
                .total_cmp(&b.rect.center.y)
                .then(a.rect.center.x.total_cmp(&b.rect.center.x))
        });
        Ok(boxes)
    }
}

/// A box from map pixels to image pixels, its centre kept inside the image.
fn to_image(rect: &RotatedRect, scale: f32, width: u32, height: u32) -> RotatedRect {
    // Map pixel centres sit at integer coordinates; image pixel centres too.
    let x = ((rect.center.x + 0.5) / scale - 0.5).clamp(0.0, width as f32);
    let y = ((rect.center.y + 0.5) / scale - 0.5).clamp(0.0, height as f32);
    RotatedRect {
        center: Point { x, y },
        width: rect.width / scale,
        height: rect.height / scale,
        angle: rect.angle,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canvas_is_a_multiple_of_32_and_holds_the_image() {
        for (w, h, side) in [
            (1020, 645, 960),
            (319, 416, 640),
            (3000, 2000, 736),
            (50, 2000, 960),
        ] {
            let (scale, rw, rh, cw, ch) = layout(w, h, side);
            assert!(rw <= cw && rh <= ch, "{w}x{h}");
            assert_eq!(cw % 32, 0, "{w}x{h}");
            assert_eq!(ch % 32, 0, "{w}x{h}");
            assert_eq!(rw.max(rh), side.div_ceil(32) * 32);
            assert!(scale > 0.0);
        }
    }
}

//! Faces on identity documents: a printed portrait is often 40–80 px high,
//! below what a selfie search looks for. Small document images are doubled
//! (bilinear) before the engine looks at them, which halves the smallest
//! face found (40 px becomes 20 px) for four times the work on an image
//! that is small to begin with.

use riv_document::model::Portrait;
use riv_face_engine::{AnalyzedFace, EngineError, FaceEngine, RgbImage};

/// Document images whose longer side is below this are doubled first.
const DOUBLE_BELOW_PX: u32 = 1200;

/// A face found on a document, in the document image's own pixels.
#[derive(Debug, Clone)]
pub struct DocumentFace {
    /// The face and its descriptor (coordinates in the analysed image).
    pub face: AnalyzedFace,
    /// Left, top, width, height relative to the document image (0..1).
    pub relative_box: [f32; 4],
}

impl DocumentFace {
    /// The face as the analysis's portrait, on the front (side 0).
    pub fn portrait(&self) -> Portrait {
        let [left, top, width, height] = self.relative_box;
        Portrait {
            left,
            top,
            width,
            height,
            confidence: self.face.detail.confidence as f32,
            side: 0,
        }
    }
}

/// Every face on the document image, largest first.
pub fn document_faces(
    engine: &FaceEngine,
    image: &RgbImage,
) -> Result<Vec<DocumentFace>, EngineError> {
    let doubled = image.width().max(image.height()) < DOUBLE_BELOW_PX;
    let analysed = if doubled {
        double(image)
    } else {
        image.clone()
    };
    let (detection, upright) = engine.analyze(&analysed)?;
    let (w, h) = (upright.width() as f32, upright.height() as f32);
    Ok(detection
        .faces
        .into_iter()
        .map(|face| {
            let b = face.detail.bounding_box;
            let relative_box = [
                (b.left as f32 / w).clamp(0.0, 1.0),
                (b.top as f32 / h).clamp(0.0, 1.0),
                (b.width() as f32 / w).clamp(0.0, 1.0),
                (b.height() as f32 / h).clamp(0.0, 1.0),
            ];
            DocumentFace { face, relative_box }
        })
        .collect())
}

/// The image at twice its size, bilinear.
fn double(image: &RgbImage) -> RgbImage {
    let (w, h) = (image.width(), image.height());
    let mut out = RgbImage::new(w * 2, h * 2);
    for y in 0..h * 2 {
        let sy = ((y as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (h - 1) as f32);
        let (y0, fy) = (sy.floor() as u32, sy.fract());
        let y1 = (y0 + 1).min(h - 1);
        for x in 0..w * 2 {
            let sx = ((x as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (w - 1) as f32);
            let (x0, fx) = (sx.floor() as u32, sx.fract());
            let x1 = (x0 + 1).min(w - 1);
            let (a, b, c, d) = (
                image.get(x0, y0),
                image.get(x1, y0),
                image.get(x0, y1),
                image.get(x1, y1),
            );
            let mut rgb = [0u8; 3];
            for (i, value) in rgb.iter_mut().enumerate() {
                let top = f32::from(a[i]) * (1.0 - fx) + f32::from(b[i]) * fx;
                let bottom = f32::from(c[i]) * (1.0 - fx) + f32::from(d[i]) * fx;
                *value = (top * (1.0 - fy) + bottom * fy).round() as u8;
            }
            out.put(x, y, rgb);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubling_keeps_flat_colours_and_corners() {
        let mut image = RgbImage::new(3, 2);
        for y in 0..2 {
            for x in 0..3 {
                image.put(x, y, [10 * x as u8, 100, 200 - 50 * y as u8]);
            }
        }
        let doubled = double(&image);
        assert_eq!((doubled.width(), doubled.height()), (6, 4));
        assert_eq!(doubled.get(0, 0), image.get(0, 0));
        assert_eq!(doubled.get(5, 3), image.get(2, 1));
        for y in 0..4 {
            for x in 0..6 {
                assert_eq!(doubled.get(x, y)[1], 100);
            }
        }
    }
}

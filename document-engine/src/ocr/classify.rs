//! Text-line direction: PP-OCR's mobile classifier tells a line read upside
//! down (180°) from an upright one.

use image::RgbImage;

use super::error::OcrError;
use super::net::Network;
use super::pixels;

const HEIGHT: usize = 48;
const WIDTH: usize = 192;
/// Probability of "180°" above which a line is turned (PaddleOCR's 0.9).
const TURN_THRESHOLD: f32 = 0.9;

#[derive(Debug)]
pub(crate) struct Classifier {
    net: Network,
}

impl Classifier {
    pub(crate) fn new(net: Network) -> Self {
        Self { net }
    }

    pub(crate) fn prepare(&self) -> Result<(), OcrError> {
        self.net.prepare([1, 3, HEIGHT, WIDTH])
    }

    /// The probability that `line` is upside down (0..1).
    pub(crate) fn upside_down(&self, line: &RgbImage) -> Result<f32, OcrError> {
        let (w, h) = line.dimensions();
        if w == 0 || h == 0 {
            return Ok(0.0);
        }
        let target = ((HEIGHT as f32 * w as f32 / h as f32).ceil() as u32).clamp(1, WIDTH as u32);
        let resized = pixels::resize(line, target, HEIGHT as u32);
        let input = pixels::to_planes(&resized, WIDTH, HEIGHT);
        let output = self.net.run([1, 3, HEIGHT, WIDTH], input)?;
        match output.values.as_slice() {
            [_, turned] => Ok(*turned),
            other => Err(OcrError::Inference {
                name: "classifier",
                detail: format!("{} outputs instead of 2", other.len()),
            }),
        }
    }

    /// True when the line should be turned half a turn before reading.
    pub(crate) fn should_turn(&self, line: &RgbImage) -> Result<bool, OcrError> {
        Ok(self.upside_down(line)? > TURN_THRESHOLD)
    }
}

//! The sliding window over the image pyramid: which pyramid levels dlib
//! scans, and where a score-map position lies in the input image.

use crate::geometry::Rect;
use crate::pyramid::{DRect, PyramidDown};

use super::model::ScannerConfig;

/// Number of pyramid levels `create_fhog_pyramid` scans for an image:
/// levels are added while the image rectangle, mapped down level by level
/// and rounded, keeps both sides at least the configured minimum.
pub fn num_levels(config: &ScannerConfig, pyramid: &PyramidDown, width: u32, height: u32) -> usize {
    let mut rect = Rect::new(0, 0, i64::from(width) - 1, i64::from(height) - 1);
    let mut levels = 0u64;
    loop {
        rect = pyramid.rect_down(DRect::from(rect), 1).round();
        levels += 1;
        let keep_going = rect.width() as u64 >= config.min_pyramid_layer_width
            && rect.height() as u64 >= config.min_pyramid_layer_height
            && levels < config.max_pyramid_levels;
        if !keep_going {
            return levels as usize;
        }
    }
}

/// Maps positions of a level's score map back to boxes in the input image.
#[derive(Debug, Clone, Copy)]
pub struct WindowMapper {
    cell_size: i64,
    /// Filter size in cells, which is also the padding of the planes.
    filter_width: i64,
    filter_height: i64,
    /// Detection box in cells (filter minus padding).
    box_width: i64,
    box_height: i64,
}

impl WindowMapper {
    pub fn new(config: &ScannerConfig) -> Self {
        let (fw, fh) = config.filter_size();
        let pad = i64::from(config.padding);
        Self {
            cell_size: i64::from(config.cell_size),
            filter_width: fw as i64,
            filter_height: fh as i64,
            box_width: fw as i64 - 2 * pad,
            box_height: fh as i64 - 2 * pad,
        }
    }

    /// dlib's `fhog_to_image` for one corner: back to pixels of the level,
    /// then to the middle of the cell (away from zero on each axis).
    fn fhog_to_image(&self, x: i64, y: i64) -> (i64, i64) {
        let x = (x + 1 - (self.filter_width - 1) / 2) * self.cell_size + 1;
        let y = (y + 1 - (self.filter_height - 1) / 2) * self.cell_size + 1;
        let half = self.cell_size / 2;
        let dx = if x >= 0 { half } else { -half };
        let dy = if y >= 0 { half } else { -half };
        (x + dx, y + dy)
    }

    /// The box of the window centred on score-map position (`row`, `col`)
    /// at pyramid `level`, in input image coordinates.
    pub fn window(&self, pyramid: &PyramidDown, level: usize, row: usize, col: usize) -> Rect {
        // centered_rect(point(col, row), box_width, box_height)
        let left = col as i64 - self.box_width / 2;
        let top = row as i64 - self.box_height / 2;
        let right = left + self.box_width - 1;
        let bottom = top + self.box_height - 1;
        let (l, t) = self.fhog_to_image(left, top);
        let (r, b) = self.fhog_to_image(right, bottom);
        let on_level = DRect::new(l as f64, t as f64, r as f64, b as f64);
        pyramid.rect_up(on_level, level as u32).round()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face_config() -> ScannerConfig {
        ScannerConfig {
            cell_size: 8,
            padding: 0,
            window_width: 80,
            window_height: 80,
            max_pyramid_levels: 1000,
            min_pyramid_layer_width: 64,
            min_pyramid_layer_height: 64,
            nuclear_norm_regularization_strength: 9.0,
        }
    }

    #[test]
    fn level_counts_follow_the_rounded_rectangles() {
        let config = face_config();
        let pyr = PyramidDown::new(6).unwrap();
        // 64x64 maps to 53x53: only the first level.
        assert_eq!(num_levels(&config, &pyr, 64, 64), 1);
        assert_eq!(num_levels(&config, &pyr, 10, 3000), 1);
        assert_eq!(num_levels(&config, &pyr, 0, 0), 1);
        // 80 -> 66.4 (66 wide, still >= 64) -> 55: two levels.
        assert_eq!(num_levels(&config, &pyr, 80, 80), 2);
        let mut limited = config.clone();
        limited.max_pyramid_levels = 3;
        assert_eq!(num_levels(&limited, &pyr, 4000, 4000), 3);
        // 640x480: levels until the height drops below 64.
        let levels = num_levels(&config, &pyr, 640, 480);
        let mut h = 479.0f64;
        let mut expected = 0;
        loop {
            h = ((h - 0.3) * 5.0 / 6.0).round();
            expected += 1;
            if h + 1.0 < 64.0 {
                break;
            }
        }
        assert_eq!(levels, expected);
    }

    #[test]
    fn windows_map_to_80_pixel_boxes() {
        let config = face_config();
        let mapper = WindowMapper::new(&config);
        let pyr = PyramidDown::new(6).unwrap();
        // Position (5, 5) of level 0 is the first window wholly inside the
        // planes: box cells (0..=9) map to pixels (0-3)*8+1 = -23 and
        // (9-3)*8+1 = 49, pushed half a cell away from zero: -27 and 53.
        assert_eq!(mapper.window(&pyr, 0, 5, 5), Rect::new(-27, -27, 53, 53));
        // Inside the image both corners move the same way: 73 pixels wide.
        // (9, 14): cells 9..=18 x 4..=13 -> x 53..=125, y 13..=85.
        assert_eq!(mapper.window(&pyr, 0, 9, 14), Rect::new(53, 13, 125, 85));
        // One level up every corner maps by p * 6/5 + 0.3, then rounds.
        assert_eq!(mapper.window(&pyr, 1, 9, 14), Rect::new(64, 16, 150, 102));
    }
}

//! Differentiable Binarization post-processing: from the detector's text
//! probability map to rotated text boxes.
//!
//! As PaddleOCR does it: threshold the map, dilate by a 2×2 square, take each
//! connected region's minimum-area rectangle, drop regions whose mean
//! probability inside that rectangle is low, and grow the rectangle by
//! `area × ratio / perimeter` on every side (the detector is trained on
//! shrunk text regions).

use super::geometry::{Point, RotatedRect, min_area_rect};

/// Settings of the post-processing (PaddleOCR's defaults for PP-OCRv4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DbParams {
    /// Probability above which a pixel is text.
    pub threshold: f32,
    /// Mean probability inside a box below which it is dropped.
    pub box_threshold: f32,
    /// How much a box grows: `area × ratio / perimeter` on every side.
    pub unclip_ratio: f32,
    /// Most regions looked at.
    pub max_candidates: usize,
}

impl Default for DbParams {
    fn default() -> Self {
        Self {
            threshold: 0.3,
            box_threshold: 0.5,
            unclip_ratio: 1.6,
            max_candidates: 1000,
        }
    }
}

/// A text box in probability-map coordinates, with its mean probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredBox {
    pub rect: RotatedRect,
    pub score: f32,
}

/// Boxes from a `width × height` probability map, in map coordinates.
pub fn boxes_from_map(
    map: &[f32],
    width: usize,
    height: usize,
    params: &DbParams,
) -> Vec<ScoredBox> {
    if width == 0 || height == 0 || map.len() < width * height {
        return Vec::new();
    }
    let mask = dilated_mask(map, width, height, params.threshold);
    let mut labels = vec![0u32; width * height];
    let mut boxes = Vec::new();
    let mut regions = 0usize;
    let mut stack = Vec::new();
    for start in 0..width * height {
        if !mask[start] || labels[start] != 0 {
            continue;
        }
        regions += 1;
        if regions > params.max_candidates {
            break;
        }
        let label = u32::try_from(regions).unwrap_or(u32::MAX);
        let boundary = flood_region(&mask, &mut labels, width, height, start, label, &mut stack);
        let Some(rect) = min_area_rect(&boundary) else {
            continue;
        };
        if rect.width.min(rect.height) < 3.0 {
            continue;
        }
        let score = mean_inside(map, width, height, &rect);
        if score < params.box_threshold {
            continue;
        }
        let grown = unclip(&rect, params.unclip_ratio);
        if grown.width.min(grown.height) < 5.0 {
            continue;
        }
        boxes.push(ScoredBox { rect: grown, score });
    }
    boxes
}

/// The thresholded map dilated by a 2×2 square (a pixel is set when it or
/// its left, upper or upper-left neighbour is above the threshold).
fn dilated_mask(map: &[f32], width: usize, height: usize, threshold: f32) -> Vec<bool> {
    let above: Vec<bool> = map[..width * height]
        .iter()
        .map(|&p| p > threshold)
        .collect();
    let mut mask = above.clone();
    for y in 0..height {
        for x in 0..width {
            let i = y * width + x;
            if mask[i] {
                continue;
            }
            let left = x > 0 && above[i - 1];
            let up = y > 0 && above[i - width];
            let diag = x > 0 && y > 0 && above[i - width - 1];
            mask[i] = left || up || diag;
        }
    }
    mask
}

/// Labels the 8-connected region holding `start` and returns its boundary
/// pixels (those with a 4-neighbour outside the region).
fn flood_region(
    mask: &[bool],
    labels: &mut [u32],
    width: usize,
    height: usize,
    start: usize,
    label: u32,
    stack: &mut Vec<usize>,
) -> Vec<Point> {
    let mut boundary = Vec::new();
    stack.clear();
    stack.push(start);
    labels[start] = label;
    while let Some(i) = stack.pop() {
        let (x, y) = (i % width, i / width);
        let inside = |nx: isize, ny: isize| {
            nx >= 0
                && ny >= 0
                && (nx as usize) < width
                && (ny as usize) < height
                && mask[ny as usize * width + nx as usize]
        };
        let (xi, yi) = (x as isize, y as isize);
        if !(inside(xi - 1, yi) && inside(xi + 1, yi) && inside(xi, yi - 1) && inside(xi, yi + 1)) {
            boundary.push(Point {
                x: x as f32,
                y: y as f32,
            });
        }
        for dy in -1isize..=1 {
            for dx in -1isize..=1 {
                if (dx != 0 || dy != 0) && inside(xi + dx, yi + dy) {
                    let j = (yi + dy) as usize * width + (xi + dx) as usize;
                    if labels[j] == 0 {
                        labels[j] = label;
                        stack.push(j);
                    }
                }
            }
        }
    }
    boundary
}

/// Mean probability of the map's pixels inside `rect`.
fn mean_inside(map: &[f32], width: usize, height: usize, rect: &RotatedRect) -> f32 {
    let (left, top, right, bottom) = rect.bounds();
    let x0 = left.floor().max(0.0) as usize;
    let y0 = top.floor().max(0.0) as usize;
    let x1 = (right.ceil().max(0.0) as usize).min(width - 1);
    let y1 = (bottom.ceil().max(0.0) as usize).min(height - 1);
    let (mut sum, mut count) = (0.0f32, 0u32);
    for y in y0..=y1 {
        for x in x0..=x1 {
            if rect.contains(Point {
                x: x as f32,
                y: y as f32,
            }) {
                sum += map[y * width + x];
                count += 1;
            }
        }
    }
    if count == 0 { 0.0 } else { sum / count as f32 }
}

/// Grows a rectangle by `area × ratio / perimeter` on every side (the
/// minimum-area rectangle of PaddleOCR's rounded polygon offset).
fn unclip(rect: &RotatedRect, ratio: f32) -> RotatedRect {
    let perimeter = 2.0 * (rect.width + rect.height);
    let distance = if perimeter > 0.0 {
        rect.width * rect.height * ratio / perimeter
    } else {
        0.0
    };
    RotatedRect {
        width: rect.width + 2.0 * distance,
        height: rect.height + 2.0 * distance,
        ..*rect
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_separate_lines_give_two_grown_boxes() {
        let (w, h) = (120, 60);
        let mut map = vec![0.0f32; w * h];
        for y in 10..16 {
            for x in 10..100 {
                map[y * w + x] = 0.9;
            }
        }
        for y in 40..46 {
            for x in 20..80 {
                map[y * w + x] = 0.8;
            }
        }
        let mut boxes = boxes_from_map(&map, w, h, &DbParams::default());
        boxes.sort_by(|a, b| a.rect.center.y.total_cmp(&b.rect.center.y));
        assert_eq!(boxes.len(), 2, "{boxes:?}");
        let first = boxes[0].rect;
        // The region is 90×6 pixels (89×6 between the boundary pixel
        // centres, after dilation); the box grows on every side.
        assert!(first.width > 95.0 && first.width < 105.0, "{first:?}");
        assert!(first.height > 10.0 && first.height < 16.0, "{first:?}");
        // The dilated rim (probability 0) is inside the box too.
        assert!(boxes[0].score > 0.7, "{:?}", boxes[0]);
        assert!((boxes[1].rect.center.y - 43.0).abs() < 1.0);
    }

    #[test]
    fn faint_and_tiny_regions_are_dropped() {
        let (w, h) = (50, 50);
        let mut map = vec![0.0f32; w * h];
        map[10 * w + 10] = 0.9; // a speck
        for y in 30..40 {
            for x in 5..45 {
                map[y * w + x] = 0.35; // above the pixel threshold, below the box one
            }
        }
        assert!(boxes_from_map(&map, w, h, &DbParams::default()).is_empty());
        assert!(boxes_from_map(&[], 0, 0, &DbParams::default()).is_empty());
    }
}

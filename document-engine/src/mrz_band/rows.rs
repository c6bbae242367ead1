//! From detected text boxes to rows, and from rows to candidate MRZ bands.
//!
//! The detector often splits an MRZ line where a long run of `<` fillers
//! is (fillers look little like text), so boxes on one baseline are merged
//! into a row first, and a band's rows are all read over the band's full
//! width: MRZ lines start at one left edge and have one length.

use crate::ocr::{Point, RotatedRect, TextBox};

/// Boxes whose centres are closer than this share of their height to a
/// row's centre line join that row.
const SAME_ROW: f32 = 0.5;
/// Most ratio of two heights in one row or one band.
const MAX_HEIGHT_RATIO: f32 = 1.6;
/// Least width / height of a row that may be an MRZ line (its fillers may
/// be missing from it).
const MIN_ROW_ASPECT: f32 = 8.0;
/// Least width / height of the longest row of a band.
const MIN_BAND_ASPECT: f32 = 14.0;
/// Row spacing, centre to centre, in mean row heights.
const MIN_SPACING: f32 = 0.8;
const MAX_SPACING: f32 = 2.6;
/// Most difference of left edges, in mean row heights.
const MAX_LEFT_SHIFT: f32 = 2.5;
/// Most difference of row angles, radians (3°).
const MAX_ANGLE_SPREAD: f32 = 0.052;
/// Room added left and right of a band's rows, in row heights.
const SIDE_MARGIN: f32 = 0.4;

/// Text boxes on one baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row's box: the members' extent along the row, their median
    /// height across it.
    pub rect: RotatedRect,
    /// How many detected boxes it joins.
    pub boxes: usize,
    corners: Vec<Point>,
    heights: Vec<f32>,
    angles: Vec<(f32, f32)>,
}

impl Row {
    fn new(b: &TextBox) -> Self {
        Self {
            rect: b.rect,
            boxes: 1,
            corners: b.rect.corners().to_vec(),
            heights: vec![b.rect.height],
            angles: vec![(b.rect.angle, b.rect.width)],
        }
    }

    /// Width over height.
    pub fn aspect(&self) -> f32 {
        self.rect.width / self.rect.height.max(1.0)
    }

    /// The y of the row's centre line at `x`.
    fn y_at(&self, x: f32) -> f32 {
        self.rect.center.y + self.rect.angle.tan() * (x - self.rect.center.x)
    }

    fn accepts(&self, b: &TextBox) -> bool {
        let h = self.rect.height.min(b.rect.height);
        let ratio = self.rect.height.max(b.rect.height) / h.max(1.0);
        ratio <= MAX_HEIGHT_RATIO
            && (b.rect.center.y - self.y_at(b.rect.center.x)).abs() < SAME_ROW * h
            && (b.rect.angle - self.rect.angle).abs() <= MAX_ANGLE_SPREAD * 2.0
    }

    fn join(&mut self, b: &TextBox) {
        self.boxes += 1;
        self.corners.extend(b.rect.corners());
        self.heights.push(b.rect.height);
        self.angles.push((b.rect.angle, b.rect.width));
        let total: f32 = self.angles.iter().map(|(_, w)| w).sum();
        let angle = self.angles.iter().map(|(a, w)| a * w).sum::<f32>() / total.max(1.0);
        let mut heights = self.heights.clone();
        heights.sort_by(f32::total_cmp);
        let height = heights[heights.len() / 2];
        let (u0, u1, v0, v1) = extent(&self.corners, angle);
        let (sin, cos) = angle.sin_cos();
        let (cu, cv) = ((u0 + u1) / 2.0, (v0 + v1) / 2.0);
        self.rect = RotatedRect {
            center: Point {
                x: cu * cos - cv * sin,
                y: cu * sin + cv * cos,
            },
            width: u1 - u0,
            height,
            angle,
        };
    }
}

/// `(u_min, u_max, v_min, v_max)` of points in a frame turned by `angle`.
fn extent(points: &[Point], angle: f32) -> (f32, f32, f32, f32) {
    let (sin, cos) = angle.sin_cos();
    points.iter().fold(
        (
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ),
        |(u0, u1, v0, v1), p| {
            let u = p.x * cos + p.y * sin;
            let v = -p.x * sin + p.y * cos;
            (u0.min(u), u1.max(u), v0.min(v), v1.max(v))
        },
    )
}

/// Merges boxes on one baseline into rows, top to bottom.
pub fn group_rows(boxes: &[TextBox]) -> Vec<Row> {
    let mut sorted: Vec<&TextBox> = boxes.iter().collect();
    sorted.sort_by(|a, b| a.rect.width.total_cmp(&b.rect.width).reverse());
    let mut rows: Vec<Row> = Vec::new();
    for b in sorted {
        match rows.iter_mut().find(|r| r.accepts(b)) {
            Some(row) => row.join(b),
            None => rows.push(Row::new(b)),
        }
    }
    rows.sort_by(|a, b| a.rect.center.y.total_cmp(&b.rect.center.y));
    rows
}

/// A group of rows that may be an MRZ, and the regions to read.
#[derive(Debug, Clone, PartialEq)]
pub struct BandCandidate {
    /// One region per line, top to bottom, all over the band's width.
    pub regions: Vec<RotatedRect>,
    /// Higher is likelier.
    pub score: f32,
}

/// Candidate bands, likeliest first: 3 or 2 consecutive long rows of one
/// height, evenly spaced, with one left edge; lower and longer is likelier.
pub fn select_bands(rows: &[Row]) -> Vec<BandCandidate> {
    let long: Vec<&Row> = rows
        .iter()
        .filter(|r| r.aspect() >= MIN_ROW_ASPECT)
        .collect();
    let lowest = rows
        .iter()
        .map(|r| r.rect.center.y)
        .fold(f32::NEG_INFINITY, f32::max)
        .max(1.0);
    let mut candidates = Vec::new();
    for size in [3usize, 2] {
        for group in long.windows(size) {
            if let Some(candidate) = band(group, lowest) {
                candidates.push(candidate);
            }
        }
    }
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score));
    candidates
}

fn band(rows: &[&Row], lowest: f32) -> Option<BandCandidate> {
    let heights: Vec<f32> = rows.iter().map(|r| r.rect.height).collect();
    let (hmin, hmax) = heights
        .iter()
        .fold((f32::INFINITY, 0.0f32), |(lo, hi), &h| {
            (lo.min(h), hi.max(h))
        });
    if hmin <= 0.0 || hmax / hmin > MAX_HEIGHT_RATIO {
        return None;
    }
    let height = heights.iter().sum::<f32>() / heights.len() as f32;
    let angles: Vec<f32> = rows.iter().map(|r| r.rect.angle).collect();
    let (amin, amax) = angles
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &a| {
            (lo.min(a), hi.max(a))
        });
    if amax - amin > MAX_ANGLE_SPREAD {
        return None;
    }
    let angle = angles.iter().sum::<f32>() / angles.len() as f32;
    if rows.iter().map(|r| r.aspect()).fold(0.0, f32::max) < MIN_BAND_ASPECT {
        return None;
    }
    // Positions across (v) and along (u) the band.
    let (sin, cos) = angle.sin_cos();
    let across: Vec<f32> = rows
        .iter()
        .map(|r| -r.rect.center.x * sin + r.rect.center.y * cos)
        .collect();
    let gaps: Vec<f32> = across.windows(2).map(|w| (w[1] - w[0]) / height).collect();
    if gaps
        .iter()
        .any(|g| !(MIN_SPACING..=MAX_SPACING).contains(g))
    {
        return None;
    }
    if let [a, b] = gaps.as_slice()
        && (a / b > 1.35 || b / a > 1.35)
    {
        return None;
    }
    let spans: Vec<(f32, f32)> = rows
        .iter()
        .map(|r| {
            let (u0, u1, _, _) = extent(&r.rect.corners(), angle);
            (u0, u1)
        })
        .collect();
    let left_min = spans.iter().map(|s| s.0).fold(f32::INFINITY, f32::min);
    let left_max = spans.iter().map(|s| s.0).fold(f32::NEG_INFINITY, f32::max);
    if left_max - left_min > MAX_LEFT_SHIFT * height {
        return None;
    }
    let right = spans.iter().map(|s| s.1).fold(f32::NEG_INFINITY, f32::max);
    let (u0, u1) = (
        left_min - SIDE_MARGIN * height,
        right + SIDE_MARGIN * height,
    );
    let regions: Vec<RotatedRect> = rows
        .iter()
        .zip(&across)
        .map(|(r, &v)| {
            let u = (u0 + u1) / 2.0;
            RotatedRect {
                center: Point {
                    x: u * cos - v * sin,
                    y: u * sin + v * cos,
                },
                width: u1 - u0,
                height: r.rect.height,
                angle,
            }
        })
        .collect();
    let bottom = rows.last().map_or(0.0, |r| r.rect.center.y) / lowest;
    let aspect = ((u1 - u0) / height / 30.0).min(1.0);
    let score = 2.0 * bottom + aspect + if rows.len() == 3 { 0.5 } else { 0.0 };
    Some(BandCandidate { regions, score })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tb(x: f32, y: f32, w: f32, h: f32) -> TextBox {
        TextBox {
            rect: RotatedRect {
                center: Point { x, y },
                width: w,
                height: h,
                angle: 0.0,
            },
            score: 0.9,
        }
    }

    #[test]
    fn split_mrz_lines_become_one_band_over_the_full_width() {
        // A TD3 page: a title, a photo caption, then two MRZ lines whose
        // first is split where the fillers are.
        let boxes = vec![
            tb(300.0, 40.0, 200.0, 30.0),
            tb(150.0, 200.0, 120.0, 20.0),
            tb(200.0, 400.0, 360.0, 24.0), // P<UTOERIKSSON<<ANNA<MARIA
            tb(520.0, 401.0, 180.0, 24.0), // the fillers, found apart
            tb(320.0, 440.0, 600.0, 24.0), // second line, whole
        ];
        let rows = group_rows(&boxes);
        assert_eq!(rows.len(), 4, "{rows:?}");
        let bands = select_bands(&rows);
        let best = bands.first().expect("a band");
        assert_eq!(best.regions.len(), 2);
        let (l, _, r, _) = best.regions[0].bounds();
        assert!(l < 21.0 && r > 619.0, "{:?}", best.regions[0]);
        assert!((best.regions[0].center.y - 400.5).abs() < 1.0);
        assert!((best.regions[1].center.y - 440.0).abs() < 1.0);
    }

    #[test]
    fn three_lines_are_preferred_to_two_and_short_rows_are_not_a_band() {
        let boxes = vec![
            tb(250.0, 300.0, 450.0, 25.0),
            tb(250.0, 340.0, 450.0, 25.0),
            tb(250.0, 380.0, 450.0, 25.0),
        ];
        let bands = select_bands(&group_rows(&boxes));
        assert_eq!(bands[0].regions.len(), 3);
        assert_eq!(bands.len(), 3);

        let short = vec![tb(100.0, 300.0, 150.0, 25.0), tb(100.0, 340.0, 150.0, 25.0)];
        assert!(select_bands(&group_rows(&short)).is_empty());
        // Evenly sized long rows far apart are not a band.
        let apart = vec![tb(250.0, 100.0, 450.0, 25.0), tb(250.0, 400.0, 450.0, 25.0)];
        assert!(select_bands(&group_rows(&apart)).is_empty());
    }
}

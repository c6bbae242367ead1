//! Plane geometry for text boxes: convex hulls and minimum-area rectangles.

/// A point in pixel coordinates (x right, y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

/// A rectangle of any rotation: the shape of one detected text line.
///
/// `width` runs along the text (the rectangle's x axis rotated by `angle`),
/// `height` across it. `angle` is in radians, clockwise in image
/// coordinates; for upright text it lies in (−π/4, π/4].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RotatedRect {
    pub center: Point,
    pub width: f32,
    pub height: f32,
    pub angle: f32,
}

impl RotatedRect {
    /// The four corners: top-left, top-right, bottom-right, bottom-left
    /// (as seen along the text).
    pub fn corners(&self) -> [Point; 4] {
        let (sin, cos) = self.angle.sin_cos();
        let (hw, hh) = (self.width / 2.0, self.height / 2.0);
        let at = |u: f32, v: f32| Point {
            x: self.center.x + u * cos - v * sin,
            y: self.center.y + u * sin + v * cos,
        };
        [at(-hw, -hh), at(hw, -hh), at(hw, hh), at(-hw, hh)]
    }

    /// The axis-aligned bounding box: `(left, top, right, bottom)`.
    pub fn bounds(&self) -> (f32, f32, f32, f32) {
        let c = self.corners();
        let xs = c.iter().map(|p| p.x);
        let ys = c.iter().map(|p| p.y);
        (
            xs.clone().fold(f32::INFINITY, f32::min),
            ys.clone().fold(f32::INFINITY, f32::min),
            xs.fold(f32::NEG_INFINITY, f32::max),
            ys.fold(f32::NEG_INFINITY, f32::max),
        )
    }

    /// True when `p` lies inside (or on the border of) the rectangle.
    pub fn contains(&self, p: Point) -> bool {
        let (sin, cos) = self.angle.sin_cos();
        let (dx, dy) = (p.x - self.center.x, p.y - self.center.y);
        let u = dx * cos + dy * sin;
        let v = -dx * sin + dy * cos;
        u.abs() <= self.width / 2.0 + 1e-3 && v.abs() <= self.height / 2.0 + 1e-3
    }

    /// The same rectangle with the reading direction chosen so that the
    /// angle lies in (−π/4, π/4]: a rectangle taller than wide at a small
    /// angle is read as rotated by a quarter turn.
    pub fn upright(self) -> Self {
        use std::f32::consts::{FRAC_PI_2, FRAC_PI_4, PI};
        let mut r = self;
        // Bring the angle into (−π/2, π/2].
        while r.angle > FRAC_PI_2 {
            r.angle -= PI;
        }
        while r.angle <= -FRAC_PI_2 {
            r.angle += PI;
        }
        if r.angle > FRAC_PI_4 {
            r = RotatedRect {
                angle: r.angle - FRAC_PI_2,
                width: r.height,
                height: r.width,
                ..r
            };
        } else if r.angle <= -FRAC_PI_4 {
            r = RotatedRect {
                angle: r.angle + FRAC_PI_2,
                width: r.height,
                height: r.width,
                ..r
            };
        }
        r
    }
}

fn cross(o: Point, a: Point, b: Point) -> f32 {
    (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
}

/// The convex hull of `points` (Andrew's monotone chain), counter-clockwise
/// in a y-up frame. Fewer than three distinct points give them back as is.
pub fn convex_hull(points: &[Point]) -> Vec<Point> {
    let mut pts: Vec<Point> = points.to_vec();
    pts.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let mut hull: Vec<Point> = Vec::with_capacity(pts.len() * 2);
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &Point>> = if pass == 0 {
            Box::new(pts.iter())
        } else {
            Box::new(pts.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

/// The rectangle of least area enclosing `points` (rotating calipers over
/// the convex hull). `None` for no points.
pub fn min_area_rect(points: &[Point]) -> Option<RotatedRect> {
    let hull = convex_hull(points);
    let first = *hull.first()?;
    if hull.len() < 3 {
        let last = *hull.last()?;
        let (dx, dy) = (last.x - first.x, last.y - first.y);
        return Some(RotatedRect {
            center: Point {
                x: (first.x + last.x) / 2.0,
                y: (first.y + last.y) / 2.0,
            },
            width: (dx * dx + dy * dy).sqrt(),
            height: 0.0,
            angle: dy.atan2(dx),
        });
    }
    let mut best: Option<(f32, RotatedRect)> = None;
    for i in 0..hull.len() {
        let a = hull[i];
        let b = hull[(i + 1) % hull.len()];
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len = (dx * dx + dy * dy).sqrt();
        if len <= f32::EPSILON {
            continue;
        }
        let (ux, uy) = (dx / len, dy / len);
        let (mut umin, mut umax, mut vmin, mut vmax) = (
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
        );
        for p in &hull {
            let (px, py) = (p.x - a.x, p.y - a.y);
            let u = px * ux + py * uy;
            let v = -px * uy + py * ux;
            umin = umin.min(u);
            umax = umax.max(u);
            vmin = vmin.min(v);
            vmax = vmax.max(v);
        }
        let area = (umax - umin) * (vmax - vmin);
        if best.as_ref().is_none_or(|(best_area, _)| area < *best_area) {
            let (cu, cv) = ((umin + umax) / 2.0, (vmin + vmax) / 2.0);
            let rect = RotatedRect {
                center: Point {
                    x: a.x + cu * ux - cv * uy,
                    y: a.y + cu * uy + cv * ux,
                },
                width: umax - umin,
                height: vmax - vmin,
                angle: uy.atan2(ux),
            };
            best = Some((area, rect));
        }
    }
    best.map(|(_, rect)| rect.upright())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f32, y: f32) -> Point {
        Point { x, y }
    }

    #[test]
    fn an_axis_aligned_block_gives_its_own_rectangle() {
        let mut pts = Vec::new();
        for y in 10..=20 {
            for x in 5..=105 {
                pts.push(p(x as f32, y as f32));
            }
        }
        let r = min_area_rect(&pts).unwrap();
        assert!((r.width - 100.0).abs() < 1e-3, "{r:?}");
        assert!((r.height - 10.0).abs() < 1e-3, "{r:?}");
        assert!(r.angle.abs() < 1e-4, "{r:?}");
        assert!((r.center.x - 55.0).abs() < 1e-3 && (r.center.y - 15.0).abs() < 1e-3);
    }

    #[test]
    fn a_slightly_rotated_line_keeps_its_reading_direction() {
        let truth = RotatedRect {
            center: p(200.0, 100.0),
            width: 300.0,
            height: 20.0,
            angle: 0.05,
        };
        let found = min_area_rect(&truth.corners()).unwrap();
        assert!((found.width - 300.0).abs() < 1e-2, "{found:?}");
        assert!((found.height - 20.0).abs() < 1e-2, "{found:?}");
        assert!((found.angle - 0.05).abs() < 1e-4, "{found:?}");
        let tilted_back = min_area_rect(
            &RotatedRect {
                angle: -0.08,
                ..truth
            }
            .corners(),
        )
        .unwrap();
        assert!((tilted_back.angle + 0.08).abs() < 1e-4, "{tilted_back:?}");
        assert!(truth.contains(p(200.0, 105.0)));
        assert!(!truth.contains(p(200.0, 130.0)));
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        assert!(min_area_rect(&[]).is_none());
        let one = min_area_rect(&[p(1.0, 1.0)]).unwrap();
        assert_eq!(one.width, 0.0);
        let line = min_area_rect(&[p(0.0, 0.0), p(10.0, 0.0), p(5.0, 0.0)]).unwrap();
        assert!((line.width - 10.0).abs() < 1e-4);
        assert_eq!(convex_hull(&[p(0.0, 0.0), p(0.0, 0.0)]).len(), 1);
    }
}

//! Rectangles and points with dlib's conventions.
//!
//! dlib's `rectangle` is inclusive on all four sides: a box from `left` to
//! `right` covers `right - left + 1` pixel columns. Keeping the same
//! convention makes boxes comparable with dlib's output number for number.

use serde::{Deserialize, Serialize};

/// An axis-aligned box in pixel coordinates, inclusive on all sides (dlib's
/// `rectangle`). Coordinates may lie outside the image for faces cut by the
/// frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rect {
    pub left: i64,
    pub top: i64,
    pub right: i64,
    pub bottom: i64,
}

impl Rect {
    pub fn new(left: i64, top: i64, right: i64, bottom: i64) -> Self {
        Self {
            left,
            top,
            right,
            bottom,
        }
    }

    /// Number of pixel columns covered (0 for an empty box).
    pub fn width(&self) -> i64 {
        (self.right - self.left + 1).max(0)
    }

    /// Number of pixel rows covered (0 for an empty box).
    pub fn height(&self) -> i64 {
        (self.bottom - self.top + 1).max(0)
    }

    pub fn area(&self) -> i64 {
        self.width() * self.height()
    }

    pub fn is_empty(&self) -> bool {
        self.width() == 0 || self.height() == 0
    }

    /// dlib's `dcenter()`: the exact centre in floating point.
    pub fn dcenter(&self) -> Point {
        Point::new(
            (self.left + self.right) as f64 / 2.0,
            (self.top + self.bottom) as f64 / 2.0,
        )
    }

    /// The overlap of two boxes (possibly empty).
    pub fn intersect(&self, other: &Rect) -> Rect {
        Rect::new(
            self.left.max(other.left),
            self.top.max(other.top),
            self.right.min(other.right),
            self.bottom.min(other.bottom),
        )
    }

    /// Intersection over union, in 0..=1.
    pub fn iou(&self, other: &Rect) -> f64 {
        let inter = self.intersect(other).area();
        let union = self.area() + other.area() - inter;
        if union <= 0 {
            0.0
        } else {
            inter as f64 / union as f64
        }
    }
}

/// A point in pixel coordinates (sub-pixel precision).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }

    pub fn distance(&self, other: &Point) -> f64 {
        ((self.x - other.x).powi(2) + (self.y - other.y).powi(2)).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusive_sizes_and_iou() {
        let a = Rect::new(0, 0, 9, 9);
        assert_eq!((a.width(), a.height(), a.area()), (10, 10, 100));
        let b = Rect::new(5, 0, 14, 9);
        assert!((a.iou(&b) - 50.0 / 150.0).abs() < 1e-12);
        assert!(Rect::new(5, 5, 4, 4).is_empty());
        assert_eq!(a.iou(&Rect::new(20, 20, 30, 30)), 0.0);
    }
}

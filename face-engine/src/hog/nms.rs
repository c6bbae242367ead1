//! Non-max suppression as dlib's `object_detector` does it.
//!
//! All sub-detectors' windows are pooled, sorted by score (dlib's unstable
//! `std::sort`, see [`super::sort`]) and kept greedily unless they overlap
//! a window already kept, whichever sub-detector found it.

use crate::geometry::Rect;

use super::sort::libstdcxx_sort_reversed;

/// dlib's `test_box_overlap`: two boxes overlap when their intersection
/// covers more than `iou_thresh` of their *bounding box* (dlib's `a + b`,
/// not the union area), or more than `percent_covered_thresh` of either box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OverlapTester {
    iou_thresh: f64,
    percent_covered_thresh: f64,
}

impl OverlapTester {
    pub fn new(iou_thresh: f64, percent_covered_thresh: f64) -> Self {
        Self {
            iou_thresh,
            percent_covered_thresh,
        }
    }

    pub fn iou_thresh(&self) -> f64 {
        self.iou_thresh
    }

    pub fn percent_covered_thresh(&self) -> f64 {
        self.percent_covered_thresh
    }

    pub fn overlaps(&self, a: &Rect, b: &Rect) -> bool {
        let inner = a.intersect(b).area() as f64;
        if inner == 0.0 {
            return false;
        }
        let bounding = Rect::new(
            a.left.min(b.left),
            a.top.min(b.top),
            a.right.max(b.right),
            a.bottom.max(b.bottom),
        );
        inner / bounding.area() as f64 > self.iou_thresh
            || inner / a.area() as f64 > self.percent_covered_thresh
            || inner / b.area() as f64 > self.percent_covered_thresh
    }
}

/// A window that passed its sub-detector's threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub rect: Rect,
    /// The raw filter response, which dlib sorts each sub-detector's
    /// windows by.
    pub response: f64,
    /// Filter response minus the sub-detector's threshold.
    pub score: f64,
    pub detector_index: usize,
}

/// Sorts one sub-detector's windows by descending filter response, as
/// `scan_fhog_pyramid::detect` does before handing them over.
pub fn sort_descending(candidates: &mut [Candidate]) {
    libstdcxx_sort_reversed(candidates, &|a: &Candidate, b: &Candidate| {
        a.response < b.response
    });
}

/// Pools the sub-detectors' windows (in sub-detector order) and keeps the
/// best non-overlapping ones. With a single sub-detector dlib skips the
/// pooled sort, and so does this.
pub fn suppress(
    mut pooled: Vec<Candidate>,
    num_detectors: usize,
    tester: &OverlapTester,
) -> Vec<Candidate> {
    if num_detectors > 1 {
        libstdcxx_sort_reversed(&mut pooled, &|a: &Candidate, b: &Candidate| {
            a.score < b.score
        });
    }
    let mut kept: Vec<Candidate> = Vec::new();
    for candidate in pooled {
        if !kept
            .iter()
            .any(|k| tester.overlaps(&k.rect, &candidate.rect))
        {
            kept.push(candidate);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(left: i64, top: i64, size: i64, score: f64, detector_index: usize) -> Candidate {
        Candidate {
            rect: Rect::new(left, top, left + size - 1, top + size - 1),
            response: score,
            score,
            detector_index,
        }
    }

    #[test]
    fn overlap_uses_the_bounding_box_and_coverage() {
        let tester = OverlapTester::new(0.3, 1.0);
        let a = Rect::new(0, 0, 9, 9);
        // Side by side, half overlapping: 50 / bounding 150 = 0.33 > 0.3.
        assert!(tester.overlaps(&a, &Rect::new(5, 0, 14, 9)));
        // Diagonal shift: 25 / bounding 225 = 0.11, though IoU = 25/175.
        assert!(!tester.overlaps(&a, &Rect::new(5, 5, 14, 14)));
        assert!(!tester.overlaps(&a, &Rect::new(10, 0, 19, 9)));
        // Full containment only counts above the coverage threshold.
        let inner = Rect::new(2, 2, 4, 4);
        assert!(!tester.overlaps(&a, &inner));
        assert!(OverlapTester::new(0.3, 0.9).overlaps(&a, &inner));
        assert!(OverlapTester::new(0.3, 0.9).overlaps(&inner, &a));
    }

    #[test]
    fn keeps_the_best_of_overlapping_windows_across_detectors() {
        let tester = OverlapTester::new(0.3, 1.0);
        let pooled = vec![
            cand(0, 0, 10, 0.5, 0),
            cand(100, 100, 10, 0.1, 0),
            cand(1, 0, 10, 0.9, 1),
            cand(50, 50, 10, 0.2, 1),
            cand(101, 100, 10, 0.3, 2),
        ];
        let kept = suppress(pooled, 3, &tester);
        let summary: Vec<(i64, usize)> = kept
            .iter()
            .map(|c| (c.rect.left, c.detector_index))
            .collect();
        assert_eq!(summary, vec![(1, 1), (101, 2), (50, 1)]);
    }

    #[test]
    fn single_detector_keeps_its_own_order() {
        let tester = OverlapTester::new(0.3, 1.0);
        let pooled = vec![cand(0, 0, 10, 0.1, 0), cand(1, 0, 10, 0.9, 0)];
        let kept = suppress(pooled, 1, &tester);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].score, 0.1);
    }
}

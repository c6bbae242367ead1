//! The filters each sub-detector applies to the fHOG planes, built as
//! dlib's `build_fhog_filterbank` builds them.
//!
//! A sub-detector's weights hold one `height × width` filter per plane.
//! dlib replaces each by the sum of its rank-one parts `u_j √w_j (v_j √w_j)ᵀ`
//! whose singular value `w_j` is at least `max(1e-4, 0.001 max w)`, and runs
//! those as separable row and column filters (the face detector keeps 63–89
//! of the 155 possible per sub-detector, far cheaper than the full filters).
//! Dropping the small singular values changes the scores slightly, which is
//! why the separable form, not the stored weights, defines dlib's output.

use super::model::NUM_PLANES;
use crate::svd::{Mat, svd3};

/// One rank-one part of a plane's filter.
#[derive(Debug, Clone, PartialEq)]
pub struct SeparableFilter {
    /// Index of the fHOG plane it applies to.
    pub plane: usize,
    /// Taps along a row (`width` of them), applied first.
    pub row: Vec<f32>,
    /// Taps down a column (`height` of them).
    pub col: Vec<f32>,
}

/// A sub-detector's filters, in the order dlib applies them: by plane,
/// then by decreasing singular value.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterBank {
    pub width: usize,
    pub height: usize,
    pub separable: Vec<SeparableFilter>,
    /// The full filters as `f32` (plane-major, row-major), which dlib uses
    /// instead when they are cheaper than the separable parts.
    pub full: Vec<f32>,
    /// Detection threshold: the last weight.
    pub threshold: f64,
}

impl FilterBank {
    /// `weights` holds `NUM_PLANES * width * height` filter weights and the
    /// threshold; the caller has checked its length.
    pub fn build(weights: &[f64], width: usize, height: usize) -> FilterBank {
        let size = width * height;
        let mut separable = Vec::new();
        for plane in 0..NUM_PLANES {
            let values = &weights[plane * size..(plane + 1) * size];
            let mut f = Mat::zeros(height, width);
            f.data.copy_from_slice(values);
            let svd = svd3(&f);
            // rsort_columns: order the parts by decreasing singular value;
            // dlib's sort keeps equal values in their original order here.
            let mut order: Vec<usize> = (0..svd.w.len()).collect();
            order.sort_by(|&a, &b| svd.w[b].total_cmp(&svd.w[a]));
            let largest = order.first().map_or(0.0, |&j| svd.w[j]);
            let thresh = f64::max(1e-4, largest * 0.001);
            for j in order {
                let w = svd.w[j];
                if w < thresh && w > -thresh {
                    continue;
                }
                let scale = w.sqrt();
                separable.push(SeparableFilter {
                    plane,
                    col: svd.u.column(j).iter().map(|x| (x * scale) as f32).collect(),
                    row: svd.v.column(j).iter().map(|x| (x * scale) as f32).collect(),
                });
            }
        }
        FilterBank {
            width,
            height,
            separable,
            full: weights[..NUM_PLANES * size]
                .iter()
                .map(|&x| x as f32)
                .collect(),
            threshold: weights[NUM_PLANES * size],
        }
    }

    /// dlib's choice in `apply_filters_to_fhog`: the full filters when there
    /// are more separable parts than `planes * min(width, height) / 3`.
    pub fn prefers_full_filters(&self) -> bool {
        self.separable.len() as f64 > (NUM_PLANES * self.width.min(self.height)) as f64 / 3.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separable_parts_rebuild_a_low_rank_filter() {
        let (width, height) = (4, 3);
        let size = width * height;
        let mut weights = vec![0.0; NUM_PLANES * size + 1];
        // Plane 2 holds a rank-two filter, every other plane is zero.
        for r in 0..height {
            for c in 0..width {
                weights[2 * size + r * width + c] =
                    (r as f64 + 1.0) * (c as f64 - 1.0) + 0.5 * ((r * c) % 2) as f64;
            }
        }
        *weights.last_mut().unwrap() = -0.25;
        let bank = FilterBank::build(&weights, width, height);
        assert_eq!(bank.threshold, -0.25);
        assert_eq!(bank.separable.len(), 2);
        assert!(bank.separable.iter().all(|f| f.plane == 2));
        for r in 0..height {
            for c in 0..width {
                let sum: f32 = bank.separable.iter().map(|f| f.col[r] * f.row[c]).sum();
                let expected = weights[2 * size + r * width + c] as f32;
                assert!(
                    (sum - expected).abs() < 1e-5,
                    "({r},{c}): {sum} vs {expected}"
                );
            }
        }
        assert!(!bank.prefers_full_filters());
    }
}

//! Filtering the fHOG planes into a detection score map, with dlib's
//! floating-point operation order.
//!
//! dlib's `float_spatially_filter_image_separable` handles output columns
//! eight at a time with three partial sums per pixel (taps `0, 3, 6, ...`,
//! `1, 4, 7, ...` and `2, 5, 8, ...`, then `a + (b + c)`), and the columns
//! left over one at a time with a single running sum. Each output pixel
//! here gets the same sums in the same order, so the score map is bit for
//! bit dlib's. The loops run over whole rows so the compiler can vectorise
//! them across pixels, which does not change any pixel's arithmetic.

use super::fhog::FhogPlanes;
use super::filterbank::FilterBank;
use super::model::NUM_PLANES;

/// The score map of one sub-detector over one pyramid level, with the
/// window of positions where the filters lie fully inside the planes.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreMap {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
    /// Valid positions: rows `top..bottom`, columns `left..right`
    /// (half-open); empty when nothing can be scored.
    pub top: usize,
    pub bottom: usize,
    pub left: usize,
    pub right: usize,
}

impl ScoreMap {
    fn empty() -> Self {
        Self {
            rows: 0,
            cols: 0,
            data: Vec::new(),
            top: 0,
            bottom: 0,
            left: 0,
            right: 0,
        }
    }

    pub fn at(&self, r: usize, c: usize) -> f32 {
        self.data[r * self.cols + c]
    }
}

/// The columns a filter of `taps` taps produces and where dlib's eight-wide
/// path ends: `(first, simd_end, last)` with outputs in `first..last`.
fn output_columns(len: usize, taps: usize) -> Option<(usize, usize, usize)> {
    let first = taps / 2;
    let last = (len + 1).checked_sub(taps.div_ceil(2))?;
    if last <= first {
        return None;
    }
    let simd_end = first + (last - first) / 8 * 8;
    Some((first, simd_end, last))
}

/// `out[i] = Σ_t input[i + t * stride] * taps[t]` for every `i < out.len()`,
/// summed as dlib's eight-wide path does: three interleaved partial sums.
#[inline]
fn correlate_simd_order(input: &[f32], stride: usize, taps: &[f32], out: &mut [f32]) {
    let n = out.len();
    let triples = taps.len() / 3;
    let mut acc1 = vec![0.0f32; n];
    let mut acc2 = vec![0.0f32; n];
    out.fill(0.0);
    for k in 0..triples {
        let t = 3 * k;
        let (f0, f1, f2) = (taps[t], taps[t + 1], taps[t + 2]);
        let s0 = &input[t * stride..][..n];
        let s1 = &input[(t + 1) * stride..][..n];
        let s2 = &input[(t + 2) * stride..][..n];
        for i in 0..n {
            out[i] += s0[i] * f0;
            acc1[i] += s1[i] * f1;
            acc2[i] += s2[i] * f2;
        }
    }
    for (t, &f) in taps.iter().enumerate().skip(3 * triples) {
        let s = &input[t * stride..][..n];
        for i in 0..n {
            out[i] += s[i] * f;
        }
    }
    for i in 0..n {
        out[i] += acc1[i] + acc2[i];
    }
}

/// The same correlation summed as dlib's one-at-a-time path does: a single
/// running sum over the taps in order.
#[inline]
fn correlate_scalar_order(input: &[f32], stride: usize, taps: &[f32], out: &mut [f32]) {
    let n = out.len();
    out.fill(0.0);
    for (t, &f) in taps.iter().enumerate() {
        let s = &input[t * stride..][..n];
        for i in 0..n {
            out[i] += s[i] * f;
        }
    }
}

/// Applies every separable part of `bank` to `planes` and sums the results.
pub fn score_separable(planes: &FhogPlanes, bank: &FilterBank) -> ScoreMap {
    let (rows, cols) = (planes.rows, planes.cols);
    let (Some((first_col, simd_end, last_col)), Some((first_row, _, last_row))) = (
        output_columns(cols, bank.width),
        output_columns(rows, bank.height),
    ) else {
        return ScoreMap::empty();
    };
    if bank.separable.is_empty() {
        // dlib returns an empty search area when no part survived.
        return ScoreMap::empty();
    }
    let mut out = vec![0.0f32; rows * cols];
    let mut scratch = vec![0.0f32; rows * cols];
    let mut column = vec![0.0f32; last_col - first_col];
    for filter in &bank.separable {
        let plane = planes.plane(filter.plane);
        // Row pass over every row: scratch[r][c] for c in first..last.
        for r in 0..rows {
            let input = &plane[r * cols..(r + 1) * cols];
            let dst = &mut scratch[r * cols..(r + 1) * cols];
            // Output column c reads input columns c - first_col onwards.
            correlate_simd_order(input, 1, &filter.row, &mut dst[first_col..simd_end]);
            correlate_scalar_order(
                &input[simd_end - first_col..],
                1,
                &filter.row,
                &mut dst[simd_end..last_col],
            );
        }
        // Column pass, accumulated into the score map.
        for r in first_row..last_row {
            let top = (r - first_row) * cols;
            let (simd, rest) = column.split_at_mut(simd_end - first_col);
            correlate_simd_order(&scratch[top + first_col..], cols, &filter.col, simd);
            correlate_scalar_order(&scratch[top + simd_end..], cols, &filter.col, rest);
            let dst = &mut out[r * cols + first_col..r * cols + last_col];
            for (o, v) in dst.iter_mut().zip(column.iter()) {
                *o += *v;
            }
        }
    }
    ScoreMap {
        rows,
        cols,
        data: out,
        top: first_row,
        bottom: last_row,
        left: first_col,
        right: last_col,
    }
}

/// Applies the full (non-separable) filters, as dlib does when they are
/// cheaper than the separable parts: per pixel, rows of taps in order, the
/// eight-wide path keeping three interleaved sums across all rows.
pub fn score_full(planes: &FhogPlanes, bank: &FilterBank) -> ScoreMap {
    let (rows, cols) = (planes.rows, planes.cols);
    let (w, h) = (bank.width, bank.height);
    let (Some((first_col, simd_end, last_col)), Some((first_row, _, last_row))) =
        (output_columns(cols, w), output_columns(rows, h))
    else {
        return ScoreMap::empty();
    };
    let mut out = vec![0.0f32; rows * cols];
    let size = w * h;
    for p in 0..NUM_PLANES {
        let plane = planes.plane(p);
        let filter = &bank.full[p * size..(p + 1) * size];
        for r in first_row..last_row {
            for c in first_col..last_col {
                let x0 = c - first_col;
                let y0 = r - first_row;
                let value = if c < simd_end {
                    let (mut a, mut b, mut d) = (0.0f32, 0.0f32, 0.0f32);
                    for m in 0..h {
                        let row = &plane[(y0 + m) * cols + x0..][..w];
                        let taps = &filter[m * w..(m + 1) * w];
                        let triples = w / 3;
                        for k in 0..triples {
                            let n = 3 * k;
                            a += row[n] * taps[n];
                            b += row[n + 1] * taps[n + 1];
                            d += row[n + 2] * taps[n + 2];
                        }
                        for n in 3 * triples..w {
                            a += row[n] * taps[n];
                        }
                    }
                    a + (b + d)
                } else {
                    let mut a = 0.0f32;
                    for m in 0..h {
                        let row = &plane[(y0 + m) * cols + x0..][..w];
                        for n in 0..w {
                            a += row[n] * filter[m * w + n];
                        }
                    }
                    a
                };
                out[r * cols + c] += value;
            }
        }
    }
    ScoreMap {
        rows,
        cols,
        data: out,
        top: first_row,
        bottom: last_row,
        left: first_col,
        right: last_col,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hog::filterbank::SeparableFilter;

    #[test]
    fn output_columns_match_dlibs_ranges() {
        // 10 taps over 19 columns: outputs 5..=14, one 8-wide block.
        assert_eq!(output_columns(19, 10), Some((5, 13, 15)));
        assert_eq!(output_columns(10, 10), Some((5, 5, 6)));
        assert_eq!(output_columns(9, 10), None);
        assert_eq!(output_columns(30, 3), Some((1, 25, 29)));
    }

    #[test]
    fn partial_sums_follow_dlibs_order() {
        // Values chosen so the two orders round differently.
        let input = [1.0e8f32, 1.0, -1.0e8, 1.0, 1.0, 1.0, 1.0];
        let taps = [1.0f32; 7];
        let mut simd = [0.0f32; 1];
        let mut scalar = [0.0f32; 1];
        correlate_simd_order(&input, 1, &taps, &mut simd);
        correlate_scalar_order(&input, 1, &taps, &mut scalar);
        // SIMD order: a = (1e8 + 1) + 1 -> 1e8 (+1s lost), + tap 6 (1) ;
        // b = 1 + 1 = 2 ; c = -1e8 + 1 = -1e8 ; a + (b + c).
        let a = ((0.0f32 + 1.0e8) + 1.0) + 1.0;
        let expected_simd = a + (2.0f32 + (-1.0e8f32 + 1.0));
        assert_eq!(simd[0], expected_simd);
        let expected_scalar = input.iter().fold(0.0f32, |s, v| s + v);
        assert_eq!(scalar[0], expected_scalar);
    }

    fn planes_with(rows: usize, cols: usize, f: impl Fn(usize, usize, usize) -> f32) -> FhogPlanes {
        let mut data = vec![0.0; NUM_PLANES * rows * cols];
        for p in 0..NUM_PLANES {
            for r in 0..rows {
                for c in 0..cols {
                    data[(p * rows + r) * cols + c] = f(p, r, c);
                }
            }
        }
        FhogPlanes { rows, cols, data }
    }

    #[test]
    fn separable_and_full_filters_agree_on_exact_values() {
        // Small integers keep every sum exact, so both paths must agree.
        let planes = planes_with(14, 23, |p, r, c| ((p + 2 * r + 3 * c) % 5) as f32);
        let (w, h) = (4, 3);
        let row = vec![1.0, -2.0, 0.5, 3.0];
        let col = vec![2.0, 1.0, -1.0];
        let mut full = vec![0.0; NUM_PLANES * w * h];
        for m in 0..h {
            for n in 0..w {
                full[7 * w * h + m * w + n] = col[m] * row[n];
            }
        }
        let bank = FilterBank {
            width: w,
            height: h,
            separable: vec![SeparableFilter { plane: 7, row, col }],
            full,
            threshold: 0.0,
        };
        let a = score_separable(&planes, &bank);
        let b = score_full(&planes, &bank);
        assert_eq!((a.top, a.bottom, a.left, a.right), (1, 13, 2, 22));
        assert_eq!(a, b);
        // One position by hand: window rows 0..3, columns 0..4 for (1, 2).
        let mut expected = 0.0;
        for m in 0..h {
            for n in 0..w {
                expected += bank.full[7 * w * h + m * w + n] * (((7 + 2 * m + 3 * n) % 5) as f32);
            }
        }
        assert_eq!(a.at(1, 2), expected);
    }

    #[test]
    fn too_small_planes_give_an_empty_map() {
        let planes = planes_with(5, 40, |_, _, _| 1.0);
        let bank = FilterBank {
            width: 10,
            height: 10,
            separable: vec![SeparableFilter {
                plane: 0,
                row: vec![1.0; 10],
                col: vec![1.0; 10],
            }],
            full: vec![0.0; NUM_PLANES * 100],
            threshold: 0.0,
        };
        assert_eq!(score_separable(&planes, &bank).data.len(), 0);
        assert_eq!(score_full(&planes, &bank).data.len(), 0);
    }
}

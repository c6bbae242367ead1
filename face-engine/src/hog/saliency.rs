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

/// Output pixels dlib's vector path handles at once.
const BLOCK: usize = 8;

/// `Σ_t input[i + t * stride] * taps[t]` for the eight pixels `i < 8`,
/// summed as dlib's eight-wide path does: three interleaved partial sums
/// (taps `3k`, `3k + 1`, `3k + 2`; leftover taps go to the first), combined
/// as `a + (b + c)`.
#[inline(always)]
fn block_simd_order(input: &[f32], stride: usize, taps: &[[f32; BLOCK]]) -> [f32; BLOCK] {
    // dlib starts its sums at +0.0; starting at -0.0, the exact identity of
    // addition, lets the compiler drop the first add. The two can differ
    // only in the sign of a zero, which no later sum or comparison sees.
    let mut a = [-0.0f32; BLOCK];
    let mut b = [-0.0f32; BLOCK];
    let mut c = [-0.0f32; BLOCK];
    let triples = taps.len() / 3;
    for k in 0..triples {
        let t = 3 * k;
        let s0 = &input[t * stride..][..BLOCK];
        let s1 = &input[(t + 1) * stride..][..BLOCK];
        let s2 = &input[(t + 2) * stride..][..BLOCK];
        let (f0, f1, f2) = (&taps[t], &taps[t + 1], &taps[t + 2]);
        for i in 0..BLOCK {
            a[i] += s0[i] * f0[i];
            b[i] += s1[i] * f1[i];
            c[i] += s2[i] * f2[i];
        }
    }
    for (t, f) in taps.iter().enumerate().skip(3 * triples) {
        let s = &input[t * stride..][..BLOCK];
        for i in 0..BLOCK {
            a[i] += s[i] * f[i];
        }
    }
    for i in 0..BLOCK {
        a[i] += b[i] + c[i];
    }
    a
}

/// The same sum for one pixel as dlib's one-at-a-time path forms it: a
/// single running sum over the taps in order.
#[inline(always)]
fn pixel_scalar_order(input: &[f32], stride: usize, taps: &[f32]) -> f32 {
    let mut sum = -0.0f32;
    for (t, &f) in taps.iter().enumerate() {
        sum += input[t * stride] * f;
    }
    sum
}

/// Where a separable filter's outputs go: columns `first_col..last_col`
/// (the eight-wide path below `simd_end`) of rows `first_row..last_row`.
#[derive(Debug, Clone, Copy)]
struct Span {
    rows: usize,
    cols: usize,
    first_col: usize,
    simd_end: usize,
    last_col: usize,
    first_row: usize,
    last_row: usize,
}

/// One separable part: the row pass over every row into `scratch`, then
/// the column pass added into `out`. Inlined into callers that pass taps of
/// a fixed length, so the tap loops are unrolled.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn apply_separable(
    plane: &[f32],
    row_taps: &[f32],
    col_taps: &[f32],
    row_wide: &[[f32; BLOCK]],
    col_wide: &[[f32; BLOCK]],
    span: Span,
    scratch: &mut [f32],
    out: &mut [f32],
) {
    let Span {
        rows,
        cols,
        first_col,
        simd_end,
        last_col,
        first_row,
        last_row,
    } = span;
    // The row pass of plane row k goes to ring slots k % n and k % n + n
    // (n = column taps), so the n rows an output row needs are always the
    // contiguous slots s..s + n: the column pass reads them at a fixed
    // stride while the ring stays small enough for the L1 cache.
    let n = col_taps.len();
    let window = BLOCK + row_taps.len() - 1;
    let height = (n - 1) * cols;
    for (k, input) in plane.chunks_exact(cols).take(rows).enumerate() {
        let slot = k % n;
        {
            let dst = &mut scratch[slot * cols..(slot + 1) * cols];
            for (b, block) in dst[first_col..simd_end].chunks_exact_mut(BLOCK).enumerate() {
                let win = &input[b * BLOCK..b * BLOCK + window];
                block.copy_from_slice(&block_simd_order(win, 1, row_wide));
            }
            for c in simd_end..last_col {
                dst[c] = pixel_scalar_order(&input[c - first_col..], 1, row_taps);
            }
        }
        let (first, second) = scratch.split_at_mut(n * cols);
        second[slot * cols + first_col..slot * cols + last_col]
            .copy_from_slice(&first[slot * cols + first_col..slot * cols + last_col]);

        // Output row r reads plane rows r - first_row ..= k once k is the
        // last of them.
        let Some(top_row) = (k + 1).checked_sub(n) else {
            continue;
        };
        let r = top_row + first_row;
        if r >= last_row {
            continue;
        }
        let top = (top_row % n) * cols;
        let dst = &mut out[r * cols..(r + 1) * cols];
        for c in (first_col..simd_end).step_by(BLOCK) {
            let win = &scratch[top + c..top + c + height + BLOCK];
            let block = block_simd_order(win, cols, col_wide);
            for (o, v) in dst[c..c + BLOCK].iter_mut().zip(block) {
                *o += v;
            }
        }
        for c in simd_end..last_col {
            dst[c] += pixel_scalar_order(&scratch[top + c..], cols, col_taps);
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
    let span = Span {
        rows,
        cols,
        first_col,
        simd_end,
        last_col,
        first_row,
        last_row,
    };
    let mut out = vec![0.0f32; rows * cols];
    let mut scratch = vec![0.0f32; 2 * bank.height * cols];
    let mut row_wide: Vec<[f32; BLOCK]> = Vec::new();
    let mut col_wide: Vec<[f32; BLOCK]> = Vec::new();
    for filter in &bank.separable {
        let plane = planes.plane(filter.plane);
        // dlib's face detector uses 10x10 filters: give the compiler the
        // tap count.
        // Taps repeated across a block, so the vector code reads them
        // straight from memory.
        row_wide.clear();
        row_wide.extend(filter.row.iter().map(|&f| [f; BLOCK]));
        col_wide.clear();
        col_wide.extend(filter.col.iter().map(|&f| [f; BLOCK]));
        match (
            <&[f32; 10]>::try_from(filter.row.as_slice()),
            <&[f32; 10]>::try_from(filter.col.as_slice()),
            <&[[f32; BLOCK]; 10]>::try_from(row_wide.as_slice()),
            <&[[f32; BLOCK]; 10]>::try_from(col_wide.as_slice()),
        ) {
            (Ok(row), Ok(col), Ok(row_w), Ok(col_w)) => {
                apply_separable(plane, row, col, row_w, col_w, span, &mut scratch, &mut out)
            }
            _ => apply_separable(
                plane,
                &filter.row,
                &filter.col,
                &row_wide,
                &col_wide,
                span,
                &mut scratch,
                &mut out,
            ),
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
        // Values chosen so the two orders round differently: 1e8 absorbs a
        // following 1 in f32 (spacing 8), so the grouping decides the sum.
        let mut input = vec![0.0f32; 7 + BLOCK];
        input[..7].copy_from_slice(&[1.0e8, 1.0, -1.0e8, 1.0, 1.0, 1.0, 1.0]);
        let taps = [1.0f32; 7];
        let wide: Vec<[f32; BLOCK]> = taps.iter().map(|&f| [f; BLOCK]).collect();
        let simd = block_simd_order(&input, 1, &wide)[0];
        let scalar = pixel_scalar_order(&input, 1, &taps);
        // a = taps 0, 3, 6; b = taps 1, 4; c = taps 2, 5; then a + (b + c).
        let a = ((0.0f32 + 1.0e8) + 1.0) + 1.0;
        assert_eq!(simd, a + (2.0f32 + (-1.0e8f32 + 1.0)));
        assert_eq!(simd, 0.0);
        assert_eq!(scalar, input[..7].iter().fold(0.0f32, |s, v| s + v));
        assert_eq!(scalar, 4.0);
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

//! The one matrix product every layer with weights goes through, and the
//! crate's only `unsafe` block.
//!
//! The `gemm` crate takes raw pointers and strides; this wrapper takes
//! row-major slices, checks every extent before the call, and so turns the
//! crate's contract into something safe callers cannot break.

/// How many threads a product may use: `1` keeps it on the calling thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threads(pub usize);

/// `dst (m×n) = lhs (m×k) · rhs (k×n)`, or `dst += …` when `accumulate`.
/// Each matrix is row-major with the given row stride and unit column
/// stride. Returns false, computing nothing, when a slice is too short for
/// the extents it is given.
#[allow(clippy::too_many_arguments, unsafe_code)]
pub(crate) fn matmul(
    m: usize,
    n: usize,
    k: usize,
    lhs: &[f32],
    lhs_rs: usize,
    rhs: &[f32],
    rhs_rs: usize,
    dst: &mut [f32],
    dst_rs: usize,
    accumulate: bool,
    threads: Threads,
) -> bool {
    let fits = |len: usize, rows: usize, cols: usize, rs: usize| {
        rows == 0
            || cols == 0
            || (cols <= rs
                && (rows - 1)
                    .checked_mul(rs)
                    .and_then(|x| x.checked_add(cols))
                    .is_some_and(|need| need <= len))
    };
    if !(fits(lhs.len(), m, k, lhs_rs)
        && fits(rhs.len(), k, n, rhs_rs)
        && fits(dst.len(), m, n, dst_rs))
    {
        return false;
    }
    if m == 0 || n == 0 {
        return true;
    }
    if k == 0 {
        if !accumulate {
            for row in dst.chunks_mut(dst_rs.max(1)).take(m) {
                row[..n].fill(0.0);
            }
        }
        return true;
    }
    let (Ok(lhs_rs), Ok(rhs_rs), Ok(dst_rs)) = (
        isize::try_from(lhs_rs),
        isize::try_from(rhs_rs),
        isize::try_from(dst_rs),
    ) else {
        return false;
    };
    let parallelism = if threads.0 > 1 {
        gemm::Parallelism::Rayon(threads.0)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: `fits` checked above that every element the product reads or
    // writes — row r, column c at `r * rs + c` for r < rows, c < cols — lies
    // inside its slice; the strides are positive and the column strides 1.
    // `dst` is borrowed mutably, so it cannot alias `lhs` or `rhs`. With
    // `read_dst` false the crate ignores `alpha` and the old contents of
    // `dst`; `beta` = 1 scales the product. No pointer outlives the call.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_rs,
            accumulate,
            lhs.as_ptr(),
            1,
            lhs_rs,
            rhs.as_ptr(),
            1,
            rhs_rs,
            if accumulate { 1.0 } else { 0.0 },
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
    true
}

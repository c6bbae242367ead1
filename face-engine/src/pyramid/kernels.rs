//! The integer kernels dlib uses for `pyramid_down<2>` and `pyramid_down<3>`.
//!
//! Both are pure integer arithmetic, so one implementation serves grey and
//! RGB images alike: pixels are interleaved bytes with `ch` channels and each
//! channel is filtered independently, exactly like dlib's separate grey and
//! RGB overloads.

/// `pyramid_down<2>`: a 5×5 binomial filter (1 4 6 4 1 in each direction,
/// divided by 256) sampled at every other pixel, starting two pixels in.
/// Returns `(pixels, width, height)`; images with a side of 8 pixels or less
/// come out empty, as in dlib.
pub(super) fn down2(px: &[u8], w: usize, h: usize, ch: usize) -> (Vec<u8>, usize, usize) {
    match ch {
        1 => down2_channels::<1>(px, w, h),
        _ => down2_channels::<3>(px, w, h),
    }
}

/// [`down2`] for `CH` interleaved channels (a constant, so the inner loops
/// unroll).
fn down2_channels<const CH: usize>(px: &[u8], w: usize, h: usize) -> (Vec<u8>, usize, usize) {
    if w <= 8 || h <= 8 {
        return (Vec::new(), 0, 0);
    }
    let ow = (w - 3) / 2;
    let oh = (h - 3) / 2;
    let row_len = ow * CH;
    // Horizontal pass over every input row, at the output columns. The
    // largest sum, 16 · 255, fits a u16 as in dlib.
    let mut rows = vec![0u16; h * row_len];
    for (src, dst) in px.chunks_exact(w * CH).zip(rows.chunks_exact_mut(row_len)) {
        for (c, out) in dst.chunks_exact_mut(CH).enumerate() {
            let s = &src[2 * c * CH..(2 * c + 5) * CH];
            for (k, o) in out.iter_mut().enumerate() {
                let at = |i: usize| u16::from(s[i * CH + k]);
                *o = at(0) + 4 * at(1) + 6 * at(2) + 4 * at(3) + at(4);
            }
        }
    }
    // Vertical pass at every other row, centred on rows 2, 4, 6, ...
    let mut out = vec![0u8; oh * row_len];
    for (dr, out_row) in out.chunks_exact_mut(row_len).enumerate() {
        let r = 2 * dr;
        let band = &rows[r * row_len..(r + 5) * row_len];
        let (r0, rest) = band.split_at(row_len);
        let (r1, rest) = rest.split_at(row_len);
        let (r2, rest) = rest.split_at(row_len);
        let (r3, r4) = rest.split_at(row_len);
        for (j, o) in out_row.iter_mut().enumerate() {
            let sum = u32::from(r0[j])
                + 4 * u32::from(r1[j])
                + 6 * u32::from(r2[j])
                + 4 * u32::from(r3[j])
                + u32::from(r4[j]);
            *o = (sum / 256) as u8;
        }
    }
    (out, ow, oh)
}

/// `pyramid_down<3>`: a separable 3×3 filter (2 12 2) evaluated on 3×3
/// blocks, each block bilinearly reduced to 2×2 output pixels with weights
/// 9, 3, 3, 1. Output size is `2 (n - 2) / 3` per side; sides of 8 pixels or
/// less give an empty image, as in dlib.
pub(super) fn down3(px: &[u8], w: usize, h: usize, ch: usize) -> (Vec<u8>, usize, usize) {
    if w <= 8 || h <= 8 {
        return (Vec::new(), 0, 0);
    }
    let ow = 2 * (w - 2) / 3;
    let oh = 2 * (h - 2) / 3;
    const K: [u32; 3] = [2, 12, 2];
    // The filtered value at input pixel (y, x), channel k.
    let filt = |y: usize, x: usize, k: usize| -> u32 {
        let mut sum = 0;
        for (dy, ky) in K.iter().enumerate() {
            let row = (y + dy - 1) * w;
            let line: u32 = K
                .iter()
                .enumerate()
                .map(|(dx, kx)| kx * u32::from(px[(row + x + dx - 1) * ch + k]))
                .sum();
            sum += ky * line;
        }
        sum
    };
    let mut out = vec![0u8; ow * oh * ch];
    for r in 0..oh {
        let (rr, odd_r) = (1 + 3 * (r / 2), r % 2 == 1);
        for c in 0..ow {
            let (cc, odd_c) = (1 + 3 * (c / 2), c % 2 == 1);
            for k in 0..ch {
                let b = |i: usize, j: usize| filt(rr + i, cc + j, k);
                // The block corner nearest this output pixel gets weight 9,
                // the block centre 1, the two edge midpoints between them 3.
                let (ci, cj) = (if odd_r { 2 } else { 0 }, if odd_c { 2 } else { 0 });
                let sum = b(ci, cj) * 9 + b(1, cj) * 3 + b(ci, 1) * 3 + b(1, 1);
                out[(r * ow + c) * ch + k] = (sum / (16 * 256)) as u8;
            }
        }
    }
    (out, ow, oh)
}

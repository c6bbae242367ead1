//! Per-row pixel work of the fHOG extractor: gradients, their orientation
//! bins and lengths, and the bilinear votes into the cell histograms.
//!
//! Everything here is computed over whole rows into plain arrays, with no
//! data-dependent branches, so the compiler vectorises it; only the
//! scattering of votes into histogram bins (in `fhog`) is sequential, as it
//! is in dlib. Which of dlib's two code paths a pixel takes (its eight-wide
//! SIMD loop or its one-pixel tail loop) is decided by the column, and the
//! two round differently, so the column split is passed in.

use std::sync::OnceLock;

use super::fhog::Pixels;

/// Unit vectors of the 9 unsigned orientations, in dlib's `float` values.
const DIR_X: [f32; 9] = [
    1.0000, 0.9397, 0.7660, 0.500, 0.1736, -0.1736, -0.5000, -0.7660, -0.9397,
];
const DIR_Y: [f32; 9] = [
    0.0000, 0.3420, 0.6428, 0.8660, 0.9848, 0.9848, 0.8660, 0.6428, 0.3420,
];

/// Reusable row buffers, sized for one image width.
#[derive(Debug, Default)]
pub struct RowBuffers {
    /// Gradient components, exact integers.
    pub gx: Vec<i32>,
    pub gy: Vec<i32>,
    pub len: Vec<f32>,
    pub bin: Vec<u32>,
    pub mag: Vec<f32>,
}

impl RowBuffers {
    pub fn new(width: usize) -> Self {
        Self {
            gx: vec![0; width],
            gy: vec![0; width],
            len: vec![0.0; width],
            bin: vec![0; width],
            mag: vec![0.0; width],
        }
    }
}

/// An image split into one plane per channel, so that gradients read
/// contiguous bytes.
#[derive(Debug)]
pub enum Planar<'a> {
    Gray { width: usize, data: &'a [u8] },
    Rgb { width: usize, planes: [Vec<u8>; 3] },
}

impl<'a> Planar<'a> {
    pub fn new(img: &Pixels<'a>) -> Self {
        match *img {
            Pixels::Gray { width, data, .. } => Planar::Gray { width, data },
            Pixels::Rgb {
                width,
                height,
                data,
            } => {
                let n = width * height;
                let mut planes = [vec![0u8; n], vec![0u8; n], vec![0u8; n]];
                let [r, g, b] = &mut planes;
                for (((px, r), g), b) in data
                    .chunks_exact(3)
                    .zip(r.iter_mut())
                    .zip(g.iter_mut())
                    .zip(b.iter_mut())
                {
                    *r = px[0];
                    *g = px[1];
                    *b = px[2];
                }
                Planar::Rgb { width, planes }
            }
        }
    }
}

/// One channel's gradient at pixel `i + 1` of a row: (dx, dy, dx² + dy²).
#[inline(always)]
fn channel_gradient(above: &[u8], row: &[u8], below: &[u8], i: usize) -> (i32, i32, i32) {
    let dx = i32::from(row[i + 2]) - i32::from(row[i]);
    let dy = i32::from(below[i + 1]) - i32::from(above[i + 1]);
    (dx, dy, dx * dx + dy * dy)
}

/// Gradients of pixels `x = 1..=count` of row `y` (interior pixels) into
/// `buf.gx/gy/len[x - 1]`. For RGB the channel with the longest gradient
/// wins; on ties dlib's SIMD path (pixels `x < simd_end`) takes the later
/// channel and its scalar path the earlier one.
pub fn row_gradients(
    img: &Planar<'_>,
    y: usize,
    count: usize,
    simd_end: usize,
    buf: &mut RowBuffers,
) {
    let (gx, gy, len) = (
        &mut buf.gx[..count],
        &mut buf.gy[..count],
        &mut buf.len[..count],
    );
    fn rows(data: &[u8], width: usize, y: usize, count: usize) -> (&[u8], &[u8], &[u8]) {
        (
            &data[(y - 1) * width..][..count + 2],
            &data[y * width..][..count + 2],
            &data[(y + 1) * width..][..count + 2],
        )
    }
    match img {
        Planar::Gray { width, data } => {
            let (above, row, below) = rows(data, *width, y, count);
            for i in 0..count {
                let (dx, dy, l) = channel_gradient(above, row, below, i);
                gx[i] = dx;
                gy[i] = dy;
                len[i] = l as f32;
            }
        }
        Planar::Rgb { width, planes } => {
            let (ra, rr, rb) = rows(&planes[0], *width, y, count);
            let (ga, gr, gb) = rows(&planes[1], *width, y, count);
            let (ba, br, bb) = rows(&planes[2], *width, y, count);
            let simd_count = simd_end.saturating_sub(1).min(count);
            for i in 0..simd_count {
                let red = channel_gradient(ra, rr, rb, i);
                let green = channel_gradient(ga, gr, gb, i);
                let blue = channel_gradient(ba, br, bb, i);
                // dlib's SIMD select: red only if strictly longer than green,
                // that only if strictly longer than blue.
                let first = if red.2 > green.2 { red } else { green };
                let best = if first.2 > blue.2 { first } else { blue };
                gx[i] = best.0;
                gy[i] = best.1;
                len[i] = best.2 as f32;
            }
            for i in simd_count..count {
                // dlib's scalar rule: start with red, switch on strictly longer.
                let mut best = channel_gradient(ra, rr, rb, i);
                let green = channel_gradient(ga, gr, gb, i);
                if green.2 > best.2 {
                    best = green;
                }
                let blue = channel_gradient(ba, br, bb, i);
                if blue.2 > best.2 {
                    best = blue;
                }
                gx[i] = best.0;
                gy[i] = best.1;
                len[i] = best.2 as f32;
            }
        }
    }
}

/// dlib's orientation rule: scan `dot_0, -dot_0, dot_1, -dot_1, ...`
/// (projections on the 9 directions, in `float`) and keep strict
/// improvements over 0, so ties go to the earlier bin and a zero gradient to
/// bin 0. Bins 9..18 point the opposite way of 0..9.
pub fn scan_bin(gx: f32, gy: f32) -> u8 {
    let mut best = 0.0f32;
    let mut best_bin = 0u8;
    for o in 0..9 {
        let dot = gx * DIR_X[o] + gy * DIR_Y[o];
        if dot > best {
            best = dot;
            best_bin = o as u8;
        } else if -dot > best {
            best = -dot;
            best_bin = o as u8 + 9;
        }
    }
    best_bin
}

/// Gradient components of 8-bit images lie in -255..=255.
const GRAD_SPAN: usize = 511;

/// [`scan_bin`] of every gradient an 8-bit image can have, indexed by
/// `(gx + 255) * 511 + (gy + 255)`: a 255 kB table built once replaces the
/// nine projections and eighteen comparisons per pixel by one lookup, with
/// identical bins.
fn bin_table() -> &'static [u8] {
    static TABLE: OnceLock<Vec<u8>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let range = -255i32..=255;
        range
            .clone()
            .flat_map(|gx| range.clone().map(move |gy| scan_bin(gx as f32, gy as f32)))
            .collect()
    })
}

/// Orientation bins (0..18, see [`scan_bin`]) and gradient lengths of the
/// first `count` gradients in `buf`.
pub fn orientations(count: usize, buf: &mut RowBuffers) {
    let table = bin_table();
    let (gx, gy, len) = (&buf.gx[..count], &buf.gy[..count], &buf.len[..count]);
    let (bin, mag) = (&mut buf.bin[..count], &mut buf.mag[..count]);
    for i in 0..count {
        // In range for 8-bit images; anything else maps to bin 0.
        let index = ((gx[i] + 255) as usize)
            .wrapping_mul(GRAD_SPAN)
            .wrapping_add((gy[i] + 255) as usize);
        bin[i] = u32::from(table.get(index).copied().unwrap_or(0));
        mag[i] = len[i].sqrt();
    }
}

/// Where a pixel column votes: the histogram column of its left cell and
/// its bilinear weights, per dlib's path for that column.
#[derive(Debug, Clone)]
pub struct ColumnVotes {
    /// Histogram column (border-padded) of the left of the two cells.
    pub col0: Vec<u32>,
    /// Weight of the right cell (`vx0`) and of the left cell (`vx1`).
    pub vx0: Vec<f32>,
    pub vx1: Vec<f32>,
    /// Columns `x - 1 < simd_count` take dlib's SIMD path.
    pub simd_count: usize,
}

impl ColumnVotes {
    /// For pixels `x = 1..=count`.
    pub fn new(count: usize, simd_end: usize, cell_size: usize) -> Self {
        let simd_count = simd_end.saturating_sub(1).min(count);
        let cell_f32 = cell_size as f32;
        let mut col0 = Vec::with_capacity(count);
        let mut vx0 = Vec::with_capacity(count);
        let mut vx1 = Vec::with_capacity(count);
        for i in 0..count {
            let x = i + 1;
            let (c, w0) = if i < simd_count {
                // xp = (x + 0.5) / cell + 0.5 in float, truncated.
                let xp = (x as f32 + 0.5) / cell_f32 + 0.5;
                let ixp = xp as i64;
                (ixp, xp - ixp as f32)
            } else {
                // xp = (x + 0.5) / cell - 0.5 in double, stored as float.
                let xp = ((x as f64 + 0.5) / cell_size as f64 - 0.5) as f32;
                let ixp = xp.floor() as i64;
                (ixp + 1, xp - ixp as f32)
            };
            col0.push(c.max(0) as u32);
            vx0.push(w0);
            vx1.push(1.0 - w0);
        }
        Self {
            col0,
            vx0,
            vx1,
            simd_count,
        }
    }
}

/// The four bilinear votes of each pixel of a row: to (upper row, left
/// cell), (lower, left), (upper, right), (lower, right). dlib's SIMD path
/// forms `vy * (vx * v)`, its scalar path `(vy * vx) * v`.
#[derive(Debug, Default)]
pub struct RowVotes {
    pub upper_left: Vec<f32>,
    pub lower_left: Vec<f32>,
    pub upper_right: Vec<f32>,
    pub lower_right: Vec<f32>,
}

impl RowVotes {
    pub fn new(width: usize) -> Self {
        Self {
            upper_left: vec![0.0; width],
            lower_left: vec![0.0; width],
            upper_right: vec![0.0; width],
            lower_right: vec![0.0; width],
        }
    }

    pub fn compute(
        &mut self,
        count: usize,
        columns: &ColumnVotes,
        mag: &[f32],
        vy0: f32,
        vy1: f32,
    ) {
        let simd = columns.simd_count;
        let (ul, ll) = (&mut self.upper_left[..count], &mut self.lower_left[..count]);
        let (ur, lr) = (
            &mut self.upper_right[..count],
            &mut self.lower_right[..count],
        );
        let (vx0, vx1, mag) = (&columns.vx0[..count], &columns.vx1[..count], &mag[..count]);
        for i in 0..simd {
            let a = vx1[i] * mag[i];
            let b = vx0[i] * mag[i];
            ul[i] = vy1 * a;
            ll[i] = vy0 * a;
            ur[i] = vy1 * b;
            lr[i] = vy0 * b;
        }
        for i in simd..count {
            ul[i] = vy1 * vx1[i] * mag[i];
            ll[i] = vy0 * vx1[i] * mag[i];
            ur[i] = vy1 * vx0[i] * mag[i];
            lr[i] = vy0 * vx0[i] * mag[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orientation_bins_follow_the_gradient_direction() {
        let mut buf = RowBuffers::new(6);
        let cases = [
            (10, 0, 0),
            (-10, 0, 9),
            (0, 10, 4),
            (0, -10, 13),
            (0, 0, 0),
            (-5, 5, 7),
        ];
        for (i, (x, y, _)) in cases.iter().enumerate() {
            buf.gx[i] = *x;
            buf.gy[i] = *y;
            buf.len[i] = (x * x + y * y) as f32;
        }
        orientations(6, &mut buf);
        for (i, (_, _, expected)) in cases.iter().enumerate() {
            assert_eq!(buf.bin[i], *expected, "case {i}");
        }
        assert_eq!(buf.mag[0], 10.0);
    }

    #[test]
    fn bins_match_dlibs_scan_for_every_gradient() {
        // Every gradient a grey image can have; RGB gradients are a channel's.
        let width = 511 * 511;
        let mut buf = RowBuffers::new(width);
        for (i, (x, y)) in (-255i32..=255)
            .flat_map(|x| (-255i32..=255).map(move |y| (x, y)))
            .enumerate()
        {
            buf.gx[i] = x;
            buf.gy[i] = y;
            buf.len[i] = (x * x + y * y) as f32;
        }
        orientations(width, &mut buf);
        for i in 0..width {
            assert_eq!(
                buf.bin[i],
                u32::from(scan_bin(buf.gx[i] as f32, buf.gy[i] as f32)),
                "({}, {})",
                buf.gx[i],
                buf.gy[i]
            );
        }
    }

    #[test]
    fn column_weights_agree_between_paths() {
        // Both of dlib's paths give the same cell and weights; only the
        // products are formed in another order.
        let all_simd = ColumnVotes::new(40, 41, 8);
        let all_scalar = ColumnVotes::new(40, 0, 8);
        assert_eq!(all_simd.col0, all_scalar.col0);
        assert_eq!(all_simd.vx0, all_scalar.vx0);
        // x = 1: xp = 1.5 / 8 - 0.5 = -0.3125 -> left cell 0 (border), 0.6875 right.
        assert_eq!((all_simd.col0[0], all_simd.vx0[0]), (0, 0.6875));
        // x = 4: xp = 0.0625 -> cells 1 and 2 with 0.9375 / 0.0625.
        assert_eq!((all_simd.col0[3], all_simd.vx1[3]), (1, 0.9375));
    }

    #[test]
    fn rgb_ties_break_by_path() {
        // Red and green gradients of equal length but other directions.
        let mut data = vec![0u8; 3 * 3 * 3];
        let px = |x: usize, y: usize, c: usize| (y * 3 + x) * 3 + c;
        data[px(2, 1, 0)] = 5; // red: gx = 5
        data[px(1, 2, 1)] = 5; // green: gy = 5
        let img = Planar::new(&Pixels::Rgb {
            width: 3,
            height: 3,
            data: &data,
        });
        let mut buf = RowBuffers::new(3);
        row_gradients(&img, 1, 1, 2, &mut buf);
        assert_eq!((buf.gx[0], buf.gy[0]), (0, 5), "SIMD path: later channel");
        row_gradients(&img, 1, 1, 0, &mut buf);
        assert_eq!(
            (buf.gx[0], buf.gy[0]),
            (5, 0),
            "scalar path: earlier channel"
        );
    }
}

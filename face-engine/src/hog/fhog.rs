//! Felzenszwalb's HOG features ("fHOG") exactly as dlib's
//! `extract_fhog_features` computes them, for grey and RGB images.
//!
//! Per pixel: the central-difference gradient (for RGB, of the channel with
//! the strongest gradient), snapped to one of 18 signed orientations, its
//! length voted into the 2×2 nearest cells with bilinear weights. Per cell:
//! 18 signed and 9 unsigned orientation energies, each normalised by its
//! four 2×2-cell blocks and clipped, plus 4 texture energies — 31 planes.
//!
//! dlib processes pixels eight at a time with SIMD and the rest of each row
//! one at a time, and the two paths round differently (bilinear weights are
//! multiplied in another order, and RGB channel ties are broken the other
//! way). Scores depend on those last bits, so every pixel here takes the
//! path it takes in dlib. The output planes are padded with zeros as dlib
//! pads them for the filter size, so a filter can be centred on every cell.

use super::gradient::{ColumnVotes, Planar, RowBuffers, RowVotes, orientations, row_gradients};
use super::model::NUM_PLANES;

/// Pixels dlib's SIMD path handles at once.
const LANES: usize = 8;

/// An 8-bit image as the feature extractor reads it.
#[derive(Debug, Clone, Copy)]
pub enum Pixels<'a> {
    /// One byte per pixel.
    Gray {
        width: usize,
        height: usize,
        data: &'a [u8],
    },
    /// Three bytes (R, G, B) per pixel.
    Rgb {
        width: usize,
        height: usize,
        data: &'a [u8],
    },
}

impl Pixels<'_> {
    pub fn width(&self) -> usize {
        match self {
            Pixels::Gray { width, .. } | Pixels::Rgb { width, .. } => *width,
        }
    }

    pub fn height(&self) -> usize {
        match self {
            Pixels::Gray { height, .. } | Pixels::Rgb { height, .. } => *height,
        }
    }
}

/// The 31 feature planes of one image, each `rows × cols`, plane-major.
#[derive(Debug, Clone, PartialEq)]
pub struct FhogPlanes {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f32>,
}

impl FhogPlanes {
    pub fn empty() -> Self {
        Self {
            rows: 0,
            cols: 0,
            data: Vec::new(),
        }
    }

    pub fn plane(&self, index: usize) -> &[f32] {
        let size = self.rows * self.cols;
        &self.data[index * size..(index + 1) * size]
    }
}

/// dlib's `extract_fhog_features(img, hog, cell_size, filter_rows_padding,
/// filter_cols_padding)`. Images too small for a single block give empty
/// planes.
pub fn extract(
    img: &Pixels<'_>,
    cell_size: usize,
    rows_padding: usize,
    cols_padding: usize,
) -> FhogPlanes {
    let (nr, nc) = (img.height(), img.width());
    let cells_nr = (nr as f32 / cell_size as f32 + 0.5) as usize;
    let cells_nc = (nc as f32 / cell_size as f32 + 0.5) as usize;
    if cells_nr < 3 || cells_nc < 3 {
        return FhogPlanes::empty();
    }
    let hist = orientation_histograms(img, cell_size, cells_nr, cells_nc);
    let norm = cell_energies(&hist, cells_nr, cells_nc);
    block_features(&hist, &norm, cells_nr, cells_nc, rows_padding, cols_padding)
}

/// Index of orientation `o` of histogram cell (`r`, `c`), in a grid with a
/// one-cell border all round.
#[inline]
fn hist_index(cells_nc: usize, r: usize, c: usize, o: usize) -> usize {
    (r * (cells_nc + 2) + c) * 18 + o
}

fn orientation_histograms(
    img: &Pixels<'_>,
    cell_size: usize,
    cells_nr: usize,
    cells_nc: usize,
) -> Vec<f32> {
    let mut hist = vec![0.0f32; (cells_nr + 2) * (cells_nc + 2) * 18];
    let visible_nr = (cells_nr * cell_size).min(img.height());
    let visible_nc = (cells_nc * cell_size).min(img.width());
    // Interior pixels x = 1..visible_nc - 1 of rows 1..visible_nr - 1.
    let count = visible_nc.saturating_sub(2);
    if count == 0 || visible_nr < 3 {
        return hist;
    }
    // dlib's SIMD loop covers x = 1, 9, 17, ... while x + 7 < visible_nc - 1.
    let simd_end = 1 + (visible_nc - 2) / LANES * LANES;
    let columns = ColumnVotes::new(count, simd_end, cell_size);
    let planar = Planar::new(img);
    let mut buf = RowBuffers::new(count);
    let mut votes = RowVotes::new(count);
    let row_len = (cells_nc + 2) * 18;
    for y in 1..visible_nr - 1 {
        let yp = ((y as f64 + 0.5) / f64::from(cell_size as f32) - 0.5) as f32;
        let iyp = yp.floor() as i64;
        let vy0 = yp - iyp as f32;
        let vy1 = 1.0 - vy0;
        row_gradients(&planar, y, count, simd_end, &mut buf);
        orientations(count, &mut buf);
        votes.compute(count, &columns, &buf.mag, vy0, vy1);
        // Scatter in pixel order: each bin receives its votes in the order
        // dlib adds them, which its float sums depend on.
        let upper = (iyp + 1) as usize * row_len;
        let (head, tail) = hist.split_at_mut(upper + row_len);
        let upper_row = &mut head[upper..];
        let lower_row = &mut tail[..row_len];
        for i in 0..count {
            let at = columns.col0[i] as usize * 18 + buf.bin[i] as usize;
            upper_row[at] += votes.upper_left[i];
            lower_row[at] += votes.lower_left[i];
            upper_row[at + 18] += votes.upper_right[i];
            lower_row[at + 18] += votes.lower_right[i];
        }
    }
    hist
}

/// Squared norm of each cell's unsigned orientation histogram.
fn cell_energies(hist: &[f32], cells_nr: usize, cells_nc: usize) -> Vec<f32> {
    let mut norm = vec![0.0f32; cells_nr * cells_nc];
    for r in 0..cells_nr {
        for c in 0..cells_nc {
            let h = &hist[hist_index(cells_nc, r + 1, c + 1, 0)..][..18];
            let mut sum = 0.0f32;
            for o in 0..9 {
                let s = h[o] + h[o + 9];
                sum += s * s;
            }
            norm[r * cells_nc + c] = sum;
        }
    }
    norm
}

/// dlib's horizontal sum of a 4-lane vector (`_mm_dp_ps` with ones).
#[inline]
fn sum4(v: [f32; 4]) -> f32 {
    (v[0] + v[1]) + (v[2] + v[3])
}

fn block_features(
    hist: &[f32],
    norm: &[f32],
    cells_nr: usize,
    cells_nc: usize,
    rows_padding: usize,
    cols_padding: usize,
) -> FhogPlanes {
    let hog_nr = cells_nr - 2;
    let hog_nc = cells_nc - 2;
    let rows = hog_nr + rows_padding - 1;
    let cols = hog_nc + cols_padding - 1;
    let plane_size = rows * cols;
    let mut data = vec![0.0f32; NUM_PLANES * plane_size];
    let row_offset = (rows_padding - 1) / 2;
    let col_offset = (cols_padding - 1) / 2;
    let eps = 0.0001f32;
    let texture_scale = (2.0 * 0.2357f64) as f32;
    let n_at = |r: usize, c: usize| norm[r * cells_nc + c];

    for y in 0..hog_nr {
        for x in 0..hog_nc {
            // The four 2x2 blocks holding cell (y+1, x+1), one per lane.
            let z1 = [
                n_at(y + 1, x + 1),
                n_at(y, x + 1),
                n_at(y + 1, x),
                n_at(y, x),
            ];
            let z2 = [
                n_at(y + 1, x + 2),
                n_at(y, x + 2),
                n_at(y + 1, x + 1),
                n_at(y, x + 1),
            ];
            let z3 = [
                n_at(y + 2, x + 1),
                n_at(y + 1, x + 1),
                n_at(y + 2, x),
                n_at(y + 1, x),
            ];
            let z4 = [
                n_at(y + 2, x + 2),
                n_at(y + 1, x + 2),
                n_at(y + 2, x + 1),
                n_at(y + 1, x + 1),
            ];
            let mut nn = [0.0f32; 4];
            let mut n = [0.0f32; 4];
            for k in 0..4 {
                nn[k] = 0.2f32 * ((((z1[k] + z2[k]) + z3[k]) + z4[k]) + eps).sqrt();
                n[k] = 0.1f32 / nn[k];
            }
            let clip = |value: f32| -> [f32; 4] {
                let mut out = [0.0f32; 4];
                for k in 0..4 {
                    out[k] = (if value < nn[k] { value } else { nn[k] }) * n[k];
                }
                out
            };
            let h = &hist[hist_index(cells_nc, y + 2, x + 2, 0)..][..18];
            let at = (y + row_offset) * cols + x + col_offset;
            let mut t = [0.0f32; 4];
            for o in (0..18).step_by(3) {
                let (h0, h1, h2) = (clip(h[o]), clip(h[o + 1]), clip(h[o + 2]));
                data[o * plane_size + at] = sum4(h0);
                data[(o + 1) * plane_size + at] = sum4(h1);
                data[(o + 2) * plane_size + at] = sum4(h2);
                for k in 0..4 {
                    t[k] += (h0[k] + h1[k]) + h2[k];
                }
            }
            for o in 0..9 {
                data[(o + 18) * plane_size + at] = sum4(clip(h[o] + h[o + 9]));
            }
            for k in 0..4 {
                data[(27 + k) * plane_size + at] = t[k] * texture_scale;
            }
        }
    }
    FhogPlanes { rows, cols, data }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gray(width: usize, height: usize, f: impl Fn(usize, usize) -> u8) -> Vec<u8> {
        (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| f(x, y))
            .collect()
    }

    #[test]
    fn plane_sizes_follow_cells_and_padding() {
        let data = gray(80, 60, |x, y| ((x * 7 + y * 3) % 256) as u8);
        let img = Pixels::Gray {
            width: 80,
            height: 60,
            data: &data,
        };
        let planes = extract(&img, 8, 10, 10);
        // 10 x 8 cells -> 8 x 6 blocks, padded by 9 each way.
        assert_eq!((planes.cols, planes.rows), (8 + 9, 6 + 9));
        // Rounded cell counts: 20 / 8 + 0.5 = 3 cells -> 1 block.
        let small = gray(20, 20, |_, _| 0);
        let img = Pixels::Gray {
            width: 20,
            height: 20,
            data: &small,
        };
        assert_eq!(extract(&img, 8, 1, 1).rows, 1);
        let tiny = gray(19, 19, |_, _| 0);
        let img = Pixels::Gray {
            width: 19,
            height: 19,
            data: &tiny,
        };
        assert_eq!(extract(&img, 8, 1, 1), FhogPlanes::empty());
    }

    #[test]
    fn flat_images_have_zero_features_and_padding_stays_zero() {
        let data = gray(64, 64, |_, _| 128);
        let img = Pixels::Gray {
            width: 64,
            height: 64,
            data: &data,
        };
        let planes = extract(&img, 8, 10, 10);
        assert!(planes.data.iter().all(|v| *v == 0.0));
        let data = gray(64, 64, |x, y| ((x * x + y * 5) % 251) as u8);
        let img = Pixels::Gray {
            width: 64,
            height: 64,
            data: &data,
        };
        let planes = extract(&img, 8, 10, 10);
        for p in 0..NUM_PLANES {
            let plane = planes.plane(p);
            for r in 0..planes.rows {
                for c in 0..planes.cols {
                    let inside = (4..4 + 6).contains(&r) && (4..4 + 6).contains(&c);
                    if !inside {
                        assert_eq!(plane[r * planes.cols + c], 0.0);
                    }
                }
            }
        }
        assert!(planes.data.iter().any(|v| *v > 0.0));
    }

    /// A horizontal ramp `I = 2x`: every interior gradient is (4, 0), so all
    /// energy lands in orientation 0 (and its unsigned twin, plane 18), each
    /// cell away from the border collects exactly 64 pixels × 4 = 256, and a
    /// block's features follow by hand: its four 2×2 blocks have energy
    /// 4 × 256², so `nn = 0.2 × 512`, each lane is `min(256, nn) × 0.1 / nn`
    /// (≈ 0.1) and the texture lanes are that times 0.4714.
    #[test]
    fn ramp_features_match_a_hand_computation() {
        let data = gray(64, 64, |x, _| (2 * x) as u8);
        let img = Pixels::Gray {
            width: 64,
            height: 64,
            data: &data,
        };
        let planes = extract(&img, 8, 1, 1);
        assert_eq!((planes.rows, planes.cols), (6, 6));
        let nn = 0.2f32 * 512.0f32;
        let lane = nn * (0.1f32 / nn);
        let expected = (lane + lane) + (lane + lane);
        let texture = lane * (2.0 * 0.2357f64) as f32;
        for y in 1..5 {
            for x in 1..5 {
                let at = y * 6 + x;
                for p in 0..NUM_PLANES {
                    let value = planes.plane(p)[at];
                    match p {
                        0 | 18 => assert_eq!(value, expected, "plane {p} at ({y},{x})"),
                        27..=30 => assert_eq!(value, texture, "plane {p} at ({y},{x})"),
                        _ => assert_eq!(value, 0.0, "plane {p} at ({y},{x})"),
                    }
                }
            }
        }
        assert!((expected - 0.4).abs() < 1e-6);
        // Each feature is a sum of four clipped lanes of at most 0.1.
        assert!(planes.data.iter().all(|v| *v <= 0.4 + 1e-6));
    }

    #[test]
    fn rgb_uses_the_strongest_channel() {
        let (w, h) = (48, 48);
        let rgb: Vec<u8> = gray(w, h, |x, y| ((x * 5 + y * 3) % 256) as u8)
            .into_iter()
            .flat_map(|g| [0, g, 0])
            .collect();
        let green: Vec<u8> = rgb.chunks(3).map(|p| p[1]).collect();
        let a = extract(
            &Pixels::Rgb {
                width: w,
                height: h,
                data: &rgb,
            },
            8,
            10,
            10,
        );
        let b = extract(
            &Pixels::Gray {
                width: w,
                height: h,
                data: &green,
            },
            8,
            10,
            10,
        );
        assert_eq!(a, b);
    }
}

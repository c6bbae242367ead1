//! Reading a serialised `object_detector<scan_fhog_pyramid<pyramid_down<6>>>`.
//!
//! Layout (dlib's `object_detector` version 2; version 1 is also read):
//! the scanner (`scan_fhog_pyramid` version 1: an always-empty feature
//! extractor, a cached feature pyramid that is skipped, cell size, padding,
//! window size, pyramid limits, nuclear norm strength and the number of
//! dimensions as a consistency check), the overlap tester (two doubles), then
//! the weight vectors, one per sub-detector, each holding the 31 fHOG filter
//! planes row-major followed by the detection threshold.

use crate::dlib::{DlibReader, FormatError};

use super::nms::OverlapTester;

/// fHOG planes per cell: 18 contrast-sensitive, 9 contrast-insensitive
/// orientations and 4 texture energies.
pub const NUM_PLANES: usize = 31;

/// Bounds that keep a corrupt file from asking for absurd work.
const MAX_WINDOW_PIXELS: i64 = 4096;
const MAX_CELL_SIZE: i64 = 64;
const MAX_PADDING: i64 = 64;
const MAX_DETECTORS: usize = 256;
const MAX_CACHED_VALUES: usize = 1 << 26;

/// The scanner settings the detector was trained with.
#[derive(Debug, Clone, PartialEq)]
pub struct ScannerConfig {
    /// Pixels per fHOG cell side.
    pub cell_size: u32,
    /// Cells of context around the detection window inside the filters.
    pub padding: u32,
    /// Detection window in pixels at the level it fires on.
    pub window_width: u32,
    pub window_height: u32,
    pub max_pyramid_levels: u64,
    /// Pyramid levels stop before either side drops below these.
    pub min_pyramid_layer_width: u64,
    pub min_pyramid_layer_height: u64,
    /// Training-time regulariser; kept for completeness, unused when detecting.
    pub nuclear_norm_regularization_strength: f64,
}

impl ScannerConfig {
    /// The filter size in cells (`compute_fhog_window_size`): the window
    /// mapped into fHOG space, grown by the padding. Returns (width, height).
    pub fn filter_size(&self) -> (usize, usize) {
        let cell = i64::from(self.cell_size);
        let half_w = i64::from(self.window_width) / 2;
        let half_h = i64::from(self.window_height) / 2;
        // centered_rect(point(0,0), w, h), corners mapped by image_to_fhog
        // with unit filter padding: (p - 1) / cell - 1, C division.
        let to_fhog = |p: i64| (p - 1) / cell - 1;
        let left = to_fhog(-half_w);
        let right = to_fhog(-half_w + i64::from(self.window_width) - 1);
        let top = to_fhog(-half_h);
        let bottom = to_fhog(-half_h + i64::from(self.window_height) - 1);
        let pad = i64::from(self.padding);
        let width = (right - left + 1 + 2 * pad).max(0) as usize;
        let height = (bottom - top + 1 + 2 * pad).max(0) as usize;
        (width, height)
    }

    /// Weights per sub-detector, excluding the threshold.
    pub fn num_dimensions(&self) -> usize {
        let (w, h) = self.filter_size();
        w * h * NUM_PLANES
    }
}

/// Everything a serialised detector holds.
#[derive(Debug, Clone)]
pub struct SerializedDetector {
    pub config: ScannerConfig,
    pub overlap: OverlapTester,
    /// One weight vector per sub-detector: `num_dimensions()` filter weights
    /// then the threshold.
    pub weights: Vec<Vec<f64>>,
}

/// Parses a serialised detector.
pub fn parse(bytes: &[u8]) -> Result<SerializedDetector, FormatError> {
    let mut reader = DlibReader::new(bytes);
    let version = reader.read_i64("object_detector version")?;
    let (config, overlap, weights) = match version {
        1 => {
            let config = read_scanner(&mut reader)?;
            let w = read_weights(&mut reader, &config)?;
            let overlap = read_overlap_tester(&mut reader)?;
            (config, overlap, vec![w])
        }
        2 => {
            let config = read_scanner(&mut reader)?;
            let overlap = read_overlap_tester(&mut reader)?;
            let start = reader.offset();
            let count = reader.read_len(MAX_DETECTORS, "number of detectors")?;
            if count == 0 {
                return Err(FormatError::Invalid {
                    offset: start,
                    what: "number of detectors",
                    detail: "a detector needs at least one weight vector".into(),
                });
            }
            let mut weights = Vec::with_capacity(count);
            for _ in 0..count {
                weights.push(read_weights(&mut reader, &config)?);
            }
            (config, overlap, weights)
        }
        other => {
            return Err(FormatError::Invalid {
                offset: 0,
                what: "object_detector version",
                detail: format!("unsupported version {other}"),
            });
        }
    };
    if !reader.is_at_end() {
        return Err(reader.invalid(
            "object_detector",
            format!("{} unexpected trailing bytes", reader.remaining()),
        ));
    }
    Ok(SerializedDetector {
        config,
        overlap,
        weights,
    })
}

fn read_scanner(reader: &mut DlibReader<'_>) -> Result<ScannerConfig, FormatError> {
    let start = reader.offset();
    let version = reader.read_i64("scan_fhog_pyramid version")?;
    if version != 1 {
        return Err(FormatError::Invalid {
            offset: start,
            what: "scan_fhog_pyramid version",
            detail: format!("unsupported version {version}"),
        });
    }
    // The default feature extractor serialises nothing; the cached feature
    // pyramid of the image last scanned is read and dropped.
    skip_cached_pyramid(reader)?;
    let cell_size = reader.read_i64_in(2..=MAX_CELL_SIZE, "cell size")? as u32;
    let padding = reader.read_i64_in(0..=MAX_PADDING, "padding")? as u32;
    let window_width = reader.read_i64_in(1..=MAX_WINDOW_PIXELS, "window width")? as u32;
    let window_height = reader.read_i64_in(1..=MAX_WINDOW_PIXELS, "window height")? as u32;
    let max_pyramid_levels = reader.read_u64("max pyramid levels")?;
    let min_pyramid_layer_width = reader.read_u64("min pyramid layer width")?;
    let min_pyramid_layer_height = reader.read_u64("min pyramid layer height")?;
    let nuclear_norm_regularization_strength = reader.read_f64("nuclear norm strength")?;
    let config = ScannerConfig {
        cell_size,
        padding,
        window_width,
        window_height,
        max_pyramid_levels,
        min_pyramid_layer_width,
        min_pyramid_layer_height,
        nuclear_norm_regularization_strength,
    };
    let dims_at = reader.offset();
    let dims = reader.read_i64("number of dimensions")?;
    let (fw, fh) = config.filter_size();
    if fw == 0 || fh == 0 || dims != config.num_dimensions() as i64 {
        return Err(FormatError::Invalid {
            offset: dims_at,
            what: "number of dimensions",
            detail: format!(
                "{dims} stored, {} implied by the window and cell size",
                config.num_dimensions()
            ),
        });
    }
    Ok(config)
}

/// Skips `array<array<array2d<float>>>`: each array is its max size, its
/// size and its elements; each `array2d` its negated rows and columns and
/// its elements.
fn skip_cached_pyramid(reader: &mut DlibReader<'_>) -> Result<(), FormatError> {
    let mut budget = MAX_CACHED_VALUES;
    reader.read_u64("cached pyramid max size")?;
    let levels = reader.read_len(4096, "cached pyramid levels")?;
    for _ in 0..levels {
        reader.read_u64("cached level max size")?;
        let planes = reader.read_len(4096, "cached level planes")?;
        for _ in 0..planes {
            let rows = reader.read_i64("cached plane rows")?.unsigned_abs();
            let cols = reader.read_i64("cached plane columns")?.unsigned_abs();
            let count = rows
                .checked_mul(cols)
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n <= budget)
                .ok_or_else(|| reader.invalid("cached plane", "too many cached values"))?;
            budget -= count;
            for _ in 0..count {
                reader.read_f64("cached value")?;
            }
        }
    }
    Ok(())
}

fn read_overlap_tester(reader: &mut DlibReader<'_>) -> Result<OverlapTester, FormatError> {
    let start = reader.offset();
    let iou = reader.read_f64("overlap IoU threshold")?;
    let covered = reader.read_f64("overlap covered threshold")?;
    if !(0.0..=1.0).contains(&iou) || !(0.0..=1.0).contains(&covered) {
        return Err(FormatError::Invalid {
            offset: start,
            what: "overlap tester",
            detail: format!("thresholds {iou} and {covered} must lie in 0..=1"),
        });
    }
    Ok(OverlapTester::new(iou, covered))
}

/// A `matrix<double,0,1>` of `num_dimensions() + 1` finite values.
fn read_weights(
    reader: &mut DlibReader<'_>,
    config: &ScannerConfig,
) -> Result<Vec<f64>, FormatError> {
    let start = reader.offset();
    let rows = reader.read_i64("weight vector rows")?.unsigned_abs();
    let cols = reader.read_i64("weight vector columns")?.unsigned_abs();
    let expected = config.num_dimensions() as u64 + 1;
    if cols != 1 || rows != expected {
        return Err(FormatError::Invalid {
            offset: start,
            what: "weight vector",
            detail: format!("{rows}x{cols}, expected {expected}x1"),
        });
    }
    let mut weights = Vec::with_capacity(expected as usize);
    for _ in 0..expected {
        let at = reader.offset();
        let value = reader.read_f64("weight")?;
        if !value.is_finite() {
            return Err(FormatError::Invalid {
                offset: at,
                what: "weight",
                detail: "not a finite number".into(),
            });
        }
        weights.push(value);
    }
    Ok(weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(out: &mut Vec<u8>, value: i64) {
        let magnitude = value.unsigned_abs();
        let bytes: Vec<u8> = magnitude
            .to_le_bytes()
            .into_iter()
            .rev()
            .skip_while(|b| *b == 0)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let bytes = if bytes.is_empty() { vec![0] } else { bytes };
        out.push(bytes.len() as u8 | if value < 0 { 0x80 } else { 0 });
        out.extend_from_slice(&bytes);
    }

    /// `float_details` of a value that is an integer times 2^-8.
    fn float(out: &mut Vec<u8>, value: f64) {
        int(out, (value * 256.0) as i64);
        int(out, -8);
    }

    /// A tiny valid detector: 16x16 window, cell 8, no padding, so filters
    /// of 2x2 cells.
    pub(crate) fn tiny_detector(count: usize, trailing: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        int(&mut out, 2);
        int(&mut out, 1); // scanner version
        int(&mut out, 0); // cached pyramid: max size
        int(&mut out, 0); // size
        for value in [8, 0, 16, 16, 1000, 64, 64] {
            int(&mut out, value);
        }
        float(&mut out, 9.0);
        int(&mut out, 2 * 2 * 31);
        float(&mut out, 0.5);
        float(&mut out, 1.0);
        int(&mut out, count as i64);
        for d in 0..count {
            int(&mut out, -(2 * 2 * 31 + 1));
            int(&mut out, -1);
            for i in 0..2 * 2 * 31 + 1 {
                float(&mut out, (i % 5) as f64 * 0.25 - d as f64);
            }
        }
        out.extend_from_slice(trailing);
        out
    }

    #[test]
    fn window_maps_to_dlib_filter_sizes() {
        let mut config = ScannerConfig {
            cell_size: 8,
            padding: 0,
            window_width: 80,
            window_height: 80,
            max_pyramid_levels: 1000,
            min_pyramid_layer_width: 64,
            min_pyramid_layer_height: 64,
            nuclear_norm_regularization_strength: 0.0,
        };
        assert_eq!(config.filter_size(), (10, 10));
        assert_eq!(config.num_dimensions(), 3100);
        // dlib's defaults: 64x64 window, padding 1 -> 8 cells + 2.
        config.window_width = 64;
        config.window_height = 64;
        config.padding = 1;
        assert_eq!(config.filter_size(), (10, 10));
        config.window_width = 40;
        config.padding = 0;
        assert_eq!(config.filter_size(), (5, 8));
    }

    #[test]
    fn parses_a_tiny_detector() {
        let parsed = parse(&tiny_detector(2, &[])).unwrap();
        assert_eq!(parsed.config.filter_size(), (2, 2));
        assert_eq!(parsed.config.nuclear_norm_regularization_strength, 9.0);
        assert_eq!(parsed.weights.len(), 2);
        assert_eq!(parsed.weights[1].len(), 125);
        assert_eq!(parsed.weights[1][3], 0.75 - 1.0);
        assert_eq!(parsed.overlap, OverlapTester::new(0.5, 1.0));
    }

    #[test]
    fn rejects_bad_streams_without_panicking() {
        let good = tiny_detector(1, &[]);
        for cut in 0..good.len() {
            assert!(parse(&good[..cut]).is_err(), "cut at {cut}");
        }
        assert!(parse(&tiny_detector(1, &[0])).is_err());
        assert!(parse(&tiny_detector(0, &[])).is_err());
        let mut bad_version = good.clone();
        bad_version[1] = 3;
        assert!(parse(&bad_version).is_err());
        for i in 0..good.len() {
            let mut flipped = good.clone();
            flipped[i] ^= 0xA5;
            let _ = parse(&flipped);
        }
    }
}

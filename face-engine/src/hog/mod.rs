//! dlib's HOG frontal face detector (`get_frontal_face_detector()`), giving
//! the same boxes and scores as dlib.
//!
//! The detector is an `object_detector<scan_fhog_pyramid<pyramid_down<6>>>`:
//! five linear filters over fHOG features (frontal, left, right, and frontal
//! rotated either way), slid over an image pyramid whose levels shrink by
//! 5/6, each window scored by a filter response minus its threshold, the
//! survivors merged by non-max suppression. dlib's Python `detector(img, n)`
//! first doubles the image `n` times with `pyramid_up` to find small faces;
//! [`HogDetector::detect`] does the same.
//!
//! Where the pieces live:
//! - [`model`]: reading the serialised detector;
//! - [`filterbank`]: the separable filters dlib derives (through [`crate::svd`]);
//! - [`fhog`]: the features; [`saliency`]: filtering them into scores;
//! - [`scan`]: pyramid levels and window boxes; [`nms`] and [`sort`]:
//!   ordering and suppression.
//!
//! The work is spread over rayon's pool by pyramid level and sub-detector;
//! results do not depend on the number of threads.

pub mod fhog;
pub mod filterbank;
pub mod gradient;
pub mod model;
pub mod nms;
pub mod saliency;
pub mod scan;
pub mod sort;

use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::dlib::compress::serialized_detector_from_header;
use crate::error::ModelError;
use crate::geometry::Rect;
use crate::image::{GrayImage, RgbImage};
use crate::pyramid::{DRect, PyramidDown, pyramid_up_gray, pyramid_up_rgb};

use fhog::{FhogPlanes, Pixels};
use filterbank::FilterBank;
use model::ScannerConfig;
use nms::{Candidate, OverlapTester};
use scan::WindowMapper;

/// Name used in model errors.
const MODEL_NAME: &str = "frontal_face_detector";

/// Largest image, in pixels, the detector upsamples to (the decoder's
/// default limit). Each upsampling step quadruples the work and memory;
/// steps that would pass this are skipped rather than exhausting memory.
pub const MAX_UPSAMPLED_PIXELS: u64 = 36_000_000;

/// A face found by the detector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// The box, inclusive like dlib's `rectangle`; may extend past the image.
    pub rect: Rect,
    /// Filter response minus the sub-detector's threshold: positive for
    /// detections at the default threshold. dlib's `detection_confidence`.
    pub score: f64,
    /// Which of the sub-detectors fired (0 frontal, 1 left, 2 right,
    /// 3 and 4 frontal rotated).
    pub detector_index: usize,
}

/// dlib's HOG face detector, ready to run. Immutable and `Sync`: share one
/// instance between threads.
#[derive(Debug, Clone)]
pub struct HogDetector {
    config: ScannerConfig,
    overlap: OverlapTester,
    banks: Vec<FilterBank>,
    pyramid: PyramidDown,
}

impl HogDetector {
    /// Loads a serialised `object_detector<scan_fhog_pyramid<pyramid_down<6>>>`
    /// (what dlib's `serialize(detector, out)` writes).
    pub fn from_serialized(bytes: &[u8]) -> Result<Self, ModelError> {
        let parsed = model::parse(bytes).map_err(|source| ModelError::Format {
            name: MODEL_NAME,
            source,
        })?;
        let (width, height) = parsed.config.filter_size();
        let banks = parsed
            .weights
            .iter()
            .map(|w| FilterBank::build(w, width, height))
            .collect();
        let pyramid = PyramidDown::new(6).ok_or_else(|| ModelError::Format {
            name: MODEL_NAME,
            source: crate::dlib::FormatError::Invalid {
                offset: 0,
                what: "pyramid",
                detail: "pyramid_down<6> unavailable".into(),
            },
        })?;
        Ok(Self {
            config: parsed.config,
            overlap: parsed.overlap,
            banks,
            pyramid,
        })
    }

    /// Loads the detector from the text of dlib's `frontal_face_detector.h`,
    /// where dlib keeps it compressed and base64-encoded.
    pub fn from_dlib_header(text: &str) -> Result<Self, ModelError> {
        let bytes = serialized_detector_from_header(text).map_err(|source| ModelError::Format {
            name: MODEL_NAME,
            source,
        })?;
        Self::from_serialized(&bytes)
    }

    pub fn num_detectors(&self) -> usize {
        self.banks.len()
    }

    pub fn config(&self) -> &ScannerConfig {
        &self.config
    }

    pub fn overlap_tester(&self) -> &OverlapTester {
        &self.overlap
    }

    /// The filters of sub-detector `index`.
    pub fn filter_bank(&self, index: usize) -> Option<&FilterBank> {
        self.banks.get(index)
    }

    /// Finds faces as dlib's Python `detector.run(img, upsample,
    /// adjust_threshold)` does: the image is doubled `upsample` times first
    /// (while it stays under [`MAX_UPSAMPLED_PIXELS`]), windows scoring at
    /// least `adjust_threshold` above a sub-detector's threshold are kept,
    /// and boxes are given in the input image's coordinates, best first.
    pub fn detect<I: HogImage>(
        &self,
        image: &I,
        upsample: u32,
        adjust_threshold: f64,
    ) -> Vec<Detection> {
        let mut steps = 0u32;
        let mut pixels = u64::from(image.width()) * u64::from(image.height());
        while steps < upsample && pixels.saturating_mul(4) <= MAX_UPSAMPLED_PIXELS {
            steps += 1;
            pixels = pixels.saturating_mul(4);
        }
        if steps == 0 {
            return self.detect_unscaled(image, adjust_threshold);
        }
        let mut up = image.pyramid_up();
        for _ in 1..steps {
            up = up.pyramid_up();
        }
        let mut detections = self.detect_unscaled(&up, adjust_threshold);
        for d in &mut detections {
            d.rect = PyramidDown::HALF
                .rect_down(DRect::from(d.rect), steps)
                .round();
        }
        detections
    }

    /// `object_detector::operator()(img, dets, adjust_threshold)`.
    fn detect_unscaled<I: HogImage>(&self, image: &I, adjust_threshold: f64) -> Vec<Detection> {
        let levels = scan::num_levels(&self.config, &self.pyramid, image.width(), image.height());
        // Per level, per sub-detector: the windows over the threshold, in
        // dlib's raster order.
        let per_level: Vec<Mutex<Vec<Vec<Candidate>>>> =
            (0..levels).map(|_| Mutex::new(Vec::new())).collect();
        // Each level is scanned as soon as its image exists, while this
        // thread shrinks it into the next one, so the downsampling chain
        // overlaps the scanning and only queued levels stay in memory.
        rayon::scope(|scope| {
            let mut current: Option<Arc<I>> = None;
            for (level, slot) in per_level.iter().enumerate() {
                let this = current.clone();
                scope.spawn(move |_| {
                    let found = match &this {
                        None => self.scan_image(image, level, adjust_threshold),
                        Some(img) => self.scan_image(img.as_ref(), level, adjust_threshold),
                    };
                    if let Ok(mut slot) = slot.lock() {
                        *slot = found;
                    }
                });
                if level + 1 < levels {
                    let next = match &current {
                        None => image.pyramid_down(&self.pyramid),
                        Some(img) => img.pyramid_down(&self.pyramid),
                    };
                    current = Some(Arc::new(next));
                }
            }
        });
        let per_level: Vec<Vec<Vec<Candidate>>> = per_level
            .into_iter()
            .map(|slot| slot.into_inner().unwrap_or_default())
            .collect();

        let mut pooled = Vec::new();
        for index in 0..self.banks.len() {
            let mut found: Vec<Candidate> = per_level
                .iter()
                .filter_map(|level| level.get(index))
                .flat_map(|windows| windows.iter().copied())
                .collect();
            nms::sort_descending(&mut found);
            pooled.extend(found);
        }
        nms::suppress(pooled, self.banks.len(), &self.overlap)
            .into_iter()
            .map(|c| Detection {
                rect: c.rect,
                score: c.score,
                detector_index: c.detector_index,
            })
            .collect()
    }

    /// fHOG of one pyramid level and every sub-detector's windows on it.
    fn scan_image<I: HogImage>(
        &self,
        image: &I,
        level: usize,
        adjust_threshold: f64,
    ) -> Vec<Vec<Candidate>> {
        let (fw, fh) = self.config.filter_size();
        let planes = fhog::extract(&image.pixels(), self.config.cell_size as usize, fh, fw);
        let mapper = WindowMapper::new(&self.config);
        self.banks
            .par_iter()
            .enumerate()
            .map(|(index, bank)| {
                self.scan_level(&planes, bank, index, level, &mapper, adjust_threshold)
            })
            .collect()
    }

    fn scan_level(
        &self,
        planes: &FhogPlanes,
        bank: &FilterBank,
        index: usize,
        level: usize,
        mapper: &WindowMapper,
        adjust_threshold: f64,
    ) -> Vec<Candidate> {
        let map = if bank.prefers_full_filters() {
            saliency::score_full(planes, bank)
        } else {
            saliency::score_separable(planes, bank)
        };
        let thresh = bank.threshold + adjust_threshold;
        let mut found = Vec::new();
        for r in map.top..map.bottom {
            for c in map.left..map.right {
                let response = f64::from(map.at(r, c));
                if response >= thresh {
                    found.push(Candidate {
                        rect: mapper.window(&self.pyramid, level, r, c),
                        response,
                        score: response - bank.threshold,
                        detector_index: index,
                    });
                }
            }
        }
        found
    }
}

/// Images the detector runs on: grey, or RGB (where, as in dlib, each
/// pixel's gradient is taken from its strongest colour channel).
pub trait HogImage: Send + Sync + Sized + sealed::Sealed {
    fn width(&self) -> u32;
    fn height(&self) -> u32;
    #[doc(hidden)]
    fn pixels(&self) -> Pixels<'_>;
    #[doc(hidden)]
    fn pyramid_down(&self, pyramid: &PyramidDown) -> Self;
    #[doc(hidden)]
    fn pyramid_up(&self) -> Self;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::image::GrayImage {}
    impl Sealed for crate::image::RgbImage {}
}

impl HogImage for GrayImage {
    fn width(&self) -> u32 {
        GrayImage::width(self)
    }
    fn height(&self) -> u32 {
        GrayImage::height(self)
    }
    fn pixels(&self) -> Pixels<'_> {
        Pixels::Gray {
            width: GrayImage::width(self) as usize,
            height: GrayImage::height(self) as usize,
            data: GrayImage::pixels(self),
        }
    }
    fn pyramid_down(&self, pyramid: &PyramidDown) -> Self {
        pyramid.down_gray(self)
    }
    fn pyramid_up(&self) -> Self {
        pyramid_up_gray(self)
    }
}

impl HogImage for RgbImage {
    fn width(&self) -> u32 {
        RgbImage::width(self)
    }
    fn height(&self) -> u32 {
        RgbImage::height(self)
    }
    fn pixels(&self) -> Pixels<'_> {
        Pixels::Rgb {
            width: RgbImage::width(self) as usize,
            height: RgbImage::height(self) as usize,
            data: RgbImage::pixels(self),
        }
    }
    fn pyramid_down(&self, pyramid: &PyramidDown) -> Self {
        pyramid.down_rgb(self)
    }
    fn pyramid_up(&self) -> Self {
        pyramid_up_rgb(self)
    }
}

//! [`FaceEngine`]: the loaded models behind one small synchronous API —
//! `detect`, `landmarks`, `descriptor`, `analyze`, `compare`, `search`.
//!
//! The engine measures; it does not decide. Every number it returns is
//! documented in `docs/face-engine.md`; thresholds live with the caller.
//! It is immutable after loading and `Send + Sync`: share one instance
//! (e.g. in an `Arc`) between threads.

use serde::{Deserialize, Serialize};

use crate::chip::{ChipDetails, extract_image_chip, get_face_chip_details};
use crate::config::{DetectionConfig, EngineConfig};
use crate::error::{EngineError, ModelError};
use crate::geometry::{Point, Rect};
use crate::hog::{Detection as HogDetection, HogDetector};
use crate::image::{DecodeLimits, RgbImage, decode};
use crate::measure::{EyesOccluded, FaceRegion, Pose, brightness, eyes_occluded, pose, sharpness};
use crate::models::{Model, ModelDir};
use crate::nn::descriptor::DescriptorNet;
use crate::pyramid::{DRect, PyramidDown};
use crate::shape::{ShapePredictor, round_parts};
use crate::similarity::{Comparison, Descriptor, SimilarityScale};

/// Side of the aligned face chip the descriptor network reads.
pub const CHIP_SIZE: u32 = 150;
/// Padding around the face in the chip, as a fraction of the face width.
pub const CHIP_PADDING: f64 = 0.25;
/// Side of the HOG detector's window, in pixels.
const DETECTOR_WINDOW_PX: u32 = 80;

/// One face as the engine measured it (the DetectFaces equivalent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaceDetail {
    /// The detector's box, inclusive, in the upright image's coordinates.
    pub bounding_box: Rect,
    /// 0–100: `100 / (1 + exp(-4 * detector_score))`; 50 at the detector's
    /// own threshold, 98 at score 1.
    pub confidence: f64,
    /// The HOG detector's raw score (filter response minus threshold).
    pub detector_score: f64,
    /// Which sub-detector fired: 0 frontal, 1 and 2 turned, 3 and 4 tilted.
    pub detector_index: usize,
    /// dlib's 5 points: outer and inner corner of the eye on the image's
    /// right, outer and inner corner of the eye on the image's left, base of
    /// the nose (sub-pixel).
    pub landmarks: [Point; 5],
    pub pose: Pose,
    /// Box size and distance between the eye centres, in pixels.
    pub size: FaceSize,
    /// Variance of the Laplacian over the face in the aligned chip.
    pub sharpness: f64,
    /// 0–100, mean luma of the face in the aligned chip.
    pub brightness: f64,
    pub eyes_occluded: EyesOccluded,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FaceSize {
    pub width: u32,
    pub height: u32,
    pub eye_distance: f64,
}

/// A face with its descriptor (the IndexFaces equivalent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzedFace {
    pub detail: FaceDetail,
    pub descriptor: Descriptor,
}

/// The faces of one image, and the turn that made them upright.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection<F> {
    /// Degrees (0, 90, 180, 270) the image was turned clockwise before the
    /// faces were found; their coordinates are in the turned image.
    pub rotation: u16,
    pub faces: Vec<F>,
}

/// One gallery entry matched by [`FaceEngine::search`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    /// Index into the gallery slice.
    pub index: usize,
    pub similarity: f64,
    pub distance: f64,
}

/// The loaded models and the configuration they run with.
#[derive(Debug)]
pub struct FaceEngine {
    config: EngineConfig,
    detector: HogDetector,
    landmarker: ShapePredictor,
    network: DescriptorNet,
}

impl FaceEngine {
    /// Validates the configuration and loads (and checksums) the models.
    pub fn load(config: EngineConfig) -> Result<Self, LoadError> {
        config.validate()?;
        let models = ModelDir::new(&config.model_dir);
        let read = |model: Model| models.read(model).map_err(ModelError::from);
        let detector = HogDetector::from_serialized(&read(Model::HogDetector)?)?;
        let landmarker = ShapePredictor::from_dat_bytes(&read(Model::Landmarks5)?)?;
        let network = DescriptorNet::from_dat_bytes(&read(Model::Descriptor)?)?;
        Ok(Self {
            config,
            detector,
            landmarker,
            network,
        })
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Decodes an image with the configured limits.
    pub fn decode(&self, bytes: &[u8]) -> Result<RgbImage, EngineError> {
        decode(bytes, &self.config.decode)
    }

    pub fn decode_limits(&self) -> &DecodeLimits {
        &self.config.decode
    }

    /// Finds and measures every face, largest first. When none is upright
    /// and rotations are enabled, the image is searched turned by 90°, 270°
    /// and 180°; the result says which turn found the faces. Returns the
    /// image the coordinates refer to.
    pub fn detect(&self, image: &RgbImage) -> (Detection<FaceDetail>, RgbImage) {
        let (rotation, faces, upright) = self.find_faces(image);
        let faces = faces.into_iter().map(|(detail, _)| detail).collect();
        (Detection { rotation, faces }, upright)
    }

    /// Finds and measures the faces in the image as it is, largest first,
    /// at the given `adjust_threshold`.
    pub fn detect_upright(&self, image: &RgbImage, adjust_threshold: f64) -> Vec<FaceDetail> {
        self.measured_faces(image, adjust_threshold)
            .into_iter()
            .map(|(detail, _)| detail)
            .collect()
    }

    /// [`Self::detect`], keeping each face's chip for the descriptor: the
    /// rotation used, the faces with their chips, and the upright image.
    fn find_faces(&self, image: &RgbImage) -> (u16, Vec<(FaceDetail, RgbImage)>, RgbImage) {
        let turns: &[u8] = if self.config.detection.try_rotations {
            &[0, 1, 3, 2]
        } else {
            &[0]
        };
        let threshold = self.config.detection.adjust_threshold;
        for &turn in turns {
            let turned = image.rotate_quarters(turn);
            let faces = self.measured_faces(&turned, threshold);
            if !faces.is_empty() {
                return (u16::from(turn) * 90, faces, turned);
            }
        }
        let faces = match self.config.detection.fallback_threshold {
            Some(relaxed) => self.measured_faces(image, relaxed),
            None => Vec::new(),
        };
        (0, faces, image.clone())
    }

    /// Every face of the image as it is, measured, with its chip, largest first.
    fn measured_faces(
        &self,
        image: &RgbImage,
        adjust_threshold: f64,
    ) -> Vec<(FaceDetail, RgbImage)> {
        let mut faces: Vec<(FaceDetail, RgbImage)> = self
            .detect_boxes(image, adjust_threshold)
            .into_iter()
            .map(|d| self.measure(image, d.rect, d.score, d.detector_index))
            .collect();
        faces.sort_by_key(|(f, _)| std::cmp::Reverse(f.bounding_box.area()));
        faces
    }

    /// The 5 landmarks of the face in `face` (sub-pixel).
    pub fn landmarks(&self, image: &RgbImage, face: &Rect) -> [Point; 5] {
        self.landmarker.predict(image, face)
    }

    /// The descriptor of the face with these landmarks. Landmarks are
    /// rounded to whole pixels first, as dlib stores them, so the chip (and
    /// the descriptor) match dlib's for the same face.
    pub fn descriptor(
        &self,
        image: &RgbImage,
        landmarks: &[Point; 5],
    ) -> Result<Descriptor, EngineError> {
        self.chip_descriptor(&self.chip(image, landmarks))
    }

    /// The descriptor of an aligned chip (mirror-averaged when configured).
    fn chip_descriptor(&self, chip: &RgbImage) -> Result<Descriptor, EngineError> {
        let plain = Descriptor(self.network.descriptor(chip)?);
        if !self.config.mirror_average {
            return Ok(plain);
        }
        let mirrored = Descriptor(self.network.descriptor(&chip.flip_horizontal())?);
        Ok(plain.mean(&mirrored))
    }

    /// The aligned 150×150 chip dlib's descriptor reads.
    pub fn chip(&self, image: &RgbImage, landmarks: &[Point; 5]) -> RgbImage {
        extract_image_chip(image, &chip_details(landmarks))
    }

    /// Detects, measures and describes every face, largest first.
    pub fn analyze(
        &self,
        image: &RgbImage,
    ) -> Result<(Detection<AnalyzedFace>, RgbImage), EngineError> {
        let (rotation, measured, upright) = self.find_faces(image);
        let mut faces = Vec::with_capacity(measured.len());
        for (detail, chip) in measured {
            let descriptor = self.chip_descriptor(&chip)?;
            faces.push(AnalyzedFace { detail, descriptor });
        }
        Ok((Detection { rotation, faces }, upright))
    }

    /// The largest face's analysis, or [`EngineError::NoFace`].
    pub fn analyze_largest(&self, image: &RgbImage) -> Result<AnalyzedFace, EngineError> {
        let (detection, _) = self.analyze(image)?;
        detection
            .faces
            .into_iter()
            .next()
            .ok_or(EngineError::NoFace)
    }

    /// Similarity (0–100) and distance between two descriptors.
    pub fn compare(&self, a: &Descriptor, b: &Descriptor) -> Comparison {
        self.scale().compare(a, b)
    }

    /// Exact 1:N search: gallery entries at or above `min_similarity`, most
    /// similar first, at most `max_hits`.
    pub fn search(
        &self,
        probe: &Descriptor,
        gallery: &[Descriptor],
        min_similarity: f64,
        max_hits: usize,
    ) -> Vec<SearchHit> {
        let scale = self.scale();
        let mut hits: Vec<SearchHit> = gallery
            .iter()
            .enumerate()
            .filter_map(|(index, candidate)| {
                let c = scale.compare(probe, candidate);
                (c.similarity >= min_similarity).then_some(SearchHit {
                    index,
                    similarity: c.similarity,
                    distance: c.distance,
                })
            })
            .collect();
        hits.sort_by(|a, b| a.distance.total_cmp(&b.distance));
        hits.truncate(max_hits);
        hits
    }

    fn scale(&self) -> &SimilarityScale {
        &self.config.similarity
    }

    /// The detector's boxes alone (no landmarks or measures), at the scale
    /// the configuration asks for, in `image`'s coordinates, with
    /// `adjust_threshold` added to the detector's threshold.
    pub fn detect_boxes(&self, image: &RgbImage, adjust_threshold: f64) -> Vec<HogDetection> {
        let plan = ScalePlan::new(&self.config.detection, image.width(), image.height());
        if plan.halvings == 0 {
            return self.detector.detect(image, plan.upsample, adjust_threshold);
        }
        let mut small = PyramidDown::HALF.down_rgb(image);
        for _ in 1..plan.halvings {
            small = PyramidDown::HALF.down_rgb(&small);
        }
        let mut found = self.detector.detect(&small, 0, adjust_threshold);
        for d in &mut found {
            d.rect = PyramidDown::HALF
                .rect_up(DRect::from(d.rect), plan.halvings)
                .round();
        }
        found
    }

    /// Landmarks and measures of the face in `rect`, and its chip.
    fn measure(
        &self,
        image: &RgbImage,
        rect: Rect,
        score: f64,
        index: usize,
    ) -> (FaceDetail, RgbImage) {
        let landmarks = self.landmarks(image, &rect);
        let details = chip_details(&landmarks);
        let chip = extract_image_chip(image, &details);
        let to_chip = details.image_to_chip();
        let in_chip = landmarks.map(|p| to_chip.apply(p));
        let region = FaceRegion::from_chip_landmarks(&in_chip, chip.width(), chip.height());
        let eye = |a: Point, b: Point| Point::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
        let detail = FaceDetail {
            bounding_box: rect,
            confidence: 100.0 / (1.0 + (-4.0 * score).exp()),
            detector_score: score,
            detector_index: index,
            landmarks,
            pose: pose(&landmarks),
            size: FaceSize {
                width: u32::try_from(rect.width()).unwrap_or(0),
                height: u32::try_from(rect.height()).unwrap_or(0),
                eye_distance: eye(landmarks[0], landmarks[1])
                    .distance(&eye(landmarks[2], landmarks[3])),
            },
            sharpness: sharpness(&chip.to_gray(), &region),
            brightness: brightness(&chip, &region),
            eyes_occluded: eyes_occluded(&chip, &in_chip),
        };
        (detail, chip)
    }
}

/// The chip geometry for a face, from its landmarks rounded like dlib's.
fn chip_details(landmarks: &[Point; 5]) -> ChipDetails {
    get_face_chip_details(&round_parts(landmarks), CHIP_SIZE, CHIP_PADDING)
}

/// How an image is scaled for the detector: doubled `upsample` times, or
/// halved `halvings` times (never both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ScalePlan {
    upsample: u32,
    halvings: u32,
}

impl ScalePlan {
    fn new(config: &DetectionConfig, width: u32, height: u32) -> Self {
        let mut upsample = 0;
        while (DETECTOR_WINDOW_PX >> upsample) > config.min_face_px && upsample < 2 {
            upsample += 1;
        }
        let pixels = u64::from(width) * u64::from(height);
        while upsample > 0 && pixels << (2 * upsample) > config.max_detect_pixels {
            upsample -= 1;
        }
        let mut halvings = 0;
        while upsample == 0 && (pixels >> (2 * halvings)) > config.max_detect_pixels && halvings < 8
        {
            halvings += 1;
        }
        Self { upsample, halvings }
    }
}

/// Why an engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Config(#[from] EngineError),
    #[error(transparent)]
    Model(#[from] ModelError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_plan_follows_min_face_and_pixel_budget() {
        let plan = |config: &DetectionConfig, w, h| {
            let p = ScalePlan::new(config, w, h);
            (p.upsample, p.halvings)
        };
        let mut config = DetectionConfig::default();
        assert_eq!(plan(&config, 640, 480), (1, 0));
        assert_eq!(plan(&config, 1920, 1080), (1, 0));
        assert_eq!(plan(&config, 1921, 1080), (0, 0));
        assert_eq!(plan(&config, 4000, 3000), (0, 1));
        assert_eq!(plan(&config, 9000, 7000), (0, 2));
        config.min_face_px = 80;
        assert_eq!(plan(&config, 640, 480), (0, 0));
        config.min_face_px = 20;
        assert_eq!(plan(&config, 640, 480), (2, 0));
        assert_eq!(plan(&config, 1920, 1080), (1, 0));
    }
}

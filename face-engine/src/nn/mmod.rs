//! dlib's CNN face detector, `mmod_human_face_detector`: the network of
//! dlib's `dnn_mmod_face_detection_ex.cpp` and the `loss_mmod` decoding.
//!
//! The network, input side first: three 5×5 stride-2 convolutions (16, 32,
//! 32 filters) and three 5×5 convolutions of 45 filters, each followed by
//! an affine layer (stored as batch normalisation) and a relu, then one 9×9
//! convolution to a single score channel. It looks at a tiled pyramid of the
//! image (`pyramid_down<6>`, every level packed into one tensor), so one
//! pass scores an 80×80 window at every position and scale; positive scores
//! become boxes, strongest first, and overlapping ones are suppressed.

use std::sync::Mutex;

use crate::dlib::FormatError;
use crate::dlib::net::{InputRecord, LossRecord, MmodOptions, parse_net};
use crate::error::{EngineError, ModelError};
use crate::geometry::{Point, Rect};
use crate::image::RgbImage;
use crate::pyramid::{DRect, PyramidDown, TiledPyramid};

use super::arch::Cursor;
use super::conv::{Conv, Epilogue};
use super::gemm::Threads;
use super::layers::Affine;
use super::resize::{Window, resize_bilinear_in_place};
use super::tensor::{Shape, Tensor};

/// The model's name in errors and in the model directory.
pub const MMOD_MODEL_NAME: &str = "mmod_human_face_detector";

/// The pyramid's downsampling ratio, `pyramid_down<6>` (each level 5/6 of
/// the one above); part of the C++ type, not of the file.
const PYRAMID_N: u32 = 6;

/// The hidden layers, input side first: filters, filter size, stride.
const LAYERS: [(usize, usize, usize); 6] = [
    (16, 5, 2),
    (32, 5, 2),
    (32, 5, 2),
    (45, 5, 1),
    (45, 5, 1),
    (45, 5, 1),
];

/// One detection: the box in image coordinates (dlib's integer rectangle,
/// inclusive corners) and the network's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MmodDetection {
    pub rect: Rect,
    pub score: f64,
}

/// The network's output for one image: the score map over the tiled
/// pyramid and the pyramid's layout, which maps it back to the image.
#[derive(Debug, Clone)]
pub struct ScoreMap {
    pub scores: Tensor,
    pub pyramid: TiledPyramid,
}

#[derive(Debug, Default)]
struct Workspace {
    a: Tensor,
    b: Tensor,
    col: Vec<f32>,
}

/// The MMOD face detector network. `Sync`: one instance serves many threads.
#[derive(Debug)]
pub struct MmodNet {
    input_mean: [f32; 3],
    pyramid_padding: u32,
    pyramid_outer_padding: u32,
    hidden: Vec<(Conv, Affine)>,
    scorer: Conv,
    options: MmodOptions,
    threads: Threads,
    workspaces: Mutex<Vec<Workspace>>,
}

impl MmodNet {
    /// Builds the network from the bytes of `mmod_human_face_detector.dat`,
    /// checking they hold exactly the example's architecture.
    pub fn from_dat_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        let format = |source| ModelError::Format {
            name: MMOD_MODEL_NAME,
            source,
        };
        let file = parse_net(bytes).map_err(format)?;
        let arch = |detail: String| {
            format(FormatError::Invalid {
                offset: 0,
                what: "network architecture",
                detail,
            })
        };
        let (input_mean, padding, outer) = match file.input {
            InputRecord::RgbImagePyramid {
                avg_rgb,
                pyramid_padding,
                pyramid_outer_padding,
            } => (avg_rgb, pyramid_padding, pyramid_outer_padding),
            ref other => return Err(arch(format!("input {other:?}, expected an RGB pyramid"))),
        };
        let LossRecord::Mmod(options) = file.loss.clone() else {
            return Err(arch("loss is not loss_mmod".into()));
        };
        if options.detector_windows.len() != 1 || options.use_bounding_box_regression {
            return Err(arch(
                "expected one detector window and no box regression".into(),
            ));
        }
        let mut cur = Cursor::new(&file.layers, bytes.len());
        let mut hidden = Vec::new();
        let mut channels = 3;
        for (filters, size, stride) in LAYERS {
            let conv = cur.con(Some(filters), size, stride).map_err(format)?;
            let affine = cur.affine(filters).map_err(format)?;
            cur.relu().map_err(format)?;
            if conv.channels() != channels {
                return Err(arch("convolution input channels do not chain".into()));
            }
            channels = filters;
            hidden.push((conv, affine));
        }
        let scorer = cur.con(Some(1), 9, 1).map_err(format)?;
        cur.finish().map_err(format)?;
        if scorer.channels() != channels {
            return Err(arch("score layer input channels do not chain".into()));
        }
        let small = |v: u64| u32::try_from(v).ok().filter(|v| *v < 1000);
        let (Some(pyramid_padding), Some(pyramid_outer_padding)) = (small(padding), small(outer))
        else {
            return Err(arch("pyramid padding out of range".into()));
        };
        Ok(Self {
            input_mean,
            pyramid_padding,
            pyramid_outer_padding,
            hidden,
            scorer,
            options,
            threads: Threads(1),
            workspaces: Mutex::new(Vec::new()),
        })
    }

    /// Threads one forward pass may use. The default is 1, as for the
    /// descriptor network: a 640×480 frame took the same ~143 ms on one
    /// thread and on two of a 2-core machine, and concurrent callers then
    /// each keep a core.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = Threads(threads.max(1));
        self
    }

    /// The `loss_mmod` options stored with the model: detector window,
    /// non-max suppression thresholds.
    pub fn options(&self) -> &MmodOptions {
        &self.options
    }

    /// Runs the network over the image's tiled pyramid; `ImageTooSmall`
    /// when the image is smaller than the network's field of view.
    pub fn score_map(&self, img: &RgbImage) -> Result<ScoreMap, EngineError> {
        let mut ws = self
            .workspaces
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default();
        let result = self.forward(img, &mut ws);
        let mut pool = self.workspaces.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < 16 {
            pool.push(ws);
        }
        result
    }

    /// Faces in the image: positions scoring above `adjust_threshold` (dlib
    /// uses 0), strongest first, overlapping boxes suppressed — what dlib's
    /// `net(img)` returns.
    pub fn detect(
        &self,
        img: &RgbImage,
        adjust_threshold: f64,
    ) -> Result<Vec<MmodDetection>, EngineError> {
        match self.score_map(img) {
            Ok(map) => Ok(self.decode(&map, adjust_threshold)),
            // An image smaller than the network's field of view holds no
            // face it could find.
            Err(EngineError::ImageTooSmall { .. }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    fn forward(&self, img: &RgbImage, ws: &mut Workspace) -> Result<ScoreMap, EngineError> {
        let pyr = PyramidDown::new(PYRAMID_N).ok_or_else(|| EngineError::InvalidArgument {
            detail: "pyramid ratio".into(),
        })?;
        let pyramid = TiledPyramid::layout(
            pyr,
            img.width(),
            img.height(),
            self.pyramid_padding,
            self.pyramid_outer_padding,
        );
        if pyramid.rects.is_empty() || !self.fits(pyramid.width, pyramid.height) {
            return Err(EngineError::ImageTooSmall {
                width: img.width(),
                height: img.height(),
            });
        }
        self.load_pyramid(img, &pyramid, &mut ws.a);
        for (conv, affine) in &self.hidden {
            let epilogue = Epilogue {
                affine: Some(affine),
                relu: true,
            };
            conv.forward(&ws.a, &mut ws.b, epilogue, &mut ws.col, self.threads)?;
            std::mem::swap(&mut ws.a, &mut ws.b);
        }
        let mut scores = Tensor::default();
        let plain = Epilogue::default();
        self.scorer
            .forward(&ws.a, &mut scores, plain, &mut ws.col, self.threads)?;
        Ok(ScoreMap { scores, pyramid })
    }

    /// Whether a tensor of `width × height` is large enough for every layer.
    fn fits(&self, width: u32, height: u32) -> bool {
        let mut size = Some((height as usize, width as usize));
        let convs = self
            .hidden
            .iter()
            .map(|(c, _)| c)
            .chain(std::iter::once(&self.scorer));
        for conv in convs {
            size = size.and_then(|(r, c)| conv.output_size(r, c));
        }
        size.is_some()
    }

    /// `input_rgb_image_pyramid::to_tensor`: the normalised image in the
    /// first level's place, then each smaller level resized from the one
    /// before, in the tensor; zeros everywhere else.
    fn load_pyramid(&self, img: &RgbImage, pyramid: &TiledPyramid, x: &mut Tensor) {
        let (w, h) = (pyramid.width as usize, pyramid.height as usize);
        x.reshape_for_output(Shape::new(1, 3, h, w));
        x.data_mut().fill(0.0);
        let window = |r: &Rect| Window {
            offset: r.top as usize * w + r.left as usize,
            width: r.width() as usize,
            height: r.height() as usize,
            stride: w,
        };
        for (c, mean) in self.input_mean.iter().enumerate() {
            let plane = x.plane_mut(c, 0);
            let first = window(&pyramid.rects[0]);
            for (y, row) in img
                .pixels()
                .chunks_exact(img.width() as usize * 3)
                .enumerate()
            {
                let start = first.offset + y * w;
                for (v, px) in plane[start..start + first.width]
                    .iter_mut()
                    .zip(row.chunks_exact(3))
                {
                    *v = (f32::from(px[c]) - mean) / 256.0;
                }
            }
            for pair in pyramid.rects.windows(2) {
                resize_bilinear_in_place(plane, window(&pair[0]), window(&pair[1]));
            }
        }
    }

    /// `loss_mmod_::to_label`: boxes from positive scores, sorted, then
    /// non-max suppressed on their integer rectangles.
    fn decode(&self, map: &ScoreMap, adjust_threshold: f64) -> Vec<MmodDetection> {
        let s = map.scores.shape();
        let Some(window) = self.options.detector_windows.first() else {
            return Vec::new();
        };
        let mut candidates = Vec::new();
        for r in 0..s.nr {
            for c in 0..s.nc {
                let score = f64::from(map.scores.at(0, 0, r, c));
                if score <= adjust_threshold {
                    continue;
                }
                let p = self.output_to_input(Point::new(c as f64, r as f64));
                let (hw, hh) = (
                    (window.width as f64 - 1.0) / 2.0,
                    (window.height as f64 - 1.0) / 2.0,
                );
                let tensor_rect = DRect::new(p.x - hw, p.y - hh, p.x + hw, p.y + hh);
                let rect = map.pyramid.tiled_to_image_rect(tensor_rect);
                candidates.push((score, rect));
            }
        }
        // Strongest first (dlib sorts descending by score).
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0));
        let nms = self.options.overlaps_nms;
        let mut kept: Vec<MmodDetection> = Vec::new();
        for (score, rect) in candidates {
            let rect = rect.round();
            if kept
                .iter()
                .any(|k| boxes_overlap(&k.rect, &rect, nms.iou_thresh, nms.percent_covered_thresh))
            {
                continue;
            }
            kept.push(MmodDetection { rect, score });
        }
        kept
    }

    /// Where an output position's receptive field is centred in the input
    /// tensor: each convolution maps `p` to `p·stride − padding + size/2`,
    /// from the last layer back to the first.
    fn output_to_input(&self, mut p: Point) -> Point {
        let convs = std::iter::once(&self.scorer).chain(self.hidden.iter().rev().map(|(c, _)| c));
        for conv in convs {
            let [nr, nc, sy, sx, py, px] = conv.geometry();
            p = Point::new(
                p.x * sx as f64 - px as f64 + (nc / 2) as f64,
                p.y * sy as f64 - py as f64 + (nr / 2) as f64,
            );
        }
        p
    }
}

/// dlib's `test_box_overlap` on integer rectangles: the overlap over the
/// union's bounding box, or over either box's area.
fn boxes_overlap(a: &Rect, b: &Rect, iou_thresh: f64, covered_thresh: f64) -> bool {
    let inner = a.intersect(b).area() as f64;
    if inner == 0.0 {
        return false;
    }
    let union_box = Rect::new(
        a.left.min(b.left),
        a.top.min(b.top),
        a.right.max(b.right),
        a.bottom.max(b.bottom),
    );
    inner / union_box.area() as f64 > iou_thresh
        || inner / a.area() as f64 > covered_thresh
        || inner / b.area() as f64 > covered_thresh
}

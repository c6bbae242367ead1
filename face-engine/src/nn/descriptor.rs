//! The 128-d face descriptor: dlib's `dlib_face_recognition_resnet_model_v1`,
//! the ResNet `anet_type` of dlib's `dnn_face_recognition_ex.cpp`.
//!
//! The network, input side first: a 7×7 stride-2 convolution with affine and
//! relu, a 3×3 stride-2 max pool, fourteen residual blocks (3 × 32 filters,
//! 4 × 64, 3 × 128, 4 × 256, the first of each width after 32 and the last
//! one halving the resolution), an average over the remaining 2×2 map and a
//! 256 → 128 fully connected layer without bias. A chip of 150×150 pixels
//! goes in; the 128 numbers that come out are compared by Euclidean
//! distance (dlib's threshold for "same person" is 0.6).

use std::path::Path;
use std::sync::Mutex;

use crate::dlib::FormatError;
use crate::dlib::net::{InputRecord, LossRecord, NetFile, PoolRecord, parse_net};
use crate::error::{EngineError, ModelError};
use crate::image::RgbImage;
use crate::similarity::DESCRIPTOR_LEN;

use super::arch::Cursor;
use super::conv::{Conv, Epilogue};
use super::gemm::Threads;
use super::layers::{Affine, Fc, Pool, PoolKind, add_padded};
use super::tensor::{Shape, Tensor};

/// The model's name in errors and in the model directory.
pub const DESCRIPTOR_MODEL_NAME: &str = "dlib_face_recognition_resnet_model_v1";
/// Side of the square face chip the network takes, in pixels.
pub const CHIP_SIZE: u32 = 150;

/// The residual blocks of `anet_type`, input side first: filters, and
/// whether the block halves the resolution (`ares_down`).
const ANET_BLOCKS: [(usize, bool); 14] = [
    (32, false),
    (32, false),
    (32, false),
    (64, true),
    (64, false),
    (64, false),
    (64, false),
    (128, true),
    (128, false),
    (128, false),
    (256, true),
    (256, false),
    (256, false),
    (256, true),
];

/// Chips per forward pass in [`DescriptorNet::descriptors`]: enough to
/// widen the products of the small late layers, small enough to keep the
/// scratch memory at a few tens of megabytes.
const MAX_BATCH: usize = 8;

/// A residual block: two 3×3 convolutions with affine layers, a relu
/// between them, the shortcut added and a relu after. A downsampling block
/// strides its first convolution by 2 and average-pools the shortcut.
#[derive(Debug)]
struct Block {
    conv1: Conv,
    affine1: Affine,
    conv2: Conv,
    affine2: Affine,
    shortcut_pool: Option<Pool>,
}

/// Buffers one forward pass works in, kept between calls.
#[derive(Debug, Default)]
struct Workspace {
    x: Tensor,
    t1: Tensor,
    t2: Tensor,
    t3: Tensor,
    col: Vec<f32>,
}

/// The face descriptor network. `Sync`: one instance serves any number of
/// threads, each call taking its own scratch buffers.
#[derive(Debug)]
pub struct DescriptorNet {
    input_mean: [f32; 3],
    stem_conv: Conv,
    stem_affine: Affine,
    stem_pool: Pool,
    blocks: Vec<Block>,
    final_pool: Pool,
    fc: Fc,
    threads: Threads,
    workspaces: Mutex<Vec<Workspace>>,
}

impl DescriptorNet {
    /// Reads the model file at `path`.
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let bytes = std::fs::read(path)
            .map_err(|source| riv_models::ModelFileError::reading(path, source))?;
        Self::from_dat_bytes(&bytes)
    }

    /// Builds the network from the bytes of
    /// `dlib_face_recognition_resnet_model_v1.dat`, checking they hold
    /// exactly `anet_type`.
    pub fn from_dat_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        let format = |source| ModelError::Format {
            name: DESCRIPTOR_MODEL_NAME,
            source,
        };
        let file = parse_net(bytes).map_err(format)?;
        Self::from_net(&file, bytes.len()).map_err(format)
    }

    fn from_net(file: &NetFile, len: usize) -> Result<Self, FormatError> {
        let input_mean = match file.input {
            InputRecord::RgbImage {
                avg_rgb,
                size: Some((150, 150)),
            } => avg_rgb,
            ref other => return Err(arch_error(format!("input {other:?}, expected 150x150 RGB"))),
        };
        if !matches!(file.loss, LossRecord::Metric { .. }) {
            return Err(arch_error("loss is not loss_metric".into()));
        }
        let mut cur = Cursor::new(&file.layers, len);
        let stem_conv = cur.con(Some(32), 7, 2)?;
        let stem_affine = cur.affine(32)?;
        cur.relu()?;
        let stem_pool = cur.pool(PoolKind::Max, square_pool(3, 2))?;

        let mut blocks = Vec::new();
        let mut channels = stem_conv.num_filters();
        while let Some(crate::dlib::net::LayerRecord::TagOrSkip) = cur.peek() {
            let Some(&(filters, down)) = ANET_BLOCKS.get(blocks.len()) else {
                return Err(cur.error("more residual blocks than anet_type has"));
            };
            let stride = if down { 2 } else { 1 };
            cur.tag_or_skip()?;
            let conv1 = cur.con(Some(filters), 3, stride)?;
            let affine1 = cur.affine(filters)?;
            cur.relu()?;
            let conv2 = cur.con(Some(filters), 3, 1)?;
            let affine2 = cur.affine(filters)?;
            let shortcut_pool = if down {
                cur.tag_or_skip()?;
                cur.tag_or_skip()?;
                Some(cur.pool(PoolKind::Avg, square_pool(2, 2))?)
            } else {
                None
            };
            cur.add_prev()?;
            cur.relu()?;
            if conv1.channels() != channels || conv2.channels() != filters {
                return Err(cur.error("convolution input channels do not chain"));
            }
            channels = filters;
            blocks.push(Block {
                conv1,
                affine1,
                conv2,
                affine2,
                shortcut_pool,
            });
        }
        if blocks.len() != ANET_BLOCKS.len() {
            return Err(cur.error(format!(
                "expected {} residual blocks, found {}",
                ANET_BLOCKS.len(),
                blocks.len()
            )));
        }
        let final_pool = cur.pool(PoolKind::Avg, square_pool(0, 1))?;
        let fc = cur.fc(DESCRIPTOR_LEN, false)?;
        if fc.num_inputs() != channels {
            return Err(cur.error("fc inputs do not match the last block"));
        }
        cur.finish()?;
        let net = Self {
            input_mean,
            stem_conv,
            stem_affine,
            stem_pool,
            blocks,
            final_pool,
            fc,
            threads: Threads(1),
            workspaces: Mutex::new(Vec::new()),
        };
        // Every layer must fit the one input size the network takes.
        net.forward_shapes()
            .ok_or_else(|| arch_error("layer sizes do not fit a 150x150 input".into()))?;
        Ok(net)
    }

    /// Sets how many threads one forward pass may use (its im2col, products
    /// and per-channel passes run on the rayon pool). The default is 1: on
    /// a 2-core machine one chip took 8.0 ms on one thread and 9.7 ms on
    /// two, and two callers on one thread each got 185 chips/s against 125
    /// for one caller on two threads; splitting a pass this small costs more
    /// in synchronisation than it gains. More threads can pay off for
    /// single-chip latency on an otherwise idle machine with more cores.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = Threads(threads.max(1));
        self
    }

    /// The descriptor of one aligned 150×150 face chip.
    pub fn descriptor(&self, chip: &RgbImage) -> Result<[f32; DESCRIPTOR_LEN], EngineError> {
        let mut out = self.descriptors(std::slice::from_ref(chip))?;
        out.pop().ok_or_else(|| EngineError::InvalidArgument {
            detail: "no descriptor computed".into(),
        })
    }

    /// The descriptors of several chips, computed in batches.
    pub fn descriptors(
        &self,
        chips: &[RgbImage],
    ) -> Result<Vec<[f32; DESCRIPTOR_LEN]>, EngineError> {
        for chip in chips {
            if chip.width() != CHIP_SIZE || chip.height() != CHIP_SIZE {
                return Err(EngineError::InvalidArgument {
                    detail: format!(
                        "face chip of {}x{} pixels; the descriptor network takes {CHIP_SIZE}x{CHIP_SIZE}",
                        chip.width(),
                        chip.height()
                    ),
                });
            }
        }
        let mut ws = self
            .workspaces
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default();
        let mut out = Vec::with_capacity(chips.len());
        let result = chips
            .chunks(MAX_BATCH)
            .try_for_each(|batch| self.forward(batch, &mut ws, &mut out));
        let mut pool = self.workspaces.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() < 16 {
            pool.push(ws);
        }
        result.map(|()| out)
    }

    fn forward(
        &self,
        chips: &[RgbImage],
        ws: &mut Workspace,
        out: &mut Vec<[f32; DESCRIPTOR_LEN]>,
    ) -> Result<(), EngineError> {
        self.load_input(chips, &mut ws.x);
        let t = self.threads;
        let ep = |affine, relu| Epilogue {
            affine: Some(affine),
            relu,
        };
        self.stem_conv.forward(
            &ws.x,
            &mut ws.t1,
            ep(&self.stem_affine, true),
            &mut ws.col,
            t,
        )?;
        self.stem_pool.forward(&ws.t1, &mut ws.x)?;
        for block in &self.blocks {
            block
                .conv1
                .forward(&ws.x, &mut ws.t1, ep(&block.affine1, true), &mut ws.col, t)?;
            block.conv2.forward(
                &ws.t1,
                &mut ws.t2,
                ep(&block.affine2, false),
                &mut ws.col,
                t,
            )?;
            match &block.shortcut_pool {
                Some(pool) => {
                    pool.forward(&ws.x, &mut ws.t3)?;
                    add_padded(&ws.t3, &ws.t2, &mut ws.t1, true);
                }
                None => add_padded(&ws.t2, &ws.x, &mut ws.t1, true),
            }
            std::mem::swap(&mut ws.x, &mut ws.t1);
        }
        self.final_pool.forward(&ws.x, &mut ws.t1)?;
        for row in self.fc.forward(&ws.t1)? {
            let mut d = [0.0; DESCRIPTOR_LEN];
            d.copy_from_slice(&row);
            out.push(d);
        }
        Ok(())
    }

    /// dlib's `input_rgb_image_sized`: `(value − channel mean) / 256`.
    fn load_input(&self, chips: &[RgbImage], x: &mut Tensor) {
        let side = CHIP_SIZE as usize;
        x.reshape_for_output(Shape::new(chips.len(), 3, side, side));
        for (n, chip) in chips.iter().enumerate() {
            for (c, mean) in self.input_mean.iter().enumerate() {
                let plane = x.plane_mut(c, n);
                for (v, px) in plane.iter_mut().zip(chip.pixels().chunks_exact(3)) {
                    *v = (f32::from(px[c]) - mean) / 256.0;
                }
            }
        }
    }

    /// Walks the layer sizes for a 150×150 input; None if a layer does not fit.
    fn forward_shapes(&self) -> Option<()> {
        let side = CHIP_SIZE as usize;
        let (mut r, mut c) = self.stem_conv.output_size(side, side)?;
        (r, c) = self.stem_pool.output_size(r, c)?;
        for block in &self.blocks {
            let (r1, c1) = block.conv1.output_size(r, c)?;
            let (r2, c2) = block.conv2.output_size(r1, c1)?;
            (r, c) = match &block.shortcut_pool {
                Some(pool) => {
                    let (rp, cp) = pool.output_size(r, c)?;
                    (r2.max(rp), c2.max(cp))
                }
                None => (r2.max(r), c2.max(c)),
            };
        }
        self.final_pool.output_size(r, c).map(|_| ())
    }
}

fn square_pool(size: usize, stride: usize) -> PoolRecord {
    let pad = super::arch::default_padding(size, stride);
    PoolRecord {
        nr: size,
        nc: size,
        stride_y: stride,
        stride_x: stride,
        padding_y: pad,
        padding_x: pad,
    }
}

fn arch_error(detail: String) -> FormatError {
    FormatError::Invalid {
        offset: 0,
        what: "network architecture",
        detail,
    }
}

//! Reading dlib's serialised `shape_predictor` (`shape_predictor.h`):
//!
//! ```text
//! int                      version (1)
//! matrix<float,0,1>        initial_shape (x0 y0 x1 y1 ..., box-normalised)
//! vector<vector<tree>>     forests, one forest per cascade level, where a
//!                          tree is vector<split> then vector<matrix<float,0,1>>
//!                          (leaf values) and a split is idx1, idx2 (unsigned
//!                          long) then thresh (float)
//! vector<vector<ulong>>    anchor_idx: per level, per feature pixel, the
//!                          landmark the pixel is anchored to
//! vector<vector<vec2f>>    deltas: per level, per feature pixel, the offset
//!                          from its anchor in normalised shape space
//! ```
//!
//! Every count is bounded before anything is allocated and every index is
//! checked against what it indexes, so prediction can index without checks
//! failing and a corrupt file is a [`FormatError`], never a panic or a huge
//! allocation.

use crate::dlib::{DlibReader, FormatError};

/// Limits far above the published 5-point model (15 levels of 500 trees of
/// depth 4 over 500 pixels) and small enough that a hostile file cannot
/// exhaust memory.
const MAX_LEVELS: usize = 64;
const MAX_TREES: usize = 4096;
const MAX_SPLITS: usize = 4095;
const MAX_FEATURES: usize = 16384;
const MAX_SHAPE_LEN: usize = 2 * 256;
/// Total leaf floats across the whole model (the 5-point model has 1.2 M).
const MAX_LEAF_FLOATS: usize = 64 << 20;

/// One split node: go left when `pixel[idx1] - pixel[idx2] > thresh`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Split {
    pub idx1: u32,
    pub idx2: u32,
    pub thresh: f32,
}

/// A complete binary regression tree in breadth-first order, as read.
#[derive(Debug, Clone, PartialEq)]
struct Tree {
    splits: Vec<Split>,
    /// `splits.len() + 1` leaves of `shape_len` floats each, concatenated.
    leaves: Vec<f32>,
}

/// Where one tree's nodes lie in its level's flat arrays.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TreeSpan {
    pub splits: std::ops::Range<usize>,
    /// Index of the tree's first leaf float.
    pub leaves: usize,
}

/// One cascade level: its trees and the feature pixels they compare.
///
/// The trees' splits and leaves are stored back to back, so a level is two
/// contiguous arrays walked in order: prediction is bound by memory
/// latency, and this keeps the hardware prefetcher ahead of it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Level {
    pub trees: Vec<TreeSpan>,
    pub splits: Vec<Split>,
    pub leaves: Vec<f32>,
    /// Per feature pixel: the landmark it is anchored to.
    pub anchors: Vec<u32>,
    /// Per feature pixel: its offset from the anchor in normalised space.
    pub deltas: Vec<[f32; 2]>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Model {
    pub initial_shape: Vec<f32>,
    pub levels: Vec<Level>,
}

/// A count bounded by `max` and by the bytes left (every element takes at
/// least one byte), so a corrupt length fails before allocating.
fn read_count(
    r: &mut DlibReader<'_>,
    max: usize,
    what: &'static str,
) -> Result<usize, FormatError> {
    let bound = max.min(r.remaining());
    r.read_len(bound, what)
}

fn read_f32_vector(
    r: &mut DlibReader<'_>,
    len: usize,
    what: &'static str,
) -> Result<Vec<f32>, FormatError> {
    let m = r.read_matrix_f32(MAX_SHAPE_LEN, what)?;
    if m.cols != 1 || m.rows != len {
        return Err(r.invalid(
            what,
            format!(
                "{}x{} matrix where a {len}-vector was expected",
                m.rows, m.cols
            ),
        ));
    }
    Ok(m.data)
}

fn read_tree(
    r: &mut DlibReader<'_>,
    shape_len: usize,
    leaf_budget: &mut usize,
) -> Result<Tree, FormatError> {
    let n_splits = read_count(r, MAX_SPLITS, "number of tree splits")?;
    let mut splits = Vec::with_capacity(n_splits);
    for _ in 0..n_splits {
        let idx1 = r.read_u64("split feature index")?;
        let idx2 = r.read_u64("split feature index")?;
        let thresh = r.read_f32("split threshold")?;
        let (Ok(idx1), Ok(idx2)) = (u32::try_from(idx1), u32::try_from(idx2)) else {
            return Err(r.invalid("split feature index", "index out of range"));
        };
        splits.push(Split { idx1, idx2, thresh });
    }
    let n_leaves = read_count(r, MAX_SPLITS + 1, "number of tree leaves")?;
    // dlib walks the tree as a complete binary tree: 2^d - 1 splits and
    // 2^d leaves.
    if n_leaves != n_splits + 1 || !n_leaves.is_power_of_two() {
        return Err(r.invalid(
            "regression tree",
            format!("{n_splits} splits and {n_leaves} leaves do not form a complete tree"),
        ));
    }
    let floats = n_leaves * shape_len;
    *leaf_budget = leaf_budget
        .checked_sub(floats)
        .ok_or_else(|| r.invalid("leaf values", "model exceeds the size limit"))?;
    let mut leaves = Vec::with_capacity(floats);
    for _ in 0..n_leaves {
        leaves.extend(read_f32_vector(r, shape_len, "leaf value")?);
    }
    Ok(Tree { splits, leaves })
}

/// Parses and validates a serialised `shape_predictor`.
pub(crate) fn parse(bytes: &[u8]) -> Result<Model, FormatError> {
    let mut r = DlibReader::new(bytes);
    let version = r.read_i64("shape_predictor version")?;
    if version != 1 {
        return Err(FormatError::Invalid {
            offset: 0,
            what: "shape_predictor version",
            detail: format!("version {version}, expected 1"),
        });
    }
    let initial = r.read_matrix_f32(MAX_SHAPE_LEN, "initial shape")?;
    let shape_len = initial.data.len();
    if initial.cols != 1 || shape_len == 0 || shape_len % 2 != 0 {
        return Err(r.invalid(
            "initial shape",
            format!("{}x{} matrix", initial.rows, initial.cols),
        ));
    }

    let n_levels = read_count(&mut r, MAX_LEVELS, "number of cascade levels")?;
    let mut leaf_budget = MAX_LEAF_FLOATS;
    let mut forests = Vec::with_capacity(n_levels);
    for _ in 0..n_levels {
        let n_trees = read_count(&mut r, MAX_TREES, "number of trees")?;
        let mut trees = Vec::with_capacity(n_trees);
        for _ in 0..n_trees {
            trees.push(read_tree(&mut r, shape_len, &mut leaf_budget)?);
        }
        forests.push(trees);
    }

    let n_parts = (shape_len / 2) as u64;
    let n_anchor_levels = read_count(&mut r, MAX_LEVELS, "number of anchor levels")?;
    let mut anchors = Vec::with_capacity(n_anchor_levels);
    for _ in 0..n_anchor_levels {
        let n = read_count(&mut r, MAX_FEATURES, "number of feature pixels")?;
        let mut level = Vec::with_capacity(n);
        for _ in 0..n {
            let a = r.read_u64("anchor index")?;
            if a >= n_parts {
                return Err(r.invalid("anchor index", format!("{a} >= {n_parts} landmarks")));
            }
            level.push(a as u32);
        }
        anchors.push(level);
    }
    let n_delta_levels = read_count(&mut r, MAX_LEVELS, "number of delta levels")?;
    let mut deltas = Vec::with_capacity(n_delta_levels);
    for _ in 0..n_delta_levels {
        let n = read_count(&mut r, MAX_FEATURES, "number of feature pixels")?;
        let mut level = Vec::with_capacity(n);
        for _ in 0..n {
            level.push([r.read_f32("pixel delta")?, r.read_f32("pixel delta")?]);
        }
        deltas.push(level);
    }
    if !r.is_at_end() {
        return Err(r.invalid("shape_predictor", "trailing bytes after the model"));
    }
    if anchors.len() != forests.len() || deltas.len() != forests.len() {
        return Err(r.invalid(
            "shape_predictor",
            format!(
                "{} cascade levels but {} anchor and {} delta levels",
                forests.len(),
                anchors.len(),
                deltas.len()
            ),
        ));
    }

    let mut levels = Vec::with_capacity(forests.len());
    for ((trees, anchors), deltas) in forests.into_iter().zip(anchors).zip(deltas) {
        if anchors.len() != deltas.len() {
            return Err(r.invalid("shape_predictor", "anchor and delta counts differ"));
        }
        let n_features = anchors.len() as u32;
        let bad_index = trees
            .iter()
            .flat_map(|t| &t.splits)
            .any(|s| s.idx1 >= n_features || s.idx2 >= n_features);
        if bad_index {
            return Err(r.invalid(
                "split feature index",
                "index past the level's feature pixels",
            ));
        }
        let mut level = Level {
            trees: Vec::with_capacity(trees.len()),
            splits: Vec::new(),
            leaves: Vec::new(),
            anchors,
            deltas,
        };
        for tree in trees {
            let start = level.splits.len();
            level.trees.push(TreeSpan {
                splits: start..start + tree.splits.len(),
                leaves: level.leaves.len(),
            });
            level.splits.extend(tree.splits);
            level.leaves.extend(tree.leaves);
        }
        levels.push(level);
    }
    Ok(Model {
        initial_shape: initial.data,
        levels,
    })
}

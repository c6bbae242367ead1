//! Matching a stored layer list against the architecture a network expects.
//!
//! dlib checks a file against the C++ type it is loaded into and refuses one
//! whose layers, sizes, strides or paddings differ. The networks here do the
//! same by walking the list with a [`Cursor`], asking for each layer they
//! expect in turn; the first mismatch becomes an error naming the layer, its
//! byte offset, what was expected and what was found.

use crate::dlib::FormatError;
use crate::dlib::net::{Layer, LayerMode, LayerRecord, PoolRecord};

use super::conv::Conv;
use super::layers::{Affine, Fc, Pool, PoolKind};

/// dlib's default padding for a window of `size` at `stride`: half the
/// window when the stride is 1, none otherwise.
pub(crate) fn default_padding(size: usize, stride: usize) -> usize {
    if stride == 1 { size / 2 } else { 0 }
}

/// A walk over a network's layers, input side first.
#[derive(Debug)]
pub(crate) struct Cursor<'a> {
    layers: &'a [Layer],
    pos: usize,
    end_offset: usize,
}

impl<'a> Cursor<'a> {
    /// `end_offset` is reported when the list ends before a layer expected.
    pub(crate) fn new(layers: &'a [Layer], end_offset: usize) -> Self {
        Self {
            layers,
            pos: 0,
            end_offset,
        }
    }

    /// The next record without moving.
    pub(crate) fn peek(&self) -> Option<&'a LayerRecord> {
        self.layers.get(self.pos).map(|l| &l.record)
    }

    /// An architecture error at the current layer.
    pub(crate) fn error(&self, detail: impl Into<String>) -> FormatError {
        let offset = self
            .layers
            .get(self.pos)
            .map_or(self.end_offset, |l| l.offset);
        FormatError::Invalid {
            offset,
            what: "network architecture",
            detail: format!("layer {}: {}", self.pos, detail.into()),
        }
    }

    fn next(&mut self, expected: &str) -> Result<&'a LayerRecord, FormatError> {
        let record = self.peek().ok_or_else(|| {
            self.error(format!("expected {expected}, found the end of the network"))
        })?;
        self.pos += 1;
        Ok(record)
    }

    fn mismatch(&mut self, expected: &str, found: &LayerRecord) -> FormatError {
        self.pos -= 1;
        self.error(format!("expected {expected}, found {}", found.name()))
    }

    /// A convolution of `filters` filters (any number when None) of
    /// `size × size` at `stride`, with dlib's default padding.
    pub(crate) fn con(
        &mut self,
        filters: Option<usize>,
        size: usize,
        stride: usize,
    ) -> Result<Conv, FormatError> {
        let pad = default_padding(size, stride);
        let expected = format!(
            "con with {} filters of {size}x{size}, stride {stride}, padding {pad}",
            filters.map_or_else(|| "any number of".to_string(), |f| f.to_string())
        );
        match self.next(&expected)? {
            LayerRecord::Con(c)
                if filters.is_none_or(|f| f == c.num_filters)
                    && (c.nr, c.nc, c.stride_y, c.stride_x, c.padding_y, c.padding_x)
                        == (size, size, stride, stride, pad, pad)
                    && !c.relu =>
            {
                Conv::from_record(c).map_err(|e| self.back_error(&e))
            }
            LayerRecord::Con(c) => {
                let found = format!(
                    "con with {} filters of {}x{}, stride {}x{}, padding {}x{}{}",
                    c.num_filters,
                    c.nr,
                    c.nc,
                    c.stride_y,
                    c.stride_x,
                    c.padding_y,
                    c.padding_x,
                    if c.relu { ", fused relu" } else { "" }
                );
                self.pos -= 1;
                Err(self.error(format!("expected {expected}, found {found}")))
            }
            other => Err(self.mismatch(&expected, other)),
        }
    }

    /// A per-channel affine layer over `channels` channels, or a batch
    /// normalisation layer, which dlib turns into one on loading.
    pub(crate) fn affine(&mut self, channels: usize) -> Result<Affine, FormatError> {
        let expected = format!("affine (or bn_con) over {channels} channels");
        let affine = match self.next(&expected)? {
            LayerRecord::Affine(a) => Affine::from_record(a),
            LayerRecord::BatchNorm(b) => Affine::from_batch_norm(b),
            other => return Err(self.mismatch(&expected, other)),
        }
        .map_err(|e| self.back_error(&e))?;
        if affine.mode() != LayerMode::Conv || affine.len() != channels {
            self.pos -= 1;
            return Err(self.error(format!(
                "expected {expected}, found one in {:?} mode over {} values",
                affine.mode(),
                affine.len()
            )));
        }
        Ok(affine)
    }

    pub(crate) fn relu(&mut self) -> Result<(), FormatError> {
        match self.next("relu")? {
            LayerRecord::Relu { disabled: false } => Ok(()),
            LayerRecord::Relu { disabled: true } => {
                self.pos -= 1;
                Err(self.error("relu is disabled"))
            }
            other => Err(self.mismatch("relu", other)),
        }
    }

    /// A tag or skip layer (the file does not say which).
    pub(crate) fn tag_or_skip(&mut self) -> Result<(), FormatError> {
        match self.next("a tag or skip layer")? {
            LayerRecord::TagOrSkip => Ok(()),
            other => Err(self.mismatch("a tag or skip layer", other)),
        }
    }

    pub(crate) fn add_prev(&mut self) -> Result<(), FormatError> {
        match self.next("add_prev")? {
            LayerRecord::AddPrev => Ok(()),
            other => Err(self.mismatch("add_prev", other)),
        }
    }

    /// A pooling layer of exactly the given geometry.
    pub(crate) fn pool(
        &mut self,
        kind: PoolKind,
        geometry: PoolRecord,
    ) -> Result<Pool, FormatError> {
        let name = match kind {
            PoolKind::Max => "max_pool",
            PoolKind::Avg => "avg_pool",
        };
        let expected = format!("{name} {geometry:?}");
        match (kind, self.next(&expected)?) {
            (PoolKind::Max, LayerRecord::MaxPool(g)) | (PoolKind::Avg, LayerRecord::AvgPool(g))
                if *g == geometry =>
            {
                Ok(Pool::new(kind, geometry))
            }
            (_, other) => {
                let found = match other {
                    LayerRecord::MaxPool(g) => format!("max_pool {g:?}"),
                    LayerRecord::AvgPool(g) => format!("avg_pool {g:?}"),
                    other => other.name().to_string(),
                };
                self.pos -= 1;
                Err(self.error(format!("expected {expected}, found {found}")))
            }
        }
    }

    /// A fully connected layer with `outputs` outputs, with or without bias.
    pub(crate) fn fc(&mut self, outputs: usize, bias: bool) -> Result<Fc, FormatError> {
        let expected = format!(
            "fc with {outputs} outputs{}",
            if bias { "" } else { ", no bias" }
        );
        match self.next(&expected)? {
            LayerRecord::Fc(f) if f.num_outputs == outputs && f.biases.is_some() == bias => {
                Fc::from_record(f).map_err(|e| self.back_error(&e))
            }
            other => Err(self.mismatch(&expected, other)),
        }
    }

    /// Fails unless every layer was consumed.
    pub(crate) fn finish(&self) -> Result<(), FormatError> {
        match self.peek() {
            None => Ok(()),
            Some(extra) => Err(self.error(format!(
                "expected the end of the network, found {}",
                extra.name()
            ))),
        }
    }

    /// An error about the layer just consumed.
    fn back_error(&mut self, detail: &str) -> FormatError {
        self.pos -= 1;
        let e = self.error(detail);
        self.pos += 1;
        e
    }
}

//! One ONNX network run by tract, with a plan per input shape.
//!
//! tract cannot type these PaddleOCR graphs with symbolic heights or widths
//! (their shape arithmetic does not simplify), so every input shape gets its
//! own optimised plan. Callers keep the number of shapes small by padding
//! inputs to a few fixed sizes; plans are built on first use and kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tract_onnx::pb::ModelProto;
use tract_onnx::prelude::*;

use super::error::OcrError;

/// An input tensor shape, `[batch, channels, height, width]`.
pub(crate) type Shape = [usize; 4];

/// A parsed network and its optimised plans.
pub(crate) struct Network {
    name: &'static str,
    model: InferenceModel,
    plans: Mutex<HashMap<Shape, Arc<TypedRunnableModel>>>,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plans = self.plans.lock().map_or(0, |p| p.len());
        f.debug_struct("Network")
            .field("name", &self.name)
            .field("plans", &plans)
            .finish()
    }
}

/// Decodes an ONNX file's bytes into its protobuf form.
pub(crate) fn parse_proto(name: &'static str, bytes: &[u8]) -> Result<ModelProto, OcrError> {
    tract_onnx::onnx()
        .proto_model_for_read(&mut &bytes[..])
        .map_err(|e| OcrError::ModelFormat {
            name,
            detail: format!("not an ONNX model: {e}"),
        })
}

/// A metadata entry of an ONNX model (`metadata_props`).
pub(crate) fn metadata<'a>(proto: &'a ModelProto, key: &str) -> Option<&'a str> {
    proto
        .metadata_props
        .iter()
        .find(|entry| entry.key == key)
        .map(|entry| entry.value.as_str())
}

impl Network {
    pub(crate) fn from_proto(name: &'static str, proto: &ModelProto) -> Result<Self, OcrError> {
        let model = tract_onnx::onnx()
            .model_for_proto_model(proto)
            .map_err(|e| OcrError::ModelFormat {
                name,
                detail: format!("{e:#}"),
            })?;
        Ok(Self {
            name,
            model,
            plans: Mutex::new(HashMap::new()),
        })
    }

    /// The plan for one input shape, built on first use.
    fn plan(&self, shape: Shape) -> Result<Arc<TypedRunnableModel>, OcrError> {
        if let Some(plan) = self
            .plans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&shape)
        {
            return Ok(Arc::clone(plan));
        }
        // Built outside the lock: a plan takes a few hundred milliseconds
        // and other shapes need not wait for it.
        let plan = self
            .model
            .clone()
            .with_input_fact(0, f32::fact(shape).into())
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(|e| OcrError::ModelFormat {
                name: self.name,
                detail: format!("no plan for input {shape:?}: {e:#}"),
            })?;
        self.plans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(shape, Arc::clone(&plan));
        Ok(plan)
    }

    /// Builds the plan for `shape` now, so the first real input does not pay
    /// for it.
    pub(crate) fn prepare(&self, shape: Shape) -> Result<(), OcrError> {
        self.plan(shape).map(drop)
    }

    /// Runs the network on one `[n, c, h, w]` tensor and returns its first
    /// output as `f32` values with its shape.
    pub(crate) fn run(&self, shape: Shape, data: Vec<f32>) -> Result<Output, OcrError> {
        let plan = self.plan(shape)?;
        let fail = |e: TractError| OcrError::Inference {
            name: self.name,
            detail: format!("{e:#}"),
        };
        let input = Tensor::from_shape(&shape, &data).map_err(fail)?;
        let outputs = plan.run(tvec!(input.into())).map_err(fail)?;
        let first = outputs.first().ok_or_else(|| OcrError::Inference {
            name: self.name,
            detail: "the network gave no output".to_string(),
        })?;
        let dims = first.shape().to_vec();
        let values = first
            .try_as_plain_ram()
            .and_then(|view| view.as_slice::<f32>().map(<[f32]>::to_vec))
            .map_err(fail)?;
        Ok(Output { dims, values })
    }
}

/// A network's output tensor.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    pub dims: Vec<usize>,
    pub values: Vec<f32>,
}

//! The records a serialised dlib network is read into: plain data, one
//! per layer, loss and input, with nothing computed.

/// A whole network as stored: loss, input and layers.
#[derive(Debug, Clone, PartialEq)]
pub struct NetFile {
    pub loss: LossRecord,
    pub input: InputRecord,
    /// Layers in the order data flows through them, input side first.
    pub layers: Vec<Layer>,
}

/// One layer and the byte offset its record starts at, for error messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub offset: usize,
    pub record: LayerRecord,
}

/// The loss layer: it holds no weights, only the settings inference needs.
#[derive(Debug, Clone, PartialEq)]
pub enum LossRecord {
    /// `loss_metric_`: the output is the embedding itself.
    Metric {
        margin: f32,
        distance_threshold: f32,
    },
    /// `loss_mmod_`: the detector windows and thresholds.
    Mmod(MmodOptions),
}

/// `mmod_options` as stored by `loss_mmod_`.
#[derive(Debug, Clone, PartialEq)]
pub struct MmodOptions {
    pub detector_windows: Vec<DetectorWindow>,
    pub loss_per_false_alarm: f64,
    pub loss_per_missed_target: f64,
    pub truth_match_iou_threshold: f64,
    pub overlaps_nms: BoxOverlap,
    pub overlaps_ignore: BoxOverlap,
    /// Whether the windows were sized for an image pyramid input (dlib's
    /// default, and what files older than version 3 of the options mean).
    pub assume_image_pyramid: bool,
    pub use_bounding_box_regression: bool,
    pub bbr_lambda: f64,
}

/// One detector window shape (`mmod_options::detector_window_details`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectorWindow {
    pub width: u64,
    pub height: u64,
    pub label: String,
}

/// `test_box_overlap`: the thresholds non-max suppression uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxOverlap {
    pub iou_thresh: f64,
    pub percent_covered_thresh: f64,
}

/// The input layer: how pixels become the first tensor.
#[derive(Debug, Clone, PartialEq)]
pub enum InputRecord {
    /// `input_rgb_image` (`size` None) or `input_rgb_image_sized` (rows, columns).
    RgbImage {
        avg_rgb: [f32; 3],
        size: Option<(u64, u64)>,
    },
    /// `input_rgb_image_pyramid`; the pyramid's downsampling ratio is part of
    /// the C++ type and is not stored.
    RgbImagePyramid {
        avg_rgb: [f32; 3],
        pyramid_padding: u64,
        pyramid_outer_padding: u64,
    },
}

/// dlib's `layer_mode`: per channel (`CONV_MODE`) or per element (`FC_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerMode {
    Conv,
    Fc,
}

/// The layer of one `add_layer` (or a tag or skip wrapper).
#[derive(Debug, Clone, PartialEq)]
pub enum LayerRecord {
    Con(ConRecord),
    Affine(AffineRecord),
    /// `bn_con` / `bn_fc`: dlib turns these into an affine layer when a
    /// training network is loaded as an inference one.
    BatchNorm(BatchNormRecord),
    Relu {
        disabled: bool,
    },
    MaxPool(PoolRecord),
    AvgPool(PoolRecord),
    /// `add_prev_`: adds the output of a tagged layer; the tag id is not stored.
    AddPrev,
    Fc(FcRecord),
    /// An `add_tag_layer` or `add_skip_layer`; see the module docs.
    TagOrSkip,
}

impl LayerRecord {
    /// dlib's name for the layer, for error messages.
    pub fn name(&self) -> &'static str {
        match self {
            LayerRecord::Con(_) => "con",
            LayerRecord::Affine(_) => "affine",
            LayerRecord::BatchNorm(_) => "bn",
            LayerRecord::Relu { .. } => "relu",
            LayerRecord::MaxPool(_) => "max_pool",
            LayerRecord::AvgPool(_) => "avg_pool",
            LayerRecord::AddPrev => "add_prev",
            LayerRecord::Fc(_) => "fc",
            LayerRecord::TagOrSkip => "tag or skip",
        }
    }
}

/// `con_`: `filters` holds `num_filters × channels × nr × nc` weights.
#[derive(Debug, Clone, PartialEq)]
pub struct ConRecord {
    pub num_filters: usize,
    pub channels: usize,
    pub nr: usize,
    pub nc: usize,
    pub stride_y: usize,
    pub stride_x: usize,
    pub padding_y: usize,
    pub padding_x: usize,
    pub filters: Vec<f32>,
    /// One per filter; None when the layer's bias is disabled.
    pub biases: Option<Vec<f32>>,
    /// `con_6` can fuse a relu into the convolution.
    pub relu: bool,
}

/// `affine_`: `output = input * gamma + beta`.
#[derive(Debug, Clone, PartialEq)]
pub struct AffineRecord {
    pub mode: LayerMode,
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
    pub disabled: bool,
}

/// `bn_`: what inference needs of a batch normalisation layer.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNormRecord {
    pub mode: LayerMode,
    pub gamma: Vec<f32>,
    pub beta: Vec<f32>,
    pub running_means: Vec<f32>,
    pub running_variances: Vec<f32>,
    pub eps: f64,
}

/// `max_pool_` / `avg_pool_`; a window of 0 means the whole input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolRecord {
    pub nr: usize,
    pub nc: usize,
    pub stride_y: usize,
    pub stride_x: usize,
    pub padding_y: usize,
    pub padding_x: usize,
}

/// `fc_`: `weights` is `num_inputs × num_outputs`, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct FcRecord {
    pub num_inputs: usize,
    pub num_outputs: usize,
    pub weights: Vec<f32>,
    pub biases: Option<Vec<f32>>,
}

//! dlib's serialised deep networks (`dlib/dnn/core.h`) read into a flat list
//! of layer records. File format only: what the layers compute lives in
//! [`crate::nn`], which also decides whether the list is the network it
//! expects. Keeping the two apart means a second network (the MMOD detector)
//! reuses this reader unchanged, and the format can be tested on its own.
//!
//! dlib writes a network by recursion over its C++ type, each wrapper writing
//! its version, then the network below it, then its own layer. The stream
//! therefore reads:
//!
//! 1. the loss wrapper's version and the loss layer's details;
//! 2. one version number per wrapper, outermost first: `add_layer` writes 2
//!    (3 for the one right above the input), `add_tag_layer` and
//!    `add_skip_layer` write 1;
//! 3. the input layer;
//! 4. for each `add_layer`, innermost first, the layer's details and then its
//!    training state (three flags and two or three tensors, read and dropped).
//!
//! Tag and skip wrappers write nothing but their version — neither which of
//! the two they are nor their id, and `add_prev_` does not write its tag id
//! either. Only the network's type knows them, so they come out as
//! [`LayerRecord::TagOrSkip`] and [`LayerRecord::AddPrev`], and the network
//! builder fills them in from the architecture it expects.

mod records;

pub use records::*;

use super::reader::{DlibReader, FormatError};

/// Largest tensor or alias accepted, in elements: far above any face model,
/// low enough that a corrupt size cannot ask for an absurd allocation.
const MAX_TENSOR_ELEMS: usize = 1 << 28;
/// Largest number of layers accepted.
const MAX_LAYERS: usize = 10_000;

/// Parses a whole serialised network; fails unless every byte is used.
pub fn parse_net(bytes: &[u8]) -> Result<NetFile, FormatError> {
    let mut r = DlibReader::new(bytes);
    let version = r.read_i64("loss layer version")?;
    if version != 1 {
        return Err(r.invalid("loss layer version", format!("version {version}")));
    }
    let loss = read_loss(&mut r)?;

    // Wrapper versions, outermost first, until the input layer's name.
    let mut wrappers = Vec::new();
    loop {
        let mut probe = r.clone();
        let offset = probe.offset();
        match probe.read_i64("layer version") {
            Ok(v @ 1..=3) => {
                if wrappers.len() >= MAX_LAYERS {
                    return Err(r.invalid("network", "too many layers"));
                }
                wrappers.push((offset, v));
                r = probe;
            }
            _ => break,
        }
    }
    // The innermost wrapper must be an add_layer (versions 2 and 3 over an
    // input); a tag right above the input is not used by any dlib model.
    let Some(&(_, input_version)) = wrappers.last() else {
        return Err(r.invalid("network", "no layers"));
    };
    if input_version == 1 {
        return Err(r.invalid("network", "a tag layer directly above the input"));
    }
    let input = read_input(&mut r)?;

    let mut layers = Vec::with_capacity(wrappers.len());
    for (index, &(offset, version)) in wrappers.iter().rev().enumerate() {
        if index > 0 && version == 1 {
            layers.push(Layer {
                offset,
                record: LayerRecord::TagOrSkip,
            });
            continue;
        }
        if index > 0 && version != 2 {
            return Err(FormatError::Invalid {
                offset,
                what: "add_layer version",
                detail: format!("version {version}"),
            });
        }
        let offset = r.offset();
        let record = read_layer(&mut r)?;
        read_training_state(&mut r, index == 0, version)?;
        layers.push(Layer { offset, record });
    }
    if !r.is_at_end() {
        return Err(r.invalid("network", format!("{} unread bytes", r.remaining())));
    }
    Ok(NetFile {
        loss,
        input,
        layers,
    })
}

fn read_loss(r: &mut DlibReader<'_>) -> Result<LossRecord, FormatError> {
    let start = r.offset();
    match r.read_string(64, "loss layer name")?.as_str() {
        // The first version hard-coded these values.
        "loss_metric_" => Ok(LossRecord::Metric {
            margin: 0.1,
            distance_threshold: 0.75,
        }),
        "loss_metric_2" => Ok(LossRecord::Metric {
            margin: r.read_f32("loss_metric margin")?,
            distance_threshold: r.read_f32("loss_metric distance threshold")?,
        }),
        "loss_mmod_" => Ok(LossRecord::Mmod(read_mmod_options(r)?)),
        other => Err(unsupported(start, "loss layer", other)),
    }
}

fn read_mmod_options(r: &mut DlibReader<'_>) -> Result<MmodOptions, FormatError> {
    let version = r.read_i64_in(1..=4, "mmod_options version")?;
    let detector_windows = if version == 1 {
        vec![DetectorWindow {
            width: r.read_u64("detector width")?,
            height: r.read_u64("detector height")?,
            label: String::new(),
        }]
    } else {
        let count = r.read_len(1024, "detector window count")?;
        let mut windows = Vec::with_capacity(count);
        for _ in 0..count {
            let v = r.read_i64_in(1..=2, "detector window version")?;
            windows.push(DetectorWindow {
                width: r.read_u64("detector width")?,
                height: r.read_u64("detector height")?,
                label: if v == 2 {
                    r.read_string(1024, "detector label")?
                } else {
                    String::new()
                },
            });
        }
        windows
    };
    let mut options = MmodOptions {
        detector_windows,
        loss_per_false_alarm: r.read_f64("loss per false alarm")?,
        loss_per_missed_target: r.read_f64("loss per missed target")?,
        truth_match_iou_threshold: r.read_f64("truth match IoU threshold")?,
        overlaps_nms: read_box_overlap(r)?,
        overlaps_ignore: read_box_overlap(r)?,
        assume_image_pyramid: true,
        // dlib's defaults for what older versions did not store.
        use_bounding_box_regression: false,
        bbr_lambda: 100.0,
    };
    if version >= 3 {
        options.assume_image_pyramid = r.read_u8("assume image pyramid")? != 0;
    }
    if version >= 4 {
        options.use_bounding_box_regression = r.read_bool("use box regression")?;
        options.bbr_lambda = r.read_f64("box regression lambda")?;
    }
    Ok(options)
}

fn read_box_overlap(r: &mut DlibReader<'_>) -> Result<BoxOverlap, FormatError> {
    Ok(BoxOverlap {
        iou_thresh: r.read_f64("overlap IoU threshold")?,
        percent_covered_thresh: r.read_f64("overlap covered threshold")?,
    })
}

fn read_input(r: &mut DlibReader<'_>) -> Result<InputRecord, FormatError> {
    let start = r.offset();
    let name = r.read_string(64, "input layer name")?;
    let mut avg = || -> Result<[f32; 3], FormatError> {
        Ok([
            r.read_f32("input mean red")?,
            r.read_f32("input mean green")?,
            r.read_f32("input mean blue")?,
        ])
    };
    match name.as_str() {
        "input_rgb_image" => Ok(InputRecord::RgbImage {
            avg_rgb: avg()?,
            size: None,
        }),
        "input_rgb_image_sized" => {
            let avg_rgb = avg()?;
            let rows = r.read_u64("input rows")?;
            let cols = r.read_u64("input columns")?;
            Ok(InputRecord::RgbImage {
                avg_rgb,
                size: Some((rows, cols)),
            })
        }
        "input_rgb_image_pyramid" => Ok(InputRecord::RgbImagePyramid {
            avg_rgb: avg()?,
            // The values dlib used before it stored them.
            pyramid_padding: 10,
            pyramid_outer_padding: 11,
        }),
        "input_rgb_image_pyramid2" => Ok(InputRecord::RgbImagePyramid {
            avg_rgb: avg()?,
            pyramid_padding: r.read_u64("pyramid padding")?,
            pyramid_outer_padding: r.read_u64("pyramid outer padding")?,
        }),
        other => Err(unsupported(start, "input layer", other)),
    }
}

fn read_layer(r: &mut DlibReader<'_>) -> Result<LayerRecord, FormatError> {
    let start = r.offset();
    let name = r.read_string(64, "layer name")?;
    Ok(match name.as_str() {
        "con_4" | "con_5" | "con_6" => LayerRecord::Con(read_con(r, &name)?),
        "affine_" | "affine_2" => {
            let params = read_tensor(r, "affine params")?;
            let gamma = read_alias(r, "affine gamma")?;
            let beta = read_alias(r, "affine beta")?;
            let mode = read_mode(r)?;
            let disabled = name == "affine_2" && r.read_bool("affine disabled")?;
            let mut parts = split_params(r, start, params, &[gamma, beta])?.into_iter();
            LayerRecord::Affine(AffineRecord {
                mode,
                gamma: parts.next().unwrap_or_default(),
                beta: parts.next().unwrap_or_default(),
                disabled,
            })
        }
        "bn_con2" | "bn_fc2" => LayerRecord::BatchNorm(read_bn(r, start, &name)?),
        "relu_" => LayerRecord::Relu { disabled: false },
        "relu_2" => LayerRecord::Relu {
            disabled: r.read_bool("relu disabled")?,
        },
        "max_pool_2" => LayerRecord::MaxPool(read_pool(r)?),
        "avg_pool_2" => LayerRecord::AvgPool(read_pool(r)?),
        "add_prev_" => LayerRecord::AddPrev,
        "fc_2" | "fc_3" => LayerRecord::Fc(read_fc(r, start, &name)?),
        other => return Err(unsupported(start, "layer", other)),
    })
}

fn read_con(r: &mut DlibReader<'_>, name: &str) -> Result<ConRecord, FormatError> {
    let start = r.offset();
    let params = read_tensor(r, "con params")?;
    let num_filters = read_dim(r, "con num_filters")?;
    let nr = read_dim(r, "con nr")?;
    let nc = read_dim(r, "con nc")?;
    let stride_y = read_dim(r, "con stride_y")?;
    let stride_x = read_dim(r, "con stride_x")?;
    let padding_y = read_dim(r, "con padding_y")?;
    let padding_x = read_dim(r, "con padding_x")?;
    let filters = read_alias(r, "con filters")?;
    let biases = read_alias(r, "con biases")?;
    for what in [
        "learning rate",
        "weight decay",
        "bias learning rate",
        "bias decay",
    ] {
        r.read_f64(what)?;
    }
    // con_4 did not store use_bias; it was always on.
    let use_bias = name == "con_4" || r.read_bool("con use_bias")?;
    let relu = name == "con_6" && r.read_bool("con use_relu")?;
    if stride_y == 0 || stride_x == 0 {
        return Err(r.invalid("con", "zero stride"));
    }
    if filters.0 != num_filters || filters.2 != nr || filters.3 != nc {
        return Err(r.invalid("con filters", format!("shape {filters:?}")));
    }
    let aliases = if use_bias {
        vec![filters, biases]
    } else {
        vec![filters]
    };
    let mut parts = split_params(r, start, params, &aliases)?.into_iter();
    let filter_data = parts.next().unwrap_or_default();
    let bias_data = parts.next();
    if bias_data.as_ref().is_some_and(|b| b.len() != num_filters) {
        return Err(r.invalid("con biases", format!("shape {biases:?}")));
    }
    Ok(ConRecord {
        num_filters,
        channels: filters.1,
        nr,
        nc,
        stride_y,
        stride_x,
        padding_y,
        padding_x,
        filters: filter_data,
        biases: bias_data,
        relu,
    })
}

fn read_bn(
    r: &mut DlibReader<'_>,
    start: usize,
    name: &str,
) -> Result<BatchNormRecord, FormatError> {
    let params = read_tensor(r, "bn params")?;
    let gamma = read_alias(r, "bn gamma")?;
    let beta = read_alias(r, "bn beta")?;
    read_tensor(r, "bn means")?;
    read_tensor(r, "bn invstds")?;
    let running_means = read_tensor(r, "bn running means")?;
    let running_variances = read_tensor(r, "bn running variances")?;
    r.read_u64("bn num_updates")?;
    r.read_u64("bn window size")?;
    for what in [
        "learning rate",
        "weight decay",
        "bias learning rate",
        "bias decay",
    ] {
        r.read_f64(what)?;
    }
    let eps = r.read_f64("bn eps")?;
    let mut parts = split_params(r, start, params, &[gamma, beta])?.into_iter();
    let gamma = parts.next().unwrap_or_default();
    if running_means.len() != gamma.len() || running_variances.len() != gamma.len() {
        return Err(r.invalid("bn running statistics", "size differs from gamma"));
    }
    Ok(BatchNormRecord {
        mode: if name == "bn_con2" {
            LayerMode::Conv
        } else {
            LayerMode::Fc
        },
        gamma,
        beta: parts.next().unwrap_or_default(),
        running_means,
        running_variances,
        eps,
    })
}

fn read_pool(r: &mut DlibReader<'_>) -> Result<PoolRecord, FormatError> {
    let pool = PoolRecord {
        nr: read_dim(r, "pool nr")?,
        nc: read_dim(r, "pool nc")?,
        stride_y: read_dim(r, "pool stride_y")?,
        stride_x: read_dim(r, "pool stride_x")?,
        padding_y: read_dim(r, "pool padding_y")?,
        padding_x: read_dim(r, "pool padding_x")?,
    };
    if pool.stride_y == 0 || pool.stride_x == 0 {
        return Err(r.invalid("pool", "zero stride"));
    }
    Ok(pool)
}

fn read_fc(r: &mut DlibReader<'_>, start: usize, name: &str) -> Result<FcRecord, FormatError> {
    let num_outputs = r.read_len(MAX_TENSOR_ELEMS, "fc num_outputs")?;
    let num_inputs = r.read_len(MAX_TENSOR_ELEMS, "fc num_inputs")?;
    let params = read_tensor(r, "fc params")?;
    let weights = read_alias(r, "fc weights")?;
    let biases = read_alias(r, "fc biases")?;
    let bias_mode = r.read_i64_in(0..=1, "fc bias mode")?;
    for what in [
        "learning rate",
        "weight decay",
        "bias learning rate",
        "bias decay",
    ] {
        r.read_f64(what)?;
    }
    // fc_2 did not store use_bias; it was always on.
    let stored_use_bias = name == "fc_2" || r.read_bool("fc use_bias")?;
    let use_bias = bias_mode == 0 && stored_use_bias;
    if weights.0 * weights.1 * weights.2 * weights.3 != num_inputs * num_outputs {
        return Err(r.invalid("fc weights", format!("shape {weights:?}")));
    }
    let aliases = if use_bias {
        vec![weights, biases]
    } else {
        vec![weights]
    };
    let mut parts = split_params(r, start, params, &aliases)?.into_iter();
    Ok(FcRecord {
        num_inputs,
        num_outputs,
        weights: parts.next().unwrap_or_default(),
        biases: parts.next(),
    })
}

/// The flags and tensors `add_layer` keeps for training, read and dropped.
fn read_training_state(
    r: &mut DlibReader<'_>,
    above_input: bool,
    version: i64,
) -> Result<(), FormatError> {
    r.read_bool("this_layer_setup_called")?;
    r.read_bool("gradient_input_is_stale")?;
    r.read_bool("get_output_and_gradient_input_disabled")?;
    read_tensor(r, "x_grad")?;
    read_tensor(r, "cached_output")?;
    if above_input {
        read_tensor(r, "grad_final")?;
        if version >= 3 {
            r.read_u64("sample expansion factor")?;
        }
    } else {
        read_tensor(r, "params_grad")?;
    }
    Ok(())
}

fn read_mode(r: &mut DlibReader<'_>) -> Result<LayerMode, FormatError> {
    Ok(match r.read_i64_in(0..=1, "layer mode")? {
        0 => LayerMode::Conv,
        _ => LayerMode::Fc,
    })
}

/// A `long` or `int` holding a size: non-negative and bounded.
fn read_dim(r: &mut DlibReader<'_>, what: &'static str) -> Result<usize, FormatError> {
    let value = r.read_i64_in(0..=MAX_TENSOR_ELEMS as i64, what)?;
    Ok(value as usize)
}

/// The shape `(num_samples, k, nr, nc)` of an `alias_tensor`.
type Shape = (usize, usize, usize, usize);

fn elems(shape: Shape) -> usize {
    shape.0 * shape.1 * shape.2 * shape.3
}

fn read_shape(r: &mut DlibReader<'_>, what: &'static str) -> Result<Shape, FormatError> {
    let start = r.offset();
    let shape = (
        read_dim(r, what)?,
        read_dim(r, what)?,
        read_dim(r, what)?,
        read_dim(r, what)?,
    );
    let total = [shape.1, shape.2, shape.3]
        .iter()
        .try_fold(shape.0, |acc, d| acc.checked_mul(*d))
        .filter(|n| *n <= MAX_TENSOR_ELEMS);
    if total.is_none() {
        return Err(FormatError::Invalid {
            offset: start,
            what,
            detail: format!("tensor of {shape:?} is too large"),
        });
    }
    Ok(shape)
}

/// An `alias_tensor`: a shape only, the view a layer takes of its params.
fn read_alias(r: &mut DlibReader<'_>, what: &'static str) -> Result<Shape, FormatError> {
    r.read_i64_in(1..=1, what)?;
    read_shape(r, what)
}

/// A `resizable_tensor`: shape, then raw little-endian IEEE floats.
fn read_tensor(r: &mut DlibReader<'_>, what: &'static str) -> Result<Vec<f32>, FormatError> {
    r.read_i64_in(2..=2, what)?;
    let len = elems(read_shape(r, what)?);
    let bytes = r.read_bytes(len * 4, what)?;
    Ok(bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

/// Cuts a layer's params tensor into the consecutive views its aliases name,
/// checking they cover it exactly.
fn split_params(
    r: &DlibReader<'_>,
    start: usize,
    params: Vec<f32>,
    aliases: &[Shape],
) -> Result<Vec<Vec<f32>>, FormatError> {
    let total: usize = aliases.iter().map(|s| elems(*s)).sum();
    if total != params.len() {
        return Err(FormatError::Invalid {
            offset: start,
            what: "layer parameters",
            detail: format!(
                "{} parameters for views {aliases:?} (reading up to byte {})",
                params.len(),
                r.offset()
            ),
        });
    }
    let mut rest = params.as_slice();
    Ok(aliases
        .iter()
        .map(|s| {
            let (head, tail) = rest.split_at(elems(*s));
            rest = tail;
            head.to_vec()
        })
        .collect())
}

fn unsupported(offset: usize, what: &'static str, name: &str) -> FormatError {
    FormatError::Invalid {
        offset,
        what,
        detail: format!("unsupported {what} {name:?}"),
    }
}

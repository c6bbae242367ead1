//! The serialised-network reader on hand-built byte streams: a small network
//! using every layer kind the face models use, the MMOD options in their
//! oldest and newest forms, and corrupt streams.

// Test helpers fail loudly, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::panic)]

use riv_face_engine::dlib::net::{InputRecord, LayerMode, LayerRecord, LossRecord, parse_net};

/// Writes values in dlib's serialisation format.
#[derive(Default)]
struct W(Vec<u8>);

impl W {
    fn int(&mut self, v: i64) -> &mut Self {
        let mut mag = v.unsigned_abs();
        let mut bytes = Vec::new();
        loop {
            bytes.push((mag & 0xFF) as u8);
            mag >>= 8;
            if mag == 0 {
                break;
            }
        }
        self.0
            .push(bytes.len() as u8 | if v < 0 { 0x80 } else { 0 });
        self.0.extend(bytes);
        self
    }

    /// A float as dlib's `float_details`; test values are multiples of 2^-16.
    fn float(&mut self, v: f64) -> &mut Self {
        let mantissa = (v * 65536.0) as i64;
        assert_eq!(mantissa as f64 / 65536.0, v);
        self.int(mantissa).int(-16)
    }

    fn str(&mut self, s: &str) -> &mut Self {
        self.int(s.len() as i64);
        self.0.extend_from_slice(s.as_bytes());
        self
    }

    fn bool(&mut self, b: bool) -> &mut Self {
        self.0.push(if b { b'1' } else { b'0' });
        self
    }

    fn tensor(&mut self, shape: [i64; 4], data: &[f32]) -> &mut Self {
        self.int(2);
        for d in shape {
            self.int(d);
        }
        for v in data {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
        self
    }

    fn empty_tensor(&mut self) -> &mut Self {
        self.tensor([0, 0, 0, 0], &[])
    }

    fn alias(&mut self, shape: [i64; 4]) -> &mut Self {
        self.int(1);
        for d in shape {
            self.int(d);
        }
        self
    }

    fn multipliers(&mut self) -> &mut Self {
        self.float(1.0).float(1.0).float(1.0).float(0.0)
    }

    /// The training state `add_layer` writes after a layer.
    fn state(&mut self, above_input: bool) -> &mut Self {
        self.bool(true)
            .bool(true)
            .bool(false)
            .empty_tensor()
            .empty_tensor();
        if above_input {
            self.empty_tensor().int(1)
        } else {
            self.empty_tensor()
        }
    }
}

fn seq(n: usize, start: f32) -> Vec<f32> {
    (0..n).map(|i| start + i as f32 * 0.25).collect()
}

/// loss_metric<fc_no_bias<2, avg_pool<2,2,2,2, max_pool<3,3,1,1, add_prev1<
/// relu<bn_con<con<2,1,1,1,1, tag1<affine<con<2,3,3,1,1,
/// input_rgb_image_sized<4>>>>>>>>>>>>
fn small_network() -> Vec<u8> {
    let mut w = W::default();
    w.int(1).str("loss_metric_2").float(0.5).float(0.75);
    // Wrapper versions, outermost first.
    for v in [2, 2, 2, 2, 2, 2, 2, 1, 2, 3] {
        w.int(v);
    }
    w.str("input_rgb_image_sized")
        .float(122.5)
        .float(117.0)
        .float(104.25)
        .int(4)
        .int(4);
    // con<2,3,3,1,1> (con_4: no use_bias stored), right above the input.
    w.str("con_4")
        .tensor([2 * 3 * 9 + 2, 1, 1, 1], &seq(56, 0.0));
    w.int(2).int(3).int(3).int(1).int(1).int(1).int(1);
    w.alias([2, 3, 3, 3])
        .alias([1, 2, 1, 1])
        .multipliers()
        .state(true);
    // affine_ in conv mode.
    w.str("affine_")
        .tensor([4, 1, 1, 1], &[2.0, 3.0, 0.5, -0.5]);
    w.alias([1, 2, 1, 1])
        .alias([1, 2, 1, 1])
        .int(0)
        .state(false);
    // con_6 1×1 without bias, fused relu.
    w.str("con_6").tensor([4, 1, 1, 1], &[1.0, 0.0, 0.0, 1.0]);
    w.int(2).int(1).int(1).int(1).int(1).int(0).int(0);
    w.alias([2, 2, 1, 1]).alias([0, 0, 0, 0]).multipliers();
    w.bool(false).bool(true).state(false);
    // bn_con2.
    w.str("bn_con2").tensor([4, 1, 1, 1], &[1.0, 2.0, 0.0, 0.5]);
    w.alias([1, 2, 1, 1]).alias([1, 2, 1, 1]);
    w.empty_tensor().empty_tensor();
    w.tensor([1, 2, 1, 1], &[0.25, 0.5])
        .tensor([1, 2, 1, 1], &[1.0, 4.0]);
    w.int(1000)
        .int(1000)
        .multipliers()
        .float(0.0625)
        .state(false);
    w.str("relu_2").bool(false).state(false);
    w.str("add_prev_").state(false);
    w.str("max_pool_2")
        .int(3)
        .int(3)
        .int(1)
        .int(1)
        .int(1)
        .int(1)
        .state(false);
    w.str("avg_pool_2")
        .int(2)
        .int(2)
        .int(2)
        .int(2)
        .int(0)
        .int(0)
        .state(false);
    // fc_3 without bias: weights 8 × 2.
    w.str("fc_3")
        .int(2)
        .int(8)
        .tensor([8, 2, 1, 1], &seq(16, -1.0));
    w.alias([8, 2, 1, 1])
        .alias([0, 0, 0, 0])
        .int(1)
        .multipliers()
        .bool(true);
    w.state(false);
    w.0
}

#[test]
fn reads_every_layer_kind_in_forward_order() {
    let net = parse_net(&small_network()).unwrap();
    assert_eq!(
        net.loss,
        LossRecord::Metric {
            margin: 0.5,
            distance_threshold: 0.75
        }
    );
    assert_eq!(
        net.input,
        InputRecord::RgbImage {
            avg_rgb: [122.5, 117.0, 104.25],
            size: Some((4, 4))
        }
    );
    let names: Vec<_> = net.layers.iter().map(|l| l.record.name()).collect();
    assert_eq!(
        names,
        [
            "con",
            "affine",
            "tag or skip",
            "con",
            "bn",
            "relu",
            "add_prev",
            "max_pool",
            "avg_pool",
            "fc"
        ]
    );
    let LayerRecord::Con(c) = &net.layers[0].record else {
        panic!()
    };
    assert_eq!(
        (c.num_filters, c.channels, c.nr, c.nc, c.padding_y),
        (2, 3, 3, 3, 1)
    );
    assert_eq!(c.filters, seq(54, 0.0));
    assert_eq!(c.biases.as_deref(), Some(&[13.5, 13.75][..]));
    assert!(!c.relu);
    let LayerRecord::Affine(a) = &net.layers[1].record else {
        panic!()
    };
    assert_eq!(
        (a.mode, &a.gamma[..], &a.beta[..]),
        (LayerMode::Conv, &[2.0, 3.0][..], &[0.5, -0.5][..])
    );
    let LayerRecord::Con(c) = &net.layers[3].record else {
        panic!()
    };
    assert_eq!((c.biases.is_none(), c.relu, c.padding_x), (true, true, 0));
    let LayerRecord::BatchNorm(b) = &net.layers[4].record else {
        panic!()
    };
    assert_eq!(
        (&b.gamma[..], &b.beta[..], b.eps),
        (&[1.0, 2.0][..], &[0.0, 0.5][..], 0.0625)
    );
    assert_eq!(
        (&b.running_means[..], &b.running_variances[..]),
        (&[0.25, 0.5][..], &[1.0, 4.0][..])
    );
    let LayerRecord::MaxPool(p) = &net.layers[7].record else {
        panic!()
    };
    assert_eq!((p.nr, p.stride_y, p.padding_x), (3, 1, 1));
    let LayerRecord::Fc(f) = &net.layers[9].record else {
        panic!()
    };
    assert_eq!(
        (f.num_inputs, f.num_outputs, f.biases.is_none()),
        (8, 2, true)
    );
    assert_eq!(f.weights, seq(16, -1.0));
    // Offsets point into the stream, increasing for the stored layers.
    assert!(net.layers[0].offset < net.layers[1].offset);
}

#[test]
fn every_truncation_and_trailing_byte_is_an_error() {
    let bytes = small_network();
    for cut in 0..bytes.len() {
        assert!(
            parse_net(&bytes[..cut]).is_err(),
            "prefix of {cut} bytes accepted"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    let err = parse_net(&longer).unwrap_err().to_string();
    assert!(err.contains("unread"), "{err}");
}

#[test]
fn unknown_layers_and_inconsistent_params_are_named() {
    let bytes = small_network();
    let find = |needle: &[u8]| {
        bytes
            .windows(needle.len())
            .position(|w| w == needle)
            .unwrap()
    };
    let mut renamed = bytes.clone();
    let at = find(b"relu_2");
    renamed[at..at + 6].copy_from_slice(b"gelu_2");
    let err = parse_net(&renamed).unwrap_err().to_string();
    assert!(err.contains("gelu_2"), "{err}");

    // Claim 3 filters where the params hold 2.
    let mut wrong = bytes.clone();
    let at = find(b"con_4") + 5;
    let header_len = 2 + 2 + 2 + 2 + 2; // version and four dimensions
    let after_params = at + header_len + 56 * 4;
    assert_eq!(&wrong[after_params..after_params + 2], &[1, 2]);
    wrong[after_params + 1] = 3;
    assert!(parse_net(&wrong).is_err());
}

#[test]
fn reads_mmod_options_old_and_new() {
    let tail = |w: &mut W| {
        w.int(3)
            .str("input_rgb_image_pyramid2")
            .float(1.0)
            .float(2.0)
            .float(3.0)
            .int(7)
            .int(8);
        w.str("relu_").state(true);
    };
    // Version 1: one window, no pyramid flag, no box regression.
    let mut w = W::default();
    w.int(1).str("loss_mmod_").int(1).int(80).int(80);
    w.float(1.0)
        .float(1.0)
        .float(0.5)
        .float(0.375)
        .float(1.0)
        .float(0.5)
        .float(1.0);
    tail(&mut w);
    let net = parse_net(&w.0).unwrap();
    let LossRecord::Mmod(o) = &net.loss else {
        panic!()
    };
    assert_eq!(
        (o.detector_windows[0].width, o.detector_windows[0].height),
        (80, 80)
    );
    assert_eq!(
        (
            o.overlaps_nms.iou_thresh,
            o.overlaps_nms.percent_covered_thresh
        ),
        (0.375, 1.0)
    );
    assert!(o.assume_image_pyramid && !o.use_bounding_box_regression);
    assert_eq!(
        net.input,
        InputRecord::RgbImagePyramid {
            avg_rgb: [1.0, 2.0, 3.0],
            pyramid_padding: 7,
            pyramid_outer_padding: 8
        }
    );
    assert_eq!(net.layers.len(), 1);

    // Version 4: labelled windows, pyramid flag, box regression.
    let mut w = W::default();
    w.int(1).str("loss_mmod_").int(4).int(2);
    w.int(2).int(40).int(60).str("face").int(1).int(30).int(30);
    w.float(2.0)
        .float(1.0)
        .float(0.5)
        .float(0.375)
        .float(1.0)
        .float(0.5)
        .float(1.0);
    w.0.push(0);
    w.bool(true).float(50.0);
    tail(&mut w);
    let LossRecord::Mmod(o) = parse_net(&w.0).unwrap().loss else {
        panic!()
    };
    assert_eq!(o.detector_windows.len(), 2);
    assert_eq!(o.detector_windows[0].label, "face");
    assert_eq!(o.detector_windows[1].width, 30);
    assert!(!o.assume_image_pyramid && o.use_bounding_box_regression);
    assert_eq!((o.loss_per_false_alarm, o.bbr_lambda), (2.0, 50.0));
}

#[test]
fn rejects_streams_that_are_not_networks() {
    assert!(parse_net(&[]).is_err());
    let mut w = W::default();
    w.int(1).str("loss_unknown_");
    assert!(
        parse_net(&w.0)
            .unwrap_err()
            .to_string()
            .contains("loss_unknown_")
    );
    let mut w = W::default();
    w.int(2).str("loss_metric_");
    assert!(parse_net(&w.0).is_err());
    // A tensor claiming 2^40 elements fails without allocating.
    let mut w = W::default();
    w.int(1)
        .str("loss_metric_")
        .int(3)
        .str("input_rgb_image")
        .float(0.0)
        .float(0.0)
        .float(0.0);
    w.str("con_4").int(2).int(1 << 40).int(1).int(1).int(1);
    assert!(parse_net(&w.0).is_err());
}

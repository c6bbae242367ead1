//! Each layer of `nn` against a naive reference written from dlib's
//! definitions, on small generated tensors with odd sizes, strides, padding
//! and batches.

// Test helpers fail loudly, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::panic)]

use riv_face_engine::dlib::net::{
    AffineRecord, BatchNormRecord, ConRecord, FcRecord, LayerMode, PoolRecord,
};
use riv_face_engine::nn::conv::{Conv, Epilogue};
use riv_face_engine::nn::layers::{Affine, Fc, Pool, PoolKind, add_padded, relu_inplace};
use riv_face_engine::nn::{Shape, Tensor, Threads};

/// A small deterministic generator of values in [-1, 1).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    fn vec(&mut self, len: usize) -> Vec<f32> {
        (0..len).map(|_| self.next()).collect()
    }

    fn tensor(&mut self, shape: Shape) -> Tensor {
        Tensor::from_nchw(shape, &self.vec(shape.len())).unwrap()
    }
}

fn assert_close(ours: &Tensor, expected: &Tensor, tol: f32) {
    assert_eq!(ours.shape(), expected.shape());
    for (i, (a, b)) in ours.data().iter().zip(expected.data()).enumerate() {
        assert!(
            (a - b).abs() <= tol * (1.0 + b.abs()),
            "element {i}: {a} vs {b}"
        );
    }
}

struct ConCase {
    n: usize,
    k: usize,
    nr: usize,
    nc: usize,
    filters: usize,
    fr: usize,
    fc: usize,
    stride: (usize, usize),
    pad: (usize, usize),
}

fn con_record(g: &mut Gen, c: &ConCase, bias: bool, relu: bool) -> ConRecord {
    ConRecord {
        num_filters: c.filters,
        channels: c.k,
        nr: c.fr,
        nc: c.fc,
        stride_y: c.stride.0,
        stride_x: c.stride.1,
        padding_y: c.pad.0,
        padding_x: c.pad.1,
        filters: g.vec(c.filters * c.k * c.fr * c.fc),
        biases: bias.then(|| g.vec(c.filters)),
        relu,
    }
}

/// dlib's convolution, straight from its definition.
fn naive_con(r: &ConRecord, x: &Tensor) -> Tensor {
    let s = x.shape();
    let ho = (s.nr + 2 * r.padding_y - r.nr) / r.stride_y + 1;
    let wo = (s.nc + 2 * r.padding_x - r.nc) / r.stride_x + 1;
    let mut out = Tensor::zeros(Shape::new(s.n, r.num_filters, ho, wo));
    for n in 0..s.n {
        for f in 0..r.num_filters {
            for oy in 0..ho {
                for ox in 0..wo {
                    let mut sum = 0.0f64;
                    for c in 0..s.k {
                        for dy in 0..r.nr {
                            for dx in 0..r.nc {
                                let iy = (oy * r.stride_y + dy) as isize - r.padding_y as isize;
                                let ix = (ox * r.stride_x + dx) as isize - r.padding_x as isize;
                                if iy < 0 || ix < 0 || iy >= s.nr as isize || ix >= s.nc as isize {
                                    continue;
                                }
                                let w = r.filters[((f * s.k + c) * r.nr + dy) * r.nc + dx];
                                sum += f64::from(w * x.at(n, c, iy as usize, ix as usize));
                            }
                        }
                    }
                    let mut v = sum as f32 + r.biases.as_ref().map_or(0.0, |b| b[f]);
                    if r.relu {
                        v = v.max(0.0);
                    }
                    out.set(n, f, oy, ox, v);
                }
            }
        }
    }
    out
}

#[test]
fn convolution_matches_the_definition() {
    let cases = [
        // 3×3 "same" convolution as in the ResNet blocks.
        ConCase {
            n: 1,
            k: 3,
            nr: 7,
            nc: 5,
            filters: 4,
            fr: 3,
            fc: 3,
            stride: (1, 1),
            pad: (1, 1),
        },
        // 5×5 stride 2 without padding, as in the detector, on a batch.
        ConCase {
            n: 2,
            k: 2,
            nr: 9,
            nc: 8,
            filters: 3,
            fr: 5,
            fc: 5,
            stride: (2, 2),
            pad: (0, 0),
        },
        // Odd, non-square filter, different strides and padding per axis.
        ConCase {
            n: 3,
            k: 1,
            nr: 6,
            nc: 7,
            filters: 2,
            fr: 2,
            fc: 3,
            stride: (1, 2),
            pad: (1, 2),
        },
        ConCase {
            n: 1,
            k: 2,
            nr: 4,
            nc: 4,
            filters: 5,
            fr: 4,
            fc: 4,
            stride: (3, 3),
            pad: (2, 3),
        },
        // 7×7 stride 2 on an odd size (the ResNet's first layer, scaled down).
        ConCase {
            n: 2,
            k: 3,
            nr: 15,
            nc: 15,
            filters: 4,
            fr: 7,
            fc: 7,
            stride: (2, 2),
            pad: (0, 0),
        },
        // One filter, stride 1: computed directly rather than by im2col.
        ConCase {
            n: 2,
            k: 3,
            nr: 12,
            nc: 10,
            filters: 1,
            fr: 9,
            fc: 9,
            stride: (1, 1),
            pad: (4, 4),
        },
        ConCase {
            n: 1,
            k: 2,
            nr: 6,
            nc: 9,
            filters: 1,
            fr: 3,
            fc: 5,
            stride: (1, 1),
            pad: (0, 2),
        },
        // Large enough to be computed in bands of output rows (sequentially
        // or in parallel).
        ConCase {
            n: 2,
            k: 3,
            nr: 150,
            nc: 150,
            filters: 4,
            fr: 7,
            fc: 7,
            stride: (2, 2),
            pad: (0, 0),
        },
        // Filter as large as the input: a single output.
        ConCase {
            n: 1,
            k: 2,
            nr: 3,
            nc: 3,
            filters: 2,
            fr: 3,
            fc: 3,
            stride: (1, 1),
            pad: (0, 0),
        },
    ];
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    for case in &cases {
        for (bias, relu) in [(true, false), (false, false), (true, true)] {
            let record = con_record(&mut g, case, bias, relu);
            let conv = Conv::from_record(&record).unwrap();
            let x = g.tensor(Shape::new(case.n, case.k, case.nr, case.nc));
            let expected = naive_con(&record, &x);
            for threads in [1, 2] {
                let mut out = Tensor::default();
                let mut col = Vec::new();
                conv.forward(
                    &x,
                    &mut out,
                    Epilogue::default(),
                    &mut col,
                    Threads(threads),
                )
                .unwrap();
                assert_eq!(
                    conv.output_size(case.nr, case.nc),
                    Some((expected.shape().nr, expected.shape().nc))
                );
                assert_close(&out, &expected, 1e-5);
            }
        }
    }
}

#[test]
fn fused_affine_and_relu_equal_the_separate_layers() {
    let mut g = Gen(42);
    let case = ConCase {
        n: 2,
        k: 3,
        nr: 8,
        nc: 9,
        filters: 4,
        fr: 3,
        fc: 3,
        stride: (1, 1),
        pad: (1, 1),
    };
    let conv = Conv::from_record(&con_record(&mut g, &case, true, false)).unwrap();
    let affine = Affine::new(LayerMode::Conv, g.vec(4), g.vec(4)).unwrap();
    let x = g.tensor(Shape::new(2, 3, 8, 9));
    let (mut col, mut plain, mut fused) = (Vec::new(), Tensor::default(), Tensor::default());
    conv.forward(&x, &mut plain, Epilogue::default(), &mut col, Threads(1))
        .unwrap();
    affine.forward_inplace(&mut plain).unwrap();
    relu_inplace(&mut plain);
    let epilogue = Epilogue {
        affine: Some(&affine),
        relu: true,
    };
    conv.forward(&x, &mut fused, epilogue, &mut col, Threads(1))
        .unwrap();
    // Same operations in the same order: bit for bit.
    assert_eq!(fused, plain);
}

#[test]
fn convolution_rejects_mismatched_input() {
    let mut g = Gen(7);
    let case = ConCase {
        n: 1,
        k: 3,
        nr: 5,
        nc: 5,
        filters: 2,
        fr: 3,
        fc: 3,
        stride: (1, 1),
        pad: (0, 0),
    };
    let conv = Conv::from_record(&con_record(&mut g, &case, true, false)).unwrap();
    let mut out = Tensor::default();
    let wrong_channels = g.tensor(Shape::new(1, 2, 5, 5));
    let epilogue = Epilogue::default();
    assert!(
        conv.forward(
            &wrong_channels,
            &mut out,
            epilogue,
            &mut Vec::new(),
            Threads(1)
        )
        .is_err()
    );
    let too_small = g.tensor(Shape::new(1, 3, 2, 5));
    assert!(
        conv.forward(&too_small, &mut out, epilogue, &mut Vec::new(), Threads(1))
            .is_err()
    );
    let mut bad = con_record(&mut g, &case, true, false);
    bad.filters.pop();
    assert!(Conv::from_record(&bad).is_err());
}

#[test]
fn affine_in_both_modes_and_batch_norm_folding() {
    let mut g = Gen(3);
    let x = g.tensor(Shape::new(2, 3, 2, 3));
    let (gamma, beta) = (g.vec(3), g.vec(3));
    let mut t = x.clone();
    Affine::new(LayerMode::Conv, gamma.clone(), beta.clone())
        .unwrap()
        .forward_inplace(&mut t)
        .unwrap();
    for n in 0..2 {
        for k in 0..3 {
            assert_eq!(t.at(n, k, 1, 2), x.at(n, k, 1, 2) * gamma[k] + beta[k]);
        }
    }
    let (gamma, beta) = (g.vec(18), g.vec(18));
    let mut t = x.clone();
    Affine::new(LayerMode::Fc, gamma.clone(), beta.clone())
        .unwrap()
        .forward_inplace(&mut t)
        .unwrap();
    let i = (2 * 2 + 1) * 3 + 2; // k = 2, r = 1, c = 2
    assert_eq!(t.at(1, 2, 1, 2), x.at(1, 2, 1, 2) * gamma[i] + beta[i]);
    assert!(
        Affine::new(LayerMode::Conv, vec![1.0; 2], vec![0.0; 2])
            .unwrap()
            .forward_inplace(&mut t)
            .is_err()
    );

    let bn = BatchNormRecord {
        mode: LayerMode::Conv,
        gamma: vec![2.0, 0.5],
        beta: vec![1.0, -1.0],
        running_means: vec![0.5, 4.0],
        running_variances: vec![3.0, 0.25],
        eps: 1.0,
    };
    let folded = Affine::from_batch_norm(&bn).unwrap();
    assert_eq!(folded.channel(0), (1.0, 0.5)); // 2/sqrt(4), 1 − 1·0.5
    assert_eq!(
        folded.channel(1),
        (0.5 / 1.25f32.sqrt(), -1.0 - 0.5 / 1.25f32.sqrt() * 4.0)
    );

    let disabled = AffineRecord {
        mode: LayerMode::Conv,
        gamma: vec![5.0],
        beta: vec![5.0],
        disabled: true,
    };
    assert_eq!(
        Affine::from_record(&disabled).unwrap().channel(0),
        (1.0, 0.0)
    );
}

#[test]
fn relu_clamps_negatives_only() {
    let mut t = Tensor::from_nchw(Shape::new(1, 1, 1, 4), &[-1.0, 0.0, 2.5, -0.0]).unwrap();
    relu_inplace(&mut t);
    assert_eq!(t.data(), &[0.0, 0.0, 2.5, 0.0]);
}

fn pool_record(nr: usize, nc: usize, stride: (usize, usize), pad: (usize, usize)) -> PoolRecord {
    PoolRecord {
        nr,
        nc,
        stride_y: stride.0,
        stride_x: stride.1,
        padding_y: pad.0,
        padding_x: pad.1,
    }
}

/// dlib's pooling: the window starting at `out·stride − padding`, clipped to
/// the input, reduced over the values inside only.
fn naive_pool(kind: PoolKind, p: &PoolRecord, x: &Tensor) -> Tensor {
    let s = x.shape();
    let (wr, wc) = (
        if p.nr == 0 { s.nr } else { p.nr },
        if p.nc == 0 { s.nc } else { p.nc },
    );
    let ho = (s.nr + 2 * p.padding_y - wr) / p.stride_y + 1;
    let wo = (s.nc + 2 * p.padding_x - wc) / p.stride_x + 1;
    let mut out = Tensor::zeros(Shape::new(s.n, s.k, ho, wo));
    for n in 0..s.n {
        for k in 0..s.k {
            for oy in 0..ho {
                for ox in 0..wo {
                    let mut vals = Vec::new();
                    for y in 0..wr {
                        for xx in 0..wc {
                            let iy = (oy * p.stride_y + y) as isize - p.padding_y as isize;
                            let ix = (ox * p.stride_x + xx) as isize - p.padding_x as isize;
                            if iy >= 0 && ix >= 0 && (iy as usize) < s.nr && (ix as usize) < s.nc {
                                vals.push(x.at(n, k, iy as usize, ix as usize));
                            }
                        }
                    }
                    let v = match kind {
                        PoolKind::Max => vals.iter().cloned().fold(f32::NEG_INFINITY, f32::max),
                        PoolKind::Avg => vals.iter().sum::<f32>() / vals.len() as f32,
                    };
                    out.set(n, k, oy, ox, v);
                }
            }
        }
    }
    out
}

#[test]
fn pooling_matches_the_definition_with_clipped_windows() {
    let mut g = Gen(11);
    let geometries = [
        pool_record(3, 3, (2, 2), (0, 0)),
        pool_record(2, 2, (2, 2), (0, 0)),
        pool_record(3, 3, (1, 1), (1, 1)),
        pool_record(3, 2, (2, 1), (1, 1)),
        pool_record(0, 0, (1, 1), (0, 0)),
    ];
    for shape in [
        Shape::new(1, 2, 7, 7),
        Shape::new(2, 3, 8, 5),
        Shape::new(3, 1, 9, 4),
    ] {
        let x = g.tensor(shape);
        for p in &geometries {
            for kind in [PoolKind::Max, PoolKind::Avg] {
                let mut out = Tensor::default();
                Pool::new(kind, *p).forward(&x, &mut out).unwrap();
                assert_close(&out, &naive_pool(kind, p, &x), 1e-6);
            }
        }
    }
    // The mean of a clipped corner window counts only the values inside.
    let x = Tensor::from_nchw(Shape::new(1, 1, 2, 2), &[1.0, 2.0, 3.0, 4.0]).unwrap();
    let mut out = Tensor::default();
    Pool::new(PoolKind::Avg, pool_record(3, 3, (1, 1), (1, 1)))
        .forward(&x, &mut out)
        .unwrap();
    assert_eq!(out.data(), &[2.5; 4]);
    assert!(
        Pool::new(PoolKind::Max, pool_record(5, 5, (1, 1), (0, 0)))
            .forward(&x, &mut out)
            .is_err()
    );
}

#[test]
fn add_of_different_shapes_zero_pads_to_the_larger() {
    let mut g = Gen(5);
    // The ResNet's downsampling shortcut: 32 pooled channels of 4×4 plus a
    // 64-channel 3×3 block output; here scaled down, batched.
    let a = g.tensor(Shape::new(2, 2, 4, 4));
    let b = g.tensor(Shape::new(2, 3, 3, 3));
    for relu in [false, true] {
        for (x, y) in [(&a, &b), (&b, &a)] {
            let mut out = Tensor::default();
            add_padded(x, y, &mut out, relu);
            assert_eq!(out.shape(), Shape::new(2, 3, 4, 4));
            for n in 0..2 {
                for k in 0..3 {
                    for r in 0..4 {
                        for c in 0..4 {
                            let va = if k < 2 { a.at(n, k, r, c) } else { 0.0 };
                            let vb = if r < 3 && c < 3 {
                                b.at(n, k, r, c)
                            } else {
                                0.0
                            };
                            let v = va + vb;
                            assert_eq!(out.at(n, k, r, c), if relu { v.max(0.0) } else { v });
                        }
                    }
                }
            }
        }
    }
    let c = g.tensor(Shape::new(2, 2, 4, 4));
    let mut out = Tensor::default();
    add_padded(&a, &c, &mut out, false);
    assert_eq!(out.data()[5], a.data()[5] + c.data()[5]);
}

#[test]
fn fully_connected_matches_the_definition() {
    let mut g = Gen(13);
    let x = g.tensor(Shape::new(3, 2, 2, 3));
    for bias in [false, true] {
        let record = FcRecord {
            num_inputs: 12,
            num_outputs: 5,
            weights: g.vec(60),
            biases: bias.then(|| g.vec(5)),
        };
        let out = Fc::from_record(&record).unwrap().forward(&x).unwrap();
        let flat = x.to_nchw();
        for n in 0..3 {
            for o in 0..5 {
                let mut v: f32 = (0..12)
                    .map(|i| flat[n * 12 + i] * record.weights[i * 5 + o])
                    .sum();
                v += record.biases.as_ref().map_or(0.0, |b| b[o]);
                assert!((out[n][o] - v).abs() < 1e-5, "{} vs {v}", out[n][o]);
            }
        }
    }
    let record = FcRecord {
        num_inputs: 11,
        num_outputs: 5,
        weights: g.vec(55),
        biases: None,
    };
    assert!(Fc::from_record(&record).unwrap().forward(&x).is_err());
}

#[test]
fn tensor_layout_round_trips() {
    let data: Vec<f32> = (0..24).map(|i| i as f32).collect();
    let t = Tensor::from_nchw(Shape::new(2, 3, 2, 2), &data).unwrap();
    assert_eq!(t.to_nchw(), data);
    assert_eq!(t.at(1, 2, 1, 0), 22.0);
    // Channel-major storage: channel 0 of both samples first.
    assert_eq!(
        &t.data()[..8],
        &[0.0, 1.0, 2.0, 3.0, 12.0, 13.0, 14.0, 15.0]
    );
    assert!(Tensor::from_nchw(Shape::new(2, 3, 2, 2), &data[1..]).is_err());
}

//! Shape predictor tests on hand-built models, and the transforms against
//! bit patterns computed by dlib 20.0.1's own code on the same inputs.

use super::transform::rotate_point;
use super::*;
use crate::svd::{Mat, pinv, svd3};

/// Writes dlib's serialisation primitives.
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn int(&mut self, v: i64) -> &mut Self {
        let mut m = v.unsigned_abs();
        let mut bytes = Vec::new();
        loop {
            bytes.push((m & 0xff) as u8);
            m >>= 8;
            if m == 0 {
                break;
            }
        }
        self.0
            .push(bytes.len() as u8 | if v < 0 { 0x80 } else { 0 });
        self.0.extend(bytes);
        self
    }

    /// `float_details`: an integer mantissa and a power-of-two exponent.
    fn float(&mut self, v: f32) -> &mut Self {
        if v == 0.0 {
            return self.int(0).int(0);
        }
        let bits = v.to_bits();
        let mantissa = i64::from((bits & 0x7f_ffff) | 0x80_0000);
        let exponent = i64::from((bits >> 23) & 0xff) - 150;
        self.int(if v < 0.0 { -mantissa } else { mantissa })
            .int(exponent)
    }

    /// `matrix<float,0,1>` in the current format (negative dimensions).
    fn column(&mut self, v: &[f32]) -> &mut Self {
        self.int(-(v.len() as i64)).int(-1);
        for x in v {
            self.float(*x);
        }
        self
    }
}

const INITIAL: [f32; 10] = [0.2, 0.5, 0.8, 0.5, 0.3, 0.3, 0.7, 0.3, 0.5, 0.7];

/// A one-level model: tree 1 compares the pixels under landmarks 0 and 1
/// (left when `p0 - p1 > 10`) and moves every x by +0.1 (left) or -0.1
/// (right); tree 2 is a single leaf moving every y by +0.05.
fn tiny_model(split_idx: u64, leaf_count: i64, initial: &[f32]) -> Vec<u8> {
    let n = initial.len();
    let shift = |dx: f32, dy: f32| -> Vec<f32> {
        (0..n).map(|i| if i % 2 == 0 { dx } else { dy }).collect()
    };
    let mut w = Writer::default();
    w.int(1).column(initial);
    w.int(1).int(2); // one level, two trees
    w.int(1).int(0).int(split_idx as i64).float(10.0);
    w.int(leaf_count);
    w.column(&shift(0.1, 0.0)).column(&shift(-0.1, 0.0));
    for _ in 2..leaf_count {
        w.column(&shift(0.0, 0.0));
    }
    w.int(0).int(1).column(&shift(0.0, 0.05));
    w.int(1).int(2).int(0).int(1); // anchors
    w.int(1).int(2); // deltas
    for _ in 0..2 {
        w.float(0.0).float(0.0);
    }
    w.0
}

/// 100×100, left half grey level 200, right half black.
fn half_bright() -> RgbImage {
    let mut img = RgbImage::new(100, 100);
    for y in 0..100 {
        for x in 0..50 {
            img.put(x, y, [190, 200, 210]);
        }
    }
    img
}

fn expected(dx: f32, dy: f32, rect: &Rect) -> [Point; NUM_PARTS] {
    let (w, h) = (
        (rect.right - rect.left) as f64,
        (rect.bottom - rect.top) as f64,
    );
    std::array::from_fn(|i| {
        let x = f64::from(INITIAL[2 * i] + dx);
        let y = f64::from(INITIAL[2 * i + 1] + dy);
        Point::new(rect.left as f64 + x * w, rect.top as f64 + y * h)
    })
}

fn assert_close(got: &[Point; NUM_PARTS], want: &[Point; NUM_PARTS]) {
    for (g, w) in got.iter().zip(want) {
        assert!(g.distance(w) < 1e-9, "{got:?} vs {want:?}");
    }
}

#[test]
fn trees_are_walked_and_leaves_summed() {
    let sp = ShapePredictor::from_dat_bytes(&tiny_model(1, 2, &INITIAL)).unwrap();
    let rect = Rect::new(0, 0, 99, 99);
    // Landmark 0 samples the bright half (intensity 200), landmark 1 the
    // dark half: 200 - 0 > 10, so the left leaf (+0.1) is taken.
    let img = half_bright();
    assert_close(&sp.predict(&img, &rect), &expected(0.1, 0.05, &rect));
    // Mirrored, 0 - 200 <= 10: the right leaf.
    assert_close(
        &sp.predict(&img.flip_horizontal(), &rect),
        &expected(-0.1, 0.05, &rect),
    );
    // Grey input takes the same path.
    assert_close(
        &sp.predict_gray(&img.to_gray(), &rect),
        &expected(0.1, 0.05, &rect),
    );
}

#[test]
fn samples_outside_the_image_read_zero() {
    let sp = ShapePredictor::from_dat_bytes(&tiny_model(1, 2, &INITIAL)).unwrap();
    // Shifted left so landmark 0 falls outside (reads 0) and landmark 1
    // lands on the bright half: 0 - 200 <= 10, the right leaf.
    let rect = Rect::new(-60, 0, 39, 99);
    assert_close(
        &sp.predict(&half_bright(), &rect),
        &expected(-0.1, 0.05, &rect),
    );
}

#[test]
fn intensity_is_the_truncated_rgb_mean() {
    let img = RgbImage::from_raw(1, 1, vec![10, 20, 32]).unwrap();
    assert_eq!(Intensity::intensity(&img, 0, 0), 20);
}

#[test]
fn corrupt_models_are_format_errors() {
    let good = tiny_model(1, 2, &INITIAL);
    assert!(ShapePredictor::from_dat_bytes(&good).is_ok());
    for cut in 0..good.len() {
        assert!(
            matches!(
                ShapePredictor::from_dat_bytes(&good[..cut]),
                Err(ModelError::Format { .. })
            ),
            "cut at {cut}"
        );
    }
    let mut trailing = good.clone();
    trailing.push(0);
    assert!(ShapePredictor::from_dat_bytes(&trailing).is_err());
    let mut version = good.clone();
    version[1] = 2;
    assert!(ShapePredictor::from_dat_bytes(&version).is_err());
    // A split comparing a feature pixel the level does not have.
    assert!(ShapePredictor::from_dat_bytes(&tiny_model(2, 2, &INITIAL)).is_err());
    // Three leaves under one split is not a complete tree.
    assert!(ShapePredictor::from_dat_bytes(&tiny_model(1, 3, &INITIAL)).is_err());
    // A predictor of four landmarks is not the 5-point model.
    let err = ShapePredictor::from_dat_bytes(&tiny_model(1, 2, &INITIAL[..8])).unwrap_err();
    assert!(err.to_string().contains("expected 5"), "{err}");
    // An absurd level count fails before allocating.
    let mut w = Writer::default();
    w.int(1).column(&INITIAL).int(1 << 40);
    assert!(ShapePredictor::from_dat_bytes(&w.0).is_err());
}

#[test]
fn rounding_follows_dlib() {
    assert_eq!(round_part(Point::new(0.5, -0.5)), (1, 0));
    assert_eq!(round_part(Point::new(-1.5, 2.4999)), (-1, 2));
    let parts = [Point::new(10.49, 3.5); NUM_PARTS];
    assert_eq!(round_parts(&parts)[4], Point::new(10.0, 4.0));
}

/// Bit patterns of dlib's results (`m00 m01 m10 m11 b0 b1`).
fn bits(t: &AffineTransform) -> [u64; 6] {
    [t.m[0][0], t.m[0][1], t.m[1][0], t.m[1][1], t.b[0], t.b[1]].map(f64::to_bits)
}

#[test]
fn transforms_match_dlib_bit_for_bit() {
    // unnormalizing_tform(rectangle(12, 34, 221, 243)): the pseudo-inverse
    // leaves its rounding in the off-diagonal terms, and so must we.
    assert_eq!(
        bits(&unnormalizing_transform(&Rect::new(12, 34, 221, 243))),
        [
            0x406a1ffffffffffd,
            0x3d48000000000000,
            0xbd18000000000000,
            0x406a200000000002,
            0x4028000000000021,
            0x4041000000000005
        ]
    );
    let p = |x: f64, y: f64| Point::new(x, y);
    let from = [p(0.0, 0.0), p(149.0, 0.0), p(0.0, 149.0)];
    let to = [p(10.5, 20.25), p(160.125, 30.5), p(5.75, 170.0)];
    assert_eq!(
        bits(&find_affine_transform(&from, &to)),
        [
            0x3ff0112e63a6a860,
            0xbfa0527844b98e99,
            0x3fb19c59579fc90b,
            0x3ff0149e112e63a6,
            0x4024fffffffffffe,
            0x40343ffffffffffe
        ]
    );
    let f4 = [p(1.0, 2.0), p(3.5, -1.0), p(-2.0, 0.25), p(4.0, 4.0)];
    let t4 = [p(10.0, 20.0), p(14.0, 13.0), p(3.0, 17.0), p(19.0, 30.0)];
    assert_eq!(
        bits(&find_affine_transform(&f4, &t4)),
        [
            0x4001bc08c04e919b,
            0x3fe72603fdd530b8,
            0x3fc6b8b8bc3f2dd0,
            0x40098f5f75f4bd18,
            0x401bcafc3c1b2fb6,
            0x402f0943fc84174e
        ]
    );
    assert_eq!(
        bits(&find_similarity_transform(&f4, &t4)),
        [
            0x4005d008ae804574,
            0x3f984f00c2780592,
            0xbf984f00c2780592,
            0x4005d008ae804574,
            0x401c271141388a0b,
            0x403075beabadf55d
        ]
    );
    // A mirrored target: dlib keeps a rotation (no reflection).
    let mirrored = [p(1.0, -2.0), p(3.5, 1.0), p(-2.0, -0.25), p(4.0, -4.0)];
    assert_eq!(
        bits(&find_similarity_transform(&f4, &mirrored)),
        [
            0x3fcd9264ec932762,
            0x3fd2fdb897edc4be,
            0xbfd2fdb897edc4be,
            0x3fcd9264ec932763,
            0x3feb8605dc302ee3,
            0xbff222f191178c89
        ]
    );
}

#[test]
fn similarity_transform_recovers_a_known_one() {
    let (angle, scale, t) = (-0.3f64, 2.5f64, Point::new(40.0, -7.0));
    let from: Vec<Point> = (0..5)
        .map(|i| Point::new(f64::from(i * 13 % 7), f64::from(i * i)))
        .collect();
    let to: Vec<Point> = from
        .iter()
        .map(|q| {
            let r = rotate_point(Point::default(), *q, angle);
            Point::new(r.x * scale + t.x, r.y * scale + t.y)
        })
        .collect();
    let found = find_similarity_transform(&from, &to);
    for (f, want) in from.iter().zip(&to) {
        assert!(found.apply(*f).distance(want) < 1e-9);
    }
    assert!((found.m[1][0].atan2(found.m[0][0]) - angle).abs() < 1e-12);
    // Too few points: the identity.
    assert_eq!(
        find_similarity_transform(&from[..1], &to[..1]),
        AffineTransform::IDENTITY
    );
    assert_eq!(
        find_affine_transform(&from[..2], &to[..2]),
        AffineTransform::IDENTITY
    );
}

#[test]
fn svd_reconstructs_and_pinv_inverts() {
    let a = Mat {
        rows: 3,
        cols: 3,
        data: vec![2.0, -1.0, 0.5, 0.0, 3.0, 1.0, 4.0, 1.0, -2.0],
    };
    let dec = svd3(&a);
    let mut us = dec.u.clone();
    for r in 0..3 {
        for c in 0..3 {
            *us.at_mut(r, c) *= dec.w[c];
        }
    }
    let back = us.mul(&dec.v.transpose());
    for (x, y) in back.data.iter().zip(&a.data) {
        assert!((x - y).abs() < 1e-12);
    }
    assert!(dec.w.iter().all(|q| *q >= 0.0));
    let identity = a.mul(&pinv(&a));
    for r in 0..3 {
        for c in 0..3 {
            let want = if r == c { 1.0 } else { 0.0 };
            assert!((identity.at(r, c) - want).abs() < 1e-12);
        }
    }
    // A rank-deficient matrix: pinv zeroes the null direction.
    let singular = Mat {
        rows: 2,
        cols: 2,
        data: vec![1.0, 2.0, 2.0, 4.0],
    };
    let p = pinv(&singular);
    let spp = singular.mul(&p).mul(&singular);
    for (x, y) in spp.data.iter().zip(&singular.data) {
        assert!((x - y).abs() < 1e-12);
    }
    // NaN input ends without panicking.
    let nan = Mat {
        rows: 2,
        cols: 2,
        data: vec![f64::NAN, 1.0, 0.0, 1.0],
    };
    let _ = svd3(&nan);
}

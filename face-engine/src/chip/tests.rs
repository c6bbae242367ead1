//! Chip tests on a generated image. Expected hashes (FNV-1a of the chip's
//! RGB bytes) and chip details (as `f64` bit patterns) were produced by
//! dlib 20.0.1's `extract_image_chip(s)`, `get_face_chip_details` and
//! `get_face_chip` on the same image.

use super::*;

/// Gradients alternating with flat blocks (flat areas expose dlib's
/// truncating interpolation), 400×300.
fn pattern() -> RgbImage {
    let (w, h) = (400u32, 300u32);
    let mut img = RgbImage::new(w, h);
    for y in 0..h {
        for x in 0..w {
            let base = ((x * 7 + y * 3) / 5) % 256;
            let flat = ((x / 6 + y / 4) % 3) * 100;
            let v = if (x / 9 + y / 7) % 2 == 0 { base } else { flat } as u8;
            img.put(x, y, [v, (u32::from(v) * 3 % 256) as u8, 255 - v]);
        }
    }
    img
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

/// (rect, rows, cols, angle, hash of dlib's single-chip extraction)
type ChipCase = ((f64, f64, f64, f64), u32, u32, f64, u64);

const CASES: [ChipCase; 6] = [
    // No rotation, same size: dlib's plain copy.
    (
        (50.0, 40.0, 149.0, 139.0),
        100,
        100,
        0.0,
        4597409603139183153,
    ),
    // Scaling only.
    ((50.0, 40.0, 149.0, 139.0), 60, 80, 0.0, 2335953902676311612),
    // Rotated and small enough to cut from a pyramid level.
    (
        (50.5, 40.25, 250.75, 200.5),
        50,
        50,
        0.3,
        10627240344069252889,
    ),
    // Partly outside the image: black there.
    (
        (-30.0, -20.0, 120.0, 130.0),
        40,
        40,
        -0.7,
        7148254036278271054,
    ),
    // Nearly the whole image into a tiny chip: several pyramid levels.
    ((10.0, 10.0, 389.0, 289.0), 30, 40, 1.2, 8228478671704216659),
    // Upscaling.
    (
        (100.0, 100.0, 110.0, 110.0),
        50,
        50,
        0.1,
        485350713572456441,
    ),
];

fn details(case: &ChipCase) -> ChipDetails {
    let ((l, t, r, b), rows, cols, angle, _) = *case;
    ChipDetails {
        rect: DRect::new(l, t, r, b),
        angle,
        rows,
        cols,
    }
}

#[test]
fn single_chips_match_dlib() {
    let img = pattern();
    for case in &CASES {
        let chip = extract_image_chip(&img, &details(case));
        assert_eq!((chip.height(), chip.width()), (case.1, case.2));
        assert_eq!(fnv1a(chip.pixels()), case.4, "{case:?}");
    }
}

#[test]
fn batch_extraction_shares_dlibs_pyramid() {
    // dlib cuts a batch from one pyramid over the area all chips cover, so
    // chips whose source grid shifts come out different from single cuts.
    let img = pattern();
    let batch: Vec<ChipDetails> = CASES[1..].iter().map(details).collect();
    let want = [
        4513047367851528812u64,
        9818491066228780051,
        7148254036278271054,
        8228478671704216659,
        485350713572456441,
    ];
    let got: Vec<u64> = extract_image_chips(&img, &batch)
        .iter()
        .map(|c| fnv1a(c.pixels()))
        .collect();
    assert_eq!(got, want);
}

/// (landmarks, size, padding, chip details as bits, chip hash)
type FaceCase = ([(i32, i32); 5], u32, f64, [u64; 5], u64);

#[test]
fn face_chip_details_and_chips_match_dlib() {
    let img = pattern();
    let cases: [FaceCase; 2] = [
        (
            [(130, 80), (110, 82), (60, 79), (80, 81), (96, 120)],
            150,
            0.25,
            [
                0x4038d9547592f184,
                0x404208d7062aed04,
                0x4064e8767b74aaaa,
                0x40664f81ae4d07bb,
                0x3f73e8c6b295ae19,
            ],
            14466611150964021624,
        ),
        (
            [(300, 210), (280, 200), (225, 170), (245, 178), (255, 230)],
            200,
            0.5,
            [
                0x4061bb1e69b3cb32,
                0x405ac009d802cce0,
                0x4076c36ff0b7e811,
                0x407495e331deb5b0,
                0x3fdada60071e1a37,
            ],
            2556096571290687336,
        ),
    ];
    for (points, size, padding, bits, hash) in cases {
        let parts = points.map(|(x, y)| Point::new(f64::from(x), f64::from(y)));
        let d = get_face_chip_details(&parts, size, padding);
        let got = [
            d.rect.left,
            d.rect.top,
            d.rect.right,
            d.rect.bottom,
            d.angle,
        ]
        .map(f64::to_bits);
        assert_eq!(got, bits, "{points:?}");
        assert_eq!((d.rows, d.cols), (size, size));
        assert_eq!(fnv1a(face_chip(&img, &parts, size, padding).pixels()), hash);
    }
}

#[test]
fn chip_coordinates_map_back_to_the_landmarks() {
    // Landmarks that are an exact similarity image of the mean face: the
    // chip must undo the rotation and scale, and the mean-face positions in
    // the chip must map back onto the landmarks.
    let (angle, scale, tx, ty) = (0.4f64, 1.7f64, 210.0, 95.0);
    let (size, padding) = (150u32, 0.25);
    let s = f64::from(size);
    let chip_points =
        MEAN_FACE.map(|(x, y)| Point::new((x + padding) / 1.5 * s, (y + padding) / 1.5 * s));
    let landmarks = chip_points.map(|p| {
        Point::new(
            scale * (angle.cos() * p.x - angle.sin() * p.y) + tx,
            scale * (angle.sin() * p.x + angle.cos() * p.y) + ty,
        )
    });
    let d = get_face_chip_details(&landmarks, size, padding);
    assert!((d.angle - angle).abs() < 1e-9);
    assert!((d.scale() - scale).abs() < 1e-9);
    for (c, l) in chip_points.iter().zip(&landmarks) {
        // dlib samples corner to corner, size - 1 chip pixels over
        // size·scale - 1 image pixels, which shifts chip pixels by up to
        // about half a chip pixel from the similarity map: the landmarks
        // come back within one chip pixel (`scale` image pixels).
        assert!(d.to_image(*c).distance(l) < scale, "{c:?} -> {l:?}");
        // image_to_chip undoes chip_to_image.
        assert!(d.image_to_chip().apply(d.to_image(*c)).distance(c) < 1e-9);
    }
}

#[test]
fn bilinear_sampling_truncates_like_dlib() {
    // A flat grey image sampled off-grid: dlib's interpolation truncates, so
    // a weighted sum landing a hair under 100 gives 99.
    let img = RgbImage::from_raw(4, 4, vec![100; 48]).unwrap();
    let map = AffineTransform {
        m: [[1.0, 0.0], [0.0, 1.0]],
        b: [0.1, 0.7],
    };
    let chip = sample(&img, &map, 3, 3);
    // (1 - 0.7)·((1 - 0.1)·100 + 0.1·100) + 0.7·(...) in f64.
    let lr = 0.1f64;
    let tb = 0.7f64;
    let v = (1.0 - tb) * ((1.0 - lr) * 100.0 + lr * 100.0) + tb * ((1.0 - lr) * 100.0 + lr * 100.0);
    assert_eq!(chip.get(0, 0)[0], v as u8);
    // A ramp is interpolated linearly (then truncated).
    let ramp =
        RgbImage::from_raw(2, 2, vec![0, 0, 0, 200, 200, 200, 0, 0, 0, 200, 200, 200]).unwrap();
    let half = AffineTransform {
        m: [[0.0, 0.0], [0.0, 0.0]],
        b: [0.25, 0.5],
    };
    assert_eq!(sample(&ramp, &half, 1, 1).get(0, 0), [50, 50, 50]);
    // Samples needing a pixel outside the source are black.
    let outside = AffineTransform {
        m: [[1.0, 0.0], [0.0, 1.0]],
        b: [1.5, 0.0],
    };
    assert_eq!(sample(&ramp, &outside, 1, 1).get(0, 0), [0, 0, 0]);
}

#[test]
fn degenerate_inputs_do_not_panic() {
    let img = pattern();
    let parts = [Point::new(5.0, 5.0); 5];
    let chip = face_chip(&img, &parts, 150, 0.25);
    assert_eq!((chip.width(), chip.height()), (150, 150));
    assert_eq!(face_chip(&img, &parts, 0, 0.25).width(), 0);
    let nan = [Point::new(f64::NAN, 1.0); 5];
    assert_eq!(face_chip(&img, &nan, 20, 0.25).width(), 20);
    let far = [Point::new(1e6, -1e6); 5];
    assert!(
        face_chip(&img, &far, 20, 0.25)
            .pixels()
            .iter()
            .all(|p| *p == 0)
    );
    assert!(extract_image_chips(&img, &[]).is_empty());
    assert_eq!(
        face_chip(&RgbImage::new(0, 0), &parts, 10, 0.25).width(),
        10
    );
}

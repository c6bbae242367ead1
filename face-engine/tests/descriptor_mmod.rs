//! The MMOD detector network: the tensor pyramid's bilinear resize against
//! a reference, the real model (loads, reads its options, runs on synthetic
//! images), and its boxes against dlib's `cnn_face_detection_model_v1` on
//! photos of the shared test data (`tests/fixtures/mmod_reference.json`).
//!
//! The model comes from `RIV_MODEL_DIR` (default `~/.cache/riv/models`);
//! the photos from `RIV_TESTDATA` (default `../shared/testdata`). Without
//! them the tests print why and pass, except under `CI=true`.

// Test helpers fail loudly, like the tests themselves.
#![allow(clippy::unwrap_used, clippy::panic)]

mod support;

use riv_face_engine::image::RgbImage;
use riv_face_engine::nn::MmodNet;
use riv_face_engine::nn::resize::{Window, resize_bilinear_in_place};
use support::require_model_files;

const MODEL: &str = "mmod_human_face_detector.dat";

fn window(offset: usize, width: usize, height: usize, stride: usize) -> Window {
    Window {
        offset,
        width,
        height,
        stride,
    }
}

/// Bilinear interpolation in double precision, sampling the source at
/// `c·(w_in − 1)/(w_out − 1)`, as dlib's `resize_image` does.
fn reference(src: &[f32], sw: usize, sh: usize, dw: usize, dh: usize) -> Vec<f32> {
    let xs = (sw - 1) as f64 / (dw - 1).max(1) as f64;
    let ys = (sh - 1) as f64 / (dh - 1).max(1) as f64;
    let mut out = Vec::new();
    for r in 0..dh {
        let y = r as f64 * ys;
        let (t, fy) = (y.floor() as usize, y - y.floor());
        let b = (t + 1).min(sh - 1);
        for c in 0..dw {
            let x = c as f64 * xs;
            let (l, fx) = (x.floor() as usize, x - x.floor());
            let rt = (l + 1).min(sw - 1);
            let v = |r: usize, c: usize| f64::from(src[r * sw + c]);
            let top = (1.0 - fx) * v(t, l) + fx * v(t, rt);
            let bottom = (1.0 - fx) * v(b, l) + fx * v(b, rt);
            out.push(((1.0 - fy) * top + fy * bottom) as f32);
        }
    }
    out
}

#[test]
fn tensor_resize_is_bilinear() {
    // Source in the top-left of a wide plane, destination beside it, as in
    // the tiled pyramid.
    for (sw, sh, dw, dh) in [
        (30, 20, 25, 16),
        (17, 9, 14, 7),
        (6, 6, 5, 5),
        (40, 3, 33, 2),
        (9, 9, 9, 9),
    ] {
        let stride = sw + dw + 3;
        let mut plane = vec![0.0f32; stride * sh.max(dh)];
        for r in 0..sh {
            for c in 0..sw {
                plane[r * stride + c] = ((r * 7 + c * 13) % 17) as f32 / 17.0 - 0.4;
            }
        }
        let src: Vec<f32> = (0..sh)
            .flat_map(|r| plane[r * stride..r * stride + sw].to_vec())
            .collect();
        resize_bilinear_in_place(
            &mut plane,
            window(0, sw, sh, stride),
            window(sw + 2, dw, dh, stride),
        );
        let expected = reference(&src, sw, sh, dw, dh);
        for r in 0..dh {
            for c in 0..dw {
                let (got, want) = (plane[r * stride + sw + 2 + c], expected[r * dw + c]);
                assert!(
                    (got - want).abs() < 1e-5,
                    "{sw}x{sh}->{dw}x{dh} at ({r},{c}): {got} vs {want}"
                );
            }
        }
        // The source and the gap are untouched.
        assert_eq!(plane[sw + 1], 0.0);
        assert_eq!(plane[..sw], src[..sw]);
    }
}

fn load() -> Option<MmodNet> {
    let dir = require_model_files(&[MODEL])?;
    Some(MmodNet::from_dat_bytes(&std::fs::read(dir.join(MODEL)).unwrap()).unwrap())
}

#[test]
fn model_loads_with_its_options() {
    let Some(net) = load() else { return };
    let o = net.options();
    assert_eq!(o.detector_windows.len(), 1);
    assert_eq!(
        (o.detector_windows[0].width, o.detector_windows[0].height),
        (80, 80)
    );
    assert!((o.overlaps_nms.iou_thresh - 0.338).abs() < 1e-3);
    assert_eq!(o.overlaps_nms.percent_covered_thresh, 1.0);
    assert!(!o.use_bounding_box_regression);
}

#[test]
fn runs_on_synthetic_images() {
    let Some(net) = load() else { return };
    let mut img = RgbImage::new(160, 120);
    for (i, p) in img.pixels_mut().iter_mut().enumerate() {
        *p = ((i * 31) % 253) as u8;
    }
    let map = net.score_map(&img).unwrap();
    let s = map.scores.shape();
    assert_eq!((s.n, s.k), (1, 1));
    // Three 5×5 stride-2 layers without padding shrink the pyramid; the
    // padded layers after them keep the size.
    let down = |x: usize| (x - 5) / 2 + 1;
    assert_eq!(s.nc, down(down(down(map.pyramid.width as usize))));
    assert_eq!(s.nr, down(down(down(map.pyramid.height as usize))));
    assert!(map.scores.data().iter().all(|v| v.is_finite()));
    let first = net.detect(&img, 0.0).unwrap();
    assert_eq!(net.detect(&img, 0.0).unwrap(), first);
    // With a very low threshold every position is a candidate; suppression
    // still leaves boxes that do not overlap.
    let many = net.detect(&img, -1e9).unwrap();
    assert!(!many.is_empty());
    assert!(many.windows(2).all(|w| w[0].score >= w[1].score));
    // Too small for the network: no faces, not an error.
    assert!(net.detect(&RgbImage::new(20, 20), 0.0).unwrap().is_empty());
}

#[test]
fn descriptor_model_is_not_a_detector() {
    let Some(dir) = require_model_files(&[MODEL, support::RECOGNITION_MODEL]) else {
        return;
    };
    let bytes = std::fs::read(dir.join(support::RECOGNITION_MODEL)).unwrap();
    let err = MmodNet::from_dat_bytes(&bytes).unwrap_err().to_string();
    assert!(err.contains("mmod_human_face_detector"), "{err}");
}

/// `tests/fixtures/mmod_reference.json`: dlib's detections on photos of the
/// shared test data, computed on the pixels riv decodes.
#[derive(serde::Deserialize)]
struct Reference {
    images: Vec<ReferenceImage>,
}

#[derive(serde::Deserialize)]
struct ReferenceImage {
    path: String,
    pixels_sha256: String,
    detections: Vec<ReferenceDetection>,
}

#[derive(serde::Deserialize)]
struct ReferenceDetection {
    rect: [i64; 4],
    score: f64,
}

#[test]
fn boxes_equal_dlib_on_photos() {
    let Some(net) = load() else { return };
    let Some(testdata) = support::require_testdata() else {
        return;
    };
    let text =
        std::fs::read_to_string(support::crate_dir().join("tests/fixtures/mmod_reference.json"))
            .unwrap();
    let reference: Reference = serde_json::from_str(&text).unwrap();
    let mut faces = 0;
    for image in &reference.images {
        let bytes = std::fs::read(testdata.join(&image.path)).unwrap();
        let img = riv_face_engine::image::decode(&bytes, &Default::default()).unwrap();
        assert_eq!(
            support::sha256_hex(img.pixels()),
            image.pixels_sha256,
            "{}: decoded pixels differ from the ones the reference was made on",
            image.path
        );
        let ours = net.detect(&img, 0.0).unwrap();
        assert_eq!(
            ours.len(),
            image.detections.len(),
            "{}: {ours:?}",
            image.path
        );
        for (o, d) in ours.iter().zip(&image.detections) {
            let r = o.rect;
            assert_eq!([r.left, r.top, r.right, r.bottom], d.rect, "{}", image.path);
            assert!(
                (o.score - d.score).abs() < 1e-4,
                "{}: score {} vs {}",
                image.path,
                o.score,
                d.score
            );
        }
        faces += ours.len();
    }
    assert!(faces >= 10, "only {faces} faces in the reference");
}

//! Any image gives the HOG detector a result, never a panic: empty, tiny,
//! one pixel wide or high, flat, noisy, large, upsampled many times, with
//! extreme threshold adjustments.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod hog_support;
mod support;

use riv_face_engine::hog::HogDetector;
use riv_face_engine::image::{GrayImage, RgbImage};

fn noise(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut state = seed;
    (0..u64::from(width) * u64::from(height))
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 56) as u8
        })
        .collect()
}

fn gray(width: u32, height: u32, seed: u64) -> GrayImage {
    GrayImage::from_raw(width, height, noise(width, height, seed)).unwrap()
}

fn rgb(width: u32, height: u32, seed: u64) -> RgbImage {
    RgbImage::from_raw(width, height, noise(width * 3, height, seed)).unwrap()
}

fn detector() -> Option<HogDetector> {
    hog_support::detector()
}

#[test]
fn tiny_and_degenerate_sizes() {
    let Some(detector) = detector() else { return };
    let sizes = [
        (0, 0),
        (0, 7),
        (7, 0),
        (1, 1),
        (1, 2000),
        (2000, 1),
        (2, 2),
        (3, 3),
        (19, 19),
        (20, 20),
        (23, 100),
        (79, 81),
        (80, 80),
        (97, 3),
    ];
    for (i, &(w, h)) in sizes.iter().enumerate() {
        for upsample in 0..3 {
            let found = detector.detect(&gray(w, h, i as u64), upsample, 0.0);
            assert!(found.iter().all(|d| d.score >= 0.0), "{w}x{h}");
            let found = detector.detect(&rgb(w, h, i as u64), upsample, -0.5);
            assert!(found.iter().all(|d| d.score >= -0.5), "{w}x{h}");
        }
    }
}

#[test]
fn flat_and_extreme_thresholds() {
    let Some(detector) = detector() else { return };
    let flat = GrayImage::from_raw(200, 150, vec![128; 200 * 150]).unwrap();
    assert!(detector.detect(&flat, 0, 0.0).is_empty());
    // Every window passes: equal scores everywhere, suppression still ends
    // with windows that do not overlap each other.
    let all = detector.detect(&flat, 0, -1e9);
    assert!(!all.is_empty());
    for (i, a) in all.iter().enumerate() {
        for b in &all[..i] {
            assert!(!detector.overlap_tester().overlaps(&a.rect, &b.rect));
        }
    }
    assert!(detector.detect(&flat, 1, f64::INFINITY).is_empty());
    assert!(detector.detect(&flat, 1, f64::NAN).is_empty());
    let noisy = rgb(160, 120, 3);
    let _ = detector.detect(&noisy, 1, f64::NEG_INFINITY);
}

#[test]
fn upsampling_is_bounded() {
    let Some(detector) = detector() else { return };
    // 40x30 doubled 30 times would be astronomically large: the steps that
    // would pass the pixel cap are skipped instead.
    let found = detector.detect(&gray(40, 30, 9), 30, 0.0);
    assert!(found.len() < 10_000);
}

#[test]
fn large_images_work() {
    let Some(detector) = detector() else { return };
    let found = detector.detect(&gray(3000, 2000, 5), 0, 0.0);
    assert!(found.len() < 1000);
    let found = detector.detect(&rgb(1500, 20, 6), 1, 0.0);
    assert!(found.len() < 1000);
}

#[test]
fn detector_is_shareable_across_threads() {
    fn assert_sync<T: Sync + Send>() {}
    assert_sync::<HogDetector>();
    let Some(detector) = detector() else { return };
    let img = rgb(320, 240, 11);
    let expected = detector.detect(&img, 1, -0.3);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| detector.detect(&img, 1, -0.3)))
            .collect();
        for handle in handles {
            assert_eq!(handle.join().unwrap(), expected);
        }
    });
}

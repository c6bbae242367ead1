//! The committed dlib reference fixtures are complete and self-consistent.
//!
//! Needs no photos, no models and no Python: it only reads
//! `tests/fixtures/dlib/*.json` (made by `tools/dlib-reference/make_fixtures.py`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod support;

use std::collections::BTreeSet;

use support::{euclidean, load_descriptor_fixtures, load_pair_fixtures};

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[test]
fn descriptor_fixtures_are_complete() {
    let fx = load_descriptor_fixtures();
    let h = &fx.header;
    assert!(!h.common.dlib_version.is_empty());
    assert!(h.common.command.contains("make_fixtures.py"));
    for model in [support::RECOGNITION_MODEL, support::SHAPE_MODEL] {
        let sha = h.common.models.get(model).map(String::as_str);
        assert!(
            sha.is_some_and(is_sha256_hex),
            "header lacks {model}'s sha256"
        );
    }

    // Counts in the header are the counts in the body.
    let faces = fx.faces().count();
    let no_face = fx.images.iter().filter(|r| r.faces.is_empty()).count();
    assert_eq!(h.image_count, fx.images.len());
    assert_eq!(h.face_count, faces);
    assert_eq!(h.no_face_count, no_face);
    assert!(faces >= 200, "only {faces} faces");

    // Sorted, unique paths; every lfw-dev-mini image is there.
    let paths: Vec<&str> = fx.images.iter().map(|r| r.path.as_str()).collect();
    assert!(
        paths.windows(2).all(|w| w[0] < w[1]),
        "paths not sorted/unique"
    );
    let lfw = paths
        .iter()
        .filter(|p| p.starts_with("lfw-dev-mini/"))
        .count();
    assert_eq!(lfw, 270, "lfw-dev-mini images");

    for r in &fx.images {
        assert!(is_sha256_hex(&r.file_sha256), "{}: file_sha256", r.path);
        assert!(is_sha256_hex(&r.pixels_sha256), "{}: pixels_sha256", r.path);
        assert!(r.width > 0 && r.height > 0, "{}: size", r.path);
        // Largest face only: a face iff dlib detected at least one.
        assert_eq!(r.faces.len(), usize::from(r.detections > 0), "{}", r.path);
        for f in &r.faces {
            let [l, t, rt, b] = f.rect;
            assert!(l <= rt && t <= b, "{}: box {:?}", r.path, f.rect);
            assert!(f.score.is_finite() && f.score >= 0.0, "{}: score", r.path);
            assert!(f.filter < 5, "{}: filter {}", r.path, f.filter);
            assert_eq!(f.landmarks.len(), 5, "{}: landmarks", r.path);
            assert!(is_sha256_hex(&f.chip_sha256), "{}: chip_sha256", r.path);
            assert_eq!(f.descriptor.len(), 128, "{}: descriptor length", r.path);
            assert!(
                f.descriptor.iter().all(|v| v.is_finite()),
                "{}: descriptor not finite",
                r.path
            );
            // dlib's descriptors are far from zero (norm ~0.3–0.6 in practice).
            let norm = euclidean(&f.descriptor, &[0.0; 128]);
            assert!(
                (0.1..2.0).contains(&norm),
                "{}: descriptor norm {norm}",
                r.path
            );
            // Landmarks sit around the box (a face can stick out of it a little).
            let (w, hgt) = (rt - l + 1, b - t + 1);
            for [x, y] in &f.landmarks {
                assert!(
                    (l - w..=rt + w).contains(x) && (t - hgt..=b + hgt).contains(y),
                    "{}: landmark ({x},{y}) far from box {:?}",
                    r.path,
                    f.rect
                );
            }
        }
    }
}

#[test]
fn pair_fixtures_agree_with_their_distances() {
    let fx = load_descriptor_fixtures();
    let pf = load_pair_fixtures();
    let h = &pf.header;
    assert_eq!(h.common.dlib_version, fx.header.common.dlib_version);
    assert_eq!(h.common.models, fx.header.common.models);
    assert_eq!(h.pair_count, pf.pairs.len());
    assert_eq!(pf.pairs.len(), 100, "pairs_mini.tsv has 100 pairs");
    assert_eq!(pf.pairs.iter().filter(|p| p.same).count(), 50);
    assert!((h.threshold - 0.6).abs() < 1e-12);

    let mut seen = BTreeSet::new();
    let (mut correct, mut undecided) = (0, 0);
    for p in &pf.pairs {
        assert!(seen.insert((&p.a, &p.b)), "duplicate pair {} {}", p.a, p.b);
        let (fa, fb) = (fx.image(&p.a), fx.image(&p.b));
        assert!(
            fa.is_some() && fb.is_some(),
            "pair {} / {} not in descriptors.json",
            p.a,
            p.b
        );
        match (fx.face(&p.a), fx.face(&p.b), p.distance, p.dlib_same) {
            (Some(a), Some(b), Some(d), Some(same)) => {
                // The recorded distance is the distance of the recorded descriptors.
                let ours = euclidean(&a.descriptor, &b.descriptor);
                assert!((ours - d).abs() < 1e-6, "{} / {}: {d} vs {ours}", p.a, p.b);
                // And dlib's decision is the threshold rule applied to it.
                assert_eq!(
                    same,
                    d <= h.threshold,
                    "{} / {}: decision vs distance {d}",
                    p.a,
                    p.b
                );
                correct += usize::from(same == p.same);
            }
            (a, b, None, None) if a.is_none() || b.is_none() => undecided += 1,
            other => panic!("{} / {}: inconsistent record {other:?}", p.a, p.b),
        }
    }
    assert_eq!(h.correct, correct);
    assert_eq!(h.undecided, undecided);
    assert!((h.accuracy - correct as f64 / pf.pairs.len() as f64).abs() < 1e-9);
    // dlib's model is ~99.4% on LFW; on 100 pairs it must do far better than chance.
    assert!(correct >= 90, "dlib got only {correct}/100 pairs right");
}

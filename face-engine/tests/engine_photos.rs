//! The whole engine on real photos: faces found where they are, none where
//! there are none, six on the group photo, the crowd, same/different calls,
//! rotated frames and EXIF orientation, bad files as error codes.
//!
//! Public photos (fetched by `tools/public-photos/fetch.py`) work on a fresh
//! clone; the shared test data adds the harder cases.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod support;

use std::sync::OnceLock;

use riv_face_engine::{EngineConfig, EngineError, FaceEngine, RgbImage};

fn engine() -> Option<&'static FaceEngine> {
    static ENGINE: OnceLock<Option<FaceEngine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let dir = support::require_model_files(&[
                "frontal_face_detector.dat",
                "shape_predictor_5_face_landmarks.dat",
                "dlib_face_recognition_resnet_model_v1.dat",
            ])?;
            Some(FaceEngine::load(EngineConfig::with_model_dir(dir)).expect("engine loads"))
        })
        .as_ref()
}

fn load(engine: &FaceEngine, path: &std::path::Path) -> RgbImage {
    engine
        .decode(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn public(engine: &FaceEngine, name: &str) -> Option<RgbImage> {
    Some(load(engine, &support::require_public_photo(name)?))
}

#[test]
fn same_person_matches_and_different_people_do_not() {
    let Some(engine) = engine() else { return };
    let (Some(obama), Some(obama2), Some(obama3), Some(biden)) = (
        public(engine, "obama.jpg"),
        public(engine, "obama2.jpg"),
        public(engine, "obama3.jpg"),
        public(engine, "biden.jpg"),
    ) else {
        return;
    };
    let d = |img: &RgbImage| engine.analyze_largest(img).unwrap().descriptor;
    let (o1, o2, o3, b) = (d(&obama), d(&obama2), d(&obama3), d(&biden));
    for (x, y) in [(&o1, &o2), (&o1, &o3), (&o2, &o3)] {
        let c = engine.compare(x, y);
        assert!(
            c.distance < 0.6 && c.similarity >= 80.0,
            "same person: {c:?}"
        );
    }
    for o in [&o1, &o2, &o3] {
        let c = engine.compare(o, &b);
        assert!(
            c.distance > 0.6 && c.similarity < 80.0,
            "different people: {c:?}"
        );
    }
    let hits = engine.search(&o1, &[b, o3, o2], 80.0, 10);
    let found: Vec<usize> = hits.iter().map(|h| h.index).collect();
    assert_eq!(found.len(), 2, "{hits:?}");
    assert!(found.contains(&1) && found.contains(&2));
}

#[test]
fn six_faces_on_the_group_photo_and_the_crowd_is_found() {
    let Some(engine) = engine() else { return };
    let Some(group) = public(engine, "t1.jpg") else {
        return;
    };
    let (detection, _) = engine.detect(&group);
    assert_eq!(detection.faces.len(), 6);
    assert_eq!(detection.rotation, 0);
    for face in &detection.faces {
        assert!(face.confidence > 50.0 && face.size.width >= 80, "{face:?}");
    }
    let Some(crowd) = public(engine, "rustface_test.png") else {
        return;
    };
    let (detection, _) = engine.detect(&crowd);
    // dlib finds 24 faces of 44-63 px after one doubling; so must we.
    assert_eq!(detection.faces.len(), 24);
}

#[test]
fn a_single_selfie_has_one_face_with_plausible_measures() {
    let Some(engine) = engine() else { return };
    let Some(img) = public(engine, "obama.jpg") else {
        return;
    };
    let (detection, _) = engine.detect(&img);
    assert_eq!(detection.faces.len(), 1);
    let face = &detection.faces[0];
    assert!(face.confidence > 95.0, "{face:?}");
    assert!(
        face.pose.yaw.abs() < 20.0 && face.pose.roll.abs() < 15.0,
        "{face:?}"
    );
    assert!(face.brightness > 20.0 && face.brightness < 90.0, "{face:?}");
    assert!(face.sharpness > 20.0, "{face:?}");
    assert!(!face.eyes_occluded.value, "{face:?}");
    assert!(face.size.eye_distance > 30.0);
}

#[test]
fn no_face_in_a_picture_without_one() {
    let Some(engine) = engine() else { return };
    let mut img = RgbImage::new(320, 240);
    for y in 0..240 {
        for x in 0..320 {
            img.put(
                x,
                y,
                [(x % 256) as u8, (y % 256) as u8, ((x * y) % 256) as u8],
            );
        }
    }
    assert_eq!(engine.detect(&img).0.faces.len(), 0);
    assert_eq!(
        engine.analyze_largest(&img).unwrap_err(),
        EngineError::NoFace
    );
}

#[test]
fn sideways_frames_are_turned_upright() {
    let Some(engine) = engine() else { return };
    let Some(img) = public(engine, "obama.jpg") else {
        return;
    };
    let upright = engine.analyze_largest(&img).unwrap().descriptor;
    for (turn, expected_rotation) in [(1u8, 270u16), (3, 90), (2, 180)] {
        let turned = img.rotate_quarters(turn);
        let (detection, fixed) = engine.analyze(&turned).unwrap();
        assert_eq!(
            detection.rotation, expected_rotation,
            "turned {turn} quarters"
        );
        assert_eq!(fixed, img);
        let c = engine.compare(&upright, &detection.faces[0].descriptor);
        assert!(c.distance < 1e-6, "{c:?}");
    }
}

/// A JPEG with an EXIF APP1 segment saying "rotate 90° clockwise to view".
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend_from_slice(&1u16.to_le_bytes()); // one IFD entry
    tiff.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // padding + no next IFD
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn exif_orientation_is_applied_before_detection() {
    let Some(engine) = engine() else { return };
    let Some(img) = public(engine, "obama.jpg") else {
        return;
    };
    // Store the photo turned a quarter anticlockwise, tagged "turn 90° clockwise to view".
    let stored = img.rotate_quarters(3);
    let buffer =
        image::RgbImage::from_raw(stored.width(), stored.height(), stored.into_raw()).unwrap();
    let mut jpeg = std::io::Cursor::new(Vec::new());
    buffer
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .unwrap();
    let tagged = with_exif_orientation(&jpeg.into_inner(), 6);
    let decoded = engine.decode(&tagged).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (img.width(), img.height())
    );
    let (detection, _) = engine.detect(&decoded);
    assert_eq!(detection.rotation, 0, "EXIF made it upright");
    assert_eq!(detection.faces.len(), 1);
}

#[test]
fn bad_files_are_error_codes_not_panics() {
    let Some(engine) = engine() else { return };
    let Some(dir) = support::require_testdata_file("compreface-sample-images/imgtools_test_files")
    else {
        return;
    };
    let code = |name: &str| {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        engine.decode(&bytes).err().map(|e| e.code())
    };
    assert_eq!(code("corrupted.png"), Some("image_corrupt"));
    assert_eq!(code("truncated.jpg"), Some("image_corrupt"));
    assert!(matches!(
        code("empty.png"),
        Some("image_corrupt" | "image_unsupported_format")
    ));
    for unsupported in [
        "einstein.bmp",
        "einstein.gif",
        "einstein.tiff",
        "einstein.ico",
    ] {
        assert_eq!(
            code(unsupported),
            Some("image_unsupported_format"),
            "{unsupported}"
        );
    }
    for fine in ["einstein.jpeg", "einstein.png", "einstein.webp"] {
        let img = engine
            .decode(&std::fs::read(dir.join(fine)).unwrap())
            .unwrap();
        assert_eq!(engine.detect(&img).0.faces.len(), 1, "{fine}");
    }
    // Every prefix of a real JPEG is an error or an image, never a panic.
    let bytes = std::fs::read(dir.join("einstein.jpeg")).unwrap();
    for cut in (0..bytes.len()).step_by(bytes.len() / 40 + 1) {
        if let Ok(img) = engine.decode(&bytes[..cut]) {
            let _ = engine.analyze(&img);
        }
    }
}

#[test]
fn group_photos_match_their_annotations() {
    let Some(engine) = engine() else { return };
    let Some(dir) = support::require_testdata_file("compreface-sample-images") else {
        return;
    };
    let annotations = std::fs::read_to_string(dir.join("annotations.tsv")).unwrap();
    let (mut exact, mut total) = (0, 0);
    for line in annotations.lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        let expected: usize = fields[1].parse().unwrap();
        let img = load(engine, &dir.join("sample_images").join(fields[0]));
        let faces = engine.detect(&img).0.faces;
        // dlib's HOG detector, once doubled, also fires weakly on some
        // background (013_4.jpg: score 0.11 in dlib, 0.05 here): count the
        // faces a quality gate would trust.
        let found = faces.iter().filter(|f| f.confidence >= 70.0).count();
        eprintln!(
            "{}: expected {expected}, found {found} of {}",
            fields[0],
            faces.len()
        );
        // Never more confident faces than there are, none where there is none.
        assert!(found <= expected, "{}: {found} > {expected}", fields[0]);
        total += 1;
        exact += usize::from(found == expected);
    }
    assert!(
        exact * 10 >= total * 8,
        "{exact}/{total} photos with every face found"
    );
}

#[test]
fn id_document_portraits_are_found_and_card_backs_have_none() {
    let Some(engine) = engine() else { return };
    let Some(dir) = support::require_testdata_file("id-documents") else {
        return;
    };
    let specimens = dir.join("mrz-specimens-arg0s1080");
    let mut checked = 0;
    for folder in ["id_cards", "passports", "resident_cards", "other"] {
        let mut files: Vec<_> = std::fs::read_dir(specimens.join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "png" || e == "jpg"))
            .collect();
        files.sort();
        for file in files {
            let faces = engine.detect(&load(engine, &file)).0.faces;
            let portrait = faces
                .first()
                .unwrap_or_else(|| panic!("{}: no portrait", file.display()));
            assert!(
                portrait.confidence >= 70.0,
                "{}: {portrait:?}",
                file.display()
            );
            assert!(
                portrait.size.width >= 40,
                "{}: {portrait:?}",
                file.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 28, "{checked} specimens");
    for back in [
        "california_drivers_license_back.jpeg",
        "canada_drivers_license_back.jpg",
    ] {
        let faces = engine
            .detect(&load(engine, &dir.join("aamva-pdf417").join(back)))
            .0
            .faces;
        assert!(
            faces.iter().all(|f| f.confidence < 70.0),
            "{back}: {faces:?}"
        );
    }
}

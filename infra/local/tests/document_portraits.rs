#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The document-portrait search on the shared specimens: the portrait is
//! found on every specimen that has one, inside the document, and nothing
//! is found on a payment card.
//!
//! Skipped (with a message) when the models or specimens are missing,
//! failed instead under `CI=true`; see `support/mod.rs`.

mod support;

use riv_face_engine::{FaceEngine, RgbImage};
use riv_local::faces::portrait::document_faces;

/// Every specimen image with a printed portrait, under `id-documents/`.
const WITH_PORTRAIT: &[&str] = &[
    "mrz-specimens-arg0s1080/id_cards/Latvia.png",
    "mrz-specimens-arg0s1080/id_cards/Liechtenstein.png",
    "mrz-specimens-arg0s1080/id_cards/Lithuania.png",
    "mrz-specimens-arg0s1080/id_cards/Malta_BAD.png",
    "mrz-specimens-arg0s1080/id_cards/Monaco.png",
    "mrz-specimens-arg0s1080/id_cards/Peru.png",
    "mrz-specimens-arg0s1080/id_cards/Serbia.png",
    "mrz-specimens-arg0s1080/id_cards/Spain.png",
    "mrz-specimens-arg0s1080/id_cards/Sweden.png",
    "mrz-specimens-arg0s1080/other/TD2_ICAO_Example.png",
    "mrz-specimens-arg0s1080/other/USA_Border_Crosser.png",
    "mrz-specimens-arg0s1080/passports/Canada.png",
    "mrz-specimens-arg0s1080/passports/China.png",
    "mrz-specimens-arg0s1080/passports/Czech_Republic.png",
    "mrz-specimens-arg0s1080/passports/ICAO_Example.png",
    "mrz-specimens-arg0s1080/passports/ICAO_Example2.png",
    "mrz-specimens-arg0s1080/passports/Iceland.png",
    "mrz-specimens-arg0s1080/passports/Interpol.png",
    "mrz-specimens-arg0s1080/passports/Japan.png",
    "mrz-specimens-arg0s1080/passports/Qatar.png",
    "mrz-specimens-arg0s1080/passports/Ukraine.png",
    "mrz-specimens-arg0s1080/resident_cards/France.png",
    "mrz-specimens-arg0s1080/resident_cards/Germany.png",
    "mrz-specimens-arg0s1080/resident_cards/Netherland.png",
    "mrz-specimens-arg0s1080/resident_cards/Portugal.png",
    "mrz-specimens-arg0s1080/resident_cards/UK.png",
    "mrz-specimens-arg0s1080/resident_cards/USA.png",
    "mrz-specimens-arg0s1080/resident_cards/USA_Permanent.png",
    "mrz-specimens-arg0s1080/visas/France.png",
    "mrz-specimens-arg0s1080/visas/Germany.png",
    "mrz-specimens-arg0s1080/visas/MRVA_ICAO_Example.png",
    "mrz-specimens-arg0s1080/visas/MRVB_ICAO_Example.png",
    "mrz-specimens-arg0s1080/visas/USA.png",
    "mrz-specimens-arg0s1080/visas/USA2.png",
    "mrz-specimens-arg0s1080/visas/United_Kingdom.png",
    "mrz-passporteye/tests_data/passport-td2.png",
    "mrz-passporteye/tests_data/passport-td3.png",
    "mrz-fastmrz/td1.jpg",
    "mrz-fastmrz/td2.jpg",
    "mrz-fastmrz/td3.jpg",
    "mrz-fastmrz/mrva.jpg",
    "mrz-fastmrz/mrvb.jpg",
    "mrz-fastmrz/passport_uk.jpg",
    "us-passport-card-exemplar/passport_card.jpeg",
];

/// The specimen decoded by the face engine, or a skip.
fn rgb(engine: &FaceEngine, relative: &str) -> Option<RgbImage> {
    let path = support::require_testdata_file(&format!("id-documents/{relative}"))?;
    let bytes = std::fs::read(&path).unwrap();
    Some(
        engine
            .decode(&bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
}

#[test]
fn the_portrait_is_found_on_every_specimen_that_has_one() {
    let Some(engine) = support::engine() else {
        return;
    };
    let mut missed = Vec::new();
    for relative in WITH_PORTRAIT {
        let Some(image) = rgb(&engine, relative) else {
            return;
        };
        let faces = document_faces(&engine, &image).unwrap();
        let Some(first) = faces.first() else {
            missed.push(*relative);
            continue;
        };
        let [left, top, width, height] = first.relative_box;
        assert!(
            width > 0.03 && height > 0.03 && left + width <= 1.0 && top + height <= 1.0,
            "{relative}: {:?}",
            first.relative_box
        );
    }
    eprintln!(
        "portrait found on {}/{} specimens",
        WITH_PORTRAIT.len() - missed.len(),
        WITH_PORTRAIT.len()
    );
    assert!(missed.is_empty(), "no portrait found on {missed:?}");
}

#[test]
fn a_payment_card_has_no_portrait() {
    let Some(engine) = support::engine() else {
        return;
    };
    let Some(image) = rgb(&engine, "mrz-fastmrz/nomrz.jpg") else {
        return;
    };
    let faces = document_faces(&engine, &image).unwrap();
    assert!(
        faces.is_empty(),
        "{:?}",
        faces.first().map(|f| f.relative_box)
    );
}

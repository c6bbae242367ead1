//! Register-idcard on the embedded pipeline: a generated driver's licence
//! whose front carries a real photo's face and whose back carries an AAMVA
//! PDF417 barcode; the selfie is another photo of the same person.

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, GenericImageView, Rgb, RgbImage};
use riv_client::{Picture, PreparedRequest};
use riv_events::{OutcomeKind, ReasonCode, UserId, ValueSource};
use riv_tests::inputs::{require_models, require_photos};
use riv_tests::riv::{TestRiv, config, verdict};

#[path = "../../../document-engine/tests/support/aamva.rs"]
#[allow(dead_code)]
mod aamva;
#[path = "../../../document-engine/tests/support/render.rs"]
#[allow(dead_code)]
mod render;

/// A licence back for a holder born 1961-08-04, expiring `expiry` (MMDDCCYY).
fn licence_back(expiry: &str) -> DynamicImage {
    let subfile = aamva::Subfile::new(
        "DL",
        &[
            ("DAQ", "S12345678"),
            ("DCS", "OBAMA"),
            ("DAC", "BARACK"),
            ("DAD", "HUSSEIN"),
            ("DBB", "08041961"),
            ("DBA", expiry),
            ("DBD", "01152020"),
            ("DBC", "1"),
            ("DAJ", "IL"),
            ("DCG", "USA"),
        ],
    );
    let payload = aamva::Payload {
        iin: "636035".into(),
        version: 8,
        jurisdiction_version: 0,
        subfiles: vec![subfile],
    };
    let symbol = render::pdf417_image(&payload.to_text(), 3);
    let mut card = RgbImage::from_pixel(
        symbol.width() + 80,
        symbol.height() + 200,
        Rgb([235, 235, 240]),
    );
    image::imageops::overlay(
        &mut card,
        &DynamicImage::ImageLuma8(symbol).to_rgb8(),
        40,
        100,
    );
    DynamicImage::ImageRgb8(card)
}

/// A licence front: a pale card with the holder's photo, shrunk so the
/// face is as small as on a real card, on its left.
fn licence_front(photo: Option<&Path>) -> DynamicImage {
    let mut card = RgbImage::from_pixel(640, 400, Rgb([210, 225, 240]));
    if let Some(photo) = photo {
        let portrait = image::open(photo).expect("a photo").resize(
            180,
            230,
            image::imageops::FilterType::Triangle,
        );
        let (w, h) = portrait.dimensions();
        image::imageops::overlay(&mut card, &portrait.to_rgb8(), 30, i64::from((400 - h) / 2));
        assert!(w <= 180);
    }
    DynamicImage::ImageRgb8(card)
}

fn jpeg(image: &DynamicImage, name: &str) -> Picture {
    let mut bytes = Vec::new();
    image
        .to_rgb8()
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
        .expect("JPEG encoding");
    Picture::from_bytes(bytes, Path::new(name)).expect("a JPEG")
}

async fn register_idcard(
    riv: &TestRiv,
    user: &str,
    selfie: &Path,
    front: &DynamicImage,
    back: &DynamicImage,
    properties: &[(&str, &str)],
) -> riv_events::outcome::OutcomeEnvelope {
    let selfie = Picture::read(selfie).await.expect("the selfie");
    let request = PreparedRequest::idcard(
        UserId::parse(user).unwrap(),
        selfie,
        jpeg(front, "front.jpg"),
        Some(jpeg(back, "back.jpg")),
        properties
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
    .expect("a valid request");
    riv.client
        .run(request, std::time::Duration::from_secs(120))
        .await
        .expect("an outcome")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_licence_registers_its_holder_and_refuses_everyone_else() {
    let Some(models) = require_models() else {
        return;
    };
    let Some([obama, obama2, biden]) = require_photos(["obama.jpg", "obama2.jpg", "biden.jpg"])
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let riv = TestRiv::start(config(dir.path(), &models)).await;
    let front = licence_front(Some(&obama));
    let back = licence_back("08042030");

    // Someone else's selfie with the card.
    let o = register_idcard(&riv, "joe", &biden, &front, &back, &[]).await;
    assert_eq!(
        verdict(&o),
        (OutcomeKind::Denied, Some(ReasonCode::DocumentFaceMismatch)),
        "{o:?}"
    );
    let document = o.outcome().findings.document.clone().expect("the document");
    assert_eq!(document.fields["LAST_NAME"].best(), "OBAMA");
    let below = document.portrait_similarity.expect("compared").value();

    // The holder, claiming a name the card contradicts.
    let o = register_idcard(
        &riv,
        "barack",
        &obama2,
        &front,
        &back,
        &[("last_name", "Smith")],
    )
    .await;
    assert_eq!(
        verdict(&o),
        (
            OutcomeKind::Denied,
            Some(ReasonCode::DocumentPropertiesMismatch)
        ),
        "{o:?}"
    );

    // The holder, as the card says.
    let o = register_idcard(
        &riv,
        "barack",
        &obama2,
        &front,
        &back,
        &[("first_name", "Barack"), ("date_of_birth", "1961-08-04")],
    )
    .await;
    assert_eq!(verdict(&o), (OutcomeKind::Registered, None), "{o:?}");
    let document = o.outcome().findings.document.clone().expect("the document");
    let similarity = document.portrait_similarity.expect("compared").value();
    eprintln!("portrait similarity: holder {similarity:.1}, other person {below:.1}");
    assert!(similarity >= document.threshold.value());
    let profile = riv
        .client
        .get_user(&UserId::parse("barack").unwrap())
        .await
        .unwrap()
        .expect("a profile");
    assert_eq!(profile.properties["last_name"], "OBAMA");
    assert_eq!(profile.properties["first_name"], "BARACK");
    assert_eq!(profile.properties["document_type"], "driver_licence");
    assert_eq!(
        profile.property_sources["last_name"],
        ValueSource::Barcode.as_str()
    );
    assert_eq!(profile.faces.len(), 1);

    // A card without a portrait, and an expired card.
    let o = register_idcard(&riv, "noface", &obama, &licence_front(None), &back, &[]).await;
    assert_eq!(
        verdict(&o),
        (
            OutcomeKind::Failed,
            Some(ReasonCode::DocumentPortraitNotFound)
        ),
        "{o:?}"
    );
    let o = register_idcard(&riv, "old", &obama, &front, &licence_back("08042001"), &[]).await;
    assert_eq!(
        verdict(&o),
        (OutcomeKind::Failed, Some(ReasonCode::DocumentExpired)),
        "{o:?}"
    );
    // A card nothing can be read from.
    let blank = DynamicImage::ImageRgb8(RgbImage::from_pixel(640, 400, Rgb([250, 250, 250])));
    let o = register_idcard(&riv, "blank", &obama, &blank, &blank, &[]).await;
    assert_eq!(
        verdict(&o),
        (OutcomeKind::Failed, Some(ReasonCode::DocumentUnreadable)),
        "{o:?}"
    );
    riv.stop().await;
}

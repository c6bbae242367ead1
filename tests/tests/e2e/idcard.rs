//! Register-idcard on the embedded pipeline, with generated documents
//! carrying real photos' faces (see `riv_tests::cards`): a driver's licence
//! whose back carries an AAMVA PDF417 barcode, and a passport data page
//! whose MRZ the pipeline reads by OCR; the selfie is another photo of the
//! same person, or of someone else.

use std::path::Path;

use image::{DynamicImage, Rgb, RgbImage};
use riv_events::outcome::OutcomeEnvelope;
use riv_events::{OutcomeKind, ReasonCode, UserId, ValueSource};
use riv_tests::cards::{
    self, idcard_request, licence_back, licence_front, passport_mrz, passport_page, tampered,
};
use riv_tests::inputs::{require_models, require_photos};
use riv_tests::riv::{OUTCOME_TIMEOUT, TestRiv, config, verdict};

async fn register_idcard(
    riv: &TestRiv,
    user: &str,
    selfie: &Path,
    front: &DynamicImage,
    back: Option<&DynamicImage>,
    properties: &[(&str, &str)],
) -> OutcomeEnvelope {
    let request = idcard_request(user, selfie, front, back, properties).await;
    riv.client
        .run(request, OUTCOME_TIMEOUT)
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
    let o = register_idcard(&riv, "joe", &biden, &front, Some(&back), &[]).await;
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
        Some(&back),
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
        Some(&back),
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
    let o = register_idcard(
        &riv,
        "noface",
        &obama,
        &licence_front(None),
        Some(&back),
        &[],
    )
    .await;
    assert_eq!(
        verdict(&o),
        (
            OutcomeKind::Failed,
            Some(ReasonCode::DocumentPortraitNotFound)
        ),
        "{o:?}"
    );
    let o = register_idcard(
        &riv,
        "old",
        &obama,
        &front,
        Some(&licence_back("08042001")),
        &[],
    )
    .await;
    assert_eq!(
        verdict(&o),
        (OutcomeKind::Failed, Some(ReasonCode::DocumentExpired)),
        "{o:?}"
    );
    // A card nothing can be read from.
    let blank = DynamicImage::ImageRgb8(RgbImage::from_pixel(640, 400, Rgb([250, 250, 250])));
    let o = register_idcard(&riv, "blank", &obama, &blank, Some(&blank), &[]).await;
    assert_eq!(
        verdict(&o),
        (OutcomeKind::Failed, Some(ReasonCode::DocumentUnreadable)),
        "{o:?}"
    );
    riv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passport_registers_its_holder_by_its_mrz() {
    let Some(models) = require_models() else {
        return;
    };
    let Some([obama, obama2, biden]) = require_photos(["obama.jpg", "obama2.jpg", "biden.jpg"])
    else {
        return;
    };
    let Some(font) = cards::mrz_font() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let riv = TestRiv::start(config(dir.path(), &models)).await;
    let mrz = passport_mrz("340804");
    let passport = passport_page(&obama, &mrz, &font);

    // The holder: the OCR'd MRZ names them.
    let o = register_idcard(&riv, "barack", &obama2, &passport, None, &[]).await;
    assert_eq!(verdict(&o), (OutcomeKind::Registered, None), "{o:?}");
    let document = o.outcome().findings.document.clone().expect("the document");
    assert_eq!(document.fields["MRZ_CODE"].best(), mrz.join("\n"));
    assert_eq!(document.check_digits_valid, Some(true));
    let profile = riv
        .client
        .get_user(&UserId::parse("barack").unwrap())
        .await
        .unwrap()
        .expect("a profile");
    assert_eq!(profile.properties["last_name"], cards::LAST_NAME);
    assert_eq!(profile.properties["first_name"], "BARACK HUSSEIN");
    assert_eq!(profile.properties["date_of_birth"], cards::DATE_OF_BIRTH);
    assert_eq!(profile.properties["expiration_date"], "2034-08-04");
    assert_eq!(profile.properties["document_type"], "passport");
    for property in ["last_name", "first_name", "date_of_birth"] {
        assert_eq!(
            profile.property_sources[property],
            ValueSource::Mrz.as_str(),
            "{property}"
        );
    }

    // Someone else's selfie with the passport.
    let o = register_idcard(&riv, "joe", &biden, &passport, None, &[]).await;
    assert_eq!(
        verdict(&o),
        (OutcomeKind::Denied, Some(ReasonCode::DocumentFaceMismatch)),
        "{o:?}"
    );

    // The passport with its number altered and its check digits not.
    let forged = passport_page(&obama, &tampered(&mrz), &font);
    let o = register_idcard(&riv, "forger", &obama2, &forged, None, &[]).await;
    assert_eq!(
        verdict(&o),
        (OutcomeKind::Failed, Some(ReasonCode::DocumentInvalid)),
        "{o:?}"
    );
    let document = o.outcome().findings.document.clone().expect("the document");
    assert_eq!(document.check_digits_valid, Some(false), "{document:?}");
    assert_eq!(riv.face_count(), 1, "only the holder's face is indexed");
    riv.stop().await;
}

//! Register-idcard on the AWS path: the id_match stage reads the document
//! with Textract's AnalyzeID (riv's compatible endpoint) and decodes the
//! barcode itself, then compares the selfie with the portrait that
//! Rekognition's DetectFaces finds. The documents are generated (see
//! `riv_tests::cards`) around real photos' faces.

use riv_events::outcome::OutcomeEnvelope;
use riv_events::{OutcomeKind, ReasonCode, UserId, ValueSource};
use riv_tests::cards::{
    self, idcard_request, licence_back, licence_front, passport_mrz, passport_page, tampered,
};
use riv_tests::inputs::require_photos;
use riv_tests::riv::verdict;

use super::stack::AwsStack;

/// The profile `user` was given, read from DynamoDB.
async fn profile(stack: &AwsStack, user: &str) -> riv_consumers::ports::Profile {
    let ports = riv_lambda::compose::ports(&stack.clients, &stack.settings);
    ports
        .profiles
        .get(&UserId::parse(user).unwrap())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{user} has a profile"))
}

fn source(outcome: &OutcomeEnvelope, field: &str) -> ValueSource {
    let document = outcome.outcome().findings.document.as_ref();
    document.expect("the document").fields[field].source
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_licence_registers_its_holder_on_aws() {
    let Some([obama, obama2, biden]) = require_photos(["obama.jpg", "obama2.jpg", "biden.jpg"])
    else {
        return;
    };
    let Some(stack) = AwsStack::start().await else {
        return;
    };
    let front = licence_front(Some(&obama));
    let back = licence_back("08042030");

    // Someone else's selfie with the card.
    let request = idcard_request("joe", &biden, &front, Some(&back), &[]).await;
    let outcome = stack.run(&request).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Denied, Some(ReasonCode::DocumentFaceMismatch)),
        "{outcome:?}"
    );
    assert_eq!(stack.face_count().await, 0);

    // The holder.
    let request = idcard_request(
        "barack",
        &obama2,
        &front,
        Some(&back),
        &[("first_name", "Barack")],
    )
    .await;
    let outcome = stack.run(&request).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Registered, None),
        "{outcome:?}"
    );
    assert_eq!(source(&outcome, "LAST_NAME"), ValueSource::Barcode);
    let profile = profile(&stack, "barack").await;
    assert_eq!(profile.properties["last_name"], cards::LAST_NAME);
    assert_eq!(profile.properties["first_name"], cards::FIRST_NAME);
    assert_eq!(profile.properties["date_of_birth"], cards::DATE_OF_BIRTH);
    assert_eq!(profile.properties["document_type"], "driver_licence");
    assert_eq!(
        profile.property_sources["last_name"],
        ValueSource::Barcode,
        "{profile:?}"
    );
    assert_eq!(profile.faces.len(), 1);
    assert_eq!(stack.face_count().await, 1);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_passport_registers_its_holder_on_aws() {
    let Some([obama, obama2, biden]) = require_photos(["obama.jpg", "obama2.jpg", "biden.jpg"])
    else {
        return;
    };
    let Some(font) = cards::mrz_font() else {
        return;
    };
    let Some(stack) = AwsStack::start().await else {
        return;
    };
    let mrz = passport_mrz("340804");
    let passport = passport_page(&obama, &mrz, &font);

    // Someone else's selfie with the passport.
    let request = idcard_request("joe", &biden, &passport, None, &[]).await;
    let outcome = stack.run(&request).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Denied, Some(ReasonCode::DocumentFaceMismatch)),
        "{outcome:?}"
    );

    // The passport with its number altered and its check digits not.
    let forged = passport_page(&obama, &tampered(&mrz), &font);
    let request = idcard_request("forger", &obama2, &forged, None, &[]).await;
    let outcome = stack.run(&request).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Failed, Some(ReasonCode::DocumentInvalid)),
        "{outcome:?}"
    );
    let document = outcome.outcome().findings.document.as_ref();
    let check_digits_valid = document.expect("the document").check_digits_valid;
    assert_eq!(check_digits_valid, Some(false), "{outcome:?}");

    // The holder: AnalyzeID transcribes the MRZ, the reader parses it.
    let request = idcard_request("barack", &obama2, &passport, None, &[]).await;
    let outcome = stack.run(&request).await;
    assert_eq!(
        verdict(&outcome),
        (OutcomeKind::Registered, None),
        "{outcome:?}"
    );
    assert_eq!(source(&outcome, "MRZ_CODE"), ValueSource::Mrz);
    let profile = profile(&stack, "barack").await;
    assert_eq!(profile.properties["last_name"], cards::LAST_NAME);
    assert_eq!(profile.properties["first_name"], "BARACK HUSSEIN");
    assert_eq!(profile.properties["date_of_birth"], cards::DATE_OF_BIRTH);
    assert_eq!(profile.properties["document_type"], "passport");
    for property in ["last_name", "first_name", "date_of_birth"] {
        assert_eq!(
            profile.property_sources[property],
            ValueSource::Mrz,
            "{property}: {profile:?}"
        );
    }
    assert_eq!(stack.face_count().await, 1);
    stack.stop().await;
}

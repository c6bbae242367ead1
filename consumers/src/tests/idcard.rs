//! Register-idcard over the fakes: the document rules, the portrait, the
//! app's properties, and the merged profile.

use riv_events::{OutcomeKind, ReasonCode, Stage, UserId, ValueSource};
use serde_json::{Value, json};

use super::*;
use crate::config::PropertiesMismatch;

/// A passport's analysis as a reader reports it, valid and in date.
fn passport() -> Value {
    let field = |value: &str, normalized: &str| json!({ "value": value, "normalized": normalized, "confidence": 98.0, "source": "mrz" });
    json!({
        "document_type": "passport",
        "formats": ["td3"],
        "issuing_country": "UTO",
        "fields": {
            "FIRST_NAME": field("ANNA<MARIA", "ANNA MARIA"),
            "LAST_NAME": field("ERIKSSON", "ERIKSSON"),
            "DATE_OF_BIRTH": field("740812", "1974-08-12"),
            "EXPIRATION_DATE": field("320415", "2032-04-15"),
            "DOCUMENT_NUMBER": field("L898902C3", "L898902C3"),
            "MRZ_CODE": field("P<UTO...", "P<UTO..."),
        },
        "checks": {
            "check_digits": [
                { "field": "document_number", "printed": '6', "computed": '6', "valid": true },
            ],
            "check_digits_valid": true,
            "expired": false,
            "age_years": 52,
            "agreement": [],
            "as_of": "2026-11-24",
        },
        "portrait": null,
    })
}

impl Harness {
    /// Submits a register-idcard request whose card shows `card_faces` and
    /// reads as `document`; returns the outcome.
    async fn run_idcard(
        &self,
        rid: &str,
        user: &str,
        selfie: &str,
        card_faces: Value,
        document: Value,
        properties: Value,
    ) -> OutcomeEnvelope {
        let key = |name: &str| format!("requests/{rid}/{name}");
        self.put(
            &key("selfie.jpg"),
            json!({ "faces": [face(selfie)] }).to_string().into_bytes(),
        )
        .await;
        self.put(
            &key("front.jpg"),
            json!({ "faces": card_faces, "document": document })
                .to_string()
                .into_bytes(),
        )
        .await;
        let manifest = json!({
            "schema_version": 1, "workflow": "register-idcard", "request_id": rid, "user_id": user,
            "images": { "selfie": key("selfie.jpg"), "document_front": key("front.jpg") },
            "properties": properties,
        });
        self.put(&key("manifest.json"), manifest.to_string().into_bytes())
            .await;
        self.deliver(Stage::Intake, &notification(rid)).await;
        self.pump().await;
        self.outcome(rid)
    }

    async fn idcard(&self, rid: &str, document: Value) -> OutcomeEnvelope {
        self.run_idcard(rid, rid, "ann", json!([face("ann")]), document, json!({}))
            .await
    }
}

fn with(mut document: Value, pointer: &str, value: Value) -> Value {
    *document.pointer_mut(pointer).unwrap() = value;
    document
}

#[tokio::test]
async fn a_valid_document_registers_with_its_fields_in_the_profile() {
    let h = Harness::new();
    let o = h
        .run_idcard(
            "ok",
            "ann",
            "ann",
            json!([face("ann")]),
            passport(),
            json!({ "first_name": "Anna", "nickname": "Annie" }),
        )
        .await;
    assert_eq!(kind(&o), (OutcomeKind::Registered, None));
    let report = o.outcome().findings.document.clone().unwrap();
    assert_eq!(report.portrait_similarity.unwrap().value(), 95.0);
    assert_eq!(report.threshold.value(), 94.0);
    assert_eq!(report.fields["DATE_OF_BIRTH"].best(), "1974-08-12");

    let profiles = h.world.profiles.lock().unwrap();
    let profile = &profiles[&UserId::parse("ann").unwrap()];
    // The document wins over the app, and says where each value came from.
    assert_eq!(profile.properties["first_name"], "ANNA MARIA");
    assert_eq!(profile.properties["date_of_birth"], "1974-08-12");
    assert_eq!(profile.properties["document_type"], "passport");
    assert_eq!(profile.properties["issuing_country"], "UTO");
    assert_eq!(profile.properties["nickname"], "Annie");
    assert!(!profile.properties.contains_key("mrz_code"));
    assert_eq!(profile.property_sources["first_name"], ValueSource::Mrz);
    assert!(!profile.property_sources.contains_key("nickname"));
}

#[tokio::test]
async fn the_document_rules_refuse_in_order_before_any_face_is_compared() {
    let h = Harness::new();
    let expired = with(passport(), "/checks/expired", json!(true));
    let o = h.idcard("expired", expired.clone()).await;
    assert_eq!(
        kind(&o),
        (OutcomeKind::Failed, Some(ReasonCode::DocumentExpired))
    );
    // What was read is in the outcome; no comparison was made.
    let report = o.outcome().findings.document.clone().unwrap();
    assert_eq!(report.expired, Some(true));
    assert_eq!(report.portrait_similarity, None);

    let bad_digit = with(passport(), "/checks/check_digits/0/valid", json!(false));
    let bad_digit = with(bad_digit, "/checks/check_digits_valid", json!(false));
    // An invalid document is reported before its expiry.
    let bad_and_expired = with(bad_digit.clone(), "/checks/expired", json!(true));
    let o = h.idcard("digits", bad_and_expired).await;
    assert_eq!(
        kind(&o),
        (OutcomeKind::Failed, Some(ReasonCode::DocumentInvalid))
    );

    let disagree = with(
        passport(),
        "/checks/agreement",
        json!([{ "field": "LAST_NAME", "sources": ["mrz", "text"], "agree": false }]),
    );
    let o = h.idcard("disagree", disagree).await;
    assert_eq!(
        kind(&o),
        (OutcomeKind::Failed, Some(ReasonCode::DocumentInvalid))
    );
    assert_eq!(h.faces(), 0);

    // An operator may accept them.
    let mut config = PipelineConfig::default();
    config.id_match.reject_expired = false;
    config.id_match.reject_invalid = false;
    let lenient = Harness::with(config);
    let o = lenient
        .idcard("lenient", with(bad_digit, "/checks/expired", json!(true)))
        .await;
    assert_eq!(kind(&o), (OutcomeKind::Registered, None));
}

#[tokio::test]
async fn a_minimum_age_denies_the_young_and_needs_a_date_of_birth() {
    let mut config = PipelineConfig::default();
    config.id_match.min_age_years = 18;
    let h = Harness::with(config);
    let o = h
        .idcard("young", with(passport(), "/checks/age_years", json!(17)))
        .await;
    assert_eq!(kind(&o), (OutcomeKind::Denied, Some(ReasonCode::Underage)));
    let measured = o.outcome().measured.clone().unwrap();
    assert_eq!((measured.value, measured.limit), (17.0, 18.0));

    let o = h
        .idcard("noage", with(passport(), "/checks/age_years", Value::Null))
        .await;
    assert_eq!(
        kind(&o),
        (OutcomeKind::Failed, Some(ReasonCode::DocumentUnreadable))
    );
    let o = h.idcard("adult", passport()).await;
    assert_eq!(kind(&o), (OutcomeKind::Registered, None));
}

#[tokio::test]
async fn the_selfie_must_be_the_person_on_the_document() {
    let h = Harness::new();
    let o = h
        .run_idcard(
            "stranger",
            "sam",
            "sam",
            json!([face("ann")]),
            passport(),
            json!({}),
        )
        .await;
    assert_eq!(
        kind(&o),
        (OutcomeKind::Denied, Some(ReasonCode::DocumentFaceMismatch))
    );
    let measured = o.outcome().measured.clone().unwrap();
    assert_eq!((measured.value, measured.limit), (20.0, 94.0));
    assert_eq!(h.faces(), 0);

    let o = h
        .run_idcard("noportrait", "ann", "ann", json!([]), passport(), json!({}))
        .await;
    assert_eq!(
        kind(&o),
        (
            OutcomeKind::Failed,
            Some(ReasonCode::DocumentPortraitNotFound)
        )
    );
}

#[tokio::test]
async fn the_apps_name_and_birth_date_are_held_to_the_document() {
    let h = Harness::new();
    let o = h
        .run_idcard(
            "liar",
            "ann",
            "ann",
            json!([face("ann")]),
            passport(),
            json!({ "last_name": "Smith" }),
        )
        .await;
    assert_eq!(
        kind(&o),
        (
            OutcomeKind::Denied,
            Some(ReasonCode::DocumentPropertiesMismatch)
        )
    );
    assert!(
        o.outcome()
            .message
            .as_deref()
            .unwrap()
            .contains("last_name")
    );
    let o = h
        .run_idcard(
            "dob",
            "ann",
            "ann",
            json!([face("ann")]),
            passport(),
            json!({ "date_of_birth": "1974-08-13" }),
        )
        .await;
    assert_eq!(
        kind(&o),
        (
            OutcomeKind::Denied,
            Some(ReasonCode::DocumentPropertiesMismatch)
        )
    );

    let mut config = PipelineConfig::default();
    config.id_match.properties_mismatch = PropertiesMismatch::PreferDocument;
    let h = Harness::with(config);
    let o = h
        .run_idcard(
            "fixed",
            "ann",
            "ann",
            json!([face("ann")]),
            passport(),
            json!({ "last_name": "Smith" }),
        )
        .await;
    assert_eq!(kind(&o), (OutcomeKind::Registered, None));
    let profiles = h.world.profiles.lock().unwrap();
    assert_eq!(
        profiles[&UserId::parse("ann").unwrap()].properties["last_name"],
        "ERIKSSON"
    );
}

#[tokio::test]
async fn unreadable_documents_fail_with_a_reason() {
    let h = Harness::new();
    // Nothing read.
    let o = h.idcard("blank", Value::Null).await;
    assert_eq!(
        kind(&o),
        (OutcomeKind::Failed, Some(ReasonCode::DocumentUnreadable))
    );
    // Not an image at all.
    h.put(
        "requests/corrupt/selfie.jpg",
        json!({ "faces": [face("ann")] }).to_string().into_bytes(),
    )
    .await;
    h.put("requests/corrupt/front.jpg", b"not an image".to_vec())
        .await;
    h.put(
        "requests/corrupt/manifest.json",
        json!({
            "schema_version": 1, "workflow": "register-idcard", "request_id": "corrupt", "user_id": "c",
            "images": { "selfie": "requests/corrupt/selfie.jpg", "document_front": "requests/corrupt/front.jpg" },
        })
        .to_string()
        .into_bytes(),
    )
    .await;
    h.deliver(Stage::Intake, &notification("corrupt")).await;
    h.pump().await;
    assert_eq!(
        kind(&h.outcome("corrupt")),
        (OutcomeKind::Failed, Some(ReasonCode::DocumentUnreadable))
    );
}

#[tokio::test]
async fn a_face_registered_before_is_a_duplicate_after_the_document_matched() {
    let h = Harness::new();
    let o = h
        .run("first", "register", "ann1", json!([face("ann")]))
        .await;
    assert_eq!(kind(&o), (OutcomeKind::Registered, None));
    let o = h.idcard("again", passport()).await;
    assert_eq!(
        kind(&o),
        (OutcomeKind::Failed, Some(ReasonCode::DuplicateFace))
    );
    assert!(o.outcome().findings.document.is_some());
}

#[tokio::test]
async fn without_a_document_reader_register_idcard_is_unavailable() {
    let h = Harness::without_documents();
    let o = h.idcard("none", passport()).await;
    assert_eq!(
        kind(&o),
        (OutcomeKind::Failed, Some(ReasonCode::WorkflowUnavailable))
    );
}

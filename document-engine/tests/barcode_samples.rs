//! The PDF417 reader on the shared sample photos: the Ohio-style licence
//! back decodes byte for byte to the reference payload; the low-resolution
//! backs, a payment card and face photos give no payload.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod support;

use riv_document_engine::barcode::{
    Attempt, BarcodeError, DecodeOptions, Pdf417Payload, Retries, decode_pdf417, decode_pdf417_with,
};

const AAMVA_DIR: &str = "id-documents/aamva-pdf417";

#[test]
fn ohio_sample_decodes_to_the_reference_payload() {
    let Some(image) =
        support::require_testdata_image(&format!("{AAMVA_DIR}/SampleDriversLicense.jpg"))
    else {
        return;
    };
    let Some(reference) =
        support::require_testdata_file(&format!("{AAMVA_DIR}/SampleDriversLicense.decoded.txt"))
    else {
        return;
    };
    let expected = std::fs::read(reference).unwrap();
    let payload = decode_pdf417(&image)
        .unwrap()
        .expect("the Ohio sample holds a PDF417 symbol");
    eprintln!(
        "Ohio sample decoded by attempt {} after {} attempts",
        payload.attempt, payload.attempts_tried
    );
    assert_eq!(payload.bytes.len(), 402);
    assert_eq!(payload.bytes, expected);
    let as_latin1: Vec<u8> = payload.text.chars().map(|c| c as u8).collect();
    assert_eq!(as_latin1, expected);
    assert!(payload.bytes.starts_with(b"@\n\x1e\rANSI 636023"));
}

#[test]
fn ohio_sample_needs_upscaling() {
    let Some(image) =
        support::require_testdata_image(&format!("{AAMVA_DIR}/SampleDriversLicense.jpg"))
    else {
        return;
    };
    let plain = DecodeOptions {
        retries: Retries::None,
        ..DecodeOptions::default()
    };
    // At its own resolution rxing locates the symbol but error correction
    // cannot recover its codewords.
    let outcome = decode_pdf417_with(&image, &plain);
    assert!(
        matches!(outcome, Err(BarcodeError::Undecodable { attempts: 1, .. })),
        "{outcome:?}"
    );
    let payload = decode_pdf417(&image).unwrap().unwrap();
    assert!(
        payload.attempt.upscale >= 2,
        "decoded by {}",
        payload.attempt
    );
    assert_ne!(payload.attempt, Attempt::PLAIN);
}

type Outcome = Result<Option<Pdf417Payload>, BarcodeError>;

fn outcome_of(relative: &str) -> Option<Outcome> {
    let image = support::require_testdata_image(relative)?;
    let outcome = decode_pdf417(&image);
    eprintln!("{relative}: {outcome:?}");
    Some(outcome)
}

#[test]
fn low_resolution_backs_give_no_payload() {
    for name in [
        "california_drivers_license_back.jpeg",
        "canada_drivers_license_back.jpg",
    ] {
        let Some(outcome) = outcome_of(&format!("{AAMVA_DIR}/{name}")) else {
            return;
        };
        // Modules under one pixel wide: not even located, at any attempt.
        assert_eq!(outcome, Ok(None), "{name}");
    }
}

#[test]
fn photos_without_barcodes_give_none() {
    for relative in [
        "face-recognition-examples/obama-1080p.jpg",
        "face-recognition-examples/lin-manuel-miranda.png",
        "id-documents/mrz-fastmrz/td3.jpg",
        "id-documents/us-passport-card-exemplar/passport_card.jpeg",
    ] {
        let Some(outcome) = outcome_of(relative) else {
            return;
        };
        assert_eq!(outcome, Ok(None), "{relative}");
    }
}

#[test]
fn payment_card_gives_none() {
    let Some(outcome) = outcome_of("id-documents/mrz-fastmrz/nomrz.jpg") else {
        return;
    };
    assert_eq!(outcome, Ok(None));
}

#[test]
fn truncated_jpeg_file_does_not_panic() {
    let Some(path) =
        support::require_testdata_file(&format!("{AAMVA_DIR}/SampleDriversLicense.jpg"))
    else {
        return;
    };
    let bytes = std::fs::read(path).unwrap();
    // The first fifth of the file: the decoder of the image format may
    // reject it or return the rows it got; neither holds a whole symbol.
    if let Ok(partial) = image::load_from_memory(&bytes[..bytes.len() / 5]) {
        let outcome = decode_pdf417(&partial);
        assert!(!matches!(outcome, Ok(Some(_))), "{outcome:?}");
    }
}

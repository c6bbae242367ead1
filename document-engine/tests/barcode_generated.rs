//! The PDF417 reader on generated fixtures: AAMVA licence payloads encoded
//! with rxing's writer, drawn at module widths of 1 to 4 pixels and degraded
//! (blur, tilt, JPEG, noise); every one must decode back to exactly the
//! encoded bytes. Also: non-AAMVA PDF417 content is still a payload, other
//! symbologies and garbage are not.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod support;

use image::GrayImage;
use riv_document_engine::barcode::{BarcodeError, Pdf417Payload, decode_pdf417};
use support::fixtures::{self, Degradation};
use support::render::{self, Rng, dynamic};

fn decode(image: GrayImage) -> Result<Option<Pdf417Payload>, BarcodeError> {
    decode_pdf417(&dynamic(image))
}

#[test]
fn every_generated_licence_decodes_to_its_bytes() {
    let mut rng = Rng::new(7);
    let mut failures = Vec::new();
    let mut total = 0;
    for (name, payload) in fixtures::licences() {
        let expected = payload.to_bytes();
        let matrix = render::pdf417_matrix(&payload.to_text(), 5);
        for module_px in fixtures::MODULE_WIDTHS {
            let symbol = render::draw(&matrix, module_px, 2);
            for degradation in Degradation::for_module_width(module_px) {
                total += 1;
                let image = degradation.apply(&symbol, module_px, &mut rng);
                let case = format!("{name}, {module_px} px modules, {degradation}");
                match decode(image) {
                    Ok(Some(decoded)) if decoded.bytes == expected => {
                        eprintln!(
                            "{case}: {} ({} attempts)",
                            decoded.attempt, decoded.attempts_tried
                        );
                    }
                    Ok(Some(decoded)) => {
                        failures.push(format!("{case}: wrong bytes {:?}", decoded.text))
                    }
                    other => failures.push(format!("{case}: {other:?}")),
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Latin-1 text as the bytes PDF417 carries.
fn latin1(text: &str) -> Vec<u8> {
    text.chars().map(|c| u8::try_from(c).unwrap()).collect()
}

#[test]
fn non_aamva_content_is_still_a_payload() {
    let mut rng = Rng::new(11);
    let printable: String = (0x20u8..0x7f).map(char::from).collect();
    let latin: String = "àéîõüßÆØÇñ¿¡°±µ¼½¾".to_owned() + &printable;
    let texts = [
        rng.text(&printable, 40),
        rng.text(&printable, 400),
        rng.text(&latin, 120),
        rng.text("0123456789", 300),
        "line one\r\nline two\ttab\x1d\x1e\x1f end".to_owned(),
    ];
    for text in texts {
        for module_px in [2, 3] {
            let image = render::pdf417_image(&text, module_px);
            let payload = decode(image)
                .unwrap_or_else(|e| panic!("{text:?}: {e}"))
                .unwrap_or_else(|| panic!("{text:?} at {module_px} px: no payload"));
            assert_eq!(payload.text, text);
            assert_eq!(payload.bytes, latin1(&text));
        }
    }
}

#[test]
fn other_symbologies_are_not_payloads() {
    let licence = support::aamva::sample_licence("636023", 10, "OH", false).to_text();
    let qr = render::draw(&render::qr_matrix(&licence), 4, 4);
    assert_eq!(decode(qr), Ok(None), "QR code");
    let code128 = render::draw(&render::code128_matrix("DL D1234567", 60), 3, 10);
    assert_eq!(decode(code128), Ok(None), "Code 128");
}

#[test]
fn beside_a_qr_code_the_pdf417_symbol_is_read() {
    let licence = support::aamva::sample_licence("636000", 8, "VA", false);
    let qr = render::draw(&render::qr_matrix("https://example.invalid/verify"), 4, 4);
    let pdf = render::pdf417_image(&licence.to_text(), 2);
    let (width, height) = (
        qr.width() + pdf.width() + 40,
        qr.height().max(pdf.height()) + 20,
    );
    let mut card = GrayImage::from_pixel(width, height, image::Luma([render::WHITE]));
    image::imageops::replace(&mut card, &qr, 10, 10);
    image::imageops::replace(&mut card, &pdf, i64::from(qr.width()) + 30, 10);
    let payload = decode(card).unwrap().expect("the PDF417 symbol");
    assert_eq!(payload.bytes, licence.to_bytes());
}

#[test]
fn noise_and_tiny_images_give_none() {
    let mut rng = Rng::new(5);
    for (width, height) in [(1, 1), (3, 2), (17, 400), (64, 64), (640, 400), (1200, 800)] {
        let image = rng.noise_image(width, height);
        assert_eq!(decode(image), Ok(None), "{width}x{height} noise");
    }
    let flat = GrayImage::from_pixel(500, 300, image::Luma([0]));
    assert_eq!(decode(flat), Ok(None), "black image");
}

/// A symbol cut in part is located but cannot be decoded: the typed
/// "present but undecodable" outcome, never a payload of partial data.
#[test]
fn truncated_symbols_are_undecodable() {
    let licence = support::aamva::sample_licence("636015", 8, "TX", false);
    let full = render::pdf417_image(&licence.to_text(), 3);
    let (width, height) = full.dimensions();
    let cuts = [
        (
            "left half",
            image::imageops::crop_imm(&full, 0, 0, width / 2, height).to_image(),
        ),
        (
            "right half",
            image::imageops::crop_imm(&full, width / 2, 0, width / 2, height).to_image(),
        ),
        (
            "top third",
            image::imageops::crop_imm(&full, 0, 0, width, height / 3).to_image(),
        ),
    ];
    for (name, cut) in cuts {
        let outcome = decode(cut);
        assert!(
            matches!(outcome, Err(BarcodeError::Undecodable { .. })),
            "{name}: {outcome:?}"
        );
    }
}

#[test]
fn a_clearly_tilted_symbol_is_levelled_first() {
    let licence = support::aamva::sample_licence("636012", 10, "ON", true);
    let symbol = render::pdf417_image(&licence.to_text(), 3);
    for degrees in [5.0, -5.0, 12.0] {
        let payload = decode(render::rotate(&symbol, degrees))
            .unwrap()
            .unwrap_or_else(|| panic!("tilted {degrees}°: no payload"));
        assert_eq!(payload.bytes, licence.to_bytes());
        assert!(payload.attempt.level, "{degrees}°: {}", payload.attempt);
        assert_eq!(payload.attempts_tried, 1, "{degrees}°: {}", payload.attempt);
    }
}

#[test]
fn a_huge_photo_is_read_within_the_size_bound() {
    let licence = support::aamva::sample_licence("636028", 8, "BC", true);
    // Modules of 6 pixels in a 5200x2600 frame: shrunk to 2560 pixels wide,
    // the modules are still about 3 pixels.
    let symbol = render::pdf417_image(&licence.to_text(), 6);
    let photo = render::on_card(&symbol, 5200, 2600, (900, 700), (230, 190));
    let payload = decode(photo)
        .unwrap()
        .expect("the symbol in the huge photo");
    assert_eq!(payload.bytes, licence.to_bytes());
}

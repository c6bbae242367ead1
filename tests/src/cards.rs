//! Generated identity documents for the register-idcard tests, drawn with
//! document-engine's test fixtures:
//!
//! - a US driver's licence: a pale front with the holder's photo on its
//!   left ([`licence_front`]), and a back carrying an AAMVA PDF417 barcode
//!   ([`licence_back`]);
//! - a TD3 passport data page: the holder's photo on the left, a few
//!   printed fields beside it and the two MRZ lines along the bottom
//!   ([`passport_page`]), with correct check digits ([`passport_mrz`]) or a
//!   document number altered after they were computed ([`tampered`]).
//!
//! The holder is always Barack Hussein Obama, born 1961-08-04; the photos
//! are the public photos the tests fetch.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::Path;

use ab_glyph::{Font as _, FontRef, PxScale, ScaleFont as _};
use image::{DynamicImage, GenericImageView, GrayImage, Luma, Rgb, RgbImage};
use riv_client::{Picture, PreparedRequest};
use riv_events::UserId;

#[path = "../../document-engine/tests/support/mod.rs"]
mod support;

use support::mrz_fixtures::{Format, Holder, draw_text, mrz_lines};
use support::{aamva, render};

/// The holder's surname, as every generated document prints it.
pub const LAST_NAME: &str = "OBAMA";
/// The holder's given names.
pub const FIRST_NAME: &str = "BARACK";
/// The holder's date of birth (ISO 8601).
pub const DATE_OF_BIRTH: &str = "1961-08-04";

/// The passport's number: no character OCR confuses with another
/// (0/O, 1/I, 8/B...), so the reader can repair none of them.
const PASSPORT_NUMBER: &str = "473947397";

/// The monospace font MRZs are drawn in (Source Code Pro, from a registry
/// package, cached after the first download), or a skip (a failure under
/// `CI=true`).
pub fn mrz_font() -> Option<Vec<u8>> {
    support::font()
}

/// A licence back for the holder, expiring `expiry` (MMDDCCYY).
pub fn licence_back(expiry: &str) -> DynamicImage {
    let subfile = aamva::Subfile::new(
        "DL",
        &[
            ("DAQ", "S12345678"),
            ("DCS", LAST_NAME),
            ("DAC", FIRST_NAME),
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
/// face is as small as on a real card, on its left; no photo, no portrait.
pub fn licence_front(photo: Option<&Path>) -> DynamicImage {
    let mut card = RgbImage::from_pixel(640, 400, Rgb([210, 225, 240]));
    if let Some(photo) = photo {
        let portrait = shrunk_portrait(photo);
        let top = (card.height() - portrait.height()) / 2;
        image::imageops::overlay(&mut card, &portrait, 30, i64::from(top));
    }
    DynamicImage::ImageRgb8(card)
}

/// The holder's photo shrunk to a portrait's size, at most 180 × 230 px.
fn shrunk_portrait(photo: &Path) -> RgbImage {
    let portrait = image::open(photo)
        .unwrap_or_else(|err| panic!("{}: {err}", photo.display()))
        .resize(180, 230, image::imageops::FilterType::Triangle);
    let (w, h) = portrait.dimensions();
    assert!(w <= 180 && h <= 230);
    portrait.to_rgb8()
}

/// The MRZ of the holder's US passport (TD3), valid until `expiry` (YYMMDD).
pub fn passport_mrz(expiry: &'static str) -> Vec<String> {
    let holder = Holder {
        country: "USA",
        surname: LAST_NAME,
        given: "BARACK HUSSEIN",
        number: PASSPORT_NUMBER,
        nationality: "USA",
        birth: "610804",
        sex: 'M',
        expiry,
        optional: "",
    };
    mrz_lines(Format::Td3, &holder)
}

/// `mrz` with the document number's first digit changed from 4 to 7 and
/// every check digit left as it was: what a forger who did not recompute
/// them prints.
pub fn tampered(mrz: &[String]) -> Vec<String> {
    let mut lines = mrz.to_vec();
    let line = &mut lines[1];
    assert!(line.starts_with('4'), "{line}");
    line.replace_range(0..1, "7");
    lines
}

/// A passport data page (125 × 88 mm at 8 px/mm): pale paper, the holder's
/// photo on the left with a few printed fields beside it, and `mrz` along
/// the bottom in `font` (an OCR-B-like monospace, about 2.6 mm a
/// character as ICAO 9303 prints it).
pub fn passport_page(photo: &Path, mrz: &[String], font: &[u8]) -> DynamicImage {
    let (width, height) = (1000, 704);
    let font = FontRef::try_from_slice(font).expect("the font parses");
    let mut ink = GrayImage::from_pixel(width, height, Luma([255]));
    let print = |ink: &mut GrayImage, size: f32, x: f32, baseline: f32, text: &str| {
        let scale = PxScale::from(size);
        let advance = font.as_scaled(scale).h_advance(font.glyph_id('M'));
        draw_text(ink, &font, scale, text, x, baseline, advance);
    };
    print(
        &mut ink,
        30.0,
        40.0,
        60.0,
        "PASSPORT  UNITED STATES OF AMERICA",
    );
    let fields = [
        ("Surname", LAST_NAME),
        ("Given Names", "BARACK HUSSEIN"),
        ("Nationality", "UNITED STATES OF AMERICA"),
        ("Date of birth", "04 AUG 1961"),
    ];
    for (i, (label, value)) in fields.into_iter().enumerate() {
        let top = 140.0 + 80.0 * i as f32;
        print(&mut ink, 16.0, 260.0, top, label);
        print(&mut ink, 24.0, 260.0, top + 30.0, value);
    }
    // 44 characters across 920 px.
    let advance_at_100 = font
        .as_scaled(PxScale::from(100.0))
        .h_advance(font.glyph_id('M'));
    let size = 100.0 * 920.0 / 44.0 / advance_at_100;
    for (i, line) in mrz.iter().enumerate() {
        print(&mut ink, size, 40.0, 600.0 + 56.0 * i as f32, line);
    }

    let paper: Rgb<u8> = Rgb([232, 236, 226]);
    let mut page = RgbImage::from_fn(width, height, |x, y| {
        let k = f32::from(ink.get_pixel(x, y).0[0]) / 255.0;
        Rgb(paper.0.map(|c| (f32::from(c) * k).round() as u8))
    });
    image::imageops::overlay(&mut page, &shrunk_portrait(photo), 40, 120);
    DynamicImage::ImageRgb8(page)
}

/// `image` as a JPEG picture named `name`.
pub fn jpeg(image: &DynamicImage, name: &str) -> Picture {
    let mut bytes = Vec::new();
    image
        .to_rgb8()
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
        .expect("JPEG encoding");
    Picture::from_bytes(bytes, Path::new(name)).expect("a JPEG")
}

/// A register-idcard request for `user`: the selfie at `selfie`, the
/// document's `front` and, for a card, its `back`.
pub async fn idcard_request(
    user: &str,
    selfie: &Path,
    front: &DynamicImage,
    back: Option<&DynamicImage>,
    properties: &[(&str, &str)],
) -> PreparedRequest {
    let selfie = Picture::read(selfie)
        .await
        .unwrap_or_else(|err| panic!("{}: {err}", selfie.display()));
    let properties: BTreeMap<String, String> = properties
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    PreparedRequest::idcard(
        UserId::parse(user).expect("a valid user id"),
        selfie,
        jpeg(front, "front.jpg"),
        back.map(|back| jpeg(back, "back.jpg")),
        properties,
    )
    .expect("a valid request")
}

//! Speed of each reader on one document: a clean TD3 MRZ, the same MRZ with
//! OCR damage to repair (a letter in a date, a confused document number, a
//! filler missing), picking the MRZ out of a page of text lines, an AAMVA
//! payload, and a page of printed labels.
//!
//! Run with `cargo bench -p riv-document --bench parse`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // bench code: failing loudly is the point

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use riv_document::labels::{self, TextLine};
use riv_document::{aamva, mrz};

const CLEAN: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];
const DAMAGED: [&str; 2] = [
    "p<utoeriksson«anna<maria<<<<<<<<<<<<<<<<<<k",
    "L8989O2C36UTO74O8122F1204159ZE184226B<<<<10",
];
const AAMVA: &str = "@\n\u{1e}\rANSI 636000100002DL00410278ZV03190008DLDAQT64235789\nDCSSAMPLE\nDDEN\nDACMICHAEL\nDDFN\nDADJOHN\nDDGN\nDCUJR\nDCAD\nDCBK\nDCDPH\nDBD06062019\nDBB06061986\nDBA12102024\nDBC1\nDAU068 in\nDAYBRO\nDAG2300 WEST BROAD STREET\nDAIRICHMOND\nDAJVA\nDAK232690000  \nDCF2424244747474786102204\nDCGUSA\nDCK123456789\nDDAF\nDDB06062018\nDDC06062020\nDDD1\rZVZVA01\r";

fn page() -> Vec<TextLine> {
    let rows = [
        ("UNITED STATES OF AMERICA", 60.0, 40.0),
        ("PASSPORT CARD", 300.0, 90.0),
        ("Surname", 380.0, 220.0),
        ("TRAVELER", 410.0, 250.0),
        ("Given Names", 480.0, 290.0),
        ("HAPPY", 480.0, 320.0),
        ("Sex", 510.0, 365.0),
        ("Date of Birth", 610.0, 365.0),
        ("M", 510.0, 400.0),
        ("1 JAN 1981", 590.0, 390.0),
        ("Expires On", 700.0, 505.0),
        ("29 NOV 2019", 720.0, 530.0),
    ];
    rows.iter()
        .map(|(text, left, top)| TextLine {
            text: (*text).to_owned(),
            confidence: 99.0,
            left: *left,
            top: *top,
            width: 15.0 * text.len() as f32,
            height: 22.0,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let today = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    c.bench_function("mrz_read_clean_td3", |b| {
        b.iter(|| mrz::read(std::hint::black_box(&CLEAN), today).unwrap())
    });
    c.bench_function("mrz_read_damaged_td3", |b| {
        b.iter(|| {
            let r = mrz::read(std::hint::black_box(&DAMAGED), today).unwrap();
            assert!(r.checks_valid());
            r
        })
    });
    let mut lines: Vec<&str> = vec![
        "PASSPORT",
        "Surname / Nom",
        "ERIKSSON",
        "Given names",
        "ANNA MARIA",
    ];
    lines.extend(CLEAN);
    c.bench_function("mrz_find_lines_page", |b| {
        b.iter(|| mrz::find_lines(std::hint::black_box(&lines)).unwrap())
    });
    c.bench_function("aamva_read_v10", |b| {
        b.iter(|| aamva::read(std::hint::black_box(AAMVA.as_bytes())).unwrap())
    });
    let page = page();
    c.bench_function("labels_read_card", |b| {
        b.iter(|| labels::read(std::hint::black_box(&page)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

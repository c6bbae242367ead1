//! Prints every text line OCR finds in the images given on the command
//! line, then the MRZ band as the band reader reads it (each line with its
//! characters' confidences and the unrestricted reading): `cargo run
//! --release -p riv-document-engine --example ocr_lines -- [--model-dir DIR]
//! IMAGE...` (the model directory defaults to `$RIV_MODEL_DIR`).

#![allow(clippy::print_stdout)]

use std::time::Instant;

use riv_document_engine::models::OcrModelDir;
use riv_document_engine::mrz_band::{MrzOptions, read_mrz};
use riv_document_engine::ocr::Ocr;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut model_dir = std::env::var("RIV_MODEL_DIR").unwrap_or_default();
    if args.first().map(String::as_str) == Some("--model-dir") && args.len() > 1 {
        model_dir = args.remove(1);
        args.remove(0);
    }
    let ocr = Ocr::load(&OcrModelDir::new(model_dir))?;
    for path in args {
        let image = image::open(&path)?;
        let started = Instant::now();
        let lines = ocr.read_lines(&image)?;
        println!("{path}: {} lines in {:.0?}", lines.len(), started.elapsed());
        for line in lines {
            println!(
                "  {:5.3} ({:4},{:4} {:4}x{:3}) {}",
                line.confidence, line.left, line.top, line.width, line.height, line.text
            );
        }
        let reading = read_mrz(&ocr, &image, &MrzOptions::default())?;
        let Some(band) = reading.band else {
            println!(
                "  no MRZ band ({} candidates read)",
                reading.candidates_read
            );
            continue;
        };
        for line in band.lines {
            let low: Vec<String> = line
                .text
                .chars()
                .zip(&line.char_confidences)
                .enumerate()
                .filter(|(_, (_, c))| **c < 0.9)
                .map(|(i, (ch, c))| format!("{i}:{ch}={c:.2}"))
                .collect();
            println!(
                "  MRZ {:5.3} {} [{}]",
                line.confidence, line.text, line.unrestricted
            );
            if !low.is_empty() {
                println!("      below 0.9: {}", low.join(" "));
            }
        }
    }
    Ok(())
}

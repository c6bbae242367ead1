//! The MRZ band reader on the shared specimens: every row of
//! `id-documents/truth_mrz.tsv` that is a reading target (see
//! [`support::TruthRow::is_reading_target`]) is read and compared with its
//! truth, O and 0 counted as equal; the documents without an MRZ give no
//! band. Prints the exact-line rate and the character error rate.

mod support;

use riv_document_engine::mrz_band::{MrzOptions, read_mrz};

#[test]
fn specimens_read_like_their_truth() {
    let Some(ocr) = support::require_ocr() else {
        return;
    };
    let Some(rows) = support::truth_rows() else {
        return;
    };
    let targets: Vec<_> = rows.iter().filter(|r| r.is_reading_target()).collect();
    assert!(
        targets.len() >= 20,
        "only {} reading targets",
        targets.len()
    );
    let options = MrzOptions::default();
    let (mut lines, mut exact_lines, mut exact_docs, mut errors, mut chars) = (0, 0, 0, 0, 0);
    let mut found = 0;
    for row in &targets {
        let Some(path) = support::require_testdata_file(&row.relative_path()) else {
            return;
        };
        let image = image::open(&path).expect("specimen decodes");
        let reading = read_mrz(&ocr, &image, &options).expect("reading runs");
        let read: Vec<String> = reading
            .band
            .as_ref()
            .map(|b| b.lines.iter().map(|l| l.text.clone()).collect())
            .unwrap_or_default();
        found += usize::from(reading.band.is_some());
        let mut doc_exact = read.len() == row.mrz.len();
        for (i, truth) in row.mrz.iter().enumerate() {
            let got = read.get(i).map_or("", String::as_str);
            let diff = support::differences(got, truth);
            lines += 1;
            chars += truth.len();
            errors += diff;
            exact_lines += usize::from(diff == 0);
            doc_exact &= diff == 0;
            if diff != 0 {
                eprintln!(
                    "{}: line {}: {diff} off\n  read  {got}\n  truth {truth}",
                    row.file,
                    i + 1
                );
            }
        }
        exact_docs += usize::from(doc_exact);
    }
    let cer = errors as f64 / chars as f64;
    eprintln!(
        "MRZ specimens: band found in {found}/{} documents; {exact_docs} documents and \
         {exact_lines}/{lines} lines exact (O=0); character error rate {:.2}% ({errors}/{chars})",
        targets.len(),
        cer * 100.0
    );
    assert_eq!(found, targets.len(), "every target has its band found");
    assert!(
        exact_lines * 10 >= lines * 9,
        "{exact_lines}/{lines} lines exact"
    );
    assert!(cer < 0.01, "character error rate {cer}");
}

#[test]
fn documents_without_an_mrz_give_no_band() {
    let Some(ocr) = support::require_ocr() else {
        return;
    };
    for relative in [
        "id-documents/mrz-fastmrz/nomrz.jpg",
        "id-documents/mrz-passporteye/tests_data/pacman.png",
        "id-documents/us-passport-card-exemplar/passport_card.jpeg",
    ] {
        let Some(path) = support::require_testdata_file(relative) else {
            return;
        };
        let image = image::open(&path).expect("image decodes");
        let reading = read_mrz(&ocr, &image, &MrzOptions::default()).expect("reading runs");
        assert!(reading.band.is_none(), "{relative}: {:?}", reading.band);
    }
}

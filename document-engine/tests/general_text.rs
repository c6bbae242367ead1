//! General text reading on the US passport card exemplar.

mod support;

#[test]
fn the_passport_card_reads_its_holder_and_number() {
    let Some(ocr) = support::require_ocr() else {
        return;
    };
    let Some(path) =
        support::require_testdata_file("id-documents/us-passport-card-exemplar/passport_card.jpeg")
    else {
        return;
    };
    let image = image::open(&path).expect("exemplar decodes");
    let lines = ocr.read_lines(&image).expect("reading runs");
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    for want in ["TRAVELER", "HAPPY", "C03005988"] {
        assert!(
            texts.iter().any(|t| t.contains(want)),
            "no line contains {want}: {texts:?}"
        );
    }
    for line in &lines {
        assert!((0.0..=1.0).contains(&line.confidence));
        assert_eq!(line.char_confidences.len(), line.text.chars().count());
        assert!(
            line.left + line.width <= image.width() && line.top + line.height <= image.height()
        );
    }
}

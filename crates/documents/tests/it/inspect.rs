//! Every kind accepted with its page count; every damaged or foreign file refused naming
//! its problem.

use crate::files::{jpeg, pdf, tiff};
use documents::{InspectError, inspect};

#[test]
fn jpeg_tiff_and_pdf_are_accepted_with_their_pages_and_thumbnails() {
    let j = inspect(&jpeg(1)).unwrap();
    assert_eq!((j.media_type, j.pages), ("image/jpeg", 1));
    let thumb = image::load_from_memory(&j.thumbnail.unwrap()).unwrap();
    assert!(thumb.width() <= 160 && thumb.height() <= 208, "{thumb:?}");
    assert_eq!(
        thumb.height(),
        208,
        "a portrait page fills the box's height"
    );

    let t = inspect(&tiff(3)).unwrap();
    assert_eq!((t.media_type, t.pages), ("image/tiff", 3));
    assert!(t.thumbnail.is_some());

    // The PDF's first page drawn by Poppler (.ci/run installs poppler-utils): a portrait
    // page in the box, white paper with the page's dark text on it.
    let p = inspect(&pdf(4)).unwrap();
    assert_eq!((p.media_type, p.pages), ("application/pdf", 4));
    let thumb = image::load_from_memory(&p.thumbnail.expect("pdftoppm drew the first page"))
        .unwrap()
        .to_luma8();
    // A Letter page fits the 160 x 208 box by its width.
    assert_eq!(thumb.width(), 160, "{:?}", thumb.dimensions());
    assert!(
        (200..=208).contains(&thumb.height()),
        "{:?}",
        thumb.dimensions()
    );
    let darkest = thumb.pixels().map(|p| p.0[0]).min().unwrap_or(255);
    // One line of small type drawn 160 pixels wide is grey, not black.
    let inked = thumb.pixels().filter(|p| p.0[0] < 230).count();
    assert!(darkest < 200, "the text shows: darkest pixel {darkest}");
    assert!(inked > 20, "the text shows: {inked} inked pixels");
    let light = thumb.pixels().filter(|p| p.0[0] > 200).count();
    assert!(
        light > thumb.len() / 2,
        "the paper is white: {light} light pixels"
    );
}

#[test]
fn cut_damaged_and_foreign_files_are_refused_naming_the_problem() {
    let said = |bytes: &[u8]| inspect(bytes).unwrap_err().to_string();

    assert_eq!(said(b""), "the file is empty");
    let text = said(b"Dear colleague, please find attached");
    assert!(
        text.starts_with("not a scanned document: expected a PDF"),
        "{text}"
    );
    assert!(text.contains("\"Dear col\""), "{text}");
    assert!(said(&[0x89, b'P', b'N', b'G', 13, 10, 26, 10]).contains("89 50 4E 47"));

    let j = jpeg(2);
    let cut = said(&j[..j.len() / 2]);
    assert!(
        cut.starts_with("damaged JPEG: no end-of-image marker"),
        "{cut}"
    );
    let mut scrambled = j.clone();
    for b in scrambled.iter_mut().skip(4).take(600) {
        *b = 0x11;
    }
    assert!(said(&scrambled).starts_with("damaged JPEG"));

    let t = tiff(2);
    let cut = said(&t[..t.len() - 5000]);
    assert!(cut.starts_with("damaged TIFF: page"), "{cut}");
    assert!(said(&t[..6]).starts_with("damaged TIFF: page 1"));

    let p = pdf(2);
    let cut = said(&p[..p.len() - 40]);
    assert!(cut.contains("no %%EOF marker at its end"), "{cut}");
    let mut no_pages = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    no_pages.extend_from_slice(b"startxref\n9\n%%EOF\n");
    assert_eq!(said(&no_pages), "damaged PDF: it holds no pages");
    let trailing = [p.as_slice(), b"<script>"].concat();
    assert!(said(&trailing).contains("bytes follow the last %%EOF"));
    assert!(matches!(
        inspect(b"%PDF-x.y\n"),
        Err(InspectError::Pdf(m)) if m.contains("no version")
    ));
}

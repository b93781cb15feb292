use super::*;

#[test]
fn xref_offsets_point_at_their_objects() {
    let pages = vec![
        Page {
            header: "ROI-000001".into(),
            lines: vec![Line::bold("Cover (sheet)"), Line::plain("Zoë \\ naïve — ✓")],
            footer: "page 1 of 2".into(),
        },
        Page::default(),
    ];
    let pdf = write(&pages, Some("ROI-000001"), "packet");
    let text = String::from_utf8_lossy(&pdf).into_owned();
    assert!(text.starts_with("%PDF-1.4"));
    assert!(text.contains("/Count 2"));
    assert!(text.contains("(Cover \\(sheet\\)) Tj"));
    let startxref: usize = text
        .rsplit("startxref\n")
        .next()
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(pdf[startxref..].starts_with(b"xref\n0 12\n"));
    let xref = String::from_utf8(pdf[startxref..].to_vec()).unwrap();
    for (number, line) in xref.lines().skip(3).take(11).enumerate() {
        let offset: usize = line[..10].parse().unwrap();
        let expected = format!("{} 0 obj", number + 1);
        assert!(
            pdf[offset..].starts_with(expected.as_bytes()),
            "object {} at {offset}",
            number + 1
        );
    }
    // Latin-1 stays one byte; what WinAnsi cannot show becomes '?'.
    assert!(pdf.windows(4).any(|w| w == b"Zo\xEB "));
    assert!(pdf.windows(3).any(|w| w == b"\x97 ?"));
}

#[test]
fn wrap_cuts_at_spaces_and_splits_long_words() {
    assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
    assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
    assert_eq!(wrap("", 10), [""]);
}

#[test]
fn a_page_without_watermark_has_none_and_mono_lines_are_courier() {
    let pages = vec![Page {
        header: String::new(),
        lines: vec![Line::mono("99213     125.50"), Line::mono_bold("Total")],
        footer: String::new(),
    }];
    let text = String::from_utf8_lossy(&write(&pages, None, "statement")).into_owned();
    assert!(!text.contains("0.88 g"), "no watermark drawn");
    assert!(text.contains("/F3 9 Tf 54.0 738.0 Td (99213     125.50) Tj"));
    assert!(text.contains("/F4 9 Tf"));
    assert!(text.contains("/BaseFont /Courier "));
}

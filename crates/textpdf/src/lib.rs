//! A small PDF 1.4 writer for text pages: US Letter, Helvetica and Courier (of the 14
//! standard fonts, so nothing is embedded) in WinAnsiEncoding, each page with an optional
//! diagonal watermark drawn under the text. Enough for a release packet or a patient
//! statement without a PDF library; Courier lines keep columns of amounts aligned.
//!
//! Invariants:
//! - The cross-reference table gives every object's exact byte offset, so readers need no
//!   repair; a test parses the offsets back.
//! - Text is written as PDF literal strings with `(`, `)` and `\` escaped; characters
//!   outside Latin-1 become `?` (WinAnsi has no glyph for them).

use std::fmt::Write as _;

/// Page width and height in points (US Letter).
const WIDTH: f32 = 612.0;
const HEIGHT: f32 = 792.0;
/// Left margin and the first baseline.
const LEFT: f32 = 54.0;
const TOP: f32 = 738.0;
/// Points between baselines of 10-point text.
const LEADING: f32 = 13.0;
/// The object number of the first page (the objects before it: catalog, page tree, four
/// fonts, info).
const FIRST_PAGE: usize = 8;
/// Lines of body text a page holds.
pub const LINES_PER_PAGE: usize = 50;
/// Characters a line holds at 10 points (Helvetica averages about 5 points a character).
pub const LINE_WIDTH: usize = 96;
/// Characters a Courier line holds: 9 points, every character 0.6 em (5.4 points) wide,
/// in the 504 points between the margins.
pub const MONO_WIDTH: usize = 93;

/// How a line is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Helvetica, 10 points.
    Plain,
    /// Helvetica-Bold, 10 points.
    Bold,
    /// Courier, 9 points: columns line up.
    Mono,
    /// Courier-Bold, 9 points.
    MonoBold,
}

/// One line of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The text.
    pub text: String,
    /// Its font.
    pub style: Style,
}

impl Line {
    /// A plain line.
    pub fn plain(text: impl Into<String>) -> Self {
        Self::styled(text, Style::Plain)
    }

    /// A bold line.
    pub fn bold(text: impl Into<String>) -> Self {
        Self::styled(text, Style::Bold)
    }

    /// A fixed-width line (tables of amounts).
    pub fn mono(text: impl Into<String>) -> Self {
        Self::styled(text, Style::Mono)
    }

    /// A fixed-width bold line (a table's head or total).
    pub fn mono_bold(text: impl Into<String>) -> Self {
        Self::styled(text, Style::MonoBold)
    }

    /// A line set in `style`.
    pub fn styled(text: impl Into<String>, style: Style) -> Self {
        Self {
            text: text.into(),
            style,
        }
    }
}

/// `text` cut into lines of at most `width` characters, at spaces where it can be.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_owned();
        while word.chars().count() > width {
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        let needed =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if needed > width && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// `text` as the bytes of a PDF literal string's content in WinAnsiEncoding.
fn escape(text: &str, out: &mut Vec<u8>) {
    for c in text.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push(b'\\');
                out.push(c as u8);
            }
            '\t' => out.push(b' '),
            c if (c as u32) < 0x20 => {}
            c if (c as u32) < 0x80 || ((c as u32) >= 0xA0 && (c as u32) <= 0xFF) => {
                out.push(c as u32 as u8);
            }
            '\u{2013}' => out.push(0x96),
            '\u{2014}' => out.push(0x97),
            '\u{2019}' => out.push(0x92),
            _ => out.push(b'?'),
        }
    }
}

/// A page's header, body lines and footer.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Small text above the body.
    pub header: String,
    /// The body.
    pub lines: Vec<Line>,
    /// Small text below the body.
    pub footer: String,
}

fn text_op(out: &mut Vec<u8>, font: &str, size: f32, x: f32, y: f32, text: &str) {
    out.extend_from_slice(format!("BT /{font} {size} Tf {x:.1} {y:.1} Td (").as_bytes());
    escape(text, out);
    out.extend_from_slice(b") Tj ET\n");
}

fn content(page: &Page, watermark: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    // The watermark first, in light grey at 45 degrees, so the text stays readable over it.
    if let Some(watermark) = watermark {
        out.extend_from_slice(b"q 0.88 g BT /F2 44 Tf 0.7071 0.7071 -0.7071 0.7071 150 220 Tm (");
        escape(watermark, &mut out);
        out.extend_from_slice(b") Tj ET Q\n");
    }
    text_op(&mut out, "F1", 8.0, LEFT, HEIGHT - 30.0, &page.header);
    let mut y = TOP;
    for line in &page.lines {
        let (font, size) = match line.style {
            Style::Plain => ("F1", 10.0),
            Style::Bold => ("F2", 10.0),
            Style::Mono => ("F3", 9.0),
            Style::MonoBold => ("F4", 9.0),
        };
        text_op(&mut out, font, size, LEFT, y, &line.text);
        y -= LEADING;
    }
    text_op(&mut out, "F1", 8.0, LEFT, 30.0, &page.footer);
    out
}

/// The pages as a PDF file, each watermarked with `watermark` when there is one.
pub fn write(pages: &[Page], watermark: Option<&str>, title: &str) -> Vec<u8> {
    // Objects: 1 catalog, 2 page tree, 3 Helvetica, 4 Helvetica-Bold, 5 info, 6 Courier,
    // 7 Courier-Bold, then a page and its content stream per page.
    let n_objects = FIRST_PAGE - 1 + 2 * pages.len();
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = vec![0usize; n_objects + 1];
    let object = |out: &mut Vec<u8>, offsets: &mut Vec<usize>, number: usize, body: &[u8]| {
        if let Some(slot) = offsets.get_mut(number) {
            *slot = out.len();
        }
        out.extend_from_slice(format!("{number} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };
    object(
        &mut out,
        &mut offsets,
        1,
        b"<< /Type /Catalog /Pages 2 0 R >>",
    );
    let mut kids = String::new();
    for idx in 0..pages.len() {
        let _ = write!(kids, "{} 0 R ", FIRST_PAGE + 2 * idx);
    }
    object(
        &mut out,
        &mut offsets,
        2,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.trim_end(),
            pages.len()
        )
        .as_bytes(),
    );
    for (number, font) in [
        (3, "Helvetica"),
        (4, "Helvetica-Bold"),
        (6, "Courier"),
        (7, "Courier-Bold"),
    ] {
        object(
            &mut out,
            &mut offsets,
            number,
            format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /{font} /Encoding /WinAnsiEncoding >>"
            )
            .as_bytes(),
        );
    }
    let mut info = b"<< /Title (".to_vec();
    escape(title, &mut info);
    info.extend_from_slice(b") /Producer (Chartroom) >>");
    object(&mut out, &mut offsets, 5, &info);
    for (idx, page) in pages.iter().enumerate() {
        let page_number = FIRST_PAGE + 2 * idx;
        object(
            &mut out,
            &mut offsets,
            page_number,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {WIDTH} {HEIGHT}] /Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 6 0 R /F4 7 0 R >> >> /Contents {} 0 R >>",
                page_number + 1
            )
            .as_bytes(),
        );
        let stream = content(page, watermark);
        let mut body = format!("<< /Length {} >>\nstream\n", stream.len()).into_bytes();
        body.extend_from_slice(&stream);
        body.extend_from_slice(b"endstream");
        object(&mut out, &mut offsets, page_number + 1, &body);
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", n_objects + 1).as_bytes());
    for offset in offsets.iter().skip(1) {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            n_objects + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests;

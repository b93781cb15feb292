//! Printable paper chart labels: a Code 128 symbol of the volume's barcode (character set B,
//! so a USB scanner types exactly the printed text), the barcode in human-readable text under
//! it, and the patient's name, MRN, volume and home location above it.
//!
//! Two renderings of one layout: PNG (8-bit grey, 3 pixels a module, text in an 8x8 bitmap
//! font scaled twice, about 300 dpi on a 2 x 1 inch label) and SVG (the same bars as
//! rectangles, the text as text, for printers that scale). The symbol has a quiet zone of ten
//! modules on each side, as the standard asks.
//!
//! The symbol may be a QR code instead (`Symbol::Qr`, ISO/IEC 18004 through the `qrcode`
//! crate, error correction M, a quiet zone of four modules): a camera or a 2D scanner reads
//! it where a worn or curved label defeats a linear one; it carries the same text.
//!
//! No IO: callers write the bytes where they belong.

mod photo;

pub use photo::{MAX_PHOTO_PIXELS, PhotoError, read_photo};

use std::fmt;
use std::path::Path;

/// What a label carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label<'a> {
    /// The volume's barcode (`M00000012-V1`).
    pub barcode: &'a str,
    /// The patient's name as filed ("Family, Given").
    pub name: &'a str,
    /// The patient's MRN.
    pub mrn: &'a str,
    /// The volume number.
    pub volume: i64,
    /// Where the volume lives.
    pub home: &'a str,
}

/// The machine-readable symbol a label carries; both encode the volume's barcode text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Symbol {
    /// Code 128 (character set B), read by any USB barcode scanner.
    #[default]
    Code128,
    /// A QR code, read by cameras and 2D scanners.
    Qr,
}

/// An image format a label is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PNG, 8-bit grey.
    Png,
    /// SVG 1.1.
    Svg,
}

impl Format {
    /// The format a file name asks for by its extension (`.png`, `.svg`).
    pub fn from_path(path: &Path) -> Result<Format, LabelError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            _ => Err(LabelError(format!(
                "{}: a label is written as .png or .svg; name the file with one of those",
                path.display()
            ))),
        }
    }

    /// The MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Svg => "image/svg+xml",
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// Why a label cannot be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelError(pub String);

impl fmt::Display for LabelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LabelError {}

/// Pixels per module (narrowest bar).
pub const MODULE_PX: usize = 3;
/// Modules of white on each side of the symbol.
pub const QUIET_MODULES: usize = 10;
/// Height of the bars in pixels.
pub const BAR_HEIGHT_PX: usize = 110;
/// Pixels per font pixel (the font is 8 x 8).
pub const TEXT_SCALE: usize = 2;
const GLYPH: usize = 8 * TEXT_SCALE;
const LINE: usize = GLYPH + 6;
const MARGIN: usize = 12;

/// The Code 128 modules of `data` (1 = bar, 0 = space), start, check and stop characters
/// included, in character set B.
pub fn code128_modules(data: &str) -> Result<Vec<u8>, LabelError> {
    if data.is_empty() {
        return Err(LabelError("the barcode is empty".into()));
    }
    if let Some(c) = data.chars().find(|c| !(' '..='~').contains(c)) {
        return Err(LabelError(format!(
            "the barcode \"{data}\" has the character {c:?}, which a Code 128 label (set B: printable ASCII) cannot carry"
        )));
    }
    let symbol = barcoders::sym::code128::Code128::new(format!("\u{0181}{data}"))
        .map_err(|e| LabelError(format!("the barcode \"{data}\" cannot be encoded: {e}")))?;
    Ok(symbol.encode())
}

/// The text lines printed above the symbol.
pub fn text_lines(label: &Label<'_>) -> [String; 3] {
    [
        label.name.to_owned(),
        format!("MRN {}   Volume {}", label.mrn, label.volume),
        format!("Home: {}", label.home),
    ]
}

/// Renders the label with a Code 128 symbol.
pub fn render(label: &Label<'_>, format: Format) -> Result<Vec<u8>, LabelError> {
    render_symbol(label, format, Symbol::Code128)
}

/// Renders the label with the symbol asked for.
pub fn render_symbol(
    label: &Label<'_>,
    format: Format,
    symbol: Symbol,
) -> Result<Vec<u8>, LabelError> {
    let layout = Layout::new(label, symbol)?;
    match format {
        Format::Png => layout.png(),
        Format::Svg => Ok(layout.svg().into_bytes()),
    }
}

struct Layout {
    /// The symbol's dark rectangles from its top left corner.
    rects: Vec<Rect>,
    symbol_height: usize,
    lines: [String; 3],
    caption: String,
    width: usize,
    height: usize,
    bars_x: usize,
    bars_y: usize,
}

/// A dark rectangle: x, y, width, height in pixels.
type Rect = (usize, usize, usize, usize);

/// Pixels per QR module.
pub const QR_MODULE_PX: usize = 6;
/// Modules of white around a QR code (ISO/IEC 18004's quiet zone).
pub const QR_QUIET_MODULES: usize = 4;

/// Runs of dark modules in a row: (first module, modules wide).
fn runs(row: impl Iterator<Item = bool>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut n = 0;
    for (i, dark) in row.enumerate() {
        match (dark, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i - s));
                start = None;
            }
            _ => {}
        }
        n = i + 1;
    }
    if let Some(s) = start {
        out.push((s, n - s));
    }
    out
}

/// The symbol's dark rectangles, its width (quiet zone included) and height, in pixels.
fn symbol_rects(data: &str, symbol: Symbol) -> Result<(Vec<Rect>, usize, usize), LabelError> {
    match symbol {
        Symbol::Code128 => {
            let modules = code128_modules(data)?;
            let quiet = QUIET_MODULES * MODULE_PX;
            let rects = runs(modules.iter().map(|&m| m == 1))
                .into_iter()
                .map(|(start, len)| (quiet + start * MODULE_PX, 0, len * MODULE_PX, BAR_HEIGHT_PX))
                .collect();
            Ok((
                rects,
                (modules.len() + 2 * QUIET_MODULES) * MODULE_PX,
                BAR_HEIGHT_PX,
            ))
        }
        Symbol::Qr => {
            if data.is_empty() {
                return Err(LabelError("a label needs a barcode".into()));
            }
            let code =
                qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
                    .map_err(|e| LabelError(format!("{data:?} does not fit a QR code: {e}")))?;
            let n = code.width();
            let colors = code.to_colors();
            let quiet = QR_QUIET_MODULES * QR_MODULE_PX;
            let mut rects = Vec::new();
            for (y, row) in colors.chunks(n).enumerate() {
                for (start, len) in runs(row.iter().map(|c| *c == qrcode::Color::Dark)) {
                    rects.push((
                        quiet + start * QR_MODULE_PX,
                        quiet + y * QR_MODULE_PX,
                        len * QR_MODULE_PX,
                        QR_MODULE_PX,
                    ));
                }
            }
            let side = (n + 2 * QR_QUIET_MODULES) * QR_MODULE_PX;
            Ok((rects, side, side))
        }
    }
}

impl Layout {
    fn new(label: &Label<'_>, symbol: Symbol) -> Result<Layout, LabelError> {
        let (rects, symbol, symbol_height) = symbol_rects(label.barcode, symbol)?;
        let lines = text_lines(label);
        let caption = label.barcode.to_owned();
        let text = lines
            .iter()
            .chain(std::iter::once(&caption))
            .map(|l| l.chars().count() * GLYPH + 2 * MARGIN)
            .max()
            .unwrap_or(0);
        let width = symbol.max(text);
        let bars_y = MARGIN + 3 * LINE + 6;
        let height = bars_y + symbol_height + 6 + LINE + MARGIN;
        Ok(Layout {
            bars_x: (width - symbol) / 2,
            rects,
            symbol_height,
            lines,
            caption,
            width,
            height,
            bars_y,
        })
    }

    fn caption_y(&self) -> usize {
        self.bars_y + self.symbol_height + 6
    }

    fn caption_x(&self) -> usize {
        (self.width - self.caption.chars().count() * GLYPH) / 2
    }

    fn png(&self) -> Result<Vec<u8>, LabelError> {
        let mut pixels = vec![255u8; self.width * self.height];
        for &(x, y, w, h) in &self.rects {
            let x0 = self.bars_x + x;
            for py in self.bars_y + y..self.bars_y + y + h {
                let row = py * self.width;
                if let Some(span) = pixels.get_mut(row + x0..row + x0 + w) {
                    span.fill(0);
                }
            }
        }
        for (n, line) in self.lines.iter().enumerate() {
            self.draw_text(&mut pixels, line, MARGIN, MARGIN + n * LINE);
        }
        self.draw_text(
            &mut pixels,
            &self.caption,
            self.caption_x(),
            self.caption_y(),
        );
        let mut out = Vec::new();
        let width = u32::try_from(self.width).map_err(|_| too_wide())?;
        let height = u32::try_from(self.height).map_err(|_| too_wide())?;
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| LabelError(format!("writing the label's PNG: {e}")))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| LabelError(format!("writing the label's PNG: {e}")))?;
        writer
            .finish()
            .map_err(|e| LabelError(format!("writing the label's PNG: {e}")))?;
        Ok(out)
    }

    fn draw_text(&self, pixels: &mut [u8], text: &str, x: usize, y: usize) {
        for (i, c) in text.chars().enumerate() {
            let rows = glyph(c);
            let gx = x + i * GLYPH;
            for (r, bits) in rows.iter().enumerate() {
                for bit in 0..8 {
                    if bits & (1 << bit) == 0 {
                        continue;
                    }
                    for dy in 0..TEXT_SCALE {
                        let py = y + r * TEXT_SCALE + dy;
                        let px = gx + bit * TEXT_SCALE;
                        if py < self.height && px + TEXT_SCALE <= self.width {
                            let at = py * self.width + px;
                            pixels[at..at + TEXT_SCALE].fill(0);
                        }
                    }
                }
            }
        }
    }

    fn svg(&self) -> String {
        let mut s = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" shape-rendering=\"crispEdges\">\n<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#fff\"/>\n",
            w = self.width,
            h = self.height
        );
        for (n, line) in self.lines.iter().enumerate() {
            s.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" font-family=\"monospace\" font-size=\"{}\">{}</text>\n",
                MARGIN,
                MARGIN + n * LINE + GLYPH - 2,
                GLYPH,
                escape(line)
            ));
        }
        s.push_str("<g fill=\"#000\">\n");
        for &(x, y, w, h) in &self.rects {
            s.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n",
                self.bars_x + x,
                self.bars_y + y,
                w,
                h
            ));
        }
        s.push_str("</g>\n");
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-family=\"monospace\" font-size=\"{}\" text-anchor=\"middle\">{}</text>\n</svg>\n",
            self.width / 2,
            self.caption_y() + GLYPH - 2,
            GLYPH,
            escape(&self.caption)
        ));
        s
    }
}

fn too_wide() -> LabelError {
    LabelError("the label is too large to draw".into())
}

/// The 8x8 glyph of a character (bit 0 the leftmost pixel); printable ASCII and Latin-1,
/// anything else as `?`.
pub fn glyph(c: char) -> [u8; 8] {
    let code = c as usize;
    match code {
        0x20..=0x7e => font8x8::legacy::BASIC_LEGACY[code],
        0xa0..=0xff => font8x8::legacy::LATIN_LEGACY[code - 0xa0],
        _ => font8x8::legacy::BASIC_LEGACY[usize::from(b'?')],
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail by panicking.
mod tests {
    use super::*;

    #[test]
    fn a_barcode_outside_printable_ascii_is_refused_by_name() {
        let err = code128_modules("M0001\u{e9}").unwrap_err();
        assert!(err.0.contains("cannot carry"), "{err}");
        assert!(code128_modules("").is_err());
        assert!(Format::from_path(Path::new("label.jpg")).is_err());
        assert_eq!(Format::from_path(Path::new("x/LABEL.PNG")), Ok(Format::Png));
    }
}

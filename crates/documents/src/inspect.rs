//! What an upload is: a PDF, a TIFF or a JPEG, told by its first bytes and parsed far
//! enough to refuse a damaged or cut file, with its page count and (for images) a
//! thumbnail of the first page.
//!
//! - PDF: the `%PDF-` header with its version, `startxref` and the `%%EOF` marker at the
//!   end (a cut file has neither), and at least one page object (`/Type /Page`; the count
//!   of those is the page count). The first page is drawn for the thumbnail by the system's
//!   Poppler when it is installed (`pdf_render`); otherwise the pages show an icon with the
//!   page count.
//! - JPEG: decoded whole (`image`, zune-jpeg) and its end-of-image marker required.
//! - TIFF: every page's directory walked and every page decoded (`tiff`); a page in a
//!   compression the decoder does not know (CCITT fax, old JPEG) is accepted undecoded
//!   and gets no thumbnail, a page whose data is cut or damaged refuses the file.
//!
//! Every refusal names the problem, in words a person scanning can act on.

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use std::io::Cursor;
use thiserror::Error;
use tiff::decoder::{Decoder as TiffDecoder, Limits as TiffLimits};

/// Largest file accepted.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Largest page accepted, in pixels (a 600-dpi Tabloid page is about 70 million).
pub const MAX_PIXELS: u64 = 100_000_000;

/// Most pages accepted in one document.
pub const MAX_PAGES: usize = 10_000;

/// Thumbnail box, pixels.
pub const THUMBNAIL_WIDTH: u32 = 160;
/// Thumbnail box, pixels.
pub const THUMBNAIL_HEIGHT: u32 = 208;

/// Why an upload was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InspectError {
    /// Nothing in it.
    #[error("the file is empty")]
    Empty,
    /// Too big.
    #[error("the file is {0} bytes; at most 64 MiB are accepted")]
    TooLarge(usize),
    /// Not one of the three kinds.
    #[error(
        "not a scanned document: expected a PDF (%PDF-), TIFF (II*/MM*) or JPEG (FF D8 FF), but it starts with {0}"
    )]
    UnknownKind(String),
    /// A PDF that is cut or damaged.
    #[error("damaged PDF: {0}")]
    Pdf(String),
    /// A JPEG that is cut or damaged.
    #[error("damaged JPEG: {0}")]
    Jpeg(String),
    /// A TIFF that is cut or damaged.
    #[error("damaged TIFF: {0}")]
    Tiff(String),
}

/// What an accepted upload is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspected {
    /// `application/pdf`, `image/tiff` or `image/jpeg`.
    pub media_type: &'static str,
    /// Pages.
    pub pages: usize,
    /// A JPEG thumbnail of the first page, when one could be made.
    pub thumbnail: Option<Vec<u8>>,
}

fn shown(bytes: &[u8]) -> String {
    let head: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02X}")).collect();
    let text: String = bytes
        .iter()
        .take(8)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    format!("{} ({text:?})", head.join(" "))
}

/// Checks an upload whole; see the module's notes.
pub fn inspect(bytes: &[u8]) -> Result<Inspected, InspectError> {
    if bytes.is_empty() {
        return Err(InspectError::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(InspectError::TooLarge(bytes.len()));
    }
    if bytes.starts_with(b"%PDF-") {
        inspect_pdf(bytes)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        inspect_jpeg(bytes)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        inspect_tiff(bytes)
    } else {
        Err(InspectError::UnknownKind(shown(bytes)))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// Counts `/Type /Page` objects (not `/Pages`), whitespace or none between the names.
fn pdf_pages(bytes: &[u8]) -> usize {
    let mut count = 0;
    let mut at = 0;
    while let Some(found) = find(&bytes[at..], b"/Type") {
        let mut i = at + found + 5;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes[i..].starts_with(b"/Page") {
            let next = bytes.get(i + 5).copied();
            if !next.is_some_and(|b| b.is_ascii_alphanumeric()) {
                count += 1;
            }
        }
        at = i.max(at + found + 1);
    }
    count
}

fn inspect_pdf(bytes: &[u8]) -> Result<Inspected, InspectError> {
    let version = bytes.get(5..8).unwrap_or_default();
    if !matches!(version, [b'1' | b'2', b'.', b'0'..=b'9']) {
        return Err(InspectError::Pdf(format!(
            "the header gives no version (%PDF-1.x or %PDF-2.x), it reads {}",
            shown(bytes)
        )));
    }
    let tail = &bytes[bytes.len().saturating_sub(2048)..];
    let Some(eof) = rfind(tail, b"%%EOF") else {
        return Err(InspectError::Pdf(
            "no %%EOF marker at its end: the file was cut short (scan or copy it again)".into(),
        ));
    };
    if !tail[eof + 5..].iter().all(|b| b.is_ascii_whitespace()) {
        return Err(InspectError::Pdf(format!(
            "{} bytes follow the last %%EOF marker",
            tail.len() - eof - 5
        )));
    }
    if rfind(tail, b"startxref").is_none() {
        return Err(InspectError::Pdf(
            "no startxref before the %%EOF marker: its cross-reference table cannot be found"
                .into(),
        ));
    }
    let pages = pdf_pages(bytes);
    if pages == 0 {
        // Page objects inside compressed object streams cannot be counted without
        // inflating them; the page tree's /Count is then the count.
        let counted = pdf_page_tree_count(bytes);
        if counted == 0 {
            return Err(InspectError::Pdf("it holds no pages".into()));
        }
        return Ok(Inspected {
            media_type: "application/pdf",
            pages: counted.min(MAX_PAGES),
            thumbnail: pdf_thumbnail(bytes),
        });
    }
    if pages > MAX_PAGES {
        return Err(InspectError::Pdf(format!(
            "it holds {pages} pages; at most {MAX_PAGES} are accepted"
        )));
    }
    Ok(Inspected {
        media_type: "application/pdf",
        pages,
        thumbnail: pdf_thumbnail(bytes),
    })
}

fn pdf_thumbnail(bytes: &[u8]) -> Option<Vec<u8>> {
    let page = crate::pdf_render::first_page(bytes, THUMBNAIL_WIDTH.max(THUMBNAIL_HEIGHT))?;
    thumbnail(&page)
}

/// The largest `/Count N` of a `/Type /Pages` dictionary written in the clear (the root's).
fn pdf_page_tree_count(bytes: &[u8]) -> usize {
    let mut best = 0;
    let mut at = 0;
    while let Some(found) = find(&bytes[at..], b"/Count") {
        let mut i = at + found + 6;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let digits: String = bytes[i..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .take(6)
            .map(|&b| b as char)
            .collect();
        best = best.max(digits.parse().unwrap_or(0));
        at = i;
    }
    best
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(40_000);
    limits.max_image_height = Some(40_000);
    limits.max_alloc = Some(MAX_PIXELS * 4);
    limits
}

fn decode(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, image::ImageError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let decoder = reader.into_decoder()?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(image::ImageError::Limits(
            image::error::LimitError::from_kind(image::error::LimitErrorKind::DimensionError),
        ));
    }
    DynamicImage::from_decoder(decoder)
}

/// A JPEG thumbnail of `page`, fitted into the thumbnail box.
pub fn thumbnail(page: &DynamicImage) -> Option<Vec<u8>> {
    let small = page.thumbnail(THUMBNAIL_WIDTH, THUMBNAIL_HEIGHT);
    let rgb = DynamicImage::ImageRgb8(small.to_rgb8());
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
    rgb.write_with_encoder(encoder).ok()?;
    Some(out)
}

fn inspect_jpeg(bytes: &[u8]) -> Result<Inspected, InspectError> {
    let end = bytes
        .iter()
        .rposition(|&b| b != 0 && !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    if !bytes[..end].ends_with(&[0xFF, 0xD9]) {
        return Err(InspectError::Jpeg(
            "no end-of-image marker (FF D9): the file was cut short (scan or copy it again)".into(),
        ));
    }
    let page = decode(bytes, ImageFormat::Jpeg).map_err(|e| InspectError::Jpeg(e.to_string()))?;
    Ok(Inspected {
        media_type: "image/jpeg",
        pages: 1,
        thumbnail: thumbnail(&page),
    })
}

fn tiff_error(page: usize, e: impl std::fmt::Display) -> InspectError {
    InspectError::Tiff(format!("page {page}: {e}"))
}

fn inspect_tiff(bytes: &[u8]) -> Result<Inspected, InspectError> {
    let mut tiff_limits = TiffLimits::default();
    tiff_limits.decoding_buffer_size = usize::try_from(MAX_PIXELS * 8).unwrap_or(usize::MAX);
    tiff_limits.intermediate_buffer_size = tiff_limits.decoding_buffer_size;
    let mut decoder = TiffDecoder::new(Cursor::new(bytes))
        .map_err(|e| tiff_error(1, e))?
        .with_limits(tiff_limits);
    let mut pages = 0;
    let mut first_decoded = false;
    loop {
        pages += 1;
        if pages > MAX_PAGES {
            return Err(InspectError::Tiff(format!(
                "it holds more than {MAX_PAGES} pages"
            )));
        }
        let (w, h) = decoder.dimensions().map_err(|e| tiff_error(pages, e))?;
        if u64::from(w) * u64::from(h) > MAX_PIXELS {
            return Err(tiff_error(
                pages,
                format!("{w} x {h} pixels; at most {MAX_PIXELS} pixels a page are accepted"),
            ));
        }
        match decoder.read_image() {
            Ok(_) => first_decoded |= pages == 1,
            Err(tiff::TiffError::UnsupportedError(_)) => {}
            Err(e) => return Err(tiff_error(pages, e)),
        }
        if !decoder.more_images() {
            break;
        }
        decoder.next_image().map_err(|e| tiff_error(pages + 1, e))?;
    }
    let thumbnail = if first_decoded {
        decode(bytes, ImageFormat::Tiff)
            .ok()
            .and_then(|page| thumbnail(&page))
    } else {
        None
    };
    Ok(Inspected {
        media_type: "image/tiff",
        pages,
        thumbnail,
    })
}

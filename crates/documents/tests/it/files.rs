//! Test documents made here: a scanned-looking page as JPEG, a two-page TIFF, a PDF from
//! the repository's own PDF writer.

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use std::io::Cursor;

/// A 600 x 800 "page": white with dark text-like bars.
pub fn page(seed: u8) -> RgbImage {
    RgbImage::from_fn(600, 800, |x, y| {
        let line = (y / 24) % 2 == 0 && x > 40 && x < 560 - u32::from(seed) * 3 && y > 60;
        if line && (x / 7 + y / 24 + u32::from(seed)) % 5 != 0 {
            Rgb([30, 30, 40])
        } else {
            Rgb([250, 250, 245])
        }
    })
}

pub fn jpeg(seed: u8) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(page(seed))
        .write_to(&mut out, ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// A TIFF of `pages` pages (RGB, uncompressed).
pub fn tiff(pages: u8) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut encoder = tiff::encoder::TiffEncoder::new(&mut out).unwrap();
    for seed in 0..pages {
        let img = page(seed);
        encoder
            .write_image::<tiff::encoder::colortype::RGB8>(img.width(), img.height(), img.as_raw())
            .unwrap();
    }
    out.into_inner()
}

pub fn pdf(pages: usize) -> Vec<u8> {
    let pages: Vec<textpdf::Page> = (0..pages)
        .map(|i| textpdf::Page {
            header: "Outside records".into(),
            lines: vec![textpdf::Line::plain(format!(
                "Outside records, page {}",
                i + 1
            ))],
            footer: String::new(),
        })
        .collect();
    textpdf::write(&pages, None, "Outside records")
}

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

//! A label is proven by reading it back: the PNG is decoded (png), its pixels handed to a
//! Code 128 reader (rxing) that must return the barcode; the SVG's bars are rasterised and
//! read the same way; the text lines are read back glyph by glyph. A QR label is read back
//! by rxing's QR reader, from the PNG and from the SVG's squares.

use chartlabel::{
    Format, Label, Symbol, code128_modules, glyph, render, render_symbol, text_lines,
};
use rxing::BarcodeFormat;

fn label() -> Label<'static> {
    Label {
        barcode: "M00000012-V2",
        name: "Paper, Chart \u{e9}lise",
        mrn: "M00000012",
        volume: 2,
        home: "Shelf A-3",
    }
}

fn decode_png(bytes: &[u8]) -> (Vec<u8>, u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    buf.truncate(info.buffer_size());
    (buf, info.width, info.height)
}

fn read_code128(luma: Vec<u8>, width: u32, height: u32) -> String {
    rxing::helpers::detect_in_luma(luma, width, height, Some(BarcodeFormat::CODE_128))
        .unwrap()
        .getText()
        .to_owned()
}

/// The text of a line drawn at (x, y), read cell by cell against the font.
fn read_line(luma: &[u8], width: usize, x: usize, y: usize, chars: usize) -> String {
    (0..chars)
        .map(|i| {
            let mut rows = [0u8; 8];
            for (r, row) in rows.iter_mut().enumerate() {
                for bit in 0..8 {
                    let px = x + i * 16 + bit * 2;
                    let py = y + r * 2;
                    if luma[py * width + px] < 128 {
                        *row |= 1 << bit;
                    }
                }
            }
            (' '..='\u{ff}')
                .find(|&c| glyph(c) == rows)
                .unwrap_or('\u{fffd}')
        })
        .collect()
}

/// The SVG's dark rectangles drawn on a white page.
fn rasterise(svg: &str) -> (Vec<u8>, u32, u32) {
    let attr = |tag: &str, name: &str| -> usize {
        let start = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        tag[start..].split('"').next().unwrap().parse().unwrap()
    };
    let root = svg.lines().next().unwrap();
    let (width, height) = (attr(root, "width"), attr(root, "height"));
    let mut luma = vec![255u8; width * height];
    let bars = svg.split("<g fill=\"#000\">").nth(1).unwrap();
    let bars = bars.split("</g>").next().unwrap();
    for rect in bars.lines().filter(|l| l.starts_with("<rect")) {
        let (x, y, w, h) = (
            attr(rect, "x"),
            attr(rect, "y"),
            attr(rect, "width"),
            attr(rect, "height"),
        );
        for row in y..y + h {
            luma[row * width + x..row * width + x + w].fill(0);
        }
    }
    (luma, width as u32, height as u32)
}

#[test]
fn the_png_label_decodes_to_its_barcode_and_reads_its_text() {
    let bytes = render(&label(), Format::Png).unwrap();
    let (luma, width, height) = decode_png(&bytes);
    assert_eq!(read_code128(luma.clone(), width, height), "M00000012-V2");
    let lines = text_lines(&label());
    for (n, line) in lines.iter().enumerate() {
        let read = read_line(&luma, width as usize, 12, 12 + n * 22, line.chars().count());
        assert_eq!(&read, line);
    }
}

#[test]
fn the_svg_label_decodes_to_its_barcode_and_carries_its_text() {
    let svg = String::from_utf8(render(&label(), Format::Svg).unwrap()).unwrap();
    for line in text_lines(&label()) {
        assert!(svg.contains(&line), "{line} missing from\n{svg}");
    }
    let (luma, width, height) = rasterise(&svg);
    assert_eq!(read_code128(luma, width, height), "M00000012-V2");
}

#[test]
fn every_printable_barcode_reads_back() {
    for data in ["A", "M00000001-V1", "X-99 / shelf#7", "~!@{}|"] {
        let modules = code128_modules(data).unwrap();
        let bytes = render(
            &Label {
                barcode: data,
                ..label()
            },
            Format::Png,
        )
        .unwrap();
        let (luma, width, height) = decode_png(&bytes);
        assert_eq!(read_code128(luma, width, height), data, "{modules:?}");
    }
}

fn read_qr(luma: Vec<u8>, width: u32, height: u32) -> String {
    rxing::helpers::detect_in_luma(luma, width, height, Some(BarcodeFormat::QR_CODE))
        .unwrap()
        .getText()
        .to_owned()
}

#[test]
fn a_qr_label_decodes_to_its_barcode_as_png_and_as_svg() {
    for data in ["M00000012-V2", "A", "X-99 / shelf#7"] {
        let qr = Label {
            barcode: data,
            ..label()
        };
        let bytes = render_symbol(&qr, Format::Png, Symbol::Qr).unwrap();
        let (luma, width, height) = decode_png(&bytes);
        assert_eq!(read_qr(luma.clone(), width, height), data);
        // The text lines stay where the Code 128 label has them.
        let lines = text_lines(&qr);
        let read = read_line(&luma, width as usize, 12, 12, lines[0].chars().count());
        assert_eq!(read, lines[0]);
        let svg = String::from_utf8(render_symbol(&qr, Format::Svg, Symbol::Qr).unwrap()).unwrap();
        let (luma, width, height) = rasterise(&svg);
        assert_eq!(read_qr(luma, width, height), data);
    }
    assert!(
        render_symbol(
            &Label {
                barcode: "",
                ..label()
            },
            Format::Png,
            Symbol::Qr
        )
        .is_err()
    );
}

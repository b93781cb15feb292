#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests fail by panicking.

//! A photo of a label is read back as its barcode: the label's own PNG, the label placed
//! small and turned sideways on a large photo and saved as a JPEG (as a phone would give
//! it), and its QR version; a photo with no label, a file that is no image and a cut one are
//! each refused with what to do.

use chartlabel::{Format, Label, PhotoError, Symbol, read_photo, render_symbol};
use image::{DynamicImage, GrayImage, ImageFormat, Luma};
use std::io::Cursor;

fn label(symbol: Symbol) -> Vec<u8> {
    let label = Label {
        barcode: "M00000457-V3",
        name: "Camera, Carla",
        mrn: "M00000457",
        volume: 3,
        home: "Shelf C-1",
    };
    render_symbol(&label, Format::Png, symbol).unwrap()
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// The label pasted, turned a quarter, onto a 3000 x 2400 grey photo with a little grain,
/// scaled up as a camera close to it would see it, and saved as a JPEG.
fn photographed(png: &[u8]) -> Vec<u8> {
    let label = image::load_from_memory(png).unwrap().to_luma8();
    let label = image::imageops::resize(
        &label,
        label.width() * 2,
        label.height() * 2,
        image::imageops::FilterType::Triangle,
    );
    let label = image::imageops::rotate90(&label);
    let mut photo = GrayImage::from_fn(3000, 2400, |x, y| {
        Luma([150 + ((x * 7 + y * 13) % 23) as u8])
    });
    image::imageops::overlay(&mut photo, &label, 900, 500);
    encode(&DynamicImage::ImageLuma8(photo), ImageFormat::Jpeg)
}

#[test]
fn the_label_itself_reads_as_its_barcode() {
    assert_eq!(read_photo(&label(Symbol::Code128)).unwrap(), "M00000457-V3");
    assert_eq!(read_photo(&label(Symbol::Qr)).unwrap(), "M00000457-V3");
}

#[test]
fn a_sideways_label_in_a_large_jpeg_photo_reads() {
    assert_eq!(
        read_photo(&photographed(&label(Symbol::Code128))).unwrap(),
        "M00000457-V3"
    );
    assert_eq!(
        read_photo(&photographed(&label(Symbol::Qr))).unwrap(),
        "M00000457-V3"
    );
}

#[test]
fn photos_without_a_label_or_not_photos_say_what_to_do() {
    let blank = encode(
        &DynamicImage::ImageLuma8(GrayImage::from_pixel(800, 600, Luma([200]))),
        ImageFormat::Png,
    );
    let error = read_photo(&blank).unwrap_err();
    assert_eq!(error, PhotoError::NoBarcode);
    assert!(error.to_string().contains("type the barcode"), "{error}");

    assert_eq!(
        read_photo(b"%PDF-1.7 not a photo").unwrap_err(),
        PhotoError::NotAnImage
    );
    assert_eq!(read_photo(b"").unwrap_err(), PhotoError::NotAnImage);

    let jpeg = photographed(&label(Symbol::Code128));
    match read_photo(&jpeg[..jpeg.len() / 3]) {
        Err(PhotoError::Unreadable(why)) => assert!(why.contains("cut short"), "{why}"),
        other => panic!("a cut JPEG gave {other:?}"),
    }
    let png = label(Symbol::Code128);
    assert!(matches!(
        read_photo(&png[..png.len() / 2]),
        Err(PhotoError::Unreadable(_))
    ));
}

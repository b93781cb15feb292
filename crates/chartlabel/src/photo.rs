//! Reading a label back from a photo: the camera path of the records desk, for sites without
//! a USB scanner (a phone or a tablet's camera takes the picture, the server reads it).
//!
//! The photo (JPEG or PNG) is decoded with `image` under a pixel limit, scaled so its longer
//! side is at most 2,000 pixels (a phone's 12-megapixel photo of a 2-inch label still gives
//! the bars several pixels each, and the reader's time grows with the pixels), made grey and
//! handed to rxing's Code 128 and QR readers, trying harder and also rotated a quarter turn,
//! since a label photographed sideways is the common case.

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use rxing::{BarcodeFormat, DecodeHints};
use std::collections::HashSet;
use std::io::Cursor;

/// Largest photo accepted, in pixels (a 48-megapixel phone camera's full resolution).
pub const MAX_PHOTO_PIXELS: u64 = 50_000_000;

/// Longer side the photo is scaled to before reading.
const READ_SIDE: u32 = 2_000;

/// Why no barcode came out of a photo, in words the person at the desk can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// Not a JPEG or PNG at all.
    #[error("the photo is not a JPEG or PNG image; take the picture again or type the barcode")]
    NotAnImage,
    /// A JPEG or PNG that does not decode (cut short, damaged) or is too large.
    #[error("the photo could not be read ({0}); take the picture again or type the barcode")]
    Unreadable(String),
    /// The image holds no barcode the readers could find.
    #[error(
        "no chart barcode could be read in the photo: fill the frame with the label, hold it flat and avoid glare, or type the barcode"
    )]
    NoBarcode,
}

/// The text of the Code 128 or QR symbol in a photo of a chart label.
pub fn read_photo(bytes: &[u8]) -> Result<String, PhotoError> {
    let format = image::guess_format(bytes).map_err(|_| PhotoError::NotAnImage)?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png) {
        return Err(PhotoError::NotAnImage);
    }
    // The JPEG decoder fills a cut file with grey rather than failing; its end-of-image
    // marker (allowing the padding some cameras append) says whether it arrived whole.
    if format == ImageFormat::Jpeg
        && !bytes
            .windows(2)
            .rev()
            .take(4096)
            .any(|pair| pair == [0xFF, 0xD9])
    {
        return Err(PhotoError::Unreadable("the JPEG is cut short".into()));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PHOTO_PIXELS * 4);
    reader.limits(limits);
    let photo = reader
        .decode()
        .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
    let photo = if photo.width().max(photo.height()) > READ_SIDE {
        photo.resize(READ_SIDE, READ_SIDE, image::imageops::FilterType::Triangle)
    } else {
        photo
    };
    for turned in [photo.clone(), photo.rotate90()] {
        if let Some(text) = read_grey(&turned) {
            return Ok(text);
        }
    }
    Err(PhotoError::NoBarcode)
}

fn read_grey(photo: &DynamicImage) -> Option<String> {
    let grey = photo.to_luma8();
    let (width, height) = grey.dimensions();
    let mut hints = DecodeHints {
        PossibleFormats: Some(HashSet::from([
            BarcodeFormat::CODE_128,
            BarcodeFormat::QR_CODE,
        ])),
        TryHarder: Some(true),
        ..DecodeHints::default()
    };
    rxing::helpers::detect_in_luma_with_hints(grey.into_raw(), width, height, None, &mut hints)
        .ok()
        .map(|found| found.getText().trim().to_owned())
        .filter(|text| !text.is_empty())
}

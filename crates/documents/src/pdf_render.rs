//! A PDF's first page as a thumbnail, drawn by Poppler's `pdftoppm` (Debian poppler-utils).
//!
//! No PDF renderer is a light Rust dependency (pdfium and MuPDF are large C libraries behind
//! bindings; the pure-Rust ones do not draw fonts), so the page is drawn by the system's
//! Poppler, as the dictation drafts are made by the system's PocketSphinx: found on the
//! PATH, or not installed, in which case the PDF keeps the page-count icon it had. Poppler
//! is handed an untrusted file, so it runs with the document on its standard input, no
//! shell, its output capped, and is killed after `TIMEOUT`; anything but a clean JPEG back
//! is no thumbnail, never a refused upload (the PDF was already checked whole).

use image::{DynamicImage, ImageFormat};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The renderer's program name, looked up on the PATH.
const PROGRAM: &str = "pdftoppm";

/// Longest a first page may take to draw.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Largest picture accepted back (a first page drawn at thumbnail size is tens of kB).
const MAX_OUTPUT: u64 = 8 * 1024 * 1024;

/// The first page drawn with its longer side `size` pixels, as JPEG bytes, or `None`
/// (renderer missing, failing, too slow, or its output not a picture).
pub fn first_page(pdf: &[u8], size: u32) -> Option<DynamicImage> {
    let mut child = Command::new(PROGRAM)
        .args(["-f", "1", "-l", "1", "-singlefile", "-jpeg", "-scale-to"])
        .arg(size.to_string())
        // The file from standard input; with no output root the picture goes to standard
        // output (a root of "-" would be a file named "-.jpg").
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input = pdf.to_vec();
    // Fed from its own thread: a renderer that stops reading must not stall the caller.
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = (&mut stdout).take(MAX_OUTPUT).read_to_end(&mut out);
        out
    });
    let started = Instant::now();
    let finished = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status.success(),
            Ok(None) if started.elapsed() < TIMEOUT => {
                std::thread::sleep(Duration::from_millis(10));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break false;
            }
        }
    };
    let _ = feeder.join();
    let out = reader.join().ok()?;
    if !finished {
        return None;
    }
    image::load_from_memory_with_format(&out, ImageFormat::Jpeg).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_a_pdf_draws_nothing() {
        assert!(first_page(b"%PDF-1.4 nothing here\n%%EOF\n", 200).is_none());
        assert!(first_page(b"", 200).is_none());
    }
}

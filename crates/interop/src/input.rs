//! Opening input files: plain or gzip-compressed, counting bytes for progress bars.

use crate::{Error, Result};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A reader that counts the bytes read from the file (compressed bytes for .gz), so a
/// progress bar can measure against the file size without counting lines first.
pub struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens `path` for reading, decompressing `.gz` files; returns the reader, the file size
/// and the shared count of bytes read so far.
pub fn open_input(path: &Path) -> Result<(Box<dyn Read + Send>, u64, Arc<AtomicU64>)> {
    let file = File::open(path).map_err(|e| Error::File {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let count = Arc::new(AtomicU64::new(0));
    let counted = CountingReader {
        inner: BufReader::with_capacity(1 << 16, file),
        count: count.clone(),
    };
    let reader: Box<dyn Read + Send> = if path.extension().is_some_and(|ext| ext == "gz") {
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(counted),
        ))
    } else {
        Box::new(counted)
    };
    Ok((reader, size, count))
}

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

/// Where the line breaks of a stream fall, so a row can be named by the physical line its
/// first character is on whatever the line ends: `\n`, `\r\n` (Excel, Python's csv module)
/// or a lone `\r`. The csv crate's own line count is one short after a CRLF row.
#[derive(Debug, Default)]
struct Breaks {
    /// Breaks read from the stream but not yet passed by a query: where each starts and
    /// the offset just after it.
    ahead: std::collections::VecDeque<(u64, u64)>,
    /// Breaks before the last queried offset.
    passed: u64,
}

/// Answers "which line is byte N on" for a stream read through [`LineTracking`]; queries
/// must come in increasing offset order, as a CSV reader hands out rows.
#[derive(Debug, Clone, Default)]
pub struct LineMap(Arc<std::sync::Mutex<Breaks>>);

impl LineMap {
    /// The 1-based physical line that byte `offset` of the stream is on.
    pub fn line_at(&self, offset: u64) -> u64 {
        let mut breaks = match self.0.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        // The csv crate may place a row on the LF of the CRLF before it, or on the first of
        // the blank lines before it: a break at or around the offset is passed over.
        let mut first_character = offset;
        while let Some(&(start, next)) = breaks.ahead.front() {
            if start > first_character {
                break;
            }
            first_character = first_character.max(next);
            breaks.ahead.pop_front();
            breaks.passed += 1;
        }
        breaks.passed + 1
    }
}

/// A reader that notes every line break's offset in a [`LineMap`] as bytes go through.
pub struct LineTracking<R> {
    inner: R,
    offset: u64,
    after_cr: bool,
    map: LineMap,
}

impl<R: Read> LineTracking<R> {
    /// Wraps `inner`; the returned map answers for the bytes read through the wrapper.
    pub fn new(inner: R) -> (Self, LineMap) {
        let map = LineMap::default();
        let reader = Self {
            inner,
            offset: 0,
            after_cr: false,
            map: map.clone(),
        };
        (reader, map)
    }
}

impl<R: Read> Read for LineTracking<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut breaks = match self.map.0.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        for (at, &byte) in buf.iter().take(n).enumerate() {
            let at = self.offset + at as u64;
            // A CRLF pair is one break, started at its CR, which may end the previous read.
            match (byte, self.after_cr) {
                (b'\n', true) => {
                    if let Some(last) = breaks.ahead.back_mut() {
                        last.1 = at + 1;
                    }
                }
                (b'\r' | b'\n', _) => breaks.ahead.push_back((at, at + 1)),
                _ => {}
            }
            self.after_cr = byte == b'\r';
        }
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of_rows(text: &[u8], chunk: usize) -> Vec<u64> {
        struct Chunked<'a>(&'a [u8], usize);
        impl Read for Chunked<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(self.1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let (reader, map) = LineTracking::new(Chunked(text, chunk));
        let mut csv = csv::Reader::from_reader(reader);
        csv.records()
            .map(|row| map.line_at(row.unwrap().position().unwrap().byte()))
            .collect()
    }

    #[test]
    fn rows_are_named_by_their_physical_line_for_every_line_end() {
        for (name, end) in [("LF", "\n"), ("CRLF", "\r\n"), ("CR", "\r")] {
            let text = ["id,note", "1,a", "2,\"two", "lines\"", "3,c", ""].join(end);
            for chunk in [1, 2, 3, 64] {
                assert_eq!(
                    lines_of_rows(text.as_bytes(), chunk),
                    vec![2, 3, 5],
                    "{name} line ends read {chunk} bytes at a time"
                );
            }
        }
    }

    #[test]
    fn blank_lines_count() {
        assert_eq!(lines_of_rows(b"id\r\n1\r\n\r\n2\r\n", 5), vec![2, 4]);
    }
}

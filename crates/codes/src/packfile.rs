//! The processed-file format shared by every code system: gzip-compressed UTF-8 lines of
//! tab-separated fields, the first field a record tag.
//!
//! Invariants: the first line is `FORMAT\tchartroom-codes\t1\t<kind>`; the last line is
//! `END\t<n>` where n counts the lines before it, so a truncated file is always detected;
//! field text never contains a tab or newline (writers replace them with spaces).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::error::{Error, Result};

/// Version of the processed format; bump when a record changes meaning.
const FORMAT_VERSION: &str = "1";

/// Writes a processed file into memory, then compresses it.
pub(crate) struct PackWriter {
    buf: String,
    lines: usize,
}

impl PackWriter {
    /// Starts a file of the given kind (e.g. `icd10cm`).
    pub(crate) fn new(kind: &str) -> Self {
        let mut w = PackWriter {
            buf: String::with_capacity(1 << 20),
            lines: 0,
        };
        w.record(&["FORMAT", "chartroom-codes", FORMAT_VERSION, kind]);
        w
    }

    /// Appends one record; tabs and newlines inside fields become spaces.
    pub(crate) fn record(&mut self, fields: &[&str]) {
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.buf.push('\t');
            }
            for c in f.chars() {
                self.buf.push(if matches!(c, '\t' | '\n' | '\r') {
                    ' '
                } else {
                    c
                });
            }
        }
        self.buf.push('\n');
        self.lines += 1;
    }

    /// Closes the file with its `END` record and returns the gzip bytes.
    pub(crate) fn finish(mut self) -> Result<Vec<u8>> {
        let n = self.lines.to_string();
        self.record(&["END", &n]);
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        enc.write_all(self.buf.as_bytes())
            .and_then(|()| enc.finish())
            .map_err(|e| Error::io("<memory>", e))
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, then rename,
/// so a crash never leaves a half-written release for the next start to trip over.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Decompresses a whole gzip (or plain) file into a string, naming `path` on failure.
pub(crate) fn read_maybe_gz(path: &Path, bytes: &[u8]) -> Result<String> {
    let mut out = String::new();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        // The gzip trailer gives the text's length (modulo 2^32): sized once, the text is
        // not copied as it grows. A damaged trailer only costs a bounded allocation.
        let stated = bytes
            .len()
            .checked_sub(4)
            .and_then(|at| bytes.get(at..))
            .and_then(|t| t.try_into().ok())
            .map_or(0, |t: [u8; 4]| u32::from_le_bytes(t) as usize);
        out.reserve(stated.min(bytes.len().saturating_mul(64)));
        GzDecoder::new(bytes)
            .read_to_string(&mut out)
            .map_err(|e| {
                Error::parse(path, 0, format!("gzip stream is damaged or truncated: {e}"))
            })?;
    } else {
        out = String::from_utf8(bytes.to_vec())
            .map_err(|e| Error::parse(path, 0, format!("file is not UTF-8: {e}")))?;
    }
    Ok(out)
}

/// Reads a whole file from disk, decompressing when it is gzip.
pub(crate) fn read_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    read_maybe_gz(path, &bytes)
}

/// Fields of a record kept without allocating; every record the writers make has fewer.
const INLINE_FIELDS: usize = 16;

/// One record of a processed file.
pub(crate) struct Rec<'a> {
    /// One-based line number.
    pub line: usize,
    /// The line: tab-separated fields, tag first.
    text: &'a str,
    /// The first [`INLINE_FIELDS`] fields, split once in one pass over the bytes: a
    /// release has about 125,000 records, and a list allocated for each, split with the
    /// general `str::split`, was a large part of its load time.
    fields: [&'a str; INLINE_FIELDS],
    /// How many fields the line has.
    n: usize,
}

impl<'a> Rec<'a> {
    fn new(line: usize, text: &'a str) -> Self {
        let mut fields = [""; INLINE_FIELDS];
        let mut n = 0;
        let mut start = 0;
        for (i, &b) in text.as_bytes().iter().enumerate() {
            if b == b'\t' {
                if let Some(slot) = fields.get_mut(n) {
                    *slot = text.get(start..i).unwrap_or_default();
                }
                n += 1;
                start = i + 1;
            }
        }
        if let Some(slot) = fields.get_mut(n) {
            *slot = text.get(start..).unwrap_or_default();
        }
        Rec {
            line,
            text,
            fields,
            n: n + 1,
        }
    }

    /// The field at `i`, or a parse error naming the line.
    pub(crate) fn get(&self, i: usize, path: &Path) -> Result<&'a str> {
        let field = if self.n <= INLINE_FIELDS {
            self.fields.get(..self.n).and_then(|f| f.get(i)).copied()
        } else {
            self.text.split('\t').nth(i)
        };
        field.ok_or_else(|| {
            Error::parse(
                path,
                self.line,
                format!("expected at least {} fields, found {}", i + 1, self.n),
            )
        })
    }

    /// The fields, tag first.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.text.split('\t')
    }
}

/// Checks the header of a processed file of `kind` and returns its records one by one,
/// without the framing lines. Streaming keeps a release's load from holding a second copy of
/// every line; the `END` count is checked when the records run out.
pub(crate) fn parse<'a>(path: &'a Path, text: &'a str, kind: &str) -> Result<Records<'a>> {
    let mut lines = text.split('\n').enumerate();
    match lines.next() {
        Some((_, first)) => {
            let f: Vec<&str> = first.split('\t').collect();
            if f.first() != Some(&"FORMAT") || f.get(1) != Some(&"chartroom-codes") {
                return Err(Error::parse(
                    path,
                    1,
                    "not a Chartroom processed code file (no FORMAT header)",
                ));
            }
            if f.get(2) != Some(&FORMAT_VERSION) {
                return Err(Error::parse(
                    path,
                    1,
                    format!(
                        "format version {:?}, expected {FORMAT_VERSION}",
                        f.get(2).unwrap_or(&"")
                    ),
                ));
            }
            if f.get(3) != Some(&kind) {
                return Err(Error::parse(
                    path,
                    1,
                    format!("file holds {:?}, expected {kind}", f.get(3).unwrap_or(&"")),
                ));
            }
        }
        None => return Err(Error::parse(path, 1, "file is empty")),
    }
    Ok(Records {
        path,
        lines,
        ended: false,
        failed: false,
        last: 1,
    })
}

/// Iterator over the records of a processed file; yields an error (once) for a bad or
/// missing `END` record or data after it.
pub(crate) struct Records<'a> {
    path: &'a Path,
    lines: std::iter::Enumerate<std::str::Split<'a, char>>,
    ended: bool,
    failed: bool,
    last: usize,
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Rec<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let path = self.path;
        let mut fail = |e: Error| {
            self.failed = true;
            Some(Err(e))
        };
        loop {
            let Some((i, line)) = self.lines.next() else {
                if self.ended {
                    return None;
                }
                let last = self.last;
                return fail(Error::parse(path, last, "file is truncated: no END record"));
            };
            let line_no = i + 1;
            if line.is_empty() {
                continue;
            }
            if self.ended {
                return fail(Error::parse(path, line_no, "data after END record"));
            }
            if let Some(count) = line.strip_prefix("END\t").or((line == "END").then_some("")) {
                let Some(expected) = count
                    .split('\t')
                    .next()
                    .and_then(|n| n.parse::<usize>().ok())
                else {
                    return fail(Error::parse(
                        path,
                        line_no,
                        "END record without a line count",
                    ));
                };
                if expected != line_no - 1 {
                    return fail(Error::parse(
                        path,
                        line_no,
                        format!("END says {expected} lines but {} were read", line_no - 1),
                    ));
                }
                self.ended = true;
                continue;
            }
            self.last = line_no;
            return Some(Ok(Rec::new(line_no, line)));
        }
    }
}

/// A path label for embedded data, so errors still say which file was at fault.
pub(crate) fn embedded_path(name: &str) -> PathBuf {
    PathBuf::from(format!("<embedded>/data/codes/{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_past_the_inline_ones_and_missing_ones_are_read_and_named() {
        let wide: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
        let wide: Vec<&str> = wide.iter().map(String::as_str).collect();
        let text = format!(
            "FORMAT\tchartroom-codes\t1\tt\n{}\nN\t\ta\n\nEND\t4\n",
            wide.join("\t")
        );
        let path = Path::new("t.gz");
        let recs: Vec<Rec<'_>> = parse(path, &text, "t")
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].get(0, path).unwrap(), "f0");
        assert_eq!(recs[0].get(19, path).unwrap(), "f19");
        assert_eq!(recs[0].fields().count(), 20);
        // Empty fields are fields; a missing one is an error naming the line.
        assert_eq!(recs[1].get(1, path).unwrap(), "");
        assert_eq!(recs[1].get(2, path).unwrap(), "a");
        let e = recs[1].get(3, path).err().unwrap().to_string();
        assert!(e.starts_with("t.gz:3: "), "{e}");
        assert!(e.contains("expected at least 4 fields, found 3"), "{e}");
        assert!(recs[0].get(20, path).is_err());
    }

    #[test]
    fn a_wrong_end_count_or_data_after_it_is_an_error() {
        let path = Path::new("t.gz");
        let short = "FORMAT\tchartroom-codes\t1\tt\nN\ta\nEND\t5\n";
        let e = parse(path, short, "t")
            .unwrap()
            .find_map(|r| r.err())
            .unwrap();
        assert!(
            e.to_string().contains("END says 5 lines but 2 were read"),
            "{e}"
        );
        let after = "FORMAT\tchartroom-codes\t1\tt\nN\ta\nEND\t2\nN\tb\n";
        let e = parse(path, after, "t")
            .unwrap()
            .find_map(|r| r.err())
            .unwrap();
        assert!(e.to_string().contains("data after END record"), "{e}");
    }
}

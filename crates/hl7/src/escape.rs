//! HL7 escape sequences (HL7 v2.5.1 chapter 2.7): `\F\ \S\ \T\ \R\ \E\` for the
//! delimiters, `\Xhh..\` for raw bytes, `\.br\` for a line break; `\H\ \N\` (highlighting)
//! are dropped on reading.
//!
//! Invariants: `unescape(escape(s)) == s` for every string and every valid delimiter set;
//! an unknown or unterminated sequence is kept literally, never an error or a panic.

use crate::message::Delimiters;

/// Escapes `text` for one value position: every delimiter and the escape character become
/// their escape sequence; CR and LF become `\X0D\` / `\X0A\` because they would end a segment.
pub fn escape(text: &str, d: &Delimiters) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let e = d.escape;
    for c in text.chars() {
        let code = if c == d.field {
            Some("F")
        } else if c == d.component {
            Some("S")
        } else if c == d.subcomponent {
            Some("T")
        } else if c == d.repetition {
            Some("R")
        } else if c == e {
            Some("E")
        } else if c == '\r' {
            Some("X0D")
        } else if c == '\n' {
            Some("X0A")
        } else {
            None
        };
        match code {
            Some(code) => {
                out.push(e);
                out.push_str(code);
                out.push(e);
            }
            None => out.push(c),
        }
    }
    out
}

/// Whether `text` needs escaping at all (the fast path for the writer).
pub(crate) fn needs_escape(text: &str, d: &Delimiters) -> bool {
    text.chars().any(|c| {
        c == d.field
            || c == d.component
            || c == d.subcomponent
            || c == d.repetition
            || c == d.escape
            || c == '\r'
            || c == '\n'
    })
}

/// Decodes `\Xhh..\`: pairs of hex digits as bytes, read as UTF-8 when they are, otherwise
/// as ISO-8859-1 (the usual MSH-18 alternative).
fn hex(body: &str) -> Option<String> {
    if body.is_empty()
        || !body.len().is_multiple_of(2)
        || !body.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    let bytes: Vec<u8> = (0..body.len() / 2)
        .filter_map(|i| body.get(2 * i..2 * i + 2))
        .filter_map(|pair| u8::from_str_radix(pair, 16).ok())
        .collect();
    Some(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => e.into_bytes().iter().map(|&b| char::from(b)).collect(),
    })
}

/// Replaces escape sequences in a value by what they stand for.
pub fn unescape(text: &str, d: &Delimiters) -> String {
    let e = d.escape;
    if !text.contains(e) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(e) {
        out.push_str(rest.get(..start).unwrap_or_default());
        let after = rest.get(start + e.len_utf8()..).unwrap_or_default();
        let Some(end) = after.find(e) else {
            // Unterminated: keep literally (chapter 2.7 leaves this to the receiver).
            out.push_str(rest.get(start..).unwrap_or_default());
            return out;
        };
        let body = after.get(..end).unwrap_or_default();
        let replacement = match body {
            "F" => Some(d.field.to_string()),
            "S" => Some(d.component.to_string()),
            "T" => Some(d.subcomponent.to_string()),
            "R" => Some(d.repetition.to_string()),
            "E" => Some(e.to_string()),
            "H" | "N" => Some(String::new()),
            ".br" => Some("\n".to_owned()),
            _ => body.strip_prefix('X').and_then(hex),
        };
        match replacement {
            Some(replacement) => {
                out.push_str(&replacement);
                rest = after.get(end + e.len_utf8()..).unwrap_or_default();
            }
            None => {
                // Unknown sequence: keep the escape character and go on after it, so the
                // closing one can still open a later, valid sequence.
                out.push(e);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;

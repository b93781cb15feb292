//! Code normalisation and packing.
//!
//! Invariant: a packed code is the normalised code (upper-case, no dot, no spaces) with each of
//! its at most 7 characters in 6 bits, first character in the highest bits, zero-padded on the
//! right; so packing is injective and the packed order equals the string order for codes of
//! the same length.
//! Packed codes are what the hot validation path hashes (one `u64`, no allocation).

/// Normalises a code as typed: trims, drops dots, spaces and dashes, upper-cases.
///
/// `"e11.21"`, `" E1121 "` and `"E11.21"` all give `"E1121"`.
pub fn normalize(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '.' | ' ' | '\t' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The value of one character in the packed form, 1..=36, or 0 for anything else.
#[inline]
fn char_value(b: u8) -> u64 {
    match b {
        b'0'..=b'9' => u64::from(b - b'0') + 1,
        b'A'..=b'Z' => u64::from(b - b'A') + 11,
        b'a'..=b'z' => u64::from(b - b'a') + 11,
        _ => 0,
    }
}

/// Packs a code into a `u64`, ignoring dots and spaces; `None` if it has more than 7
/// significant characters, none at all, or a character that no code uses.
#[inline]
pub fn pack(code: &str) -> Option<u64> {
    let mut packed: u64 = 0;
    let mut n = 0u32;
    for &b in code.as_bytes() {
        if b == b'.' || b == b' ' {
            continue;
        }
        let v = char_value(b);
        if v == 0 || n == 7 {
            return None;
        }
        packed |= v << (6 * (6 - n));
        n += 1;
    }
    if n == 0 { None } else { Some(packed) }
}

/// Unpacks a code packed by [`pack`] into its normalised form (no dot).
pub fn unpack(packed: u64) -> String {
    let mut out = String::with_capacity(7);
    for i in 0..7u32 {
        let v = (packed >> (6 * (6 - i))) & 0x3f;
        let c = match v {
            1..=10 => char::from(b'0' + (v as u8 - 1)),
            11..=36 => char::from(b'A' + (v as u8 - 11)),
            _ => break,
        };
        out.push(c);
    }
    out
}

/// Formats a normalised ICD-10-CM code with its dot after the third character (`E1121` →
/// `E11.21`); chapters, blocks and categories are returned as they are.
pub fn dotted_cm(code: &str) -> String {
    if code.len() > 3 && !code.contains('-') && code.is_ascii() {
        format!("{}.{}", &code[..3], &code[3..])
    } else {
        code.to_string()
    }
}

#[cfg(test)]
mod tests;

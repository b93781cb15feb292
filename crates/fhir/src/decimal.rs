//! `Decimal`: a FHIR decimal kept as the text it was written with.
//!
//! FHIR says `72.50` and `72.5` are different values (precision is significant), so a
//! decimal never passes through `f64` on its way through this crate. Invariant: the text
//! always matches the JSON number grammar, so serializing it as a raw JSON number is safe.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use std::fmt;

/// A FHIR `decimal`, string-backed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal(String);

impl Decimal {
    /// Parses decimal text (`-12`, `72.50`, `1e3`), or says why it is not one.
    pub fn parse(text: &str) -> Result<Self, String> {
        if is_json_number(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(format!("\"{text}\" is not a decimal number"))
        }
    }

    /// The decimal written from a float, for values the records model keeps as `f64`.
    /// `None` for NaN and infinities, which FHIR cannot carry.
    pub fn from_f64(value: f64) -> Option<Self> {
        if !value.is_finite() {
            return None;
        }
        // `{}` prints the shortest text that reads back as the same float.
        let text = format!("{value}");
        Self::parse(&text).ok()
    }

    /// The decimal as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The nearest float (for the records model, which stores observation values as `f64`).
    pub fn to_f64(&self) -> Option<f64> {
        self.0.parse::<f64>().ok().filter(|v| v.is_finite())
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The JSON number grammar (RFC 8259 section 6), which is also FHIR's decimal grammar
/// apart from the exponent, which FHIR allows too.
pub(crate) fn is_json_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut idx = 0;
    if bytes.get(idx) == Some(&b'-') {
        idx += 1;
    }
    match bytes.get(idx) {
        Some(b'0') => idx += 1,
        Some(b'1'..=b'9') => {
            while bytes.get(idx).is_some_and(u8::is_ascii_digit) {
                idx += 1;
            }
        }
        _ => return false,
    }
    if bytes.get(idx) == Some(&b'.') {
        idx += 1;
        let start = idx;
        while bytes.get(idx).is_some_and(u8::is_ascii_digit) {
            idx += 1;
        }
        if idx == start {
            return false;
        }
    }
    if matches!(bytes.get(idx), Some(b'e' | b'E')) {
        idx += 1;
        if matches!(bytes.get(idx), Some(b'+' | b'-')) {
            idx += 1;
        }
        let start = idx;
        while bytes.get(idx).is_some_and(u8::is_ascii_digit) {
            idx += 1;
        }
        if idx == start {
            return false;
        }
    }
    idx == bytes.len()
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(self.0.clone()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Borrowing the raw text is what keeps `72.50`; it only works when reading JSON text
        // directly (serde_json::from_str), never from an already parsed `Value`.
        let raw: Box<RawValue> = Deserialize::deserialize(deserializer)?;
        Self::parse(raw.get().trim()).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests;

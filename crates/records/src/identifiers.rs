//! Identifiers with rules of their own: the medical record number and the NPI.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A medical record number, unique within its assigning facility.
///
/// Letters, digits and `-` only, 1 to 20 characters, so it survives HL7 (PID-3), X12 and
/// printed labels without escaping.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mrn(String);

impl Mrn {
    /// Parses an MRN, trimming surrounding white space.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("MRN is empty".into());
        }
        if text.len() > 20 {
            return Err(format!("MRN \"{text}\" is longer than 20 characters"));
        }
        if let Some(bad) = text
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(format!(
                "MRN \"{text}\" contains '{bad}'; only letters, digits and '-' are allowed"
            ));
        }
        Ok(Self(text.to_ascii_uppercase()))
    }

    /// The MRN as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Mrn {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

impl From<Mrn> for String {
    fn from(mrn: Mrn) -> String {
        mrn.0
    }
}

impl fmt::Display for Mrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A National Provider Identifier: ten digits whose last is a Luhn check digit computed
/// over the prefix `80840` and the first nine digits (CMS, "Requirements for NPI check digit").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Npi([u8; 10]);

impl Npi {
    /// Parses and checks an NPI.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let mut digits = [0u8; 10];
        if text.len() != 10 {
            return Err(format!("NPI \"{text}\" must be exactly 10 digits"));
        }
        for (slot, byte) in digits.iter_mut().zip(text.bytes()) {
            if !byte.is_ascii_digit() {
                return Err(format!("NPI \"{text}\" must be exactly 10 digits"));
            }
            *slot = byte - b'0';
        }
        let expected = Self::check_digit(&digits);
        if digits[9] != expected {
            return Err(format!(
                "NPI \"{text}\" fails its check digit (expected {expected} in the last place)"
            ));
        }
        Ok(Self(digits))
    }

    /// The Luhn check digit for the first nine digits of an NPI.
    pub fn check_digit(digits: &[u8; 10]) -> u8 {
        // The constant 24 is the Luhn contribution of the "80840" health-industry prefix.
        let mut sum: u32 = 24;
        for (idx, digit) in digits[..9].iter().rev().enumerate() {
            let mut d = u32::from(*digit);
            if idx % 2 == 0 {
                d *= 2;
                if d > 9 {
                    d -= 9;
                }
            }
            sum += d;
        }
        ((10 - (sum % 10)) % 10) as u8
    }

    /// Builds a valid NPI from nine leading digits, for synthetic data.
    pub fn from_base(base: u32) -> Self {
        let mut digits = [0u8; 10];
        let mut rest = base % 1_000_000_000;
        for slot in digits[..9].iter_mut().rev() {
            *slot = (rest % 10) as u8;
            rest /= 10;
        }
        // Synthetic NPIs start with 1 or 2 like real ones.
        if digits[0] == 0 {
            digits[0] = 1;
        }
        digits[9] = Self::check_digit(&digits);
        Self(digits)
    }
}

impl TryFrom<String> for Npi {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

impl From<Npi> for String {
    fn from(npi: Npi) -> String {
        npi.to_string()
    }
}

impl fmt::Display for Npi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for digit in self.0 {
            write!(f, "{digit}")?;
        }
        Ok(())
    }
}

//! A patient reduced to what matching compares, computed once per patient: names folded to
//! `a`-`z` with their Soundex codes and nickname groups, the birth date's parts, the
//! street line in USPS standard abbreviations, the phone's digits, the SSN's last four and
//! the MRNs other facilities gave.

use crate::nicknames::Nicknames;
use crate::similarity::Letters;
use crate::soundex::soundex;
use records::{AdministrativeSex, Patient};
use store::fold_name;

/// The identifier system of US Social Security numbers (FHIR, HL7 OID 2.16.840.1.113883.4.1).
const SSN_SYSTEM: &str = "urn:oid:2.16.840.1.113883.4.1";

/// One patient as matching sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Given name folded to `a`-`z` (accents, case, spaces and punctuation gone).
    pub given: String,
    /// The given name's nickname groups.
    pub given_groups: Vec<u16>,
    /// Whether the given name heads a nickname group (a formal name).
    pub given_formal: bool,
    /// The given name's Soundex code.
    pub given_soundex: Option<[u8; 4]>,
    /// The given name's letter counts.
    pub(crate) given_letters: Letters,
    /// Family name folded to `a`-`z`.
    pub family: String,
    /// The family name's Soundex code.
    pub family_soundex: Option<[u8; 4]>,
    /// The family name's letter counts.
    pub(crate) family_letters: Letters,
    /// Birth year, month and day.
    pub birth: (i32, u8, u8),
    /// Sex, unless unknown.
    pub sex: Option<AdministrativeSex>,
    /// Street line(s), lower case, USPS abbreviations, single spaces.
    pub street: Option<String>,
    /// The five-digit ZIP code.
    pub zip: Option<String>,
    /// The last ten digits of the phone number.
    pub phone: Option<String>,
    /// The last four digits of the Social Security number.
    pub ssn4: Option<String>,
    /// Medical record numbers from other facilities: (assigning system, value).
    pub other_mrns: Vec<(String, String)>,
}

impl Person {
    /// Reduces a patient for matching.
    pub fn from_patient(patient: &Patient, nicknames: &Nicknames) -> Self {
        let given = letters(&patient.given_name);
        let family = letters(&patient.family_name);
        let birth = patient.birth_date;
        let street = [&patient.address.line1, &patient.address.line2]
            .into_iter()
            .flatten()
            .map(|line| street(line))
            .filter(|line| !line.is_empty())
            .reduce(|a, b| format!("{a} {b}"));
        let zip = patient
            .address
            .postal_code
            .as_deref()
            .map(digits)
            .filter(|zip| zip.len() >= 5)
            .and_then(|zip| zip.get(..5).map(str::to_owned));
        let phone = patient
            .phone
            .as_deref()
            .and_then(|phone| last_digits(phone, 10));
        let mut ssn4 = None;
        let mut other_mrns = Vec::new();
        for identifier in &patient.identifiers {
            let type_code = identifier.type_code.as_deref().unwrap_or("");
            if type_code == "SS" || identifier.system.as_deref() == Some(SSN_SYSTEM) {
                ssn4 = last_digits(&identifier.value, 4);
            } else if type_code == "MR" {
                other_mrns.push((
                    identifier.system.clone().unwrap_or_default(),
                    identifier.value.trim().to_ascii_uppercase(),
                ));
            }
        }
        Self {
            given_groups: nicknames.groups(&given).to_vec(),
            given_formal: nicknames.is_formal(&given),
            given_soundex: soundex(&given),
            family_soundex: soundex(&family),
            given_letters: Letters::of(&given),
            family_letters: Letters::of(&family),
            given,
            family,
            birth: (birth.year(), u8::from(birth.month()), birth.day()),
            sex: match patient.sex {
                AdministrativeSex::Unknown => None,
                sex => Some(sex),
            },
            street,
            zip,
            phone,
            ssn4,
            other_mrns,
        }
    }
}

/// A name folded (accents and case) and kept to its letters: O'Brien and obrien meet.
fn letters(name: &str) -> String {
    fold_name(name)
        .chars()
        .filter(char::is_ascii_lowercase)
        .collect()
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// The last `n` digits, or `None` when there are fewer.
fn last_digits(text: &str, n: usize) -> Option<String> {
    let all = digits(text);
    all.len()
        .checked_sub(n)
        .and_then(|start| all.get(start..))
        .map(str::to_owned)
}

/// A street line in the USPS standard form (Publication 28, appendix C: street suffixes,
/// directionals and unit designators), lower case, punctuation gone, so "12 North Elm
/// Street, Apt. 4" and "12 N Elm St #4" compare equal.
fn street(line: &str) -> String {
    let cleaned: String = fold_name(line)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = cleaned
        .split_whitespace()
        .map(|word| match word {
            "street" | "str" => "st",
            "avenue" | "av" | "aven" => "ave",
            "road" => "rd",
            "drive" | "drv" => "dr",
            "lane" => "ln",
            "court" => "ct",
            "boulevard" | "boul" => "blvd",
            "place" => "pl",
            "terrace" => "ter",
            "circle" => "cir",
            "highway" => "hwy",
            "parkway" => "pkwy",
            "square" => "sq",
            "north" => "n",
            "south" => "s",
            "east" => "e",
            "west" => "w",
            "apartment" | "unit" => "apt",
            "suite" => "ste",
            other => other,
        })
        .collect();
    words.join(" ")
}

#[cfg(test)]
mod tests;

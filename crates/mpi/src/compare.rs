//! Comparison of two people field by field into levels: the comparison vector.
//!
//! Each field has a few ordered levels, best agreement first, and the last is plain
//! disagreement; a field missing on either side has no level and weighs nothing. Names are
//! compared crosswise when given and family look swapped, so a chart registered as
//! "Lee, Morgan" meets "Morgan, Lee" at full agreement.

use crate::nicknames::shares_group;
use crate::normalize::Person;
use crate::settings::Bands;
use crate::similarity::{Letters, Name, jaro_winkler, name_similarity};

/// A compared field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Given name.
    Given,
    /// Family name.
    Family,
    /// Birth date.
    BirthDate,
    /// Administrative sex.
    Sex,
    /// Street line and ZIP code.
    Address,
    /// Phone number.
    Phone,
    /// Last four digits of the SSN.
    Ssn4,
    /// MRNs other facilities gave.
    OtherMrn,
}

/// Every field, in vector order.
pub const FIELDS: [Field; 8] = [
    Field::Given,
    Field::Family,
    Field::BirthDate,
    Field::Sex,
    Field::Address,
    Field::Phone,
    Field::Ssn4,
    Field::OtherMrn,
];

/// The given name's level that marks twins; its weight is fixed by the settings.
pub const TWIN_LEVEL: u8 = 6;

impl Field {
    /// The field's name in settings, reports and the queue.
    pub fn name(self) -> &'static str {
        match self {
            Self::Given => "given_name",
            Self::Family => "family_name",
            Self::BirthDate => "birth_date",
            Self::Sex => "sex",
            Self::Address => "address",
            Self::Phone => "phone",
            Self::Ssn4 => "ssn_last4",
            Self::OtherMrn => "other_mrn",
        }
    }

    /// The levels, best agreement first.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Self::Given => &[
                "exact",
                "nickname",
                "jaro-winkler close",
                "jaro-winkler near",
                "soundex",
                "jaro-winkler far",
                "different, same family and birth date (twins)",
                "different",
            ],
            Self::Family => &[
                "exact",
                "jaro-winkler close",
                "jaro-winkler near",
                "one part of the other (hyphenated)",
                "soundex",
                "jaro-winkler far",
                "different",
            ],
            Self::BirthDate => &[
                "exact",
                "day and month transposed",
                "year off by one",
                "one digit wrong or two adjacent swapped",
                "two of year, month, day",
                "different",
            ],
            Self::Sex => &["same", "different"],
            Self::Address => &["same street", "street close", "same ZIP", "different"],
            Self::Phone => &["same", "same last seven digits", "different"],
            Self::Ssn4 => &["same", "different"],
            Self::OtherMrn => &["shared", "same facility, other number"],
        }
    }
}

/// The level of every field for one pair, packed four bits a field (15 is "missing").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Vector(pub u32);

const MISSING: u32 = 0xF;

impl Vector {
    /// Packs levels given in `FIELDS` order.
    pub fn from_levels(levels: [Option<u8>; 8]) -> Self {
        let mut packed = 0u32;
        for (idx, level) in levels.into_iter().enumerate() {
            let nibble = level.map_or(MISSING, |level| u32::from(level).min(MISSING - 1));
            packed |= nibble << (idx * 4);
        }
        Self(packed)
    }

    /// The level of the field at `idx` in `FIELDS`, or `None` when it was missing.
    pub fn level(self, idx: usize) -> Option<u8> {
        let nibble = (self.0 >> (idx * 4)) & MISSING;
        (nibble != MISSING).then_some(nibble as u8)
    }

    /// Every field's level in `FIELDS` order.
    pub fn levels(self) -> [Option<u8>; 8] {
        std::array::from_fn(|idx| self.level(idx))
    }

    /// The vector with the fields at `indexes` set missing.
    pub fn without(self, indexes: &[usize]) -> Self {
        let mut packed = self.0;
        for idx in indexes {
            packed |= MISSING << (idx * 4);
        }
        Self(packed)
    }

    /// Whether the pair may be twins: the same family name (or a typo of it) and birth date
    /// with given names that are neither equal nor nicknames of each other. Twins are often
    /// given alike names (Christina and Christine), so a close given name is no proof of a
    /// typo here; such pairs are never linked without a person looking.
    pub fn twins(self) -> bool {
        let given_differs = self.level(0).is_some_and(|level| level >= 2);
        let same_family = self.level(1).is_some_and(|level| level <= 1);
        given_differs && same_family && self.level(2) == Some(0)
    }
}

/// One side's name as the comparison reads it.
#[derive(Clone, Copy)]
struct NameParts<'a> {
    name: &'a str,
    letters: &'a Letters,
    soundex: Option<[u8; 4]>,
}

impl NameParts<'_> {
    fn text(&self) -> Name<'_> {
        (self.name, self.letters)
    }
}

fn given_of(person: &Person) -> NameParts<'_> {
    NameParts {
        name: &person.given,
        letters: &person.given_letters,
        soundex: person.given_soundex,
    }
}

fn family_of(person: &Person) -> NameParts<'_> {
    NameParts {
        name: &person.family,
        letters: &person.family_letters,
        soundex: person.family_soundex,
    }
}

/// Compares two people.
pub fn compare(a: &Person, b: &Person, bands: &Bands) -> Vector {
    let (b_given, b_family, b_given_groups) = if swapped(a, b) {
        (family_of(b), given_of(b), (&[][..], false))
    } else {
        (
            given_of(b),
            family_of(b),
            (&b.given_groups[..], b.given_formal),
        )
    };
    let family = family_level(family_of(a), b_family, bands);
    let birth = birth_level(a.birth, b.birth);
    let given = given_level(
        (given_of(a), (&a.given_groups, a.given_formal)),
        (b_given, b_given_groups),
        bands,
        birth == 0 && family.is_some_and(|level| level <= 1),
    );
    Vector::from_levels([
        given,
        family,
        Some(birth),
        match (a.sex, b.sex) {
            (Some(x), Some(y)) => Some(u8::from(x != y)),
            _ => None,
        },
        address_level(a, b, bands),
        match (&a.phone, &b.phone) {
            (Some(x), Some(y)) if x == y => Some(0),
            (Some(x), Some(y)) if x.get(3..) == y.get(3..) => Some(1),
            (Some(_), Some(_)) => Some(2),
            _ => None,
        },
        match (&a.ssn4, &b.ssn4) {
            (Some(x), Some(y)) => Some(u8::from(x != y)),
            _ => None,
        },
        other_mrn_level(a, b),
    ])
}

/// Whether b's given and family names fit a's better the other way round.
fn swapped(a: &Person, b: &Person) -> bool {
    if a.given == b.given || a.family == b.family {
        return false;
    }
    // Crosswise at 1.8 needs each crosswise similarity at 0.8 or more: for nearly every pair
    // of strangers the first one settles it.
    let Some(given_as_family) = name_similarity(given_of(a).text(), family_of(b).text(), 0.8)
    else {
        return false;
    };
    let Some(family_as_given) = name_similarity(family_of(a).text(), given_of(b).text(), 0.8)
    else {
        return false;
    };
    if given_as_family < 0.8 || family_as_given < 0.8 {
        return false;
    }
    let straight = similarity(&a.given, &b.given) + similarity(&a.family, &b.family);
    let crosswise = given_as_family + family_as_given;
    crosswise >= 1.8 && crosswise > straight + 0.2
}

fn similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        0.0
    } else {
        jaro_winkler(a, b)
    }
}

fn given_level(
    a: (NameParts, (&[u16], bool)),
    b: (NameParts, (&[u16], bool)),
    bands: &Bands,
    same_family_and_birth: bool,
) -> Option<u8> {
    let (a_name, a_groups) = a;
    let (b_name, b_groups) = b;
    if a_name.name.is_empty() || b_name.name.is_empty() {
        return None;
    }
    if a_name.name == b_name.name {
        return Some(0);
    }
    if shares_group(a_groups, b_groups) {
        return Some(1);
    }
    // Below the lowest band that still matters the similarity is not computed.
    let floor = if same_family_and_birth {
        bands.name_close
    } else {
        bands.name_far
    };
    let jw = name_similarity(a_name.text(), b_name.text(), floor).unwrap_or(0.0);
    // Twins share family name and birth date and often have alike names (Emma, Emmy); past
    // a typo's reach, such a pair is held at the twins' level whatever else agrees.
    Some(if jw >= bands.name_close {
        2
    } else if same_family_and_birth {
        TWIN_LEVEL
    } else if jw >= bands.name_near {
        3
    } else if a_name.soundex == b_name.soundex {
        4
    } else if jw >= bands.name_far {
        5
    } else {
        7
    })
}

fn family_level(a: NameParts, b: NameParts, bands: &Bands) -> Option<u8> {
    if a.name.is_empty() || b.name.is_empty() {
        return None;
    }
    if a.name == b.name {
        return Some(0);
    }
    let jw = name_similarity(a.text(), b.text(), bands.name_far).unwrap_or(0.0);
    let (shorter, longer) = if a.name.len() <= b.name.len() {
        (a.name, b.name)
    } else {
        (b.name, a.name)
    };
    Some(if jw >= bands.name_close {
        1
    } else if jw >= bands.name_near {
        2
    } else if shorter.len() >= 3
        // A name holds another only if it has all its letters: settled before the search.
        && a.letters.shared(b.letters) == shorter.len()
        && longer.contains(shorter)
    {
        3
    } else if a.soundex == b.soundex {
        4
    } else if jw >= bands.name_far {
        5
    } else {
        6
    })
}

fn birth_level(a: (i32, u8, u8), b: (i32, u8, u8)) -> u8 {
    let (ay, am, ad) = a;
    let (by, bm, bd) = b;
    if a == b {
        0
    } else if ay == by && am == bd && ad == bm {
        1
    } else if am == bm && ad == bd && (ay - by).abs() == 1 {
        2
    } else if one_keying_slip(date_digits(a), date_digits(b)) {
        3
    } else if u8::from(ay == by) + u8::from(am == bm) + u8::from(ad == bd) == 2 {
        4
    } else {
        5
    }
}

/// A date as its eight digits, year first, as it is keyed.
fn date_digits((year, month, day): (i32, u8, u8)) -> [u8; 8] {
    let year = year.clamp(0, 9999).unsigned_abs();
    let mut digits = [0u8; 8];
    for (idx, value) in [
        (0, year / 100),
        (2, year % 100),
        (4, u32::from(month)),
        (6, u32::from(day)),
    ] {
        if let Some(pair) = digits.get_mut(idx..idx + 2) {
            pair.copy_from_slice(&[(value / 10 % 10) as u8, (value % 10) as u8]);
        }
    }
    digits
}

/// Whether two different dates differ by one digit keyed wrong or two neighbouring digits
/// swapped (a Damerau edit of one; dates have a fixed width, so nothing is dropped or added).
fn one_keying_slip(a: [u8; 8], b: [u8; 8]) -> bool {
    let mut differing = (0..8).filter(|&idx| a.get(idx) != b.get(idx));
    match (differing.next(), differing.next(), differing.next()) {
        (Some(_), None, None) => true,
        (Some(first), Some(second), None) => {
            second == first + 1 && a.get(first) == b.get(second) && a.get(second) == b.get(first)
        }
        _ => false,
    }
}

fn address_level(a: &Person, b: &Person, bands: &Bands) -> Option<u8> {
    let same_zip = match (&a.zip, &b.zip) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    };
    match (&a.street, &b.street) {
        (Some(x), Some(y)) if x == y && same_zip != Some(false) => Some(0),
        // Strangers' ZIP codes mostly differ, which settles the street before comparing it.
        (Some(x), Some(y))
            if same_zip != Some(false) && jaro_winkler(x, y) >= bands.street_close =>
        {
            Some(1)
        }
        // Streets without ZIP codes on one side are judged by the street alone.
        (Some(_), Some(_)) if same_zip.is_none() => Some(3),
        _ => same_zip.map(|same| if same { 2 } else { 3 }),
    }
}

fn other_mrn_level(a: &Person, b: &Person) -> Option<u8> {
    let mut same_system = false;
    for (system, value) in &a.other_mrns {
        for (other_system, other_value) in &b.other_mrns {
            if system == other_system {
                if value == other_value {
                    return Some(0);
                }
                same_system = true;
            }
        }
    }
    same_system.then_some(1)
}

#[cfg(test)]
mod tests;

//! Blocking rules: only people who share a rule's key are compared, so a full match grows
//! with the block sizes rather than with the square of the population.
//!
//! Rules complement each other: each catches duplicates another misses (a year typo leaves
//! the birth date block, a married name leaves the family block, a move leaves the phone).

use crate::compare::Field;
use crate::normalize::Person;
use serde::Deserialize;
use std::hash::{DefaultHasher, Hash, Hasher};

/// A rule: what two people must share to be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockingRule {
    /// The same birth date.
    BirthDate,
    /// The family name's Soundex code and the birth year.
    FamilySoundexBirthYear,
    /// The given name's Soundex code and the birth month and day.
    GivenSoundexBirthMonthDay,
    /// The same phone number.
    Phone,
    /// The same normalised street line and ZIP code.
    StreetZip,
    /// The SSN's last four digits and the birth year.
    Ssn4BirthYear,
}

impl BlockingRule {
    /// The rule's name as settings write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::BirthDate => "birth_date",
            Self::FamilySoundexBirthYear => "family_soundex_birth_year",
            Self::GivenSoundexBirthMonthDay => "given_soundex_birth_month_day",
            Self::Phone => "phone",
            Self::StreetZip => "street_zip",
            Self::Ssn4BirthYear => "ssn4_birth_year",
        }
    }

    /// The fields a rule's pairs agree on by construction: EM over this rule's pairs must
    /// not read them as evidence (they were chosen for agreeing), so they are left out there.
    pub fn fields(self) -> &'static [Field] {
        match self {
            Self::BirthDate => &[Field::BirthDate],
            Self::FamilySoundexBirthYear => &[Field::Family, Field::BirthDate],
            Self::GivenSoundexBirthMonthDay => &[Field::Given, Field::BirthDate],
            Self::Phone => &[Field::Phone],
            Self::StreetZip => &[Field::Address],
            Self::Ssn4BirthYear => &[Field::Ssn4, Field::BirthDate],
        }
    }

    /// The person's key under this rule (a hash of its parts), or `None` when a part is
    /// missing, so people missing a phone are not all one block.
    pub fn key(self, person: &Person) -> Option<u64> {
        let mut hasher = DefaultHasher::new();
        (self as u8).hash(&mut hasher);
        let (year, month, day) = person.birth;
        match self {
            Self::BirthDate => person.birth.hash(&mut hasher),
            Self::FamilySoundexBirthYear => (person.family_soundex?, year).hash(&mut hasher),
            Self::GivenSoundexBirthMonthDay => {
                (person.given_soundex?, month, day).hash(&mut hasher);
            }
            Self::Phone => person.phone.as_ref()?.hash(&mut hasher),
            Self::StreetZip => (person.street.as_ref()?, person.zip.as_ref()?).hash(&mut hasher),
            Self::Ssn4BirthYear => (person.ssn4.as_ref()?, year).hash(&mut hasher),
        }
        Some(hasher.finish())
    }
}

/// Whether two people's keys under the earlier rules (in rule order) meet: such a pair
/// was compared under that rule and is not compared again.
pub(crate) fn found_earlier(a_keys: &[Option<u64>], b_keys: &[Option<u64>]) -> bool {
    a_keys
        .iter()
        .zip(b_keys)
        .any(|(a, b)| a.is_some() && a == b)
}

#[cfg(test)]
mod tests;

//! Who a new registration may already be: patients on file with the same name and birth
//! date, or a name within the tolerant search's reach, shown before a second chart is
//! opened for one person.
//!
//! Every registration, HL7 ADT and imported patient runs this, so it reads indexes only:
//! the patients born that day, and those whose family or given name key starts with a name
//! typed (either way round, for names swapped at the desk), a few columns each; only the
//! ten listed are read whole. A name misspelt in both parts is found on the birth date alone.

use crate::error::Result;
use crate::filter::{fold_name, name_key_prefix};
use crate::patient_fuzzy::{words, words_within_reach};
use crate::tx::{Stored, Tx};
use crate::value::Value;
use records::Patient;
use std::collections::HashMap;
use time::Date;

/// Most candidates shown; a registrar reads them one by one.
const MAX_CANDIDATES: usize = 10;

/// Most rows one look-up reads. A name prefix shared by more patients than this is a very
/// common name, and the other look-ups (the other name, the birth date) still narrow it.
const PER_LOOKUP: i64 = 5_000;

/// How much a patient on file looks like the one being registered, most alike first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Likeness {
    /// Same family and given name (case and accents aside) and birth date.
    SameNameAndBirthDate,
    /// Same birth date, a name within one or two edits or sharing the family name.
    SimilarNameSameBirthDate,
    /// A name within one or two edits, another birth date.
    SimilarName,
}

impl Likeness {
    /// In words, for the registrar.
    pub fn label(self) -> &'static str {
        match self {
            Self::SameNameAndBirthDate => "same name and date of birth",
            Self::SimilarNameSameBirthDate => "similar name, same date of birth",
            Self::SimilarName => "similar name",
        }
    }
}

impl Tx<'_> {
    /// Patients on file who may be the person registered as `family`, `given`, born on
    /// `birth_date`: the most alike first, at most ten. Found are those born that day whose
    /// family name is within reach (one edit for short words, two for longer, a prefix
    /// counts), and those of any birth date whose family and given names both are.
    pub fn possible_duplicates(
        &mut self,
        family: &str,
        given: &str,
        birth_date: Date,
    ) -> Result<Vec<(Stored<Patient>, Likeness)>> {
        let (family, given) = (fold_name(family), fold_name(given));
        let (family_words, given_words) = (words(&family), words(&given));
        if family_words.is_empty() {
            return Ok(Vec::new());
        }
        let typed: Vec<String> = family_words.iter().chain(&given_words).cloned().collect();
        let mut on_file: HashMap<i64, NameRow> = HashMap::new();
        for row in self.name_rows("birth_date = ?", vec![Value::Date(birth_date)])? {
            on_file.entry(row.id).or_insert(row);
        }
        for name in [&family, &given]
            .into_iter()
            .filter(|n| n.chars().count() >= 2)
        {
            for column in ["family_key", "given_key"] {
                let (condition, params) = name_key_prefix(self.dialect(), column, name);
                for row in self.name_rows(&condition, params)? {
                    on_file.entry(row.id).or_insert(row);
                }
            }
        }
        let mut found: Vec<(Likeness, usize, i64)> = on_file
            .into_values()
            .filter_map(|row| {
                let parts = row.parts();
                let likeness = if row.birth_date == Some(birth_date) {
                    let edits = words_within_reach(&family_words, &parts)?;
                    if row.family_key == family && row.given_key == given {
                        (Likeness::SameNameAndBirthDate, edits)
                    } else {
                        (Likeness::SimilarNameSameBirthDate, edits)
                    }
                } else {
                    (Likeness::SimilarName, words_within_reach(&typed, &parts)?)
                };
                Some((likeness.0, likeness.1, row.id))
            })
            .collect();
        found.sort_unstable();
        found.truncate(MAX_CANDIDATES);
        found
            .into_iter()
            .map(|(likeness, _, id)| Ok((self.get::<Patient>(id)?, likeness)))
            .collect()
    }

    /// The names and birth dates of the current patients meeting `condition`.
    fn name_rows(&mut self, condition: &str, params: Vec<Value>) -> Result<Vec<NameRow>> {
        let sql = format!(
            "SELECT id, family_key, given_key, preferred_name, middle_name, birth_date \
             FROM patients WHERE deleted_at IS NULL AND {condition} LIMIT {PER_LOOKUP}"
        );
        Ok(self
            .query(&sql, &params)?
            .iter()
            .map(|row| NameRow {
                id: row.int(0),
                family_key: row.text(1).unwrap_or_default().to_owned(),
                given_key: row.text(2).unwrap_or_default().to_owned(),
                preferred: row.text(3).map(fold_name),
                middle: row.text(4).map(fold_name),
                birth_date: row.get(5).as_date(),
            })
            .collect())
    }
}

/// What the duplicate check reads of a patient on file before choosing whom to list.
struct NameRow {
    id: i64,
    family_key: String,
    given_key: String,
    preferred: Option<String>,
    middle: Option<String>,
    birth_date: Option<Date>,
}

impl NameRow {
    /// Every word of the patient's names, folded.
    fn parts(&self) -> Vec<String> {
        [
            Some(&self.family_key),
            Some(&self.given_key),
            self.preferred.as_ref(),
            self.middle.as_ref(),
        ]
        .into_iter()
        .flatten()
        .flat_map(|name| words(name))
        .collect()
    }
}

//! Who a new registration may already be: patients on file with the same name and birth
//! date, or a name within the tolerant search's reach, shown before a second chart is
//! opened for one person.

use crate::error::Result;
use crate::filter::fold_name;
use crate::patients::PatientQuery;
use crate::tx::{Stored, Tx};
use records::Patient;
use std::collections::HashSet;
use time::Date;

/// Most candidates shown; a registrar reads them one by one.
const MAX_CANDIDATES: usize = 10;

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
    /// `birth_date`: the most alike first, at most ten.
    pub fn possible_duplicates(
        &mut self,
        family: &str,
        given: &str,
        birth_date: Date,
    ) -> Result<Vec<(Stored<Patient>, Likeness)>> {
        let by_name = self.search_patients_tolerant(&PatientQuery {
            text: Some(format!("{family} {given}")),
            birth_date: None,
            limit: 25,
        })?;
        let by_birth = self.search_patients_tolerant(&PatientQuery {
            text: Some(family.to_owned()),
            birth_date: Some(birth_date),
            limit: 25,
        })?;
        let (family, given) = (fold_name(family), fold_name(given));
        let mut seen = HashSet::new();
        let mut found: Vec<(Stored<Patient>, Likeness)> = by_birth
            .into_iter()
            .chain(by_name)
            .filter(|p| seen.insert(p.meta.id))
            .map(|p| {
                let same_name = fold_name(&p.record.family_name) == family
                    && fold_name(&p.record.given_name) == given;
                let likeness = match (same_name, p.record.birth_date == birth_date) {
                    (true, true) => Likeness::SameNameAndBirthDate,
                    (false, true) => Likeness::SimilarNameSameBirthDate,
                    _ => Likeness::SimilarName,
                };
                (p, likeness)
            })
            .collect();
        found.sort_by_key(|(p, likeness)| (*likeness, p.meta.id));
        found.truncate(MAX_CANDIDATES);
        Ok(found)
    }
}

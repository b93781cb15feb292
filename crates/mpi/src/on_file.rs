//! The patients on file, read for a full match: every current patient record, a page of
//! ids at a time so no statement holds the whole population.

use crate::nicknames::Nicknames;
use crate::normalize::Person;
use records::Patient;
use store::{Stored, Tx, Value};

/// Patients per statement.
const PAGE: i64 = 10_000;

/// Every current patient, by id.
pub fn patients_on_file(tx: &mut Tx<'_>) -> store::Result<Vec<Stored<Patient>>> {
    let mut patients: Vec<Stored<Patient>> = Vec::new();
    loop {
        let after = patients.last().map_or(0, |patient| patient.meta.id);
        let page = tx.select::<Patient>("id > ?", &[Value::Int(after)], "id", PAGE)?;
        let done = (page.len() as i64) < PAGE;
        patients.extend(page);
        if done {
            return Ok(patients);
        }
    }
}

/// The patients reduced for matching, in the same order.
pub fn persons_of(patients: &[Stored<Patient>], nicknames: &Nicknames) -> Vec<Person> {
    use rayon::prelude::*;
    patients
        .par_iter()
        .map(|patient| Person::from_patient(&patient.record, nicknames))
        .collect()
}

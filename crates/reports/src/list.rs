//! Patient lists (`list patients ...`): the engine chooses and orders the patients, this
//! module reads what the engine does not hold (MRN, name, the provider's and payer's
//! names) from the store, so a list reads as a registrar expects it to.
//!
//! Invariants:
//! - The engine decides which patients are listed and in which order; the store only
//!   names them. A patient deleted between the two keeps its row with empty names rather
//!   than shifting the list.
//! - Only the columns asked for are read (a list without names reads no names).
//! - Nothing here audits or checks permissions: the caller decides what the user may
//!   see, builds `within` for the engine, and writes the disclosure with
//!   [`PatientList::patient_ids`] before anything is shown.

use std::collections::HashMap;
use std::sync::Arc;

use query::ast::{ListColumn, Query};
use query::{Cell, ColumnKind, Engine, ListedPatient, PatientSet, Table};
use store::{Store, Value};

use crate::{Error, Result};

/// Ids per `IN (...)` read: well under SQLite's and PostgreSQL's parameter limits.
const CHUNK: usize = 500;

/// A patient list ready to show or export.
#[derive(Debug, Clone)]
pub struct PatientList {
    /// The store ids of the patients listed, in the list's order.
    pub patient_ids: Vec<i64>,
    /// The columns asked for, in order.
    pub columns: Vec<ListColumn>,
    /// One row per patient, one cell per column (dates as `YYYY-MM-DD`, the balance as
    /// dollars and cents).
    pub table: Table,
}

/// Runs a `list patients` query: the engine's choice of patients (only those in
/// `within` when given), named from the store.
pub fn run(
    store: &Store,
    engine: &Engine,
    query: &Query,
    within: Option<&PatientSet>,
) -> Result<PatientList> {
    let spec = query.list.as_ref().ok_or_else(|| {
        Error::Query(query::Error::Unanswerable(
            "this query counts; write `list patients ...` to list patients".into(),
        ))
    })?;
    let listed = match within {
        Some(within) => engine.list_within(query, within)?,
        None => engine.list(query)?,
    };
    let columns = spec.columns.clone();
    let wants = |column| columns.contains(&column);
    let patient_ids: Vec<i64> = listed.iter().map(|p| p.key).collect();
    let names = if wants(ListColumn::Mrn) || wants(ListColumn::Name) {
        read_names(
            store,
            "SELECT id, mrn, family_name, given_name FROM patients",
            &patient_ids,
            |row| {
                (
                    row.text(1).unwrap_or("").to_owned(),
                    person(row.text(2), row.text(3)),
                )
            },
        )?
    } else {
        HashMap::new()
    };
    let providers = if wants(ListColumn::Provider) {
        let ids = distinct(listed.iter().filter_map(|p| p.provider_key));
        read_names(
            store,
            "SELECT id, family_name, given_name FROM providers",
            &ids,
            |row| person(row.text(1), row.text(2)),
        )?
    } else {
        HashMap::new()
    };
    let payers = if wants(ListColumn::Payer) {
        let ids = distinct(listed.iter().filter_map(|p| p.payer_key));
        read_names(store, "SELECT id, name FROM payers", &ids, |row| {
            row.text(1).unwrap_or("").to_owned()
        })?
    } else {
        HashMap::new()
    };
    // Sex letters repeat down the column; share them rather than allocate per row.
    let sexes: HashMap<&str, Arc<str>> = ["F", "M", "O", "U"]
        .into_iter()
        .map(|s| (s, Arc::from(s)))
        .collect();
    let text = |s: &str| Cell::Text(Arc::from(s));
    let rows = listed
        .iter()
        .map(|patient| {
            columns
                .iter()
                .map(|column| cell(patient, *column, &names, &providers, &payers, &sexes, text))
                .collect()
        })
        .collect();
    Ok(PatientList {
        patient_ids,
        table: Table {
            columns: columns.iter().map(|c| c.word().to_owned()).collect(),
            kinds: vec![ColumnKind::Dimension; columns.len()],
            rows,
        },
        columns,
    })
}

fn cell(
    patient: &ListedPatient,
    column: ListColumn,
    names: &HashMap<i64, (String, String)>,
    providers: &HashMap<i64, String>,
    payers: &HashMap<i64, String>,
    sexes: &HashMap<&str, Arc<str>>,
    text: impl Fn(&str) -> Cell,
) -> Cell {
    let named = |map: &HashMap<i64, String>, key: Option<i64>| {
        text(key.and_then(|k| map.get(&k)).map_or("", String::as_str))
    };
    let date = |d: Option<time::Date>| text(&d.map(|d| d.to_string()).unwrap_or_default());
    match column {
        ListColumn::Mrn => text(names.get(&patient.key).map_or("", |n| n.0.as_str())),
        ListColumn::Name => text(names.get(&patient.key).map_or("", |n| n.1.as_str())),
        ListColumn::BirthDate => date(patient.birth_date),
        ListColumn::Age => patient
            .age
            .map_or_else(|| text(""), |a| Cell::Int(i64::from(a))),
        ListColumn::Sex => sexes
            .get(patient.sex.letter())
            .map_or_else(|| text(patient.sex.letter()), |s| Cell::Text(Arc::clone(s))),
        ListColumn::Zip => text(&patient.zip),
        ListColumn::Zip3 => text(patient.zip.get(..3).unwrap_or(&patient.zip)),
        ListColumn::LastVisit => date(patient.last_visit),
        ListColumn::Provider => named(providers, patient.provider_key),
        ListColumn::Payer => named(payers, patient.payer_key),
        ListColumn::Balance => text(&dollars(patient.balance_cents)),
    }
}

/// Cents as dollars and cents (`1234.05`), as the ledger shows them.
fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

/// "Family, Given" as the chart heads it.
fn person(family: Option<&str>, given: Option<&str>) -> String {
    match (family.unwrap_or(""), given.unwrap_or("")) {
        (family, "") => family.to_owned(),
        ("", given) => given.to_owned(),
        (family, given) => format!("{family}, {given}"),
    }
}

fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut ids: Vec<i64> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Reads `select` (whose first column is the id) for `ids`, a chunk at a time, deleted
/// rows left out.
fn read_names<T>(
    store: &Store,
    select: &str,
    ids: &[i64],
    mut value: impl FnMut(&store::Row) -> T,
) -> Result<HashMap<i64, T>> {
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let sql = format!("{select} WHERE deleted_at IS NULL AND id IN ({marks})");
        let params: Vec<Value> = chunk.iter().map(|&id| Value::Int(id)).collect();
        let rows = store.read(|tx| tx.query(&sql, &params))?;
        for row in &rows {
            found.insert(row.int(0), value(row));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::{dollars, person};

    #[test]
    fn amounts_and_names_read_as_on_the_chart() {
        assert_eq!(dollars(123_405), "1234.05");
        assert_eq!(dollars(-7), "-0.07");
        assert_eq!(person(Some("Ash"), Some("Ann")), "Ash, Ann");
        assert_eq!(person(Some("Ash"), None), "Ash");
    }
}

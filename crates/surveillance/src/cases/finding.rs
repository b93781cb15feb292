//! Case finding kept in step with the records written (schema 41): each step reads only the
//! diagnoses and results written since the last (new rows by id, changes and deletions by
//! `record_history` id, as the syndromic counts do), evaluates the visits they belong to
//! against the triggers, and saves its mark with the cases in one transaction.
//!
//! Invariants:
//! - One case per patient, condition and encounter (results without an encounter: per
//!   patient and condition), however often its visit is evaluated: a step is idempotent.
//! - A case is never deleted by case finding. When a visit no longer holds any trigger of a
//!   case's condition (the diagnosis removed or recoded, the result corrected), the case is
//!   marked withdrawn and stays in the queue with its status, because a report may already
//!   have gone and a person decides; a trigger coded again clears the mark.
//! - The mark carries the triggers' fingerprint: after the list changes every diagnosis and
//!   result is evaluated again (cases found before are kept, conditions no longer in force
//!   are left as they are).

use super::triggers::TriggerSet;
use crate::watermark;
use records::{CaseReport, CaseStatus, EncounterId, PatientId, TriggerSource};
use std::collections::{BTreeMap, BTreeSet};
use store::{Actor, Store, Stored, Tx, Value};

/// Who case finding writes as, in the records' history.
pub const CASE_FINDING: &str = "system:case-finding";

/// A visit evaluated as one: a patient and an encounter (or the patient's results that
/// belong to no encounter).
type Unit = (i64, Option<i64>);

/// Where the last step stopped, and under which triggers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Mark {
    fingerprint: String,
    diagnoses: i64,
    observations: i64,
    history: i64,
}

impl Mark {
    const COLUMNS: [&'static str; 3] = ["diagnoses", "observations", "history"];

    fn load(tx: &mut Tx<'_>) -> store::Result<Option<Mark>> {
        Ok(
            watermark::load(tx, "case_finding_watermark", Self::COLUMNS)?.map(
                |(fingerprint, [diagnoses, observations, history])| Mark {
                    fingerprint,
                    diagnoses,
                    observations,
                    history,
                },
            ),
        )
    }

    fn save(&self, tx: &mut Tx<'_>) -> store::Result<()> {
        watermark::save(
            tx,
            "case_finding_watermark",
            Self::COLUMNS,
            &self.fingerprint,
            [self.diagnoses, self.observations, self.history],
        )
    }
}

/// What a step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FindCounts {
    /// Visits evaluated.
    pub visits: usize,
    /// Cases opened.
    pub opened: usize,
    /// Cases whose every trigger was taken back.
    pub withdrawn: usize,
    /// Withdrawn cases whose trigger came back.
    pub restored: usize,
    /// Whether every record was evaluated (first step, or the triggers changed).
    pub rebuilt: bool,
}

/// Rows read per query.
const CHUNK: usize = 400;

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Brings the cases up to date with what was written since the last step, in one
/// transaction.
pub fn step(store: &Store, triggers: &TriggerSet) -> store::Result<FindCounts> {
    store.write(|tx| step_in(tx, triggers))
}

/// [`step`] inside the caller's transaction (a writer that wants its cases found before it
/// commits calls this).
pub fn step_in(tx: &mut Tx<'_>, triggers: &TriggerSet) -> store::Result<FindCounts> {
    let fingerprint = triggers.fingerprint();
    let mut counts = FindCounts::default();
    let mark = match Mark::load(tx)? {
        Some(mark) if mark.fingerprint == fingerprint => mark,
        _ => {
            counts.rebuilt = true;
            Mark {
                fingerprint: fingerprint.clone(),
                ..Mark::default()
            }
        }
    };
    let next = Mark {
        fingerprint,
        diagnoses: watermark::highest(tx, "diagnoses")?.max(mark.diagnoses),
        observations: watermark::highest(tx, "observations")?.max(mark.observations),
        history: watermark::highest(tx, "record_history")?.max(mark.history),
    };
    let units: Vec<Unit> = touched(tx, &mark, &next)?.into_iter().collect();
    counts.visits = units.len();
    let actor = Actor::new(CASE_FINDING);
    for chunk in units.chunks(CHUNK) {
        evaluate(tx, triggers, &actor, chunk, &mut counts)?;
    }
    next.save(tx)?;
    Ok(counts)
}

/// Adds the `(patient, encounter)` of each row to `units`.
fn add_units(rows: &[store::Row], units: &mut BTreeSet<Unit>) {
    for row in rows {
        let encounter = row.get(1).as_int();
        units.insert((row.int(0), encounter));
    }
}

/// The visits whose cases may have changed between two marks.
fn touched(tx: &mut Tx<'_>, from: &Mark, to: &Mark) -> store::Result<BTreeSet<Unit>> {
    let mut units = BTreeSet::new();
    for (table, after, upto) in [
        ("diagnoses", from.diagnoses, to.diagnoses),
        ("observations", from.observations, to.observations),
    ] {
        let rows = tx.query(
            &format!("SELECT patient_id, encounter_id FROM {table} WHERE id > ? AND id <= ?"),
            &[Value::Int(after), Value::Int(upto)],
        )?;
        add_units(&rows, &mut units);
    }
    // A first step reads every row already: history adds nothing then.
    if from.diagnoses == 0 && from.observations == 0 {
        return Ok(units);
    }
    let mut changed: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for row in tx.query(
        "SELECT kind, record_id FROM record_history WHERE id > ? AND id <= ? \
         AND kind IN ('diagnosis', 'observation', 'case_report')",
        &[Value::Int(from.history), Value::Int(to.history)],
    )? {
        let table = match row.text(0) {
            Some("diagnosis") => "diagnoses",
            Some("observation") => "observations",
            // A merge moves cases with their chart: the visit is evaluated on its new chart.
            _ => "case_reports",
        };
        changed.entry(table).or_default().push(row.int(1));
    }
    for (table, ids) in changed {
        for chunk in ids.chunks(CHUNK) {
            let params: Vec<Value> = chunk.iter().map(|id| Value::Int(*id)).collect();
            let rows = tx.query(
                &format!(
                    "SELECT patient_id, encounter_id FROM {table} WHERE id IN ({})",
                    placeholders(chunk.len())
                ),
                &params,
            )?;
            add_units(&rows, &mut units);
        }
    }
    Ok(units)
}

/// The first trigger of a condition on a visit.
#[derive(Debug, Clone)]
struct Found {
    name: String,
    code: String,
    system: &'static str,
    source: TriggerSource,
    record_id: i64,
}

/// The visits' encounter ids, and the patients whose results without an encounter are
/// asked for.
fn split(units: &[Unit]) -> (Vec<Value>, Vec<Value>) {
    let encounters = units
        .iter()
        .filter_map(|(_, e)| e.map(Value::Int))
        .collect();
    let loose = units
        .iter()
        .filter(|(_, e)| e.is_none())
        .map(|(p, _)| Value::Int(*p))
        .collect();
    (encounters, loose)
}

/// The current rows of `table` on these visits (with an encounter) or these patients'
/// rows without one, in id order.
fn rows_of(
    tx: &mut Tx<'_>,
    columns: &str,
    table: &str,
    units: &[Unit],
) -> store::Result<Vec<store::Row>> {
    let (encounters, loose) = split(units);
    let mut rows = Vec::new();
    if !encounters.is_empty() {
        rows.extend(tx.query(
            &format!(
                "SELECT {columns} FROM {table} WHERE deleted_at IS NULL AND encounter_id IN ({}) ORDER BY id",
                placeholders(encounters.len())
            ),
            &encounters,
        )?);
    }
    if !loose.is_empty() {
        rows.extend(tx.query(
            &format!(
                "SELECT {columns} FROM {table} WHERE deleted_at IS NULL AND encounter_id IS NULL \
                 AND patient_id IN ({}) ORDER BY id",
                placeholders(loose.len())
            ),
            &loose,
        )?);
    }
    Ok(rows)
}

/// Evaluates these visits: opens the cases their triggers call for, marks withdrawn the
/// cases whose triggers are gone, and clears the mark of those whose trigger came back.
fn evaluate(
    tx: &mut Tx<'_>,
    triggers: &TriggerSet,
    actor: &Actor,
    units: &[Unit],
    counts: &mut FindCounts,
) -> store::Result<()> {
    let wanted: BTreeSet<Unit> = units.iter().copied().collect();
    let mut found: BTreeMap<(Unit, String), Found> = BTreeMap::new();
    for row in rows_of(tx, "id, patient_id, encounter_id, code", "diagnoses", units)? {
        let unit = (row.int(1), row.get(2).as_int());
        let code = row.text(3).unwrap_or_default().to_owned();
        let normalized = codes::normalize(&code);
        for condition in triggers.diagnosis(&normalized) {
            found
                .entry((unit, condition.id.clone()))
                .or_insert_with(|| Found {
                    name: condition.name.clone(),
                    code: code.clone(),
                    system: "icd10cm",
                    source: TriggerSource::Diagnosis,
                    record_id: row.int(0),
                });
        }
    }
    for row in rows_of(
        tx,
        "id, patient_id, encounter_id, code, value_code, value_display, value_text",
        "observations",
        units,
    )? {
        let unit = (row.int(1), row.get(2).as_int());
        let loinc = row.text(3).unwrap_or_default();
        let answer_text = row.text(6).or(row.text(5));
        for hit in triggers.lab(loinc, row.text(4), answer_text) {
            found
                .entry((unit, hit.condition.id.clone()))
                .or_insert_with(|| Found {
                    name: hit.condition.name.clone(),
                    code: if hit.system == "snomed" {
                        row.text(4).unwrap_or_default().to_owned()
                    } else {
                        loinc.to_owned()
                    },
                    system: hit.system,
                    source: TriggerSource::Lab,
                    record_id: row.int(0),
                });
        }
    }
    let mut existing: BTreeMap<(Unit, String), Stored<CaseReport>> = BTreeMap::new();
    for case in existing_cases(tx, units)? {
        let unit = (
            case.record.patient_id.0,
            case.record.encounter_id.map(|e| e.0),
        );
        // The same encounter may be asked of two patients only after a merge moved it;
        // only the visits asked for are settled here.
        if wanted.contains(&unit) {
            existing.insert((unit, case.record.condition.clone()), case);
        }
    }
    let now = tx.now();
    for (key, trigger) in &found {
        match existing.get(key) {
            Some(case) if case.record.withdrawn_at.is_some() => {
                let mut record = case.record.clone();
                record.withdrawn_at = None;
                tx.update(actor, case.meta.id, case.meta.version, &record)?;
                counts.restored += 1;
            }
            Some(_) => {}
            None => {
                let ((patient, encounter), condition) = key;
                tx.create(
                    actor,
                    &CaseReport {
                        patient_id: PatientId(*patient),
                        encounter_id: encounter.map(EncounterId),
                        condition: condition.clone(),
                        condition_name: trigger.name.clone(),
                        trigger_code: trigger.code.clone(),
                        trigger_system: trigger.system.to_owned(),
                        trigger_source: trigger.source,
                        trigger_record_id: trigger.record_id,
                        found_at: now,
                        withdrawn_at: None,
                        status: CaseStatus::New,
                        note: None,
                        worked_by: None,
                        worked_at: None,
                    },
                )?;
                counts.opened += 1;
            }
        }
    }
    for (key, case) in &existing {
        let in_force = triggers.get(&key.1).is_some_and(|c| c.enabled);
        if in_force && case.record.withdrawn_at.is_none() && !found.contains_key(key) {
            let mut record = case.record.clone();
            record.withdrawn_at = Some(now);
            tx.update(actor, case.meta.id, case.meta.version, &record)?;
            counts.withdrawn += 1;
        }
    }
    Ok(())
}

/// The cases already open on these visits.
fn existing_cases(tx: &mut Tx<'_>, units: &[Unit]) -> store::Result<Vec<Stored<CaseReport>>> {
    let (encounters, loose) = split(units);
    let mut cases = Vec::new();
    if !encounters.is_empty() {
        cases.extend(tx.select::<CaseReport>(
            &format!("encounter_id IN ({})", placeholders(encounters.len())),
            &encounters,
            "id",
            i64::MAX,
        )?);
    }
    if !loose.is_empty() {
        cases.extend(tx.select::<CaseReport>(
            &format!(
                "encounter_id IS NULL AND patient_id IN ({})",
                placeholders(loose.len())
            ),
            &loose,
            "id",
            i64::MAX,
        )?);
    }
    Ok(cases)
}

//! The duplicate work queue a health information technician runs: a full match's pairs
//! kept in the store, each shown side by side with every field, the weight each
//! comparison gave and the size of both charts; and the index's figures.
//!
//! Invariants: the store keeps the pairs and decisions (`store::patient_index`) and does
//! the merge (`store::patient_merge`); this module only turns a match into pairs and pairs
//! into what a person reads. Nothing here audits: callers audit what they show.

use crate::full_match::MatchRun;
use crate::score::Class;
use records::Patient;
use serde::Serialize;
use store::{
    CandidatePair, DecisionRecord, FoundPair, IndexFigures, SavedPairs, Stored, Tx, Value,
};
use time::{Date, OffsetDateTime};

/// Keeps a full match's pairs (both classes) in the queue: new ones open, open ones
/// rescored, decided ones left as decided. `patients` are the records matched, in the
/// order `run` indexes them.
pub fn save_run(
    tx: &mut Tx<'_>,
    run: &MatchRun,
    patients: &[Stored<Patient>],
) -> store::Result<SavedPairs> {
    let pairs: Vec<FoundPair> = run
        .pairs
        .iter()
        .filter(|(_, scored)| scored.class != Class::NonMatch)
        .filter_map(|(candidate, scored)| {
            let a = patients.get(candidate.a as usize)?.meta.id;
            let b = patients.get(candidate.b as usize)?.meta.id;
            Some(FoundPair {
                patient_a: a,
                patient_b: b,
                probability: scored.probability,
                weight: scored.weight,
                class: class_name(scored.class).to_owned(),
                contributions: serde_json::to_value(run.model.explain(candidate.vector))
                    .unwrap_or_default(),
            })
        })
        .collect();
    tx.save_candidate_pairs(&pairs)
}

fn class_name(class: Class) -> &'static str {
    match class {
        Class::AutoLink => "auto_link",
        Class::Review => "review",
        Class::NonMatch => "non_match",
    }
}

/// One line of the side-by-side comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldRow {
    /// What the field is.
    pub label: &'static str,
    /// The first chart's value (empty when missing).
    pub a: String,
    /// The second chart's.
    pub b: String,
    /// Whether they agree (both missing counts as agreeing).
    pub same: bool,
}

/// A pair as the queue shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairView {
    /// The stored pair.
    pub pair: CandidatePair,
    /// The first chart.
    pub a: Stored<Patient>,
    /// The second chart.
    pub b: Stored<Patient>,
    /// Encounters on each chart.
    pub encounters: (i64, i64),
    /// Every field side by side.
    pub fields: Vec<FieldRow>,
    /// Decisions so far, oldest first.
    pub decisions: Vec<DecisionRecord>,
}

impl PairView {
    /// Both patients' ids.
    pub fn patient_ids(&self) -> [i64; 2] {
        [self.a.meta.id, self.b.meta.id]
    }
}

/// The pair with its two charts, side by side.
pub fn pair_view(tx: &mut Tx<'_>, pair: CandidatePair) -> store::Result<PairView> {
    let a = tx.get::<Patient>(pair.patient_a)?;
    let b = tx.get::<Patient>(pair.patient_b)?;
    let encounters = (
        tx.encounter_count(pair.patient_a)?,
        tx.encounter_count(pair.patient_b)?,
    );
    let decisions = tx.pair_decisions(pair.id)?;
    Ok(PairView {
        fields: side_by_side(&a.record, &b.record),
        pair,
        a,
        b,
        encounters,
        decisions,
    })
}

/// The queue: pairs by status, most probable first, each with its charts.
pub fn queue(tx: &mut Tx<'_>, statuses: &[&str], limit: i64) -> store::Result<Vec<PairView>> {
    tx.candidate_pairs(statuses, limit)?
        .into_iter()
        .map(|pair| pair_view(tx, pair))
        .collect()
}

/// Every demographic field of two patients, in the order a person compares them.
pub fn side_by_side(a: &Patient, b: &Patient) -> Vec<FieldRow> {
    fn row(label: &'static str, a: String, b: String) -> FieldRow {
        let same = a.trim().eq_ignore_ascii_case(b.trim());
        FieldRow { label, a, b, same }
    }
    let opt = |value: &Option<String>| value.clone().unwrap_or_default();
    let date = |value: Option<Date>| value.map(|d| d.to_string()).unwrap_or_default();
    let identifiers = |p: &Patient| {
        p.identifiers
            .iter()
            .map(|i| match &i.system {
                Some(system) => format!("{system}|{}", i.value),
                None => i.value.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    vec![
        row("MRN", a.mrn.to_string(), b.mrn.to_string()),
        row("Family name", a.family_name.clone(), b.family_name.clone()),
        row("Given name", a.given_name.clone(), b.given_name.clone()),
        row("Middle name", opt(&a.middle_name), opt(&b.middle_name)),
        row(
            "Preferred name",
            opt(&a.preferred_name),
            opt(&b.preferred_name),
        ),
        row(
            "Birth date",
            a.birth_date.to_string(),
            b.birth_date.to_string(),
        ),
        row("Sex", format!("{:?}", a.sex), format!("{:?}", b.sex)),
        row("Address", opt(&a.address.line1), opt(&b.address.line1)),
        row("City", opt(&a.address.city), opt(&b.address.city)),
        row("State", opt(&a.address.state), opt(&b.address.state)),
        row(
            "Postal code",
            opt(&a.address.postal_code),
            opt(&b.address.postal_code),
        ),
        row("Phone", opt(&a.phone), opt(&b.phone)),
        row("Email", opt(&a.email), opt(&b.email)),
        row("Other identifiers", identifiers(a), identifiers(b)),
        row("Deceased", date(a.deceased_date), date(b.deceased_date)),
    ]
}

/// The patient an id or MRN names, as stored (a chart retired by a merge included): what
/// a merge or unmerge acts on.
pub fn patient_by_reference(tx: &mut Tx<'_>, reference: &str) -> store::Result<Stored<Patient>> {
    let reference = reference.trim();
    let rows = tx.query(
        "SELECT id, deleted_at FROM patients WHERE mrn = ? ORDER BY id",
        &[Value::from(reference)],
    )?;
    // An MRN may be on file under two authorities; the current chart comes first.
    let id = match rows
        .iter()
        .find(|row| matches!(row.get(1), Value::Null))
        .or(rows.first())
    {
        Some(row) => row.int(0),
        None => reference
            .parse::<i64>()
            .map_err(|_| store::Error::Conflict(format!("no patient has MRN {reference}")))?,
    };
    tx.get::<Patient>(id)
}

/// Finds a chart by id or MRN; an MRN retired by a merge finds the chart it was merged
/// into (the alias every merge leaves).
pub fn find_patient(tx: &mut Tx<'_>, reference: &str) -> store::Result<Stored<Patient>> {
    let patient = patient_by_reference(tx, reference)?;
    if patient.meta.deleted.is_some()
        && let Some(survivor) = tx.surviving_patient(patient.meta.id)?
    {
        return tx.get::<Patient>(survivor);
    }
    Ok(patient)
}

/// The index's metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexStats {
    /// Current patients.
    pub n_patients: i64,
    /// Pairs waiting for a person (open and needing information).
    pub queue_size: i64,
    /// Of them, pairs matching would link automatically.
    pub queue_auto_link: i64,
    /// Pairs waiting for more information.
    pub needs_info: i64,
    /// Days the oldest waiting pair has waited.
    pub oldest_days: Option<i64>,
    /// Estimated duplicate charts on file: the sum of the waiting pairs' probabilities.
    pub estimated_duplicates: f64,
    /// Estimated duplicate rate: estimated duplicates per current patient.
    pub estimated_duplicate_rate: f64,
    /// Decisions by kind.
    pub decisions: Vec<(String, i64)>,
    /// Merges that stand.
    pub merges_standing: i64,
    /// Merges undone.
    pub merges_undone: i64,
    /// Merges per month (`YYYY-MM`), the last twelve months, oldest first.
    pub merges_by_month: Vec<(String, i64)>,
}

/// The metrics from the store's figures, as of `now`.
pub fn stats(figures: &IndexFigures, now: OffsetDateTime) -> IndexStats {
    let queue_size = figures.open_by_class.iter().map(|(_, n, _)| n).sum();
    // A fold from +0.0: an empty sum of floats is -0.0.
    let estimated_duplicates = figures
        .open_by_class
        .iter()
        .fold(0.0, |sum, (_, _, p)| sum + p);
    let month = |at: OffsetDateTime| format!("{:04}-{:02}", at.year(), u8::from(at.month()));
    let mut months: Vec<(String, i64)> = Vec::new();
    let mut cursor = now.date();
    for _ in 0..12 {
        months.push((month(cursor.midnight().assume_utc()), 0));
        cursor = cursor
            .replace_day(1)
            .ok()
            .and_then(|first| first.previous_day())
            .unwrap_or(cursor);
    }
    months.reverse();
    for (at, _) in &figures.merges {
        if let Some(slot) = months.iter_mut().find(|(m, _)| *m == month(*at)) {
            slot.1 += 1;
        }
    }
    IndexStats {
        n_patients: figures.n_patients,
        queue_size,
        queue_auto_link: figures
            .open_by_class
            .iter()
            .filter(|(class, _, _)| class == "auto_link")
            .map(|(_, n, _)| n)
            .sum(),
        needs_info: figures.n_needs_info,
        oldest_days: figures.oldest_open.map(|at| (now - at).whole_days()),
        estimated_duplicates,
        estimated_duplicate_rate: if figures.n_patients > 0 {
            estimated_duplicates / figures.n_patients as f64
        } else {
            0.0
        },
        decisions: figures.decisions.clone(),
        merges_standing: figures.merges.iter().filter(|(_, s)| *s).count() as i64,
        merges_undone: figures.merges.iter().filter(|(_, s)| !*s).count() as i64,
        merges_by_month: months,
    }
}

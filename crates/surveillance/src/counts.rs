//! Daily visit counts by syndrome, ZIP3 and age band, with every visit counted under
//! `all` (the denominator), kept in step with the encounters written (schema 24).
//!
//! Invariants:
//! - Each counted visit has a `syndromic_visits` row saying what it added (day, ZIP3, age
//!   band, syndromes). Counting a visit again takes back that row's contribution and adds the
//!   new one, so a step is idempotent: counting a visit twice never counts it twice, and a
//!   changed diagnosis, address or birth date moves the visit, a deleted or cancelled one
//!   leaves.
//! - A step reads only what was written since the last (new encounter and diagnosis rows by
//!   id, changes and deletions by `record_history` id), the way review's watch does, and
//!   saves its mark with the counts in one transaction.
//! - The mark carries the syndromes' fingerprint: counts made under other definitions are
//!   rebuilt from the start, never mixed with new ones.
//! - The visit's day is its admission's date in UTC; its age is whole years on that day.

use crate::syndromes::{ALL_VISITS, SyndromeSet};
use crate::watermark;
use std::collections::{BTreeMap, BTreeSet};
use store::{Store, Tx, Value};
use time::{Date, OffsetDateTime};

/// The NSSP age bands, as stored.
pub const AGE_BANDS: &[&str] = &["00-04", "05-17", "18-44", "45-64", "65+"];

/// The ZIP3 of a visit whose patient has no US ZIP code on file.
pub const UNKNOWN_ZIP3: &str = "unk";

/// The age band of someone born on `birth` on `day` (whole years).
pub fn age_band(birth: Date, day: Date) -> &'static str {
    let mut years = day.year() - birth.year();
    if (day.month() as u8, day.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    match years {
        ..=4 => "00-04",
        5..=17 => "05-17",
        18..=44 => "18-44",
        45..=64 => "45-64",
        _ => "65+",
    }
}

/// The ZIP3 of a postal code: its first three characters when they are digits.
pub fn zip3(postal_code: Option<&str>) -> String {
    postal_code
        .map(str::trim)
        .and_then(|zip| zip.get(..3))
        .filter(|three| three.bytes().all(|b| b.is_ascii_digit()))
        .map_or_else(|| UNKNOWN_ZIP3.to_owned(), str::to_owned)
}

/// What one visit adds to the counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    /// The day counted (admission date, UTC).
    pub day: Date,
    /// The patient's ZIP3.
    pub zip3: String,
    /// The patient's age band on that day.
    pub age_band: &'static str,
    /// The ids of the syndromes it falls in, in the set's order.
    pub syndromes: Vec<String>,
}

/// What a visit is, for counting.
#[derive(Debug, Clone, Default)]
pub struct VisitFacts<'a> {
    /// Admission.
    pub admit_at: Option<OffsetDateTime>,
    /// The encounter's status (`cancelled` and `entered_in_error` are not visits).
    pub status: &'a str,
    /// Reason for visit.
    pub reason: Option<&'a str>,
    /// The patient's birth date.
    pub birth_date: Option<Date>,
    /// The patient's postal code.
    pub postal_code: Option<&'a str>,
    /// The visit's diagnosis codes as written (`J10.1`).
    pub codes: Vec<&'a str>,
}

impl SyndromeSet {
    /// What a visit adds to the counts, or `None` when it is not a visit (cancelled, in
    /// error, no admission or birth date).
    pub fn classify(&self, facts: &VisitFacts<'_>) -> Option<Visit> {
        if matches!(facts.status, "cancelled" | "entered_in_error") {
            return None;
        }
        let day = facts.admit_at?.to_offset(time::UtcOffset::UTC).date();
        let birth = facts.birth_date?;
        let codes: Vec<String> = facts.codes.iter().map(|c| codes::normalize(c)).collect();
        let reason_words = facts.reason.map(crate::words).unwrap_or_default();
        let syndromes = self
            .enabled()
            .filter(|s| s.matches(&codes, &reason_words))
            .map(|s| s.id.clone())
            .collect();
        Some(Visit {
            day,
            zip3: zip3(facts.postal_code),
            age_band: age_band(birth, day),
            syndromes,
        })
    }
}

/// A count cell: syndrome, ZIP3, day, age band.
type Cell = (String, String, Date, String);

/// Adds (`sign` 1) or takes back (-1) a visit's cells.
fn tally(deltas: &mut BTreeMap<Cell, i64>, visit: &Visit, sign: i64) {
    for syndrome in std::iter::once(ALL_VISITS).chain(visit.syndromes.iter().map(String::as_str)) {
        *deltas
            .entry((
                syndrome.to_owned(),
                visit.zip3.clone(),
                visit.day,
                visit.age_band.to_owned(),
            ))
            .or_default() += sign;
    }
}

/// Where the last step stopped, and under which definitions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Mark {
    fingerprint: String,
    encounters: i64,
    diagnoses: i64,
    history: i64,
}

impl Mark {
    const COLUMNS: [&'static str; 3] = ["encounters", "diagnoses", "history"];

    fn load(tx: &mut Tx<'_>) -> store::Result<Option<Mark>> {
        Ok(
            watermark::load(tx, "syndromic_watermark", Self::COLUMNS)?.map(
                |(fingerprint, [encounters, diagnoses, history])| Mark {
                    fingerprint,
                    encounters,
                    diagnoses,
                    history,
                },
            ),
        )
    }

    fn save(&self, tx: &mut Tx<'_>) -> store::Result<()> {
        watermark::save(
            tx,
            "syndromic_watermark",
            Self::COLUMNS,
            &self.fingerprint,
            [self.encounters, self.diagnoses, self.history],
        )
    }
}

/// What a step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepCounts {
    /// Encounters looked at.
    pub encounters: usize,
    /// Count cells changed.
    pub cells: usize,
    /// Whether the counts were rebuilt (first step, or the syndromes changed).
    pub rebuilt: bool,
}

/// Encounters read per query.
const CHUNK: usize = 400;

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Brings the counts up to date with what was written since the last step, in one
/// transaction.
pub fn step(store: &Store, set: &SyndromeSet) -> store::Result<StepCounts> {
    store.write(|tx| step_in(tx, set))
}

/// [`step`] inside the caller's transaction.
pub fn step_in(tx: &mut Tx<'_>, set: &SyndromeSet) -> store::Result<StepCounts> {
    let fingerprint = set.fingerprint();
    let mut counts = StepCounts::default();
    let mark = match Mark::load(tx)? {
        Some(mark) if mark.fingerprint == fingerprint => mark,
        _ => {
            tx.query("DELETE FROM syndromic_visits", &[])?;
            tx.query("DELETE FROM syndromic_counts", &[])?;
            counts.rebuilt = true;
            Mark {
                fingerprint: fingerprint.clone(),
                ..Mark::default()
            }
        }
    };
    let mut next = Mark {
        fingerprint,
        encounters: watermark::highest(tx, "encounters")?,
        diagnoses: watermark::highest(tx, "diagnoses")?,
        history: watermark::highest(tx, "record_history")?,
    };
    let touched = touched(tx, &mark, &next)?;
    counts.encounters = touched.len();
    let ids: Vec<i64> = touched.into_iter().collect();
    for chunk in ids.chunks(CHUNK) {
        counts.cells += recount(tx, set, chunk)?;
    }
    next.encounters = next.encounters.max(mark.encounters);
    next.save(tx)?;
    Ok(counts)
}

/// The encounters whose counting may have changed between two marks.
fn touched(tx: &mut Tx<'_>, from: &Mark, to: &Mark) -> store::Result<BTreeSet<i64>> {
    let mut encounters = BTreeSet::new();
    for row in tx.query(
        "SELECT id FROM encounters WHERE id > ? AND id <= ?",
        &[Value::Int(from.encounters), Value::Int(to.encounters)],
    )? {
        encounters.insert(row.int(0));
    }
    for row in tx.query(
        "SELECT encounter_id FROM diagnoses WHERE id > ? AND id <= ?",
        &[Value::Int(from.diagnoses), Value::Int(to.diagnoses)],
    )? {
        encounters.insert(row.int(0));
    }
    // A rebuild counts every encounter already: history adds nothing then.
    if from.encounters == 0 && from.diagnoses == 0 {
        return Ok(encounters);
    }
    let mut diagnoses = Vec::new();
    let mut patients = Vec::new();
    for row in tx.query(
        "SELECT kind, record_id FROM record_history WHERE id > ? AND id <= ? \
         AND kind IN ('encounter', 'diagnosis', 'patient')",
        &[Value::Int(from.history), Value::Int(to.history)],
    )? {
        match row.text(0) {
            Some("encounter") => {
                encounters.insert(row.int(1));
            }
            Some("diagnosis") => diagnoses.push(row.int(1)),
            _ => patients.push(row.int(1)),
        }
    }
    collect_ids(
        tx,
        "SELECT encounter_id FROM diagnoses WHERE id IN",
        &diagnoses,
        &mut encounters,
    )?;
    collect_ids(
        tx,
        "SELECT id FROM encounters WHERE patient_id IN",
        &patients,
        &mut encounters,
    )?;
    Ok(encounters)
}

/// Adds the first column of `select ... IN (ids)` to `out`, a chunk of ids at a time.
fn collect_ids(
    tx: &mut Tx<'_>,
    select: &str,
    ids: &[i64],
    out: &mut BTreeSet<i64>,
) -> store::Result<()> {
    for chunk in ids.chunks(CHUNK) {
        let params: Vec<Value> = chunk.iter().map(|id| Value::Int(*id)).collect();
        for row in tx.query(
            &format!("{select} ({})", placeholders(chunk.len())),
            &params,
        )? {
            out.insert(row.int(0));
        }
    }
    Ok(())
}

struct EncounterRow {
    patient_id: i64,
    status: String,
    admit_at: Option<OffsetDateTime>,
    reason: Option<String>,
}

struct PatientRow {
    birth_date: Option<Date>,
    postal_code: Option<String>,
}

/// Counts these encounters again; returns the number of cells changed.
fn recount(tx: &mut Tx<'_>, set: &SyndromeSet, ids: &[i64]) -> store::Result<usize> {
    let params: Vec<Value> = ids.iter().map(|id| Value::Int(*id)).collect();
    let marks = placeholders(ids.len());
    let mut encounters = BTreeMap::new();
    for row in tx.query(
        &format!(
            "SELECT id, patient_id, status, admit_at, reason FROM encounters \
             WHERE id IN ({marks}) AND deleted_at IS NULL"
        ),
        &params,
    )? {
        encounters.insert(
            row.int(0),
            EncounterRow {
                patient_id: row.int(1),
                status: row.text(2).unwrap_or_default().to_owned(),
                admit_at: row.get(3).as_instant(),
                reason: row.text(4).map(str::to_owned),
            },
        );
    }
    let mut codes: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for row in tx.query(
        &format!(
            "SELECT encounter_id, code FROM diagnoses \
             WHERE encounter_id IN ({marks}) AND deleted_at IS NULL"
        ),
        &params,
    )? {
        codes
            .entry(row.int(0))
            .or_default()
            .push(row.text(1).unwrap_or_default().to_owned());
    }
    let patient_ids: BTreeSet<i64> = encounters.values().map(|e| e.patient_id).collect();
    let mut patients = BTreeMap::new();
    if !patient_ids.is_empty() {
        let patient_params: Vec<Value> = patient_ids.iter().map(|id| Value::Int(*id)).collect();
        for row in tx.query(
            &format!(
                "SELECT id, birth_date, postal_code FROM patients \
                 WHERE id IN ({}) AND deleted_at IS NULL",
                placeholders(patient_params.len())
            ),
            &patient_params,
        )? {
            patients.insert(
                row.int(0),
                PatientRow {
                    birth_date: row.get(1).as_date(),
                    postal_code: row.text(2).map(str::to_owned),
                },
            );
        }
    }
    let mut before = BTreeMap::new();
    for row in tx.query(
        &format!(
            "SELECT encounter_id, day, zip3, age_band, syndromes FROM syndromic_visits \
             WHERE encounter_id IN ({marks})"
        ),
        &params,
    )? {
        let Some(day) = row.get(1).as_date() else {
            continue;
        };
        let band = AGE_BANDS
            .iter()
            .find(|b| Some(**b) == row.text(3))
            .copied()
            .unwrap_or("18-44");
        before.insert(
            row.int(0),
            Visit {
                day,
                zip3: row.text(2).unwrap_or_default().to_owned(),
                age_band: band,
                syndromes: row
                    .text(4)
                    .unwrap_or_default()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            },
        );
    }
    let mut deltas = BTreeMap::new();
    for id in ids {
        let now = encounters.get(id).and_then(|encounter| {
            let patient = patients.get(&encounter.patient_id)?;
            set.classify(&VisitFacts {
                admit_at: encounter.admit_at,
                status: &encounter.status,
                reason: encounter.reason.as_deref(),
                birth_date: patient.birth_date,
                postal_code: patient.postal_code.as_deref(),
                codes: codes
                    .get(id)
                    .map(|c| c.iter().map(String::as_str).collect())
                    .unwrap_or_default(),
            })
        });
        let was = before.get(id);
        if was == now.as_ref() {
            continue;
        }
        if let Some(was) = was {
            tally(&mut deltas, was, -1);
            tx.query(
                "DELETE FROM syndromic_visits WHERE encounter_id = ?",
                &[Value::Int(*id)],
            )?;
        }
        if let Some(now) = &now {
            tally(&mut deltas, now, 1);
            tx.query(
                "INSERT INTO syndromic_visits (encounter_id, day, zip3, age_band, syndromes) \
                 VALUES (?, ?, ?, ?, ?)",
                &[
                    Value::Int(*id),
                    Value::Date(now.day),
                    Value::from(now.zip3.as_str()),
                    Value::from(now.age_band),
                    Value::from(now.syndromes.join(",").as_str()),
                ],
            )?;
        }
    }
    let mut changed = 0;
    for ((syndrome, zip3, day, band), delta) in deltas {
        if delta == 0 {
            continue;
        }
        changed += 1;
        let key = [
            Value::from(syndrome.as_str()),
            Value::from(zip3.as_str()),
            Value::Date(day),
            Value::from(band.as_str()),
        ];
        let mut insert = key.to_vec();
        insert.push(Value::Int(delta));
        insert.push(Value::Int(delta));
        tx.query(
            "INSERT INTO syndromic_counts (syndrome, zip3, day, age_band, visits) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (syndrome, zip3, day, age_band) DO UPDATE SET visits = syndromic_counts.visits + ?",
            &insert,
        )?;
        if delta < 0 {
            tx.query(
                "DELETE FROM syndromic_counts WHERE syndrome = ? AND zip3 = ? AND day = ? \
                 AND age_band = ? AND visits <= 0",
                &key,
            )?;
        }
    }
    Ok(changed)
}

/// One day of a series: the syndrome's visits and all visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCount {
    /// The day.
    pub day: Date,
    /// Visits in the syndrome.
    pub visits: i64,
    /// Every visit (the denominator).
    pub all_visits: i64,
}

/// Which counts to add up.
#[derive(Debug, Clone, Default)]
pub struct SeriesQuery {
    /// The syndrome id.
    pub syndrome: String,
    /// One ZIP3, or every place.
    pub zip3: Option<String>,
    /// One age band, or every age.
    pub age_band: Option<String>,
    /// First day.
    pub from: Option<Date>,
    /// Last day.
    pub to: Option<Date>,
}

/// A daily series, every day from the first to the last present (days without visits are
/// zero), summed over the places and ages the query leaves open.
pub fn series(tx: &mut Tx<'_>, query: &SeriesQuery) -> store::Result<Vec<DayCount>> {
    let mut clauses = vec!["syndrome IN (?, ?)".to_owned()];
    let mut params = vec![
        Value::from(query.syndrome.as_str()),
        Value::from(ALL_VISITS),
    ];
    if let Some(zip3) = &query.zip3 {
        clauses.push("zip3 = ?".into());
        params.push(Value::from(zip3.as_str()));
    }
    if let Some(band) = &query.age_band {
        clauses.push("age_band = ?".into());
        params.push(Value::from(band.as_str()));
    }
    if let Some(from) = query.from {
        clauses.push("day >= ?".into());
        params.push(Value::Date(from));
    }
    if let Some(to) = query.to {
        clauses.push("day <= ?".into());
        params.push(Value::Date(to));
    }
    let rows = tx.query(
        &format!(
            "SELECT day, syndrome, CAST(SUM(visits) AS BIGINT) FROM syndromic_counts WHERE {} \
             GROUP BY day, syndrome ORDER BY day",
            clauses.join(" AND ")
        ),
        &params,
    )?;
    let mut by_day: BTreeMap<Date, (i64, i64)> = BTreeMap::new();
    for row in rows {
        let Some(day) = row.get(0).as_date() else {
            continue;
        };
        let entry = by_day.entry(day).or_default();
        if row.text(1) == Some(ALL_VISITS) {
            entry.1 = row.int(2);
        } else {
            entry.0 = row.int(2);
        }
    }
    let first = query.from.or_else(|| by_day.keys().next().copied());
    let last = query.to.or_else(|| by_day.keys().next_back().copied());
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        let (visits, all_visits) = by_day.get(&day).copied().unwrap_or_default();
        out.push(DayCount {
            day,
            visits,
            all_visits,
        });
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    Ok(out)
}

/// The places (ZIP3s) with any visit in the syndrome between two days, with their visits,
/// most first.
pub fn places(
    tx: &mut Tx<'_>,
    syndrome: &str,
    from: Date,
    to: Date,
) -> store::Result<Vec<(String, i64)>> {
    let rows = tx.query(
        "SELECT zip3, CAST(SUM(visits) AS BIGINT) AS n FROM syndromic_counts \
         WHERE syndrome = ? AND day >= ? AND day <= ? GROUP BY zip3 ORDER BY n DESC, zip3",
        &[Value::from(syndrome), Value::Date(from), Value::Date(to)],
    )?;
    Ok(rows
        .iter()
        .map(|row| (row.text(0).unwrap_or_default().to_owned(), row.int(1)))
        .collect())
}

#[cfg(test)]
mod tests;

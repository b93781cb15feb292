//! Keeping the stored deficiencies in step with what the rules find: a finding without a
//! deficiency opens one; an open deficiency whose finding is gone is resolved (its cause
//! was fixed); a resolved one whose finding is back is reopened; a waived one stays
//! waived. Running it twice changes nothing the second time.

use crate::findings::{ChartView, Context, Finding, analyse};
use crate::rules::RuleSet;
use records::{Deficiency, DeficiencyStatus, EncounterId, PatientId, ProviderId, RecordKind};
use serde::Serialize;
use std::collections::HashMap;
use store::{Actor, Filter, Op, Store, Stored, Tx, Value};

/// What one review changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReviewCounts {
    /// Charts reviewed.
    pub charts: u64,
    /// New deficiencies.
    pub opened: u64,
    /// Resolved deficiencies found again.
    pub reopened: u64,
    /// Open deficiencies whose cause is gone.
    pub resolved: u64,
    /// Open deficiencies still found (their particulars refreshed where the rules changed).
    pub still_open: u64,
}

impl ReviewCounts {
    pub(crate) fn add(&mut self, other: ReviewCounts) {
        self.charts += other.charts;
        self.opened += other.opened;
        self.reopened += other.reopened;
        self.resolved += other.resolved;
        self.still_open += other.still_open;
    }
}

/// Why review closes a deficiency whose finding is gone.
pub const CAUSE_FIXED: &str = "resolved by review: the chart no longer shows it";

/// The deficiencies of one patient, current ones only.
pub fn deficiencies_of(tx: &mut Tx<'_>, patient_id: i64) -> store::Result<Vec<Stored<Deficiency>>> {
    tx.for_patient(patient_id)
}

fn with_finding(mut record: Deficiency, finding: &Finding) -> Deficiency {
    record.encounter_id = finding.encounter_id.map(EncounterId);
    record.message.clone_from(&finding.message);
    record.severity = finding.severity;
    record.responsible = finding.responsible;
    record.provider_id = finding.provider_id.map(ProviderId);
    record.since = finding.since;
    record.due_at = finding.due_at;
    record
}

/// Reviews one chart in the caller's transaction.
pub fn review_patient(
    tx: &mut Tx<'_>,
    actor: &Actor,
    patient_id: i64,
    rules: &RuleSet,
    cx: &Context<'_>,
) -> store::Result<ReviewCounts> {
    let chart = tx.chart(patient_id)?;
    let existing = deficiencies_of(tx, patient_id)?;
    reconcile(tx, actor, ChartView::from(&chart), existing, rules, cx)
}

/// Brings one chart's stored deficiencies (`existing`) in step with what the rules find.
fn reconcile(
    tx: &mut Tx<'_>,
    actor: &Actor,
    chart: ChartView<'_>,
    existing: Vec<Stored<Deficiency>>,
    rules: &RuleSet,
    cx: &Context<'_>,
) -> store::Result<ReviewCounts> {
    if chart.patient.meta.deleted.is_some() {
        // A deleted patient's deficiencies stay as they were left.
        return Ok(ReviewCounts::default());
    }
    let patient_id = chart.patient.meta.id;
    let findings = analyse(chart, rules, cx);
    let mut existing: HashMap<(String, String), Stored<Deficiency>> = existing
        .into_iter()
        .map(|d| ((d.record.rule_id.clone(), d.record.subject.clone()), d))
        .collect();
    let mut counts = ReviewCounts {
        charts: 1,
        ..ReviewCounts::default()
    };
    let now = tx.now();
    for finding in &findings {
        match existing.remove(&(finding.rule_id.clone(), finding.subject.clone())) {
            None => {
                let record = Deficiency {
                    patient_id: PatientId(patient_id),
                    encounter_id: None,
                    rule_id: finding.rule_id.clone(),
                    subject: finding.subject.clone(),
                    status: DeficiencyStatus::Open,
                    severity: finding.severity,
                    responsible: finding.responsible,
                    provider_id: None,
                    assignee: None,
                    message: String::new(),
                    since: finding.since,
                    due_at: finding.due_at,
                    closed_at: None,
                    closed_reason: None,
                };
                tx.create(actor, &with_finding(record, finding))?;
                counts.opened += 1;
            }
            Some(stored) => match stored.record.status {
                DeficiencyStatus::Waived => {}
                DeficiencyStatus::Resolved => {
                    let mut record = with_finding(stored.record.clone(), finding);
                    record.status = if record.assignee.is_some() {
                        DeficiencyStatus::Assigned
                    } else {
                        DeficiencyStatus::Open
                    };
                    record.closed_at = None;
                    record.closed_reason = None;
                    tx.update(actor, stored.meta.id, stored.meta.version, &record)?;
                    counts.reopened += 1;
                }
                _ => {
                    let record = with_finding(stored.record.clone(), finding);
                    // Most re-reviews find what they found before: no write, no read.
                    if record != stored.record {
                        tx.update(actor, stored.meta.id, stored.meta.version, &record)?;
                    }
                    counts.still_open += 1;
                }
            },
        }
    }
    // What is left was not found: resolved, unless its rule did not run.
    for stored in existing.into_values() {
        let ran = rules.get(&stored.record.rule_id).is_some_and(|r| r.enabled);
        if ran && stored.record.status.is_open() {
            let mut record = stored.record.clone();
            record.status = DeficiencyStatus::Resolved;
            record.closed_at = Some(now);
            record.closed_reason = Some(CAUSE_FIXED.into());
            tx.update(actor, stored.meta.id, stored.meta.version, &record)?;
            counts.resolved += 1;
        }
    }
    Ok(counts)
}

/// One table's rows for a range of patients, by patient.
struct ByPatient<R>(HashMap<i64, Vec<Stored<R>>>);

impl<R: store::Table> ByPatient<R> {
    /// Rows of patients `from..=to`, each patient's in id order (one index range read).
    fn read(tx: &mut Tx<'_>, from: i64, to: i64, patient: fn(&R) -> i64) -> store::Result<Self> {
        let mut grouped: HashMap<i64, Vec<Stored<R>>> = HashMap::new();
        for row in tx.select::<R>(
            "patient_id BETWEEN ? AND ?",
            &[Value::Int(from), Value::Int(to)],
            "id",
            i64::MAX,
        )? {
            grouped.entry(patient(&row.record)).or_default().push(row);
        }
        Ok(Self(grouped))
    }

    fn rows(&self, patient: i64) -> &[Stored<R>] {
        self.0.get(&patient).map_or(&[], Vec::as_slice)
    }
}

/// What review reads of a range of charts, one query per table instead of one per table
/// per chart.
struct Loaded {
    patients: Vec<Stored<records::Patient>>,
    coverages: ByPatient<records::Coverage>,
    encounters: ByPatient<records::Encounter>,
    diagnoses: ByPatient<records::Diagnosis>,
    procedures: ByPatient<records::Procedure>,
    notes: ByPatient<records::ClinicalNote>,
    charges: ByPatient<records::Charge>,
    deficiencies: ByPatient<Deficiency>,
}

impl Loaded {
    fn range(tx: &mut Tx<'_>, from: i64, to: i64) -> store::Result<Self> {
        Ok(Self {
            patients: tx.select(
                "id BETWEEN ? AND ?",
                &[Value::Int(from), Value::Int(to)],
                "id",
                i64::MAX,
            )?,
            coverages: ByPatient::read(tx, from, to, |r: &records::Coverage| r.patient_id.0)?,
            encounters: ByPatient::read(tx, from, to, |r: &records::Encounter| r.patient_id.0)?,
            diagnoses: ByPatient::read(tx, from, to, |r: &records::Diagnosis| r.patient_id.0)?,
            procedures: ByPatient::read(tx, from, to, |r: &records::Procedure| r.patient_id.0)?,
            notes: ByPatient::read(tx, from, to, |r: &records::ClinicalNote| r.patient_id.0)?,
            charges: ByPatient::read(tx, from, to, |r: &records::Charge| r.patient_id.0)?,
            deficiencies: ByPatient::read(tx, from, to, |r: &Deficiency| r.patient_id.0)?,
        })
    }
}

/// Charts reviewed per transaction by [`review_all`].
const CHARTS_PER_TRANSACTION: usize = 200;

/// Reviews every chart (soft-deleted patients' deficiencies are left as they are), each
/// batch of charts in its own transaction; `progress` hears the charts done so far.
pub fn review_all(
    store: &Store,
    actor: &Actor,
    rules: &RuleSet,
    cx: &Context<'_>,
    progress: &mut dyn FnMut(u64),
) -> store::Result<ReviewCounts> {
    let mut total = ReviewCounts::default();
    let mut after = 0_i64;
    loop {
        let ids: Vec<i64> = store.read(|tx| {
            Ok(tx
                .query(
                    &format!(
                        "SELECT id FROM patients WHERE deleted_at IS NULL AND id > ? ORDER BY id LIMIT {CHARTS_PER_TRANSACTION}"
                    ),
                    &[Value::Int(after)],
                )?
                .iter()
                .map(|row| row.int(0))
                .collect())
        })?;
        let Some(&last) = ids.last() else {
            return Ok(total);
        };
        let batch = store.write(|tx| {
            let loaded = Loaded::range(tx, ids[0], last)?;
            let mut counts = ReviewCounts::default();
            for patient in &loaded.patients {
                let id = patient.meta.id;
                let view = ChartView {
                    patient,
                    coverages: loaded.coverages.rows(id),
                    encounters: loaded.encounters.rows(id),
                    diagnoses: loaded.diagnoses.rows(id),
                    procedures: loaded.procedures.rows(id),
                    notes: loaded.notes.rows(id),
                    charges: loaded.charges.rows(id),
                };
                let existing = loaded.deficiencies.rows(id).to_vec();
                counts.add(reconcile(tx, actor, view, existing, rules, cx)?);
            }
            Ok(counts)
        })?;
        total.add(batch);
        progress(total.charts);
        after = last;
    }
}

/// Filters for a work queue.
#[derive(Debug, Clone, Default)]
pub struct QueueQuery {
    /// Only these statuses (empty: every open status).
    pub statuses: Vec<DeficiencyStatus>,
    /// Only this rule.
    pub rule_id: Option<String>,
    /// Only this assignee.
    pub assignee: Option<String>,
    /// Only this physician's.
    pub provider_id: Option<i64>,
    /// Only this patient's.
    pub patient_id: Option<i64>,
    /// Only those past their due time at this instant (delinquent).
    pub overdue_at: Option<time::OffsetDateTime>,
    /// At most this many.
    pub limit: i64,
}

/// Deficiencies matching `query`, most urgent first (due time, then severity).
pub fn queue(tx: &mut Tx<'_>, query: &QueueQuery) -> store::Result<Vec<Stored<Deficiency>>> {
    let statuses: Vec<DeficiencyStatus> = if query.statuses.is_empty() {
        DeficiencyStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect()
    } else {
        query.statuses.clone()
    };
    let mut filters = vec![Filter::In(
        "status",
        statuses.iter().map(|s| Value::from(s.as_str())).collect(),
    )];
    if let Some(rule) = &query.rule_id {
        filters.push(Filter::Compare(
            "rule_id",
            Op::Eq,
            Value::from(rule.as_str()),
        ));
    }
    if let Some(assignee) = &query.assignee {
        filters.push(Filter::Compare(
            "assignee",
            Op::Eq,
            Value::from(assignee.as_str()),
        ));
    }
    if let Some(provider) = query.provider_id {
        filters.push(Filter::Compare("provider_id", Op::Eq, Value::Int(provider)));
    }
    if let Some(patient) = query.patient_id {
        filters.push(Filter::Compare("patient_id", Op::Eq, Value::Int(patient)));
    }
    if let Some(now) = query.overdue_at {
        filters.push(Filter::Compare("due_at", Op::Lt, Value::Timestamp(now)));
    }
    let limit = if query.limit <= 0 { 500 } else { query.limit };
    let mut found = tx.search::<Deficiency>(
        &filters,
        &[store::Sort("due_at", false), store::Sort("id", false)],
        limit,
        0,
    )?;
    // Within the same due time, the more severe first.
    found.sort_by(|a, b| {
        (a.record.due_at, a.record.severity, a.meta.id).cmp(&(
            b.record.due_at,
            b.record.severity,
            b.meta.id,
        ))
    });
    Ok(found)
}

/// A change a person makes to a deficiency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Give it to a user to chase.
    Assign(String),
    /// Set it aside, with the reason.
    Waive(String),
    /// Mark it resolved by hand, with the reason (review reopens it if still found).
    Resolve(String),
}

/// Applies `action` to deficiency `id` (at the version read) and returns it as stored.
pub fn act(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: i64,
    action: &Action,
) -> store::Result<Stored<Deficiency>> {
    let current: Stored<Deficiency> = tx.get(id)?;
    let mut record = current.record.clone();
    let closed = !record.status.is_open();
    let refuse = |what: &str| {
        Err(store::Error::Conflict(format!(
            "{} {id} is {}; it cannot be {what}",
            Deficiency::KIND,
            current.record.status.as_str()
        )))
    };
    match action {
        Action::Assign(user) => {
            if closed {
                return refuse("assigned");
            }
            record.assignee = Some(user.clone());
            if record.status == DeficiencyStatus::Open {
                record.status = DeficiencyStatus::Assigned;
            }
        }
        Action::Waive(reason) | Action::Resolve(reason) => {
            if closed {
                return refuse(if matches!(action, Action::Waive(_)) {
                    "waived"
                } else {
                    "resolved"
                });
            }
            record.status = if matches!(action, Action::Waive(_)) {
                DeficiencyStatus::Waived
            } else {
                DeficiencyStatus::Resolved
            };
            record.closed_at = Some(tx.now());
            record.closed_reason = Some(reason.trim().to_owned()).filter(|r| !r.is_empty());
        }
    }
    tx.update(actor, id, current.meta.version, &record)
}

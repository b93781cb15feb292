//! Keeping the stored deficiencies in step with what the rules find: a finding without a
//! deficiency opens one; an open deficiency whose finding is gone is resolved (its cause
//! was fixed); a resolved one whose finding is back is reopened; a waived one stays
//! waived. Running it twice changes nothing the second time.

use crate::facts::ChartFacts;
use crate::findings::{Context, Finding, analyse};
use crate::rules::RuleSet;
use records::{
    Deficiency, DeficiencyStatus, Encounter, EncounterClass, EncounterId, PatientId, ProviderId,
    RecordKind,
};
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
    reconcile(tx, actor, &ChartFacts::from(&chart), existing, rules, cx)
}

/// Brings one chart's stored deficiencies (`existing`) in step with what the rules find.
fn reconcile(
    tx: &mut Tx<'_>,
    actor: &Actor,
    chart: &ChartFacts,
    existing: Vec<Stored<Deficiency>>,
    rules: &RuleSet,
    cx: &Context<'_>,
) -> store::Result<ReviewCounts> {
    if chart.patient.deleted {
        // A deleted patient's deficiencies stay as they were left.
        return Ok(ReviewCounts::default());
    }
    reconcile_findings(
        tx,
        actor,
        chart.patient.id,
        &analyse(chart, rules, cx),
        existing,
        rules,
    )
}

/// Brings one chart's stored deficiencies (`existing`) in step with `findings`, what the
/// rules found in it.
fn reconcile_findings(
    tx: &mut Tx<'_>,
    actor: &Actor,
    patient_id: i64,
    findings: &[Finding],
    existing: Vec<Stored<Deficiency>>,
    rules: &RuleSet,
) -> store::Result<ReviewCounts> {
    let mut existing: HashMap<(String, String), Stored<Deficiency>> = existing
        .into_iter()
        .map(|d| ((d.record.rule_id.clone(), d.record.subject.clone()), d))
        .collect();
    let mut counts = ReviewCounts {
        charts: 1,
        ..ReviewCounts::default()
    };
    let now = tx.now();
    for finding in findings {
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

/// The stored deficiencies of `patients` (ascending), by patient: an id range when they are
/// dense (a full review's batch), a list when they are scattered (the charts one step
/// touched), so a sparse set never reads the deficiencies of every patient between.
fn deficiencies_of_many(
    tx: &mut Tx<'_>,
    patients: &[i64],
) -> store::Result<HashMap<i64, Vec<Stored<Deficiency>>>> {
    let (Some(&first), Some(&last)) = (patients.first(), patients.last()) else {
        return Ok(HashMap::new());
    };
    let span = last.saturating_sub(first).saturating_add(1);
    let (condition, params) = if span <= 2 * patients.len() as i64 {
        (
            "patient_id BETWEEN ? AND ?".to_owned(),
            vec![Value::Int(first), Value::Int(last)],
        )
    } else {
        (
            format!("patient_id IN ({})", vec!["?"; patients.len()].join(", ")),
            patients.iter().map(|id| Value::Int(*id)).collect(),
        )
    };
    let mut grouped: HashMap<i64, Vec<Stored<Deficiency>>> = HashMap::new();
    for row in tx.select::<Deficiency>(&condition, &params, "id", i64::MAX)? {
        grouped
            .entry(row.record.patient_id.0)
            .or_default()
            .push(row);
    }
    Ok(grouped)
}

/// Charts reviewed per transaction by [`review_all`].
const CHARTS_PER_TRANSACTION: usize = 200;

/// The next batch of current patients after `after`, as an id range.
fn next_batch(tx: &mut Tx<'_>, after: i64) -> store::Result<Option<(i64, i64)>> {
    let ids = tx.query(
        &format!(
            "SELECT id FROM patients WHERE deleted_at IS NULL AND id > ? ORDER BY id LIMIT {CHARTS_PER_TRANSACTION}"
        ),
        &[Value::Int(after)],
    )?;
    Ok(ids
        .first()
        .zip(ids.last())
        .map(|(first, last)| (first.int(0), last.int(0))))
}

/// Brings the deficiencies of one batch of charts in step, in one transaction.
fn reconcile_batch(
    store: &Store,
    actor: &Actor,
    charts: &[ChartFacts],
    rules: &RuleSet,
    cx: &Context<'_>,
) -> store::Result<ReviewCounts> {
    store.write(|tx| reconcile_loaded(tx, actor, charts, rules, cx))
}

/// Brings the deficiencies of `charts` (in patient id order) in step, in the caller's
/// transaction.
pub(crate) fn reconcile_loaded(
    tx: &mut Tx<'_>,
    actor: &Actor,
    charts: &[ChartFacts],
    rules: &RuleSet,
    cx: &Context<'_>,
) -> store::Result<ReviewCounts> {
    let ids: Vec<i64> = charts.iter().map(|c| c.patient.id).collect();
    let mut deficiencies = deficiencies_of_many(tx, &ids)?;
    let mut counts = ReviewCounts::default();
    for chart in charts {
        let existing = deficiencies.remove(&chart.patient.id).unwrap_or_default();
        counts.add(reconcile(tx, actor, chart, existing, rules, cx)?);
    }
    Ok(counts)
}

/// Reviews every chart (soft-deleted patients' deficiencies are left as they are), each
/// batch of charts in its own transaction; `progress` hears the charts done so far.
///
/// Reading a chart and running the rules over it is most of the work and needs no write,
/// so reviewing threads (one per core) each take the next batch, read it on a connection
/// of their own and analyse it, while this thread only compares what they found with the
/// stored deficiencies and writes the difference. Each reviewing thread reads one
/// snapshot for the whole pass: a chart written during the pass was reviewed from it, and
/// the incremental step (`watch`) reviews it again after, as it does every written chart.
/// An in-memory store has one connection, so there the batches are read in turn.
pub fn review_all(
    store: &Store,
    actor: &Actor,
    rules: &RuleSet,
    cx: &Context<'_>,
    progress: &mut dyn FnMut(u64),
) -> store::Result<ReviewCounts> {
    let mut total = ReviewCounts::default();
    if matches!(store.location(), store::Location::Memory) {
        let mut after = 0_i64;
        while let Some((from, to)) = store.read(|tx| next_batch(tx, after))? {
            let charts = store.read(|tx| ChartFacts::load_range(tx, from, to))?;
            total.add(reconcile_batch(store, actor, &charts, rules, cx)?);
            progress(total.charts);
            after = to;
        }
        return Ok(total);
    }
    let reviewers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    // The last patient id handed out: each reviewing thread takes the next batch after it.
    let cursor = std::sync::Mutex::new(0_i64);
    std::thread::scope(|scope| {
        // Two batches a reviewer ahead at most: the readers never run far beyond the writer.
        let (send, receive) =
            std::sync::mpsc::sync_channel::<store::Result<Vec<Analysed>>>(2 * reviewers);
        for _ in 0..reviewers {
            let send = send.clone();
            let cursor = &cursor;
            scope.spawn(move || {
                let read = store.read_beside_writers(|tx| {
                    loop {
                        let batch = {
                            let mut after = cursor
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner);
                            let batch = next_batch(tx, *after)?;
                            if let Some((_, to)) = batch {
                                *after = to;
                            }
                            batch
                        };
                        let Some((from, to)) = batch else {
                            return Ok(());
                        };
                        let analysed = ChartFacts::load_range(tx, from, to)?
                            .iter()
                            .map(|chart| Analysed::of(chart, rules, cx))
                            .collect();
                        if send.send(Ok(analysed)).is_err() {
                            // The writer stopped (its error is reported there).
                            return Ok(());
                        }
                    }
                });
                if let Err(error) = read {
                    let _ = send.send(Err(error));
                }
            });
        }
        drop(send);
        for analysed in receive {
            let analysed = analysed?;
            total.add(store.write(|tx| reconcile_analysed(tx, actor, &analysed, rules))?);
            progress(total.charts);
        }
        Ok(total)
    })
}

/// One chart as a reviewing thread hands it to the writer: whose, and what the rules found
/// (nothing is looked at in a deleted patient's chart).
struct Analysed {
    patient: i64,
    deleted: bool,
    findings: Vec<Finding>,
}

impl Analysed {
    fn of(chart: &ChartFacts, rules: &RuleSet, cx: &Context<'_>) -> Self {
        Self {
            patient: chart.patient.id,
            deleted: chart.patient.deleted,
            findings: if chart.patient.deleted {
                Vec::new()
            } else {
                analyse(chart, rules, cx)
            },
        }
    }
}

/// Brings the deficiencies of analysed charts (in patient id order) in step.
fn reconcile_analysed(
    tx: &mut Tx<'_>,
    actor: &Actor,
    charts: &[Analysed],
    rules: &RuleSet,
) -> store::Result<ReviewCounts> {
    let ids: Vec<i64> = charts.iter().map(|c| c.patient).collect();
    let mut deficiencies = deficiencies_of_many(tx, &ids)?;
    let mut counts = ReviewCounts::default();
    for chart in charts.iter().filter(|c| !c.deleted) {
        let existing = deficiencies.remove(&chart.patient).unwrap_or_default();
        counts.add(reconcile_findings(
            tx,
            actor,
            chart.patient,
            &chart.findings,
            existing,
            rules,
        )?);
    }
    Ok(counts)
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
    /// Only those about an encounter of this hospital service (`Encounter::service`
    /// starting with it, ignoring case: "surg" finds surgery).
    pub service: Option<String>,
    /// Only those about an encounter of this class.
    pub encounter_class: Option<EncounterClass>,
    /// Only those whose clock started at or before this instant (at least so old).
    pub since_at_or_before: Option<time::OffsetDateTime>,
    /// Only those whose clock started after this instant (younger than that).
    pub since_after: Option<time::OffsetDateTime>,
    /// At most this many.
    pub limit: i64,
}

impl QueueQuery {
    /// Only those aged (whole days since their clock started, as the metrics' age bands
    /// count) at least `min_days` and at most `max_days` at `now`.
    pub fn aged(
        mut self,
        now: time::OffsetDateTime,
        min_days: Option<i64>,
        max_days: Option<i64>,
    ) -> Self {
        let days = |n: i64| time::Duration::days(n.clamp(0, 365_000));
        self.since_at_or_before = min_days.map(|n| now - days(n));
        self.since_after = max_days.map(|n| now - days(n.saturating_add(1)));
        self
    }
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
    if let Some(at) = query.since_at_or_before {
        filters.push(Filter::Compare("since", Op::Le, Value::Timestamp(at)));
    }
    if let Some(at) = query.since_after {
        filters.push(Filter::Compare("since", Op::Gt, Value::Timestamp(at)));
    }
    // Service and class are the encounter's: a deficiency about the chart as a whole
    // (demographics) has none and is left out by either.
    let mut encounter = Vec::new();
    if let Some(service) = query
        .service
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        encounter.push(Filter::TextPrefix("service", service.to_owned()));
    }
    if let Some(class) = query.encounter_class {
        encounter.push(Filter::Compare(
            "class",
            Op::Eq,
            Value::from(class.as_str()),
        ));
    }
    if !encounter.is_empty() {
        filters.push(Filter::refers::<Encounter>("encounter_id", encounter));
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

//! The work queue and the actions on it with their audit entries, in the caller's audited
//! transaction, so the command line and the server write the same entries: a listing is a
//! read of each listed patient's chart completeness; a change is an update of the
//! deficiency with its old and new values; a physician query asked or answered is a
//! create or update of the query with its new values.

use crate::follow_up::{TaskQuery, escalate_overdue, tasks};
use crate::queries::open_queries;
use crate::reconcile::{Action, QueueQuery, act, queue};
use privacy::{Action as AuditAction, AuditEvent, DataCategory};
use records::{Deficiency, FollowUpTask, PatientId, PhysicianQuery, RecordKind};
use store::{Actor, Audited, Stored, Tx};

/// What a deficiency listing shows of a chart: whose it is, and that encounters, notes and
/// codes are there or missing.
pub const QUEUE_CATEGORIES: &[DataCategory] = &[
    DataCategory::Demographics,
    DataCategory::Encounters,
    DataCategory::Notes,
    DataCategory::Diagnoses,
];

/// A queue entry with whose chart it is, as a technician reads a queue.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueueItem {
    /// The deficiency.
    #[serde(flatten)]
    pub deficiency: Stored<Deficiency>,
    /// "Family, Given".
    pub patient_name: String,
    /// The patient's MRN.
    pub mrn: String,
}

/// Each patient's "Family, Given" and MRN, read once however many items name them.
#[derive(Default)]
struct Names(std::collections::HashMap<i64, (String, String)>);

impl Names {
    fn of(&mut self, tx: &mut Tx<'_>, patient: PatientId) -> store::Result<(String, String)> {
        if let Some(known) = self.0.get(&patient.0) {
            return Ok(known.clone());
        }
        let stored: Stored<records::Patient> = tx.get(patient.0)?;
        let named = (stored.record.display_name(), stored.record.mrn.to_string());
        self.0.insert(patient.0, named.clone());
        Ok(named)
    }

    /// One read entry per patient named, in patient order, with `reason`.
    fn audit(self, audited: &mut Audited<'_>, who: &AuditEvent, reason: &str) -> store::Result<()> {
        let mut patients: Vec<i64> = self.0.into_keys().collect();
        patients.sort_unstable();
        for patient in patients {
            let mut event = who.clone();
            event.action = AuditAction::Read;
            let event = event
                .patient(PatientId(patient))
                .categories(QUEUE_CATEGORIES)
                .reason(reason);
            audited.append(&event)?;
        }
        Ok(())
    }
}

/// `read`'s items, each with whose chart it is (`patient` names it), audited as one read per
/// patient listed with `reason`.
fn named<T, I>(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    reason: &str,
    read: impl FnOnce(&mut Tx<'_>) -> store::Result<Vec<T>>,
    patient: fn(&T) -> PatientId,
    item: fn(T, String, String) -> I,
) -> store::Result<Vec<I>> {
    let mut tx = audited.records();
    let found = read(&mut tx)?;
    let mut names = Names::default();
    let mut items = Vec::with_capacity(found.len());
    for one in found {
        let (patient_name, mrn) = names.of(&mut tx, patient(&one))?;
        items.push(item(one, patient_name, mrn));
    }
    drop(tx);
    names.audit(audited, who, reason)?;
    Ok(items)
}

/// The queue for `query` with each patient's name and MRN, audited as one read per patient
/// listed (`who` is the event naming the user, channel, time and source; its action and
/// patient are set here).
pub fn queue_audited(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    query: &QueueQuery,
) -> store::Result<Vec<QueueItem>> {
    named(
        audited,
        who,
        "review work queue",
        |tx| queue(tx, query),
        |d| d.record.patient_id,
        |deficiency, patient_name, mrn| QueueItem {
            deficiency,
            patient_name,
            mrn,
        },
    )
}

/// One deficiency with whose chart it is, audited as a read of that chart.
pub fn deficiency_audited(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    id: i64,
) -> store::Result<QueueItem> {
    let mut tx = audited.records();
    let deficiency: Stored<Deficiency> = tx.get(id)?;
    let mut names = Names::default();
    let (patient_name, mrn) = names.of(&mut tx, deficiency.record.patient_id)?;
    drop(tx);
    names.audit(audited, who, "review deficiency")?;
    Ok(QueueItem {
        deficiency,
        patient_name,
        mrn,
    })
}

/// A physician query with whose chart it is.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueryItem {
    /// The query.
    #[serde(flatten)]
    pub query: Stored<PhysicianQuery>,
    /// "Family, Given".
    pub patient_name: String,
    /// The patient's MRN.
    pub mrn: String,
}

/// The open queries waiting for `provider` (every open one without), oldest first, each
/// with whose chart it is, audited as one read per patient listed.
pub fn queries_audited(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    provider: Option<i64>,
) -> store::Result<Vec<QueryItem>> {
    named(
        audited,
        who,
        "physician queries",
        |tx| open_queries(tx, provider),
        |q| q.record.patient_id,
        |query, patient_name, mrn| QueryItem {
            query,
            patient_name,
            mrn,
        },
    )
}

/// Writes a query change (`ask` or `answer`) and its audit entry, with the query's new
/// values, in the caller's audited transaction.
pub fn query_audited(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    change: impl FnOnce(&mut Tx<'_>) -> store::Result<Stored<PhysicianQuery>>,
) -> store::Result<Stored<PhysicianQuery>> {
    let stored = change(&mut audited.records())?;
    let event = who
        .clone()
        .patient(stored.record.patient_id)
        .record(PhysicianQuery::KIND, stored.meta.id)
        .categories(QUEUE_CATEGORIES)
        .reason(&format!(
            "physician query {}",
            stored.record.status.as_str()
        ))
        .changes(None, serde_json::to_string(&stored.record).ok());
    audited.append(&event)?;
    Ok(stored)
}

/// Applies `action` to each deficiency in `ids`, each with its audit entry; one refused
/// id and the caller's transaction rolls back whole.
pub fn act_audited(
    audited: &mut Audited<'_>,
    actor: &Actor,
    who: &AuditEvent,
    ids: &[i64],
    action: &Action,
) -> store::Result<Vec<Stored<Deficiency>>> {
    let mut changed = Vec::with_capacity(ids.len());
    for id in ids {
        let mut tx = audited.records();
        let before: Stored<Deficiency> = tx.get(*id)?;
        let after = act(&mut tx, actor, *id, action)?;
        drop(tx);
        let mut event = who.clone();
        event.action = AuditAction::Update;
        let event = event
            .patient(after.record.patient_id)
            .record("deficiency", *id)
            .categories(&[DataCategory::Encounters])
            .reason(&format!("deficiency {}", after.record.status.as_str()))
            .changes(
                serde_json::to_string(&before.record).ok(),
                serde_json::to_string(&after.record).ok(),
            );
        audited.append(&event)?;
        changed.push(after);
    }
    Ok(changed)
}

/// A follow-up task with whose chart it is.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TaskItem {
    /// The task.
    #[serde(flatten)]
    pub task: Stored<FollowUpTask>,
    /// "Family, Given".
    pub patient_name: String,
    /// The patient's MRN.
    pub mrn: String,
}

/// What a follow-up task shows of a chart: whose it is and which encounter.
pub const TASK_CATEGORIES: &[DataCategory] =
    &[DataCategory::Demographics, DataCategory::Encounters];

/// The follow-up tasks matching `query`, each with whose chart it is, audited as one read
/// per patient listed.
pub fn tasks_audited(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    query: &TaskQuery,
) -> store::Result<Vec<TaskItem>> {
    named(
        audited,
        who,
        "follow-up tasks",
        |tx| tasks(tx, query),
        |t| t.record.patient_id,
        |task, patient_name, mrn| TaskItem {
            task,
            patient_name,
            mrn,
        },
    )
}

/// Writes a follow-up task change (`add_task`, `change_task`) and its audit entry with the
/// task's old (`before`: the id of a task changed) and new values.
pub fn task_audited(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    before: Option<i64>,
    change: impl FnOnce(&mut Tx<'_>) -> store::Result<Stored<FollowUpTask>>,
) -> store::Result<Stored<FollowUpTask>> {
    let mut tx = audited.records();
    let old = match before {
        Some(id) => Some(tx.get::<FollowUpTask>(id)?.record),
        None => None,
    };
    let stored = change(&mut tx)?;
    drop(tx);
    append_task(audited, who, old.as_ref(), &stored)?;
    Ok(stored)
}

fn append_task(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    old: Option<&FollowUpTask>,
    new: &Stored<FollowUpTask>,
) -> store::Result<()> {
    let mut event = who.clone();
    event.action = if old.is_some() {
        AuditAction::Update
    } else {
        AuditAction::Create
    };
    let event = event
        .patient(new.record.patient_id)
        .record(FollowUpTask::KIND, new.meta.id)
        .categories(TASK_CATEGORIES)
        .reason(&format!("follow-up task {}", new.record.status.as_str()))
        .changes(
            old.and_then(|o| serde_json::to_string(o).ok()),
            serde_json::to_string(&new.record).ok(),
        );
    audited.append(&event).map(|_| ())
}

/// Escalates the open follow-up tasks past due at `now`, each with its audit entry (an
/// update with old and new values).
pub fn escalate_audited(
    audited: &mut Audited<'_>,
    actor: &Actor,
    who: &AuditEvent,
    now: time::OffsetDateTime,
) -> store::Result<Vec<Stored<FollowUpTask>>> {
    let escalated = escalate_overdue(&mut audited.records(), actor, now)?;
    for task in &escalated {
        let mut old = task.record.clone();
        old.status = records::FollowUpStatus::Open;
        old.escalated_at = None;
        append_task(audited, who, Some(&old), task)?;
    }
    Ok(escalated)
}

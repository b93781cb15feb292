//! Data-collection follow-up tasks: opened for what a chart lacks from outside (insurance,
//! a consent, outside records), each contact attempt logged, closed as done or given up
//! with a reason, and escalated once past due (by `review run` and the server's watch).

use records::{
    ContactAttempt, EncounterId, FollowUpKind, FollowUpStatus, FollowUpTask, PatientId, RecordKind,
};
use store::{Actor, Filter, Op, Stored, Tx, Value};
use time::OffsetDateTime;

/// A new follow-up task.
#[derive(Debug, Clone)]
pub struct NewTask {
    /// Whose chart.
    pub patient_id: i64,
    /// The encounter it concerns.
    pub encounter_id: Option<i64>,
    /// What is to be obtained.
    pub kind: FollowUpKind,
    /// What exactly.
    pub description: String,
    /// From whom.
    pub obtain_from: String,
    /// Who chases it.
    pub assignee: Option<String>,
    /// By when.
    pub due_at: OffsetDateTime,
    /// Who opens it.
    pub opened_by: String,
}

/// A change to a follow-up task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskChange {
    /// An attempt to obtain it: how, and what came of it.
    Contact {
        /// Phone, letter, fax, portal...
        method: String,
        /// What came of it.
        outcome: String,
    },
    /// Give it to a user.
    Assign(String),
    /// Obtained: what was.
    Done(String),
    /// Given up: why.
    Cancel(String),
}

/// Opens a task; its encounter, when named, must be the patient's.
pub fn add_task(
    tx: &mut Tx<'_>,
    actor: &Actor,
    new: &NewTask,
) -> store::Result<Stored<FollowUpTask>> {
    let _: Stored<records::Patient> = tx.get(new.patient_id)?;
    if let Some(encounter) = new.encounter_id {
        let stored: Stored<records::Encounter> = tx.get(encounter)?;
        if stored.record.patient_id.0 != new.patient_id {
            return Err(store::Error::Conflict(format!(
                "encounter {encounter} is not patient {}'s",
                new.patient_id
            )));
        }
    }
    let task = FollowUpTask {
        patient_id: PatientId(new.patient_id),
        encounter_id: new.encounter_id.map(EncounterId),
        kind: new.kind,
        description: new.description.trim().to_owned(),
        obtain_from: new.obtain_from.trim().to_owned(),
        assignee: new
            .assignee
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned),
        status: FollowUpStatus::Open,
        due_at: new.due_at,
        contacts: Vec::new(),
        escalated_at: None,
        opened_by: new.opened_by.clone(),
        closed_at: None,
        closed_reason: None,
    };
    tx.create(actor, &task)
}

/// Applies `change` by `by` (a username) to task `id`; a closed task refuses every change.
pub fn change_task(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: i64,
    change: &TaskChange,
    by: &str,
) -> store::Result<Stored<FollowUpTask>> {
    let current: Stored<FollowUpTask> = tx.get(id)?;
    if !current.record.status.is_open() {
        return Err(store::Error::Conflict(format!(
            "{} {id} is {}; it cannot be changed",
            FollowUpTask::KIND.replace('_', " "),
            current.record.status.as_str()
        )));
    }
    let mut record = current.record.clone();
    let now = tx.now();
    match change {
        TaskChange::Contact { method, outcome } => record.contacts.push(ContactAttempt {
            at: now,
            by: by.to_owned(),
            method: method.trim().to_owned(),
            outcome: outcome.trim().to_owned(),
        }),
        TaskChange::Assign(user) => record.assignee = Some(user.trim().to_owned()),
        TaskChange::Done(reason) | TaskChange::Cancel(reason) => {
            record.status = if matches!(change, TaskChange::Done(_)) {
                FollowUpStatus::Done
            } else {
                FollowUpStatus::Cancelled
            };
            record.closed_at = Some(now);
            record.closed_reason = Some(reason.trim().to_owned());
        }
    }
    tx.update(actor, id, current.meta.version, &record)
}

/// Escalates every open task past its due time at `now`; returns those escalated.
pub fn escalate_overdue(
    tx: &mut Tx<'_>,
    actor: &Actor,
    now: OffsetDateTime,
) -> store::Result<Vec<Stored<FollowUpTask>>> {
    let late: Vec<Stored<FollowUpTask>> = tx.search(
        &[
            Filter::Compare("status", Op::Eq, Value::from(FollowUpStatus::Open.as_str())),
            Filter::Compare("due_at", Op::Lt, Value::Timestamp(now)),
        ],
        &[store::Sort("due_at", false)],
        10_000,
        0,
    )?;
    let mut escalated = Vec::with_capacity(late.len());
    for task in late {
        let mut record = task.record.clone();
        record.status = FollowUpStatus::Escalated;
        record.escalated_at = Some(now);
        escalated.push(tx.update(actor, task.meta.id, task.meta.version, &record)?);
    }
    Ok(escalated)
}

/// Filters for the task list.
#[derive(Debug, Clone, Default)]
pub struct TaskQuery {
    /// Closed ones too.
    pub all: bool,
    /// Only this user's.
    pub assignee: Option<String>,
    /// Only this patient's.
    pub patient_id: Option<i64>,
    /// At most this many (0: 500).
    pub limit: i64,
}

/// Tasks matching `query`, escalated first, then by due time.
pub fn tasks(tx: &mut Tx<'_>, query: &TaskQuery) -> store::Result<Vec<Stored<FollowUpTask>>> {
    let mut filters = Vec::new();
    if !query.all {
        filters.push(Filter::In(
            "status",
            FollowUpStatus::ALL
                .into_iter()
                .filter(|s| s.is_open())
                .map(|s| Value::from(s.as_str()))
                .collect(),
        ));
    }
    if let Some(assignee) = &query.assignee {
        filters.push(Filter::Compare(
            "assignee",
            Op::Eq,
            Value::from(assignee.as_str()),
        ));
    }
    if let Some(patient) = query.patient_id {
        filters.push(Filter::Compare("patient_id", Op::Eq, Value::Int(patient)));
    }
    let limit = if query.limit <= 0 { 500 } else { query.limit };
    let mut found: Vec<Stored<FollowUpTask>> = tx.search(
        &filters,
        &[store::Sort("due_at", false), store::Sort("id", false)],
        limit,
        0,
    )?;
    found.sort_by_key(|t| {
        (
            t.record.status != FollowUpStatus::Escalated,
            !t.record.status.is_open(),
            t.record.due_at,
            t.meta.id,
        )
    });
    Ok(found)
}

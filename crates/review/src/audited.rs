//! The work queue and the actions on it with their audit entries, in the caller's audited
//! transaction, so the command line and the server write the same entries: a listing is a
//! read of each listed patient's chart completeness; a change is an update of the
//! deficiency with its old and new values; a physician query asked or answered is a
//! create or update of the query with its new values.

use crate::queries::open_queries;
use crate::reconcile::{Action, QueueQuery, act, queue};
use privacy::{Action as AuditAction, AuditEvent, DataCategory};
use records::{Deficiency, PatientId, PhysicianQuery, RecordKind};
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

/// The queue for `query` with each patient's name and MRN, audited as one read per patient
/// listed (`who` is the event naming the user, channel, time and source; its action and
/// patient are set here).
pub fn queue_audited(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    query: &QueueQuery,
) -> store::Result<Vec<QueueItem>> {
    let mut tx = audited.records();
    let found = queue(&mut tx, query)?;
    let mut names = Names::default();
    let mut items = Vec::with_capacity(found.len());
    for deficiency in found {
        let (patient_name, mrn) = names.of(&mut tx, deficiency.record.patient_id)?;
        items.push(QueueItem {
            deficiency,
            patient_name,
            mrn,
        });
    }
    drop(tx);
    names.audit(audited, who, "review work queue")?;
    Ok(items)
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
    let mut tx = audited.records();
    let found = open_queries(&mut tx, provider)?;
    let mut names = Names::default();
    let mut items = Vec::with_capacity(found.len());
    for query in found {
        let (patient_name, mrn) = names.of(&mut tx, query.record.patient_id)?;
        items.push(QueryItem {
            query,
            patient_name,
            mrn,
        });
    }
    drop(tx);
    names.audit(audited, who, "physician queries")?;
    Ok(items)
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

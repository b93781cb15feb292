//! The work queue and the actions on it with their audit entries, in the caller's audited
//! transaction, so the command line and the server write the same entries: a listing is a
//! read of each listed patient's chart completeness; a change is an update of the
//! deficiency with its old and new values.

use crate::reconcile::{Action, QueueQuery, act, queue};
use privacy::{Action as AuditAction, AuditEvent, DataCategory};
use records::{Deficiency, PatientId};
use store::{Actor, Audited, Stored};

/// What a deficiency listing shows of a chart: that encounters, notes and codes are there
/// or missing.
pub const QUEUE_CATEGORIES: &[DataCategory] = &[
    DataCategory::Encounters,
    DataCategory::Notes,
    DataCategory::Diagnoses,
];

/// The queue for `query`, audited as one read per patient listed (`who` is the event
/// naming the user, channel, time and source; its action and patient are set here).
pub fn queue_audited(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    query: &QueueQuery,
) -> store::Result<Vec<Stored<Deficiency>>> {
    let found = queue(&mut audited.records(), query)?;
    let mut patients: Vec<i64> = found.iter().map(|d| d.record.patient_id.0).collect();
    patients.sort_unstable();
    patients.dedup();
    for patient in patients {
        let mut event = who.clone();
        event.action = AuditAction::Read;
        let event = event
            .patient(PatientId(patient))
            .categories(QUEUE_CATEGORIES)
            .reason("review work queue");
        audited.append(&event)?;
    }
    Ok(found)
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

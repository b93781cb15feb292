//! The work queue and the actions on it with their audit entries, in the caller's audited
//! transaction, so the command line and the server write the same entries: a listing is a
//! read of each listed patient's chart completeness; a change is an update of the
//! deficiency with its old and new values.

use crate::reconcile::{Action, QueueQuery, act, queue};
use privacy::{Action as AuditAction, AuditEvent, DataCategory};
use records::{Deficiency, PatientId};
use store::{Actor, Audited, Stored};

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
    let mut names: std::collections::HashMap<i64, (String, String)> =
        std::collections::HashMap::new();
    let mut items = Vec::with_capacity(found.len());
    for deficiency in found {
        let id = deficiency.record.patient_id.0;
        let (patient_name, mrn) = match names.entry(id) {
            std::collections::hash_map::Entry::Occupied(known) => known.get().clone(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                let patient: Stored<records::Patient> = tx.get(id)?;
                let record = &patient.record;
                slot.insert((record.display_name(), record.mrn.to_string()))
                    .clone()
            }
        };
        items.push(QueueItem {
            deficiency,
            patient_name,
            mrn,
        });
    }
    drop(tx);
    let mut patients: Vec<i64> = names.into_keys().collect();
    patients.sort_unstable();
    for patient in patients {
        let mut event = who.clone();
        event.action = AuditAction::Read;
        let event = event
            .patient(PatientId(patient))
            .categories(QUEUE_CATEGORIES)
            .reason("review work queue");
        audited.append(&event)?;
    }
    Ok(items)
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

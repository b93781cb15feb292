//! The case queue: the cases found, their status changes (reviewed, not reportable, back to
//! new) each with its audit entry, and a report sent, entered in the patient's accounting of
//! disclosures in the transaction that marks the case reported.
//!
//! Invariants:
//! - A case becomes `reported` only through [`record_report`], so no case is reported
//!   without its accounting line (public health, 45 CFR 164.512(b), accountable under
//!   164.528).
//! - Every status change is a new version of the case with an audit entry naming its old and
//!   new values, in the same transaction; a refusal writes nothing.

use privacy::{Action, AuditEvent, DataCategory};
use records::{CaseReport, CaseStatus, Disclosure, LegalBasis, Patient, RecordKind};
use store::{Actor, Audited, Stored, Tx, Value};

/// What the case queue reads of a patient's chart, for audit entries.
pub const CASE_CATEGORIES: &[DataCategory] = &[
    DataCategory::Demographics,
    DataCategory::Encounters,
    DataCategory::Diagnoses,
    DataCategory::Results,
];

/// The cases with one of `statuses` (all when empty), newest found first.
pub fn queue(
    tx: &mut Tx<'_>,
    statuses: &[CaseStatus],
    limit: i64,
) -> store::Result<Vec<Stored<CaseReport>>> {
    if statuses.is_empty() {
        return tx.select("1 = 1", &[], "found_at DESC, id DESC", limit);
    }
    let params: Vec<Value> = statuses.iter().map(|s| Value::from(s.as_str())).collect();
    let marks = vec!["?"; params.len()].join(", ");
    tx.select(
        &format!("status IN ({marks})"),
        &params,
        "found_at DESC, id DESC",
        limit,
    )
}

/// The patients of these cases, in their order.
pub fn patients_of(tx: &mut Tx<'_>, cases: &[Stored<CaseReport>]) -> store::Result<Vec<Patient>> {
    cases
        .iter()
        .map(|c| tx.get::<Patient>(c.record.patient_id.0).map(|p| p.record))
        .collect()
}

/// A case as the JSON API and `chartroom report case --json` give it, with its patient's
/// name and MRN (what the queue shows of the chart).
pub fn case_json(case: &Stored<CaseReport>, patient: &Patient) -> serde_json::Value {
    let c = &case.record;
    serde_json::json!({
        "id": case.meta.id,
        "version": case.meta.version,
        "patient_id": c.patient_id.0,
        "mrn": patient.mrn.as_str(),
        "patient_name": format!("{}, {}", patient.family_name, patient.given_name),
        "birth_date": patient.birth_date.to_string(),
        "encounter_id": c.encounter_id.map(|e| e.0),
        "condition": c.condition,
        "condition_name": c.condition_name,
        "trigger_code": c.trigger_code,
        "trigger_system": c.trigger_system,
        "trigger_source": c.trigger_source.as_str(),
        "trigger_record_id": c.trigger_record_id,
        "found_at": c.found_at.to_string(),
        "withdrawn_at": c.withdrawn_at.map(|at| at.to_string()),
        "status": c.status.as_str(),
        "note": c.note,
        "worked_by": c.worked_by,
        "worked_at": c.worked_at.map(|at| at.to_string()),
    })
}

/// The queue ([`queue`]) with each case's patient, and one read entry from `who` naming
/// every patient listed, in the caller's transaction.
pub fn list_audited(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    statuses: &[CaseStatus],
    limit: i64,
) -> store::Result<Vec<(Stored<CaseReport>, Patient)>> {
    let (found, patients) = {
        let mut tx = audited.records();
        let found = queue(&mut tx, statuses, limit)?;
        let patients = patients_of(&mut tx, &found)?;
        (found, patients)
    };
    let ids: Vec<records::PatientId> = found.iter().map(|c| c.record.patient_id).collect();
    let mut event = who.clone();
    event.action = Action::Read;
    audited.append(
        &event
            .patients(&ids)
            .categories(CASE_CATEGORIES)
            .reason(&format!("case queue: {} case(s) listed", found.len())),
    )?;
    Ok(found.into_iter().zip(patients).collect())
}

/// Case `id` with its patient, and its read entry from `who`, in the caller's transaction.
pub fn show_audited(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    id: i64,
) -> store::Result<(Stored<CaseReport>, Patient)> {
    let (found, patient) = {
        let mut tx = audited.records();
        let found = tx.get::<CaseReport>(id)?;
        let patient = tx.get::<Patient>(found.record.patient_id.0)?.record;
        (found, patient)
    };
    let mut event = who.clone();
    event.action = Action::Read;
    audited.append(
        &event
            .patient(found.record.patient_id)
            .record(CaseReport::KIND, id)
            .categories(CASE_CATEGORIES)
            .reason("case shown"),
    )?;
    Ok((found, patient))
}

/// A refused queue action.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// The store failed or refused (no such case among them).
    #[error(transparent)]
    Store(#[from] store::Error),
    /// The step is not allowed.
    #[error("{0}")]
    Refused(String),
}

/// A refusal becomes the store's refusal (a conflict naming why), so a caller inside
/// `AuditTrail::write` can `?` it and the transaction writes nothing.
impl From<CaseError> for store::Error {
    fn from(error: CaseError) -> Self {
        match error {
            CaseError::Store(e) => e,
            CaseError::Refused(why) => store::Error::Conflict(why),
        }
    }
}

/// Marks case `id` new, reviewed or not reportable with a note (required for not
/// reportable), as `actor`, with its audit entry from `who`.
pub fn mark(
    audited: &mut Audited<'_>,
    actor: &Actor,
    id: i64,
    status: CaseStatus,
    note: &str,
    who: AuditEvent,
) -> Result<Stored<CaseReport>, CaseError> {
    if status == CaseStatus::Reported {
        return Err(CaseError::Refused(
            "a case is marked reported by sending its report, which enters the disclosure in the patient's accounting".into(),
        ));
    }
    let at = audited.now();
    let before = audited.records().get::<CaseReport>(id)?;
    let note = Some(note.trim().to_owned()).filter(|n| !n.is_empty());
    let worked = CaseReport {
        status,
        note: note.or(before.record.note.clone()),
        worked_by: Some(actor.name().to_owned()),
        worked_at: Some(at),
        ..before.record.clone()
    };
    changed(
        audited,
        actor,
        &before,
        worked,
        who,
        &format!("marked {}", status.as_str()),
    )
}

/// Writes the case's new version with its audit entry.
fn changed(
    audited: &mut Audited<'_>,
    actor: &Actor,
    before: &Stored<CaseReport>,
    after: CaseReport,
    who: AuditEvent,
    what: &str,
) -> Result<Stored<CaseReport>, CaseError> {
    let stored = audited
        .records()
        .update(actor, before.meta.id, before.meta.version, &after)?;
    let mut event = who;
    event.action = Action::Update;
    audited.append(
        &event
            .patient(before.record.patient_id)
            .record(CaseReport::KIND, before.meta.id)
            .categories(CASE_CATEGORIES)
            .reason(&format!(
                "case {} ({}) {what}",
                before.meta.id, before.record.condition_name
            ))
            .changes(
                serde_json::to_string(&before.record).ok(),
                serde_json::to_string(&stored.record).ok(),
            ),
    )?;
    Ok(stored)
}

/// A report made of a case: where it goes and what it holds.
#[derive(Debug, Clone)]
pub struct SentReport<'a> {
    /// The public-health agency, as the accounting names the recipient.
    pub recipient: &'a str,
    /// What went (`eICR document Bundle urn:uuid:...; ORU^R01 ORU123`).
    pub description: String,
    /// The channel (`fhir-eicr`, `hl7-oru`, `fhir-eicr+hl7-oru`).
    pub channel: &'a str,
}

/// Records that case `id`'s report went to public health: the export audited, the
/// disclosure entered in the patient's accounting and the case marked reported, in the
/// caller's transaction (the same one that built the report). A withdrawn or
/// not-reportable case is refused.
pub fn record_report(
    audited: &mut Audited<'_>,
    actor: &Actor,
    id: i64,
    report: &SentReport<'_>,
    who: AuditEvent,
) -> Result<Stored<CaseReport>, CaseError> {
    let before = audited.records().get::<CaseReport>(id)?;
    if before.record.withdrawn_at.is_some() {
        return Err(CaseError::Refused(format!(
            "case {id}'s trigger was taken back (the diagnosis or result is no longer on the chart); mark it not reportable, or code it again"
        )));
    }
    if before.record.status == CaseStatus::NotReportable {
        return Err(CaseError::Refused(format!(
            "case {id} is marked not reportable; mark it reviewed first if it is to be reported"
        )));
    }
    let patient = before.record.patient_id;
    let mut export = who.clone();
    export.action = Action::Export;
    audited.append(
        &export
            .patient(patient)
            .record(CaseReport::KIND, id)
            .categories(CASE_CATEGORIES)
            .reason(&format!(
                "initial case report of {} to {}: {}",
                before.record.condition_name, report.recipient, report.description
            )),
    )?;
    disclosures::enter_disclosure(
        audited,
        &who,
        Disclosure {
            patient_id: patient,
            disclosed_at: audited.now(),
            recipient: report.recipient.to_owned(),
            recipient_address: None,
            description: format!(
                "initial case report of {}: {}",
                before.record.condition_name, report.description
            ),
            purpose: "reportable condition (public health case reporting)".into(),
            legal_basis: LegalBasis::PublicHealth,
            accountable: LegalBasis::PublicHealth.accountable(),
            request_id: None,
            channel: report.channel.to_owned(),
            made_by: who.user.clone(),
        },
    )
    .map_err(|e| match e {
        disclosures::Error::Store(e) => CaseError::Store(e),
        other => CaseError::Refused(other.to_string()),
    })?;
    if before.record.status == CaseStatus::Reported {
        // A report sent again is another disclosure; the case already says reported.
        return Ok(before);
    }
    let reported = CaseReport {
        status: CaseStatus::Reported,
        worked_by: Some(actor.name().to_owned()),
        worked_at: Some(audited.now()),
        ..before.record.clone()
    };
    changed(audited, actor, &before, reported, who, "reported")
}

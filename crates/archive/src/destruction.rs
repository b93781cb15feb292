//! Destruction: charts past their retention destroyed only when no hold covers them,
//! requested by one person and approved by a second, with a certificate of destruction
//! kept forever (`store::DestructionRequest`).
//!
//! Invariants:
//! - Eligibility and holds are checked when the request is made and again inside the
//!   approval's transaction, which destroys every chart of the request or none.
//! - The approver is never the requester.
//! - The audit trail is untouched: its entries keep their MACs, and verifying the chain
//!   needs none of the destroyed content.

use crate::archival::{Archivist, archive_dir, audited};
use crate::error::{Error, Result};
use crate::retention::{RetentionReport, Schedule, Status, report};
use privacy::AuditEvent;
use serde_json::json;
use store::{ArchivedChart, DestructionRequest, Tx, decode_chart};
use time::Date;

/// Where a chart to destroy is.
enum Place {
    Live,
    Archived(Box<ArchivedChart>),
}

/// Where the patient's chart is, if it may be destroyed on `as_of`; why not otherwise.
fn destroyable(
    tx: &mut Tx<'_>,
    report: &RetentionReport,
    as_of: Date,
    patient_id: i64,
) -> Result<Place> {
    if let Some(hold) = tx
        .legal_holds(false)?
        .into_iter()
        .find(|h| h.covers(patient_id))
    {
        return Err(Error::Invalid(format!(
            "patient {patient_id} is under legal hold {}{}: nothing was destroyed",
            hold.id,
            hold.matter.map(|m| format!(" ({m})")).unwrap_or_default()
        )));
    }
    if let Some(entry) = tx
        .archived_chart(patient_id)?
        .filter(|e| e.status == "archived")
    {
        return match entry.destroy_on {
            Some(day) if day <= as_of => Ok(Place::Archived(Box::new(entry))),
            Some(day) => Err(Error::Invalid(format!(
                "the archived chart of {} may be destroyed on {day}, not before",
                entry.mrn
            ))),
            None => Err(Error::Invalid(format!(
                "the archived chart of {} is kept forever",
                entry.mrn
            ))),
        };
    }
    match report.charts.iter().find(|c| c.patient_id == patient_id) {
        Some(chart) if chart.status == Status::EligibleForDestruction => Ok(Place::Live),
        Some(chart) => Err(Error::Invalid(format!(
            "patient {patient_id} ({}) is {} on {as_of}, not eligible for destruction: {}",
            chart.mrn,
            chart.status.label(),
            chart.why
        ))),
        None => Err(Error::Invalid(format!(
            "patient {patient_id} is neither a live nor an archived chart"
        ))),
    }
}

/// Records a request to destroy the charts of `patients`, each checked eligible for
/// destruction on `as_of` and under no hold, with its audit entry.
pub fn request_destruction(
    who: Archivist<'_>,
    schedule: &Schedule,
    as_of: Date,
    patients: &[i64],
    method: &str,
    reason: &str,
    event: &dyn Fn(&DestructionRequest) -> AuditEvent,
) -> Result<DestructionRequest> {
    if patients.is_empty() {
        return Err(Error::Invalid(
            "name at least one patient to destroy".into(),
        ));
    }
    if method.trim().is_empty() || reason.trim().is_empty() {
        return Err(Error::Invalid(
            "a destruction request needs its method and its reason".into(),
        ));
    }
    audited(who.trail, who.store, |audited| {
        let mut tx = audited.records();
        let report = report(&mut tx, schedule, as_of)?;
        for &id in patients {
            destroyable(&mut tx, &report, as_of, id)?;
        }
        let request = tx.request_destruction(patients, method, reason, who.by)?;
        drop(tx);
        audited.append(&event(&request))?;
        Ok(request)
    })
}

/// Approves request `id` as `who.by` (never its requester): checks every chart again,
/// destroys them all (live rows deleted, archived ones marked destroyed) and writes the
/// certificate, in one transaction with the audit entry; archive files are removed after
/// it committed.
pub fn approve_destruction(
    who: Archivist<'_>,
    schedule: &Schedule,
    as_of: Date,
    id: i64,
    event: &dyn Fn(&DestructionRequest) -> AuditEvent,
) -> Result<DestructionRequest> {
    let mut files = Vec::new();
    let done = audited(who.trail, who.store, |audited| {
        let mut tx = audited.records();
        let request = tx
            .destruction_request(id)?
            .ok_or_else(|| Error::Invalid(format!("there is no destruction request {id}")))?;
        if request.status != "requested" {
            return Err(Error::Invalid(format!(
                "destruction request {id} was already carried out ({} approved it)",
                request.approved_by.unwrap_or_default()
            )));
        }
        if request.requested_by == who.by {
            return Err(Error::Invalid(format!(
                "destruction request {id} was made by {}; a second person must approve it",
                request.requested_by
            )));
        }
        let report = report(&mut tx, schedule, as_of)?;
        let mut charts = Vec::new();
        for &patient_id in &request.patient_ids {
            match destroyable(&mut tx, &report, as_of, patient_id)? {
                Place::Live => {
                    let rows = tx.chart_rows(patient_id)?;
                    let patient = decode_chart(&rows)?.patient.record;
                    tx.remove_chart(&rows)?;
                    charts.push(json!({
                        "patient_id": patient_id,
                        "mrn": patient.mrn.as_str(),
                        "name": format!("{}, {}", patient.family_name, patient.given_name),
                        "birth_date": patient.birth_date.to_string(),
                        "records": rows.row_count(),
                        "from": "the live store",
                    }));
                }
                Place::Archived(entry) => {
                    tx.set_archive_status(patient_id, "destroyed", who.by)?;
                    charts.push(json!({
                        "patient_id": patient_id,
                        "mrn": entry.mrn,
                        "name": format!("{}, {}", entry.family_name, entry.given_name),
                        "birth_date": entry.birth_date.map(|d| d.to_string()),
                        "records": entry.row_count,
                        "from": format!("archive file {} (SHA-256 {})", entry.file, entry.sha256),
                    }));
                    files.push(entry.file);
                }
            }
        }
        let certificate = json!({
            "certificate_of_destruction": id,
            "charts": charts,
            "method": request.method,
            "reason": request.reason,
            "requested_by": request.requested_by,
            "requested_at": request.requested_at.to_string(),
            "approved_by": who.by,
            "destroyed_at": tx.now().to_string(),
            "eligible_on": as_of.to_string(),
            "audit_trail": "kept: its entries keep their MACs and the chain verifies without the destroyed records",
        });
        let done = tx.complete_destruction(id, who.by, &certificate)?;
        drop(tx);
        audited.append(&event(&done))?;
        Ok(done)
    })?;
    for file in files {
        let _ = std::fs::remove_file(archive_dir(who.data_dir).join(file));
    }
    Ok(done)
}

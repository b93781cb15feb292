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
//! - The content files of the destroyed charts (scanned pages, thumbnails, dictation
//!   audio) are removed with them unless another surviving record names the same file
//!   (content is kept by SHA-256, so one file may serve two charts); the certificate lists
//!   which were destroyed and which were kept and why. They are removed after the commit,
//!   like archive files, so a failed approval never loses a file its records still name.

use crate::archival::{Archivist, archive_dir, audited, read_archived};
use crate::error::{Error, Result};
use crate::retention::{RetentionReport, Schedule, Status, report};
use privacy::AuditEvent;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;
use store::{ArchivedChart, ContentRef, DestructionRequest, Tx, decode_chart};
use time::Date;

/// The method a destruction names when none is given: what the approval does.
pub const DEFAULT_METHOD: &str =
    "rows deleted from the records store; archive and content files removed";

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

/// Which of the destroyed charts' content files go and which stay, and the certificate's
/// account of both. Called inside the destroying transaction, after the live rows went.
fn content_to_destroy(
    tx: &mut Tx<'_>,
    data_dir: &Path,
    doomed: BTreeSet<ContentRef>,
    destroyed_patients: &[i64],
) -> Result<(Vec<ContentRef>, serde_json::Value)> {
    // Archived charts that survive name files too, inside their archive files.
    let mut archived_names = BTreeSet::new();
    let mut unreadable = Vec::new();
    if !doomed.is_empty() {
        for entry in tx.archived_charts(None)? {
            if destroyed_patients.contains(&entry.patient_id) {
                continue;
            }
            match read_archived(tx, data_dir, entry.patient_id) {
                Ok(read) => archived_names.extend(read.rows.content()),
                Err(e) => unreadable.push(format!("{}: {e}", entry.mrn)),
            }
        }
    }
    let (mut destroyed, mut kept) = (Vec::new(), Vec::new());
    for content in doomed {
        let describe = |why: &str| json!({ "file": content.path(), "sha256": content.sha256, "kept_because": why });
        if tx.names_content(&content)? {
            kept.push(describe("a live record names the same file"));
        } else if archived_names.contains(&content) {
            kept.push(describe("an archived chart names the same file"));
        } else if !unreadable.is_empty() {
            kept.push(describe(
                "an archived chart could not be read to check whether it names the file",
            ));
        } else {
            destroyed.push(content);
        }
    }
    let account = json!({
        "destroyed": destroyed
            .iter()
            .map(|c| json!({ "file": c.path(), "sha256": c.sha256 }))
            .collect::<Vec<_>>(),
        "kept": kept,
        "unreadable_archives": unreadable,
    });
    Ok((destroyed, account))
}

/// Every destruction request with its certificate, in one transaction with the audit
/// entry `event` makes of the patients they name.
pub fn destruction_requests_audited(
    who: Archivist<'_>,
    event: &dyn Fn(&[i64]) -> AuditEvent,
) -> Result<Vec<DestructionRequest>> {
    audited(who.trail, who.store, |audited| {
        let requests = audited.records().destruction_requests()?;
        let mut named: Vec<i64> = requests
            .iter()
            .flat_map(|r| r.patient_ids.iter().copied())
            .collect();
        named.sort_unstable();
        named.dedup();
        audited.append(&event(&named))?;
        Ok(requests)
    })
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
    let mut content_files = Vec::new();
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
        let mut doomed = BTreeSet::new();
        let mut unread = Vec::new();
        for &patient_id in &request.patient_ids {
            match destroyable(&mut tx, &report, as_of, patient_id)? {
                Place::Live => {
                    let rows = tx.chart_rows(patient_id)?;
                    doomed.extend(rows.content());
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
                    // A damaged archive file is destroyed all the same; its content files
                    // cannot be named, so they stay (and the certificate says so).
                    match read_archived(&mut tx, who.data_dir, patient_id) {
                        Ok(read) => doomed.extend(read.rows.content()),
                        Err(e) => unread.push(format!("{}: {e}", entry.mrn)),
                    }
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
        let (destroyed, mut content) =
            content_to_destroy(&mut tx, who.data_dir, doomed, &request.patient_ids)?;
        content["unreadable_destroyed_archives"] = json!(unread);
        content_files = destroyed;
        let certificate = json!({
            "certificate_of_destruction": id,
            "charts": charts,
            "content_files": content,
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
    for content in content_files {
        // A file already gone is destroyed too.
        let _ = std::fs::remove_file(who.data_dir.join(content.path()));
    }
    Ok(done)
}

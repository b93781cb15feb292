//! The audit entries of archival, restore, reading an archived chart and destruction, so
//! the command line and the HIM pages record the same facts in the same words.
//!
//! Invariants:
//! - An entry about a whole chart names the patient and every data category: the whole
//!   chart moved, came back or was read.
//! - A destruction entry names every patient of the request.

use privacy::{Action, AuditEvent, DataCategory};
use records::PatientId;
use store::{ArchivedChart, DestructionRequest};

/// A step taken on one whole chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartStep {
    /// Moved out of the live tables into its archive file.
    Archived,
    /// Put back into the live tables.
    Restored,
    /// Its archive file read.
    Read,
}

/// The entry of `step` on `entry`'s chart, from `base` (who, when, how).
pub fn chart_entry(base: AuditEvent, step: ChartStep, entry: &ArchivedChart) -> AuditEvent {
    let (action, reason) = match step {
        ChartStep::Archived => (
            Action::Delete,
            format!(
                "chart archived to {}/{} (SHA-256 {}), {} rows out of the live tables",
                crate::ARCHIVE_DIR,
                entry.file,
                entry.sha256,
                entry.row_count
            ),
        ),
        ChartStep::Restored => (
            Action::Create,
            format!("chart restored from {}/{}", crate::ARCHIVE_DIR, entry.file),
        ),
        ChartStep::Read => (
            Action::Read,
            format!("archived chart read from {}", entry.file),
        ),
    };
    let mut event = base;
    event.action = action;
    event
        .record("patient", entry.patient_id)
        .patient(PatientId(entry.patient_id))
        .categories(DataCategory::ALL)
        .reason(&reason)
}

/// The entry of a destruction request (`what`: "destruction requested", "records
/// destroyed"), from `base`.
pub fn destruction_entry(base: AuditEvent, request: &DestructionRequest, what: &str) -> AuditEvent {
    let people: Vec<PatientId> = request
        .patient_ids
        .iter()
        .map(|&id| PatientId(id))
        .collect();
    let mut event = base;
    event.action = Action::Delete;
    event
        .record("destruction_request", request.id)
        .patients(&people)
        .categories(DataCategory::ALL)
        .reason(&format!(
            "{what} (destruction request {}): {}",
            request.id, request.reason
        ))
}

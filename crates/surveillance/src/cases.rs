//! Reportable conditions: trigger codes as data, case finding kept in step with the
//! diagnoses and results written, and the case queue the public-health and HIM desks work,
//! down to the report sent and its line in the accounting of disclosures. Unlike the rest
//! of surveillance, cases are patient-level: every look is audited by the caller and every
//! change here carries its audit entry.
//!
//! - `triggers`: the conditions and their ICD-10-CM, LOINC and SNOMED CT triggers (defaults
//!   in `default_triggers.toml`, a facility file over them, every problem with its line).
//! - `finding`: `step` opens, withdraws and restores cases from what was written since the
//!   last step (schema 41), one case per patient, condition and encounter.
//! - `queue`: the queue, status changes with their audit entries, and `record_report`.
//! - `send`: `send_report` builds the report (the eICR Bundle by the `fhir` crate, the
//!   ORU^R01 by `hl7`) and records it sent in one transaction, for every channel that
//!   sends (CLI, page, JSON API).

mod finding;
mod queue;
mod send;
mod triggers;

pub use finding::{CASE_FINDING, FindCounts, step, step_in};
pub use queue::{
    CASE_CATEGORIES, CaseError, SentReport, case_json, list_audited, mark, patients_of, queue,
    record_report, show_audited,
};
pub use send::{Outgoing, Sent, send_report};
pub use triggers::{Condition, DEFAULT_TRIGGERS, Match, TriggerSet, TriggersError};

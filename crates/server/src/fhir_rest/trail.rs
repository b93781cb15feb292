//! Audit entries for FHIR interactions: one per request, on the `fhir` channel, naming
//! the patient, the record and the chart categories where there are some.

use super::resource::Found;
use crate::auth::Principal;
use privacy::{Action, AuditEvent, Channel};
use records::PatientId;
use time::OffsetDateTime;

/// An event by `principal` on the FHIR channel.
pub(crate) fn event(principal: &Principal, now: OffsetDateTime, action: Action) -> AuditEvent {
    let mut event = principal.event(now, action);
    event.channel = Channel::Fhir;
    event
}

/// The event about one record.
pub(crate) fn about(event: AuditEvent, found: &Found) -> AuditEvent {
    let mut event = event.record(found.kind.store_kind(), found.id);
    if let Some(patient) = found.patient {
        event = event.patient(PatientId(patient));
    }
    if let Some(category) = found.kind.category() {
        event = event.categories(&[category]);
    }
    event
}

/// The event about several records (a search page, a history): the categories of all of
/// them and every patient they belong to, in the entry's patient fields (one as its
/// patient, several as its list), never only in its text, so a search of the audit trail
/// by any of them finds the entry.
pub(crate) fn about_many(event: AuditEvent, found: &[&Found], what: &str) -> AuditEvent {
    let patients: Vec<PatientId> = found
        .iter()
        .filter_map(|f| f.patient)
        .map(PatientId)
        .collect();
    let categories: Vec<_> = found.iter().filter_map(|f| f.kind.category()).collect();
    event
        .categories(&categories)
        .patients(&patients)
        .reason(what)
}

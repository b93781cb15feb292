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

/// The event about several records (a search page, a history): the patient when they all
/// belong to one, the categories of all of them, and the patients named in the reason
/// otherwise, so a privacy officer can still find every chart a search showed.
pub(crate) fn about_many(mut event: AuditEvent, found: &[&Found], what: &str) -> AuditEvent {
    let mut patients: Vec<i64> = found.iter().filter_map(|f| f.patient).collect();
    patients.sort_unstable();
    patients.dedup();
    let categories: Vec<_> = found.iter().filter_map(|f| f.kind.category()).collect();
    event = event.categories(&categories);
    match patients.as_slice() {
        [one] => event.patient(PatientId(*one)).reason(what),
        [] => event.reason(what),
        many => {
            let list: Vec<String> = many.iter().map(i64::to_string).collect();
            event.reason(&format!("{what}; patients {}", list.join(",")))
        }
    }
}

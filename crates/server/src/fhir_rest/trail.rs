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

/// A refused FHIR request's event named after what it aimed at: the record its path names
/// (`/fhir/Observation/12`: observation 12) and that record's patient, or, for a create,
/// the patient its body refers to (`subject`, `patient` or `beneficiary`), so the
/// refusal is found under the patient in the audit report like the write would have been.
pub(crate) fn aimed_at(
    tx: &mut store::Tx<'_>,
    mut event: AuditEvent,
    path: &str,
    body: Option<&serde_json::Value>,
) -> AuditEvent {
    let mut parts = path.strip_prefix("/fhir/").unwrap_or_default().split('/');
    let target = parts
        .next()
        .and_then(super::kinds::resource_type)
        .zip(parts.next())
        .and_then(|(t, id)| t.parse_id(id));
    let mut patient = None;
    if let Some((kind, id)) = target {
        event = event.record(kind.store_kind(), id);
        if let Some(category) = kind.category() {
            event = event.categories(&[category]);
        }
        patient = match kind {
            super::kinds::Kind::Patient => Some(id),
            // A record that cannot be read names no patient; the refusal still names it.
            _ => super::resource::find(tx, kind, id)
                .ok()
                .flatten()
                .and_then(|found| found.patient),
        };
    }
    if patient.is_none() {
        patient = body.and_then(referenced_patient);
    }
    match patient {
        Some(patient) => event.patient(PatientId(patient)),
        None => event,
    }
}

/// The patient a resource refers to (`Patient/7`, relative or absolute), if any.
fn referenced_patient(resource: &serde_json::Value) -> Option<i64> {
    ["subject", "patient", "beneficiary"]
        .iter()
        .find_map(|field| {
            let reference = resource.get(field)?.get("reference")?.as_str()?;
            let (_, id) = reference.rsplit_once("Patient/")?;
            id.parse().ok().filter(|id: &i64| *id > 0)
        })
}

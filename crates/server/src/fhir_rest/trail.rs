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

/// A read of one record with the record's clinical time (when it happened: observed,
/// performed, given, written) beside the entry's own, in its reason, when the two differ
/// (ASTM E2147 7.1.3: a look at a back-dated observation shows both). The reason is under
/// the entry's MAC in every layout, so no new layout is needed for it.
pub(crate) fn with_clinical_time(mut event: AuditEvent, found: &Found) -> AuditEvent {
    let Some(clinical) = clinical_time(&found.json) else {
        return event;
    };
    let same = match time::OffsetDateTime::parse(
        &clinical,
        &time::format_description::well_known::Rfc3339,
    ) {
        Ok(at) => at == event.at,
        // A date alone: the same day counts as the same.
        Err(_) => clinical == event.at.date().to_string(),
    };
    if same {
        return event;
    }
    let note = format!("clinical time {clinical}");
    event.reason = Some(match event.reason.take() {
        Some(reason) => format!("{reason}; {note}"),
        None => note,
    });
    event
}

/// The clinical time a resource states, if any.
fn clinical_time(json: &str) -> Option<String> {
    let resource: serde_json::Value = serde_json::from_str(json).ok()?;
    let text = |value: &serde_json::Value| value.as_str().map(str::to_owned);
    [
        "effectiveDateTime",
        "occurrenceDateTime",
        "performedDateTime",
        "onsetDateTime",
        "authoredOn",
        "recordedDate",
        "date",
    ]
    .iter()
    .find_map(|field| resource.get(field).and_then(text))
    .or_else(|| {
        ["effectivePeriod", "performedPeriod", "period"]
            .iter()
            .find_map(|field| resource.get(field)?.get("start").and_then(text))
    })
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

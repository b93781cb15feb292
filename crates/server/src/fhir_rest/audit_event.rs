//! The audit trail as read-only AuditEvent resources (`/fhir/AuditEvent`), for holders of
//! `read-audit`: one resource per chain entry, its id the entry's sequence number.
//!
//! Invariant: the resource is built from the stored entry alone; reading it is itself
//! audited (who looked at the trail, and for which patient).

use super::bundles::{BundleOut, EntryOut, raw};
use super::headers::fhir_response;
use super::kinds::type_of;
use super::outcome::{FhirError, OutcomeIssue};
use super::run::blocking;
use super::search::params::{date_range, reference_id};
use super::trail;
use crate::auth::Principal;
use crate::state::AppState;
use axum::http::StatusCode;
use axum::response::Response;
use privacy::{Action, AuditEntry, Outcome};
use records::PatientId;
use serde_json::{Value, json};
use store::AuditFilter;
use time::format_description::well_known::Rfc3339;

fn action_code(action: Action) -> &'static str {
    match action {
        Action::Create => "C",
        Action::Read | Action::Print => "R",
        Action::Update | Action::PermissionChange => "U",
        Action::Delete => "D",
        _ => "E",
    }
}

fn kind_reference(kind: &str, id: i64) -> Value {
    let served = super::kinds::TYPES
        .iter()
        .flat_map(|t| t.kinds.iter())
        .find(|k| k.store_kind() == kind);
    match served {
        Some(k) => json!({"reference": format!("{}/{}", type_of(*k).name, k.fhir_id(id))}),
        None => json!({"display": format!("{kind} {id}")}),
    }
}

/// The AuditEvent for one entry.
pub(crate) fn resource(entry: &AuditEntry) -> Value {
    let e = &entry.event;
    let mut entity = Vec::new();
    // One Patient entity per patient: the entry's patient, then every one it lists.
    for PatientId(patient) in e.all_patients() {
        entity.push(json!({
            "what": {"reference": format!("Patient/{patient}")},
            "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1", "display": "Person"},
            "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1", "display": "Patient"},
        }));
    }
    if let (Some(kind), Some(id)) = (&e.record_kind, e.record_id)
        && !(kind == "patient" && e.patient_id == Some(PatientId(id)))
    {
        let mut record = json!({
            "what": kind_reference(kind, id),
            "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "2", "display": "System Object"},
        });
        if !e.categories.is_empty() {
            record["description"] = json!(privacy::DataCategory::to_list(&e.categories));
        }
        entity.push(record);
    }
    // Each record written, with what was written: the history row and its digest, or the
    // values created, and the clinical time (entity.detail, R4 AuditEvent).
    let writes: Vec<store::WriteNote> = e
        .writes
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    for write in writes {
        let mut detail = vec![
            json!({"type": "action", "valueString": write.action}),
            json!({"type": "version", "valueString": write.version.to_string()}),
            json!({"type": "sha256", "valueString": write.sha256}),
        ];
        if let Some(history) = write.history {
            detail.push(json!({"type": "record_history", "valueString": history.to_string()}));
        }
        if let Some(at) = &write.clinical_at {
            detail.push(json!({"type": "clinical_at", "valueString": at}));
        }
        if let Some(new) = &write.new {
            detail.push(json!({"type": "new_values", "valueString": new.to_string()}));
        }
        entity.push(json!({
            "what": kind_reference(&write.kind, write.id),
            "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "2", "display": "System Object"},
            "detail": detail,
        }));
    }
    let mut agent = json!({
        "who": {"display": e.user},
        "altId": e.user,
        "requestor": true,
    });
    if !e.roles.is_empty() {
        agent["role"] = json!([{"text": e.roles.to_list()}]);
    }
    if let Some(source) = &e.source {
        agent["network"] = json!({"address": source, "type": "2"});
    }
    let mut resource = json!({
        "resourceType": "AuditEvent",
        "id": entry.seq.to_string(),
        "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest", "display": "RESTful Operation"},
        "subtype": [
            {"system": "urn:chartroom:audit-action", "code": e.action.as_str()},
            {"system": "urn:chartroom:audit-channel", "code": e.channel.as_str()},
        ],
        "action": action_code(e.action),
        "recorded": e.at.format(&Rfc3339).unwrap_or_default(),
        "outcome": match e.outcome {
            Outcome::Success => "0",
            Outcome::Denied => "4",
            Outcome::Failure => "8",
        },
        "agent": [agent],
        "source": {"observer": {"display": "Chartroom"}},
    });
    if let Some(reason) = &e.reason {
        resource["outcomeDesc"] = json!(reason);
    }
    if !entity.is_empty() {
        resource["entity"] = json!(entity);
    }
    resource
}

fn audit_look(
    principal: &Principal,
    state: &AppState,
    patient: Option<i64>,
    what: &str,
) -> Result<(), FhirError> {
    let mut event = trail::event(principal, state.store.clock().now(), Action::Read).reason(what);
    if let Some(patient) = patient {
        event = event.patient(PatientId(patient));
    }
    state.trail.record(&state.store, &event)?;
    Ok(())
}

/// `GET /fhir/AuditEvent/{id}`.
pub(crate) async fn read(
    state: AppState,
    principal: Principal,
    id: String,
) -> Result<Response, FhirError> {
    let seq: i64 = id
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| FhirError::not_found("AuditEvent", &id))?;
    let text = blocking(&state, move |state| {
        let entry = state
            .store
            .audit_entry(seq)?
            .ok_or_else(|| FhirError::not_found("AuditEvent", &id))?;
        audit_look(
            &principal,
            state,
            entry.event.patient_id.map(|p| p.0),
            &format!("FHIR AuditEvent {seq}"),
        )?;
        Ok(resource(&entry).to_string())
    })
    .await?;
    Ok(fhir_response(StatusCode::OK, text))
}

/// `GET /fhir/AuditEvent?patient=&date=&agent-name=&action=&_count=`: the newest
/// matching entries, newest first.
pub(crate) async fn search(
    state: AppState,
    principal: Principal,
    pairs: Vec<(String, String)>,
    strict: bool,
    base: String,
) -> Result<Response, FhirError> {
    let mut filter = AuditFilter {
        limit: Some(100),
        ..AuditFilter::default()
    };
    let mut unknown = Vec::new();
    for (name, value) in &pairs {
        if value.is_empty() {
            continue;
        }
        match name.as_str() {
            "patient" | "entity" => {
                let id = reference_id(value, "Patient").and_then(|id| id.parse().ok());
                filter.patient_id = Some(PatientId(id.ok_or_else(|| {
                    FhirError::bad_request(name, format!("\"{value}\" is not a Patient reference"))
                })?));
            }
            "agent-name" | "altid" => filter.user = Some(value.clone()),
            "action" => {
                filter.action = Some(match value.as_str() {
                    "C" => Action::Create,
                    "R" => Action::Read,
                    "U" => Action::Update,
                    "D" => Action::Delete,
                    _ => {
                        return Err(FhirError::bad_request(
                            name,
                            format!("\"{value}\" is not C, R, U or D"),
                        ));
                    }
                });
            }
            "date" => {
                let (prefix, rest) =
                    value.split_at(value.find(|c: char| c.is_ascii_digit()).unwrap_or(0));
                let (start, end) = date_range(rest).ok_or_else(|| {
                    FhirError::bad_request(name, format!("\"{value}\" is not a date"))
                })?;
                match prefix {
                    "" | "eq" => {
                        filter.since = Some(start);
                        filter.until = Some(end);
                    }
                    "ge" => filter.since = Some(start),
                    "gt" | "sa" => filter.since = Some(end),
                    "lt" | "eb" => filter.until = Some(start),
                    "le" => filter.until = Some(end),
                    _ => {
                        return Err(FhirError::bad_request(
                            name,
                            format!(
                                "the prefix \"{prefix}\" is not supported on AuditEvent dates (eq ge gt lt le sa eb)"
                            ),
                        ));
                    }
                }
            }
            "_count" => {
                let n = value.parse::<i64>().ok().filter(|n| (1..=1000).contains(n));
                filter.limit =
                    Some(n.ok_or_else(|| FhirError::bad_request(name, "must be 1 to 1000"))?);
            }
            "_format" | "_pretty" => {}
            other => unknown.push(other.to_owned()),
        }
    }
    let issues: Vec<OutcomeIssue> = unknown
        .iter()
        .map(|name| {
            OutcomeIssue::error(
                "not-supported",
                format!("AuditEvent has no search parameter {name}"),
            )
            .at(name.clone())
        })
        .collect();
    if strict && !issues.is_empty() {
        return Err(FhirError {
            status: StatusCode::BAD_REQUEST,
            issues,
        });
    }
    let text = blocking(&state, move |state| {
        let mut entries = match filter.patient_id {
            // A patient's events carry only the writes to that chart, as the API's report
            // does: a bulk entry's other charts are not the minimum necessary, and reading
            // its whole writes is megabytes per entry. The entry is rendered, not verified.
            Some(patient) => state
                .store
                .audit_entries_of_patient(patient, &filter)?
                .into_iter()
                .map(|(mut entry, writes)| {
                    entry.event.writes = writes.and_then(|w| serde_json::to_string(&w.notes).ok());
                    entry
                })
                .collect(),
            None => state.store.audit_entries(&filter)?,
        };
        entries.reverse();
        audit_look(
            &principal,
            state,
            filter.patient_id.map(|p| p.0),
            "FHIR AuditEvent search",
        )?;
        let mut bundle = BundleOut::new("searchset");
        bundle.total = None;
        bundle
            .link
            .push(json!({"relation": "self", "url": format!("{base}/AuditEvent")}));
        for entry in &entries {
            bundle.entry.push(EntryOut {
                full_url: Some(format!("{base}/AuditEvent/{}", entry.seq)),
                resource: raw(&resource(entry).to_string()),
                search: Some(json!({"mode": "match"})),
                ..EntryOut::default()
            });
        }
        if !issues.is_empty() {
            let issues: Vec<OutcomeIssue> = issues.into_iter().map(OutcomeIssue::warning).collect();
            bundle.entry.push(EntryOut {
                resource: raw(&super::outcome::outcome_json(&issues).to_string()),
                search: Some(json!({"mode": "outcome"})),
                ..EntryOut::default()
            });
        }
        Ok(bundle.to_text())
    })
    .await?;
    Ok(fhir_response(StatusCode::OK, text))
}

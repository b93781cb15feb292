//! Registering a patient: the demographics form, the patients on file who may be the same
//! person shown beside what was typed before anything is saved, and the new chart with an
//! MRN the store assigns. When the registrar cannot tell, the new chart is registered with
//! a merge request for each one ticked: a follow-up task on the new chart for the records
//! department (`review::add_task`, the "Data-collection follow-up" of `/review`), written
//! with the patient in one transaction. Who may be a duplicate is
//! `store::Tx::possible_duplicates`; what a registration must satisfy is the records
//! model's validation, as on every other channel.

use super::demographics::{error_summary, fields, parse_patient, text_of};
use super::forms::{PageForm, PageResult, check_token, html};
use super::layout::{Nav, nav, page, token_field};
use super::text::{day, name};
use crate::auth::Principal;
use crate::error::WebError;
use crate::state::AppState;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::{Action, DataCategory};
use records::{AdministrativeSex, FACILITY_MRN_AUTHORITY, Mrn, Patient, PatientId};
use serde_json::{Map, Value};
use store::{Likeness, Stored};

/// The record a registration starts from; the MRN is assigned when it is stored.
fn blank() -> Result<Patient, WebError> {
    let mrn = Mrn::parse("M00000000").map_err(WebError::internal)?;
    Ok(Patient::new(
        mrn,
        FACILITY_MRN_AUTHORITY,
        "",
        "",
        time::Date::MIN,
        AdministrativeSex::Unknown,
    ))
}

fn form(
    nav: &Nav,
    values: &Map<String, Value>,
    errors: &[(String, String)],
    candidates: &[(Stored<Patient>, Likeness)],
) -> Markup {
    html! {
        (error_summary(errors))
        @if !candidates.is_empty() {
            section #duplicates role="alert" {
                h2 { "This may be a patient already on file" }
                p { "Open their chart if it is the same person. Register a new patient only if none of these is; if you cannot tell, tick \"Ask to merge\" on the ones it may be, and the records department reviews both charts for a merge." }
                table.results.side-by-side {
                    thead { tr { th { "Name" } th { "MRN" } th { "Date of birth" } th { "Sex" } th { "Address" } th { "Why listed" } th { "Ask to merge" } } }
                    tbody {
                        tr.entered {
                            td { strong { "You entered: " (text_of(values, "given_name")) " " (text_of(values, "family_name")) } }
                            td { "(new)" }
                            td { (text_of(values, "birth_date")) }
                            td { (text_of(values, "sex")) }
                            td { (text_of(values, "line1")) " " (text_of(values, "city")) " " (text_of(values, "state")) " " (text_of(values, "postal_code")) }
                            td {}
                            td {}
                        }
                        @for (patient, likeness) in candidates {
                            @let record = &patient.record;
                            tr {
                                td { a href={ "/patients/" (patient.meta.id) } { (record.display_name()) } }
                                td { (record.mrn) }
                                td { (day(record.birth_date)) }
                                td { (name(&record.sex)) }
                                td { (record.address.line1.as_deref().unwrap_or("")) " " (record.address.city.as_deref().unwrap_or("")) " " (record.address.state.as_deref().unwrap_or("")) " " (record.address.postal_code.as_deref().unwrap_or("")) }
                                td { (likeness.label()) }
                                td { input type="checkbox" form="register" name={ "merge_" (patient.meta.id) } value="yes" aria-label={ "Ask to merge with " (record.mrn) }; }
                            }
                        }
                    }
                }
            }
        }
        form.grid #register method="post" action="/patients/new" novalidate {
            (token_field(nav))
            @if !candidates.is_empty() {
                input type="hidden" name="confirmed" value="yes";
            }
            (fields(values, errors))
            div.actions {
                button type="submit" {
                    @if candidates.is_empty() { "Register" } @else { "Register as a new patient (with the merge requests ticked)" }
                }
                a href="/patients" { "Cancel" }
            }
        }
    }
}

/// The charts the registrar asked to merge with (`merge_ID=yes` from the duplicates table).
fn merge_requests(posted: &Map<String, Value>) -> Result<Vec<i64>, WebError> {
    let mut ids = Vec::new();
    for (key, value) in posted {
        if let Some(id) = key.strip_prefix("merge_") {
            if value.as_str() != Some("yes") {
                continue;
            }
            let id = id
                .parse::<i64>()
                .map_err(|_| WebError::bad(key, format!("{key}: \"{id}\" is not a patient id")))?;
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The records department's task to review `new` and `on_file` for a merge, due in three days.
fn merge_task(
    new: &Stored<Patient>,
    on_file: &Stored<Patient>,
    by: &str,
    now: time::OffsetDateTime,
) -> review::NewTask {
    let (n, o) = (&new.record, &on_file.record);
    review::NewTask {
        patient_id: new.meta.id,
        encounter_id: None,
        kind: records::FollowUpKind::Other,
        description: format!(
            "Possible duplicate: {} (MRN {}, born {}) was registered while {} (MRN {}, born {}, chart {}) is on file; review both charts and merge them if they are one person.",
            n.display_name(),
            n.mrn,
            day(n.birth_date),
            o.display_name(),
            o.mrn,
            day(o.birth_date),
            on_file.meta.id
        ),
        obtain_from: "Health information management: patient identity review".into(),
        assignee: None,
        due_at: now + time::Duration::days(3),
        opened_by: by.to_owned(),
    }
}

/// `GET /patients/new`: the registration form.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    let nav = nav(&state, &principal);
    let body = form(&nav, &Map::new(), &[], &[]);
    Ok(html(
        StatusCode::OK,
        page("Register a patient", Some(&nav), body),
    ))
}

/// `POST /patients/new`: every problem at once; then the patients who may be the same
/// person (each an audited look), unless the registrar has seen them; then the new chart.
pub(crate) async fn register(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(posted): PageForm<Map<String, Value>>,
) -> PageResult {
    check_token(&state, &principal, &text_of(&posted, "token"))?;
    let nav = nav(&state, &principal);
    let today = state.store.clock().now().date();
    let refused = |errors: &[(String, String)], candidates: &[(Stored<Patient>, Likeness)]| {
        form(&nav, &posted, errors, candidates)
    };
    let patient = match parse_patient(&blank()?, &posted, today) {
        Ok(patient) => patient,
        Err(errors) => {
            let body = refused(&errors, &[]);
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                page("Register a patient", Some(&nav), body),
            ));
        }
    };
    if text_of(&posted, "confirmed") != "yes" {
        let looker = principal.clone();
        let (family, given, born) = (
            patient.family_name.clone(),
            patient.given_name.clone(),
            patient.birth_date,
        );
        let candidates = state
            .blocking(move |state| {
                let found = state
                    .store
                    .read(|tx| tx.possible_duplicates(&family, &given, born))?;
                let listed: Vec<i64> = found.iter().map(|(p, _)| p.meta.id).collect();
                let reason = "registration duplicate check";
                crate::patients::audit_listed(
                    state,
                    &looker,
                    &listed,
                    &[DataCategory::Demographics],
                    reason,
                )?;
                Ok(found)
            })
            .await?;
        if !candidates.is_empty() {
            let body = refused(&[], &candidates);
            return Ok(html(
                StatusCode::OK,
                page("Register a patient", Some(&nav), body),
            ));
        }
    }
    let merge_with = merge_requests(&posted)?;
    let id = state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let mut patient = patient;
                let mut records = audited.records();
                patient.mrn = records.assign_mrn()?;
                let actor = store::Actor::new(format!("user:{}", principal.username));
                let stored = records.create(&actor, &patient)?;
                let event = principal
                    .event(audited.now(), Action::Create)
                    .patient(PatientId(stored.meta.id))
                    .record("patient", stored.meta.id)
                    .categories(&[DataCategory::Demographics])
                    .reason("registration");
                audited.append(&event)?;
                let who = principal.event(audited.now(), Action::Create);
                for other in merge_with {
                    review::task_audited(audited, &who, None, |tx| {
                        let on_file = tx.get::<Patient>(other)?;
                        let now = tx.now();
                        let task = merge_task(&stored, &on_file, &principal.username, now);
                        review::add_task(tx, &actor, &task)
                    })?;
                }
                Ok(stored.meta.id)
            })?)
        })
        .await?;
    Ok(Redirect::to(&format!("/patients/{id}")).into_response())
}

//! Patients' amendment requests (HIPAA §164.526) in the browser: a patient's requests with
//! their decisions and links to the changed records, a form to record a new request, and
//! accept (naming the changed record) or deny (with the reason the patient is told).

use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::text::at_facility;
use crate::amendments::{decide_request, record_request, requests_of};
use crate::auth::Principal;
use crate::error::WebError;
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::{Action, DataCategory, Permission};
use records::PatientId;
use serde::Deserialize;

/// Requests listed on the start page.
const ON_START: i64 = 20;

/// Days a covered entity has to act on a request (45 CFR 164.526(b)(2)), before any
/// extension.
const DAYS_TO_ACT: i64 = 60;

/// The start page's pending amendment requests, oldest first, for those who decide them;
/// empty for others. Reading them is audited once per patient shown.
pub(crate) async fn start_section(
    state: &AppState,
    principal: &Principal,
) -> Result<Markup, WebError> {
    if !principal.allows(Permission::ManageAmendments) {
        return Ok(html! {});
    }
    let viewer = principal.clone();
    let pending = state
        .blocking(move |state| {
            let pending = state.store.pending_amendments(ON_START)?;
            let mut rows = Vec::with_capacity(pending.len());
            let mut seen = std::collections::HashSet::new();
            for a in pending {
                let patient = state
                    .store
                    .read(|tx| tx.get::<records::Patient>(a.patient_id))?
                    .record;
                if seen.insert(a.patient_id) {
                    let event = viewer
                        .event(state.store.clock().now(), Action::Read)
                        .patient(PatientId(a.patient_id))
                        .record("amendment_requests", a.patient_id)
                        .categories(&[DataCategory::Demographics]);
                    state.trail.record(&state.store, &event)?;
                }
                rows.push((a, patient.display_name(), patient.mrn.to_string()));
            }
            Ok(rows)
        })
        .await?;
    let now = state.store.clock().now();
    Ok(html! {
        section #amendment-work {
            h2 { "Amendment requests to decide" }
            @if pending.is_empty() {
                p { "No amendment request is waiting." }
            } @else {
                ul.work {
                    @for (a, name, mrn) in &pending {
                        @let due = a.requested_at + time::Duration::days(DAYS_TO_ACT);
                        li {
                            a href={ "/patients/" (a.patient_id) "/amendments#amendment-" (a.id) } { (name) }
                            " " small { "MRN " (mrn) } ": " (a.description)
                            " — received " (super::text::day_at(&state.config.time_zone, a.requested_at))
                            ", due " (super::text::day_at(&state.config.time_zone, due))
                            @if due < now { " " strong { "late" } }
                        }
                    }
                }
            }
        }
    })
}

const KINDS: &[&str] = &[
    "patient",
    "coverage",
    "encounter",
    "diagnosis",
    "procedure",
    "immunization",
    "observation",
    "medication",
    "allergy",
    "problem",
    "note",
];

fn listing(
    nav: &Nav,
    patient: i64,
    requests: &[store::Amendment],
    errors: &[(String, String)],
) -> Markup {
    html! {
        p { a href={ "/patients/" (patient) } { "Back to the chart" } }
        @if !errors.is_empty() { p.error role="alert" { "Nothing was saved; see the fields below." } }
        table.amendments {
            thead { tr { th { "#" } th { "Received" } th { "Recorded by" } th { "The patient asks" } th { "Status" } th { "Decision" } } }
            tbody {
                @for a in requests {
                    tr id={ "amendment-" (a.id) } {
                        td { (a.id) }
                        td { (at_facility(&nav.zone, a.requested_at)) }
                        td { (a.recorded_by) }
                        td { (a.description) }
                        td { (a.status) }
                        td {
                            @if let Some(d) = &a.decision {
                                (at_facility(&nav.zone, d.at)) " by " (d.by) ": " (d.reason)
                                @if let (Some(kind), Some(id)) = (&d.linked_kind, d.linked_id) {
                                    (if a.status == "accepted" { " (changed " } else { " (disputed " }) (kind) " " (id) ")"
                                }
                            } @else {
                                (decision_form(nav, a.id, errors))
                            }
                        }
                    }
                }
                @if requests.is_empty() { tr { td colspan="6" { "No amendment requests." } } }
            }
        }
        h2 { "Record a new request" }
        form.stack method="post" action={ "/patients/" (patient) "/amendments" } {
            (token_field(nav))
            label for="description" { "What the patient asks to change, in their words" }
            textarea #description name="description" rows="3" required {}
            (field_error(errors, "description"))
            button type="submit" { "Record request" }
        }
    }
}

fn decision_form(nav: &Nav, id: i64, errors: &[(String, String)]) -> Markup {
    html! {
        details {
            summary { "Decide" }
            form.stack method="post" action={ "/amendments/" (id) "/decision" } {
                (token_field(nav))
                label for={ "reason-" (id) } { "Reason (a denial is told to the patient; at least 10 characters)" }
                textarea id={ "reason-" (id) } name="reason" rows="2" required {}
                (field_error(errors, "reason"))
                label for={ "kind-" (id) } { "The record it is about (the changed one, or the disputed one a denial is kept with)" }
                select id={ "kind-" (id) } name="record_kind" {
                    @for kind in KINDS { option value=(kind) { (kind) } }
                }
                label for={ "record-" (id) } { "Its id" }
                input id={ "record-" (id) } name="record_id" type="number" min="1";
                (field_error(errors, "record_kind"))
                div.actions {
                    button type="submit" name="decision" value="accept" { "Accept" }
                    button.danger type="submit" name="decision" value="deny" { "Deny" }
                }
            }
        }
    }
}

async fn show(
    state: &AppState,
    principal: &Principal,
    patient: i64,
    errors: &[(String, String)],
    status: StatusCode,
) -> PageResult {
    let requests = requests_of(state, principal.clone(), patient).await?;
    let nav = nav(state, principal);
    let body = listing(&nav, patient, &requests, errors);
    Ok(html(status, page("Amendment requests", Some(&nav), body)))
}

/// `GET /patients/{id}/amendments`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    show(&state, &principal, id, &[], StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct RequestForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    description: String,
}

/// `POST /patients/{id}/amendments`: records a request.
pub(crate) async fn request(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<RequestForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    match record_request(&state, principal.clone(), id, &form.description).await {
        Ok(_) => Ok(Redirect::to(&format!("/patients/{id}/amendments")).into_response()),
        Err(WebError::BadRequest { field, reason }) => {
            show(
                &state,
                &principal,
                id,
                &[(field, reason)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(Refusal(other)),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    record_kind: String,
    #[serde(default)]
    record_id: String,
}

/// `POST /amendments/{id}/decision`: accept or deny, once.
pub(crate) async fn decide(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<DecisionForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    let accept = match form.decision.as_str() {
        "accept" => true,
        "deny" => false,
        other => {
            return Err(Refusal(WebError::bad(
                "decision",
                format!("\"{other}\" is not accept or deny"),
            )));
        }
    };
    let record_id = match form.record_id.trim() {
        "" => None,
        text => Some(text.parse::<i64>().map_err(|_| {
            Refusal(WebError::bad(
                "record_id",
                format!("\"{text}\" is not a record id"),
            ))
        })?),
    };
    let kind = Some(form.record_kind.trim().to_owned()).filter(|k| !k.is_empty());
    match decide_request(
        &state,
        principal.clone(),
        id,
        accept,
        &form.reason,
        kind,
        record_id,
    )
    .await
    {
        Ok(decided) => Ok(
            Redirect::to(&format!("/patients/{}/amendments", decided.patient_id)).into_response(),
        ),
        Err(WebError::BadRequest { field, reason }) => {
            let patient = patient_of(&state, id).await?;
            show(
                &state,
                &principal,
                patient,
                &[(field, reason)],
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(other) => Err(Refusal(other)),
    }
}

/// The patient a request belongs to (to show the list again after a refused decision).
async fn patient_of(state: &AppState, id: i64) -> Result<i64, WebError> {
    state
        .blocking(move |state| Ok(state.store.amendment(id)?.patient_id))
        .await
}

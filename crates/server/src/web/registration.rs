//! Registering a patient: the demographics form, the patients on file who may be the same
//! person shown beside what was typed before anything is saved, and the new chart with an
//! MRN the store assigns. Who may be the same person is the patient index's incremental
//! match (`mpi::candidates_for`): the patients the blocking rules and the tolerant name
//! search reach, scored with the model the last full match kept, and without a kept model
//! the name search's finds by likeness. When the registrar cannot tell, each pair ticked
//! "Ask to merge" joins the duplicate queue of `/mpi` (`mpi::request_merge`), written with
//! the new patient and its audit entries in one transaction. The JSON API
//! (`POST /api/patients`) calls the same core, so both channels check alike; what a
//! registration must satisfy is the records model's validation, as on every other channel.

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
use store::{CandidatePair, Stored};

/// The record a registration starts from; the MRN is assigned when it is stored.
pub(crate) fn blank() -> Result<Patient, WebError> {
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
    candidates: &[mpi::Match],
) -> Markup {
    html! {
        (error_summary(errors))
        @if !candidates.is_empty() {
            section #duplicates role="alert" {
                h2 { "This may be a patient already on file" }
                p { "Open their chart if it is the same person. Register a new patient only if none of these is; if you cannot tell, tick \"Ask to merge\" on the ones it may be, and the pair joins the records department's duplicate queue." }
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
                        @for candidate in candidates {
                            @let patient = &candidate.patient;
                            @let record = &patient.record;
                            tr {
                                td { a href={ "/patients/" (patient.meta.id) } { (record.display_name()) } }
                                td { (record.mrn) }
                                td { (day(record.birth_date)) }
                                td { (name(&record.sex)) }
                                td { (record.address.line1.as_deref().unwrap_or("")) " " (record.address.city.as_deref().unwrap_or("")) " " (record.address.state.as_deref().unwrap_or("")) " " (record.address.postal_code.as_deref().unwrap_or("")) }
                                td { (candidate.why()) }
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
    let refused = |errors: &[(String, String)], candidates: &[mpi::Match]| {
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
    let merge_with = merge_requests(&posted)?;
    let confirmed = text_of(&posted, "confirmed") == "yes";
    match register_patient(&state, principal, patient, confirmed, merge_with).await? {
        Registration::MayBeOnFile(candidates) => {
            let body = refused(&[], &candidates);
            Ok(html(
                StatusCode::OK,
                page("Register a patient", Some(&nav), body),
            ))
        }
        Registration::Registered { patient, .. } => {
            Ok(Redirect::to(&format!("/patients/{}", patient.meta.id)).into_response())
        }
    }
}

/// What a registration came to.
pub(crate) enum Registration {
    /// Not registered: these patients on file may be the same person (each an audited look).
    MayBeOnFile(Vec<mpi::Match>),
    /// Registered, with the pairs the registrar asked to merge queued.
    Registered {
        /// The new chart.
        patient: Box<Stored<Patient>>,
        /// The queued pairs.
        merge_requests: Vec<CandidatePair>,
    },
}

/// The registration core both channels share: unless `confirmed`, the patients who may be
/// the same person are looked for first (each listed one an audited look) and, when there
/// are any, nothing is stored; otherwise the chart is created with an assigned MRN and each
/// chart of `merge_with` queued as a pair with it, all with their audit entries in one
/// transaction.
pub(crate) async fn register_patient(
    state: &AppState,
    principal: Principal,
    patient: Patient,
    confirmed: bool,
    merge_with: Vec<i64>,
) -> Result<Registration, WebError> {
    if !confirmed {
        let looker = principal.clone();
        let typed = patient.clone();
        let candidates = state
            .blocking(move |state| {
                let found = state.store.read(|tx| {
                    let trained = mpi::model_in_force(tx)?;
                    mpi::candidates_for(
                        tx,
                        &typed,
                        None,
                        trained.as_ref(),
                        mpi::Nicknames::shared(),
                    )
                })?;
                let listed: Vec<i64> = found.iter().map(|m| m.patient.meta.id).collect();
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
            return Ok(Registration::MayBeOnFile(candidates));
        }
    }
    state
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
                let mut merge_requests = Vec::new();
                if !merge_with.is_empty() {
                    let trained = mpi::model_in_force(&mut audited.records())?;
                    for other in merge_with {
                        let pair = {
                            let mut tx = audited.records();
                            let on_file = tx.get::<Patient>(other)?;
                            mpi::request_merge(
                                &mut tx,
                                &stored,
                                &on_file,
                                trained.as_ref(),
                                mpi::Nicknames::shared(),
                            )?
                        };
                        let event = principal
                            .event(audited.now(), Action::Create)
                            .patients(&[PatientId(pair.patient_a), PatientId(pair.patient_b)])
                            .record("mpi_candidate", pair.id)
                            .categories(&[DataCategory::Demographics])
                            .reason("registration: asked to merge");
                        audited.append(&event)?;
                        merge_requests.push(pair);
                    }
                }
                Ok(Registration::Registered {
                    patient: Box::new(stored),
                    merge_requests,
                })
            })?)
        })
        .await
}

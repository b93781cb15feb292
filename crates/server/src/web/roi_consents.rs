//! A patient's consents and agreed restrictions on the web (`/patients/{id}/consents`):
//! the list (an audited look, `disclosures::consents_of`) and the form recording a new
//! one (`disclosures::add_consent`, audited), every problem beside its field.

use super::fields::{Labels, summary};
use super::forms::{PageForm, PageResult, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::roi_intake::{Posted, value};
use crate::auth::Principal;
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::Action;
use records::{
    Consent, ConsentKind, EncounterId, PatientId, RecordKind, ReleaseCategory, Validate,
};
use store::Stored;
use time::Date;

const LABELS: Labels = &[
    ("kind", "Kind"),
    ("categories", "Covers"),
    ("recipient", "Recipient"),
    ("encounter_id", "Visit"),
    ("effective_from", "From"),
    ("effective_to", "To"),
    ("note", "Note"),
];

/// A day typed in `field`: `None` when empty; one that is not a date is named there.
pub(crate) fn date(errors: &mut Vec<(String, String)>, field: &str, text: &str) -> Option<Date> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let parsed = Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok();
    if parsed.is_none() {
        errors.push((
            field.to_owned(),
            format!("\"{text}\" is not a date (YYYY-MM-DD)"),
        ));
    }
    parsed
}

fn consent_of(
    patient: i64,
    posted: &Posted,
    today: Date,
    user: &str,
) -> Result<Consent, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let kind = ConsentKind::parse(value(posted, "kind"));
    if kind.is_none() {
        errors.push((
            "kind".to_owned(),
            "choose what the consent is about".to_owned(),
        ));
    }
    let mut categories = Vec::new();
    for (_, text) in posted.iter().filter(|(n, _)| n == "categories") {
        match ReleaseCategory::parse(text) {
            Some(c) => categories.push(c),
            None => errors.push((
                "categories".to_owned(),
                format!("\"{text}\" is not a part of the chart"),
            )),
        }
    }
    let encounter = match value(posted, "encounter_id").trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(id) if id > 0 => Some(EncounterId(id)),
            _ => {
                errors.push((
                    "encounter_id".to_owned(),
                    format!("\"{text}\" is not a visit id"),
                ));
                None
            }
        },
    };
    let from = date(
        &mut errors,
        "effective_from",
        value(posted, "effective_from"),
    )
    .unwrap_or(today);
    let to = date(&mut errors, "effective_to", value(posted, "effective_to"));
    let text = |name: &str| Some(value(posted, name).trim().to_owned()).filter(|v| !v.is_empty());
    let Some(kind) = kind else {
        return Err(errors);
    };
    let consent = Consent {
        patient_id: PatientId(patient),
        kind,
        categories,
        recipient: text("recipient"),
        encounter_id: encounter,
        effective_from: from,
        effective_to: to,
        revoked_on: None,
        note: text("note"),
        recorded_by: user.to_owned(),
    };
    if let Err(problems) = consent.validate() {
        for e in problems.iter() {
            errors.push((e.path.clone(), e.message.clone()));
        }
    }
    if errors.is_empty() {
        Ok(consent)
    } else {
        Err(errors)
    }
}

fn body(
    nav: &Nav,
    patient: i64,
    consents: &[Stored<Consent>],
    posted: &Posted,
    errors: &[(String, String)],
    today: Date,
) -> Markup {
    let field = |name: &str, label: &str| {
        html! {
            label for=(name) { (label) }
            input id=(name) name=(name) value=(value(posted, name)) maxlength="500";
            (field_error(errors, name))
        }
    };
    let chosen = value(posted, "kind");
    html! {
        section #consents {
            @if consents.is_empty() {
                p { "No consents or restrictions on file." }
            } @else {
                table.results {
                    thead { tr { th { "Kind" } th { "Covers" } th { "Recipient" } th { "Visit" } th { "Dates" } th { "Status" } th { "Revoke" } } }
                    tbody { @for c in consents { @let r = &c.record; tr id={ "consent-" (c.meta.id) } {
                        td { (r.kind.label()) }
                        td { (r.categories.iter().map(|c| c.label()).collect::<Vec<_>>().join(", ")) }
                        td { (r.recipient.as_deref().unwrap_or("")) }
                        td { @if let Some(e) = r.encounter_id { (e.0) } }
                        td { (r.effective_from) @if let Some(to) = r.effective_to { " to " (to) } }
                        td { @if r.in_force(today) { "in force" } @else { "not in force" } @if let Some(on) = r.revoked_on { " (revoked " (on) ")" } }
                        td { @if r.revoked_on.is_none() {
                            form method="post" action={ "/patients/" (patient) "/consents/" (c.meta.id) "/revoke" } {
                                (token_field(nav))
                                label for={ "revoked-on-" (c.meta.id) } { "Revoked in writing on (YYYY-MM-DD; default today)" }
                                input id={ "revoked-on-" (c.meta.id) } name="revoked_on" maxlength="10";
                                button type="submit" { "Revoke" }
                            }
                        } }
                    } } }
                }
            }
        }
        (field_error(errors, "revoked_on"))
        p { a href={ "/patients/" (patient) "/disclosures" } { "Accounting of disclosures" } }
        h2 { "Record a consent or restriction" }
        (summary(LABELS, errors))
        form.grid method="post" action={ "/patients/" (patient) "/consents" } novalidate {
            (token_field(nav))
            label for="kind" { "Kind" }
            select #kind name="kind" {
                option value="" { "—" }
                @for k in ConsentKind::ALL { option value=(k.as_str()) selected[chosen == k.as_str()] { (k.label()) } }
            }
            (field_error(errors, "kind"))
            fieldset #categories {
                legend { "Covers (protected classes for a specific consent; parts for a restriction; none: all)" }
                @for c in ReleaseCategory::ALL {
                    label { input type="checkbox" name="categories" value=(c.as_str()) checked[posted.iter().any(|(n, v)| n == "categories" && v == c.as_str())]; " " (c.label()) }
                }
                (field_error(errors, "categories"))
            }
            (field("recipient", "Recipient named (or, for a restriction, the kind kept out: insurer, attorney, ...)"))
            (field("encounter_id", "Visit (encounter id) a restriction covers"))
            (field("effective_from", "In force from (YYYY-MM-DD; default today)"))
            (field("effective_to", "Until (YYYY-MM-DD)"))
            (field("note", "Note"))
            button type="submit" { "Record" }
        }
    }
}

async fn render(
    state: &AppState,
    principal: &Principal,
    patient: i64,
    posted: &Posted,
    errors: &[(String, String)],
    status: StatusCode,
) -> PageResult {
    let viewer = principal.clone();
    let (name, consents) = state
        .blocking(move |state| {
            Ok(state.trail.write(&state.store, |audited| {
                let who = viewer.event(audited.now(), Action::Read);
                let found: Stored<records::Patient> = audited.records().get(patient)?;
                let consents = disclosures::consents_of(audited, &who, PatientId(patient))?;
                Ok((found.record.display_name(), consents))
            })?)
        })
        .await?;
    let nav = nav(state, principal);
    let today = state.store.clock().now().date();
    let title = format!("Consents and restrictions: {name}");
    Ok(html(
        status,
        page(
            &title,
            Some(&nav),
            body(&nav, patient, &consents, posted, errors, today),
        ),
    ))
}

/// `GET /patients/{id}/consents`: the list and the form.
pub(crate) async fn show(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    render(&state, &principal, id, &Vec::new(), &[], StatusCode::OK).await
}

/// `POST /patients/{id}/consents`: recorded and audited, or the form again (422) with
/// every problem beside its field.
pub(crate) async fn add(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(posted): PageForm<Posted>,
) -> PageResult {
    check_token(&state, &principal, value(&posted, "token"))?;
    let id = parse_id(&id)?;
    let today = state.store.clock().now().date();
    match consent_of(id, &posted, today, &principal.username) {
        Ok(consent) => {
            let clerk = principal.clone();
            state
                .blocking(move |state| {
                    Ok(state.trail.write(&state.store, |audited| {
                        let who = clerk.event(audited.now(), Action::Create);
                        Ok(disclosures::add_consent(audited, &who, consent)?)
                    })?)
                })
                .await?;
            Ok(Redirect::to(&format!("/patients/{id}/consents")).into_response())
        }
        Err(errors) => {
            render(
                &state,
                &principal,
                id,
                &posted,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `POST /patients/{id}/consents/{consent}/revoke`: the patient's written revocation
/// recorded on the day given (default today; audited with before and after); a consent of
/// another patient is not found, a day that is not one or one revoked already comes back
/// 422 on the list.
pub(crate) async fn revoke(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((id, consent)): Path<(String, String)>,
    PageForm(posted): PageForm<Posted>,
) -> PageResult {
    check_token(&state, &principal, value(&posted, "token"))?;
    let id = parse_id(&id)?;
    let consent = parse_id(&consent)?;
    let today = state.store.clock().now().date();
    let mut errors = Vec::new();
    let on = date(&mut errors, "revoked_on", value(&posted, "revoked_on")).unwrap_or(today);
    if errors.is_empty() {
        let clerk = principal.clone();
        let done = state
            .blocking(move |state| {
                Ok(state.trail.write(&state.store, |audited| {
                    let who = clerk.event(audited.now(), Action::Update);
                    let found: Stored<Consent> = audited.records().get(consent)?;
                    if found.record.patient_id != PatientId(id) {
                        return Err(store::Error::NotFound {
                            kind: Consent::KIND,
                            id: consent,
                        });
                    }
                    match disclosures::revoke_consent(audited, &who, consent, on) {
                        Ok(_) => Ok(Ok(())),
                        Err(disclosures::Error::Refused(why)) => Ok(Err(why)),
                        Err(other) => Err(other.into()),
                    }
                })?)
            })
            .await?;
        match done {
            Ok(()) => return Ok(Redirect::to(&format!("/patients/{id}/consents")).into_response()),
            Err(why) => errors.push(("revoked_on".to_owned(), why)),
        }
    }
    render(
        &state,
        &principal,
        id,
        &Vec::new(),
        &errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

//! Patient search and the chart page, with emergency access where sections are withheld.

use super::chart_sections::{Offers, Pages, sections};
use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::text::{at_facility, day, name, plain};
use crate::auth::Principal;
use crate::error::WebError;
use crate::patients::{AllowedChart, grant_emergency_access, parse_id, read_chart, search_audited};
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::{DataCategory, Permission};
use records::Patient;
use serde::Deserialize;
use std::collections::HashMap;
use store::{PatientQuery, Stored};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SearchForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    birth_date: String,
}

fn search_form(nav: &Nav, form: &SearchForm, errors: &[(String, String)]) -> Markup {
    html! {
        form.search method="post" action="/patients" role="search" {
            (token_field(nav))
            div.field {
                label for="text" { "Name or MRN" }
                input #text name="text" value=(form.text) autocomplete="off" autofocus
                    placeholder="e.g. smith jo, or an MRN";
                (field_error(errors, "text"))
            }
            div.field {
                label for="birth_date" { "Date of birth" }
                input #birth_date name="birth_date" type="date" value=(form.birth_date);
                (field_error(errors, "birth_date"))
            }
            button type="submit" { "Search" }
        }
    }
}

/// `GET /patients`: the search form.
pub(crate) async fn search_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    let nav = nav(&state, &principal);
    let body = search_form(&nav, &SearchForm::default(), &[]);
    Ok(html(
        StatusCode::OK,
        page("Find a patient", Some(&nav), body),
    ))
}

/// `POST /patients`: matches by name parts (typos tolerated), MRN and/or birth date;
/// each patient listed is an audited look at their demographics.
pub(crate) async fn search(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(form): PageForm<SearchForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let nav = nav(&state, &principal);
    let mut errors = Vec::new();
    let birth_date = match form.birth_date.trim() {
        "" => None,
        text => match store::Value::Text(text.to_owned()).as_date() {
            Some(date) => Some(date),
            None => {
                errors.push((
                    "birth_date".to_owned(),
                    format!("\"{text}\" is not a date (YYYY-MM-DD)"),
                ));
                None
            }
        },
    };
    let text = Some(form.text.trim().to_owned()).filter(|t| !t.is_empty());
    if text.is_none() && birth_date.is_none() && errors.is_empty() {
        errors.push((
            "text".to_owned(),
            "type name parts or an MRN, or give a date of birth".to_owned(),
        ));
    }
    if !errors.is_empty() {
        let body = search_form(&nav, &form, &errors);
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            page("Find a patient", Some(&nav), body),
        ));
    }
    let query = PatientQuery {
        text,
        birth_date,
        limit: 50,
    };
    let found = search_audited(&state, principal, query).await?;
    let body = html! {
        (search_form(&nav, &form, &[]))
        h2 { (found.len()) " found" }
        @if found.is_empty() {
            p { "No patient matches. Check the spelling, or search by date of birth." }
        } @else {
            table.results {
                thead { tr { th { "Name" } th { "MRN" } th { "Date of birth" } th { "Sex" } } }
                tbody {
                    @for patient in &found {
                        tr {
                            td { a href={ "/patients/" (patient.meta.id) } { (patient.record.display_name()) } }
                            td { (patient.record.mrn) }
                            td { (day(patient.record.birth_date)) }
                            td { (name(&patient.record.sex)) }
                        }
                    }
                }
            }
        }
    };
    Ok(html(
        StatusCode::OK,
        page("Find a patient", Some(&nav), body),
    ))
}

/// `GET /patients/{id}`: the sections the user may read; an audited look.
pub(crate) async fn chart(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> PageResult {
    let id = parse_id(&id)?;
    let pages = Pages::from_query(query.as_deref());
    chart_page(&state, principal, id, Some(pages)).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct PrintForm {
    #[serde(default)]
    token: String,
}

/// `POST /patients/{id}/print`: the chart as the print copy, audited as a print of the
/// categories on it; the page opens the browser's print dialog.
pub(crate) async fn print(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<PrintForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    chart_page(&state, principal, id, None).await
}

/// The chart page; `pages` are the pages of the paged sections shown (newest first), or
/// `None` for the print copy, which shows everything.
async fn chart_page(
    state: &AppState,
    principal: Principal,
    id: i64,
    pages: Option<Pages>,
) -> PageResult {
    let print = pages.is_none();
    let nav = nav(state, &principal);
    let viewer = principal.clone();
    let (chart, history, payer_names, people) = state
        .blocking(move |state| {
            let chart = read_chart(state, &viewer, id)?;
            if print {
                let event = viewer
                    .event(state.store.clock().now(), privacy::Action::Print)
                    .patient(records::PatientId(id))
                    .record("patient", id)
                    .categories(&chart.shown)
                    .reason("chart printed");
                state.trail.record(&state.store, &event)?;
            }
            // The people behind `user:NAME` in the history, by the name they go by.
            let people: HashMap<String, String> = state
                .store
                .security(|s| s.users())?
                .into_iter()
                .filter(|user| !user.display_name.trim().is_empty())
                .map(|user| (format!("user:{}", user.username), user.display_name))
                .collect();
            let (history, payer_names) = state.store.read(|tx| {
                let history = tx.patient_history(id, 200)?;
                let mut payer_names = HashMap::new();
                for coverage in &chart.summary.coverages {
                    let payer = coverage.record.payer_id.0;
                    if let std::collections::hash_map::Entry::Vacant(slot) =
                        payer_names.entry(payer)
                    {
                        slot.insert(tx.get::<records::Payer>(payer)?.record.name);
                    }
                }
                Ok((history, payer_names))
            })?;
            Ok((chart, history, payer_names, people))
        })
        .await?;
    let history: Vec<_> = history
        .into_iter()
        .filter(|entry| crate::patients::category_of(&entry.kind).is_some_and(|c| chart.shows(c)))
        .collect();
    let deficiencies = if print {
        html! {}
    } else {
        super::review::chart_section(state, &principal, id).await?
    };
    let scanned = super::documents::chart_section(state, &principal, id).await?;
    let patient = &chart.summary.patient;
    let title = patient.record.display_name();
    let zone = &state.config.time_zone;
    // Check-in and close forms for those who record encounters, never on the print copy.
    let visit_token = (!print && principal.allows(Permission::WriteEncounters))
        .then(|| super::forms::token(state, &principal));
    let remove_token = (!print && principal.allows(Permission::WriteCodes))
        .then(|| super::forms::token(state, &principal));
    let insurance_token = (!print && principal.allows(Permission::WriteInsurance))
        .then(|| super::forms::token(state, &principal));
    let body = html! {
        @if print {
            p.print-note { "Printed " (at_facility(zone, state.store.clock().now())) " by " (principal.username) ". Confidential: patient information." }
            div #print-now hidden {}
        }
        (banner(zone, patient, &chart, &principal, &super::forms::token(state, &principal)))
        @if !chart.withheld.is_empty() {
            (withheld(&nav, &chart, state.config.emergency_staff.allows(&principal.username, &principal.roles)))
        }
        (deficiencies)
        (toc(&chart))
        (sections(&chart, &Offers {
            can_code: principal.allows(Permission::WriteCodes),
            visit_token: visit_token.as_deref(),
            remove_token: remove_token.as_deref(),
            can_write_notes: !print && principal.allows(Permission::WriteNotes),
            can_write_clinical: !print && principal.allows(Permission::WriteClinical),
            insurance_token: insurance_token.as_deref(),
            today: state.store.clock().now().date(),
            zone,
            pages,
        }, &payer_names))
        (scanned)
        @if !chart.amendments.is_empty() {
            (amendments(zone, &chart.amendments))
        }
        @if !history.is_empty() {
            (super::chart_sections::part("history", "Change history", history.len(), print || history.len() <= 15, html! {}, html! {
                table {
                    thead { tr { th { "When" } th { "Who" } th { "Record" } th { "Action" } th { "Changes" } } }
                    tbody {
                        @for entry in &history {
                            tr {
                                td { (at_facility(zone, entry.changed_at)) }
                                td { (people.get(entry.changed_by.as_str()).map_or(entry.changed_by.as_str(), String::as_str)) }
                                td { (entry.kind) " " (entry.record_id) " v" (entry.version) }
                                td { (entry.action) @if let Some(reason) = &entry.reason { " (" (reason) ")" } }
                                td {
                                    @for change in &entry.changes {
                                        div { code { (change.field) } ": " (plain(&change.old)) " → " (plain(&change.new)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }))
        }
    };
    Ok(html(StatusCode::OK, page(&title, Some(&nav), body)))
}

/// The patient's decided amendment requests, each with the record it is about (the one
/// changed, or the one a denial is kept with), for every reader of that record's
/// category (45 CFR 164.526(c)(1), (d)(4)).
fn amendments(zone: &crate::zone::FacilityZone, amendments: &[store::Amendment]) -> Markup {
    html! {
        (super::chart_sections::part("amendments", "Amendments", amendments.len(), true, html! {}, html! {
            table.amendments {
                thead { tr { th { "Record" } th { "Decision" } th { "The patient asked" } th { "Reason" } th { "Decided" } } }
                tbody {
                    @for a in amendments {
                        @if let Some(d) = &a.decision {
                            tr id={ "amendment-" (a.id) } {
                                td {
                                    @match (&d.linked_kind, d.linked_id) {
                                        (Some(kind), Some(id)) if kind == "encounter" => { a href={ "#encounter-" (id) } { (kind) " " (id) } }
                                        (Some(kind), Some(id)) => { (kind) " " (id) }
                                        _ => { "the chart" }
                                    }
                                }
                                td { (if a.status == "accepted" { "Accepted: record amended" } else { "Denied: disputed" }) }
                                td { (a.description) }
                                td { (d.reason) }
                                td { (at_facility(zone, d.at)) " by " (d.by) }
                            }
                        }
                    }
                }
            }
        }))
    }
}

/// The chart's sections the user may read, as links to their anchors.
fn toc(chart: &AllowedChart) -> Markup {
    const SECTIONS: &[(DataCategory, &str, &str)] = &[
        (DataCategory::Insurance, "insurance", "Insurance"),
        (DataCategory::Encounters, "encounters", "Encounters"),
        (DataCategory::Diagnoses, "diagnoses", "Diagnoses"),
        (DataCategory::Procedures, "procedures", "Procedures"),
        (
            DataCategory::Immunizations,
            "immunizations",
            "Immunizations",
        ),
        (DataCategory::Results, "observations", "Results"),
        (DataCategory::Medications, "medications", "Medications"),
        (DataCategory::Allergies, "allergies", "Allergies"),
        (DataCategory::Problems, "problems", "Problems"),
        (DataCategory::Notes, "notes", "Notes"),
        (DataCategory::Billing, "billing", "Charges"),
    ];
    html! {
        nav.toc aria-label="Sections of the chart" {
            @for (category, anchor, label) in SECTIONS {
                @if chart.shows(*category) { a href={ "#" (anchor) } { (label) } }
            }
            a href="#history" { "Change history" }
        }
    }
}

fn banner(
    zone: &crate::zone::FacilityZone,
    patient: &Stored<Patient>,
    chart: &AllowedChart,
    principal: &Principal,
    token: &str,
) -> Markup {
    let p = &patient.record;
    let address: Vec<&str> = [
        p.address.line1.as_deref(),
        p.address.city.as_deref(),
        p.address.state.as_deref(),
        p.address.postal_code.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    html! {
        @if let Some(until) = chart.emergency_until {
            p.emergency role="status" { "Emergency access until " (at_facility(zone, until)) ": this look is marked in the audit trail for review. After that, the sections your roles do not open are withheld again." }
        }
        dl.banner {
            dt { "MRN" } dd { (p.mrn) }
            dt { "Born" } dd { (day(p.birth_date)) }
            dt { "Sex" } dd { (name(&p.sex)) }
            @if let Some(died) = p.deceased_date { dt { "Died" } dd { (day(died)) } }
            @if !address.is_empty() { dt { "Address" } dd { (address.join(", ")) } }
            @if let Some(phone) = &p.phone { dt { "Phone" } dd { (phone) } }
            dt { "Version" } dd { (patient.meta.version) }
        }
        p.actions {
            @if principal.allows(Permission::WriteDemographics) {
                a.button href={ "/patients/" (patient.meta.id) "/edit" } { "Edit demographics" } " "
            }
            @if principal.allows(Permission::ManageAmendments) {
                a.button href={ "/patients/" (patient.meta.id) "/amendments" } { "Amendment requests" } " "
            }
            @if principal.allows(Permission::ReleaseInformation) {
                a.button #consents-link href={ "/patients/" (patient.meta.id) "/consents" } { "Consents and restrictions" } " "
                a.button #accounting-link href={ "/patients/" (patient.meta.id) "/disclosures" } { "Accounting of disclosures" } " "
            }
        }
        form.inline method="post" action={ "/patients/" (patient.meta.id) "/print" } {
            input type="hidden" name="token" value=(token);
            button type="submit" { "Print" }
        }
    }
}

/// The withheld sections, and the break-the-glass form for those the facility names
/// (`may_break_glass`).
fn withheld(nav: &Nav, chart: &AllowedChart, may_break_glass: bool) -> Markup {
    let names: Vec<&str> = chart.withheld.iter().map(|c| c.as_str()).collect();
    html! {
        section.withheld aria-labelledby="withheld-title" {
            h2 #withheld-title { "Not shown to your roles" }
            p { (names.join(", ")) }
            @if may_break_glass {
                form.stack method="post" action={ "/patients/" (chart.summary.patient.meta.id) "/break-glass" } {
                    (token_field(nav))
                    label for="reason" { "Emergency access: why do you need this chart now?" }
                    textarea #reason name="reason" rows="2" required minlength="10" {}
                    label for="minutes" { "For how many minutes" }
                    input #minutes name="minutes" type="number" min="1" max="480" value="60";
                    button.danger type="submit" { "Break the glass" }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct BreakGlassForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    minutes: String,
}

/// `POST /patients/{id}/break-glass`: time-limited access for a stated reason, then the chart.
pub(crate) async fn break_glass(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<BreakGlassForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    let minutes = match form.minutes.trim() {
        "" => None,
        text => Some(text.parse::<i64>().map_err(|_| {
            Refusal(WebError::bad(
                "minutes",
                format!("\"{text}\" is not a number of minutes"),
            ))
        })?),
    };
    grant_emergency_access(&state, principal, id, form.reason, minutes).await?;
    Ok(Redirect::to(&format!("/patients/{id}")).into_response())
}

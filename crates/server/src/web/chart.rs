//! Patient search and the chart page, with emergency access where sections are withheld.

use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::text::{at_facility, day, money, name, plain, words};
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
use records::{ObservationValue, Patient};
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
    let page = super::forms::id_in_query(query.as_deref(), "encounters_page").unwrap_or(1);
    chart_page(&state, principal, id, Some(page)).await
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

/// Encounters listed on one page of the chart (the print copy lists them all).
const ENCOUNTERS_PER_PAGE: usize = 20;

/// The chart page; `encounter_page` is the page of encounters shown (newest first), or
/// `None` for the print copy, which shows everything.
async fn chart_page(
    state: &AppState,
    principal: Principal,
    id: i64,
    encounter_page: Option<i64>,
) -> PageResult {
    let print = encounter_page.is_none();
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
        .filter(|entry| category_of(&entry.kind).is_some_and(|c| chart.shows(c)))
        .collect();
    let deficiencies = if print {
        html! {}
    } else {
        super::review::chart_section(state, &principal, id).await?
    };
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
        (banner(patient, &chart, &principal, &super::forms::token(state, &principal)))
        @if !chart.withheld.is_empty() {
            (withheld(&nav, &chart, &principal))
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
            encounter_page,
        }, &payer_names))
        @if !history.is_empty() {
            section #history {
                h2 { "Change history" }
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
            }
        }
    };
    Ok(html(StatusCode::OK, page(&title, Some(&nav), body)))
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

/// The data category a stored kind belongs to.
fn category_of(kind: &str) -> Option<DataCategory> {
    Some(match kind {
        "patient" => DataCategory::Demographics,
        "coverage" => DataCategory::Insurance,
        "encounter" => DataCategory::Encounters,
        "diagnosis" => DataCategory::Diagnoses,
        "procedure" => DataCategory::Procedures,
        "immunization" => DataCategory::Immunizations,
        "observation" => DataCategory::Results,
        "medication" => DataCategory::Medications,
        "allergy" => DataCategory::Allergies,
        "problem" => DataCategory::Problems,
        "note" => DataCategory::Notes,
        "charge" | "posting" => DataCategory::Billing,
        _ => return None,
    })
}

fn banner(
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
        @if chart.emergency {
            p.emergency role="status" { "Emergency access: this look is marked in the audit trail for review." }
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
        }
        form.inline method="post" action={ "/patients/" (patient.meta.id) "/print" } {
            input type="hidden" name="token" value=(token);
            button type="submit" { "Print" }
        }
    }
}

fn withheld(nav: &Nav, chart: &AllowedChart, principal: &Principal) -> Markup {
    let names: Vec<&str> = chart.withheld.iter().map(|c| c.as_str()).collect();
    html! {
        section.withheld aria-labelledby="withheld-title" {
            h2 #withheld-title { "Not shown to your roles" }
            p { (names.join(", ")) }
            @if principal.allows(Permission::BreakGlass) {
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

fn empty_row(columns: usize) -> Markup {
    html! { tr { td colspan=(columns) { "None recorded." } } }
}

/// What the chart offers its reader to do, by their roles (nothing on the print copy).
struct Offers<'a> {
    can_code: bool,
    visit_token: Option<&'a str>,
    remove_token: Option<&'a str>,
    can_write_notes: bool,
    can_write_clinical: bool,
    insurance_token: Option<&'a str>,
    today: time::Date,
    zone: &'a crate::zone::FacilityZone,
    encounter_page: Option<i64>,
}

fn sections(
    chart: &AllowedChart,
    offers: &Offers<'_>,
    payer_names: &HashMap<i64, String>,
) -> Markup {
    let Offers {
        can_code,
        visit_token,
        remove_token,
        can_write_notes,
        can_write_clinical,
        insurance_token,
        today,
        zone,
        encounter_page,
    } = *offers;
    let n_encounters = chart.summary.encounters.len();
    let n_pages = n_encounters.div_ceil(ENCOUNTERS_PER_PAGE).max(1);
    let (shown_page, per_page) = match encounter_page {
        Some(page) => (
            usize::try_from(page).unwrap_or(1).clamp(1, n_pages),
            ENCOUNTERS_PER_PAGE,
        ),
        None => (1, n_encounters.max(1)),
    };
    let c = &chart.summary;
    let add = |section: &str, words: &str| {
        html! { @if can_write_clinical { p { a.button href={ "/patients/" (c.patient.meta.id) "/clinical/" (section) "/new" } { (words) } } } }
    };
    let encounter_day = |id: Option<i64>| {
        id.and_then(|id| c.encounters.iter().find(|e| e.meta.id == id))
            .map(|e| day(e.record.admit_at.date()))
            .unwrap_or_default()
    };
    html! {
        @if chart.shows(DataCategory::Insurance) {
            section #insurance { h2 { "Insurance" }
                @if insurance_token.is_some() { p { a.button href={ "/patients/" (c.patient.meta.id) "/coverages/new" } { "Add coverage" } } }
                table { thead { tr { th { "Order" } th { "Plan" } th { "Member id" } th { "Relationship" } th { "From" } th { "To" } } }
                    tbody {
                        @for cov in &c.coverages { tr {
                            td { (words(&cov.record.coverage_order)) }
                            td { (payer_names.get(&cov.record.payer_id.0).map_or("", String::as_str)) @if let Some(plan) = &cov.record.plan_name { " · " (plan) } }
                            td { (cov.record.member_id) }
                            td { (words(&cov.record.relationship)) }
                            td { (day(cov.record.effective_start)) }
                            td { (cov.record.effective_end.map(day).unwrap_or_default())
                                @if let (Some(token), None) = (insurance_token, cov.record.effective_end) { (super::coverage_form::end_form(token, cov, today)) } }
                        } }
                        @if c.coverages.is_empty() { (empty_row(6)) }
                    }
                }
            }
        }
        @if chart.shows(DataCategory::Encounters) {
            section #encounters { h2 { "Encounters" }
                @if visit_token.is_some() { p {
                    a.button href={ "/patients/" (c.patient.meta.id) "/check-in" } { "Check in" } " "
                    a.button href={ "/patients/" (c.patient.meta.id) "/encounters/new" } { "New encounter" } } }
                table { thead { tr { th { "Admitted" } th { "Discharged" } th { "Class" } th { "Service" } th { "Status" } th { "Reason" } } }
                    tbody {
                        @for e in c.encounters.iter().rev().skip((shown_page - 1) * per_page).take(per_page) { tr {
                            td { (at_facility(zone, e.record.admit_at)) }
                            td { @if let Some(at) = e.record.discharge_at { (at_facility(zone, at)) } }
                            td { (words(&e.record.class)) }
                            td { (e.record.service.as_deref().unwrap_or("")) }
                            td { (words(&e.record.status))
                                @if let (Some(token), records::EncounterStatus::InProgress) = (visit_token, e.record.status) {
                                    (super::encounters::close_form(token, e))
                                } }
                            td { (e.record.reason.as_deref().unwrap_or(""))
                                @if visit_token.is_some() { " " a href={ "/encounters/" (e.meta.id) "/edit" } { "Change" } } }
                        } }
                        @if c.encounters.is_empty() { (empty_row(6)) }
                    }
                }
                @if encounter_page.is_some() && n_pages > 1 {
                    nav.pages aria-label="Encounter pages" {
                        @if shown_page > 1 { a href={ "?encounters_page=" (shown_page - 1) "#encounters" } rel="prev" { "Newer" } " " }
                        "Page " (shown_page) " of " (n_pages) " (" (n_encounters) " encounters)"
                        @if shown_page < n_pages { " " a href={ "?encounters_page=" (shown_page + 1) "#encounters" } rel="next" { "Older" } }
                    }
                }
            }
        }
        @if chart.shows(DataCategory::Diagnoses) {
            section #diagnoses { h2 { "Diagnoses" }
                @if can_code { p { a.button href={ "/patients/" (c.patient.meta.id) "/diagnoses/new" } { "Code a diagnosis" } } }
                table { thead { tr { th { "Encounter" } th { "Code (ICD-10-CM)" } th { "Description" } th { "Rank" } th { "POA" } } }
                    tbody {
                        @for d in c.diagnoses.iter().rev() { tr {
                            td { (encounter_day(Some(d.record.encounter_id.0))) }
                            td { code { (d.record.code) } }
                            td { (d.record.description.as_deref().unwrap_or("")) }
                            td { (words(&d.record.rank)) }
                            td { (d.record.poa.as_ref().map(words).unwrap_or_default())
                                @if let Some(token) = remove_token { (super::removal::remove_form(token, "diagnoses", d.meta.id, d.meta.version)) } }
                        } }
                        @if c.diagnoses.is_empty() { (empty_row(5)) }
                    }
                }
            }
        }
        @if chart.shows(DataCategory::Procedures) {
            section #procedures { h2 { "Procedures" }
                @if can_code { p { a.button href={ "/patients/" (c.patient.meta.id) "/procedures/new" } { "Code a procedure" } } }
                table { thead { tr { th { "Performed" } th { "System" } th { "Code" } th { "Description" } } }
                    tbody {
                        @for p in c.procedures.iter().rev() { tr {
                            td { (at_facility(zone, p.record.performed_at)) }
                            td { (words(&p.record.code_system)) }
                            td { code { (p.record.code) } }
                            td { (p.record.description.as_deref().unwrap_or(""))
                                @if let Some(token) = remove_token { (super::removal::remove_form(token, "procedures", p.meta.id, p.meta.version)) } }
                        } }
                        @if c.procedures.is_empty() { (empty_row(4)) }
                    }
                }
            }
        }
        @if chart.shows(DataCategory::Immunizations) {
            section #immunizations { h2 { "Immunizations" }
                table { thead { tr { th { "Given" } th { "CVX" } th { "Vaccine" } th { "Status" } th { "Lot" } } }
                    tbody {
                        @for i in c.immunizations.iter().rev() { tr {
                            td { (at_facility(zone, i.record.administered_at)) }
                            td { code { (i.record.cvx) } }
                            td { (i.record.description.as_deref().unwrap_or("")) }
                            td { (words(&i.record.status)) }
                            td { (i.record.lot_number.as_deref().unwrap_or("")) }
                        } }
                        @if c.immunizations.is_empty() { (empty_row(5)) }
                    }
                }
            }
        }
        @if chart.shows(DataCategory::Results) {
            section #observations { h2 { "Results and observations" }
                (add("observations", "Add an observation"))
                table { thead { tr { th { "When" } th { "LOINC" } th { "Test" } th { "Value" } } }
                    tbody {
                        @for o in c.observations.iter().rev().take(100) { tr {
                            td { (at_facility(zone, o.record.effective_at)) }
                            td { code { (o.record.code) } }
                            td { (o.record.description.as_deref().unwrap_or("")) }
                            td { (observation_value(&o.record.value)) }
                        } }
                        @if c.observations.is_empty() { (empty_row(4)) }
                    }
                }
                @if c.observations.len() > 100 { p.note { "The latest 100 of " (c.observations.len()) " are shown." } }
            }
        }
        @if chart.shows(DataCategory::Medications) {
            section #medications { h2 { "Medications" }
                (add("medications", "Add a medication"))
                table { thead { tr { th { "Started" } th { "Medication" } th { "Status" } th { "Dosage" } } }
                    tbody {
                        @for m in c.medications.iter().rev() { tr {
                            td { (at_facility(zone, m.record.start_at)) }
                            td { (m.record.description) " " code { (m.record.code) } }
                            td { (words(&m.record.status)) }
                            td { (m.record.dosage.as_deref().unwrap_or("")) }
                        } }
                        @if c.medications.is_empty() { (empty_row(4)) }
                    }
                }
            }
        }
        @if chart.shows(DataCategory::Allergies) {
            section #allergies { h2 { "Allergies" }
                (add("allergies", "Add an allergy"))
                table { thead { tr { th { "Substance" } th { "Category" } th { "Reaction" } th { "Status" } } }
                    tbody {
                        @for a in &c.allergies { tr {
                            td { (a.record.substance) }
                            td { (words(&a.record.category)) }
                            td { (a.record.reaction.as_deref().unwrap_or("")) }
                            td { (words(&a.record.status)) }
                        } }
                        @if c.allergies.is_empty() { (empty_row(4)) }
                    }
                }
            }
        }
        @if chart.shows(DataCategory::Problems) {
            section #problems { h2 { "Problem list" }
                (add("problems", "Add a problem"))
                table { thead { tr { th { "Code" } th { "Problem" } th { "Status" } } }
                    tbody {
                        @for p in &c.problems { tr {
                            td { code { (p.record.code) } }
                            td { (p.record.description) }
                            td { (words(&p.record.status)) }
                        } }
                        @if c.problems.is_empty() { (empty_row(3)) }
                    }
                }
            }
        }
        @if chart.shows(DataCategory::Notes) {
            section #notes { h2 { "Clinical notes" }
                @if can_write_notes { p { a.button href={ "/patients/" (c.patient.meta.id) "/notes/new" } { "Write a note" } } }
                @for n in c.notes.iter().rev() {
                    article.note {
                        header {
                            strong { (n.record.note_type.label()) } " · " (at_facility(zone, n.record.authored_at))
                            @if let Some(encounter) = n.record.encounter_id { " · encounter of " (encounter_day(Some(encounter.0))) }
                            @match n.record.signed_at {
                                Some(at) => { " · signed " (at_facility(zone, at)) }
                                None => { " · " span.flag { "UNSIGNED" } }
                            }
                        }
                        p.note-text { (n.record.text) }
                    }
                }
                @if c.notes.is_empty() { p { "None recorded." } }
            }
        }
        @if chart.shows(DataCategory::Billing) {
            section #billing { h2 { "Charges and balance" }
                p { a.button href={ "/patients/" (c.patient.meta.id) "/ledger" } { "Ledger and postings" } }
                p { "Charges " (money(c.balance.charges_cents)) ", payments " (money(c.balance.payments_cents))
                    ", adjustments " (money(c.balance.adjustments_cents)) "; " strong { "balance " (money(c.balance.balance_cents)) } }
                table { thead { tr { th { "Service date" } th { "Code" } th { "Description" } th { "Amount" } } }
                    tbody {
                        @for ch in c.charges.iter().rev() { tr {
                            td { (day(ch.record.service_date)) }
                            td { code { (ch.record.code.as_deref().unwrap_or("")) } }
                            td { (ch.record.description) }
                            td.num { (money(ch.record.amount_cents)) }
                        } }
                        @if c.charges.is_empty() { (empty_row(4)) }
                    }
                }
            }
        }
    }
}

fn observation_value(value: &ObservationValue) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(map)) => {
            if let Some(number) = map.get("value_number") {
                let unit = map.get("value_unit").and_then(|u| u.as_str()).unwrap_or("");
                format!("{number} {unit}").trim().to_owned()
            } else if let Some(code) = map.get("value_code").and_then(|c| c.as_str()) {
                map.get("value_display")
                    .and_then(|d| d.as_str())
                    .unwrap_or(code)
                    .to_owned()
            } else {
                map.values()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        }
        _ => String::new(),
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

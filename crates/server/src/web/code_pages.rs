//! The code-set pages: search any shipped code set as of a date of service, and a code's
//! page (hierarchy, children, instructional notes with where they come from, 7th
//! characters, release history). Reference data: any signed-in user.

use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use crate::auth::Principal;
use crate::error::WebError;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use codes::System;
use maud::{Markup, html};
use serde::Deserialize;
use time::Date;

const SYSTEMS: &[(&str, &str)] = &[
    ("icd10cm", "ICD-10-CM (diagnoses)"),
    ("icd10pcs", "ICD-10-PCS (inpatient procedures)"),
    ("hcpcs", "HCPCS Level II"),
    ("cvx", "CVX (vaccines)"),
    ("cpt", "CPT (when a licensed file is loaded)"),
];

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CodeSearchForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    system: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    date: String,
}

fn search_form(nav: &Nav, form: &CodeSearchForm, errors: &[(String, String)]) -> Markup {
    html! {
        form.search method="post" action="/codes" role="search" {
            (token_field(nav))
            div.field {
                label for="system" { "Code set" }
                select #system name="system" {
                    @for (value, label) in SYSTEMS {
                        option value=(value) selected[form.system == *value] { (label) }
                    }
                }
                (field_error(errors, "system"))
            }
            div.field {
                label for="q" { "Code or words" }
                input #q name="q" value=(form.q) autofocus autocomplete="off" placeholder="e.g. E11.9, diab mell neph";
                (field_error(errors, "q"))
            }
            div.field {
                label for="date" { "Date of service" }
                input #date name="date" type="date" value=(form.date);
                (field_error(errors, "date"))
            }
            button type="submit" { "Search" }
        }
        p { a href="/codes/encode" { "Encode a diagnostic statement" } " (the Alphabetic Index and Tabular List walked for you, every step explained)" }
    }
}

fn parse_system(text: &str) -> Result<System, (String, String)> {
    text.parse::<System>().map_err(|_| {
        (
            "system".to_owned(),
            format!("\"{text}\" is not a code set (icd10cm, icd10pcs, hcpcs, cvx, cpt)"),
        )
    })
}

fn parse_date(state: &AppState, text: &str) -> Result<Date, (String, String)> {
    match text.trim() {
        "" => Ok(state.store.clock().now().date()),
        text => codes::parse_date(text).ok_or_else(|| {
            (
                "date".to_owned(),
                format!("\"{text}\" is not a date (YYYY-MM-DD)"),
            )
        }),
    }
}

/// `GET /codes`: the search form.
pub(crate) async fn search_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    let nav = nav(&state, &principal);
    let form = CodeSearchForm {
        system: "icd10cm".into(),
        ..CodeSearchForm::default()
    };
    Ok(html(
        StatusCode::OK,
        page("Code sets", Some(&nav), search_form(&nav, &form, &[])),
    ))
}

/// `POST /codes`: ranked hits in the release in force on the date of service.
pub(crate) async fn search(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PageForm(form): PageForm<CodeSearchForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let nav = nav(&state, &principal);
    let mut errors = Vec::new();
    let system = parse_system(&form.system).map_err(|e| errors.push(e)).ok();
    let dos = parse_date(&state, &form.date)
        .map_err(|e| errors.push(e))
        .ok();
    if form.q.trim().is_empty() {
        errors.push(("q".to_owned(), "type a code or some words".to_owned()));
    }
    let (Some(system), Some(dos), true) = (system, dos, errors.is_empty()) else {
        let body = search_form(&nav, &form, &errors);
        return Ok(html(
            StatusCode::UNPROCESSABLE_ENTITY,
            page("Code sets", Some(&nav), body),
        ));
    };
    let q = form.q.clone();
    let hits = state
        .blocking(move |state| {
            state
                .codes
                .search(system, &q, dos, 50)
                .map_err(|e| WebError::bad("q", e.to_string()))
        })
        .await;
    let hits = match hits {
        Ok(hits) => hits,
        Err(WebError::BadRequest { field, reason }) => {
            let body = search_form(&nav, &form, &[(field, reason)]);
            return Ok(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                page("Code sets", Some(&nav), body),
            ));
        }
        Err(other) => return Err(Refusal(other)),
    };
    let body = html! {
        (search_form(&nav, &form, &[]))
        h2 { (hits.len()) " codes, as of " (dos) }
        table.results {
            thead { tr { th { "Code" } th { "Title" } th { "Billable" } th { "Matched" } } }
            tbody {
                @for hit in &hits {
                    tr {
                        td { a href={ "/codes/" (system) "/" (hit.code) "?date=" (dos) } { code { (hit.code) } } }
                        td { (hit.title) }
                        td { @if hit.billable { "yes" } @else { "no (pick a child)" } }
                        td { (hit.matched.as_deref().unwrap_or("")) }
                    }
                }
                @if hits.is_empty() { tr { td colspan="4" { "Nothing matches." } } }
            }
        }
    };
    Ok(html(StatusCode::OK, page("Code sets", Some(&nav), body)))
}

/// `GET /codes/{system}/{code}?date=`: the code's page.
pub(crate) async fn show(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path((system_text, code)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let bad = |(field, reason): (String, String)| Refusal(WebError::BadRequest { field, reason });
    let system = parse_system(&system_text).map_err(bad)?;
    let date_text = query
        .as_deref()
        .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("date=")))
        .unwrap_or_default()
        .to_owned();
    let dos = parse_date(&state, &date_text).map_err(bad)?;
    let detail = state
        .blocking(move |state| {
            state.codes.show(system, &code, dos).map_err(|e| match e {
                codes::Error::UnknownCode { .. } => WebError::NotFound(e.to_string()),
                other => WebError::bad("code", other.to_string()),
            })
        })
        .await?;
    let nav = nav(&state, &principal);
    let link = |code: &str| format!("/codes/{system}/{code}?date={dos}");
    let title = format!("{} {}", detail.code, detail.title);
    let body = html! {
        nav.breadcrumbs aria-label="Hierarchy" {
            @for step in &detail.hierarchy {
                a href=(link(&step.code)) { (step.code) } " " (step.title) " › "
            }
        }
        dl.banner {
            dt { "Code set" } dd { (system) }
            dt { "Release" } dd { (detail.release) }
            dt { "Billable" } dd { @if detail.billable { "yes" } @else { "no: report a more specific code" } }
            @if let Some(short) = &detail.short { dt { "Short title" } dd { (short) } }
            @for (fact, value) in &detail.facts { dt { (fact) } dd { (value) } }
        }
        @if !detail.notes.is_empty() {
            section #notes {
                h2 { "Instructional notes" }
                ul.notes {
                    @for note in &detail.notes {
                        li {
                            strong { (super::text::name(&note.note.kind)) } ": " (note.note.text)
                            @if note.from != detail.code { " " span.muted { "(from " a href=(link(&note.from)) { (note.from) } ")" } }
                        }
                    }
                }
            }
        }
        @if !detail.seventh_characters.is_empty() {
            section {
                h2 { "7th characters" }
                ul { @for (character, meaning) in &detail.seventh_characters { li { code { (character) } " " (meaning) } } }
            }
        }
        @if !detail.children.is_empty() {
            section {
                h2 { "More specific codes" }
                ul { @for child in &detail.children { li { a href=(link(&child.code)) { code { (child.code) } } " " (child.title) } } }
            }
        }
        @if !detail.history.is_empty() {
            section {
                h2 { "Releases" }
                ul { @for (release, present) in &detail.history { li { (release) ": " @if *present { "present" } @else { "absent" } } } }
            }
        }
    };
    Ok(html(StatusCode::OK, page(&title, Some(&nav), body)))
}

//! The duplicate work of the master patient index for HIM technicians: `/mpi` (the queue
//! of candidate pairs, most probable first, with the index's figures and the latest merges,
//! each standing merge with an unmerge form) and `/mpi/pairs/{id}` (both charts side by
//! side with every field, each comparison's weight and the encounter counts; decide the
//! pair, or merge one chart into the other). The cores are `crate::mpi_api`'s, shared with
//! `/api/mpi/...`, so pages and API audit alike.

use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{Nav, field_error, nav, page, token_field};
use super::text::at_facility;
use crate::auth::Principal;
use crate::error::WebError;
use crate::guard::{Access, Entry, Surface, route};
use crate::mpi_api::{
    MpiQueueBody, decide, decide_overlay, merge, overlays, pair, queue, stats, unmerge,
};
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use maud::{Markup, html as markup};
use mpi::PairView;
use privacy::Permission;
use serde::Deserialize;

fn chart_cell(view: &PairView, first: bool) -> Markup {
    let (patient, encounters) = if first {
        (&view.a, view.encounters.0)
    } else {
        (&view.b, view.encounters.1)
    };
    markup! {
        a href={ "/patients/" (patient.meta.id) } { (patient.record.display_name()) }
        " " small { "MRN " (patient.record.mrn) " · born " (patient.record.birth_date) " · " (encounters) " encounters" }
    }
}

async fn queue_page(
    state: &AppState,
    principal: &Principal,
    errors: &[(String, String)],
    status: StatusCode,
) -> PageResult {
    let pairs = queue(state, principal.clone(), MpiQueueBody::default())
        .await
        .map_err(Refusal)?;
    let (figures, merges) = stats(state, principal.clone()).await.map_err(Refusal)?;
    let overlays = overlays(state, principal.clone()).await.map_err(Refusal)?;
    let nav = nav(state, principal);
    let zone = &state.config.time_zone;
    let body = markup! {
        p {
            (figures.queue_size) " pairs waiting (" (figures.queue_auto_link) " would link automatically, " (figures.needs_info) " need information)"
            @if let Some(days) = figures.oldest_days { ", the oldest " (days) " days old" }
            ". Estimated duplicates: " (format!("{:.1}", figures.estimated_duplicates)) " (" (format!("{:.2}", figures.estimated_duplicate_rate * 100.0)) "% of " (figures.n_patients) " patients). "
            "Merges standing " (figures.merges_standing) ", undone " (figures.merges_undone) "."
        }
        @if !errors.is_empty() { p.error role="alert" { "Nothing was changed; see below." } }
        (field_error(errors, "id"))
        (field_error(errors, "reason"))
        h2 { "Duplicate queue" }
        table.queue {
            thead { tr { th { "Pair" } th { "Probability" } th { "Class" } th { "Status" } th { "Patient" } th { "May be" } } }
            tbody {
                @for view in &pairs {
                    tr id={ "pair-" (view.pair.id) } {
                        td { a href={ "/mpi/pairs/" (view.pair.id) } { "Compare " (view.pair.id) } }
                        td { (format!("{:.4}", view.pair.probability)) }
                        td { (view.pair.class.replace('_', " ")) }
                        td { (view.pair.status.replace('_', " ")) }
                        td { (chart_cell(view, true)) }
                        td { (chart_cell(view, false)) }
                    }
                }
                @if pairs.is_empty() { tr { td colspan="6" { "No pairs are waiting. A full match (chartroom mpi match --save) fills the queue." } } }
            }
        }
        h2 { "Possible overlays" }
        p { "Charts whose identity changed (another sex or birth date, demographics that look like another person) or whose blood type results disagree: they may hold two people's records." }
        (field_error(errors, "decision"))
        table.overlays {
            thead { tr { th { "Flag" } th { "Chart" } th { "Found" } th { "What disagrees" } th { "Decide" } } }
            tbody {
                @for (flag, chart) in &overlays {
                    tr id={ "overlay-" (flag.id) } {
                        td { (flag.id) }
                        td {
                            a href={ "/patients/" (chart.meta.id) } { (chart.record.display_name()) }
                            " " small { "MRN " (chart.record.mrn) " · born " (chart.record.birth_date) }
                        }
                        td { (at_facility(zone, flag.found_at)) " by " (flag.found_by) }
                        td { ul { @for finding in &flag.findings { li { (finding) } } } }
                        td {
                            form.inline method="post" action={ "/mpi/overlays/" (flag.id) "/decide" } {
                                (token_field(&nav))
                                label { input type="radio" name="decision" value="one_person" required; " one person (a correction)" }
                                label { input type="radio" name="decision" value="overlay"; " two people: to separate" }
                                label for={ "overlay-reason-" (flag.id) } { "Reason" }
                                input id={ "overlay-reason-" (flag.id) } name="reason" required;
                                button type="submit" { "Record" }
                            }
                        }
                    }
                }
                @if overlays.is_empty() { tr { td colspan="5" { "No possible overlays are waiting." } } }
            }
        }
        h2 { "Merges per month" }
        table.months {
            thead { tr { @for (month, _) in &figures.merges_by_month { th { (month) } } } }
            tbody { tr { @for (_, n) in &figures.merges_by_month { td { (n) } } } }
        }
        h2 { "Latest merges" }
        table.merges {
            thead { tr { th { "Merge" } th { "When" } th { "By" } th { "Surviving" } th { "Retired" } th { "Reason" } th { "Status" } } }
            tbody {
                @for m in &merges {
                    tr id={ "merge-" (m.id) } {
                        td { (m.id) }
                        td { (at_facility(zone, m.merged_at)) }
                        td { (m.merged_by) }
                        td { a href={ "/patients/" (m.surviving_id) } { (m.surviving_id) } }
                        td { (m.retired_id) }
                        td { (m.reason) }
                        td {
                            @if m.status == "merged" {
                                form.inline method="post" action={ "/mpi/merges/" (m.id) "/unmerge" } {
                                    (token_field(&nav))
                                    label for={ "unmerge-" (m.id) } { "Why undo" }
                                    input id={ "unmerge-" (m.id) } name="reason" required;
                                    button.danger type="submit" { "Unmerge" }
                                }
                            } @else {
                                "undone" @if let Some(why) = &m.unmerge_reason { ": " (why) }
                            }
                        }
                    }
                }
                @if merges.is_empty() { tr { td colspan="7" { "No merges yet." } } }
            }
        }
    };
    Ok(html(status, page("Duplicate charts", Some(&nav), body)))
}

/// `GET /mpi`.
async fn queue_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    queue_page(&state, &principal, &[], StatusCode::OK).await
}

fn pair_body(nav: &Nav, view: &PairView, errors: &[(String, String)]) -> Markup {
    let id = view.pair.id;
    let open = !matches!(view.pair.status.as_str(), "merged" | "not_duplicate");
    markup! {
        p {
            "Probability " strong { (format!("{:.4}", view.pair.probability)) } " (weight " (format!("{:.2}", view.pair.weight)) "), "
            (view.pair.class.replace('_', " ")) ", " (view.pair.status.replace('_', " ")) ". "
            a href="/mpi" { "Back to the queue" }
        }
        @if !errors.is_empty() { p.error role="alert" { "Nothing was changed; see below." } }
        table.side-by-side {
            thead { tr { th { "Field" } th { "Patient " (view.a.meta.id) } th { "Patient " (view.b.meta.id) } } }
            tbody {
                @for field in &view.fields {
                    tr class=[(!field.same).then_some("differs")] {
                        th scope="row" { (field.label) }
                        td { (field.a) }
                        td { (field.b) @if !field.same { " " strong { "differs" } } }
                    }
                }
                tr { th scope="row" { "Encounters" } td { (view.encounters.0) } td { (view.encounters.1) } }
                tr { th scope="row" { "Chart" } td { a href={ "/patients/" (view.a.meta.id) } { "Open" } } td { a href={ "/patients/" (view.b.meta.id) } { "Open" } } }
            }
        }
        h2 { "What each comparison contributed" }
        table.weights {
            thead { tr { th { "Comparison" } th { "Level" } th { "Weight" } } }
            tbody {
                @if let Some(list) = view.pair.contributions.as_array() {
                    @for c in list {
                        tr {
                            td { (c["field"].as_str().unwrap_or_default()) }
                            td { (c["level"].as_str().unwrap_or_default()) }
                            td { (format!("{:+.2}", c["weight"].as_f64().unwrap_or_default())) }
                        }
                    }
                }
            }
        }
        @if !view.decisions.is_empty() {
            h2 { "Decisions" }
            ul {
                @for d in &view.decisions {
                    li { (d.decision.replace('_', " ")) " by " (d.decided_by) " on " (d.decided_at.date()) ": " (d.reason) }
                }
            }
        }
        @if view.pair.status != "merged" {
            h2 { "Decide" }
            form.stack method="post" action={ "/mpi/pairs/" (id) "/decide" } {
                (token_field(nav))
                fieldset {
                    legend { "These two charts are" }
                    label { input type="radio" name="decision" value="duplicate" required; " the same person" }
                    label { input type="radio" name="decision" value="not_duplicate"; " different people (never proposed again)" }
                    label { input type="radio" name="decision" value="needs_info"; " undecided: more information needed" }
                }
                (field_error(errors, "decision"))
                label for="decide-reason" { "Reason" }
                input #decide-reason name="reason" required;
                (field_error(errors, "reason"))
                button type="submit" { "Record the decision" }
            }
        }
        @if open {
            h2 { "Merge" }
            form.stack method="post" action={ "/mpi/pairs/" (id) "/merge" } {
                (token_field(nav))
                fieldset {
                    legend { "The chart that stays" }
                    label { input type="radio" name="surviving" value=(view.a.meta.id) required; " patient " (view.a.meta.id) " (MRN " (view.a.record.mrn) ")" }
                    label { input type="radio" name="surviving" value=(view.b.meta.id); " patient " (view.b.meta.id) " (MRN " (view.b.record.mrn) ")" }
                }
                (field_error(errors, "surviving"))
                label for="merge-reason" { "Reason" }
                input #merge-reason name="reason" required;
                (field_error(errors, "id"))
                p { "Every record of the other chart moves to the one that stays; the other MRN still finds it. The merge can be undone." }
                button.danger type="submit" { "Merge the charts" }
            }
        }
    }
}

async fn pair_page(
    state: &AppState,
    principal: &Principal,
    id: i64,
    errors: &[(String, String)],
    status: StatusCode,
) -> PageResult {
    let view = pair(state, principal.clone(), id).await.map_err(Refusal)?;
    let nav = nav(state, principal);
    let body = pair_body(&nav, &view, errors);
    Ok(html(
        status,
        page(&format!("Candidate pair {id}"), Some(&nav), body),
    ))
}

/// `GET /mpi/pairs/{id}`.
async fn pair_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
) -> PageResult {
    let id = crate::patients::parse_id(&id).map_err(Refusal)?;
    pair_page(&state, &principal, id, &[], StatusCode::OK).await
}

/// A refusal the page shows beside its field (a conflict beside the pair or merge), with
/// its status; other errors are passed on.
fn shown_beside_field(error: WebError) -> Result<((String, String), StatusCode), Refusal> {
    match error {
        WebError::BadRequest { field, reason } => {
            Ok(((field, reason), StatusCode::UNPROCESSABLE_ENTITY))
        }
        WebError::Conflict(reason) => Ok((("id".into(), reason), StatusCode::CONFLICT)),
        other => Err(Refusal(other)),
    }
}

/// The page again with a refusal beside its field, or other errors passed on.
async fn refused_on_pair(
    state: &AppState,
    principal: &Principal,
    id: i64,
    error: WebError,
) -> PageResult {
    let (shown, status) = shown_beside_field(error)?;
    pair_page(state, principal, id, &[shown], status).await
}

#[derive(Debug, Deserialize)]
struct DecideForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /mpi/pairs/{id}/decide`.
async fn decide_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<DecideForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = crate::patients::parse_id(&id).map_err(Refusal)?;
    match decide(
        &state,
        principal.clone(),
        id,
        Some(form.decision),
        Some(form.reason),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/mpi").into_response()),
        Err(e) => refused_on_pair(&state, &principal, id, e).await,
    }
}

#[derive(Debug, Deserialize)]
struct MergeForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    surviving: String,
    #[serde(default)]
    reason: String,
}

/// `POST /mpi/pairs/{id}/merge`: the chosen chart stays, the pair's other chart retires.
async fn merge_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<MergeForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = crate::patients::parse_id(&id).map_err(Refusal)?;
    let pair_ids = state
        .blocking(move |state| Ok(state.store.read(|tx| tx.candidate_pair(id))?))
        .await
        .map_err(Refusal)?;
    let surviving = form.surviving.trim().parse::<i64>().ok();
    let retired = match surviving {
        Some(s) if s == pair_ids.patient_a => pair_ids.patient_b,
        Some(s) if s == pair_ids.patient_b => pair_ids.patient_a,
        _ => {
            return refused_on_pair(
                &state,
                &principal,
                id,
                WebError::bad("surviving", "choose one of the pair's two charts"),
            )
            .await;
        }
    };
    let result = merge(
        &state,
        principal.clone(),
        Some(form.surviving),
        Some(retired.to_string()),
        Some(form.reason),
    )
    .await;
    match result {
        Ok(merged) => Ok(Redirect::to(&format!("/mpi#merge-{}", merged.id)).into_response()),
        Err(e) => refused_on_pair(&state, &principal, id, e).await,
    }
}

#[derive(Debug, Deserialize)]
struct UnmergeForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    reason: String,
}

/// `POST /mpi/merges/{id}/unmerge`.
async fn unmerge_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<UnmergeForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = crate::patients::parse_id(&id).map_err(Refusal)?;
    match unmerge(&state, principal.clone(), id, Some(form.reason)).await {
        Ok(merge) => Ok(Redirect::to(&format!("/mpi#merge-{}", merge.id)).into_response()),
        Err(error) => {
            let (shown, status) = shown_beside_field(error)?;
            queue_page(&state, &principal, &[shown], status).await
        }
    }
}

/// `POST /mpi/overlays/{id}/decide`.
async fn overlay_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<DecideForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = crate::patients::parse_id(&id).map_err(Refusal)?;
    match decide_overlay(
        &state,
        principal.clone(),
        id,
        Some(form.decision),
        Some(form.reason),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/mpi").into_response()),
        Err(error) => {
            let (shown, status) = shown_beside_field(error)?;
            queue_page(&state, &principal, &[shown], status).await
        }
    }
}

/// The index pages' routes.
pub(crate) fn routes() -> Vec<Entry> {
    let index = Access::Needs(Permission::ManagePatientIndex);
    vec![
        route(
            Method::GET,
            "/mpi",
            index,
            true,
            "the duplicate queue",
            get(queue_get),
        ),
        route(
            Method::GET,
            "/mpi/pairs/{id}",
            index,
            true,
            "a candidate pair side by side",
            get(pair_get),
        ),
        route(
            Method::POST,
            "/mpi/pairs/{id}/decide",
            index,
            false,
            "decide a candidate pair",
            post(decide_post),
        ),
        route(
            Method::POST,
            "/mpi/pairs/{id}/merge",
            index,
            false,
            "merge a candidate pair's charts",
            post(merge_post),
        ),
        route(
            Method::POST,
            "/mpi/merges/{id}/unmerge",
            index,
            false,
            "undo a merge",
            post(unmerge_post),
        ),
        route(
            Method::POST,
            "/mpi/overlays/{id}/decide",
            index,
            false,
            "decide a possible overlay",
            post(overlay_post),
        ),
    ]
    .into_iter()
    .map(|entry| entry.on(Surface::Page))
    .collect()
}

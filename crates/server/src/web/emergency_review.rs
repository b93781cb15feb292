//! The privacy officer's emergency-access review (`/break-glass`): every access still
//! waiting for review, oldest first with its age and the count per age band, each with a
//! form to mark it reviewed with a note; below, the accesses reviewed in the last 90 days
//! with who reviewed them and what they found. The cores are `crate::emergency`'s, shared
//! with `/api/break-glass/...`.

use super::forms::{PageForm, PageResult, Refusal, check_token, html};
use super::layout::{nav, page, token_field};
use super::text::at_facility;
use crate::auth::Principal;
use crate::emergency::{age_band, mark_reviewed, review_list};
use crate::error::WebError;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::html as markup;
use serde::Deserialize;

/// `GET /break-glass`.
pub(crate) async fn review_page(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> PageResult {
    let list = state
        .blocking(|state| review_list(state, 90))
        .await
        .map_err(Refusal)?;
    let nav = nav(&state, &principal);
    let body = markup! {
        p { "Every chart opened by breaking the glass. Check each reason against the user's duties (the audit report shows what they looked at), then mark it reviewed with what you found." }
        h2 { "Waiting for review (" (list.waiting.len()) ")" }
        table.ages {
            thead { tr { @for (band, _) in list.waiting_by_age() { th { (band) } } } }
            tbody { tr { @for (_, n) in list.waiting_by_age() { td { (n) } } } }
        }
        table.grants {
            thead { tr { th { "Granted" } th { "Waiting" } th { "Until" } th { "User" } th { "Patient" } th { "Reason" } th { "Review" } } }
            tbody {
                @for g in &list.waiting {
                    tr {
                        td { (at_facility(&state.config.time_zone, g.grant.granted_at)) }
                        td { (age_band(g.grant.granted_at, list.now)) }
                        td { (at_facility(&state.config.time_zone, g.grant.expires_at)) }
                        td { (g.grant.username) }
                        td { a href={ "/patients/" (g.grant.patient_id.0) } { (g.grant.patient_id.0) } }
                        td { (g.grant.reason) }
                        td {
                            form.inline method="post" action={ "/break-glass/" (g.id) "/review" } {
                                (token_field(&nav))
                                label for={ "note-" (g.id) } { "Note" }
                                input id={ "note-" (g.id) } name="note" required placeholder="e.g. treating physician in the emergency department";
                                button type="submit" { "Mark reviewed" }
                            }
                        }
                    }
                }
                @if list.waiting.is_empty() { tr { td colspan="7" { "Nothing is waiting for review." } } }
            }
        }
        h2 { "Reviewed in the last 90 days" }
        table.reviewed {
            thead { tr { th { "Granted" } th { "User" } th { "Patient" } th { "Reason" } th { "Reviewed" } th { "By" } th { "Note" } } }
            tbody {
                @for g in &list.reviewed {
                    @if let Some(review) = &g.review {
                        tr {
                            td { (at_facility(&state.config.time_zone, g.grant.granted_at)) }
                            td { (g.grant.username) }
                            td { (g.grant.patient_id.0) }
                            td { (g.grant.reason) }
                            td { (at_facility(&state.config.time_zone, review.reviewed_at)) }
                            td { (review.reviewed_by) }
                            td { (review.note) }
                        }
                    }
                }
                @if list.reviewed.is_empty() { tr { td colspan="7" { "None reviewed in this period." } } }
            }
        }
    };
    Ok(html(
        StatusCode::OK,
        page("Emergency access review", Some(&nav), body),
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ReviewForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    note: String,
}

/// `POST /break-glass/{id}/review`: marks one access reviewed with the note, then back to
/// the list; an empty note or a second review is refused with the reason.
pub(crate) async fn mark(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<ReviewForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = crate::patients::parse_id(&id).map_err(Refusal)?;
    state
        .blocking(move |state| mark_reviewed(state, &principal, id, &form.note).map(|_| ()))
        .await
        .map_err(|e: WebError| Refusal(e))?;
    Ok(Redirect::to("/break-glass").into_response())
}

//! The physician's notes to sign: the start page's worklist with a Sign button per note,
//! and the form that signs one (the rules and the audit are `crate::notes`).

use super::forms::{PageForm, PageResult, check_token};
use super::layout::{Nav, token_field};
use super::text::at_facility;
use crate::auth::Principal;
use crate::error::WebError;
use crate::notes::{WORKLIST_LIMIT, sign as sign_note, worklist};
use crate::patients::parse_id;
use crate::state::AppState;
use axum::Extension;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use maud::{Markup, html};
use privacy::Permission;
use serde::Deserialize;

/// Characters of a note shown before "more" in the worklist.
const EXCERPT_CHARS: usize = 160;

fn excerpt(text: &str) -> (String, bool) {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    (head, chars.next().is_some())
}

/// The "Notes to sign" section of the start page, for users who may sign notes; empty
/// markup for everyone else.
pub(crate) async fn start_section(
    state: &AppState,
    principal: &Principal,
    nav: &Nav,
) -> Result<Markup, WebError> {
    if !principal.allows(Permission::SignNotes) {
        return Ok(html! {});
    }
    let viewer = principal.clone();
    let listed = state
        .blocking(move |state| worklist(state, &viewer))
        .await?;
    Ok(html! {
        section #to-sign {
            @match &listed {
                None => {
                    h2 { "Notes to sign" }
                    p { "Your account is not linked to a provider, so no notes are listed for you to sign. An administrator links it with "
                        code { "chartroom user provider " (principal.username) " --npi NPI" } "." }
                }
                Some(notes) if notes.is_empty() => {
                    h2 { "Notes to sign" }
                    p { "No notes wait for your signature." }
                }
                Some(notes) => {
                    h2 { "Notes to sign (" (notes.len()) @if notes.len() as i64 == WORKLIST_LIMIT { ", oldest first" } ")" }
                    table.to-sign {
                        thead { tr { th { "Written" } th { "Patient" } th { "Note" } th { "Text" } th { span.visually-hidden { "Sign" } } } }
                        tbody {
                            @for item in notes {
                                @let note = &item.note;
                                @let patient = &item.patient;
                                @let (head, more) = excerpt(&note.record.text);
                                tr id={ "note-" (note.meta.id) } {
                                    td { (at_facility(&nav.zone, note.record.authored_at)) }
                                    td { a href={ "/patients/" (patient.meta.id) "#notes" } { (patient.record.display_name()) }
                                         " " small { "MRN " (patient.record.mrn) } }
                                    td { (note.record.note_type.label()) }
                                    td {
                                        @if more {
                                            details { summary { (head) "…" } p.note-text { (note.record.text) } }
                                        } @else {
                                            (head)
                                        }
                                    }
                                    td {
                                        form.inline method="post" action={ "/notes/" (note.meta.id) "/sign" } {
                                            (token_field(nav))
                                            input type="hidden" name="version" value=(note.meta.version);
                                            button type="submit" aria-label={ "Sign the " (note.record.note_type.label()) " for " (patient.record.display_name()) } { "Sign" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    version: String,
}

/// `POST /notes/{id}/sign`: signs the note as the user's provider, then back to the start
/// page, which says so.
pub(crate) async fn sign(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<SignForm>,
) -> PageResult {
    check_token(&state, &principal, &form.token)?;
    let id = parse_id(&id)?;
    let version = super::forms::version_of(&form.version)?;
    state
        .blocking(move |state| sign_note(state, &principal, id, version))
        .await?;
    Ok(Redirect::to(&format!("/?signed={id}")).into_response())
}

//! The dictation editor (`/dictations/{id}`): the recording in an audio player, the draft's
//! words laid in the note type's template sections (each word seeks the recording to its
//! time when clicked; doubtful ones marked), the text as one field per section (required
//! ones flagged while empty), the spelling check, the saved versions; saving a version,
//! sending it for signature, and the physician's signature (the chart's signed note).
//!
//! Keyboard (Alt with a letter, so typing is never taken): Alt+P play or pause, Alt+B back
//! 3 seconds, Alt+N the next doubtful word (heard and selected in its section's field),
//! Alt+S slower (1, 0.75, 0.5 times). The department's shortcuts (`.nkda`) expand as they
//! are typed, when a space or punctuation follows them.

use super::type_label;
use crate::auth::Principal;
use crate::error::WebError;
use crate::state::AppState;
use crate::transcription_api::{save, show, sign, speller};
use crate::web::forms::{PageForm, PageResult, Refusal, check_token, html, version_of};
use crate::web::layout::{nav, page, token_field};
use crate::web::text::at_facility;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use maud::{PreEscaped, html as markup};
use privacy::Permission;
use records::DictationStatus;
use std::collections::HashMap;
use transcription::{compose, heard, read_sections};

/// The editor's script: the player tied to the words, the shortcuts, the spelling check.
const EDITOR_JS: &str = include_str!("editor.js");

/// `GET /dictations/{id}`.
pub(crate) async fn editor_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let id = crate::patients::parse_id(&id).map_err(Refusal)?;
    let (stored, versions) = show(&state, &principal, id).await?;
    let d = &stored.record;
    let template = state.templates.of(d.note_type).ok_or_else(|| {
        Refusal(WebError::internal(format!(
            "no template for {}",
            type_label(d.note_type)
        )))
    })?;
    let (sections, stray) = read_sections(template, &d.text);
    // The department's shortcuts, which the editor's script expands as they are typed.
    let shortcuts = serde_json::Value::Object(
        state
            .templates
            .shortcuts()
            .iter()
            .map(|(name, text)| (name.clone(), serde_json::Value::from(text.as_str())))
            .collect(),
    )
    .to_string();
    let heard_sections = heard(template, &d.words);
    let text = d.text.clone();
    let patient_id = d.patient_id.0;
    let viewer = principal.clone();
    // The spelling of the text, and whose chart it is (an audited read of demographics).
    let (misspelt, patient) = state
        .blocking(move |state| {
            let misspelt = speller(state).check(&text);
            crate::patients::audit_listed(
                state,
                &viewer,
                &[patient_id],
                &[privacy::DataCategory::Demographics],
                "dictation editor",
            )?;
            let patient = state
                .store
                .read(|tx| tx.get::<records::Patient>(patient_id))?;
            Ok((misspelt, patient.record))
        })
        .await?;
    let nav = nav(&state, &principal);
    let zone = &state.config.time_zone;
    let open = matches!(
        d.status,
        DictationStatus::Editing | DictationStatus::WaitingForSignature
    );
    let may_edit = open && principal.allows(Permission::TranscribeDictations);
    let may_sign = open && principal.allows(Permission::SignNotes);
    let low = d
        .words
        .iter()
        .filter(|w| w.confidence < transcription::LOW_CONFIDENCE)
        .count();
    let body = markup! {
        @if let Some(n) = crate::web::forms::id_in_query(query.as_deref(), "saved") {
            p.notice role="status" { "Saved as text version " (n) "." }
        }
        dl.facts #dictation-facts {
            dt { "Patient" } dd { a href={ "/patients/" (d.patient_id.0) } { (patient.display_name()) } " " small { "MRN " (patient.mrn) } }
            dt { "Note" } dd { (type_label(d.note_type)) ", encounter " (d.encounter_id.0) }
            dt { "Priority" } dd { @if d.priority == records::DictationPriority::Stat { strong.stat { "STAT" } } @else { "routine" } }
            dt { "Status" } dd #dictation-status { (d.status.as_str().replace('_', " ")) }
            dt { "Dictated" } dd { (at_facility(zone, d.dictated_at)) " by provider " (d.provider_id.0) ", " (transcription::audio::describe_duration(d.duration_ms)) }
            @if let Some(t) = &d.transcriptionist { dt { "Transcriptionist" } dd { (t) } }
            @if let Some(note) = d.note_id {
                dt { "Signed note" } dd { a #signed-note href={ "/patients/" (d.patient_id.0) "#notes" } { "note " (note.0) " on the chart" } }
            }
        }
        @if d.status == DictationStatus::WaitingForDraft {
            p.notice role="status" { "The recogniser has not drafted this dictation yet; the text can be typed once it has (reload in a moment)." }
        }
        @if let Some(problem) = &d.draft_problem {
            p.error role="alert" #draft-problem { (problem) }
        }
        section #player {
            h2 { "Recording" }
            audio #dictation-audio controls preload="auto" src={ "/dictations/" (id) "/audio" } {}
            p.shortcuts { kbd { "Alt+P" } " play or pause · " kbd { "Alt+B" } " back 3 s · " kbd { "Alt+N" } " next doubtful word · " kbd { "Alt+S" } " slower · speed " span #playback-rate { "1×" } }
        }
        @if !d.words.is_empty() {
            section #heard {
                h2 { "Draft as heard (" (d.words.len()) " words, " (low) " doubtful)" }
                p { "Click a word to hear it. Doubtful words are marked." }
                @for (section_idx, section) in heard_sections.iter().enumerate() {
                    @if !section.words.is_empty() {
                        div.heard-section {
                            h3 { (section.name) }
                            p {
                                @for w in &section.words {
                                    button.word.low[w.low] type="button" data-start=(w.start_ms) data-end=(w.end_ms) data-section=(section_idx) data-index=(w.index)
                                        title={ (format!("{:.1}", w.start_ms as f64 / 1000.0)) " s, " (format!("{:.0}", w.confidence * 100.0)) "% sure" } { (w.word) }
                                    " "
                                }
                            }
                        }
                    }
                }
            }
        }
        form #editor method="post" action={ "/dictations/" (id) "/save" } data-shortcuts=(shortcuts) {
            (token_field(&nav))
            input type="hidden" name="version" value=(stored.meta.version);
            h2 { "Text (version " (d.text_version) ")" }
            @if !stray.is_empty() {
                label for="outside" { "Outside any section" }
                textarea #outside name="outside" rows="3" readonly[!may_edit] { (stray.join("\n")) }
            }
            @for (idx, section) in sections.iter().enumerate() {
                div.section-field.flagged[section.flagged()] {
                    label for={ "section-" (idx) } {
                        (section.name)
                        @if section.flagged() { " " span.flag { "required, empty" } }
                        @else if section.required { " " small { "(required)" } }
                    }
                    textarea.section id={ "section-" (idx) } name={ "section-" (idx) } data-heading=(section.name) rows="3" readonly[!may_edit] { (section.text) }
                }
            }
            div.actions {
                @if may_edit {
                    button type="submit" name="action" value="save" { "Save version" }
                    @if d.status == DictationStatus::Editing {
                        button type="submit" name="action" value="done" { "Save and send for signature" }
                    }
                }
                @if may_sign {
                    button #sign type="submit" formaction={ "/dictations/" (id) "/sign" } { "Sign as my note" }
                }
            }
        }
        @if !state.templates.shortcuts().is_empty() {
            details #shortcut-list {
                summary { "Shortcuts (typed, then a space or punctuation)" }
                dl { @for (name, text) in state.templates.shortcuts() { dt { kbd { (name) } } dd { (text) } } }
            }
        }
        section #spelling {
            h2 { "Spelling" }
            button #check-spelling type="button" { "Check spelling" }
            ul #misspelt {
                @for m in &misspelt {
                    li { strong { (m.word) } " (line " (m.line) ")" @if !m.suggestions.is_empty() { ": " (m.suggestions.join(", ")) } }
                }
                @if misspelt.is_empty() { li { "No word outside the vocabulary." } }
            }
        }
        section #versions {
            h2 { "Versions" }
            table {
                thead { tr { th { "Version" } th { "Kind" } th { "Saved by" } th { "When" } } }
                tbody {
                    @for v in &versions {
                        tr { td { (v.record.number) } td { (v.record.kind) } td { (v.record.saved_by) } td { (at_facility(zone, v.record.saved_at)) } }
                    }
                    @if versions.is_empty() { tr { td colspan="4" { "None yet." } } }
                }
            }
        }
        script { (PreEscaped(EDITOR_JS)) }
    };
    Ok(html(
        StatusCode::OK,
        page(&format!("Dictation {id}"), Some(&nav), body),
    ))
}

/// The text a submitted editor form holds, or `None` when it carried no sections (a
/// sign button posted without the fields).
fn submitted_text(
    state: &AppState,
    note_type: records::NoteType,
    form: &HashMap<String, String>,
) -> Option<String> {
    let template = state.templates.of(note_type)?;
    let texts: Vec<String> = (0..template.sections.len())
        .map(|idx| form.get(&format!("section-{idx}")).cloned())
        .collect::<Option<Vec<String>>>()?;
    let outside = form.get("outside").map(String::as_str).unwrap_or_default();
    Some(compose(template, &texts, outside))
}

/// The dictation's current record (not audited: only its type and version are used, to
/// read the form back).
async fn current(state: &AppState, id: i64) -> Result<store::Stored<records::Dictation>, WebError> {
    state
        .blocking(move |state| Ok(state.store.read(|tx| tx.get(id))?))
        .await
}

/// A posted editor form's token checked, its dictation id, the version it was read at
/// and the dictation as it stands.
async fn posted(
    state: &AppState,
    principal: &Principal,
    id: &str,
    form: &HashMap<String, String>,
) -> Result<(i64, i64, store::Stored<records::Dictation>), Refusal> {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    check_token(state, principal, field("token"))?;
    let id = crate::patients::parse_id(id).map_err(Refusal)?;
    let version = version_of(field("version"))?;
    Ok((id, version, current(state, id).await?))
}

/// `POST /dictations/{id}/save`: a new text version; `action=done` sends it for
/// signature.
pub(crate) async fn save_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> PageResult {
    let (id, version, now) = posted(&state, &principal, &id, &form).await?;
    let text = submitted_text(&state, now.record.note_type, &form)
        .ok_or_else(|| Refusal(WebError::bad("section-0", "the form lost its sections")))?;
    let done = form.get("action").map(String::as_str) == Some("done");
    let saved = save(&state, &principal, id, version, text, done).await?;
    if done {
        return Ok(Redirect::to(&format!("/dictations?sent={id}")).into_response());
    }
    Ok(Redirect::to(&format!(
        "/dictations/{id}?saved={}",
        saved.record.text_version
    ))
    .into_response())
}

/// `POST /dictations/{id}/sign`: signs as the user's provider (what the signer changed in
/// the fields is saved first as a version of its own); then to the chart's notes.
pub(crate) async fn sign_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    PageForm(form): PageForm<HashMap<String, String>>,
) -> PageResult {
    let (id, mut version, now) = posted(&state, &principal, &id, &form).await?;
    if let Some(text) = submitted_text(&state, now.record.note_type, &form)
        && text != now.record.text
    {
        if !principal.allows(Permission::TranscribeDictations) {
            return Err(Refusal(WebError::Forbidden(
                "changing the text needs the permission transcribe-dictations; sign it unchanged or ask the transcriptionist".into(),
            )));
        }
        version = save(&state, &principal, id, version, text, false)
            .await?
            .meta
            .version;
    }
    let signed = sign(&state, &principal, id, version).await?;
    Ok(Redirect::to(&format!(
        "/patients/{}?dictation_signed={}#notes",
        signed.dictation.record.patient_id.0, signed.note.meta.id
    ))
    .into_response())
}

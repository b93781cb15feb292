//! Dictation on the pages: the department's queues (`/dictations`: waiting for a draft,
//! editing, waiting for signature; stat first, then oldest; a physician's own dictations
//! waiting for their signature first), the upload form (a file, or recorded in the browser
//! with MediaRecorder and sent as WAV), the editor (`editor`), the recording itself and
//! the figures (`/dictations/report`: turnaround, lines per hour per transcriptionist), and
//! the start page's counts. The cores are `crate::transcription_api`'s, so pages and API
//! check and audit alike.

mod editor;

use super::forms::{PageResult, Refusal, check_token, html};
use super::layout::{Nav, nav, page, token_field};
use crate::auth::Principal;
use crate::error::WebError;
use crate::guard::{Entry, Surface, route};
use crate::state::AppState;
use crate::transcription_api::{
    MAX_AUDIO_BYTES, figures, linked_provider, note_type, open_statuses, priority, queues, upload,
};
use axum::Extension;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Path, RawQuery, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use maud::{Markup, PreEscaped, html as markup};
use privacy::Permission;
use records::{DictationStatus, EncounterId, PatientId, ProviderId};
use transcription::{DICTATED_TYPES, NewDictation, QueueItem, type_name};

/// Largest upload body a page accepts.
const UPLOAD_LIMIT: usize = MAX_AUDIO_BYTES + 1024 * 1024;

/// The recorder's script: MediaRecorder's recording decoded by the browser and re-encoded
/// as 16 kHz mono WAV (Chromium records WebM/Opus, which the server does not take).
const RECORDER_JS: &str = include_str!("recorder.js");

/// A queue's heading.
fn queue_title(status: DictationStatus) -> &'static str {
    match status {
        DictationStatus::WaitingForDraft => "Waiting for a draft",
        DictationStatus::Editing => "Editing",
        DictationStatus::WaitingForSignature => "Waiting for signature",
        DictationStatus::Signed => "Signed",
    }
}

/// A note type's words on a page ("discharge summary").
pub(crate) fn type_label(note_type: records::NoteType) -> String {
    type_name(note_type).replace('_', " ")
}

fn queue_table(id: &str, items: &[QueueItem]) -> Markup {
    markup! {
        table.queue id=(id) {
            thead { tr { th { "Dictation" } th { "Priority" } th { "Waiting" } th { "Patient" } th { "Note" } th { "Length" } th { "Draft" } } }
            tbody {
                @for item in items {
                    @let d = &item.dictation.record;
                    @let dictation_id = item.dictation.meta.id;
                    tr id={ "dictation-" (dictation_id) } {
                        td { a href={ "/dictations/" (dictation_id) } { "Open " (dictation_id) } }
                        td { @if d.priority == records::DictationPriority::Stat { strong.stat { "STAT" } } @else { "routine" } }
                        td { (age(item.age_minutes)) }
                        td { a href={ "/patients/" (d.patient_id.0) } { (item.patient_name) } " " small { "MRN " (item.mrn) } }
                        td { (type_label(d.note_type)) }
                        td { (transcription::audio::describe_duration(d.duration_ms)) }
                        td { (d.draft_problem.as_deref().unwrap_or(if d.draft_at.is_some() { "drafted" } else { "" })) }
                    }
                }
                @if items.is_empty() { tr { td colspan="7" { "None." } } }
            }
        }
    }
}

fn age(minutes: i64) -> String {
    match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} days", m / (24 * 60)),
    }
}

/// The upload form, with the recorder.
fn upload_form(nav: &Nav) -> Markup {
    markup! {
        form.upload #dictation-upload method="post" action="/dictations/upload" enctype="multipart/form-data" {
            (token_field(nav))
            label for="dictation-file" { "Recording (WAV, FLAC, MP3 or Ogg Vorbis, at most 3 hours)" }
            input #dictation-file type="file" name="file" accept="audio/wav,audio/x-wav,audio/flac,audio/mpeg,audio/mp3,audio/ogg,.wav,.flac,.mp3,.ogg,.oga";
            div.recorder #recorder hidden {
                button #record-start type="button" { "Record in the browser" }
                button #record-stop type="button" disabled { "Stop recording" }
                span #record-status role="status" {}
            }
            label for="dictation-patient" { "Patient (MRN)" }
            input #dictation-patient name="patient" required;
            label for="dictation-encounter" { "Encounter (record id)" }
            input #dictation-encounter name="encounter_id" inputmode="numeric" required;
            label for="dictation-type" { "Note type" }
            select #dictation-type name="note_type" {
                @for t in DICTATED_TYPES { option value=(type_name(*t)) { (type_label(*t)) } }
            }
            label for="dictation-priority" { "Priority" }
            select #dictation-priority name="priority" { option value="routine" { "routine" } option value="stat" { "stat" } }
            label for="dictation-provider" { "Dictating provider (record id; blank: the encounter's attending)" }
            input #dictation-provider name="provider_id" inputmode="numeric";
            button type="submit" { "Upload dictation" }
        }
        script { (PreEscaped(RECORDER_JS)) }
    }
}

async fn queues_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let nav = nav(&state, &principal);
    let mine = if principal.allows(Permission::SignNotes) {
        match linked_provider(&state, &principal).await? {
            Some(provider) => Some(
                queues(
                    &state,
                    &principal,
                    vec![DictationStatus::WaitingForSignature],
                    Some(provider),
                    200,
                )
                .await?,
            ),
            None => None,
        }
    } else {
        None
    };
    let all = queues(&state, &principal, open_statuses(), None, 200).await?;
    let body = markup! {
        @if let Some(id) = super::forms::id_in_query(query.as_deref(), "sent") {
            p.notice role="status" { "Dictation " (id) " sent for signature." }
        }
        p { "Stat dictations first, then the oldest. " a href="/dictations/report" { "Turnaround and lines per hour" } "." }
        @if let Some(mine) = &mine {
            @for (_, items) in mine {
                section #my-signature {
                    h2 { "Waiting for your signature (" (items.len()) ")" }
                    (queue_table("queue-mine", items))
                }
            }
        }
        @for (status, items) in &all {
            section id={ "queue-" (status.as_str()) } {
                h2 { (queue_title(*status)) " (" (items.len()) ")" }
                (queue_table(&format!("table-{}", status.as_str()), items))
            }
        }
        @if principal.allows(Permission::TranscribeDictations) {
            section #upload {
                h2 { "Upload a dictation" }
                (upload_form(&nav))
            }
        }
    };
    Ok(html(StatusCode::OK, page("Dictations", Some(&nav), body)))
}

/// A multipart upload's fields.
#[derive(Default)]
struct Uploaded {
    token: String,
    file: Vec<u8>,
    patient: String,
    encounter_id: String,
    note_type: String,
    priority: Option<String>,
    provider_id: Option<String>,
}

async fn read_upload(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Uploaded, WebError> {
    let hint = format!(
        "a recording may be at most {} MiB",
        MAX_AUDIO_BYTES / (1024 * 1024)
    );
    let mut form = crate::web::forms::read_multipart(
        multipart,
        &hint,
        "choose the recording to upload, or record one",
    )
    .await?;
    Ok(Uploaded {
        token: form.take("token").unwrap_or_default(),
        patient: form.take("patient").unwrap_or_default(),
        encounter_id: form.take("encounter_id").unwrap_or_default(),
        note_type: form.take("note_type").unwrap_or_default(),
        priority: form.take("priority"),
        provider_id: form.take("provider_id"),
        file: form.file,
    })
}

/// The chart an MRN typed on the form names.
async fn patient_named(state: &AppState, text: &str) -> Result<PatientId, WebError> {
    if text.trim().is_empty() {
        return Err(WebError::bad("patient", "give the patient's MRN"));
    }
    crate::web::documents::patient_named(state, text).await
}

fn record_id(field: &str, text: &str) -> Result<i64, WebError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::bad(field, format!("{:?} is not a record id", text.trim())))
}

/// `POST /dictations/upload`: a recording (a file, or recorded in the browser).
async fn upload_post(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let up = read_upload(multipart).await.map_err(Refusal)?;
    check_token(&state, &principal, &up.token)?;
    let patient_id = patient_named(&state, &up.patient).await?;
    let new = NewDictation {
        patient_id,
        encounter_id: EncounterId(record_id("encounter_id", &up.encounter_id)?),
        provider_id: up
            .provider_id
            .as_deref()
            .map(|p| record_id("provider_id", p).map(ProviderId))
            .transpose()?,
        note_type: note_type("note_type", &up.note_type)?,
        priority: priority("priority", up.priority.as_deref())?,
    };
    let added = upload(&state, &principal, new, up.file, "file").await?;
    Ok(Redirect::to(&format!("/dictations/{}", added.meta.id)).into_response())
}

/// The byte range a `Range: bytes=START-[END]` header asks of `len` bytes (one range; a
/// suffix `-N` is the last N), or `None` for the whole file or a range it cannot serve.
fn byte_range(header: Option<&str>, len: usize) -> Option<(usize, usize)> {
    let spec = header?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let (start, end) = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let n: usize = suffix.parse().ok()?;
            (len.saturating_sub(n), len - 1)
        }
        (start, "") => (start.parse().ok()?, len - 1),
        (start, end) => (start.parse().ok()?, end.parse::<usize>().ok()?.min(len - 1)),
    };
    (start <= end && start < len).then_some((start, end))
}

/// `GET /dictations/{id}/audio`: the recording, checked against its SHA-256 (a listen,
/// audited, every request). Byte ranges are served, as a browser's player needs them to
/// seek (a click on a word).
async fn audio_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
) -> PageResult {
    let id = crate::patients::parse_id(&id).map_err(Refusal)?;
    let (stored, bytes) = crate::transcription_api::audio(&state, &principal, id).await?;
    let media_type =
        transcription::audio::Container::of_format(&stored.record.audio_format).media_type();
    let common = [
        (header::CONTENT_TYPE, media_type.to_owned()),
        (header::CONTENT_DISPOSITION, "inline".to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        (header::ACCEPT_RANGES, "bytes".to_owned()),
    ];
    let asked = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    match byte_range(asked, bytes.len()) {
        Some((start, end)) => {
            let part = bytes.get(start..=end).unwrap_or_default().to_vec();
            Ok((
                StatusCode::PARTIAL_CONTENT,
                common,
                [(
                    header::CONTENT_RANGE,
                    format!("bytes {start}-{end}/{}", bytes.len()),
                )],
                part,
            )
                .into_response())
        }
        None => Ok((common, bytes).into_response()),
    }
}

fn days_in(query: Option<&str>) -> Result<i64, WebError> {
    match query
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("days="))
    {
        None | Some("") => Ok(30),
        Some(text) => text
            .parse::<i64>()
            .map_err(|_| WebError::bad("days", format!("{text:?} is not a number of days"))),
    }
}

/// `GET /dictations/report?days=N`: turnaround and lines per hour.
async fn report_get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let days = days_in(query.as_deref()).map_err(Refusal)?;
    let (turnaround, lines) = figures(&state, &principal, days).await?;
    let nav = nav(&state, &principal);
    let minutes = |m: f64| format!("{m:.0} min");
    let body = markup! {
        form.inline method="get" action="/dictations/report" {
            label for="report-days" { "Days back" }
            input #report-days name="days" type="number" min="1" max="3660" value=(days);
            button type="submit" { "Show" }
        }
        section #turnaround {
            h2 { "Turnaround" }
            p { (turnaround.dictations) " dictations in the last " (days) " days (" (turnaround.stat) " stat; " (turnaround.without_draft) " without a draft)." }
            table {
                thead { tr { th { "Step" } th { "Dictations" } th { "Median" } th { "90th centile" } } }
                tbody {
                    @for (name, s) in [("Dictation to draft", turnaround.to_draft), ("Dictation to transcribed", turnaround.to_transcribed), ("Dictation to signed", turnaround.to_signed)] {
                        tr { td { (name) } td { (s.count) } td { (minutes(s.median_minutes)) } td { (minutes(s.p90_minutes)) } }
                    }
                }
            }
        }
        section #lines-per-hour {
            h2 { "Lines per hour" }
            p { "Lines of " (transcription::productivity::LINE_CHARACTERS) " characters (spaces counted) of each transcriptionist's last saved version of each dictation, per hour of editing. Editing time is read from the saved versions: each save counts the time since the version before it, at most " (transcription::productivity::MAX_GAP_MINUTES) " minutes." }
            table #productivity {
                thead { tr { th { "Transcriptionist" } th { "Dictations" } th { "Lines" } th { "Editing time" } th { "Lines per hour" } } }
                tbody {
                    @for p in &lines {
                        tr {
                            td { (p.transcriptionist) }
                            td { (p.dictations) }
                            td { (p.lines) }
                            td { (minutes(p.editing_minutes)) }
                            td { @match p.lines_per_hour { Some(rate) => { (format!("{rate:.1}")) }, None => { "—" } } }
                        }
                    }
                    @if lines.is_empty() { tr { td colspan="5" { "No edits saved in this time." } } }
                }
            }
        }
    };
    Ok(html(
        StatusCode::OK,
        page("Dictation figures", Some(&nav), body),
    ))
}

/// The start page's counts: a physician's own dictations (waiting for their signature,
/// still being worked), the department's queues for a transcriptionist.
pub(crate) async fn start_section(
    state: &AppState,
    principal: &Principal,
) -> Result<Markup, WebError> {
    let provider = if principal.allows(Permission::SignNotes) {
        linked_provider(state, principal).await?
    } else {
        None
    };
    let transcribes = principal.allows(Permission::TranscribeDictations);
    if provider.is_none() && !transcribes {
        return Ok(markup! {});
    }
    let counts = state
        .blocking(move |state| Ok(transcription::counts(&state.store, provider)?))
        .await?;
    Ok(markup! {
        section #dictations-start {
            h2 { "Dictations" }
            @if provider.is_some() {
                p #my-dictation-counts {
                    a href="/dictations" { (counts.waiting_for_signature) " waiting for your signature" }
                    " · " (counts.waiting_for_draft + counts.editing) " of yours being transcribed"
                    @if counts.stat > 0 { " · " strong { (counts.stat) " stat" } }
                }
            } @else {
                p #dictation-counts {
                    a href="/dictations" { (counts.waiting_for_draft) " waiting for a draft · " (counts.editing) " to edit · " (counts.waiting_for_signature) " waiting for signature" }
                    @if counts.stat > 0 { " · " strong { (counts.stat) " stat" } }
                }
            }
        }
    })
}

/// The pages' routes.
pub(crate) fn routes() -> Vec<Entry> {
    use crate::transcription_api::{READ as read, SIGN as sign, TRANSCRIBE as transcribe};
    vec![
        route(
            Method::GET,
            "/dictations",
            read,
            true,
            "the dictation queues and the upload form",
            get(queues_get),
        ),
        route(
            Method::POST,
            "/dictations/upload",
            transcribe,
            false,
            "upload a dictation (a file, or recorded in the browser)",
            post(upload_post).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        ),
        route(
            Method::GET,
            "/dictations/report",
            read,
            false,
            "dictation turnaround and lines per hour per transcriptionist",
            get(report_get),
        ),
        route(
            Method::GET,
            "/dictations/{id}",
            read,
            true,
            "the dictation editor: audio tied to the draft's words, the text by section",
            get(editor::editor_get),
        ),
        route(
            Method::GET,
            "/dictations/{id}/audio",
            read,
            true,
            "a dictation's recording",
            get(audio_get),
        ),
        route(
            Method::POST,
            "/dictations/{id}/save",
            transcribe,
            false,
            "save a dictation's text as a new version, or send it for signature",
            post(editor::save_post),
        ),
        route(
            Method::POST,
            "/dictations/{id}/sign",
            sign,
            false,
            "sign a dictation: it becomes the chart's signed note",
            post(editor::sign_post),
        ),
    ]
    .into_iter()
    .map(|entry| entry.on(Surface::Page))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::byte_range;

    #[test]
    fn byte_ranges_are_read_as_players_send_them() {
        assert_eq!(byte_range(Some("bytes=0-"), 100), Some((0, 99)));
        assert_eq!(byte_range(Some("bytes=10-19"), 100), Some((10, 19)));
        assert_eq!(byte_range(Some("bytes=90-200"), 100), Some((90, 99)));
        assert_eq!(byte_range(Some("bytes=-10"), 100), Some((90, 99)));
        assert_eq!(byte_range(Some("bytes=100-"), 100), None);
        assert_eq!(byte_range(Some("bytes=0-1,5-6"), 100), None);
        assert_eq!(byte_range(None, 100), None);
    }
}

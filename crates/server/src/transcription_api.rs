//! Dictations over the JSON API: the queues, upload (the recording as base64), one
//! dictation with its sections, doubtful words and versions, saving a text version,
//! handing it on, signing, the spelling check and the department's figures. The pages
//! (`web::transcription`) call the same cores; `crates/transcription` checks, keeps and
//! audits every step in its transaction.
//!
//! Permissions: reading (queues, a dictation, its audio, the figures) needs `read-notes`;
//! uploading, editing and handing on need `transcribe-dictations` (HIM technicians and
//! physicians); signing needs `sign-notes` and an account linked to a provider, as for
//! any note.

use crate::auth::Principal;
use crate::body::JsonBody;
use crate::error::WebError;
use crate::guard::{Access, Entry, route};
use crate::state::AppState;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::routing::{get, post};
use base64::Engine;
use privacy::{Action, Permission};
use records::{
    Dictation, DictationPriority, DictationStatus, DictationText, EncounterId, PatientId,
    ProviderId,
};
use serde::Deserialize;
use serde_json::{Value, json};
use store::Stored;
use transcription::{
    NewDictation, Productivity, QUEUES, QueueItem, Speller, Templates, Turnaround, parse_queue,
    parse_type, read_sections, type_name,
};

/// Largest recording accepted (a 3-hour recording at 11 kHz, 16-bit mono, is 238 MB).
pub(crate) const MAX_AUDIO_BYTES: usize = 256 * 1024 * 1024;

/// Largest API upload body: the recording as base64, and the other fields.
const API_BODY_LIMIT: usize = MAX_AUDIO_BYTES / 3 * 4 + 1024 * 1024;

/// Turns a step's refusal into the HTTP error: bad audio is a 422 on `audio_field`, a
/// field the workflow refused a 422 naming it, a missing record 404, a damaged file on disk
/// an internal error.
pub(crate) fn refusal(error: transcription::Error, audio_field: &str) -> WebError {
    match error {
        transcription::Error::Audio(e) => WebError::bad(audio_field, e.to_string()),
        transcription::Error::AudioStore(e) => WebError::internal(e),
        transcription::Error::Templates(problems) => WebError::internal(problems.join("; ")),
        transcription::Error::Store(store::Error::Conflict(message)) => {
            match message
                .strip_prefix("dictation.")
                .and_then(|rest| rest.split_once(": "))
            {
                Some((field, reason)) => WebError::bad(field, reason),
                None => WebError::Conflict(message),
            }
        }
        transcription::Error::Store(e) => e.into(),
    }
}

/// Runs `work` on the blocking pool as `principal` doing `action`.
async fn step<T: Send + 'static>(
    state: &AppState,
    principal: &Principal,
    action: Action,
    audio_field: &'static str,
    work: impl FnOnce(&AppState, &privacy::AuditEvent) -> Result<T, transcription::Error>
    + Send
    + 'static,
) -> Result<T, WebError> {
    let principal = principal.clone();
    state
        .blocking(move |state| {
            let who = principal.event(state.store.clock().now(), action);
            work(state, &who).map_err(|e| refusal(e, audio_field))
        })
        .await
}

/// A read (`step` as an audited `read`; no audio is taken in).
async fn reading<T: Send + 'static>(
    state: &AppState,
    principal: &Principal,
    work: impl FnOnce(&AppState, &privacy::AuditEvent) -> Result<T, transcription::Error>
    + Send
    + 'static,
) -> Result<T, WebError> {
    step(state, principal, Action::Read, "audio", work).await
}

/// Who reads dictations, who works them, who signs them (pages and API alike).
pub(crate) const READ: Access = Access::Needs(Permission::ReadNotes);
/// Upload, edit, save and send for signature.
pub(crate) const TRANSCRIBE: Access = Access::Needs(Permission::TranscribeDictations);
/// Sign.
pub(crate) const SIGN: Access = Access::Needs(Permission::SignNotes);

/// The note type named, or a 422 on `field` listing the types.
pub(crate) fn note_type(field: &str, text: &str) -> Result<records::NoteType, WebError> {
    parse_type(text).map_err(|e| WebError::bad(field, e))
}

/// `stat` or `routine` (blank: routine).
pub(crate) fn priority(field: &str, text: Option<&str>) -> Result<DictationPriority, WebError> {
    match text.map(|t| t.trim().to_ascii_lowercase()).as_deref() {
        None | Some("" | "routine") => Ok(DictationPriority::Routine),
        Some("stat") => Ok(DictationPriority::Stat),
        Some(other) => Err(WebError::bad(
            field,
            format!("{other:?} is neither stat nor routine"),
        )),
    }
}

/// Keeps a recording as a new dictation (checked whole first; nothing recorded when
/// refused) and wakes the drafting job.
pub(crate) async fn upload(
    state: &AppState,
    principal: &Principal,
    new: NewDictation,
    bytes: Vec<u8>,
    audio_field: &'static str,
) -> Result<Stored<Dictation>, WebError> {
    let added = step(
        state,
        principal,
        Action::Create,
        audio_field,
        move |state, who| {
            let audio = transcription::audio_store::in_data_dir(state.trail.dir());
            transcription::add(
                &state.store,
                &state.trail,
                who,
                &audio,
                &state.templates,
                &new,
                &bytes,
            )
        },
    )
    .await?;
    state.drafting.wake();
    Ok(added)
}

/// The open queues (or the one named), each stat first then oldest; only `provider`'s
/// dictations when named. Each listed patient is an audited read.
pub(crate) async fn queues(
    state: &AppState,
    principal: &Principal,
    statuses: Vec<DictationStatus>,
    provider: Option<ProviderId>,
    limit: i64,
) -> Result<Vec<(DictationStatus, Vec<QueueItem>)>, WebError> {
    reading(state, principal, move |state, who| {
        let mut out = Vec::new();
        for status in statuses {
            let items =
                transcription::queue_for(&state.store, &state.trail, who, status, provider, limit)?;
            out.push((status, items));
        }
        Ok(out)
    })
    .await
}

/// The statuses of the three open queues.
pub(crate) fn open_statuses() -> Vec<DictationStatus> {
    QUEUES
        .iter()
        .map(|(_, s)| *s)
        .filter(|s| *s != DictationStatus::Signed)
        .collect()
}

/// One dictation with its text versions, audited as a read.
pub(crate) async fn show(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<(Stored<Dictation>, Vec<Stored<DictationText>>), WebError> {
    reading(state, principal, move |state, who| {
        transcription::show(&state.store, &state.trail, who, id)
    })
    .await
}

/// Saves `text` as the next version (read at `version`); `done` hands it on.
pub(crate) async fn save(
    state: &AppState,
    principal: &Principal,
    id: i64,
    version: i64,
    text: String,
    done: bool,
) -> Result<Stored<Dictation>, WebError> {
    step(
        state,
        principal,
        Action::Update,
        "audio",
        move |state, who| {
            transcription::save_text(&state.store, &state.trail, who, id, version, &text, done)
        },
    )
    .await
}

/// The provider the user's account signs as, or a 403 saying how to link one.
fn account_provider(state: &AppState, principal: &Principal) -> Result<ProviderId, WebError> {
    state
        .store
        .read(|tx| tx.account_provider(&principal.username))?
        .ok_or_else(|| {
            WebError::Forbidden(format!(
                "your account ({}) is not linked to a provider, so it cannot sign notes; an administrator links it with `chartroom user provider`",
                principal.username
            ))
        })
}

/// The provider the user's account signs as, if linked.
pub(crate) async fn linked_provider(
    state: &AppState,
    principal: &Principal,
) -> Result<Option<ProviderId>, WebError> {
    let principal = principal.clone();
    state
        .blocking(move |state| {
            Ok(state
                .store
                .read(|tx| tx.account_provider(&principal.username))?)
        })
        .await
}

/// Signs dictation `id` (read at `version`) as the user's provider: the chart's signed
/// note, the deficiency it answers resolved.
pub(crate) async fn sign(
    state: &AppState,
    principal: &Principal,
    id: i64,
    version: i64,
) -> Result<transcription::Signed, WebError> {
    let principal = principal.clone();
    state
        .blocking(move |state| {
            let signer = account_provider(state, &principal)?;
            let who = principal.event(state.store.clock().now(), Action::Sign);
            let defaults;
            let rules = match state.review_rules.get() {
                Some(rules) => rules,
                None => {
                    defaults = review::RuleSet::defaults().map_err(WebError::internal)?;
                    &defaults
                }
            };
            transcription::sign(
                &state.store,
                &state.trail,
                &who,
                &state.templates,
                rules,
                id,
                version,
                signer,
            )
            .map_err(|e| refusal(e, "audio"))
        })
        .await
}

/// The recording, checked against its SHA-256; audited as a listen.
pub(crate) async fn audio(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<(Stored<Dictation>, Vec<u8>), WebError> {
    reading(state, principal, move |state, who| {
        let audio = transcription::audio_store::in_data_dir(state.trail.dir());
        transcription::audio_of(&state.store, &state.trail, who, &audio, id, None)
    })
    .await
}

/// The speller, built on first use (the medical vocabulary and the engine's dictionary).
pub(crate) fn speller(state: &AppState) -> &Speller {
    state.speller.get_or_init(|| {
        let today = state.store.clock().now().date();
        let titles = transcription::vocabulary::code_set_titles_from(&state.codes, today);
        let cmu = std::fs::read_to_string(
            std::path::Path::new(transcription::pocketsphinx::DEBIAN_MODEL)
                .join("cmudict-en-us.dict"),
        )
        .ok();
        Speller::medical(&titles, &state.templates, cmu.as_deref())
    })
}

/// The spelling check of `text`.
pub(crate) async fn spelling(
    state: &AppState,
    text: String,
) -> Result<Vec<transcription::Misspelt>, WebError> {
    state
        .blocking(move |state| Ok(speller(state).check(&text)))
        .await
}

/// Turnaround and lines per hour over the last `days` days, each an aggregate read.
pub(crate) async fn figures(
    state: &AppState,
    principal: &Principal,
    days: i64,
) -> Result<(Turnaround, Vec<Productivity>), WebError> {
    if !(1..=3660).contains(&days) {
        return Err(WebError::bad(
            "days",
            format!("{days} is not from 1 to 3660"),
        ));
    }
    let principal = principal.clone();
    state
        .blocking(move |state| {
            let now = state.store.clock().now();
            let who = principal.event(now, Action::Read);
            let since = now - time::Duration::days(days);
            let turnaround = transcription::turnaround(&state.store, &state.trail, &who, since)?;
            let lines = transcription::productivity(&state.store, &state.trail, &who, since)?;
            Ok((turnaround, lines))
        })
        .await
}

/// A dictation in the API's answers: the record, its sections as the template reads the
/// text (empty required ones flagged), the doubtful words, where its audio is.
pub(crate) fn dictation_json(templates: &Templates, d: &Stored<Dictation>) -> Value {
    let r = &d.record;
    let (sections, outside) = match templates.of(r.note_type) {
        Some(template) => {
            let (sections, stray) = read_sections(template, &r.text);
            (
                sections
                    .iter()
                    .map(|s| json!({ "name": s.name, "required": s.required, "text": s.text, "flagged": s.flagged() }))
                    .collect::<Vec<_>>(),
                stray,
            )
        }
        None => (Vec::new(), Vec::new()),
    };
    let low: Vec<Value> = r
        .words
        .iter()
        .enumerate()
        .filter(|(_, w)| w.confidence < transcription::LOW_CONFIDENCE)
        .map(|(index, w)| json!({ "index": index, "word": w.word, "start_ms": w.start_ms, "end_ms": w.end_ms, "confidence": w.confidence }))
        .collect();
    json!({
        "id": d.meta.id,
        "version": d.meta.version,
        "patient_id": r.patient_id.0,
        "encounter_id": r.encounter_id.0,
        "provider_id": r.provider_id.0,
        "note_type": type_name(r.note_type),
        "priority": r.priority.as_str(),
        "status": r.status.as_str(),
        "audio_format": r.audio_format,
        "duration_ms": r.duration_ms,
        "sample_rate": r.sample_rate,
        "audio_sha256": r.audio_sha256,
        "audio_url": format!("/dictations/{}/audio", d.meta.id),
        "dictated_at": r.dictated_at.to_string(),
        "draft_at": r.draft_at.map(|t| t.to_string()),
        "draft_problem": r.draft_problem,
        "transcribed_at": r.transcribed_at.map(|t| t.to_string()),
        "signed_at": r.signed_at.map(|t| t.to_string()),
        "transcriptionist": r.transcriptionist,
        "note_id": r.note_id.map(|n| n.0),
        "text": r.text,
        "text_version": r.text_version,
        "sections": sections,
        "outside_sections": outside,
        "words": r.words.len(),
        "low_confidence": low,
    })
}

fn queue_json(templates: &Templates, item: &QueueItem) -> Value {
    let mut v = dictation_json(templates, &item.dictation);
    if let Some(object) = v.as_object_mut() {
        for key in ["text", "sections", "outside_sections", "low_confidence"] {
            object.remove(key);
        }
        object.insert("patient_name".into(), json!(item.patient_name));
        object.insert("mrn".into(), json!(item.mrn));
        object.insert("age_minutes".into(), json!(item.age_minutes));
    }
    v
}

/// An upload: the recording as base64 and what it is for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DictationUploadBody {
    /// The recording: a WAV, FLAC, MP3 or Ogg Vorbis file, base64 (at most 256 MiB once decoded, 3 hours).
    #[schema(format = Byte)]
    pub content: String,
    /// The patient (record id).
    pub patient_id: i64,
    /// The encounter (record id; the patient's).
    pub encounter_id: i64,
    /// The note it becomes.
    #[schema(schema_with = crate::api_schema::dictated_note_type, required = true)]
    pub note_type: String,
    /// `stat` or `routine` (default).
    #[schema(schema_with = crate::api_schema::dictation_priority)]
    pub priority: Option<String>,
    /// The dictating provider (record id; default the encounter's attending).
    pub provider_id: Option<i64>,
}

/// A text version to save.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DictationTextBody {
    /// The dictation's version as read (a text saved meanwhile is not overwritten: 409).
    pub version: i64,
    /// The whole text, its sections as `Heading:` lines.
    pub text: String,
    /// Hand it on for signature.
    #[serde(default)]
    pub done: bool,
}

/// A signature: the version read.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DictationSignBody {
    /// The dictation's version as read.
    pub version: i64,
}

/// A text to check.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpellingBody {
    /// The text.
    pub text: String,
}

/// Which queue and how many.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DictationQueueParams {
    /// `draft`, `editing`, `signature` or `signed` (default: the three open ones).
    pub queue: Option<String>,
    /// At most this many per queue (default 50).
    pub limit: Option<i64>,
}

/// The figures' window.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DictationFiguresParams {
    /// Days back (default 30).
    pub days: Option<i64>,
}

fn positive(field: &str, id: i64) -> Result<i64, WebError> {
    if id > 0 {
        Ok(id)
    } else {
        Err(WebError::bad(field, "must be a record id (1 or more)"))
    }
}

async fn queues_get(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<DictationQueueParams>, QueryRejection>,
) -> Result<Json<Value>, WebError> {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let statuses = match params.queue.as_deref() {
        Some(name) => vec![parse_queue(name).map_err(|e| WebError::bad("queue", e))?],
        None => open_statuses(),
    };
    let limit = params.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(WebError::bad(
            "limit",
            format!("{limit} is not from 1 to 1000"),
        ));
    }
    let found = queues(&state, &principal, statuses, None, limit).await?;
    let out: serde_json::Map<String, Value> = found
        .iter()
        .map(|(status, items)| {
            (
                status.as_str().to_owned(),
                json!(
                    items
                        .iter()
                        .map(|i| queue_json(&state.templates, i))
                        .collect::<Vec<_>>()
                ),
            )
        })
        .collect();
    Ok(Json(json!({ "queues": out })))
}

async fn upload_post(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    JsonBody(body): JsonBody<DictationUploadBody>,
) -> Result<(StatusCode, Json<Value>), WebError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body.content.trim())
        .map_err(|e| WebError::bad("content", format!("is not base64: {e}")))?;
    let new = NewDictation {
        patient_id: PatientId(positive("patient_id", body.patient_id)?),
        encounter_id: EncounterId(positive("encounter_id", body.encounter_id)?),
        provider_id: body
            .provider_id
            .map(|p| positive("provider_id", p).map(ProviderId))
            .transpose()?,
        note_type: note_type("note_type", &body.note_type)?,
        priority: priority("priority", body.priority.as_deref())?,
    };
    let added = upload(&state, &principal, new, bytes, "content").await?;
    Ok((
        StatusCode::CREATED,
        Json(dictation_json(&state.templates, &added)),
    ))
}

async fn show_get(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Json<Value>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    let (dictation, versions) = show(&state, &principal, id).await?;
    let mut out = dictation_json(&state.templates, &dictation);
    if let Some(object) = out.as_object_mut() {
        object.insert(
            "versions".into(),
            json!(versions.iter().map(|v| json!({
                "number": v.record.number, "kind": v.record.kind, "saved_by": v.record.saved_by,
                "saved_at": v.record.saved_at.to_string(), "text": v.record.text,
            })).collect::<Vec<_>>()),
        );
    }
    Ok(Json(out))
}

async fn text_post(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DictationTextBody>,
) -> Result<Json<Value>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    let saved = save(&state, &principal, id, body.version, body.text, body.done).await?;
    Ok(Json(dictation_json(&state.templates, &saved)))
}

async fn sign_post(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DictationSignBody>,
) -> Result<Json<Value>, WebError> {
    let id = crate::patients::parse_id(&id)?;
    let signed = sign(&state, &principal, id, body.version).await?;
    Ok(Json(json!({
        "dictation": dictation_json(&state.templates, &signed.dictation),
        "note_id": signed.note.meta.id,
        "resolved_deficiencies": signed.resolved.iter().map(|d| d.meta.id).collect::<Vec<_>>(),
    })))
}

async fn spelling_post(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<SpellingBody>,
) -> Result<Json<Value>, WebError> {
    let found = spelling(&state, body.text).await?;
    Ok(Json(json!({ "misspelt": found })))
}

async fn figures_get(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<Principal>,
    params: Result<Query<DictationFiguresParams>, QueryRejection>,
) -> Result<Json<Value>, WebError> {
    let Query(params) = params.map_err(|e| WebError::bad("query", e.body_text()))?;
    let days = params.days.unwrap_or(30);
    let (turnaround, lines) = figures(&state, &principal, days).await?;
    Ok(Json(json!({
        "days": days,
        "turnaround": turnaround,
        "lines_per_hour": lines,
        "line_characters": transcription::productivity::LINE_CHARACTERS,
    })))
}

/// The API's routes.
pub(crate) fn routes() -> Vec<Entry> {
    let (read, transcribe, sign) = (READ, TRANSCRIBE, SIGN);
    vec![
        route(
            Method::GET,
            "/api/dictations",
            read,
            true,
            "the dictation queues: waiting for a draft, editing, waiting for signature (stat first, then oldest)",
            get(queues_get),
        ),
        route(
            Method::POST,
            "/api/dictations",
            transcribe,
            true,
            "upload a dictation (WAV, FLAC, MP3 or Ogg Vorbis, base64) for a patient's encounter; drafted in the background",
            post(upload_post).layer(axum::extract::DefaultBodyLimit::max(API_BODY_LIMIT)),
        )
        .creates()
        .takes::<DictationUploadBody>(),
        route(
            Method::POST,
            "/api/dictations/spelling",
            read,
            false,
            "spelling check of a text against the medical vocabulary, with suggestions",
            post(spelling_post),
        )
        .takes::<SpellingBody>(),
        route(
            Method::GET,
            "/api/dictations/figures",
            read,
            false,
            "turnaround (dictation to draft, transcribed, signed) and lines per hour per transcriptionist",
            get(figures_get),
        ),
        route(
            Method::GET,
            "/api/dictations/{id}",
            read,
            true,
            "one dictation: its text by template section, doubtful words, versions (audio at audio_url)",
            get(show_get),
        ),
        route(
            Method::POST,
            "/api/dictations/{id}/text",
            transcribe,
            true,
            "save a text version (names the version read); done hands it on for signature",
            post(text_post),
        )
        .takes::<DictationTextBody>(),
        route(
            Method::POST,
            "/api/dictations/{id}/sign",
            sign,
            true,
            "sign a dictation as your provider: it becomes the chart's signed note",
            post(sign_post),
        )
        .takes::<DictationSignBody>(),
    ]
}

//! The dictation's steps, each in one audited transaction: added (audio checked and kept),
//! drafted (by the recogniser, or marked with why not), edited (a text version each save),
//! transcribed, signed (the chart's signed note, and the deficiency it answers closed).
//!
//! Invariants:
//! - Each step is allowed only from the statuses named in `refuse_unless`; a refusal names
//!   the dictation, where it stands and what would be needed.
//! - Every step writes its audit entry in the transaction that makes it: `create` for an
//!   upload, `update` for a draft or an edit (old and new text), `sign` for the signature;
//!   listening to the audio is a `read`, saving it to a file an `export`.
//! - Signing is refused while a required section of the note's template is empty.

use crate::audio::{self, AudioError};
use crate::audio_store::{AudioStore, AudioStoreError};
use crate::recognizer::{RecognizeError, Recognizer};
use crate::templates::{Filled, Templates, read_sections, render, type_name};
use privacy::{Action, AuditEvent, DataCategory, Outcome};
use records::{
    ClinicalNote, Deficiency, Dictation, DictationPriority, DictationStatus, DictationText,
    Encounter, EncounterId, NoteId, NoteType, Patient, PatientId, ProviderId, RecognizedWord,
};
use review::{Check, RuleSet};
use serde_json::json;
use store::{Actor, AuditTrail, Audited, Store, Stored, Tx};
use thiserror::Error;

/// The user the recogniser's job writes as.
pub const JOB_USER: &str = "job:transcription";

/// What the draft says when no recogniser is installed.
pub const NO_RECOGNISER: &str = "no draft: recogniser not installed";

/// Why a step was not taken.
#[derive(Debug, Error)]
pub enum Error {
    /// The upload is not acceptable audio.
    #[error("{0}")]
    Audio(#[from] AudioError),
    /// The audio could not be kept or read back.
    #[error("{0}")]
    AudioStore(#[from] AudioStoreError),
    /// The store refused (a bad reference, a stale version, a step not allowed now).
    #[error("{0}")]
    Store(#[from] store::Error),
    /// The templates file is not valid.
    #[error("note templates: {}", .0.join("; "))]
    Templates(Vec<String>),
}

/// A new dictation.
#[derive(Debug, Clone)]
pub struct NewDictation {
    /// Whose.
    pub patient_id: PatientId,
    /// The encounter.
    pub encounter_id: EncounterId,
    /// Who dictated; `None`: the encounter's attending.
    pub provider_id: Option<ProviderId>,
    /// The note it becomes.
    pub note_type: NoteType,
    /// Stat or routine.
    pub priority: DictationPriority,
}

fn refuse(id: i64, dictation: &Dictation, what: &str) -> store::Error {
    store::Error::Conflict(format!(
        "dictation {id} is {}; it cannot be {what}",
        dictation.status.as_str().replace('_', " ")
    ))
}

fn refuse_unless(
    stored: &Stored<Dictation>,
    allowed: &[DictationStatus],
    what: &str,
) -> store::Result<()> {
    if allowed.contains(&stored.record.status) {
        Ok(())
    } else {
        Err(refuse(stored.meta.id, &stored.record, what))
    }
}

/// What the audit entry keeps of a dictation (not the word timings: they are the draft's).
fn summary(stored: &Stored<Dictation>) -> Option<String> {
    let d = &stored.record;
    Some(
        json!({
            "id": stored.meta.id, "status": d.status.as_str(), "priority": d.priority.as_str(),
            "note_type": type_name(d.note_type), "audio_sha256": d.audio_sha256,
            "duration_ms": d.duration_ms, "draft_problem": d.draft_problem,
            "text": d.text, "text_version": d.text_version,
            "transcriptionist": d.transcriptionist, "note_id": d.note_id.map(|n| n.0),
        })
        .to_string(),
    )
}

fn entry(who: &AuditEvent, action: Action, stored: &Stored<Dictation>, reason: &str) -> AuditEvent {
    let mut event = who.clone();
    event.action = action;
    event
        .patient(stored.record.patient_id)
        .record("dictation", stored.meta.id)
        .categories(&[DataCategory::Notes])
        .reason(reason)
}

fn actor(who: &AuditEvent) -> Actor {
    Actor::new(who.user.clone())
}

fn template_text(templates: &Templates, note_type: NoteType) -> Result<String, Error> {
    let template = templates.of(note_type).ok_or_else(|| {
        Error::Templates(vec![format!("no template for {}", type_name(note_type))])
    })?;
    let empty: Vec<Filled> = template.lay_out(&[]);
    Ok(render(&empty))
}

/// Checks `bytes`, keeps them under their SHA-256 and records the dictation (audited as a
/// `create`). Nothing is recorded when the audio is refused.
pub fn add(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    audio_store: &AudioStore,
    templates: &Templates,
    new: &NewDictation,
    bytes: &[u8],
) -> Result<Stored<Dictation>, Error> {
    let info = audio::inspect(bytes)?;
    let text = template_text(templates, new.note_type)?;
    let sha = audio_store.put(bytes)?;
    Ok(trail.write(store, |audited| {
        let mut tx = audited.records();
        if tx.find::<Patient>(new.patient_id.0)?.is_none() {
            return Err(store::Error::Conflict(format!(
                "dictation.patient_id: patient {} does not exist",
                new.patient_id.0
            )));
        }
        let Some(encounter) = tx.find::<Encounter>(new.encounter_id.0)? else {
            return Err(store::Error::Conflict(format!(
                "dictation.encounter_id: encounter {} does not exist",
                new.encounter_id.0
            )));
        };
        if encounter.record.patient_id != new.patient_id {
            return Err(store::Error::Conflict(format!(
                "dictation.encounter_id: encounter {} is patient {}'s, not patient {}'s",
                new.encounter_id.0, encounter.record.patient_id.0, new.patient_id.0
            )));
        }
        let provider_id = new.provider_id.or(encounter.record.attending_id).ok_or_else(|| {
            store::Error::Conflict(format!(
                "dictation.provider_id: name the dictating provider; encounter {} has no attending",
                new.encounter_id.0
            ))
        })?;
        let dictation = Dictation {
            patient_id: new.patient_id,
            encounter_id: new.encounter_id,
            provider_id,
            note_type: new.note_type,
            priority: new.priority,
            status: DictationStatus::WaitingForDraft,
            audio_sha256: sha.clone(),
            audio_format: info.format.to_owned(),
            duration_ms: info.duration_ms,
            sample_rate: i64::from(info.sample_rate),
            dictated_at: tx.now(),
            draft_at: None,
            draft_problem: None,
            words: Vec::new(),
            text: text.clone(),
            text_version: 0,
            transcriptionist: None,
            transcribed_at: None,
            signed_at: None,
            note_id: None,
        };
        let stored = tx.create(&actor(who), &dictation)?;
        drop(tx);
        let event = entry(who, Action::Create, &stored, "dictation uploaded")
            .changes(None, summary(&stored));
        audited.append(&event)?;
        Ok(stored)
    })?)
}

fn save_version(
    tx: &mut Tx<'_>,
    actor: &Actor,
    stored: &Stored<Dictation>,
    kind: &str,
) -> store::Result<()> {
    tx.create(
        actor,
        &DictationText {
            dictation_id: stored.meta.id,
            patient_id: stored.record.patient_id,
            number: stored.record.text_version,
            kind: kind.to_owned(),
            text: stored.record.text.clone(),
            saved_by: actor.name().to_owned(),
            saved_at: tx.now(),
        },
    )?;
    Ok(())
}

/// What came of a recognition: words, or why there are none.
pub type DraftResult = Result<Vec<RecognizedWord>, String>;

/// Records the draft of dictation `id` (waiting for one): the words laid into the note
/// type's template as text version 1, or, without words, the empty template and why
/// (`no draft: ...`); either way it goes to the editing queue.
pub fn record_draft(
    audited: &mut Audited<'_>,
    who: &AuditEvent,
    templates: &Templates,
    id: i64,
    result: DraftResult,
) -> store::Result<Stored<Dictation>> {
    let mut tx = audited.records();
    let stored: Stored<Dictation> = tx.get(id)?;
    refuse_unless(
        &stored,
        &[DictationStatus::WaitingForDraft],
        "drafted again",
    )?;
    let mut record = stored.record.clone();
    let template = templates.of(record.note_type).ok_or_else(|| {
        store::Error::Conflict(format!(
            "no note template for {}",
            type_name(record.note_type)
        ))
    })?;
    match result {
        Ok(words) => {
            let said: Vec<String> = words.iter().map(|w| w.word.clone()).collect();
            record.text = render(&template.lay_out(&said));
            record.words = words;
            record.draft_problem = None;
        }
        Err(problem) => {
            record.text = render(&template.lay_out(&[]));
            record.words = Vec::new();
            record.draft_problem = Some(problem);
        }
    }
    record.status = DictationStatus::Editing;
    record.draft_at = Some(tx.now());
    record.text_version += 1;
    let updated = tx.update(&actor(who), id, stored.meta.version, &record)?;
    save_version(&mut tx, &actor(who), &updated, "draft")?;
    drop(tx);
    let reason = match &updated.record.draft_problem {
        Some(problem) => problem.clone(),
        None => format!("draft of {} words", updated.record.words.len()),
    };
    let event =
        entry(who, Action::Update, &updated, &reason).changes(summary(&stored), summary(&updated));
    audited.append(&event)?;
    Ok(updated)
}

/// One waiting dictation drafted: its audio read back (checksum checked) and decoded,
/// recognised, the draft recorded. Every failure becomes the draft's problem, so the
/// dictation moves on to a person either way; the error returned is only a failure to
/// record that.
pub fn draft_one(
    store: &Store,
    trail: &AuditTrail,
    audio_store: &AudioStore,
    recognizer: &dyn Recognizer,
    templates: &Templates,
    id: i64,
) -> Result<Stored<Dictation>, Error> {
    let stored: Stored<Dictation> = store.read(|tx| tx.get(id))?;
    let who = AuditEvent::new(
        store.clock().now(),
        JOB_USER,
        Action::Read,
        privacy::Channel::Job,
    );
    let result: DraftResult = audio_store
        .get(&stored.record.audio_sha256)
        .map_err(|e| format!("no draft: {e}"))
        .and_then(|bytes| {
            audio::decode_for_recogniser(&bytes).map_err(|e| format!("no draft: {e}"))
        })
        .and_then(|samples| {
            recognizer.recognize(&samples).map_err(|e| match e {
                RecognizeError::NotInstalled => NO_RECOGNISER.to_owned(),
                other => format!("no draft: {other}"),
            })
        });
    Ok(trail.write(store, |audited| {
        let listened = entry(
            &who,
            Action::Read,
            &stored,
            &format!("recogniser {} read the audio", recognizer.name()),
        );
        audited.append(&listened)?;
        record_draft(audited, &who, templates, id, result)
    })?)
}

/// What one pass of the drafting job did with one dictation.
#[derive(Debug)]
pub struct Drafted {
    /// The dictation.
    pub id: i64,
    /// Its state after, or why the draft could not even be recorded.
    pub outcome: Result<Stored<Dictation>, Error>,
}

/// Drafts every dictation waiting for one, stat first, then oldest; one that fails is
/// reported and the next goes on.
pub fn draft_waiting(
    store: &Store,
    trail: &AuditTrail,
    audio_store: &AudioStore,
    recognizer: &dyn Recognizer,
    templates: &Templates,
) -> Result<Vec<Drafted>, Error> {
    let waiting: Vec<Stored<Dictation>> =
        store.read(|tx| queue_of(tx, DictationStatus::WaitingForDraft, None, i64::MAX))?;
    Ok(waiting
        .into_iter()
        .map(|d| Drafted {
            id: d.meta.id,
            outcome: draft_one(store, trail, audio_store, recognizer, templates, d.meta.id),
        })
        .collect())
}

/// Dictations with `status` (dictated by `provider`, when named), stat before routine,
/// then oldest first.
pub(crate) fn queue_of(
    tx: &mut Tx<'_>,
    status: DictationStatus,
    provider: Option<ProviderId>,
    limit: i64,
) -> store::Result<Vec<Stored<Dictation>>> {
    // 'stat' sorts after 'routine' as text, so descending puts stat first.
    let mut filter = "status = ?".to_owned();
    let mut params = vec![store::Value::from(status.as_str())];
    if let Some(provider) = provider {
        filter.push_str(" AND provider_id = ?");
        params.push(store::Value::Int(provider.0));
    }
    tx.select(
        &filter,
        &params,
        "priority DESC, dictated_at, id",
        limit.max(0),
    )
}

/// Saves `text` as dictation `id`'s next text version (read at `version`); `done` hands it
/// on to the provider for signature. The transcriptionist is whoever saves while it is
/// being edited.
pub fn save_text(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    id: i64,
    version: i64,
    text: &str,
    done: bool,
) -> Result<Stored<Dictation>, Error> {
    Ok(trail.write(store, |audited| {
        let mut tx = audited.records();
        let stored: Stored<Dictation> = tx.get(id)?;
        refuse_unless(
            &stored,
            &[
                DictationStatus::Editing,
                DictationStatus::WaitingForSignature,
            ],
            "edited",
        )?;
        let mut record = stored.record.clone();
        let changed = record.text != text;
        if changed {
            record.text = text.to_owned();
            record.text_version += 1;
        }
        if record.status == DictationStatus::Editing {
            record.transcriptionist = Some(who.user.clone());
            if done {
                record.status = DictationStatus::WaitingForSignature;
                record.transcribed_at = Some(tx.now());
            }
        }
        // The version the editor read: a text saved meanwhile is not overwritten.
        let updated = tx.update(&actor(who), id, version, &record)?;
        if changed {
            save_version(&mut tx, &actor(who), &updated, "edit")?;
        }
        drop(tx);
        let reason = match (changed, done) {
            (true, true) => "dictation edited and transcribed",
            (true, false) => "dictation edited",
            (false, true) => "dictation transcribed",
            (false, false) => "dictation saved unchanged",
        };
        let event = entry(who, Action::Update, &updated, reason)
            .changes(summary(&stored), summary(&updated));
        audited.append(&event)?;
        Ok(updated)
    })?)
}

/// What signing did.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The dictation, now signed.
    pub dictation: Stored<Dictation>,
    /// The signed note in the chart.
    pub note: Stored<ClinicalNote>,
    /// The deficiencies the note answered, now resolved.
    pub resolved: Vec<Stored<Deficiency>>,
}

/// Whether `rule` is answered by a note of `note_type` on the deficiency's encounter.
fn answered_by(rules: &RuleSet, rule_id: &str, note_type: NoteType) -> bool {
    rules.get(rule_id).is_some_and(|rule| match rule.check {
        Check::NoteMissing(wanted) => wanted == note_type,
        Check::OperativeReportMissing => note_type == NoteType::OperativeReport,
        _ => false,
    })
}

/// Signs dictation `id` (read at `version`) as `signer`: the text becomes a note of the
/// dictation's type in the chart, signed (the store's note signature: the signer must be
/// the dictating provider or the encounter's attending), and each open deficiency of the
/// encounter that asked for that note is resolved naming the note. Refused while a
/// required section is empty.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    templates: &Templates,
    rules: &RuleSet,
    id: i64,
    version: i64,
    signer: ProviderId,
) -> Result<Signed, Error> {
    Ok(trail.write(store, |audited| {
        let mut tx = audited.records();
        let stored: Stored<Dictation> = tx.get(id)?;
        refuse_unless(
            &stored,
            &[
                DictationStatus::Editing,
                DictationStatus::WaitingForSignature,
            ],
            "signed",
        )?;
        if stored.meta.version != version {
            return Err(store::Error::VersionConflict {
                kind: "dictation",
                id,
                expected: version,
                actual: stored.meta.version,
            });
        }
        if let Some(template) = templates.of(stored.record.note_type) {
            let (sections, _) = read_sections(template, &stored.record.text);
            let empty: Vec<&str> = sections
                .iter()
                .filter(|s| s.flagged())
                .map(|s| s.name.as_str())
                .collect();
            if !empty.is_empty() {
                return Err(store::Error::Conflict(format!(
                    "dictation {id} cannot be signed: required sections are empty: {}",
                    empty.join(", ")
                )));
            }
        }
        let d = &stored.record;
        let note = tx.create(
            &actor(who),
            &ClinicalNote {
                patient_id: d.patient_id,
                encounter_id: Some(d.encounter_id),
                note_type: d.note_type,
                author_id: Some(d.provider_id),
                authored_at: d.dictated_at,
                text: d.text.clone(),
                signed_at: None,
                signer_id: None,
            },
        )?;
        let note = tx.sign_note(&actor(who), note.meta.id, note.meta.version, signer)?;
        let mut record = stored.record.clone();
        let now = tx.now();
        if record.transcribed_at.is_none() {
            record.transcribed_at = Some(now);
        }
        record.status = DictationStatus::Signed;
        record.signed_at = Some(now);
        record.note_id = Some(NoteId(note.meta.id));
        let updated = tx.update(&actor(who), id, stored.meta.version, &record)?;
        let reason = format!("dictation {id} signed as note {}", note.meta.id);
        let mut resolved = Vec::new();
        let open: Vec<Stored<Deficiency>> = review::deficiencies_of(&mut tx, d.patient_id.0)?
            .into_iter()
            .filter(|def| {
                def.record.status.is_open()
                    && def.record.encounter_id == Some(d.encounter_id)
                    && answered_by(rules, &def.record.rule_id, d.note_type)
            })
            .collect();
        for deficiency in open {
            resolved.push(review::act(
                &mut tx,
                &actor(who),
                deficiency.meta.id,
                &review::Action::Resolve(reason.clone()),
            )?);
        }
        drop(tx);
        let mut created = who.clone();
        created.action = Action::Create;
        audited.append(
            &created
                .patient(d.patient_id)
                .record("note", note.meta.id)
                .categories(&[DataCategory::Notes])
                .reason(&reason),
        )?;
        let mut signed = who.clone();
        signed.action = Action::Sign;
        audited.append(
            &signed
                .patient(d.patient_id)
                .record("note", note.meta.id)
                .categories(&[DataCategory::Notes])
                .reason(&format!("signed as provider {}", signer.0)),
        )?;
        audited.append(
            &entry(who, Action::Update, &updated, &reason)
                .changes(summary(&stored), summary(&updated)),
        )?;
        for deficiency in &resolved {
            let mut closed = who.clone();
            closed.action = Action::Update;
            audited.append(
                &closed
                    .patient(d.patient_id)
                    .record("deficiency", deficiency.meta.id)
                    .categories(&[DataCategory::Notes])
                    .reason(&format!("deficiency resolved: {reason}")),
            )?;
        }
        Ok(Signed {
            dictation: updated,
            note,
            resolved,
        })
    })?)
}

/// Dictation `id` with its text versions, audited as a read.
pub fn show(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    id: i64,
) -> Result<(Stored<Dictation>, Vec<Stored<DictationText>>), Error> {
    Ok(trail.write(store, |audited| {
        let mut tx = audited.records();
        let stored: Stored<Dictation> = tx.get(id)?;
        let versions: Vec<Stored<DictationText>> = tx.select(
            "dictation_id = ?",
            &[store::Value::Int(id)],
            "number",
            i64::MAX,
        )?;
        drop(tx);
        audited.append(&entry(who, Action::Read, &stored, "dictation shown"))?;
        Ok((stored, versions))
    })?)
}

/// Dictation `id`'s audio, checksum checked; audited as a `read` ("listened") or, when
/// `export` names where it goes, an `export`. A failed checksum is audited as a failure.
pub fn audio_of(
    store: &Store,
    trail: &AuditTrail,
    who: &AuditEvent,
    audio_store: &AudioStore,
    id: i64,
    export: Option<&str>,
) -> Result<(Stored<Dictation>, Vec<u8>), Error> {
    let stored: Stored<Dictation> = store.read(|tx| tx.get(id))?;
    let (action, reason) = match export {
        Some(to) => (Action::Export, format!("dictation audio exported to {to}")),
        None => (Action::Read, "listened to the dictation's audio".to_owned()),
    };
    match audio_store.get(&stored.record.audio_sha256) {
        Ok(bytes) => {
            trail.record(store, &entry(who, action, &stored, &reason))?;
            Ok((stored, bytes))
        }
        Err(e) => {
            let failed =
                entry(who, action, &stored, &format!("{reason}: {e}")).outcome(Outcome::Failure);
            trail.record(store, &failed)?;
            Err(e.into())
        }
    }
}

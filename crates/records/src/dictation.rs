//! Dictations: a provider's recorded note on its way to a signed clinical note (draft by a
//! recogniser, edited by a transcriptionist, signed by the provider), and the text versions
//! saved on the way.

use crate::RecordKind;
use crate::dates::rfc3339;
use crate::ids::{EncounterId, NoteId, PatientId, ProviderId};
use crate::note::NoteType;
use crate::validation::{Validate, Validator};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// How soon the note is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DictationPriority {
    /// Needed now (a stat read, an urgent discharge): ahead of every routine one.
    Stat,
    /// In turn.
    Routine,
}

impl DictationPriority {
    /// The name as stored and typed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stat => "stat",
            Self::Routine => "routine",
        }
    }
}

/// Where a dictation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DictationStatus {
    /// Uploaded; the recogniser has not made its draft yet.
    WaitingForDraft,
    /// A draft (or the empty template, when no draft could be made) waits for the
    /// transcriptionist.
    Editing,
    /// Transcribed; waits for the provider to review and sign.
    WaitingForSignature,
    /// Signed: the note is in the chart.
    Signed,
}

impl DictationStatus {
    /// The name as stored and typed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WaitingForDraft => "waiting_for_draft",
            Self::Editing => "editing",
            Self::WaitingForSignature => "waiting_for_signature",
            Self::Signed => "signed",
        }
    }
}

/// One recognised word with where it is in the audio and how sure the recogniser was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecognizedWord {
    /// The word as recognised.
    pub word: String,
    /// Where it starts, in milliseconds from the start of the recording.
    pub start_ms: i64,
    /// Where it ends.
    pub end_ms: i64,
    /// The recogniser's confidence, 0 to 1.
    pub confidence: f64,
}

// Confidences are finite numbers in [0, 1] (validated), so equality is total in practice.
impl Eq for RecognizedWord {}

/// A dictation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dictation {
    /// Whose.
    pub patient_id: PatientId,
    /// The encounter the note documents.
    pub encounter_id: EncounterId,
    /// Who dictated (the note's author, who signs it).
    pub provider_id: ProviderId,
    /// The note it becomes.
    pub note_type: NoteType,
    /// Stat or routine.
    pub priority: DictationPriority,
    /// Where it stands.
    pub status: DictationStatus,
    /// SHA-256 of the audio file (hex), its name in the content-addressed audio store.
    pub audio_sha256: String,
    /// `wav`, `flac`, `mp3` or `ogg` (Vorbis).
    pub audio_format: String,
    /// Length of the recording, milliseconds.
    pub duration_ms: i64,
    /// Samples per second.
    pub sample_rate: i64,
    /// When it was dictated (uploaded).
    #[serde(with = "rfc3339")]
    pub dictated_at: OffsetDateTime,
    /// When the recogniser finished (with a draft or with why there is none).
    #[serde(with = "rfc3339::option")]
    pub draft_at: Option<OffsetDateTime>,
    /// Why there is no draft ("no draft: recogniser not installed"), when there is none.
    pub draft_problem: Option<String>,
    /// The recognised words with timings and confidences (empty without a draft).
    pub words: Vec<RecognizedWord>,
    /// The current text, laid into the note type's template.
    pub text: String,
    /// How many text versions were saved.
    pub text_version: i64,
    /// Who transcribed it (a username).
    pub transcriptionist: Option<String>,
    /// When the transcriptionist finished.
    #[serde(with = "rfc3339::option")]
    pub transcribed_at: Option<OffsetDateTime>,
    /// When it was signed.
    #[serde(with = "rfc3339::option")]
    pub signed_at: Option<OffsetDateTime>,
    /// The signed note it became.
    pub note_id: Option<NoteId>,
}

impl RecordKind for Dictation {
    const KIND: &'static str = "dictation";
}

/// Longest dictation text kept (a note's own limit).
pub const MAX_DICTATION_TEXT: usize = 100_000;

impl Validate for Dictation {
    fn check(&self, v: &mut Validator) {
        if self.audio_sha256.len() != 64
            || !self
                .audio_sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            v.error("audio_sha256", "must be 64 lower-case hex digits");
        }
        if !matches!(self.audio_format.as_str(), "wav" | "flac" | "mp3" | "ogg") {
            v.error("audio_format", "must be wav, flac, mp3 or ogg");
        }
        if self.duration_ms <= 0 {
            v.error("duration_ms", "must be more than 0");
        }
        if self.sample_rate <= 0 {
            v.error("sample_rate", "must be more than 0");
        }
        v.max_len("text", &self.text, MAX_DICTATION_TEXT);
        v.optional_text("draft_problem", self.draft_problem.as_deref(), 1000);
        v.optional_text("transcriptionist", self.transcriptionist.as_deref(), 100);
        for (idx, word) in self.words.iter().enumerate() {
            if word.word.trim().is_empty() {
                v.error(&format!("words[{idx}].word"), "is empty");
            }
            if word.start_ms < 0 || word.end_ms < word.start_ms {
                v.error(
                    &format!("words[{idx}].end_ms"),
                    "must not be before the word's start",
                );
            }
            if !(0.0..=1.0).contains(&word.confidence) {
                v.error(&format!("words[{idx}].confidence"), "must be from 0 to 1");
            }
        }
        let needs = |v: &mut Validator, field: &str, present: bool, status: DictationStatus| {
            if !present {
                v.error(
                    field,
                    format!("is required when the dictation is {}", status.as_str()),
                );
            }
        };
        match self.status {
            DictationStatus::WaitingForDraft => {}
            DictationStatus::Editing => {
                needs(v, "draft_at", self.draft_at.is_some(), self.status);
            }
            DictationStatus::WaitingForSignature => {
                needs(v, "draft_at", self.draft_at.is_some(), self.status);
                needs(
                    v,
                    "transcribed_at",
                    self.transcribed_at.is_some(),
                    self.status,
                );
            }
            DictationStatus::Signed => {
                needs(v, "signed_at", self.signed_at.is_some(), self.status);
                needs(v, "note_id", self.note_id.is_some(), self.status);
            }
        }
        v.ordered(
            "draft_at",
            Some(self.dictated_at),
            self.draft_at,
            "dictated_at",
        );
        v.ordered(
            "signed_at",
            Some(self.dictated_at),
            self.signed_at,
            "dictated_at",
        );
    }

    /// A signed dictation is the signed note's source: it stays as signed.
    fn check_change(&self, before: &Self, v: &mut Validator) {
        if before.status == DictationStatus::Signed && self != before {
            v.error(
                "status",
                "the dictation is signed and cannot be changed; amend the signed note instead",
            );
        }
        if self.audio_sha256 != before.audio_sha256 {
            v.error("audio_sha256", "the recording of a dictation cannot change");
        }
    }
}

/// One saved version of a dictation's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DictationText {
    /// The dictation.
    pub dictation_id: i64,
    /// Whose (so a merge moves the versions with the dictation).
    pub patient_id: PatientId,
    /// 1 for the first version, then one more each save.
    pub number: i64,
    /// `draft` (the recogniser's, laid into the template), `edit` (a person's save).
    pub kind: String,
    /// The text as saved.
    pub text: String,
    /// Who saved it (a username, or `job:transcription` for a draft).
    pub saved_by: String,
    /// When.
    #[serde(with = "rfc3339")]
    pub saved_at: OffsetDateTime,
}

impl RecordKind for DictationText {
    const KIND: &'static str = "dictation_text";
}

impl Validate for DictationText {
    fn check(&self, v: &mut Validator) {
        if self.number < 1 {
            v.error("number", "must be 1 or more");
        }
        if !matches!(self.kind.as_str(), "draft" | "edit") {
            v.error("kind", "must be draft or edit");
        }
        v.max_len("text", &self.text, MAX_DICTATION_TEXT);
        v.required("saved_by", &self.saved_by);
    }
}

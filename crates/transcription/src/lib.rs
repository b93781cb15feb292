//! Transcription: a provider's dictation to a signed note. No HTTP here: the command line
//! (`chartroom dictation`) and the server call in.
//!
//! - `audio`: what an upload is (WAV, FLAC, MP3, Ogg Vorbis, all read by `symphonia`), every bad file refused
//!   with its problem named (not audio, truncated, 0 seconds, over 3 hours); decoding to
//!   the 16 kHz mono samples a recogniser reads.
//! - `audio_store`: recordings kept under the data directory by SHA-256, checked on read.
//! - `templates`: the sections of each dictated note type (data, checked), a draft laid
//!   into them, a text read back with its empty required sections flagged.
//! - `recognizer`: the speech recogniser behind one trait.
//! - `pocketsphinx`: the shipped engine, Debian's PocketSphinx run as a child process.
//! - `vocabulary`: the medical language model and dictionary (clinical text, drug and
//!   clinical words, CVX and HCPCS titles; pronunciations from CMU or espeak-ng).
//! - `evaluation`: the spoken test corpus and word error rates per note type.
//! - `editor`: the recognised words by section with timings and doubtful ones marked; a
//!   note's text composed from the sections typed on a form.
//! - `spelling`: the spelling check against the medical vocabulary and general words.
//! - `productivity`: lines per hour per transcriptionist, from the saved versions.
//! - `workflow`: the steps (add, draft, edit, sign), each one audited transaction; the
//!   drafting job that goes on past a failure.
//! - `queues`: waiting for a draft, for editing, for signature (stat first, then oldest);
//!   turnaround from dictation to draft, to transcribed, to signed.
//!
//! Invariants:
//! - Audio and text are patient data: every upload, draft, listen, edit, export and
//!   signature has its audit entry, written in the transaction that does it.
//! - Signing makes the chart's ordinary signed note (`store::Tx::sign_note`'s rules), so
//!   amendments after signing follow the notes' own path.

pub mod audio;
pub mod audio_store;
pub mod editor;
pub mod evaluation;
pub mod pocketsphinx;
pub mod productivity;
pub mod queues;
pub mod recognizer;
pub mod spelling;
pub mod templates;
pub mod vocabulary;
pub mod workflow;

pub use audio::{AudioError, AudioInfo, MAX_DURATION_MS, inspect};
pub use audio_store::{AudioStore, AudioStoreError, sha256_hex};
pub use editor::{HeardSection, HeardWord, LOW_CONFIDENCE, compose, heard};
pub use pocketsphinx::PocketSphinx;
pub use productivity::{Productivity, productivity};
pub use queues::{
    Counts, QUEUES, QueueItem, Spread, Turnaround, counts, parse_queue, queue, queue_for,
    turnaround,
};
pub use recognizer::{NoRecognizer, RecognizeError, Recognizer};
pub use spelling::{Misspelt, Speller};
pub use templates::{
    DICTATED_TYPES, Filled, Template, Templates, parse_type, read_sections, render, type_name,
};
pub use workflow::{
    Drafted, Error, JOB_USER, NO_RECOGNISER, NewDictation, Signed, add, audio_of, draft_one,
    draft_waiting, record_draft, save_text, show, sign,
};

//! The speech recogniser behind one trait, so a better engine can replace the one shipped.
//!
//! Invariants:
//! - A recogniser reads 16 kHz mono 16-bit samples (`audio::decode_for_recogniser`) and
//!   returns words in order with their times and confidences; it never sees the patient.
//! - An engine that is not installed says so (`RecognizeError::NotInstalled`), and the
//!   dictation goes on without a draft.

use records::RecognizedWord;
use thiserror::Error;

/// Why no draft was made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecognizeError {
    /// The engine is not on this machine.
    #[error("recogniser not installed")]
    NotInstalled,
    /// The engine ran and failed.
    #[error("recognition failed: {0}")]
    Failed(String),
}

/// A speech recogniser.
pub trait Recognizer: Send + Sync {
    /// The engine's name, as drafts record it.
    fn name(&self) -> &str;

    /// The words in `samples` (16 kHz, mono), in order.
    fn recognize(&self, samples: &[i16]) -> Result<Vec<RecognizedWord>, RecognizeError>;
}

/// No engine: every dictation waits for a person to type it.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRecognizer;

impl Recognizer for NoRecognizer {
    fn name(&self) -> &str {
        "none"
    }

    fn recognize(&self, _samples: &[i16]) -> Result<Vec<RecognizedWord>, RecognizeError> {
        Err(RecognizeError::NotInstalled)
    }
}

//! How well the recogniser hears dictation: a corpus of clinical sentences per note type,
//! spoken by espeak-ng (US English) and resampled to 16 kHz, run through a recogniser as
//! one recording (a second of silence between sentences, so the engine loads its model
//! once), each sentence's words taken back by time, and the word error rate per note type.
//!
//! Invariants:
//! - The sentences here are not in `data/clinical-phrases.txt` (the model's training text).
//! - WER is (substitutions + deletions + insertions) / reference words, by word-level
//!   edit distance over `templates::words_of` (lower case, punctuation dropped).

use crate::audio::{RECOGNISER_RATE, decode_for_recogniser};
use crate::recognizer::{RecognizeError, Recognizer};
use crate::templates::{type_name, words_of};
use records::{NoteType, RecognizedWord};
use std::process::Command;

/// The test corpus: sentences a provider might dictate, per note type.
pub const CORPUS: &[(NoteType, &[&str])] = &[
    (
        NoteType::HistoryAndPhysical,
        &[
            "chief complaint fever and productive cough",
            "past medical history significant for asthma and hypothyroidism",
            "medications include levothyroxine and albuterol",
            "lungs show rhonchi in the right lower lobe",
        ],
    ),
    (
        NoteType::Progress,
        &[
            "subjective the patient slept well and has no pain",
            "objective blood pressure is one twenty over seventy",
            "assessment cellulitis of the left leg improving",
            "plan continue cefazolin for two more days",
        ],
    ),
    (
        NoteType::Consultation,
        &[
            "reason for consultation syncope",
            "the patient fainted while standing at church",
            "impression probable vasovagal syncope",
            "recommendations check orthostatic vital signs and an electrocardiogram",
        ],
    ),
    (
        NoteType::OperativeReport,
        &[
            "preoperative diagnosis acute appendicitis",
            "procedure laparoscopic appendectomy",
            "estimated blood loss ten milliliters",
            "the appendix was removed and the patient went to recovery",
        ],
    ),
    (
        NoteType::DischargeSummary,
        &[
            "hospital course the patient received vancomycin and piperacillin tazobactam",
            "her sepsis resolved and cultures were negative",
            "discharge medications include metoprolol and apixaban",
            "follow up with nephrology next month",
        ],
    ),
    (
        NoteType::RadiologyReport,
        &[
            "clinical history right upper quadrant pain",
            "findings the gallbladder contains several stones",
            "there is no biliary dilatation",
            "impression cholelithiasis without cholecystitis",
        ],
    ),
];

/// Word-level edit distance between `reference` and `hypothesis`.
pub fn word_errors(reference: &[String], hypothesis: &[String]) -> usize {
    let mut row: Vec<usize> = (0..=hypothesis.len()).collect();
    for (i, r) in reference.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, h) in hypothesis.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if r == h {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[hypothesis.len()]
}

/// `text` spoken by espeak-ng (US English), as a WAV file's bytes; `None` when espeak-ng
/// is not installed or fails.
pub fn speak(text: &str) -> Option<Vec<u8>> {
    let output = Command::new("espeak-ng")
        .args(["-v", "en-us", "--stdout", text])
        .output()
        .ok()?;
    output.status.success().then_some(output.stdout)
}

/// The corpus spoken, one recording of 16 kHz samples, and where each sentence starts and
/// ends (milliseconds), in `CORPUS` order.
pub struct Spoken {
    /// The samples.
    pub samples: Vec<i16>,
    /// Per sentence: note type, the sentence, start and end in milliseconds.
    pub sentences: Vec<(NoteType, &'static str, i64, i64)>,
}

impl Spoken {
    /// Seconds of audio.
    pub fn seconds(&self) -> f64 {
        self.samples.len() as f64 / f64::from(RECOGNISER_RATE)
    }
}

/// Speaks the whole corpus; `None` without espeak-ng.
pub fn speak_corpus() -> Option<Spoken> {
    let gap = vec![0i16; RECOGNISER_RATE as usize];
    let mut samples = gap.clone();
    let mut sentences = Vec::new();
    let ms = |n: usize| (n as i64) * 1000 / i64::from(RECOGNISER_RATE);
    for (note_type, lines) in CORPUS {
        for line in *lines {
            // espeak-ng writes a streamed WAV (sizes unset), which `inspect` reads to the end.
            let wav = speak(line)?;
            let spoken = decode_for_recogniser(&wav).ok()?;
            let start = ms(samples.len());
            samples.extend_from_slice(&spoken);
            sentences.push((*note_type, *line, start, ms(samples.len())));
            samples.extend_from_slice(&gap);
        }
    }
    Some(Spoken { samples, sentences })
}

/// Word error rate per note type.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Per note type: its name, reference words, errors.
    pub by_type: Vec<(&'static str, usize, usize)>,
}

impl Scores {
    /// Over the whole corpus.
    pub fn overall(&self) -> f64 {
        let (words, errors) = self
            .by_type
            .iter()
            .fold((0, 0), |(w, e), (_, words, errors)| (w + words, e + errors));
        errors as f64 / words.max(1) as f64
    }

    /// One note type's rate.
    pub fn rate(&self, name: &str) -> Option<f64> {
        self.by_type
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, words, errors)| *errors as f64 / (*words).max(1) as f64)
    }
}

/// Scores `heard` (the words of the whole recording) against the corpus, each word given
/// to the sentence its middle falls in.
pub fn score(spoken: &Spoken, heard: &[RecognizedWord]) -> Scores {
    let mut by_type: Vec<(&'static str, usize, usize)> = Vec::new();
    for (note_type, sentence, start, end) in &spoken.sentences {
        // Half the gap on each side belongs to the sentence.
        let (from, to) = (start - 500, end + 500);
        let hypothesis: Vec<String> = heard
            .iter()
            .filter(|w| {
                let middle = (w.start_ms + w.end_ms) / 2;
                middle >= from && middle < to
            })
            .flat_map(|w| words_of(&w.word))
            .collect();
        let reference = words_of(sentence);
        let errors = word_errors(&reference, &hypothesis);
        let name = type_name(*note_type);
        match by_type.iter_mut().find(|(n, _, _)| *n == name) {
            Some(entry) => {
                entry.1 += reference.len();
                entry.2 += errors;
            }
            None => by_type.push((name, reference.len(), errors)),
        }
    }
    Scores { by_type }
}

/// Runs `recognizer` over the spoken corpus and scores it.
pub fn evaluate(spoken: &Spoken, recognizer: &dyn Recognizer) -> Result<Scores, RecognizeError> {
    let heard = recognizer.recognize(&spoken.samples)?;
    Ok(score(spoken, &heard))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        words_of(text)
    }

    #[test]
    fn errors_count_substitutions_deletions_and_insertions() {
        assert_eq!(word_errors(&words("a b c"), &words("a b c")), 0);
        assert_eq!(word_errors(&words("a b c"), &words("a x c")), 1);
        assert_eq!(word_errors(&words("a b c"), &words("a c")), 1);
        assert_eq!(word_errors(&words("a b c"), &words("a b c d e")), 2);
        assert_eq!(word_errors(&words("a b c"), &[]), 3);
    }
}

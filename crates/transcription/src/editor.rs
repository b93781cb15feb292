//! What the transcriptionist's editor shows and takes back: the recognised words laid in
//! the template's sections with their timings and the doubtful ones marked, and the
//! sections typed on a form put back together as the note's text.
//!
//! Invariants:
//! - Every word keeps its index in the dictation's word list and its times, so a page can
//!   seek the recording to it; the spoken headings are in no section.
//! - A text composed from sections reads back (`read_sections`) into the same sections;
//!   text outside every section is kept ahead of the first heading, never dropped.

use crate::templates::{Filled, Template, render};
use records::RecognizedWord;
use serde::Serialize;

/// Words the recogniser was less sure of than this are marked for the transcriptionist.
pub const LOW_CONFIDENCE: f64 = 0.5;

/// One recognised word as the editor shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeardWord {
    /// Its position in the dictation's word list.
    pub index: usize,
    /// The word.
    pub word: String,
    /// Where it starts in the recording, in milliseconds.
    pub start_ms: i64,
    /// Where it ends.
    pub end_ms: i64,
    /// The recogniser's confidence, 0 to 1.
    pub confidence: f64,
    /// Below `LOW_CONFIDENCE`: marked.
    pub low: bool,
}

/// A template section with the words heard for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeardSection {
    /// The heading.
    pub name: String,
    /// Its words in order.
    pub words: Vec<HeardWord>,
}

/// The recognised `words` laid in `template`'s sections, as the draft was.
pub fn heard(template: &Template, words: &[RecognizedWord]) -> Vec<HeardSection> {
    let said: Vec<String> = words.iter().map(|w| w.word.clone()).collect();
    template
        .sections
        .iter()
        .zip(template.lay_out_indices(&said))
        .map(|(section, placed)| HeardSection {
            name: section.name.clone(),
            words: placed
                .into_iter()
                .filter_map(|index| {
                    words.get(index).map(|w| HeardWord {
                        index,
                        word: w.word.clone(),
                        start_ms: w.start_ms,
                        end_ms: w.end_ms,
                        confidence: w.confidence,
                        low: w.confidence < LOW_CONFIDENCE,
                    })
                })
                .collect(),
        })
        .collect()
}

/// The note's text from one text per template section (in the template's order; missing
/// ones are empty) and what was outside every section (kept first).
pub fn compose(template: &Template, texts: &[String], outside: &str) -> String {
    let filled: Vec<Filled> = template
        .sections
        .iter()
        .enumerate()
        .map(|(idx, section)| Filled {
            name: section.name.clone(),
            required: section.required,
            text: texts
                .get(idx)
                .map(|t| t.replace("\r\n", "\n").trim().to_owned())
                .unwrap_or_default(),
        })
        .collect();
    let sections = render(&filled);
    let outside = outside.replace("\r\n", "\n");
    let outside = outside.trim();
    if outside.is_empty() {
        sections
    } else {
        format!("{outside}\n\n{sections}")
    }
}

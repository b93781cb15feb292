//! The coder's terminology helper: for a term or phrase, every meaning of each abbreviation
//! in it ("MS": multiple sclerosis, mitral stenosis, morphine sulfate), the lay names it
//! contains and the Index term each leads to ("heart attack" → Infarct, myocardium), each
//! word split into its parts ("cholecystectomy" → chole / cyst / ectomy), and the nearest
//! Alphabetic Index terms.
//!
//! Invariants: data only from the tables in `data/codes/` and the embedded Index; nothing
//! is guessed (a word that does not split wholly gets no split).

use serde::Serialize;

use crate::abbreviations::{Meaning, meanings};
use crate::engine::CodeSets;
use crate::error::Result;
use crate::index::IndexKind;
use crate::word_parts::{WordPart, split_word};

/// A lay name found in the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayName {
    /// The lay name ("heart attack").
    pub lay: String,
    /// The Index path it leads to ("Infarct, myocardium").
    pub index_path: String,
    /// The Index's code there, as published (may end in `-`).
    pub code: String,
}

/// A word and its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SplitWord {
    /// The word.
    pub word: String,
    /// Its parts, first to last.
    pub parts: Vec<WordPart>,
}

/// The helper's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermHelp {
    /// The text asked about.
    pub text: String,
    /// Every meaning of every abbreviation in the text.
    pub abbreviations: Vec<Meaning>,
    /// Lay names in the text with the Index term each leads to.
    pub lay_names: Vec<LayName>,
    /// Words split into prefix, combining forms and suffix.
    pub word_parts: Vec<SplitWord>,
    /// The nearest Alphabetic Index terms (with their codes).
    pub index_terms: Vec<String>,
}

/// Most words looked at.
const MAX_WORDS: usize = 32;

impl CodeSets {
    /// Explains a term or phrase (see the module documentation).
    pub fn terminology(&self, text: &str) -> Result<TermHelp> {
        let words: Vec<String> = text
            .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '/'))
            .filter(|w| !w.is_empty())
            .take(MAX_WORDS)
            .map(str::to_lowercase)
            .collect();
        let mut abbreviations: Vec<Meaning> = Vec::new();
        let mut word_parts = Vec::new();
        for w in &words {
            for m in meanings(w) {
                if !abbreviations.contains(m) {
                    abbreviations.push(*m);
                }
            }
            if let Some(parts) = split_word(w, true)
                && !word_parts.iter().any(|s: &SplitWord| s.word == *w)
            {
                word_parts.push(SplitWord {
                    word: w.clone(),
                    parts: parts.into_iter().copied().collect(),
                });
            }
        }
        let joined = format!(" {} ", words.join(" "));
        let (indexes, mains) = self.cross_refs()?;
        let diseases = indexes
            .iter()
            .zip(mains)
            .find(|(ix, _)| ix.kind == IndexKind::Diseases);
        let mut lay_names = Vec::new();
        for lay in crate::lay::lay_terms() {
            if !joined.contains(&format!(" {} ", lay.lay.to_lowercase())) {
                continue;
            }
            let code = diseases
                .and_then(|(ix, main)| {
                    let term = main.resolve(ix, lay.index_path)?;
                    main.code_of(ix, term).map(|(c, _)| c.to_owned())
                })
                .unwrap_or_default();
            lay_names.push(LayName {
                lay: lay.lay.to_owned(),
                index_path: lay.index_path.to_owned(),
                code,
            });
        }
        let index_terms = self
            .search_index(&words.join(" "), 5)
            .unwrap_or_default()
            .into_iter()
            .map(|h| {
                if h.code.is_empty() {
                    h.path
                } else {
                    format!("{} → {}", h.path, h.code)
                }
            })
            .collect();
        Ok(TermHelp {
            text: text.to_owned(),
            abbreviations,
            lay_names,
            word_parts,
            index_terms,
        })
    }
}

#[cfg(test)]
mod tests;

//! The spelling check of a transcribed text against the medical vocabulary (the words the
//! recogniser's medical model is counted from: clinical phrases, the drug and clinical
//! word list, CVX and HCPCS drug titles) and a general English word list (the engine's
//! CMU dictionary when it is installed), with suggestions from the medical words first.
//!
//! Invariants:
//! - Checking reads only the text given: no store, no clock, no patient.
//! - Words with digits, single letters and the template's headings are never flagged;
//!   every flagged word names its line and column (1-based, in characters).

use crate::templates::Templates;
use serde::Serialize;
use std::collections::HashSet;

/// At most this many suggestions per word.
const SUGGESTIONS: usize = 5;

/// A word not in the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Misspelt {
    /// The word as typed.
    pub word: String,
    /// Its line, from 1.
    pub line: usize,
    /// Its column, from 1, in characters.
    pub column: usize,
    /// Close words, the medical ones first.
    pub suggestions: Vec<String>,
}

/// The words a text is checked against.
#[derive(Debug, Clone, Default)]
pub struct Speller {
    known: HashSet<String>,
    medical: Vec<String>,
    general: Vec<String>,
}

impl Speller {
    /// A speller over `medical` words (suggested first) and `general` ones.
    pub fn new(
        medical: impl IntoIterator<Item = String>,
        general: impl IntoIterator<Item = String>,
    ) -> Self {
        let mut medical: Vec<String> = medical.into_iter().map(|w| w.to_lowercase()).collect();
        medical.sort();
        medical.dedup();
        let medical_set: HashSet<&String> = medical.iter().collect();
        let mut general: Vec<String> = general
            .into_iter()
            .map(|w| w.to_lowercase())
            .filter(|w| !medical_set.contains(w))
            .collect();
        general.sort();
        general.dedup();
        let known = medical.iter().chain(&general).cloned().collect();
        Self {
            known,
            medical,
            general,
        }
    }

    /// The medical vocabulary (`titles`: the code sets' drug and vaccine titles), the
    /// templates' headings, and the general words of a CMU-format dictionary's text.
    pub fn medical(titles: &[String], templates: &Templates, cmu: Option<&str>) -> Self {
        let medical = crate::vocabulary::training_text(titles)
            .into_iter()
            .flat_map(|(words, _)| words)
            .chain(templates.heading_words());
        let general: Vec<String> = cmu
            .map(|text| {
                text.lines()
                    .filter_map(|line| line.split_whitespace().next())
                    .filter(|w| !w.contains('('))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Self::new(medical, general)
    }

    /// How many words it knows.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    /// Whether it knows no word.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    fn knows(&self, word: &str) -> bool {
        let lower = word.to_lowercase();
        self.known.contains(&lower)
            || lower
                .strip_suffix("'s")
                .or_else(|| lower.strip_suffix('\''))
                .is_some_and(|base| self.known.contains(base))
    }

    /// The words of `text` it does not know, in order, each with close known words.
    pub fn check(&self, text: &str) -> Vec<Misspelt> {
        let mut found = Vec::new();
        for (line_idx, line) in text.lines().enumerate() {
            for (column, word) in tokens(line) {
                if word.chars().count() < 2
                    || word.chars().any(|c| c.is_ascii_digit())
                    || self.knows(&word)
                {
                    continue;
                }
                found.push(Misspelt {
                    suggestions: self.suggest(&word),
                    word,
                    line: line_idx + 1,
                    column,
                });
            }
        }
        found
    }

    /// Known words within two edits (one for words of four letters or fewer), nearest
    /// first, medical before general.
    pub fn suggest(&self, word: &str) -> Vec<String> {
        let wanted: Vec<char> = word.to_lowercase().chars().collect();
        let most = if wanted.len() <= 4 { 1 } else { 2 };
        let mut close: Vec<(usize, u8, &String)> = Vec::new();
        for (rank, list) in [(0u8, &self.medical), (1u8, &self.general)] {
            for candidate in list {
                let n = candidate.chars().count();
                if n.abs_diff(wanted.len()) > most {
                    continue;
                }
                if let Some(d) = distance(&wanted, candidate, most) {
                    close.push((d, rank, candidate));
                }
            }
        }
        close.sort();
        close
            .into_iter()
            .take(SUGGESTIONS)
            .map(|(_, _, w)| w.clone())
            .collect()
    }
}

/// The words of a line with their 1-based character columns; apostrophes inside a word
/// stay, hyphens and slashes split.
fn tokens(line: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (idx, c) in line.chars().enumerate() {
        if c.is_alphanumeric() || (c == '\'' && !current.is_empty()) {
            if current.is_empty() {
                start = idx + 1;
            }
            current.push(c);
        } else if !current.is_empty() {
            out.push((start, std::mem::take(&mut current)));
        }
    }
    if !current.is_empty() {
        out.push((start, current));
    }
    out.into_iter()
        .map(|(col, w)| (col, w.trim_end_matches('\'').to_owned()))
        .filter(|(_, w)| !w.is_empty())
        .collect()
}

/// The optimal-string-alignment distance (a swap of neighbours is one edit), or `None`
/// when it exceeds `most`.
fn distance(a: &[char], b: &str, most: usize) -> Option<usize> {
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let mut rows = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        if let Some(first) = row.first_mut() {
            *first = i;
        }
    }
    if let Some(first) = rows.first_mut() {
        for (j, cell) in first.iter_mut().enumerate() {
            *cell = j;
        }
    }
    for i in 1..=n {
        let mut best = usize::MAX;
        for j in 1..=m {
            let cost = usize::from(a.get(i - 1) != b.get(j - 1));
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1) {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
            best = best.min(d);
        }
        if best > most {
            return None;
        }
    }
    let d = rows[n][m];
    (d <= most).then_some(d)
}

#[cfg(test)]
mod tests;

//! Clinical abbreviations (`data/codes/abbreviations.tsv`) with every meaning they have in a
//! chart ("MS": multiple sclerosis, mitral stenosis, morphine sulfate), and the one meaning
//! search and the encoder read an abbreviation as, where the table marks one.
//!
//! Invariants: the table is data; an abbreviation is matched as a whole lower-case word;
//! one with no marked meaning is never expanded (the encoder names its meanings instead).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

const TABLE: &str = include_str!("../../../data/codes/abbreviations.tsv");

/// One meaning of an abbreviation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Meaning {
    /// The abbreviation, lower-case.
    pub abbreviation: &'static str,
    /// What it stands for.
    pub meaning: &'static str,
    /// `condition`, `procedure`, `drug`, `test` or `other`.
    pub kind: &'static str,
    /// Search and the encoder read the abbreviation as this meaning.
    pub expands: bool,
}

fn table() -> &'static HashMap<&'static str, Vec<Meaning>> {
    static TABLE_MAP: OnceLock<HashMap<&'static str, Vec<Meaning>>> = OnceLock::new();
    TABLE_MAP.get_or_init(|| {
        let mut map: HashMap<&'static str, Vec<Meaning>> = HashMap::new();
        for line in TABLE
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let mut f = line.split('\t').map(str::trim);
            let (Some(abbreviation), Some(meaning), Some(kind)) = (f.next(), f.next(), f.next())
            else {
                continue;
            };
            if abbreviation.is_empty() || meaning.is_empty() {
                continue;
            }
            map.entry(abbreviation).or_default().push(Meaning {
                abbreviation,
                meaning,
                kind,
                expands: f.next() == Some("expand"),
            });
        }
        map
    })
}

/// Every meaning of `word` (any case), in the table's order; empty when it is not an
/// abbreviation the table knows.
pub fn meanings(word: &str) -> &'static [Meaning] {
    table()
        .get(word.trim().to_ascii_lowercase().as_str())
        .map_or(&[], Vec::as_slice)
}

/// The meaning a lower-case token is read as, if the table marks one.
pub(crate) fn expansion(token: &str) -> Option<&'static str> {
    table()
        .get(token)?
        .iter()
        .find(|m| m.expands)
        .map(|m| m.meaning)
}

/// The condition meanings of a token the table leaves unexpanded (an ambiguous
/// abbreviation), for the encoder to name.
pub(crate) fn ambiguous(token: &str) -> Option<Vec<&'static str>> {
    let all = table().get(token)?;
    if all.iter().any(|m| m.expands) || !all.iter().any(|m| m.kind == "condition") {
        return None;
    }
    Some(all.iter().map(|m| m.meaning).collect())
}

#[cfg(test)]
mod tests;

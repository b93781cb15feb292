//! Medical word parts (`data/codes/word-parts.tsv`): prefixes, combining forms and suffixes
//! with their meanings, and the split of a term into them ("cholecystectomy" → chole / cyst /
//! ectomy).
//!
//! Invariants: the table is data, never code; a split uses only parts of the table, joined
//! by nothing or by a linking vowel (o, i, a); a word that cannot be split wholly gets no
//! split, never a partial guess.

use std::sync::OnceLock;

use serde::Serialize;

const TABLE: &str = include_str!("../../../data/codes/word-parts.tsv");

/// What kind of word part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PartKind {
    /// Comes first and changes the meaning ("hyper").
    Prefix,
    /// A root with its linking vowel dropped ("cardi").
    Combining,
    /// Two combining forms read as one organ ("cholecyst": gallbladder).
    Compound,
    /// Comes last ("ectomy").
    Suffix,
}

/// One part of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WordPart {
    /// The part as written, without hyphens or linking vowel ("cyst").
    pub part: &'static str,
    /// Its kind.
    pub kind: PartKind,
    /// What it means ("bladder, sac, cyst").
    pub meaning: &'static str,
}

/// Every part of the table, longest first (so a split tries "cholecyst" before "chole").
pub fn word_parts() -> &'static [WordPart] {
    static PARTS: OnceLock<Vec<WordPart>> = OnceLock::new();
    PARTS.get_or_init(|| {
        let mut parts: Vec<WordPart> = TABLE
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut f = l.split('\t');
                let part = f.next()?.trim();
                let kind = match f.next()?.trim() {
                    "prefix" => PartKind::Prefix,
                    "combining" => PartKind::Combining,
                    "compound" => PartKind::Compound,
                    "suffix" => PartKind::Suffix,
                    _ => return None,
                };
                let meaning = f.next()?.trim();
                (!part.is_empty() && !meaning.is_empty()).then_some(WordPart {
                    part,
                    kind,
                    meaning,
                })
            })
            .collect();
        parts.sort_by(|a, b| b.part.len().cmp(&a.part.len()).then(a.part.cmp(b.part)));
        parts
    })
}

/// The suffix a word ends with (longest first), and what is left before it.
pub(crate) fn split_suffix(word: &str) -> Option<(&'static WordPart, &str)> {
    word_parts()
        .iter()
        .filter(|p| p.kind == PartKind::Suffix)
        .find_map(|p| {
            let stem = word.strip_suffix(p.part)?;
            (stem.len() >= 2).then_some((p, stem))
        })
}

/// Splits a stem into combining forms (and prefixes), each optionally followed by a linking
/// vowel: "esophagogastroduoden" → esophag, gastr, duoden. `compounds` says whether a
/// compound ("cholecyst") may stand for its two parts. None when some letters are left over.
pub(crate) fn split_stem(stem: &str, compounds: bool) -> Option<Vec<&'static WordPart>> {
    fn go(rest: &str, compounds: bool, first: bool, out: &mut Vec<&'static WordPart>) -> bool {
        if rest.is_empty() {
            return true;
        }
        for p in word_parts() {
            let allowed = match p.kind {
                PartKind::Prefix => first,
                PartKind::Combining => true,
                PartKind::Compound => compounds,
                PartKind::Suffix => false,
            };
            if !allowed {
                continue;
            }
            let Some(after) = rest.strip_prefix(p.part) else {
                continue;
            };
            out.push(p);
            // With or without a linking vowel after the part.
            let mut tails = vec![after];
            for vowel in ['o', 'i', 'a'] {
                if let Some(t) = after.strip_prefix(vowel) {
                    tails.push(t);
                }
            }
            if tails.into_iter().any(|t| go(t, compounds, false, out)) {
                return true;
            }
            out.pop();
        }
        false
    }
    let mut out = Vec::new();
    go(stem, compounds, true, &mut out).then_some(out)
}

/// A word split into its parts: prefixes and combining forms, then its suffix. `compounds`
/// lets "cholecyst" stand whole (the PCS builder reads organs); the terminology helper
/// splits to the finest parts. None when the word is not made of known parts.
pub fn split_word(word: &str, compounds: bool) -> Option<Vec<&'static WordPart>> {
    let word = word.to_lowercase();
    if let Some((suffix, stem)) = split_suffix(&word) {
        let stem = stem
            .strip_suffix(['o', 'i', 'a'])
            .filter(|s| split_stem(s, compounds).is_some())
            .unwrap_or(stem);
        let mut parts = split_stem(stem, compounds).or_else(|| {
            // Fall back to the compound reading when the fine one leaves letters over.
            (!compounds).then(|| split_stem(stem, true)).flatten()
        })?;
        parts.push(suffix);
        return Some(parts);
    }
    // A lone combining form counts only with its linking vowel ("salpingo-"), so a plain
    // word that happens to be a root ("cyst") is not read as an organ.
    split_stem(&word, compounds)
        .filter(|p| p.len() > 1 || p.first().is_some_and(|f| f.part.len() < word.len()))
}

#[cfg(test)]
mod tests;

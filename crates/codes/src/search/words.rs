//! The words of a query and of a text: fillers that do not narrow a title, clinical
//! abbreviations, stop words, laterality spellings, selector words and plural folding.
//!
//! Invariant: a query is turned into words the same way for every search, so what ranks a
//! hit (search) and what completes a header (the ICD-10-CM answer) agree.

use super::{SearchIndex, tokenize};

/// Words that do not narrow a text: "site not specified", "NOS", "of". A text whose other
/// words the query covers is the default code for those words (N39.0 for "urinary tract
/// infection", R07.9 for "chest pain").
pub(super) const FILLER: [&str; 14] = [
    "unspecified",
    "with",
    "uncomplicated",
    "nos",
    "site",
    "not",
    "specified",
    "of",
    "and",
    "the",
    "in",
    "to",
    "or",
    "by",
];

/// Query words that carry no meaning in titles ("of", "and") are ignored unless alone.
pub(super) const STOP: [&str; 14] = [
    "of", "and", "the", "in", "to", "with", "or", "by", "on", "at", "a", "an", "for", "from",
];

/// Words coders write for laterality that the Tabular spells one way ("both feet" is
/// "bilateral"), so they select the character that says it.
pub(super) const QUALIFIERS: [(&str, &str); 5] = [
    ("both", "bilateral"),
    ("bilat", "bilateral"),
    ("rt", "right"),
    ("lt", "left"),
    ("init", "initial"),
];

/// Words that choose a character within a code family (laterality, episode of care) rather
/// than the condition. They weigh a tenth of a condition word, so "tennis elbow of right
/// arm" finds epicondylitis before amputations "at elbow level, right arm", and then select
/// the right-elbow code.
pub(crate) const SELECTORS: [&str; 8] = [
    "left",
    "right",
    "bilateral",
    "unilateral",
    "initial",
    "subsequent",
    "sequela",
    "encounter",
];

/// Plurals the `-s`/`-es`/`-ies` rules miss.
pub(super) const IRREGULAR: [(&str, &str); 8] = [
    ("feet", "foot"),
    ("teeth", "tooth"),
    ("children", "child"),
    ("women", "woman"),
    ("men", "man"),
    ("mice", "mouse"),
    ("calves", "calf"),
    ("knives", "knife"),
];

/// How many query words choose candidates (documents matching all of them, then all but
/// one, …); later words still rank. Fifteen fit the four-plane counter in `search`.
pub(super) const MAX_SOFT_TOKENS: usize = 15;

/// Words of a query beyond these are ignored: a pasted paragraph must not cost a scan per
/// word.
const MAX_QUERY_WORDS: usize = 32;

impl SearchIndex {
    /// Is `word` exactly a word of some document?
    pub(super) fn is_word(&self, word: &str) -> bool {
        let (lo, hi) = self.prefix_range(word);
        lo < hi && self.word(lo) == Some(word)
    }

    /// The singular of a plural query word when the documents use the singular ("bunions",
    /// "corns", "feet"); the word itself otherwise. A word the documents use as written
    /// ("diabetes", "lice") is kept.
    pub(super) fn fold_plural(&self, token: String) -> String {
        // The singular also matches the plural as a prefix ("gallstone" finds
        // "gallstones"), so it is preferred whenever the documents have it.
        if token.len() < 4 {
            return token;
        }
        let mut candidates: Vec<String> = IRREGULAR
            .iter()
            .filter(|(p, _)| *p == token)
            .map(|(_, s)| s.to_string())
            .collect();
        if let Some(stem) = token.strip_suffix('s').filter(|s| !s.ends_with('s')) {
            candidates.push(stem.to_string());
        }
        if let Some(stem) = token.strip_suffix("es") {
            candidates.push(stem.to_string());
        }
        if let Some(stem) = token.strip_suffix("ies") {
            candidates.push(format!("{stem}y"));
        }
        candidates
            .into_iter()
            .find(|c| self.is_word(c))
            .unwrap_or(token)
    }

    /// The words a query is searched by: abbreviations expanded, laterality spelled as the
    /// Tabular does, plurals folded, stop words and repeats dropped.
    pub(crate) fn query_words(&self, query: &str) -> Vec<String> {
        self.query_words_typed(query)
            .into_iter()
            .map(|(w, _)| w)
            .collect()
    }

    /// [`Self::query_words`], each with the word as typed.
    pub(super) fn query_words_typed(&self, query: &str) -> Vec<(String, String)> {
        let mut tokens: Vec<(String, String)> = tokenize(query)
            .take(MAX_QUERY_WORDS)
            .flat_map(|t| match crate::abbreviations::expansion(&t) {
                Some(full) => tokenize(full).collect::<Vec<_>>(),
                None => vec![t],
            })
            .map(|t| match QUALIFIERS.iter().find(|(q, _)| *q == t) {
                Some((_, word)) => (word.to_string(), t),
                None => (self.fold_plural(t.clone()), t),
            })
            .collect();
        if tokens.len() > 1 {
            tokens.retain(|(t, _)| !STOP.contains(&t.as_str()));
        }
        // "Right" or "left" alone means one side: the Index files such codes under
        // "unilateral" ("Osteoarthritis, knee, unilateral").
        if tokens.iter().any(|(t, _)| t == "left" || t == "right") {
            tokens.push(("unilateral".to_string(), String::new()));
        }
        let mut seen = Vec::with_capacity(tokens.len());
        tokens.retain(|(t, _)| {
            let fresh = !seen.contains(t);
            seen.push(t.clone());
            fresh
        });
        tokens
    }
}

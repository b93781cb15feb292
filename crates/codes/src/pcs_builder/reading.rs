//! Reading a procedure statement for the PCS builder: words a coder reads as a root
//! operation, approach, device or qualifier (`data/codes/pcs-terms.tsv`), surgical words
//! split into their parts ("appendectomy" → appendix + cutting out, `word-parts.tsv`), and
//! the words body part labels use.
//!
//! Invariants: the vocabulary only points at value labels, never at codes or tables; the
//! tables of the release in force decide what is allowed, this module only weighs evidence.

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::encoder::words::norm;
use crate::search::tokenize;
use crate::word_parts::{self, PartKind};

const TABLE: &str = include_str!("../../../../data/codes/pcs-terms.tsv");

/// Statement words beyond these are not read (a pasted note must not cost a scan per word).
const MAX_WORDS: usize = 64;

/// The axis a vocabulary line speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Axis {
    Abbreviation,
    Operation,
    Approach,
    Device,
    Qualifier,
    Body,
}

/// One line of the vocabulary.
#[derive(Debug)]
struct Entry {
    axis: Axis,
    /// The phrase's words, or one word ending for a suffix line ("-ectomy").
    words: Vec<&'static str>,
    suffix: bool,
    /// `(label, weight)`; for `abbr` and `body` lines, the words they stand for.
    values: Vec<(&'static str, u32)>,
    why: &'static str,
}

fn vocabulary() -> &'static [Entry] {
    static V: OnceLock<Vec<Entry>> = OnceLock::new();
    V.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut f = l.split('\t');
                let axis = match f.next()?.trim() {
                    "abbr" => Axis::Abbreviation,
                    "operation" => Axis::Operation,
                    "approach" => Axis::Approach,
                    "device" => Axis::Device,
                    "qualifier" => Axis::Qualifier,
                    "body" => Axis::Body,
                    _ => return None,
                };
                let phrase = f.next()?.trim();
                let values = f.next()?.trim();
                let why = f.next().unwrap_or_default().trim();
                let suffix = phrase.starts_with('-');
                Some(Entry {
                    axis,
                    words: phrase.trim_start_matches('-').split(' ').collect(),
                    suffix,
                    values: if matches!(axis, Axis::Abbreviation | Axis::Body) {
                        vec![(values, 0)]
                    } else {
                        weighted(values)
                    },
                    why,
                })
            })
            .collect()
    })
}

/// Reads "Resection=2 Excision=1" (a label without `=n` weighs 3).
fn weighted(text: &'static str) -> Vec<(&'static str, u32)> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let Some(eq) = rest.find('=') else {
            if !rest.trim().is_empty() {
                out.push((rest.trim(), 3));
            }
            return out;
        };
        let label = rest.get(..eq).unwrap_or_default().trim();
        let after = rest.get(eq + 1..).unwrap_or_default();
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        out.push((label, digits.parse().unwrap_or(3)));
        rest = after.get(digits.len()..).unwrap_or_default();
    }
}

/// The words of a label as compared with the statement: lower-case, plurals folded, filler
/// and sides left out.
pub(crate) fn label_words(label: &str) -> Vec<String> {
    tokenize(label)
        .map(|w| norm(&w))
        .filter(|w| !SIDES.contains(&w.as_str()) && !FILLER.contains(&w.as_str()))
        .collect()
}

/// The side a label names, if any.
pub(crate) fn label_side(label: &str) -> Option<&'static str> {
    let words: Vec<String> = tokenize(label).map(|w| norm(&w)).collect();
    SIDES.iter().copied().find(|s| words.iter().any(|w| w == s))
}

const SIDES: [&str; 3] = ["right", "left", "bilateral"];
const FILLER: [&str; 9] = ["of", "and", "or", "the", "with", "in", "to", "a", "for"];

/// Evidence for one value label: its weight and the statement words behind it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Evidence {
    pub weight: u32,
    pub why: Vec<String>,
}

/// What the statement says, axis by axis.
#[derive(Debug, Default)]
pub(crate) struct Reading {
    /// Words the body part labels are compared with.
    pub body_words: FxHashSet<String>,
    /// The statement's own words (normalised), before any reading added to them.
    pub said: FxHashSet<String>,
    /// Words after "to" ("bypass stomach to jejunum"): where something goes, which PCS
    /// codes as a qualifier, not as the body part.
    pub destination: FxHashSet<String>,
    /// Sides named ("right", "left", "bilateral").
    pub sides: Vec<&'static str>,
    /// Evidence per axis and folded label.
    pub evidence: FxHashMap<(Axis, String), Evidence>,
    /// How words were read, for the explanation.
    pub notes: Vec<String>,
    /// Number of words read.
    pub n_words: usize,
}

impl Reading {
    /// The evidence for a label on an axis.
    pub(crate) fn for_label(&self, axis: Axis, label: &str) -> Option<&Evidence> {
        self.evidence.get(&(axis, label.to_lowercase()))
    }

    fn add(&mut self, axis: Axis, label: &str, weight: u32, why: String) {
        let e = self
            .evidence
            .entry((axis, label.to_lowercase()))
            .or_default();
        e.weight += weight;
        if !e.why.contains(&why) {
            e.why.push(why);
        }
    }
}

/// Reads a statement.
pub(crate) fn read(statement: &str) -> Reading {
    let mut r = Reading::default();
    let vocab = vocabulary();
    let mut words: Vec<String> = Vec::new();
    for t in tokenize(statement).take(MAX_WORDS) {
        match vocab
            .iter()
            .find(|e| e.axis == Axis::Abbreviation && e.words.first() == Some(&t.as_str()))
        {
            Some(e) => {
                let full = e.values.first().map_or("", |v| v.0);
                r.notes.push(format!("{t:?} read as {full:?} ({})", e.why));
                words.extend(tokenize(full));
            }
            None => words.push(t),
        }
    }
    r.n_words = words.len();
    let normed: Vec<String> = words.iter().map(|w| norm(w)).collect();
    for (i, w) in normed.iter().enumerate() {
        // "drain left in place" says nothing about a side.
        let verb = w == "left" && normed.get(i + 1).is_some_and(|n| n == "in");
        if let Some(s) = SIDES.iter().find(|s| *s == w)
            && !verb
            && !r.sides.contains(s)
        {
            r.sides.push(s);
        }
        r.body_words.insert(w.clone());
        r.said.insert(w.clone());
        if normed
            .get(..i)
            .is_some_and(|before| before.iter().any(|b| b == "to"))
        {
            r.destination.insert(w.clone());
        }
    }
    for e in vocab.iter().filter(|e| e.axis != Axis::Abbreviation) {
        let hit: Option<String> = if e.suffix {
            let end = e.words.concat();
            words
                .iter()
                .find(|w| w.len() > end.len() && w.ends_with(&end))
                .cloned()
        } else {
            let n = e.words.len();
            (n > 0 && n <= words.len())
                .then(|| {
                    (0..=words.len() - n).find(|&i| {
                        words
                            .get(i..i + n)
                            .is_some_and(|s| s.iter().zip(&e.words).all(|(a, b)| a == b))
                    })
                })
                .flatten()
                .map(|_| e.words.join(" "))
        };
        let Some(hit) = hit else { continue };
        if e.axis == Axis::Body {
            let extra = e.values.first().map_or("", |v| v.0);
            r.body_words.extend(tokenize(extra).map(|w| norm(&w)));
            continue;
        }
        let said = if e.suffix {
            format!("{hit:?} ends in -{}", e.words.concat())
        } else {
            format!("{hit:?}")
        };
        for (label, weight) in &e.values {
            r.add(e.axis, label, *weight, format!("{said}: {}", e.why));
        }
    }
    // Surgical words name their organ: "appendectomy" is the appendix, "salpingo" the
    // fallopian tube (combining forms of word-parts.tsv, organs read whole).
    for w in &words {
        let Some(parts) = word_parts::split_word(w, true) else {
            continue;
        };
        let organs: Vec<_> = parts
            .iter()
            .filter(|p| matches!(p.kind, PartKind::Combining | PartKind::Compound))
            .collect();
        if organs.is_empty() {
            continue;
        }
        let shown: Vec<String> = parts
            .iter()
            .map(|p| format!("{} ({})", p.part, p.meaning))
            .collect();
        r.notes.push(format!("{w:?} read as {}", shown.join(" + ")));
        for p in organs {
            r.body_words.extend(tokenize(p.meaning).map(|m| norm(&m)));
        }
    }
    r
}

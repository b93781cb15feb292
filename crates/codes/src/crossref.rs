//! Following the Alphabetic Index's own references: find a term by the path a `see`
//! reference names ("Conjunctivitis, acute, mucopurulent"), and the code a code-less term
//! leads to.
//!
//! Invariant: only the index's own text is used; a reference that does not resolve term by
//! term gives no code rather than a guess (an instruction such as "by site" or "condition"
//! tells the coder to look elsewhere, so it is never followed). A `MainTerms` is asked only
//! with the index it was built from (`CodeSets::cross_refs` pairs them), so what it keeps
//! per term (the encoder's title words, the term a code comes from) is that index's.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use crate::encoder::words::{TitleWords, state_stem};
use crate::index::Index;

/// How many `see` hops are followed before giving up (the index never needs more than two;
/// the cap guards against a cycle).
const MAX_HOPS: usize = 4;

/// Main terms of one index by their lower-cased title and by each comma-separated variant
/// ("Infection, infected, infective" is found as any of the three).
#[derive(Debug)]
pub(crate) struct MainTerms {
    by_title: FxHashMap<String, u32>,
    /// By every comma-separated variant ("infarction" finds "Infarct, infarction"), for
    /// a statement's words; references use `by_title`. Several main terms can share a word
    /// ("Fracture, burst", "Fracture, traumatic"), so each key lists them all.
    by_variant: FxHashMap<String, Vec<u32>>,
    /// Children of each term, in document order.
    children: Vec<Vec<u32>>,
    /// Each term's title and nonessential modifiers as the encoder matches them, read the
    /// first time a walk reaches the term (most terms never are).
    words: Vec<OnceLock<TitleWords>>,
    /// The term whose code each term leads to ([`MainTerms::code_of`]), found the first
    /// time it is asked: a `use additional code` search asks it of every code-less term it
    /// passes, and resolving a reference reads every subterm of the parents it names.
    code_terms: Vec<OnceLock<Option<u32>>>,
}

/// The words a term title is known by: the whole title, then each comma-separated variant.
pub(crate) fn variants(title: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(key(title)).chain(title.split(',').map(key).filter(|v| !v.is_empty()))
}

/// A title as a lookup key: lower-case, hyphens as spaces ("Long-term" is said "long
/// term").
fn key(title: &str) -> String {
    title.trim().to_lowercase().replace('-', " ")
}

/// Parts of a reference that are instructions, not terms ("Neoplasm, by site, malignant";
/// "Stomach — see condition").
fn is_instruction(part: &str) -> bool {
    let p = part.trim().to_lowercase();
    p.is_empty() || p.starts_with("by ") || p == "condition" || p.contains("by site")
}

impl MainTerms {
    /// Builds the lookup for one index.
    pub(crate) fn build(index: &Index) -> Self {
        let mut by_title = FxHashMap::default();
        let mut by_variant = FxHashMap::default();
        let mut children = vec![Vec::new(); index.terms.len()];
        let mut later: Vec<(String, u32, usize)> = Vec::new();
        for (i, t) in index.terms.iter().enumerate() {
            match t.parent {
                Some(p) => {
                    if let Some(c) = children.get_mut(p as usize) {
                        c.push(i as u32);
                    }
                }
                None => {
                    // The whole title and its first word group only: "Altitude, high" is
                    // a term with a qualifier, not a synonym list, so "high" must not find it.
                    for (k, v) in variants(&t.title).enumerate() {
                        // "Pneumothorax NOS" is looked up as "Pneumothorax": NOS and NEC
                        // are conventions, not part of the name (Guidelines I.A.5, I.A.9).
                        let bare = v
                            .strip_suffix(" nos")
                            .or_else(|| v.strip_suffix(" nec"))
                            .map(str::to_owned);
                        // "Pre-eclampsia" is also written "preeclampsia".
                        let joined = t
                            .title
                            .split(',')
                            .nth(k.saturating_sub(1))
                            .filter(|g| k > 0 && g.contains('-'))
                            .map(|g| g.trim().to_lowercase().replace('-', ""));
                        // Also by the stem the encoder gives a statement's words ("altered
                        // mental status" finds "Alteration"), after every exact key.
                        let normed: String = crate::search::tokenize(&v)
                            .map(|w| state_stem(&w).map_or(w.clone(), str::to_string))
                            .collect::<Vec<_>>()
                            .join(" ");
                        if normed != v {
                            later.push((normed, i as u32, k));
                        }
                        for v in std::iter::once(v).chain(bare).chain(joined) {
                            // The first main term of a title wins: a second "Cancer" row
                            // is a split of "Cancer(o)phobia", not the condition.
                            if k < 2 {
                                by_title.entry(v.clone()).or_insert(i as u32);
                            }
                            let list = by_variant.entry(v).or_insert_with(Vec::new);
                            if !list.contains(&(i as u32)) {
                                list.push(i as u32);
                            }
                        }
                    }
                }
            }
        }
        for (v, i, k) in later {
            if k < 2 {
                by_title.entry(v.clone()).or_insert(i);
            }
            let list = by_variant.entry(v).or_insert_with(Vec::new);
            if !list.contains(&i) {
                list.push(i);
            }
        }
        MainTerms {
            by_title,
            by_variant,
            words: (0..children.len()).map(|_| OnceLock::new()).collect(),
            code_terms: (0..children.len()).map(|_| OnceLock::new()).collect(),
            children,
        }
    }

    /// The main term with this title or variant.
    pub(crate) fn main(&self, title: &str) -> Option<u32> {
        self.by_title.get(&key(title)).copied()
    }

    /// The main terms with this title or one of their comma-separated variants.
    pub(crate) fn mains_by_variant(&self, word: &str) -> &[u32] {
        self.by_variant.get(&key(word)).map_or(&[], Vec::as_slice)
    }

    /// The main terms a statement's phrase names: the title ([`Self::main`]), and main
    /// terms with the phrase as a later comma-separated variant only when that variant is
    /// a form of the first ("Epilepsy, epileptic", "Fetus, fetal"). A later part unlike the
    /// first qualifies an inverted title ("Blood-forming organs, disease", "Autosensitization,
    /// cutaneous"): "disease" or "cutaneous" alone does not name that condition.
    pub(crate) fn mains_said(&self, index: &Index, phrase: &str) -> Vec<u32> {
        let first = self.main(phrase);
        let phrase = key(phrase);
        let prefix = |s: &str| s.chars().take(3).collect::<String>();
        let mut out: Vec<u32> = first.into_iter().collect();
        for &t in self.mains_by_variant(&phrase) {
            let Some(term) = index.terms.get(t as usize) else {
                continue;
            };
            let group = key(term.title.split(',').next().unwrap_or_default());
            // A second main term of the same whole title is a split row
            // ("Cancer(o)phobia"): the first of the title wins, as in `by_title`. Titles
            // that share a first part ("Fracture, traumatic", "Fracture, pathological")
            // are all kept.
            let duplicate = key(&term.title) == phrase && first.is_some();
            if !out.contains(&t) && !duplicate && prefix(&group) == prefix(&phrase) {
                out.push(t);
            }
        }
        out
    }

    /// A term's words as the encoder matches them.
    pub(crate) fn words(&self, index: &Index, term: u32) -> Option<&TitleWords> {
        let t = index.terms.get(term as usize)?;
        let cell = self.words.get(term as usize)?;
        Some(cell.get_or_init(|| TitleWords::new(&t.title, &t.nemod)))
    }

    /// Subterms of a term.
    pub(crate) fn children(&self, term: u32) -> &[u32] {
        self.children.get(term as usize).map_or(&[], Vec::as_slice)
    }

    /// The subterm of `parent` whose title or a variant equals `title`.
    pub(crate) fn child(&self, index: &Index, parent: u32, title: &str) -> Option<u32> {
        // "see Dependence, drug, nicotine" names the subterm "drug NEC": the convention
        // words are not part of the name.
        let bare = |s: &str| {
            let s = key(s);
            s.strip_suffix(" nec")
                .or_else(|| s.strip_suffix(" nos"))
                .map_or(s.clone(), str::to_string)
        };
        let want = bare(title);
        self.children(parent).iter().copied().find(|&c| {
            index
                .terms
                .get(c as usize)
                .is_some_and(|t| variants(&t.title).any(|v| bare(&v) == want))
        })
    }

    /// The term a reference names, main term first, each later part a subterm; instruction
    /// parts ("by site") stop the walk at the term reached so far only when nothing follows.
    pub(crate) fn resolve(&self, index: &Index, reference: &str) -> Option<u32> {
        let parts: Vec<&str> = reference
            .split(',')
            .filter(|p| !p.trim().is_empty())
            .collect();
        let (main, rest) = parts.split_first()?;
        if is_instruction(main) || rest.iter().any(|p| is_instruction(p)) {
            return None;
        }
        // "see Fracture, femur, neck" is written inside "Fracture, traumatic": every main
        // term named by the first part is tried, the exact title first.
        let mut candidates: Vec<u32> = self.main(main).into_iter().collect();
        candidates.extend_from_slice(self.mains_by_variant(main));
        candidates.into_iter().find_map(|start| {
            rest.iter()
                .try_fold(start, |term, part| self.child(index, term, part))
        })
    }

    /// The code a term leads to: its own, else the code of what its `see` (or, for a
    /// code-less term, `see also`) names, following at most [`MAX_HOPS`] references.
    pub(crate) fn code_of<'a>(&self, index: &'a Index, term: u32) -> Option<(&'a str, u32)> {
        let found = match self.code_terms.get(term as usize) {
            Some(cell) => *cell.get_or_init(|| self.code_term(index, term)),
            None => self.code_term(index, term),
        }?;
        Some((index.terms.get(found as usize)?.code.as_str(), found))
    }

    /// The term whose code `term` leads to, following the references.
    fn code_term(&self, index: &Index, term: u32) -> Option<u32> {
        let mut cur = term;
        for _ in 0..MAX_HOPS {
            let t = index.terms.get(cur as usize)?;
            if !t.code.is_empty() && t.code != "--" {
                return Some(cur);
            }
            let reference = if t.see.is_empty() {
                &t.see_also
            } else {
                &t.see
            };
            if reference.is_empty() {
                return None;
            }
            cur = self.resolve(index, reference)?;
        }
        None
    }
}

/// A term's path as searchable text: each level's first variant is a core word and the
/// other variants and nonessential modifiers are parenthesised, so "Infection, infected,
/// infective (opportunistic), bladder" reads "Infection (infected infective)
/// (opportunistic) bladder" and "bladder infection" names all of it.
pub(crate) fn search_path(index: &Index, term: u32) -> String {
    let mut parts = Vec::new();
    let mut cur = Some(term);
    while let Some(i) = cur {
        let Some(t) = index.terms.get(i as usize) else {
            break;
        };
        let mut variants = t.title.split(',').map(str::trim).filter(|v| !v.is_empty());
        let mut s = variants.next().unwrap_or_default().to_string();
        let rest: Vec<&str> = variants.collect();
        if !rest.is_empty() {
            s.push_str(&format!(" ({})", rest.join(" ")));
        }
        if !t.nemod.is_empty() {
            s.push(' ');
            s.push_str(&t.nemod);
        }
        parts.push(s);
        cur = t.parent;
    }
    parts.reverse();
    parts.join(" ")
}

#[cfg(test)]
mod tests;

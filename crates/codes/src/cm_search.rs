//! ICD-10-CM search led by the Alphabetic Index: the documents a release is searched by
//! (titles, inclusion terms, Index paths, `see` references, lay names), the query turned
//! the way a coder turns the Index's pages, and headers completed by the words that select
//! their characters.
//!
//! Invariant: a code is reached only through the release's own text or the Index's own
//! references; nothing here names a code.

use crate::cm::{CmRelease, NodeKind};
use crate::crossref;
use crate::engine::CodeSets;
use crate::error::Result;
use crate::index::IndexKind;
use crate::query::SearchHit;
use crate::search::{Doc, SearchIndex, Source};
use time::Date;

impl CodeSets {
    /// Loads what an ICD-10-CM search on `dos` reads, on two threads: the release with its
    /// search index (from the cache when there is one) on this one, the Alphabetic Index
    /// with its main terms on another. A one-off search (the command line) pays for the
    /// longer of the two instead of both; errors are left for the search to report.
    pub fn prepare_cm_search(&self, dos: Date) {
        std::thread::scope(|s| {
            s.spawn(|| {
                let _ = self.cross_refs();
                let _ = self.edits();
            });
            if let Ok(r) = self.icd10cm(dos) {
                r.search.get_or_init(|| self.cm_search_index(r));
            }
        });
    }

    /// ICD-10-CM search in the release in force on the date of service.
    pub(crate) fn search_cm(&self, query: &str, dos: Date, limit: usize) -> Result<Vec<SearchHit>> {
        let r = self.icd10cm(dos)?;
        let ix = r.search.get_or_init(|| self.cm_search_index(r));
        let turned = self.follow_main_term_refs(query);
        let words = ix.query_words(&turned);
        let mut out: Vec<SearchHit> = Vec::new();
        // Headers the words complete are ranked as the billable codes they become,
        // so more hits are taken than shown.
        for h in ix.search(&turned, limit.saturating_mul(3)) {
            let (target, n_selectors) = complete_with_selectors(r, h.target, &words);
            let Some(n) = r.node(target) else { continue };
            let code = n.display_code();
            if out.iter().any(|o| o.code == code) {
                continue;
            }
            // The selector words the completed code now spells count as they would
            // have in its title.
            let bonus = if target != h.target && n.billable {
                COMPLETED_BONUS + 12 * n_selectors as i64
            } else {
                0
            };
            out.push(SearchHit {
                code,
                title: n.title.clone(),
                billable: n.billable,
                matched: h.matched,
                score: h.score + bonus,
            });
        }
        out.sort_by_key(|h| std::cmp::Reverse(h.score));
        // The Index walk leads: when the encoder reaches one complete code for the words,
        // that is the code a coder would land on, so it comes first.
        if let Some(led) = self.index_walk_hit(query, dos, out.first().map_or(0, |h| h.score)) {
            out.retain(|h| h.code != led.code);
            out.insert(0, led);
        }
        out.truncate(limit);
        Ok(out)
    }

    /// The encoder's first code for a query, when the walk lands on a reportable code with
    /// no question open; partial words ("pneu") name no Index term, so typeahead is
    /// unaffected until a word is complete.
    fn index_walk_hit(&self, query: &str, dos: Date, top_score: i64) -> Option<SearchHit> {
        let req = crate::encoder::EncodeRequest {
            statement: query.to_string(),
            ..Default::default()
        };
        let e = self.encode(&req, dos).ok()?;
        if !e.complete() {
            return None;
        }
        let first = e.codes.first()?;
        let path = e
            .steps
            .iter()
            .find(|s| s.kind == crate::encoder::StepKind::Index && s.text.starts_with("Index: "))
            .map(|s| s.text.trim_start_matches("Index: ").to_string());
        Some(SearchHit {
            code: first.code.clone(),
            title: first.title.clone(),
            billable: first.billable,
            matched: path,
            score: top_score + 1,
        })
    }

    /// Replaces a query word that is a code-less main term of the Alphabetic Index by what
    /// its `see` / `see also` names, as a coder would turn the page: "cancer of tongue"
    /// becomes "Neoplasm malignant of tongue", "flu with pneumonia" "Influenza with
    /// pneumonia". Words inside a known lay name are left alone (the lay name leads on its
    /// own), as are instructions such as "see condition".
    pub(crate) fn follow_main_term_refs(&self, query: &str) -> String {
        let Ok((indexes, mains)) = self.cross_refs() else {
            return query.to_string();
        };
        let Some((diseases, main)) = indexes
            .iter()
            .zip(mains)
            .find(|(ix, _)| ix.kind == IndexKind::Diseases)
        else {
            return query.to_string();
        };
        let lower = format!(" {} ", query.to_lowercase());
        let lay_words: Vec<&str> = crate::lay::lay_terms()
            .filter(|l| lower.contains(&format!(" {} ", l.lay)))
            .flat_map(|l| l.lay.split(' '))
            .collect();
        // A word is the condition only when no other word is: in "nicotine dependence" the
        // condition is "Dependence" (a main term with a code) and "nicotine" stays as typed.
        let coded_main = |w: &str| {
            let bare = w
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            if crate::search::SELECTORS.contains(&bare.as_str()) {
                return false;
            }
            main.main(&bare)
                .and_then(|m| diseases.terms.get(m as usize))
                .is_some_and(|t| !t.code.is_empty())
        };
        if query.split_whitespace().any(coded_main) {
            return query.to_string();
        }
        let mut out: Vec<String> = Vec::new();
        for word in query.split_whitespace() {
            let bare = word
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            let reference = main
                .main(&bare)
                .and_then(|m| diseases.terms.get(m as usize))
                .filter(|t| t.code.is_empty() && !lay_words.contains(&bare.as_str()))
                // `see also` only sends the coder on when it names the Neoplasm Table "by
                // site" (Cancer, Carcinoma…); elsewhere the term has subterms of its own
                // ("Disorder — see also Disease").
                .map(|t| {
                    if !t.see.is_empty() {
                        t.see.as_str()
                    } else if t.see_also.contains("by site") {
                        t.see_also.as_str()
                    } else {
                        ""
                    }
                })
                .filter(|r| !r.is_empty());
            match reference {
                Some(r) => {
                    let words: Vec<&str> = r
                        .split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty() && !p.starts_with("by ") && *p != "condition")
                        .collect();
                    if words.is_empty() {
                        out.push(word.to_string());
                    } else {
                        out.extend(words.into_iter().map(str::to_string));
                    }
                }
                None => out.push(word.to_string()),
            }
        }
        out.join(" ")
    }

    /// Documents for ICD-10-CM: titles, inclusion terms, and index paths that lead to a code.
    pub(crate) fn build_cm_index(&self, r: &CmRelease) -> SearchIndex {
        let rank_of = |i: u32| -> u64 {
            r.node(i).map_or(u64::MAX, |n| {
                // Billable (the most specific, reportable level) first, then shorter title,
                // then longer code. Title length comes before code length because the
                // candidate cap scans in this order: sorting 7-character injury codes first
                // would fill the cap before central codes such as I10 were reached.
                let b = u64::from(!n.billable);
                let spec = 8u64.saturating_sub(n.code.len() as u64);
                (b << 40) | ((n.title.len() as u64).min(0xff_ffff) << 8) | spec
            })
        };
        let mut docs = Vec::with_capacity(r.nodes().len() * 2);
        let mut codes = Vec::with_capacity(r.nodes().len());
        for (i, n) in r.nodes().iter().enumerate() {
            let i = i as u32;
            if !matches!(n.kind, NodeKind::Category | NodeKind::Code) {
                continue;
            }
            codes.push((n.code.clone(), i));
            docs.push(Doc {
                target: i,
                text: n.title.clone(),
                source: Source::Title,
                rank: rank_of(i),
            });
            // Inclusion terms and `Includes` notes are the synonyms coders search by
            // ("high blood pressure" is an Includes note of I10).
            for note in n.notes.iter().filter(|x| {
                matches!(
                    x.kind,
                    crate::cm::NoteKind::InclusionTerm | crate::cm::NoteKind::Includes
                )
            }) {
                docs.push(Doc {
                    target: i,
                    text: note.text.clone(),
                    source: Source::Synonym,
                    rank: rank_of(i),
                });
            }
        }
        let resolve = |c: &str| -> Option<u32> {
            let c = c.trim().trim_end_matches('-').trim_end_matches('.');
            if c.is_empty() || c == "--" {
                return None;
            }
            r.find(c)
        };
        // Search still works on tabular text when the index cannot be decoded.
        let Ok((indexes, mains)) = self.cross_refs() else {
            return SearchIndex::build(docs, codes);
        };
        for (ix, main) in indexes.iter().zip(mains) {
            for (ti, t) in ix.terms.iter().enumerate() {
                let ti = ti as u32;
                let path = crossref::search_path(ix, ti);
                // A code-less term leads where its `see` reference says ("Pink, eye" to
                // "Conjunctivitis, acute, mucopurulent"); a main term is where a coder
                // starts, so its default code is an entry too.
                let (code, source) = if t.code.is_empty() {
                    match main.code_of(ix, ti) {
                        Some((c, _)) => (c, Source::Entry),
                        None => ("", Source::Index),
                    }
                } else if t.parent.is_none() && ix.kind == IndexKind::Diseases {
                    (t.code.as_str(), Source::Entry)
                } else {
                    (t.code.as_str(), Source::Index)
                };
                if let Some(target) = resolve(code) {
                    docs.push(Doc {
                        target,
                        text: path.clone(),
                        source,
                        rank: rank_of(target),
                    });
                }
                for (col, c) in &t.cells {
                    if let Some(target) = resolve(c) {
                        let text = match ix.kind {
                            // "Primary" is what "malignant" means unless the statement says
                            // otherwise, so it does not count against a query without it.
                            IndexKind::Neoplasm => {
                                format!(
                                    "{path} {}",
                                    ix.heading(*col).replace("Primary", "(Primary)")
                                )
                            }
                            IndexKind::Drugs => format!("{path} {}", ix.heading(*col)),
                            _ => path.clone(),
                        };
                        docs.push(Doc {
                            target,
                            text,
                            source: Source::Index,
                            rank: rank_of(target),
                        });
                    }
                }
            }
        }
        // Lay names reach the code of the index term they stand for; the term is kept in
        // parentheses so the hit explains itself and its words still match.
        if let Some((diseases, main)) = indexes
            .iter()
            .zip(mains)
            .find(|(ix, _)| ix.kind == IndexKind::Diseases)
        {
            for lay in crate::lay::lay_terms() {
                let target = main
                    .resolve(diseases, lay.index_path)
                    .and_then(|term| main.code_of(diseases, term))
                    .and_then(|(c, _)| resolve(c));
                if let Some(target) = target {
                    docs.push(Doc {
                        target,
                        text: format!("{} ({})", lay.lay, lay.index_path),
                        source: Source::Entry,
                        rank: rank_of(target),
                    });
                }
            }
        }
        SearchIndex::build(docs, codes)
    }
}

/// What a header completed to a billable code gains: the same as the billable bonus the
/// search gives a document, so it ranks as the code it became.
pub(crate) const COMPLETED_BONUS: i64 = 60;

/// Completes a header the query reached with the characters its laterality and
/// episode-of-care words select (the Index gives "Bunion M21.61-"; "left" picks M21.612).
/// Only a single best code is taken: without such words, or when they do not decide, the
/// header stays for the coder (or the encoder's question) to complete.
pub(crate) fn complete_with_selectors(
    r: &CmRelease,
    target: u32,
    words: &[String],
) -> (u32, usize) {
    let selectors: Vec<&String> = words
        .iter()
        .filter(|w| crate::search::SELECTORS.contains(&w.as_str()))
        .collect();
    if selectors.is_empty() || r.node(target).is_none_or(|n| n.billable) {
        return (target, 0);
    }
    let descendants = r.billable_descendants(target);
    // Large families (a whole injury category) are left for the encoder's questions.
    if descendants.len() > 400 {
        return (target, 0);
    }
    let fit = |idx: u32| -> (usize, usize) {
        let Some(n) = r.node(idx) else {
            return (0, 0);
        };
        let title: Vec<String> = crate::search::tokenize(&n.title).collect();
        let has = |w: &String| title.iter().any(|t| t.starts_with(w.as_str()));
        (
            selectors.iter().filter(|w| has(w)).count(),
            words.iter().filter(|w| has(w)).count(),
        )
    };
    let mut best: Option<((usize, usize), u32)> = None;
    let mut tied = false;
    for d in descendants {
        let f = fit(d);
        match best {
            Some((b, _)) if f < b => {}
            Some((b, _)) if f == b => tied = true,
            _ => {
                best = Some((f, d));
                tied = false;
            }
        }
    }
    match best {
        Some(((n_selectors, _), d)) if n_selectors > 0 && !tied => (d, n_selectors),
        _ => (target, 0),
    }
}

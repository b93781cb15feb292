//! The Alphabetic Index walk (Official Guidelines I.A, I.B.1): find the main term (the
//! condition), follow subterms that the statement's words name, ignore nonessential
//! modifiers, take `with` / `due to` / `in` as presumed links (I.A.15), follow `see`
//! references, and land on a code or a stem; for neoplasms and drugs, land on a table cell.
//!
//! Invariant: every landing carries the Index entries it visited, so the answer can show
//! how it was reached; a walk never invents a code the Index does not give.

use crate::crossref::MainTerms;
use crate::index::{Index, IndexKind};
use crate::lay::lay_terms;

use super::words::Statement;

/// Subterms that link two conditions rather than name one; the guidelines presume the link
/// (I.A.15) so the statement need not say the word.
const CONNECTIVES: [&str; 7] = [
    "with",
    "in",
    "due to",
    "associated with",
    "complicated by",
    "following",
    "complicating",
];

/// How deep subterms go in the FY2025 Index (eight levels), with room to spare.
const MAX_DEPTH: usize = 12;

/// Words that make a statement a poisoning, adverse effect or underdosing (Table of Drugs
/// and Chemicals, Guidelines I.C.19.e).
const DRUG_WORDS: [&str; 9] = [
    "poisoning",
    "overdose",
    "toxic",
    "toxicity",
    "adverse",
    "reaction",
    "underdosing",
    "underdose",
    "intoxication",
];

/// Where a walk landed.
#[derive(Debug, Clone)]
pub(crate) struct Landing {
    /// The code as the Index prints it (`E11.22`, `M21.61-`, `T39.1X1`).
    pub code: String,
    /// Statement words the walk used.
    pub used: u64,
    /// Content words used (the walk's strength).
    pub score: u32,
    /// The Index entries visited and references followed, in order.
    pub trail: Vec<String>,
    /// For a table cell: the column heading ("Malignant Primary", "Adverse effect").
    pub column: Option<String>,
    /// The Index term the walk ended on.
    pub path_end: Option<u32>,
    /// Words the main term itself used (the condition's name).
    pub start_used: u64,
}

/// The indexes with their lookups.
pub(crate) struct Indexes<'a> {
    pub list: &'a [Index],
    pub mains: &'a [MainTerms],
}

impl<'a> Indexes<'a> {
    fn get(&self, kind: IndexKind) -> Option<(&'a Index, &'a MainTerms)> {
        self.list
            .iter()
            .zip(self.mains)
            .find(|(ix, _)| ix.kind == kind)
    }

    /// The best landing for the available words: drug table first when the statement
    /// names a poisoning or adverse effect, else the condition's main term (or a lay name),
    /// with the Neoplasm Table when the main term sends the coder there "by site".
    pub(crate) fn land(&self, st: &Statement, avail: u64) -> Option<Landing> {
        let mut condition = self.land_filtered(st, avail, &|_| true);
        // "… metastatic to bone": the secondary site from the Neoplasm Table's secondary
        // column (Guidelines I.C.2.d), once the primary has been coded.
        if let Some(p) = metastatic_at(st).filter(|p| avail & (1 << p) != 0)
            && let Some((dix, _)) = self.get(IndexKind::Diseases)
            && let Some(mut l) = self.land_neoplasm(st, avail, "Neoplasm, secondary", dix, 0)
            && condition.as_ref().is_none_or(|c| l.score + 1 > c.score)
        {
            l.used |= 1 << p;
            l.score += 1;
            l.trail.remove(0);
            l.trail.insert(
                0,
                format!(
                    "\"{}\": Neoplasm, by site, secondary",
                    st.raw.get(p).map_or("", String::as_str)
                ),
            );
            condition = Some(l);
        }
        // A substance named with a poisoning word goes to the Table of Drugs unless the
        // words name a condition at least as well ("blood poisoning" is sepsis).
        if DRUG_WORDS.iter().any(|w| st.says(w))
            && let Some(drug) = self.land_drug(st, avail)
            && condition.as_ref().is_none_or(|c| drug.score > c.score)
        {
            return Some(drug);
        }
        condition
    }

    /// The best landing on the Alphabetic Index whose code `accept` takes (a partner that
    /// a `use additional code` note names).
    pub(crate) fn land_filtered(
        &self,
        st: &Statement,
        avail: u64,
        accept: &dyn Fn(&str) -> bool,
    ) -> Option<Landing> {
        let (ix, main) = self.get(IndexKind::Diseases)?;
        let mut best: Option<(Landing, usize)> = None;
        // Ties go to the main term with more subterms: "Fracture, traumatic" is the entry
        // for fractures, "Fracture, pathological" needs its word said.
        let mut consider = |l: Landing, breadth: usize| {
            let better = best.as_ref().is_none_or(|(b, bb): &(Landing, usize)| {
                l.score > b.score || (l.score == b.score && breadth > *bb)
            });
            if accept(&l.code) && better {
                best = Some((l, breadth));
            }
        };
        for (term, used, via) in self.starts(st, avail, ix, main) {
            // A lay name is a deliberate mapping: it wins a tie with a literal reading.
            let lay_bonus = u32::from(via.is_some());
            let Some(t) = ix.terms.get(term as usize) else {
                continue;
            };
            let reference = if t.see.is_empty() {
                &t.see_also
            } else {
                &t.see
            };
            if reference.contains("by site")
                && reference.contains("Neoplasm")
                && let Some(l) = self.land_neoplasm(st, avail & !used, reference, ix, term)
            {
                let mut l = l;
                l.used |= used;
                l.score += st.weight(used);
                consider(l, main.children(term).len());
            }
            // "Neoplasm — see also Table of Neoplasms": the site's row, in the column the
            // statement's behaviour word names (Guidelines I.C.2).
            if reference.contains("Table of Neoplasms") {
                let (behaviour, said) = neoplasm_behaviour(st, avail & !used);
                if let Some(mut l) =
                    self.land_neoplasm(st, avail & !used & !said, behaviour, ix, term)
                {
                    l.used |= used | said;
                    l.score += st.weight(used | said);
                    consider(l, main.children(term).len());
                }
            }
            // The main term's nonessential modifiers stay free for its subterms: "Sprain
            // (joint) (ligament)" must leave "ligament" to "knee, cruciate ligament".
            let soft = main
                .words(ix, term)
                .and_then(|w| st.match_split(w, avail))
                .map_or(0, |(_, nemod)| nemod)
                & used;
            if let Some(mut l) = walk_from(ix, main, st, term, avail & !(used & !soft), accept) {
                let below = l.used;
                l.used |= used;
                l.start_used = used;
                l.score += st.weight(used & !below) + lay_bonus;
                if let Some(v) = via {
                    l.trail.insert(0, v);
                }
                consider(l, main.children(term).len());
            }
        }
        best.map(|(l, _)| l)
    }

    /// Main terms (and lay names) the statement names: `(term, words used, how)`.
    pub(super) fn starts(
        &self,
        st: &Statement,
        avail: u64,
        ix: &Index,
        main: &MainTerms,
    ) -> Vec<(u32, u64, Option<String>)> {
        let mut out: Vec<(u32, u64, Option<String>)> = Vec::new();
        let n = st.raw.len();
        for i in 0..n {
            for len in 1..=3usize {
                if i + len > n {
                    break;
                }
                let phrase = |words: &[String]| words.get(i..i + len).map(|w| w.join(" "));
                let mut found: Vec<u32> = Vec::new();
                for p in [phrase(&st.raw), phrase(&st.norm)].into_iter().flatten() {
                    found.extend(main.mains_said(ix, &p));
                }
                let mask: u64 = (i..i + len).fold(0, |m, k| m | (1 << k));
                // "initial encounter" chooses a 7th character; it is not an encounter for
                // a reason.
                let selectors_only = (i..i + len).all(|k| {
                    st.norm
                        .get(k)
                        .is_some_and(|w| crate::search::SELECTORS.contains(&w.as_str()))
                });
                if mask & avail != mask || selectors_only {
                    continue;
                }
                for term in found {
                    let Some(t) = ix.terms.get(term as usize) else {
                        continue;
                    };
                    // "Foot — see condition": a site, not the condition.
                    if t.see.trim().eq_ignore_ascii_case("condition")
                        || out.iter().any(|(x, _, _)| *x == term)
                    {
                        continue;
                    }
                    let used = main
                        .words(ix, term)
                        .and_then(|w| st.match_words(w, avail))
                        .unwrap_or(0)
                        | mask;
                    out.push((term, used, None));
                }
            }
        }
        let lower = format!(" {} ", st.raw.join(" "));
        for lay in lay_terms() {
            let words: Vec<String> = crate::search::tokenize(lay.lay).collect();
            if !lower.contains(&format!(" {} ", words.join(" "))) {
                continue;
            }
            let Some(term) = main.resolve(ix, lay.index_path) else {
                continue;
            };
            let words: Vec<String> = words.iter().map(|w| super::words::norm(w)).collect();
            let used = words.iter().fold(0u64, |m, w| {
                st.find(w, avail & !m).map_or(m, |i| m | (1 << i))
            });
            if used != 0 {
                out.push((
                    term,
                    used,
                    Some(format!(
                        "lay name \"{}\" → Index: {}",
                        lay.lay, lay.index_path
                    )),
                ));
            }
        }
        out
    }

    /// Neoplasm Table (Guidelines I.C.2): the site's row, the column the morphology's
    /// reference names; the site after "metastatic to" is the secondary column.
    fn land_neoplasm(
        &self,
        st: &Statement,
        avail: u64,
        reference: &str,
        dix: &Index,
        morph: u32,
    ) -> Option<Landing> {
        let (ix, main) = self.get(IndexKind::Neoplasm)?;
        let lower = reference.to_lowercase();
        let column: u8 = if lower.contains("secondary") {
            3
        } else if lower.contains("in situ") {
            4
        } else if lower.contains("benign") {
            5
        } else if lower.contains("uncertain") {
            6
        } else if lower.contains("malignant") {
            2
        } else {
            7
        };
        // Words after "metastatic to" name a secondary site, coded on its own.
        let cut = match metastatic_at(st) {
            Some(p) if column != 3 => avail & ((1u64 << p) - 1),
            Some(p) => avail & !((1u64 << (p + 1)) - 1),
            None => avail,
        };
        let root = ix
            .terms
            .iter()
            .position(|t| t.parent.is_none() && !t.cells.is_empty())? as u32;
        let mut l = walk_from(ix, main, st, root, cut, &|_| true)?;
        if l.score == 0 {
            return None;
        }
        l.trail.insert(
            0,
            format!("Index: {} — see also {reference}", dix.path(morph)),
        );
        let mut term = l.path_end.unwrap_or(root);
        // "colon — see also Neoplasm, intestine, large" gives only the malignant columns
        // itself ("-" in the others): the row it names, and the statement's site below it.
        let row = ix.terms.get(term as usize)?;
        let empty = row
            .cells
            .iter()
            .find(|(c, _)| *c == column)
            .is_none_or(|(_, code)| code.trim_matches('-').is_empty());
        if empty && !row.see_also.is_empty() {
            let reference = row.see_also.clone();
            let named = main.resolve(ix, &reference)?;
            l.trail.push(format!("see also {reference}"));
            term = match walk_from(ix, main, st, named, cut & !l.used, &|_| true) {
                Some(below) if below.score > 0 => {
                    l.used |= below.used;
                    l.trail.extend(below.trail);
                    below.path_end.unwrap_or(named)
                }
                _ => named,
            };
        }
        take_cell(ix, &mut l, term, column, "Neoplasm Table", "")?;
        Some(l)
    }

    /// Table of Drugs and Chemicals (Guidelines I.C.19.e.5): the substance's row, the
    /// column the statement's intent names; no intent stated is accidental (I.C.19.e.5.b).
    fn land_drug(&self, st: &Statement, avail: u64) -> Option<Landing> {
        let (ix, main) = self.get(IndexKind::Drugs)?;
        let mut best: Option<Landing> = None;
        for (term, used, _) in self.starts(st, avail, ix, main) {
            let Some(mut l) = walk_from(ix, main, st, term, avail & !used, &|_| true) else {
                continue;
            };
            l.used |= used;
            // The substance and the word that makes it a poisoning or adverse effect.
            l.score += st.weight(used) + 1;
            if best.as_ref().is_none_or(|b| l.score > b.score) {
                best = Some(l);
            }
        }
        let mut l = best?;
        let says = |w: &str| st.says(w);
        let (column, why) = if says("underdosing") || says("underdose") {
            (7, "underdosing")
        } else if says("adverse") || says("reaction") || says("effect") && !says("poisoning") {
            (6, "adverse effect of a drug properly taken")
        } else if says("intentional") || says("suicide") || says("self") {
            (3, "intentional self-harm")
        } else if says("assault") {
            (4, "assault")
        } else if says("undetermined") {
            (5, "intent documented as undetermined")
        } else {
            (2, "accidental (no intent stated, Guidelines I.C.19.e.5.b)")
        };
        let term = l.path_end?;
        take_cell(
            ix,
            &mut l,
            term,
            column,
            "Table of Drugs",
            &format!(" ({why})"),
        )?;
        for w in DRUG_WORDS {
            if let Some(i) = st.find(w, avail) {
                l.used |= 1 << i;
            }
        }
        Some(l)
    }
}

/// Walks down from `term` choosing, at each level, the subterm that uses the most words;
/// then follows `see` from a code-less end. The landing's code is the deepest term's.
pub(crate) fn walk_from(
    ix: &Index,
    main: &MainTerms,
    st: &Statement,
    term: u32,
    avail: u64,
    accept: &dyn Fn(&str) -> bool,
) -> Option<Landing> {
    let mut trail = Vec::new();
    let mut cur = term;
    let mut avail = avail;
    let mut used = 0u64;
    let mut score = 0u32;
    for _ in 0..4 {
        let (s, path, u) = descend(ix, main, st, cur, avail, 0, accept)?;
        score += s;
        used |= u;
        avail &= !u;
        let end = path.last().copied().unwrap_or(cur);
        trail.push(format!("Index: {}", ix.path(end)));
        let t = ix.terms.get(end as usize)?;
        let reference = if t.see.is_empty() {
            &t.see_also
        } else {
            &t.see
        };
        let code = if !t.code.is_empty() || !t.cells.is_empty() {
            Some(t.code.clone())
        } else if reference.is_empty() {
            // "Degeneration, intervertebral disc" lists only sites, each with its code: the
            // category they share is the landing, and the Tabular step asks for the site.
            let stem = shared_category(ix, main, end).filter(|c| accept(c))?;
            trail.push(format!("subterms name the detail: {stem}"));
            Some(stem)
        } else {
            None
        };
        if let Some(code) = code {
            return Some(Landing {
                code,
                used,
                score,
                trail,
                column: None,
                path_end: Some(end),
                start_used: 0,
            });
        }
        let next = main.resolve(ix, reference)?;
        trail.push(format!("see {reference}"));
        cur = next;
    }
    None
}

/// Best subterm path below `term`: (words used by weight, path, words used); `None` when
/// no path ends on a code `accept` takes.
fn descend(
    ix: &Index,
    main: &MainTerms,
    st: &Statement,
    term: u32,
    avail: u64,
    depth: usize,
    accept: &dyn Fn(&str) -> bool,
) -> Option<(u32, Vec<u32>, u64)> {
    let t = ix.terms.get(term as usize)?;
    // A code-less term (a `see`, a table row) may end a path only when any code will do;
    // a partner search (`use additional code`) wants paths that end on its codes.
    let here_ok = accept(&t.code)
        || (t.code.is_empty() && main.code_of(ix, term).is_some_and(|(c, _)| accept(c)));
    let mut best: Option<(u32, Vec<u32>, u64)> = here_ok.then(|| (0, Vec::new(), 0));
    if depth > MAX_DEPTH {
        return best;
    }
    for &c in main.children(term) {
        let Some(words) = main.words(ix, c) else {
            continue;
        };
        // "History, personal (of)": a subterm of words a statement may leave unsaid is
        // passed through like a connective when words below it are said.
        let connective = CONNECTIVES.contains(&words.lower.as_str()) || words.all_optional;
        let (m, nemod) = match st.match_split(words, avail) {
            Some(m) => m,
            None if connective => (0, 0),
            None => continue,
        };
        let Some((s, path, u)) = descend(ix, main, st, c, avail & !(m & !nemod), depth + 1, accept)
        else {
            continue;
        };
        if connective && s == 0 {
            continue;
        }
        // A word both a modifier here and a subterm below, or said once and matched by
        // two of its names ("colon" as "intestine, large, colon"), counts once.
        let total = st.weight(m | u);
        let mut p = vec![c];
        p.extend(path);
        // Between paths that use the statement's words alike, the one whose titles were
        // said whole wins over one reached through a title's alternatives: "orthostatic
        // hypotension" is "orthostatic (chronic)", not "neurogenic, orthostatic".
        let wins = best.as_ref().is_none_or(|b| {
            total > b.0
                || (total == b.0
                    && total > 0
                    && alternatives(ix, main, &p) < alternatives(ix, main, &b.1))
        });
        if wins {
            best = Some((total, p, m | u));
        }
    }
    best
}

/// The code stem the subterms of a code-less term share (`M51.3-` for the sites of
/// "Degeneration, intervertebral disc"), when at least two of them have codes and most of
/// those share more than a category.
fn shared_category(ix: &Index, main: &MainTerms, term: u32) -> Option<String> {
    // A site without a code of its own ("lumbar (with)") speaks through its subterms.
    // Subterms that send the coder elsewhere ("cervical — see Disorder, disc, cervical")
    // are another entry's business.
    let code_of = |c: u32| {
        ix.terms
            .get(c as usize)
            .filter(|t| t.see.is_empty() && t.see_also.is_empty())
            .map(|t| t.code.replace(['.', '-'], ""))
    };
    let codes: Vec<String> = main
        .children(term)
        .iter()
        .flat_map(|&c| match code_of(c) {
            Some(code) if !code.is_empty() => vec![code],
            _ => main
                .children(c)
                .iter()
                .filter_map(|&g| code_of(g))
                .collect(),
        })
        .filter(|c| !c.is_empty())
        .collect();
    if codes.len() < 2 {
        return None;
    }
    // The longest stem at least three in four of the codes share: "sacrococcygeal region"
    // (M53.3) beside four M51.3- sites still leaves M51.3 to ask from.
    let stem = (4..=codes.iter().map(String::len).max()?)
        .rev()
        .flat_map(|n| codes.iter().filter_map(move |c| c.get(..n)))
        .find(|stem| 4 * codes.iter().filter(|c| c.starts_with(stem)).count() >= 3 * codes.len())?;
    Some(format!("{}.{}-", stem.get(..3)?, stem.get(3..)?))
}

/// The alternatives the titles of a path offer beyond what was said.
fn alternatives(ix: &Index, main: &MainTerms, path: &[u32]) -> u32 {
    path.iter()
        .filter_map(|&t| main.words(ix, t))
        .map(|w| w.alternatives())
        .sum()
}

/// Position of "metastatic" (or "metastasis", "metastases") in the statement.
fn metastatic_at(st: &Statement) -> Option<usize> {
    st.raw
        .iter()
        .position(|w| w == "metastatic" || w == "metastasis" || w == "metastases")
}

/// Lands on a table row's cell: the code of `column`, the heading kept and explained.
fn take_cell(
    ix: &Index,
    l: &mut Landing,
    term: u32,
    column: u8,
    table: &str,
    why: &str,
) -> Option<()> {
    let cell = ix
        .terms
        .get(term as usize)?
        .cells
        .iter()
        .find(|(c, _)| *c == column)?;
    l.code.clone_from(&cell.1);
    let heading = ix.heading(column).to_string();
    l.trail
        .push(format!("{table} column \"{heading}\"{why} → {}", cell.1));
    l.column = Some(heading);
    Some(())
}

/// The Neoplasm Table column a statement's behaviour words name, as a reference the table
/// walk reads, with the words used: secondary (or metastatic), in situ, benign, uncertain,
/// malignant (or cancer, carcinoma), else unspecified behavior.
fn neoplasm_behaviour(st: &Statement, avail: u64) -> (&'static str, u64) {
    const BEHAVIOURS: [(&str, &str); 8] = [
        ("secondary", "Neoplasm, by site, secondary"),
        ("metastatic", "Neoplasm, by site, secondary"),
        ("situ", "Neoplasm, by site, in situ"),
        ("benign", "Neoplasm, by site, benign"),
        ("uncertain", "Neoplasm, by site, uncertain behavior"),
        ("malignant", "Neoplasm, by site, malignant"),
        ("cancer", "Neoplasm, by site, malignant"),
        ("carcinoma", "Neoplasm, by site, malignant"),
    ];
    let mut said = 0u64;
    let mut chosen: Option<&'static str> = None;
    for (word, reference) in BEHAVIOURS {
        if let Some(i) = st.find(&super::words::norm(word), avail) {
            said |= 1 << i;
            chosen = chosen.or(Some(reference));
        }
    }
    (
        chosen.unwrap_or("Neoplasm, by site, unspecified behavior"),
        said,
    )
}

//! From the Index's code or stem to a reportable code in the Tabular List: children chosen
//! by the statement's words, the 7th character from its definitions (placeholder X is
//! already in the expanded codes), and a question with the choices when the statement does
//! not decide.
//!
//! Invariant: a child is taken only when the statement's words pick it alone (or a
//! guideline default applies, cited); otherwise the answer is a question, never a guess.

use crate::cm::{CmRelease, NoteKind};
use crate::code;
use crate::search::tokenize;

use super::words::{Statement, denials, norm, optional};
use super::{Choice, Question, Step, StepKind};

/// The outcome of completing one code.
#[derive(Debug)]
pub(crate) struct Completed {
    /// The node reached: billable when complete, else the header a question is about.
    pub node: u32,
    /// The question, when the statement did not decide.
    pub question: Option<Question>,
    /// Statement words that chose children (so they start no other condition).
    pub used: u64,
}

/// Distinguishing words of a child: those in its title and not in its parent's, each with
/// whether the title says it is absent ("…, severe without psychotic features").
fn distinguishing(child_title: &str, parent_title: &str) -> Vec<(String, bool)> {
    let parent: Vec<String> = tokenize(parent_title).map(|w| norm(&w)).collect();
    denials(child_title)
        .into_iter()
        .filter(|(w, _)| !optional(w) && !parent.contains(w))
        .collect()
}

/// How many of a child's distinguishing words the statement says as the title does (an
/// absence by denying it); `None` when it says the opposite of one ("with psychotic
/// symptoms" for a statement "without psychotic features").
fn fit(st: &Statement, d: &[(String, bool)], has: impl Fn(&str) -> bool) -> Option<usize> {
    let mut n = 0;
    for (w, absent) in d {
        match (*absent, has(w), st.denies(w)) {
            (true, true, _) | (false, false, true) => return None,
            (true, false, true) | (false, true, _) => n += 1,
            _ => {}
        }
    }
    Some(n)
}

/// Completes `code_text` (as the Index prints it) to a billable code, choosing children by
/// the words in `avail` (those the Index walk did not use) and `extra_words` (patient sex).
pub(crate) fn complete(
    r: &CmRelease,
    code_text: &str,
    st: &Statement,
    avail: u64,
    extra_words: &[&str],
    answers: &[(String, String)],
    steps: &mut Vec<Step>,
) -> Option<Completed> {
    let stem = code_text.trim().trim_end_matches('-').trim_end_matches('.');
    let mut idx = r.find(stem).or_else(|| {
        // A drug-table code such as T39.1X1 is a 6-character stem of 7-character codes.
        let n = code::normalize(stem);
        (1..n.len()).rev().find_map(|k| r.find(n.get(..k)?))
    })?;
    let mut used = 0u64;
    let mut refined = false;
    for _ in 0..8 {
        let node = r.node(idx)?;
        // The Index's code is a default: an "unspecified" code whose sibling names words
        // the walk left unused ("recurrent, moderate") is verified to that sibling.
        // A header counts too: "Thrombosis, vein, deep" gives I82.40, unspecified deep
        // veins, whose sibling I82.41 names the femoral vein.
        if !refined
            && node.title.contains("unspecified")
            && let Some(sibling) = named_sibling(r, idx, st, avail)
        {
            let n = r.node(sibling)?;
            for (w, _) in distinguishing(&n.title, &r.node(n.parent?)?.title) {
                if let Some(i) = st.find(&w, avail) {
                    used |= 1 << i;
                }
            }
            steps.push(Step {
                kind: StepKind::Tabular,
                text: format!("{} → {} {}", node.display_code(), n.display_code(), n.title),
                source: "Tabular List (a sibling names the statement's detail)".into(),
            });
            idx = sibling;
            refined = true;
            continue;
        }
        if node.billable {
            return Some(Completed {
                node: idx,
                question: None,
                used,
            });
        }
        let shown = node.display_code();
        if let Some((_, a)) = answers.iter().find(|(q, _)| *q == shown) {
            let want = code::normalize(a);
            let picked = node.children.iter().copied().find(|&c| {
                r.node(c).is_some_and(|n| {
                    n.code == want || (want.len() == 1 && n.code.ends_with(want.as_str()))
                })
            });
            if let Some(c) = picked {
                steps.push(Step {
                    kind: StepKind::Answer,
                    text: format!("{shown}: answered {a}"),
                    source: "coder".into(),
                });
                idx = c;
                continue;
            }
        }
        // A child is chosen by the words that tell it from its siblings, wherever the
        // statement says them; a child whose laterality or episode of care the statement
        // does not say is never chosen (that is a question).
        let all = st.all();
        let has = |w: &str| st.find(w, all).is_some() || extra_words.contains(&w);
        let scored: Vec<(u32, usize)> = node
            .children
            .iter()
            .filter_map(|&c| {
                let n = r.node(c)?;
                let d = distinguishing(&n.title, &node.title);
                let unsaid_selector = d
                    .iter()
                    .any(|(w, _)| crate::search::SELECTORS.contains(&w.as_str()) && !has(w));
                // "Unspecified" is what a coder reports only when told so: a question.
                let score = if unsaid_selector || d.iter().any(|(w, _)| w == "unspecified") {
                    0
                } else {
                    fit(st, &d, has).unwrap_or(0)
                };
                Some((c, score))
            })
            .collect();
        let top = scored.iter().map(|(_, s)| *s).max().unwrap_or(0);
        let best: Vec<u32> = scored
            .iter()
            .filter(|(_, s)| *s == top)
            .map(|(c, _)| *c)
            .collect();
        let pick = match best.as_slice() {
            [only] if top > 0 || scored.len() == 1 => Some((*only, None)),
            _ => closed_default(r, &best, st).or_else(|| nos_default(r, idx, st)),
        };
        match pick {
            Some((c, rule)) => {
                let n = r.node(c)?;
                for (w, _) in distinguishing(&n.title, &node.title) {
                    if let Some(i) = st.find(&w, avail) {
                        used |= 1 << i;
                    }
                }
                steps.push(Step {
                    kind: StepKind::Tabular,
                    text: format!("{shown} → {} {}", n.display_code(), n.title),
                    source: rule.unwrap_or("Tabular List").into(),
                });
                idx = c;
            }
            None => {
                let seventh = !r.seventh_characters(idx).is_empty()
                    && node
                        .children
                        .iter()
                        .all(|&c| r.node(c).is_some_and(|n| n.code.len() == 7));
                let choices = node
                    .children
                    .iter()
                    .filter_map(|&c| r.node(c))
                    .map(|n| Choice {
                        value: if seventh {
                            n.code.chars().last().map(String::from).unwrap_or_default()
                        } else {
                            n.display_code()
                        },
                        code: n.display_code(),
                        label: n.title.clone(),
                    })
                    .collect();
                let prompt = if seventh {
                    format!("{shown} needs a 7th character (episode of care or healing)")
                } else {
                    format!("{shown} {}: which one?", node.title)
                };
                return Some(Completed {
                    node: idx,
                    question: Some(Question {
                        id: shown,
                        prompt,
                        choices,
                    }),
                    used,
                });
            }
        }
    }
    None
}

/// The one billable sibling of `idx` whose distinguishing words the unused statement
/// words name.
fn named_sibling(r: &CmRelease, idx: u32, st: &Statement, avail: u64) -> Option<u32> {
    let parent = r.node(r.node(idx)?.parent?)?;
    let said = |w: &str| st.find(w, avail).is_some();
    let own = fit(
        st,
        &distinguishing(&r.node(idx)?.title, &parent.title),
        said,
    )
    .unwrap_or(0);
    let mut best: Option<(usize, u32)> = None;
    let mut tied = false;
    for &c in &parent.children {
        let Some(n) = r.node(c) else { continue };
        if c == idx || n.billable != r.node(idx)?.billable {
            continue;
        }
        let d = distinguishing(&n.title, &parent.title);
        let unsaid_selector = d.iter().any(|(w, _)| {
            crate::search::SELECTORS.contains(&w.as_str()) && st.find(w, st.all()).is_none()
        });
        if unsaid_selector || d.iter().any(|(w, _)| w == "unspecified") {
            continue;
        }
        let Some(score) = fit(st, &d, said) else {
            continue;
        };
        match best {
            Some((b, _)) if score < b => {}
            Some((b, _)) if score == b => tied = true,
            _ => {
                best = Some((score, c));
                tied = false;
            }
        }
    }
    match best {
        Some((score, c)) if score > own && !tied => Some(c),
        _ => None,
    }
}

/// What the Tabular List itself makes the default when the statement adds nothing: the
/// one child that holds the parent's condition "NOS" as an inclusion term (C90.00 holds
/// "Multiple myeloma NOS"; G35.D "Multiple sclerosis NOS"), or the one whose title says it
/// is "not specified as" what the statement does not say (A04.72 "…, not specified as
/// recurrent"). A child for an unsaid side or episode of care is never such a default, so
/// those stay questions.
fn nos_default(r: &CmRelease, idx: u32, st: &Statement) -> Option<(u32, Option<&'static str>)> {
    let node = r.node(idx)?;
    let parent_words: Vec<String> = tokenize(&node.title).map(|w| norm(&w)).collect();
    let mut found = node.children.iter().copied().filter(|&c| {
        let Some(n) = r.node(c) else { return false };
        let unsaid = |text: &str| tokenize(text).all(|w| !st.says(&w));
        let nos =
            n.notes.iter().any(|note| {
                note.kind == NoteKind::InclusionTerm
                    && note.text.trim().strip_suffix(" NOS").is_some_and(|term| {
                        tokenize(term).all(|w| parent_words.contains(&norm(&w)))
                    })
            });
        let not_specified = n
            .title
            .split_once("not specified as ")
            .is_some_and(|(_, rest)| unsaid(rest));
        nos || not_specified
    });
    let only = found.next()?;
    if found.next().is_some() {
        return None;
    }
    Some((
        only,
        Some(
            "Tabular List (the inclusion term NOS, or \"not specified as\": nothing more was said)",
        ),
    ))
}

/// Guidelines I.C.19.c.1: a fracture not indicated as open or closed is coded closed; the
/// only default the encoder applies without asking.
fn closed_default(
    r: &CmRelease,
    tied: &[u32],
    st: &Statement,
) -> Option<(u32, Option<&'static str>)> {
    if st.says("open") || st.says("closed") {
        return None;
    }
    let closed: Vec<u32> = tied
        .iter()
        .copied()
        .filter(|&c| {
            r.node(c)
                .is_some_and(|n| n.title.contains("closed fracture"))
        })
        .collect();
    let others_open = tied
        .iter()
        .filter(|c| !closed.contains(c))
        .all(|&c| r.node(c).is_some_and(|n| n.title.contains("open fracture")));
    match closed.as_slice() {
        [only] if others_open => Some((
            *only,
            Some("Guidelines I.C.19.c.1 (not stated open or closed: closed)"),
        )),
        _ => None,
    }
}

//! Notes between the codes of one statement: `use additional code` partners found in the
//! statement (Guidelines I.A.12.a, I.B.7), Excludes1 pairs dropped (I.A.12.a), and
//! sequencing: `code first` etiology before manifestation (I.A.13, I.B.7), a manifestation
//! never first, the adverse effect's T code after its nature (I.C.19.e.5.a).
//!
//! Invariant: a partner code is added only when the statement's own words lead to it
//! through the Index; a note without such words is shown, not acted on.

use crate::cm::{CmRelease, NoteKind};
use crate::code;
use crate::coding_edits::{code_ranges, excludes, under};
use crate::engine::CodeSets;
use crate::error::Result;

use super::tabular;
use super::walk::{Indexes, Landing};
use super::words::Statement;
use super::{EncodeRequest, Encoding, Step, StepKind};

/// Categories (three characters) a note's ranges start in: the partner search takes any
/// code of them ("chronic kidney disease" gives N18.9 for a note naming N18.1-N18.6, and
/// the coding edit then asks for the stage). With `exact`, a note naming one subcategory
/// ("hypoglycemia level, if applicable (E16.A-)") takes only that: E16.0, drug-induced
/// hypoglycemia, is no level. The walk looks by category (its way to "heel, left" passes
/// "Ulcer, lower limb", L97.9); the code it ends on is held to the exact list.
fn categories(ranges: &[(String, String)], exact: bool) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = ranges
        .iter()
        .filter_map(|(lo, hi)| {
            if exact && lo == hi {
                Some(lo.as_str())
            } else {
                lo.get(..3)
            }
        })
        .map(|c| (c.to_string(), c.to_string()))
        .collect();
    out.dedup();
    out
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn apply(
    sets: &CodeSets,
    r: &CmRelease,
    indexes: &Indexes<'_>,
    st: &Statement,
    req: &EncodeRequest,
    sex_word: &[&str],
    landed: Vec<(u32, Landing)>,
    out: &mut Encoding,
) -> Result<Vec<(u32, String)>> {
    let _ = sets;
    let mut codes: Vec<(u32, String, bool)> = landed
        .iter()
        .map(|(n, l)| {
            let adverse = l.column.as_deref() == Some("Adverse effect");
            (*n, l.trail.last().cloned().unwrap_or_default(), adverse)
        })
        .collect();
    // Words no condition used: only these can refine a partner's code.
    let unused = landed.iter().fold(st.all(), |m, (_, l)| m & !l.used);
    // `use additional code`: look for the partner among the statement's own words.
    let mut i = 0;
    while i < codes.len() && codes.len() < 6 {
        let Some(&(node, _, _)) = codes.get(i) else {
            break;
        };
        i += 1;
        for (from, note) in r.notes_with_inheritance(node) {
            if note.kind != NoteKind::UseAdditionalCode {
                continue;
            }
            let ranges = code_ranges(&note.text);
            let cats = categories(&ranges, false);
            let named = categories(&ranges, true);
            if cats.is_empty() {
                continue;
            }
            let has_partner = codes
                .iter()
                .any(|(n, _, _)| r.node(*n).is_some_and(|x| under(&x.code, &cats)));
            let from_code = r.node(from).map(|n| n.display_code()).unwrap_or_default();
            if has_partner {
                continue;
            }
            let accept = |c: &str| under(&code::normalize(c.trim_end_matches('-')), &cats);
            // The partner's words may be part of the combination code's own path ("with
            // heart failure"); only the combination's main term is not the partner's.
            let start_used = landed
                .iter()
                .find(|(n, _)| *n == node)
                .map_or(0, |(_, l)| l.start_used);
            // The partner may also sit under the same main term ("urinary tract infection
            // due to e coli": Infection, urinary tract and Infection, Escherichia coli) when
            // it says something no condition has used.
            let Some(l) = indexes
                .land_filtered(st, st.all() & !start_used, &accept)
                .or_else(|| {
                    indexes
                        .land_filtered(st, st.all(), &accept)
                        .filter(|l| st.weight(l.used & unused) > 0)
                })
            else {
                continue;
            };
            let Some(done) = tabular::complete(
                r,
                &l.code,
                st,
                unused & !l.used,
                sex_word,
                &req.answers,
                &mut out.steps,
            ) else {
                continue;
            };
            if !r.node(done.node).is_some_and(|n| under(&n.code, &named)) {
                continue;
            }
            if let Some(q) = done.question {
                out.questions.push(q);
            }
            if codes.iter().any(|(n, _, _)| *n == done.node) {
                continue;
            }
            out.steps.push(Step {
                kind: StepKind::Note,
                text: format!(
                    "use additional code at {from_code} ({}): {} via {}",
                    note.text,
                    r.node(done.node)
                        .map(|n| n.display_code())
                        .unwrap_or_default(),
                    l.trail.join("; ")
                ),
                source: format!("Tabular {from_code} useAdditionalCode; Guidelines I.B.7"),
            });
            codes.push((
                done.node,
                format!("use additional code at {from_code}"),
                false,
            ));
        }
    }
    presume_hypertension_links(r, &mut codes, out);
    // Excludes1: the two are never reported together; the later one goes.
    let mut k = 0;
    while k < codes.len() {
        let Some(&(a, _, _)) = codes.get(k) else {
            break;
        };
        let mut drop: Option<usize> = None;
        'notes: for (from, note) in r.notes_with_inheritance(a) {
            if note.kind != NoteKind::Excludes1 {
                continue;
            }
            for (j, (b, _, _)) in codes.iter().enumerate() {
                if j == k || !r.node(*b).is_some_and(|x| excludes(&note.text, &x.code)) {
                    continue;
                }
                let from_code = r.node(from).map(|n| n.display_code()).unwrap_or_default();
                let (keep, gone) = if j > k { (a, *b) } else { (*b, a) };
                out.steps.push(Step {
                    kind: StepKind::Rejected,
                    text: format!(
                        "{} not reported with {}: Excludes1 at {from_code} ({})",
                        r.node(gone).map(|n| n.display_code()).unwrap_or_default(),
                        r.node(keep).map(|n| n.display_code()).unwrap_or_default(),
                        note.text
                    ),
                    source: format!("Tabular {from_code} excludes1; Guidelines I.A.12.a"),
                });
                drop = Some(j.max(k));
                break 'notes;
            }
        }
        match drop {
            Some(j) => {
                codes.remove(j);
            }
            None => k += 1,
        }
    }
    sequence(r, &mut codes, out);
    Ok(codes.into_iter().map(|(n, why, _)| (n, why)).collect())
}

/// Orders the codes: etiology before a `code first` manifestation, a manifestation never
/// first, the adverse effect's T code after the effect.
fn sequence(r: &CmRelease, codes: &mut Vec<(u32, String, bool)>, out: &mut Encoding) {
    for _ in 0..codes.len() {
        let mut moved = false;
        for a in 0..codes.len() {
            let Some(&(na, _, _)) = codes.get(a) else {
                continue;
            };
            let first_refs: Vec<(u32, Vec<(String, String)>)> = r
                .notes_with_inheritance(na)
                .filter(|(_, n)| n.kind == NoteKind::CodeFirst)
                .map(|(f, n)| (f, code_ranges(&n.text)))
                .collect();
            let etiology = codes
                .iter()
                .enumerate()
                .skip(a + 1)
                .find(|(_, (nb, _, _))| {
                    r.node(*nb)
                        .is_some_and(|x| first_refs.iter().any(|(_, refs)| under(&x.code, refs)))
                });
            if let Some((b, _)) = etiology {
                let item = codes.remove(b);
                out.steps.push(Step {
                    kind: StepKind::Note,
                    text: format!(
                        "{} sequenced before {}: code first",
                        r.node(item.0).map(|n| n.display_code()).unwrap_or_default(),
                        r.node(na).map(|n| n.display_code()).unwrap_or_default()
                    ),
                    source: "Tabular codeFirst; Guidelines I.A.13".into(),
                });
                codes.insert(a, item);
                moved = true;
                break;
            }
        }
        if !moved {
            break;
        }
    }
    chapter_priorities(r, codes, out);
    let manifestation = |n: u32| {
        r.node(n)
            .is_some_and(|x| x.title.contains("in diseases classified elsewhere"))
    };
    if codes.len() > 1 && codes.first().is_some_and(|(n, _, _)| manifestation(*n)) {
        let item = codes.remove(0);
        codes.push(item);
        out.steps.push(Step {
            kind: StepKind::Note,
            text: "a manifestation code is never first-listed".into(),
            source: "Guidelines I.A.13".into(),
        });
    }
    if codes.len() > 1
        && let Some(p) = codes.iter().position(|(_, _, adverse)| *adverse)
    {
        let item = codes.remove(p);
        codes.push(item);
        out.steps.push(Step {
            kind: StepKind::Note,
            text: "the adverse effect's T code follows the nature of the effect".into(),
            source: "Guidelines I.C.19.e.5.a".into(),
        });
    }
}

/// Guidelines I.C.9.a: hypertension with heart failure or with chronic kidney disease is
/// linked even when the statement does not say so, and coded with the combination
/// category: (the kidney code's prefix, the combination code, the section).
const HYPERTENSION_LINKS: [(&str, &str, &str); 3] = [
    (
        "N186",
        "I120",
        "I.C.9.a.2 (hypertension with end stage renal disease)",
    ),
    (
        "N185",
        "I120",
        "I.C.9.a.2 (hypertension with stage 5 chronic kidney disease)",
    ),
    (
        "N18",
        "I129",
        "I.C.9.a.2 (hypertension with chronic kidney disease)",
    ),
];

/// Replaces essential hypertension (I10) by the combination code the guidelines presume
/// when chronic kidney disease or heart failure is coded too.
fn presume_hypertension_links(
    r: &CmRelease,
    codes: &mut [(u32, String, bool)],
    out: &mut Encoding,
) {
    let code_of = |n: u32| r.node(n).map(|x| x.code.clone()).unwrap_or_default();
    let Some(pos) = codes.iter().position(|(n, _, _)| code_of(*n) == "I10") else {
        return;
    };
    let present: Vec<String> = codes.iter().map(|(n, _, _)| code_of(*n)).collect();
    let has = |prefix: &str| present.iter().any(|c| c.starts_with(prefix));
    let kidney = HYPERTENSION_LINKS.iter().find(|(p, _, _)| has(p));
    let heart = has("I50");
    let (combo, why) = match (kidney, heart) {
        (Some((_, "I120", _)), true) => (
            "I132",
            "I.C.9.a.3 (hypertensive heart and chronic kidney disease with heart failure and stage 5 CKD or ESRD)",
        ),
        (Some(_), true) => (
            "I130",
            "I.C.9.a.3 (hypertensive heart and chronic kidney disease with heart failure)",
        ),
        (Some((_, c, w)), false) => (*c, *w),
        (None, true) => ("I110", "I.C.9.a.1 (hypertension with heart failure)"),
        (None, false) => return,
    };
    let Some(node) = r.find(combo) else { return };
    if let Some(slot) = codes.get_mut(pos) {
        out.steps.push(Step {
            kind: StepKind::Note,
            text: format!(
                "I10 → {}: the guidelines presume the link",
                r.node(node).map(|n| n.display_code()).unwrap_or_default()
            ),
            source: format!("Guidelines {why}"),
        });
        slot.0 = node;
    }
}

/// Systemic infection codes that are sepsis (Guidelines I.C.1.d.1.a: "assign the
/// appropriate code for the underlying systemic infection"): the A40-A41 categories and the
/// sepsis codes elsewhere in chapter 1 (by prefix, without dots).
const SEPSIS: [&str; 12] = [
    "A40", "A41", "A021", "A227", "A267", "A327", "A427", "A5486", "B377", "A392", "A393", "A394",
];

/// Moves the codes `pick` chooses to the front, keeping each group's order; true when the
/// order changed.
fn to_front(codes: &mut Vec<(u32, String, bool)>, pick: impl Fn(u32) -> bool) -> bool {
    let before: Vec<u32> = codes.iter().map(|(n, _, _)| *n).collect();
    let (mut first, rest): (Vec<_>, Vec<_>) = codes.drain(..).partition(|(n, _, _)| pick(*n));
    first.extend(rest);
    *codes = first;
    codes.iter().map(|(n, _, _)| *n).ne(before)
}

/// Chapter-specific sequencing: chapter 15 codes first when any is coded (I.C.15.a.1);
/// otherwise the systemic infection of sepsis before the localized infection and the
/// organ dysfunction (I.C.1.d.4), with severe sepsis (R65.2-) right after it
/// (I.C.1.d.1.a.ii).
fn chapter_priorities(r: &CmRelease, codes: &mut Vec<(u32, String, bool)>, out: &mut Encoding) {
    let code_of = |n: u32| r.node(n).map(|x| x.code.clone()).unwrap_or_default();
    let shown = |n: u32| r.node(n).map(|x| x.display_code()).unwrap_or_default();
    let obstetric = |n: u32| code_of(n).starts_with('O');
    if codes.len() < 2 {
        return;
    }
    if codes.iter().any(|(n, _, _)| obstetric(*n)) {
        if to_front(codes, obstetric) {
            let moved: Vec<String> = codes
                .iter()
                .filter(|(n, _, _)| obstetric(*n))
                .map(|(n, _, _)| shown(*n))
                .collect();
            out.steps.push(Step {
                kind: StepKind::Note,
                text: format!(
                    "{} sequenced first: pregnancy codes have sequencing priority over codes from other chapters",
                    moved.join(", ")
                ),
                source: "Guidelines I.C.15.a.1".into(),
            });
        }
        return;
    }
    let sepsis = |n: u32| {
        let c = code_of(n);
        SEPSIS.iter().any(|p| c.starts_with(p))
    };
    let severe = |n: u32| code_of(n).starts_with("R652");
    // Severe sepsis without its systemic infection: the organism not being stated, A41.9
    // is the infection (I.C.1.d.1.a.ii, I.C.1.d.1.a.i).
    if codes.iter().any(|(n, _, _)| severe(*n))
        && !codes.iter().any(|(n, _, _)| sepsis(*n))
        && let Some(a419) = r.find("A419")
    {
        out.steps.push(Step {
            kind: StepKind::Note,
            text: format!(
                "{}: severe sepsis is coded with its underlying systemic infection; the organism is not stated",
                shown(a419)
            ),
            source: "Guidelines I.C.1.d.1.a.i, I.C.1.d.1.a.ii; Tabular R65.2 codeFirst".into(),
        });
        codes.push((
            a419,
            "severe sepsis: underlying systemic infection".into(),
            false,
        ));
    }
    if !codes.iter().any(|(n, _, _)| sepsis(*n)) {
        return;
    }
    let before: Vec<u32> = codes.iter().map(|(n, _, _)| *n).collect();
    let (mut ordered, rest): (Vec<_>, Vec<_>) = codes.drain(..).partition(|(n, _, _)| sepsis(*n));
    let (severe_codes, rest): (Vec<_>, Vec<_>) = rest.into_iter().partition(|(n, _, _)| severe(*n));
    ordered.extend(severe_codes);
    ordered.extend(rest);
    *codes = ordered;
    if codes.iter().map(|(n, _, _)| *n).ne(before) {
        let first = codes.first().map(|(n, _, _)| shown(*n)).unwrap_or_default();
        let mut text = format!(
            "{first} sequenced first: the underlying systemic infection comes before the localized infection"
        );
        if let Some((n, _, _)) = codes.iter().find(|(n, _, _)| severe(*n)) {
            text.push_str(&format!(
                "; {} follows it (severe sepsis is never first-listed)",
                shown(*n)
            ));
        }
        out.steps.push(Step {
            kind: StepKind::Note,
            text,
            source: "Guidelines I.C.1.d.4, I.C.1.d.1.a.ii".into(),
        });
    }
}

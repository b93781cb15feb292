//! Coding edits on the diagnosis codes of one encounter, before a claim leaves: one table of
//! rules ([`RULES`]), each naming its source, run in order over the codes as listed
//! (first-listed first).
//!
//! Invariants: a rule only reads the release in force on the date of service and the MCE
//! edits; it never changes the codes; every finding names its rule, the codes involved and
//! where the rule comes from.

use serde::Serialize;
use time::Date;

use crate::cm::{CmRelease, NoteKind};
use crate::code;
use crate::edits::{Edits, Patient};
use crate::engine::CodeSets;
use crate::error::Result;
use crate::poa_exempt::PoaExempt;

mod claim;
mod procedures;
pub use claim::{ClaimDiagnosis, Setting};
pub use procedures::{PROCEDURE_RULES, ProcedureLine, ProcedureRule};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    /// The claim would be wrong as coded.
    Error,
    /// A coder should look (a partner that may be missing, an unusual pairing).
    Warning,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodingEdit {
    /// The rule's id (see [`RULES`]).
    pub rule: &'static str,
    /// How serious.
    pub severity: Severity,
    /// The codes involved, as given.
    pub codes: Vec<String>,
    /// What is wrong, in words.
    pub message: String,
    /// Where the rule comes from (guideline section, Tabular note, MCE edit).
    pub source: String,
}

/// A rule of the table.
pub struct Rule {
    /// Stable id, e.g. `excludes1-pair`.
    pub id: &'static str,
    /// What it checks.
    pub description: &'static str,
    /// Where it comes from.
    pub source: &'static str,
    check: fn(&Ctx<'_>, &mut Vec<CodingEdit>),
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("id", &self.id).finish()
    }
}

/// What the rules look at.
struct Ctx<'a> {
    r: &'a CmRelease,
    edits: &'a Edits,
    patient: &'a Patient,
    dos: Date,
    /// The codes as given, with their node when the release has them.
    codes: Vec<(&'a str, Option<u32>)>,
    /// An inpatient claim: POA indicators and the principal diagnosis are checked.
    inpatient: bool,
    /// The POA indicator sent with each code (same order as `codes`).
    poa: Vec<Option<&'a str>>,
    /// CMS's POA-exempt list, when it could be read.
    poa_exempt: Option<&'a PoaExempt>,
}

impl Ctx<'_> {
    /// The codes the release knows, with their position.
    fn known(&self) -> impl Iterator<Item = (usize, &str, u32)> + '_ {
        self.codes
            .iter()
            .enumerate()
            .filter_map(|(i, (c, n))| n.map(|n| (i, *c, n)))
    }

    fn code_of(&self, node: u32) -> &str {
        self.r.node(node).map_or("", |n| n.code.as_str())
    }

    fn shown(&self, node: u32) -> String {
        self.r
            .node(node)
            .map(|n| n.display_code())
            .unwrap_or_default()
    }
}

/// The rules, in the order they run.
pub const RULES: &[Rule] = &[
    Rule {
        id: "invalid-code",
        description: "a code that is not in the ICD-10-CM release in force on the date of service",
        source: "HIPAA code set standard, 45 CFR 162.1002: the code set valid on the date of service",
        check: invalid_code,
    },
    Rule {
        id: "not-billable",
        description: "a category or subcategory reported where a code with more characters exists (7th character included)",
        source: "ICD-10-CM Official Guidelines I.B.2 and I.A.5 (7th characters)",
        check: not_billable,
    },
    Rule {
        id: "duplicate",
        description: "the same code listed twice",
        source: "ICD-10-CM Official Guidelines I.B.12 (a code is reported once per encounter)",
        check: duplicate,
    },
    Rule {
        id: "excludes1-pair",
        description: "two codes reported together that an Excludes1 note says never go together",
        source: "ICD-10-CM Official Guidelines I.A.12.a; the Excludes1 note in the Tabular List",
        check: excludes1_pair,
    },
    Rule {
        id: "manifestation-first",
        description: "a manifestation code (\"in diseases classified elsewhere\") listed first or alone",
        source: "ICD-10-CM Official Guidelines I.A.13 (etiology/manifestation convention)",
        check: manifestation_first,
    },
    Rule {
        id: "code-first-missing",
        description: "a code whose own \"code first\" note names an underlying condition that is not coded",
        source: "ICD-10-CM Official Guidelines I.A.13 and I.B.7; the codeFirst note in the Tabular List",
        check: code_first_missing,
    },
    Rule {
        id: "use-additional-missing",
        description: "a code whose own \"use additional code\" note (written on the code, not inherited) names codes of which none is reported",
        source: "ICD-10-CM Official Guidelines I.A.13 and I.B.7; the useAdditionalCode note in the Tabular List",
        check: use_additional_missing,
    },
    Rule {
        id: "external-cause-first",
        description: "an external cause code (V00-Y99) listed first",
        source: "ICD-10-CM Official Guidelines I.C.20 (never a principal or first-listed diagnosis)",
        check: external_cause_first,
    },
    Rule {
        id: "mce-sex-age",
        description: "a code that conflicts with the patient's sex or age",
        source: "CMS Medicare Code Editor v37 sex and age edits (chapter 15 rule for newer codes)",
        check: mce_sex_age,
    },
    Rule {
        id: "mce-principal-unacceptable",
        description: "an inpatient principal diagnosis the MCE does not accept as principal (newer codes by their subcategory)",
        source: "CMS Medicare Code Editor v37 edit 9 (unacceptable principal diagnosis), extended to the release in force",
        check: claim::mce_principal_unacceptable,
    },
    Rule {
        id: "poa-missing",
        description: "a diagnosis on an inpatient claim without a present-on-admission indicator that is not POA-exempt",
        source: "ICD-10-CM Official Guidelines Appendix I; CMS POA-exempt list FY2026; UB-04 FL67 / 837I HI",
        check: claim::poa_missing,
    },
    Rule {
        id: "poa-invalid",
        description: "a present-on-admission indicator other than Y, N, U, W or 1, or 1 on a code that is not exempt",
        source: "ICD-10-CM Official Guidelines Appendix I; CMS POA-exempt list FY2026",
        check: claim::poa_invalid,
    },
];

fn invalid_code(cx: &Ctx<'_>, out: &mut Vec<CodingEdit>) {
    for (c, node) in &cx.codes {
        if node.is_none() {
            out.push(CodingEdit {
                rule: "invalid-code",
                severity: Severity::Error,
                codes: vec![(*c).to_string()],
                message: format!(
                    "{c} is not an ICD-10-CM code in {} (in force on {})",
                    cx.r.info.name, cx.dos
                ),
                source: rule_source("invalid-code"),
            });
        }
    }
}

fn not_billable(cx: &Ctx<'_>, out: &mut Vec<CodingEdit>) {
    for (_, c, node) in cx.known() {
        let Some(n) = cx.r.node(node) else { continue };
        if n.billable {
            continue;
        }
        let seventh = !cx.r.seventh_characters(node).is_empty();
        out.push(CodingEdit {
            rule: "not-billable",
            severity: Severity::Error,
            codes: vec![c.to_string()],
            message: if seventh {
                format!("{c} needs a 7th character (placeholder X up to six characters first)")
            } else {
                format!(
                    "{c} is a header; report one of its {} billable codes",
                    cx.r.billable_descendants(node).len()
                )
            },
            source: rule_source("not-billable"),
        });
    }
}

fn duplicate(cx: &Ctx<'_>, out: &mut Vec<CodingEdit>) {
    let mut seen: Vec<String> = Vec::new();
    for (c, _) in &cx.codes {
        let n = code::normalize(c);
        if seen.contains(&n) {
            out.push(CodingEdit {
                rule: "duplicate",
                severity: Severity::Error,
                codes: vec![(*c).to_string()],
                message: format!("{c} is listed more than once"),
                source: rule_source("duplicate"),
            });
        } else {
            seen.push(n);
        }
    }
}

/// Does `code` (normalised) fall under one of the ranges (`E10` alone is `E10`-`E10`)?
pub(crate) fn under(code: &str, ranges: &[(String, String)]) -> bool {
    ranges.iter().any(|(lo, hi)| {
        (code >= lo.as_str() || code.starts_with(lo.as_str()))
            && (code <= hi.as_str() || code.starts_with(hi.as_str()))
    })
}

/// Does an Excludes1 note's text exclude `code` (normalised)? Its ranges, narrowed by
/// "with 7th character B" and "with .42" where the note says so.
pub(crate) fn excludes(note_text: &str, code: &str) -> bool {
    excludes_in(note_text, &code_ranges(note_text), code)
}

/// [`excludes`] with the note's ranges already read (`code_ranges(note_text)`).
fn excludes_in(note_text: &str, ranges: &[(String, String)], code: &str) -> bool {
    if !under(code, ranges) {
        return false;
    }
    // "(S92.- with 7th character B)": only the open-fracture codes.
    let sevenths = seventh_characters_named(note_text);
    let seventh_ok = sevenths.is_empty()
        || (code.len() == 7 && code.chars().last().is_some_and(|c| sevenths.contains(&c)));
    // "(E08-E13 with .42)": only the codes with those characters after the dot.
    let dot_ok = note_text.split("with .").nth(1).is_none_or(|t| {
        let d: String = t.chars().take_while(char::is_ascii_alphanumeric).collect();
        code.get(3..)
            .is_some_and(|rest| rest.starts_with(d.as_str()))
    });
    seventh_ok && dot_ok
}

/// The 7th characters a note restricts its codes to ("with 7th character B or C").
pub(crate) fn seventh_characters_named(text: &str) -> Vec<char> {
    let Some(at) = text.find("7th character") else {
        return Vec::new();
    };
    text.get(at + "7th character".len()..)
        .unwrap_or_default()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take_while(|w| w.len() == 1 || *w == "or" || *w == "and")
        .filter_map(|w| {
            let c = w.chars().next()?;
            (w.len() == 1 && c.is_ascii_uppercase()).then_some(c)
        })
        .collect()
}

/// [`code_ranges`] of a note, read once per distinct note text on this thread: a
/// population's review meets the same few hundred notes on every chart, and reading their
/// ranges again was most of the coding edits' time. Keyed by the text itself, so notes of
/// every release share it and no release can see another's; emptied past 100,000 texts.
fn note_ranges(text: &str) -> std::rc::Rc<[(String, String)]> {
    /// A note's text where the loaded code sets keep it, and its ranges: hashing the place
    /// instead of the text made the look-up cheap enough for a full review's every code;
    /// the text is compared on a hit, so a text at a place another one left is read anew.
    type Read =
        std::collections::HashMap<(usize, usize), (String, std::rc::Rc<[(String, String)]>)>;
    thread_local! {
        static READ: std::cell::RefCell<Read> = std::cell::RefCell::default();
    }
    let place = (text.as_ptr() as usize, text.len());
    READ.with(|read| {
        if let Some((kept, ranges)) = read.borrow().get(&place)
            && kept == text
        {
            return ranges.clone();
        }
        let ranges: std::rc::Rc<[(String, String)]> = code_ranges(text).into();
        let mut read = read.borrow_mut();
        if read.len() >= 100_000 {
            read.clear();
        }
        read.insert(place, (text.to_owned(), ranges.clone()));
        ranges
    })
}

/// Code ranges a note names: "E00-E07", "N18.1-N18.6", "E10.-", "I50.9".
pub(crate) fn code_ranges(text: &str) -> Vec<(String, String)> {
    let is_code = |t: &str| {
        let mut c = t.chars();
        t.len() >= 3
            && c.next().is_some_and(|c| c.is_ascii_uppercase())
            && c.next().is_some_and(|c| c.is_ascii_digit())
            && c.next().is_some_and(|c| c.is_ascii_alphanumeric())
    };
    let mut out = Vec::new();
    // "S06.0- to S06.8-" is a range written in words.
    let text = text.replace(" to ", "-");
    for piece in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-')) {
        // "I70.2--I70.7-" is written with a double hyphen in places.
        let parts: Vec<&str> = piece
            .split('-')
            .map(|p| p.trim_matches('.'))
            .filter(|p| is_code(p))
            .collect();
        match parts.as_slice() {
            [a, b] => {
                out.push((code::normalize(a), code::normalize(b)));
            }
            [a] => {
                let c = code::normalize(a);
                out.push((c.clone(), c));
            }
            _ => {}
        }
    }
    out
}

fn excludes1_pair(cx: &Ctx<'_>, out: &mut Vec<CodingEdit>) {
    // Each known code as the release spells it, once.
    let known: Vec<(usize, &str, &str)> = cx
        .known()
        .map(|(j, b, nb)| (j, b, cx.code_of(nb)))
        .collect();
    if known.len() < 2 {
        return;
    }
    for (i, a, na) in cx.known() {
        for (from, note) in cx.r.notes_with_inheritance(na) {
            if note.kind != NoteKind::Excludes1 {
                continue;
            }
            // The note's ranges are read once, not once per other code; a note naming no
            // code excludes nothing.
            let ranges = note_ranges(&note.text);
            if ranges.is_empty() {
                continue;
            }
            for (j, b, code_b) in &known {
                let (j, b) = (*j, *b);
                // Each pair once: the later code against the earlier one's note, or the
                // earlier against the later's when only that one has the note.
                if i == j || !excludes_in(&note.text, &ranges, code_b) {
                    continue;
                }
                let pair = if i < j { [a, b] } else { [b, a] };
                if out
                    .iter()
                    .any(|e| e.rule == "excludes1-pair" && e.codes == pair)
                {
                    continue;
                }
                out.push(CodingEdit {
                    rule: "excludes1-pair",
                    severity: Severity::Error,
                    codes: pair.iter().map(|c| c.to_string()).collect(),
                    message: format!(
                        "{a} and {b} are not coded together: Excludes1 at {} ({})",
                        cx.shown(from),
                        note.text
                    ),
                    source: format!(
                        "{}; Excludes1 at {}",
                        rule_source("excludes1-pair"),
                        cx.shown(from)
                    ),
                });
            }
        }
    }
}

fn is_manifestation(cx: &Ctx<'_>, node: u32) -> bool {
    cx.r.node(node)
        .is_some_and(|n| n.title.contains("in diseases classified elsewhere"))
}

fn manifestation_first(cx: &Ctx<'_>, out: &mut Vec<CodingEdit>) {
    let Some((i, c, node)) = cx.known().next() else {
        return;
    };
    if i == 0 && is_manifestation(cx, node) {
        let alone = cx.codes.len() == 1;
        out.push(CodingEdit {
            rule: "manifestation-first",
            severity: Severity::Error,
            codes: vec![c.to_string()],
            message: if alone {
                format!("{c} is a manifestation code and cannot be reported alone; code the underlying condition first")
            } else {
                format!("{c} is a manifestation code and cannot be first-listed; list the underlying condition before it")
            },
            source: rule_source("manifestation-first"),
        });
    }
}

/// The notes of one kind at one node: where, the code ranges they name, their texts.
type NoteGroup<'a> = (u32, Vec<(String, String)>, Vec<&'a str>);

/// Partner check shared by `code first` and `use additional code`: a note of `kind` whose
/// codes none of the encounter's codes falls under.
fn partner_missing(
    cx: &Ctx<'_>,
    out: &mut Vec<CodingEdit>,
    kind: NoteKind,
    rule: &'static str,
    own_only: bool,
) {
    for (i, c, node) in cx.known() {
        // A header is already an error; its notes are for the codes below it.
        if !cx.r.node(node).is_some_and(|n| n.billable) {
            continue;
        }
        // The notes of one kind at one node are alternatives ("code first underlying
        // disease, such as: amyloidosis (E85.-), diabetes (E08-E13) …"): one reported
        // partner satisfies them all.
        let mut groups: Vec<NoteGroup<'_>> = Vec::new();
        for (from, note) in cx.r.notes_with_inheritance(node) {
            if note.kind != kind {
                continue;
            }
            // Notes on a category, block or chapter are "if applicable" reminders for the
            // whole range ("use additional code to identify control using insulin"); the
            // note written on the code itself names the partner it needs.
            if own_only && from != node {
                continue;
            }
            let refs = note_ranges(&note.text);
            if refs.is_empty() && kind != NoteKind::CodeFirst {
                continue;
            }
            match groups.iter_mut().find(|g| g.0 == from) {
                Some(g) => {
                    g.1.extend(refs.iter().cloned());
                    g.2.push(&note.text);
                }
                None => groups.push((from, refs.to_vec(), vec![&note.text])),
            }
        }
        for (from, refs, texts) in groups {
            // "Code first underlying disease" names no code: any code listed before this
            // one may be it, none means this one is first.
            let present = if refs.is_empty() {
                i > 0
            } else {
                cx.known()
                    .any(|(_, _, other)| other != node && under(cx.code_of(other), &refs))
            };
            if !present {
                out.push(CodingEdit {
                    rule,
                    severity: Severity::Warning,
                    codes: vec![c.to_string()],
                    message: format!(
                        "{c}: the note at {} asks for another code that is not reported: {}",
                        cx.shown(from),
                        texts.join("; ")
                    ),
                    source: format!(
                        "{}; {} at {}",
                        rule_source(rule),
                        kind.xml_name(),
                        cx.shown(from)
                    ),
                });
            }
        }
    }
}

fn code_first_missing(cx: &Ctx<'_>, out: &mut Vec<CodingEdit>) {
    partner_missing(cx, out, NoteKind::CodeFirst, "code-first-missing", true);
}

fn use_additional_missing(cx: &Ctx<'_>, out: &mut Vec<CodingEdit>) {
    partner_missing(
        cx,
        out,
        NoteKind::UseAdditionalCode,
        "use-additional-missing",
        true,
    );
}

fn external_cause_first(cx: &Ctx<'_>, out: &mut Vec<CodingEdit>) {
    let Some((c, _)) = cx.codes.first() else {
        return;
    };
    let first = code::normalize(c);
    if matches!(first.chars().next(), Some('V' | 'W' | 'X' | 'Y')) {
        out.push(CodingEdit {
            rule: "external-cause-first",
            severity: Severity::Error,
            codes: vec![(*c).to_string()],
            message: format!("{c} is an external cause code and cannot be first-listed"),
            source: rule_source("external-cause-first"),
        });
    }
}

fn mce_sex_age(cx: &Ctx<'_>, out: &mut Vec<CodingEdit>) {
    for (_, c, node) in cx.known() {
        for e in cx.edits.check_diagnosis(cx.code_of(node), cx.patient) {
            if e.conflict {
                out.push(CodingEdit {
                    rule: "mce-sex-age",
                    severity: Severity::Error,
                    codes: vec![c.to_string()],
                    message: e.message.clone(),
                    source: e.source.to_string(),
                });
            }
        }
    }
}

fn rule_source(id: &str) -> String {
    RULES
        .iter()
        .find(|r| r.id == id)
        .map_or_else(String::new, |r| r.source.to_string())
}

impl CodeSets {
    /// Runs every rule of [`RULES`] over the diagnosis codes of one encounter, listed
    /// first-listed first, with the release in force on `dos`.
    pub fn coding_edits(
        &self,
        codes: &[&str],
        dos: Date,
        patient: &Patient,
    ) -> Result<Vec<CodingEdit>> {
        self.run_coding_edits(codes, &[], Setting::Professional, dos, patient)
    }

    /// Runs every rule of [`RULES`] over a claim's diagnoses (principal or first-listed
    /// first) with their POA indicators; the POA and principal-diagnosis rules apply when
    /// `setting` is inpatient.
    pub fn claim_coding_edits(
        &self,
        diagnoses: &[ClaimDiagnosis],
        setting: Setting,
        dos: Date,
        patient: &Patient,
    ) -> Result<Vec<CodingEdit>> {
        let codes: Vec<&str> = diagnoses.iter().map(|d| d.code.as_str()).collect();
        let poa: Vec<Option<&str>> = diagnoses.iter().map(|d| d.poa.as_deref()).collect();
        self.run_coding_edits(&codes, &poa, setting, dos, patient)
    }

    fn run_coding_edits(
        &self,
        codes: &[&str],
        poa: &[Option<&str>],
        setting: Setting,
        dos: Date,
        patient: &Patient,
    ) -> Result<Vec<CodingEdit>> {
        let inpatient = setting == Setting::Inpatient;
        let r = self.icd10cm(dos)?;
        let cx = Ctx {
            r,
            edits: self.edits()?,
            patient,
            dos,
            // Chapters and blocks are found by `find` too, but are never codes.
            codes: codes
                .iter()
                .map(|c| {
                    let node = r.find(c).filter(|&n| {
                        r.node(n).is_some_and(|x| {
                            matches!(
                                x.kind,
                                crate::cm::NodeKind::Category | crate::cm::NodeKind::Code
                            )
                        })
                    });
                    (*c, node)
                })
                .collect(),
            inpatient,
            poa: poa.to_vec(),
            poa_exempt: if inpatient {
                PoaExempt::shared().ok()
            } else {
                None
            },
        };
        let mut out = Vec::new();
        for rule in RULES {
            (rule.check)(&cx, &mut out);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;

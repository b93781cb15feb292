//! The ICD-10-PCS builder: a procedure is built the way PCS is coded, one axis at a time
//! (section → body system → root operation → body part → approach → device → qualifier),
//! offering at each step only the values some row of a table of the release in force
//! allows with the values already chosen. A procedure statement ("laparoscopic
//! appendectomy") is the starting point: what it says chooses values, what it does not say
//! is a question listing the allowed values with their definitions.
//!
//! Invariants: a value is only ever chosen from the allowed set, so a finished code is valid
//! (checked again by [`crate::PcsRelease::validate`]); a question is asked rather than a
//! value guessed, except "No Device" / "No Qualifier" when nothing names one (Guidelines
//! B6.1a) and the one value a row leaves; every choice is a step naming why.

pub mod definitions;
mod reading;

use rustc_hash::FxHashMap;
use serde::Serialize;
use time::Date;

use crate::encoder::{Step, StepKind};
use crate::engine::CodeSets;
use crate::error::Result;
use crate::pcs::{PcsRelease, Table};
use definitions::Definitions;
use reading::{Axis as Said, Reading, label_side, label_words};

/// What the builder is asked.
#[derive(Debug, Clone, Default)]
pub struct PcsBuildRequest {
    /// The procedure statement ("open reduction internal fixation of right femoral shaft");
    /// may be empty, then every axis is asked.
    pub statement: String,
    /// Answers to earlier questions: `(axis, value)`, the axis by its question id
    /// (`section`, `body-system`, `operation`, `body-part`, `approach`, `device`,
    /// `qualifier`, or the axis title of other sections) or its position `1`-`7`, the value
    /// by its character or its label.
    pub answers: Vec<(String, String)>,
}

/// How a value was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PcsHow {
    /// The statement's words name it.
    Statement,
    /// The coder answered.
    Answer,
    /// The only value the table rows allow here.
    OnlyValue,
    /// "No Device" / "No Qualifier": nothing names one.
    Default,
}

/// One chosen axis value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PcsAxisValue {
    /// Position 1-7.
    pub position: u8,
    /// The axis title as the table writes it.
    pub axis: String,
    /// The character.
    pub value: char,
    /// Its label.
    pub label: String,
    /// How it was chosen.
    pub how: PcsHow,
}

/// One value a question offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PcsChoice {
    /// The character to answer.
    pub value: char,
    /// Its label.
    pub label: String,
    /// Its definition (root operations, approaches) or what it includes (Body Part and
    /// Device keys), when the PCS Definitions give one.
    pub definition: String,
    /// True for the values the statement points at but does not decide between.
    pub suggested: bool,
}

/// The next axis the statement does not decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PcsQuestion {
    /// The answer is given back under this id (e.g. `approach`).
    pub id: String,
    /// Position 1-7.
    pub position: u8,
    /// The axis title.
    pub axis: String,
    /// The question in words.
    pub prompt: String,
    /// Every value a table row allows here, suggested ones first.
    pub choices: Vec<PcsChoice>,
}

/// The builder's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PcsBuild {
    /// The statement.
    pub statement: String,
    /// The ICD-10-PCS release in force on the date of service.
    pub release: String,
    /// The values chosen so far, position order.
    pub axes: Vec<PcsAxisValue>,
    /// The code, once all seven are chosen.
    pub code: Option<String>,
    /// Its description (the seven labels).
    pub description: Option<String>,
    /// The next question, while the code is not complete.
    pub question: Option<PcsQuestion>,
    /// How the answer was reached.
    pub steps: Vec<Step>,
}

impl PcsBuild {
    /// True when the code is complete.
    pub fn complete(&self) -> bool {
        self.code.is_some()
    }
}

/// A (table, body part) pair the statement points at, with its weight.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    table: usize,
    body: char,
    op_weight: u32,
    score: u32,
}

/// The question id of an axis title ("Body System" → `body-system`).
fn slug(title: &str) -> String {
    let mut s = String::new();
    for w in title
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !s.is_empty() {
            s.push('-');
        }
        s.push_str(w);
    }
    s
}

struct Builder<'a> {
    r: &'a PcsRelease,
    defs: Option<&'a Definitions>,
    reading: Reading,
    candidates: Vec<Candidate>,
    out: PcsBuild,
}

impl CodeSets {
    /// Builds an ICD-10-PCS code from a procedure statement and answers, with the release in
    /// force on `dos`. Never fails on the statement's content: unknown words leave every
    /// axis to the coder.
    pub fn build_pcs(&self, req: &PcsBuildRequest, dos: Date) -> Result<PcsBuild> {
        let r = self.icd10pcs(dos)?;
        let mut b = Builder {
            r,
            defs: self.pcs_definitions().ok(),
            reading: reading::read(&req.statement),
            candidates: Vec::new(),
            out: PcsBuild {
                statement: req.statement.clone(),
                release: r.info.name.clone(),
                axes: Vec::new(),
                code: None,
                description: None,
                question: None,
                steps: Vec::new(),
            },
        };
        b.score_candidates();
        b.run(&req.answers);
        Ok(b.out)
    }
}

const VOCABULARY_SOURCE: &str = "procedure vocabulary (data/codes/pcs-terms.tsv, word-parts.tsv)";
const DEFAULT_SOURCE: &str = "ICD-10-PCS Official Guidelines B6.1a: a device is coded only if it remains after the procedure; no qualifier applies unless one is documented";

impl Builder<'_> {
    fn definition(&self, section: char, position: u8, label: &str) -> String {
        let Some(t) = self.defs.and_then(|d| d.term(section, position, label)) else {
            return String::new();
        };
        let mut s = t.definition.clone();
        if !t.includes.is_empty() {
            if !s.is_empty() {
                s.push_str("; ");
            }
            s.push_str("includes: ");
            s.push_str(&t.includes.join(", "));
        }
        s
    }

    /// How strongly the statement names a body part label: whole labels (or a Body Part
    /// key entry) by their number of words, partial ones by one a word; a side the statement
    /// contradicts rules the label out.
    fn body_score(&self, section: char, label: &str) -> u32 {
        let words = label_words(label);
        if words.is_empty() {
            return 0;
        }
        let body = &self.reading.body_words;
        let destination = &self.reading.destination;
        let covered = words
            .iter()
            .filter(|w| body.contains(*w) && !destination.contains(*w))
            .count() as u32;
        // A label said in the statement's own words beats one reached through a word part
        // ("sigmoid colectomy": Sigmoid Colon, not Large Intestine).
        let said = words
            .iter()
            .filter(|w| self.reading.said.contains(*w))
            .count() as u32;
        let missing = words.len() as u32 - covered;
        // Whole labels first; a label missing one word of several still beats a shorter
        // whole one it contains ("subcutaneous tissue of right upper arm").
        let mut score = if missing == 0 {
            10 * covered + said
        } else {
            (10 * covered).saturating_sub(6 * missing) + said.min(covered)
        };
        if let Some(t) = self.defs.and_then(|d| d.term(section, 4, label)) {
            for inc in &t.includes {
                let iw = label_words(inc);
                if !iw.is_empty() && iw.iter().all(|w| body.contains(w)) {
                    score = score.max(10 * iw.len() as u32);
                }
            }
        }
        if score == 0 {
            return 0;
        }
        match label_side(label) {
            Some(side) if !self.reading.sides.is_empty() => {
                if self.reading.sides.contains(&side) {
                    score + 2
                } else {
                    0
                }
            }
            _ => score,
        }
    }

    /// Weight of the statement's evidence for a root operation label.
    fn op_weight(&self, label: &str) -> u32 {
        let mut w = self
            .reading
            .for_label(Said::Operation, label)
            .map_or(0, |e| e.weight);
        // A root operation named by its own label counts when the vocabulary has not
        // already weighed those words.
        let words = label_words(label);
        if w == 0 && !words.is_empty() && words.iter().all(|x| self.reading.said.contains(x)) {
            w = 4;
        }
        w
    }

    fn score_candidates(&mut self) {
        let mut body_cache: FxHashMap<(char, &str), u32> = FxHashMap::default();
        let mut out = Vec::new();
        for (ti, t) in self.r.tables().iter().enumerate() {
            let Some(section) = head_char(t, 0) else {
                continue;
            };
            let op_weight = t
                .head
                .get(2)
                .and_then(|a| a.values.first())
                .map_or(0, |v| self.op_weight(&v.1));
            let mut seen: FxHashMap<char, u32> = FxHashMap::default();
            for row in &t.rows {
                let Some(bodies) = row.first() else { continue };
                for (c, label) in &bodies.values {
                    let bs = *body_cache
                        .entry((section, label.as_str()))
                        .or_insert_with(|| self.body_score(section, label));
                    let e = seen.entry(*c).or_insert(0);
                    *e = (*e).max(bs);
                }
            }
            for (body, bs) in seen {
                if op_weight == 0 && bs == 0 {
                    continue;
                }
                // New Technology (section X) codes are for the technology its qualifier
                // names; on equal evidence the established section goes first.
                let established = u32::from(section != 'X');
                out.push(Candidate {
                    table: ti,
                    body,
                    op_weight,
                    score: (op_weight * 100 + bs) * 2 + established,
                });
            }
        }
        self.candidates = out;
    }

    fn run(&mut self, answers: &[(String, String)]) {
        for note in std::mem::take(&mut self.reading.notes) {
            self.step(StepKind::Index, note, VOCABULARY_SOURCE.to_string());
        }
        let mut prefix: Vec<char> = Vec::new();
        for pos in 0..7u8 {
            let (title, allowed) = self.allowed(&prefix, pos);
            if allowed.is_empty() {
                // The tables always continue a prefix they allowed; say so if not.
                self.step(
                    StepKind::Rejected,
                    format!(
                        "no table row continues {}",
                        prefix.iter().collect::<String>()
                    ),
                    self.table_source(&prefix),
                );
                return;
            }
            let position = pos + 1;
            let id = slug(&title);
            let section = prefix.first().copied().unwrap_or('0');
            let answer = answers
                .iter()
                .find(|(k, _)| {
                    let k = k.trim().to_lowercase();
                    k == id || k == position.to_string()
                })
                .map(|(_, v)| v.trim());
            let chosen: Option<(char, PcsHow, String)> = if let [(c, _)] = allowed.as_slice() {
                Some((
                    *c,
                    PcsHow::OnlyValue,
                    "the only value the table rows allow here".into(),
                ))
            } else if let Some(v) = answer
                && let Some((c, _)) = allowed.iter().find(|(c, l)| {
                    (v.chars().count() == 1 && v.eq_ignore_ascii_case(&c.to_string()))
                        || l.eq_ignore_ascii_case(v)
                })
            {
                Some((*c, PcsHow::Answer, "answered".into()))
            } else {
                if let Some(v) = answer {
                    self.step(
                        StepKind::Rejected,
                        format!(
                            "answer {v:?} is not a {} value the table rows allow after {}",
                            title.to_lowercase(),
                            prefix.iter().collect::<String>()
                        ),
                        self.table_source(&prefix),
                    );
                }
                self.decide(&prefix, pos, &allowed)
            };
            let Some((c, how, why)) = chosen else {
                let suggested = self.suggested(&prefix, pos, &allowed);
                let mut choices: Vec<PcsChoice> = allowed
                    .iter()
                    .map(|(c, l)| PcsChoice {
                        value: *c,
                        label: l.clone(),
                        definition: self.definition(section, position, l),
                        suggested: suggested.contains(c),
                    })
                    .collect();
                choices.sort_by_key(|c| !c.suggested);
                let so_far = prefix.iter().collect::<String>();
                self.out.question = Some(PcsQuestion {
                    prompt: if so_far.is_empty() {
                        format!("{title}?")
                    } else {
                        format!("{title} for {so_far}? (only the values a table row allows)")
                    },
                    id,
                    position,
                    axis: title,
                    choices,
                });
                return;
            };
            let label = allowed
                .iter()
                .find(|(x, _)| *x == c)
                .map(|(_, l)| l.clone())
                .unwrap_or_default();
            let source = match how {
                PcsHow::Default => DEFAULT_SOURCE.to_string(),
                _ => self.table_source(&prefix),
            };
            self.step(
                match how {
                    PcsHow::Answer => StepKind::Answer,
                    _ => StepKind::Tabular,
                },
                format!("{title} {c} {label}: {why}"),
                source,
            );
            if pos == 2 || pos == 4 {
                let def = self.definition(section, position, &label);
                if !def.is_empty() {
                    self.step(
                        StepKind::Note,
                        format!("{label}: {def}"),
                        format!(
                            "ICD-10-PCS Definitions {}",
                            self.defs.map_or("", |d| d.version.as_str())
                        ),
                    );
                }
            }
            if pos == 2 && how == PcsHow::Statement {
                self.explain_rejected_operations(&prefix, c);
            }
            prefix.push(c);
            self.out.axes.push(PcsAxisValue {
                position,
                axis: title,
                value: c,
                label,
                how,
            });
        }
        let code: String = prefix.iter().collect();
        match self.r.validate(&code) {
            Ok(v) => {
                self.out.description = Some(v.description);
                self.out.code = Some(v.code);
            }
            Err(m) => self.step(StepKind::Rejected, m, self.table_source(&prefix)),
        }
    }

    fn step(&mut self, kind: StepKind, text: String, source: String) {
        self.out.steps.push(Step { kind, text, source });
    }

    fn table_source(&self, prefix: &[char]) -> String {
        let t: String = prefix.iter().take(3).collect();
        if t.len() == 3 {
            format!("ICD-10-PCS {} table {t}", self.r.info.name)
        } else {
            format!("ICD-10-PCS {} tables", self.r.info.name)
        }
    }

    /// The axis title at `pos` and the values some row allows after `prefix`.
    fn allowed(&self, prefix: &[char], pos: u8) -> (String, Vec<(char, String)>) {
        let mut title = String::new();
        let mut values: Vec<(char, String)> = Vec::new();
        let mut add = |c: char, l: &str| {
            if !values.iter().any(|(x, _)| *x == c) {
                values.push((c, l.to_string()));
            }
        };
        for t in self.r.tables() {
            if !prefix
                .iter()
                .take(3)
                .enumerate()
                .all(|(i, c)| head_char(t, i) == Some(*c))
            {
                continue;
            }
            if pos < 3 {
                if let Some(a) = t.head.get(pos as usize) {
                    title.clone_from(&a.title);
                    if let Some(v) = a.values.first() {
                        add(v.0, &v.1);
                    }
                }
                continue;
            }
            for row in &t.rows {
                let fits = prefix.iter().skip(3).enumerate().all(|(i, c)| {
                    row.get(i)
                        .is_some_and(|a| a.values.iter().any(|v| v.0 == *c))
                });
                if !fits {
                    continue;
                }
                if let Some(a) = row.get(pos as usize - 3) {
                    title.clone_from(&a.title);
                    for v in &a.values {
                        add(v.0, &v.1);
                    }
                }
            }
        }
        values.sort_by_key(|v| v.0);
        (title, values)
    }

    /// The candidates that agree with the values chosen so far.
    fn consistent<'b>(&'b self, prefix: &'b [char]) -> impl Iterator<Item = &'b Candidate> + 'b {
        self.candidates.iter().filter(move |cand| {
            let Some(t) = self.r.tables().get(cand.table) else {
                return false;
            };
            prefix.iter().enumerate().all(|(i, c)| match i {
                0..=2 => head_char(t, i) == Some(*c),
                3 => cand.body == *c,
                _ => true,
            })
        })
    }

    fn candidate_value(&self, cand: &Candidate, pos: u8) -> Option<char> {
        match pos {
            0..=2 => self
                .r
                .tables()
                .get(cand.table)
                .and_then(|t| head_char(t, pos as usize)),
            3 => Some(cand.body),
            _ => None,
        }
    }

    /// The values the statement points at on this axis, best first (ties all kept).
    fn suggested(&self, prefix: &[char], pos: u8, allowed: &[(char, String)]) -> Vec<char> {
        if pos < 4 {
            let best = self.consistent(prefix).map(|c| c.score).max().unwrap_or(0);
            if best == 0 {
                return Vec::new();
            }
            let mut v: Vec<char> = self
                .consistent(prefix)
                .filter(|c| c.score == best)
                .filter_map(|c| self.candidate_value(c, pos))
                .collect();
            v.sort_unstable();
            v.dedup();
            return v;
        }
        let scored: Vec<(char, u32)> = allowed
            .iter()
            .map(|(c, l)| (*c, self.value_weight(pos, l)))
            .collect();
        let best = scored.iter().map(|s| s.1).max().unwrap_or(0);
        if best == 0 {
            return Vec::new();
        }
        scored
            .into_iter()
            .filter(|s| s.1 == best)
            .map(|s| s.0)
            .collect()
    }

    /// Evidence for an approach, device or qualifier label: the vocabulary's weight plus
    /// the label's own words when the statement says them all.
    fn value_weight(&self, pos: u8, label: &str) -> u32 {
        let axis = match pos {
            4 => Said::Approach,
            5 => Said::Device,
            _ => Said::Qualifier,
        };
        let mut w = self.reading.for_label(axis, label).map_or(0, |e| e.weight);
        // Words that named the root operation ("drainage") do not also name a device.
        let op_words: Vec<String> = self
            .out
            .axes
            .iter()
            .find(|a| a.position == 3)
            .map(|a| label_words(&a.label))
            .unwrap_or_default();
        let words: Vec<String> = label_words(label)
            .into_iter()
            .filter(|x| !GENERIC.contains(&x.as_str()) && !op_words.contains(x))
            .collect();
        if !words.is_empty() && words.iter().all(|x| self.reading.body_words.contains(x)) {
            w += 3 * words.len() as u32;
        }
        w
    }

    fn decide(
        &self,
        prefix: &[char],
        pos: u8,
        allowed: &[(char, String)],
    ) -> Option<(char, PcsHow, String)> {
        let suggested = self.suggested(prefix, pos, allowed);
        if let [c] = suggested.as_slice() {
            return Some((*c, PcsHow::Statement, self.why(prefix, pos, *c, allowed)));
        }
        if !suggested.is_empty() || pos < 4 {
            return None;
        }
        allowed
            .iter()
            .find(|(_, l)| l.starts_with("No ") || l == "None")
            .map(|(c, l)| {
                (
                    *c,
                    PcsHow::Default,
                    format!(
                        "the statement names no {}",
                        l.trim_start_matches("No ").to_lowercase()
                    ),
                )
            })
    }

    /// Why the statement chose `c`: the words behind it.
    fn why(&self, prefix: &[char], pos: u8, c: char, allowed: &[(char, String)]) -> String {
        let label = allowed
            .iter()
            .find(|(x, _)| *x == c)
            .map_or("", |(_, l)| l.as_str());
        let said = match pos {
            2 => self.reading.for_label(Said::Operation, label),
            4 => self.reading.for_label(Said::Approach, label),
            5 => self.reading.for_label(Said::Device, label),
            6 => self.reading.for_label(Said::Qualifier, label),
            _ => None,
        };
        match (pos, said) {
            (_, Some(e)) => e.why.join("; "),
            (3, _) => "the statement names this body part".into(),
            (0 | 1, _) => {
                let n = self
                    .consistent(prefix)
                    .filter(|cand| self.candidate_value(cand, pos) == Some(c))
                    .count();
                format!(
                    "where the operation and body part the statement names are ({n} table and body part pairs)"
                )
            }
            _ => "the statement says it".into(),
        }
    }

    /// Root operations the words also pointed at, for the same body part, and why they lost.
    fn explain_rejected_operations(&mut self, prefix: &[char], chosen: char) {
        let mut lines = Vec::new();
        let best_body: Option<char> = self
            .consistent(prefix)
            .filter(|c| self.candidate_value(c, 2) == Some(chosen))
            .max_by_key(|c| c.score)
            .map(|c| c.body);
        for cand in self.consistent(prefix) {
            let Some(t) = self.r.tables().get(cand.table) else {
                continue;
            };
            if head_char(t, 2) == Some(chosen)
                || Some(cand.body) != best_body
                || cand.op_weight == 0
            {
                continue;
            }
            let label = t
                .head
                .get(2)
                .and_then(|a| a.values.first())
                .map_or("", |v| v.1.as_str());
            let why = self
                .reading
                .for_label(Said::Operation, label)
                .map(|e| e.why.join("; "))
                .unwrap_or_default();
            lines.push(format!(
                "{label} ({}) weighed {} against the chosen operation: {why}",
                t.head
                    .iter()
                    .filter_map(|a| a.values.first().map(|v| v.0))
                    .collect::<String>(),
                cand.op_weight
            ));
        }
        lines.sort();
        lines.dedup();
        for l in lines {
            self.step(StepKind::Rejected, l, VOCABULARY_SOURCE.to_string());
        }
    }
}

/// Words of device and qualifier labels that say nothing by themselves.
const GENERIC: [&str; 5] = ["device", "no", "qualifier", "synthetic", "substitute"];

fn head_char(t: &Table, i: usize) -> Option<char> {
    t.head.get(i).and_then(|a| a.values.first()).map(|v| v.0)
}

#[cfg(test)]
mod tests;

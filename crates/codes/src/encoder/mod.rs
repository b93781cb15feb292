//! The ICD-10-CM encoder: from a diagnostic statement to the codes a coder would report,
//! walking the Alphabetic Index and verifying in the Tabular List the way the Official
//! Guidelines say (I.A, I.B.1), with every step shown.
//!
//! The walk (`walk`) finds the main term, subterms, `see` references, and the Neoplasm and
//! Drug tables; the Tabular step (`tabular`) completes the code or asks a question; this
//! module applies the notes between codes (`use additional code`, `code first`,
//! Excludes1), sequences them and explains the answer.
//!
//! Invariants: no clock (the date of service is an argument and picks the release); missing
//! detail is a question with its choices, never a guess; a statement the Index does not
//! know gets "no index entry" with the nearest terms, never a panic.

mod external;
mod notes;
mod tabular;
mod walk;
pub(crate) mod words;

use serde::Serialize;
use time::Date;

use crate::edits::{EditFlag, Patient, Sex};
use crate::engine::CodeSets;
use crate::error::Result;

use walk::Indexes;
use words::Statement;

/// What the encoder is asked.
#[derive(Debug, Clone, Default)]
pub struct EncodeRequest {
    /// The diagnostic statement as the physician wrote it.
    pub statement: String,
    /// Patient sex and age, for sex-specific codes and the MCE edits.
    pub patient: Patient,
    /// Answers to earlier questions: `(question id, value)`, e.g. `("M77.1", "M77.11")` or
    /// `("S42.322", "G")`.
    pub answers: Vec<(String, String)>,
}

/// One step of the explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// What kind of step.
    pub kind: StepKind,
    /// What was done.
    pub text: String,
    /// The rule or text it rests on.
    pub source: String,
}

/// Kinds of explanation steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StepKind {
    /// An Index entry visited or a cross-reference followed.
    Index,
    /// A Tabular choice (child, 7th character).
    Tabular,
    /// An instructional note applied.
    Note,
    /// A code considered and not reported.
    Rejected,
    /// The coder's answer to a question.
    Answer,
    /// An age or sex edit.
    Edit,
}

/// A choice offered by a question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// What to answer (a code, or a 7th character).
    pub value: String,
    /// The code it leads to.
    pub code: String,
    /// Its title.
    pub label: String,
}

/// Detail the statement does not give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Question {
    /// The header the question is about; the answer is given back under this id.
    pub id: String,
    /// The question in words.
    pub prompt: String,
    /// Every choice.
    pub choices: Vec<Choice>,
}

/// A code of the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EncodedCode {
    /// The code as printed.
    pub code: String,
    /// Its title.
    pub title: String,
    /// Reportable as is (false while a question about it is open).
    pub billable: bool,
    /// Why it is here: the Index path, or the note that called for it.
    pub reason: String,
}

/// The encoder's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Encoding {
    /// The statement.
    pub statement: String,
    /// The release in force on the date of service.
    pub release: String,
    /// The codes, first-listed first.
    pub codes: Vec<EncodedCode>,
    /// Open questions; the codes they concern are headers until answered.
    pub questions: Vec<Question>,
    /// How the answer was reached.
    pub steps: Vec<Step>,
    /// Age and sex edits on the codes.
    pub edits: Vec<EditFlag>,
    /// When nothing was found: the nearest Index terms.
    pub nearest: Vec<String>,
}

impl Encoding {
    /// True when every code is reportable and no question is open.
    pub fn complete(&self) -> bool {
        !self.codes.is_empty() && self.questions.is_empty() && self.codes.iter().all(|c| c.billable)
    }
}

/// How many conditions one statement is split into at most.
const MAX_CONDITIONS: usize = 4;

impl CodeSets {
    /// Encodes a diagnostic statement with the release in force on `dos`.
    pub fn encode(&self, req: &EncodeRequest, dos: Date) -> Result<Encoding> {
        let r = self.icd10cm(dos)?;
        let (list, mains) = self.cross_refs()?;
        let indexes = Indexes { list, mains };
        let st = Statement::new(&req.statement);
        let mut out = Encoding {
            statement: req.statement.clone(),
            release: r.info.name.clone(),
            codes: Vec::new(),
            questions: Vec::new(),
            steps: Vec::new(),
            edits: Vec::new(),
            nearest: Vec::new(),
        };
        // An abbreviation with several condition meanings is never guessed: it is named.
        let mut named: Vec<String> = Vec::new();
        for t in crate::search::tokenize(&req.statement).take(words::MAX_WORDS) {
            if let Some(all) = crate::abbreviations::ambiguous(&t)
                && !named.contains(&t)
            {
                out.steps.push(Step {
                    kind: StepKind::Rejected,
                    text: format!(
                        "\"{}\" may mean {}: not read as any of them; write it out",
                        t.to_uppercase(),
                        all.join(", ")
                    ),
                    source: "ambiguous abbreviation: query the provider (Guidelines I.A.19)".into(),
                });
                named.push(t);
            }
        }
        let sex_word: Vec<&str> = match req.patient.sex {
            Some(Sex::Female) => vec!["female"],
            Some(Sex::Male) => vec!["male"],
            None => Vec::new(),
        };
        let mut avail = st.all();
        // A main term whose path went through "with" may carry more conditions ("diabetes
        // with angiopathy and foot ulcer" is two diabetes codes): its words stay usable
        // for the next condition.
        let mut reuse = 0u64;
        let mut landed: Vec<(u32, walk::Landing)> = Vec::new();
        for _ in 0..MAX_CONDITIONS {
            if st.weight(avail) == 0 {
                break;
            }
            let Some(l) = indexes.land(&st, avail | reuse) else {
                break;
            };
            if l.score == 0 || l.used & avail == 0 {
                break;
            }
            avail &= !st.close(l.used);
            if l.trail.iter().any(|t| t.contains(", with, ")) {
                reuse |= l.start_used;
            }
            let tabular_words = avail;
            for t in &l.trail {
                out.steps.push(Step {
                    kind: StepKind::Index,
                    text: t.clone(),
                    source: "Alphabetic Index".into(),
                });
            }
            let Some(done) = tabular::complete(
                r,
                &l.code,
                &st,
                tabular_words,
                &sex_word,
                &req.answers,
                &mut out.steps,
            ) else {
                out.steps.push(Step {
                    kind: StepKind::Rejected,
                    text: format!("{} is not in the Tabular List of {}", l.code, r.info.name),
                    source: "Tabular List".into(),
                });
                continue;
            };
            avail &= !done.used;
            if let Some(q) = done.question {
                out.questions.push(q);
            }
            if landed.iter().any(|(n, _)| *n == done.node) {
                continue;
            }
            landed.push((done.node, l));
        }
        if landed.is_empty() {
            out.nearest = self
                .search_index(&req.statement, 5)
                .unwrap_or_default()
                .into_iter()
                .map(|h| h.path)
                .collect();
            out.steps.push(Step {
                kind: StepKind::Rejected,
                text: "no index entry for this statement".into(),
                source: "Alphabetic Index".into(),
            });
            return Ok(out);
        }
        let mut nodes = notes::apply(self, r, &indexes, &st, req, &sex_word, landed, &mut out)?;
        external::add_cause(r, &indexes, &st, req, avail, &mut nodes, &mut out);
        for (node, reason) in nodes {
            let Some(n) = r.node(node) else { continue };
            out.edits.extend(
                self.edits()?
                    .check_diagnosis(&n.code, &req.patient)
                    .into_iter()
                    .filter(|e| e.conflict),
            );
            out.codes.push(EncodedCode {
                code: n.display_code(),
                title: n.title.clone(),
                billable: n.billable,
                reason,
            });
        }
        for e in &out.edits {
            out.steps.push(Step {
                kind: StepKind::Edit,
                text: e.message.clone(),
                source: e.source.to_string(),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;

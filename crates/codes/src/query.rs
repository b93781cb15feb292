//! Answers for callers: validate a code on a date of service, show a code's details, search.
//!
//! Invariant: every answer names the release it came from, chosen by the date of service, so
//! a claim can be re-checked later against the same rules.

use serde::Serialize;
use time::Date;

use crate::cm::{CmRelease, Note};
use crate::code;
use crate::edits::{EditFlag, Patient};
use crate::engine::CodeSets;
use crate::error::{Error, Result};
use crate::release::System;
use crate::search::{Doc, SearchIndex, Source};
use crate::simple::SimpleRelease;

/// A code with its title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeTitle {
    /// The code as printed (dotted for ICD-10-CM).
    pub code: String,
    /// Its title.
    pub title: String,
}

/// The answer to "may I report this code on this date for this patient?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validation {
    /// The code system.
    pub system: System,
    /// The code as printed.
    pub code: String,
    /// The release in force on the date of service.
    pub release: String,
    /// The code exists in that release (at any level).
    pub exists: bool,
    /// The code is reportable (billable leaf; valid PCS row; not terminated).
    pub billable: bool,
    /// Reportable and no edit conflicts with the patient.
    pub valid: bool,
    /// Title, when the code exists.
    pub title: Option<String>,
    /// Why it is not valid, in words.
    pub problems: Vec<String>,
    /// When not billable: the billable codes below it (at most 50).
    pub billable_children: Vec<CodeTitle>,
    /// Sex and age edits that apply, conflicting or not.
    pub edits: Vec<EditFlag>,
    /// No release of the system covers the date of service (CPT without a licensed
    /// file), so only the code's shape was checked; `release` says so in words.
    pub format_only: bool,
}

/// The shape of a CPT code: four digits, then a digit (Category I), `F` (Category II
/// performance measures), `T` (Category III emerging technology) or `U` (proprietary
/// laboratory analyses).
pub(crate) fn is_cpt_shaped(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 5
        && bytes.iter().take(4).all(u8::is_ascii_digit)
        && bytes
            .get(4)
            .is_some_and(|b| b.is_ascii_digit() || matches!(b, b'F' | b'T' | b'U'))
}

/// A search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// The code as printed.
    pub code: String,
    /// Its title.
    pub title: String,
    /// Reportable as is.
    pub billable: bool,
    /// The synonym or index path that matched, when it was not the title.
    pub matched: Option<String>,
    /// Ranking score (higher is better).
    pub score: i64,
}

/// A note with the code it is written on (it may be inherited from an ancestor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InheritedNote {
    /// Code the note is written on.
    pub from: String,
    /// The note.
    #[serde(flatten)]
    pub note: Note,
}

/// Everything shown on a code page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeDetail {
    /// The system.
    pub system: System,
    /// Code as printed.
    pub code: String,
    /// Title or long description.
    pub title: String,
    /// Short description, when published.
    pub short: Option<String>,
    /// Reportable as is on the date of service.
    pub billable: bool,
    /// Release in force.
    pub release: String,
    /// Ancestors, chapter first.
    pub hierarchy: Vec<CodeTitle>,
    /// Direct children.
    pub children: Vec<CodeTitle>,
    /// Instructional notes, the code's own first, then inherited.
    pub notes: Vec<InheritedNote>,
    /// 7th-character definitions that apply (own or inherited).
    pub seventh_characters: Vec<(char, String)>,
    /// Free-form facts: PCS axes, HCPCS dates, CVX status.
    pub facts: Vec<(String, String)>,
    /// Per loaded release of the system: release name and whether the code is in it.
    pub history: Vec<(String, bool)>,
}

fn cm_title(r: &CmRelease, idx: u32) -> CodeTitle {
    r.node(idx).map_or_else(
        || CodeTitle {
            code: String::new(),
            title: String::new(),
        },
        |n| CodeTitle {
            code: n.display_code(),
            title: n.title.clone(),
        },
    )
}

impl CodeSets {
    /// Validates a code of any system on a date of service for a patient.
    pub fn validate(
        &self,
        system: System,
        code_text: &str,
        dos: Date,
        patient: &Patient,
    ) -> Result<Validation> {
        let mut v = Validation {
            system,
            code: code_text.trim().to_string(),
            release: String::new(),
            exists: false,
            billable: false,
            valid: false,
            title: None,
            problems: Vec::new(),
            billable_children: Vec::new(),
            edits: Vec::new(),
            format_only: false,
        };
        // Without a licensed CPT file in force, a CPT code is accepted on its shape alone:
        // refusing every CPT code would make most outpatient work uncodable.
        if system == System::Cpt && self.flat(system, dos).is_err() {
            let code = v.code.to_ascii_uppercase();
            v.format_only = true;
            v.release = if self.cpt.is_empty() {
                "CPT not loaded: format checked only".to_owned()
            } else {
                format!("no CPT release in force on {dos}: format checked only")
            };
            if is_cpt_shaped(&code) {
                v.code = code;
                v.billable = true;
                v.valid = true;
            } else {
                v.problems.push(format!(
                    "{code:?} is not shaped like a CPT code: four digits, then a digit, F, T or U"
                ));
            }
            return Ok(v);
        }
        match system {
            System::Icd10Cm => {
                let r = self.icd10cm(dos)?;
                v.release.clone_from(&r.info.name);
                match r.find(code_text) {
                    Some(i) => {
                        let n = r
                            .node(i)
                            .ok_or_else(|| Error::Unsupported("node index out of range".into()))?;
                        v.code = n.display_code();
                        v.exists = true;
                        v.billable = n.billable;
                        v.title = Some(n.title.clone());
                        if !n.billable {
                            let kids = r.billable_descendants(i);
                            v.problems.push(format!(
                                "{} is a header, not billable; {} billable code(s) below it",
                                v.code,
                                kids.len()
                            ));
                            if !r.seventh_characters(i).is_empty() && n.code.len() < 7 {
                                v.problems.push("a 7th character is required (pad with X to six characters first)".into());
                            }
                            v.billable_children =
                                kids.into_iter().take(50).map(|k| cm_title(r, k)).collect();
                        }
                        v.edits = self.edits()?.check_diagnosis(&n.code, patient);
                    }
                    None => {
                        v.problems
                            .push(self.not_found_reason(system, code_text, dos));
                    }
                }
            }
            System::Icd10Pcs => {
                let r = self.icd10pcs(dos)?;
                v.release.clone_from(&r.info.name);
                match r.validate(code_text) {
                    Ok(c) => {
                        v.code.clone_from(&c.code);
                        v.exists = true;
                        v.billable = true;
                        v.title = Some(c.description);
                        v.edits = self.edits()?.check_procedure(&c.code, patient);
                    }
                    Err(why) => v.problems.push(why),
                }
            }
            System::Hcpcs | System::Cvx | System::Cpt => {
                let r = self.flat(system, dos)?;
                v.release.clone_from(&r.info.name);
                let e = r.get(code_text).or_else(|| r.modifier(code_text));
                match e {
                    Some(e) => {
                        v.code.clone_from(&e.code);
                        v.exists = true;
                        v.title = Some(e.long.clone());
                        v.billable = e.valid_on(dos);
                        if let Some(t) = e.terminated.filter(|_| !v.billable) {
                            v.problems.push(format!("terminated on {t}"));
                        } else if !v.billable {
                            v.problems
                                .push("not yet effective on the date of service".into());
                        }
                        if system == System::Cvx && !e.status.eq_ignore_ascii_case("active") {
                            v.problems.push(format!("CVX status is {}", e.status));
                        }
                    }
                    None => v
                        .problems
                        .push(self.not_found_reason(system, code_text, dos)),
                }
            }
        }
        v.valid = v.exists && v.billable && !v.edits.iter().any(|e| e.conflict);
        if v.edits.iter().any(|e| e.conflict) {
            v.problems.extend(
                v.edits
                    .iter()
                    .filter(|e| e.conflict)
                    .map(|e| e.message.clone()),
            );
        }
        Ok(v)
    }

    /// Explains a missing code: not in the release in force, but maybe in another.
    fn not_found_reason(&self, system: System, code_text: &str, dos: Date) -> String {
        let others: Vec<String> = match system {
            System::Icd10Cm => self
                .cm
                .iter()
                .filter(|s| s.has_code(code_text))
                .map(|s| s.info.name.clone())
                .collect(),
            _ => Vec::new(),
        };
        if others.is_empty() {
            format!(
                "{} is not a {system} code in the release in force on {dos}",
                code_text.trim()
            )
        } else {
            format!(
                "{} is not in the release in force on {dos}; it is in {}",
                code_text.trim(),
                others.join(", ")
            )
        }
    }

    /// Details of one code for the code page.
    pub fn show(&self, system: System, code_text: &str, dos: Date) -> Result<CodeDetail> {
        let unknown = |release: &str| Error::UnknownCode {
            system: system.to_string(),
            code: code_text.to_string(),
            release: release.to_string(),
        };
        match system {
            System::Icd10Cm => {
                let r = self.icd10cm(dos)?;
                let i = r.find(code_text).ok_or_else(|| unknown(&r.info.name))?;
                let n = r.node(i).ok_or_else(|| unknown(&r.info.name))?;
                let mut hierarchy: Vec<CodeTitle> =
                    r.ancestors(i).into_iter().map(|a| cm_title(r, a)).collect();
                hierarchy.reverse();
                let notes = r
                    .notes_with_inheritance(i)
                    .map(|(from, note)| InheritedNote {
                        from: cm_title(r, from).code,
                        note: note.clone(),
                    })
                    .collect();
                Ok(CodeDetail {
                    system,
                    code: n.display_code(),
                    title: n.title.clone(),
                    short: None,
                    billable: n.billable,
                    release: r.info.name.clone(),
                    hierarchy,
                    children: n.children.iter().map(|&c| cm_title(r, c)).collect(),
                    notes,
                    seventh_characters: r.seventh_characters(i).to_vec(),
                    // Sex and age edits, shown without a patient so the page says who the
                    // code is for.
                    facts: self
                        .edits()?
                        .check_diagnosis(&n.code, &Patient::default())
                        .into_iter()
                        .map(|e| ("edit".to_string(), format!("{} ({})", e.message, e.source)))
                        .collect(),
                    history: self
                        .cm
                        .iter()
                        .map(|s| (s.info.name.clone(), s.has_code(code_text)))
                        .collect(),
                })
            }
            System::Icd10Pcs => {
                let r = self.icd10pcs(dos)?;
                let c = r.validate(code_text).map_err(|_| unknown(&r.info.name))?;
                Ok(CodeDetail {
                    system,
                    code: c.code.clone(),
                    title: c.description.clone(),
                    short: None,
                    billable: true,
                    release: r.info.name.clone(),
                    hierarchy: Vec::new(),
                    children: Vec::new(),
                    notes: Vec::new(),
                    seventh_characters: Vec::new(),
                    facts: c
                        .axes
                        .iter()
                        .map(|(t, ch, l)| (t.clone(), format!("{ch} {l}")))
                        .collect(),
                    history: self
                        .pcs
                        .iter()
                        .filter_map(|s| s.load().ok())
                        .map(|x| (x.info.name.clone(), x.validate(code_text).is_ok()))
                        .collect(),
                })
            }
            _ => {
                let r = self.flat(system, dos)?;
                let e = r
                    .get(code_text)
                    .or_else(|| r.modifier(code_text))
                    .ok_or_else(|| unknown(&r.info.name))?;
                let mut facts = vec![("kind".to_string(), format!("{:?}", e.kind).to_lowercase())];
                for (k, d) in [
                    ("added", e.added),
                    ("action effective", e.action_effective),
                    ("terminated", e.terminated),
                ] {
                    if let Some(d) = d {
                        facts.push((k.to_string(), d.to_string()));
                    }
                }
                if !e.status.is_empty() {
                    facts.push(("status".into(), e.status.clone()));
                }
                if system == System::Cvx {
                    facts.push(("influenza vaccine".into(), e.is_influenza.to_string()));
                }
                let hist = match system {
                    System::Hcpcs => &self.hcpcs,
                    System::Cvx => &self.cvx,
                    _ => &self.cpt,
                };
                Ok(CodeDetail {
                    system,
                    code: e.code.clone(),
                    title: e.long.clone(),
                    short: (!e.short.is_empty()).then(|| e.short.clone()),
                    billable: e.valid_on(dos),
                    release: r.info.name.clone(),
                    hierarchy: Vec::new(),
                    children: Vec::new(),
                    notes: Vec::new(),
                    seventh_characters: Vec::new(),
                    facts,
                    // A derived year is judged by the entry's own dates, so showing a code
                    // does not decode each year's release.
                    history: hist
                        .iter()
                        .filter_map(|s| {
                            let has = if s.derived {
                                e.in_year(s.info.effective_from.year())
                            } else {
                                s.load().ok()?.get(code_text).is_some()
                            };
                            Some((s.info.name.clone(), has))
                        })
                        .collect(),
                })
            }
        }
    }

    /// Typeahead search in the release in force on the date of service. The index is built
    /// on first use of each release and then kept.
    pub fn search(
        &self,
        system: System,
        query: &str,
        dos: Date,
        limit: usize,
    ) -> Result<Vec<SearchHit>> {
        match system {
            System::Icd10Cm => self.search_cm(query, dos, limit),
            System::Icd10Pcs => {
                let r = self.icd10pcs(dos)?;
                let ix = r.search.get_or_init(|| {
                    let mut codes: Vec<u64> = r.valid_codes().collect();
                    codes.sort_unstable();
                    let mut docs = Vec::with_capacity(codes.len());
                    let mut list = Vec::with_capacity(codes.len());
                    for (i, p) in codes.iter().enumerate() {
                        let c = code::unpack(*p);
                        if let Ok(d) = r.validate(&c) {
                            docs.push(Doc {
                                target: i as u32,
                                text: d.description,
                                source: Source::Title,
                                rank: i as u64,
                            });
                        }
                        list.push((c, i as u32));
                    }
                    SearchIndex::build(docs, list)
                });
                let mut codes: Vec<u64> = Vec::new();
                let hits = ix.search(query, limit);
                if !hits.is_empty() {
                    codes = r.valid_codes().collect();
                    codes.sort_unstable();
                }
                Ok(hits
                    .into_iter()
                    .filter_map(|h| {
                        let c = code::unpack(*codes.get(h.target as usize)?);
                        let d = r.validate(&c).ok()?;
                        Some(SearchHit {
                            code: c,
                            title: d.description,
                            billable: true,
                            matched: None,
                            score: h.score,
                        })
                    })
                    .collect())
            }
            System::Cpt if self.cpt.is_empty() => Err(Error::CptNotLoaded),
            _ => {
                let r = self.flat(system, dos)?;
                let ix = r.search.get_or_init(|| build_flat_index(r));
                Ok(ix
                    .search(query, limit)
                    .into_iter()
                    .filter_map(|h| {
                        let e = r.entries().get(h.target as usize)?;
                        Some(SearchHit {
                            code: e.code.clone(),
                            title: e.long.clone(),
                            billable: e.valid_on(dos),
                            matched: h.matched,
                            score: h.score,
                        })
                    })
                    .collect())
            }
        }
    }
}

fn build_flat_index(r: &SimpleRelease) -> SearchIndex {
    let mut docs = Vec::new();
    let mut codes = Vec::new();
    for (i, e) in r.entries().iter().enumerate() {
        let i = i as u32;
        let rank = (u64::from(!e.status.eq_ignore_ascii_case("active") && !e.status.is_empty())
            << 40)
            | e.long.len() as u64;
        docs.push(Doc {
            target: i,
            text: e.long.clone(),
            source: Source::Title,
            rank,
        });
        if !e.short.is_empty() && e.short != e.long {
            docs.push(Doc {
                target: i,
                text: e.short.clone(),
                source: Source::Synonym,
                rank,
            });
        }
        codes.push((code::normalize(&e.code), i));
    }
    SearchIndex::build(docs, codes)
}

//! Reportable-condition triggers as data: the defaults shipped in `default_triggers.toml`
//! (a selection from CSTE/CDC's Reportable Conditions Trigger Codes), and a facility's file
//! that names its jurisdiction, changes conditions by id or adds its own. A file is checked
//! whole before it is used, the way syndromes files are: every problem with its line, every
//! ICD-10-CM pattern found in a release the code sets hold, every LOINC code's check digit
//! and every SNOMED CT id's Verhoeff check digit verified, and a refused file changes
//! nothing.

use crate::CodePattern;
use crate::syndromes::{Reader, SpannedList, fingerprint_of};
use codes::CodeSets;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// The triggers Chartroom ships, in the format a facility file uses.
pub const DEFAULT_TRIGGERS: &str = include_str!("default_triggers.toml");

/// One reportable condition and the codes that trigger it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Its id (`pertussis`), unique in the set.
    pub id: String,
    /// Its name for people (`Pertussis`).
    pub name: String,
    /// Diagnosis codes (ICD-10-CM patterns).
    pub icd10cm: Vec<CodePattern>,
    /// Laboratory tests (LOINC) whose result, unless negative, triggers.
    pub loinc: Vec<String>,
    /// Organisms (SNOMED CT) that trigger as a result's coded answer.
    pub snomed: Vec<String>,
    /// Whether cases of it are found.
    pub enabled: bool,
}

/// The triggers in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerSet {
    /// The jurisdiction the list is for, as its file names it.
    pub jurisdiction: String,
    /// By id.
    pub conditions: Vec<Condition>,
}

/// A rejected triggers file: every problem found, each with its line.
pub type TriggersError = facility_file::FileError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TriggersFile {
    jurisdiction: Option<Spanned<String>>,
    #[serde(default)]
    conditions: BTreeMap<String, Spanned<ConditionSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionSpec {
    name: Option<Spanned<String>>,
    icd10cm: Option<SpannedList>,
    loinc: Option<SpannedList>,
    snomed: Option<SpannedList>,
    enabled: Option<Spanned<bool>>,
}

/// A code that set a case off: its system and the code as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<'c> {
    /// The condition.
    pub condition: &'c Condition,
    /// `icd10cm`, `loinc` or `snomed`.
    pub system: &'static str,
}

impl TriggerSet {
    /// The triggers Chartroom ships, checked against `codes`.
    pub fn defaults(codes: &CodeSets) -> Result<Self, TriggersError> {
        Self::read(DEFAULT_TRIGGERS, "default triggers", None, codes)
    }

    /// The defaults changed by a facility file's text (`file` names it in messages).
    pub fn with_facility_file(
        text: &str,
        file: &str,
        codes: &CodeSets,
    ) -> Result<Self, TriggersError> {
        let defaults = Self::defaults(codes)?;
        Self::read(text, file, Some(&defaults), codes)
    }

    /// The conditions whose cases are found.
    pub fn enabled(&self) -> impl Iterator<Item = &Condition> {
        self.conditions.iter().filter(|c| c.enabled)
    }

    /// The condition with `id`.
    pub fn get(&self, id: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.id == id)
    }

    /// The conditions a diagnosis code (normalised: `A379`) triggers.
    pub fn diagnosis(&self, normalized_code: &str) -> impl Iterator<Item = &Condition> {
        self.enabled()
            .filter(move |c| c.icd10cm.iter().any(|p| p.matches(normalized_code)))
    }

    /// The conditions a laboratory result triggers: its LOINC test unless the answer is
    /// negative, or its coded answer as an organism.
    pub fn lab<'s>(
        &'s self,
        loinc: &'s str,
        answer_code: Option<&'s str>,
        answer_text: Option<&'s str>,
    ) -> impl Iterator<Item = Match<'s>> {
        let negative = is_negative(answer_code, answer_text);
        self.enabled().filter_map(move |condition| {
            if answer_code.is_some_and(|code| condition.snomed.iter().any(|s| s == code)) {
                Some(Match {
                    condition,
                    system: "snomed",
                })
            } else if !negative && condition.loinc.iter().any(|l| l == loinc) {
                Some(Match {
                    condition,
                    system: "loinc",
                })
            } else {
                None
            }
        })
    }

    /// A short text that changes whenever what the triggers match changes, kept beside
    /// case finding's mark so that a changed list is evaluated again over every record.
    pub fn fingerprint(&self) -> String {
        let mut text = String::new();
        for c in self.enabled() {
            text.push_str(&c.id);
            text.push('|');
            for p in &c.icd10cm {
                text.push_str(p.text());
                text.push(',');
            }
            text.push('|');
            text.push_str(&c.loinc.join(","));
            text.push('|');
            text.push_str(&c.snomed.join(","));
            text.push('\n');
        }
        fingerprint_of(&text)
    }

    fn read(
        text: &str,
        file: &str,
        base: Option<&TriggerSet>,
        codes: &CodeSets,
    ) -> Result<Self, TriggersError> {
        let (parsed, problems) = facility_file::Problems::parse::<TriggersFile>(text, file)?;
        let mut reader = Reader::new(codes, problems);
        let jurisdiction = match &parsed.jurisdiction {
            Some(j) if !j.get_ref().trim().is_empty() && j.get_ref().len() <= 120 => {
                j.get_ref().trim().to_owned()
            }
            Some(j) => {
                reader.problem(
                    j.span(),
                    "jurisdiction".into(),
                    "a jurisdiction is 1 to 120 characters",
                );
                String::new()
            }
            None => base.map(|b| b.jurisdiction.clone()).unwrap_or_default(),
        };
        if jurisdiction.is_empty() && parsed.jurisdiction.is_none() {
            reader.problem(0..0, "jurisdiction".into(), "name the jurisdiction");
        }
        let mut conditions: BTreeMap<String, Condition> = base
            .map(|b| {
                b.conditions
                    .iter()
                    .map(|c| (c.id.clone(), c.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for (id, spec) in &parsed.conditions {
            let prefix = format!("conditions.{id}");
            if id.is_empty()
                || id.len() > 40
                || !id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                reader.problem(
                    spec.span(),
                    prefix,
                    "a condition id is 1 to 40 lower-case letters, digits and hyphens",
                );
                continue;
            }
            let existing = conditions.get(id).cloned();
            if let Some(condition) = merge(&mut reader, &prefix, spec, existing, id) {
                conditions.insert(id.clone(), condition);
            }
        }
        reader.problems.finish(Self {
            jurisdiction,
            conditions: conditions.into_values().collect(),
        })
    }
}

/// Whether a result's answer says the test found nothing (SNOMED CT 260385009 Negative,
/// 260415000 Not detected, or those words): a trigger test that found nothing is no case.
fn is_negative(answer_code: Option<&str>, answer_text: Option<&str>) -> bool {
    matches!(answer_code, Some("260385009" | "260415000"))
        || answer_text.is_some_and(|text| {
            let words = crate::words(text);
            words.first().is_some_and(|w| w == "negative")
                || words.windows(2).any(|w| w == ["not", "detected"])
        })
}

/// The SNOMED CT Verhoeff check (the last digit of a concept id), so a mistyped id is
/// refused rather than never matching.
fn verhoeff_ok(digits: &str) -> bool {
    const D: [[u8; 10]; 10] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
        [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
        [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
        [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
        [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
        [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
    ];
    const P: [[u8; 10]; 8] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
        [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
        [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
        [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
        [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
    ];
    if !(6..=18).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let mut check = 0u8;
    for (idx, byte) in digits.bytes().rev().enumerate() {
        let p = P
            .get(idx % 8)
            .and_then(|row| row.get(usize::from(byte - b'0')))
            .copied()
            .unwrap_or(0);
        check = D
            .get(usize::from(check))
            .and_then(|row| row.get(usize::from(p)))
            .copied()
            .unwrap_or(1);
    }
    check == 0
}

/// The codes of a LOINC or SNOMED CT list, each checked by its check digit.
fn checked_codes(
    reader: &mut Reader<'_>,
    list: &SpannedList,
    field: &str,
    loinc: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for item in list.get_ref() {
        let code = item.get_ref().trim();
        let ok = if loinc {
            code.split_once('-')
                .is_some_and(|(num, check)| !num.is_empty() && num.len() <= 7 && check.len() == 1)
                && records::loinc_check_digit_ok(code)
        } else {
            verhoeff_ok(code)
        };
        if ok {
            out.push(code.to_owned());
        } else {
            reader.problem(
                item.span(),
                field.to_owned(),
                if loinc {
                    format!("\"{code}\" is not a LOINC code (12345-6 with its check digit)")
                } else {
                    format!(
                        "\"{code}\" is not a SNOMED CT concept id (6 to 18 digits with its Verhoeff check digit)"
                    )
                },
            );
        }
    }
    out
}

/// A condition from its spec over the one it changes (`existing`), or a new one.
fn merge(
    reader: &mut Reader<'_>,
    prefix: &str,
    spec: &Spanned<ConditionSpec>,
    existing: Option<Condition>,
    id: &str,
) -> Option<Condition> {
    let span = spec.span();
    let spec = spec.get_ref();
    let field = |name: &str| format!("{prefix}.{name}");
    let n_before = reader.problems.count();
    let name = reader.name(
        spec.name.as_ref(),
        existing.as_ref().map(|c| c.name.clone()),
        120,
        &field("name"),
        (span.clone(), &format!("{id} is not a default condition")),
    );
    let icd10cm = match &spec.icd10cm {
        Some(list) => reader.patterns(list, &field("icd10cm")),
        None => existing
            .as_ref()
            .map(|c| c.icd10cm.clone())
            .unwrap_or_default(),
    };
    let loinc = match &spec.loinc {
        Some(list) => checked_codes(reader, list, &field("loinc"), true),
        None => existing
            .as_ref()
            .map(|c| c.loinc.clone())
            .unwrap_or_default(),
    };
    let snomed = match &spec.snomed {
        Some(list) => checked_codes(reader, list, &field("snomed"), false),
        None => existing
            .as_ref()
            .map(|c| c.snomed.clone())
            .unwrap_or_default(),
    };
    let enabled = spec
        .enabled
        .as_ref()
        .map(|v| *v.get_ref())
        .or(existing.as_ref().map(|c| c.enabled))
        .unwrap_or(true);
    if icd10cm.is_empty()
        && loinc.is_empty()
        && snomed.is_empty()
        && reader.problems.count() == n_before
    {
        reader.problem(
            span,
            field("icd10cm"),
            "a condition needs icd10cm, loinc or snomed codes",
        );
    }
    if reader.problems.count() > n_before {
        return None;
    }
    Some(Condition {
        id: id.to_owned(),
        name: name?,
        icd10cm,
        loinc,
        snomed,
        enabled,
    })
}

#[cfg(test)]
mod tests;

//! Review rules as data: the defaults shipped in `default_rules.toml`, and a facility's
//! file that changes them by id or adds rules built on the same checks. A file is checked
//! whole before it is used: every problem is reported with its line, and a rejected file
//! leaves the rules in force unchanged.

use records::{EncounterClass, NoteType, Responsible, Severity};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

/// The rules Chartroom ships, in the same format a facility file uses.
pub const DEFAULT_RULES: &str = include_str!("default_rules.toml");

/// When a rule's clock starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The encounter's admission (or visit start).
    Admission,
    /// The encounter's discharge (or visit end); none while the stay goes on.
    Discharge,
}

/// What a rule looks for; see `default_rules.toml` for each in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// A note without a signature.
    NoteUnsigned,
    /// No note of this type on the encounter.
    NoteMissing(NoteType),
    /// An operative procedure without an operative report.
    OperativeReportMissing,
    /// An encounter without diagnoses.
    DiagnosisMissing,
    /// An encounter without a principal or first-listed diagnosis.
    PrincipalMissing,
    /// A diagnosis without a POA indicator that is not exempt.
    PoaMissing,
    /// Sex unknown or the address incomplete.
    DemographicsIncomplete,
    /// Charges on an encounter without coverage in force on its date.
    CoverageMissing,
    /// Codes invalid, not billable or in conflict on the date of service.
    CodingEdits,
}

impl Check {
    const NAMES: &[&str] = &[
        "note-unsigned",
        "note-missing",
        "operative-report-missing",
        "diagnosis-missing",
        "principal-missing",
        "poa-missing",
        "demographics-incomplete",
        "coverage-missing",
        "coding-edits",
    ];
}

/// One rule in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Its id (`discharge-summary-missing`), unique in the set.
    pub id: String,
    /// What it looks for.
    pub check: Check,
    /// When its clock starts.
    pub after: Anchor,
    /// What a deficiency it finds says.
    pub message: String,
    /// How much that matters.
    pub severity: Severity,
    /// Who must act.
    pub responsible: Responsible,
    /// How long after the clock starts the deficiency becomes delinquent.
    pub due: time::Duration,
    /// The encounter classes it applies to.
    pub classes: Vec<EncounterClass>,
    /// Whether it runs at all.
    pub enabled: bool,
}

/// The rules in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSet {
    /// By id, in id order.
    pub rules: Vec<Rule>,
}

/// One problem in a rules file: its line, field and what is wrong.
pub type RuleProblem = facility_file::Problem;

/// A rejected rules file: every problem found, each with its line.
pub type RulesError = facility_file::FileError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    rules: BTreeMap<String, Spanned<RuleSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    check: Option<Spanned<String>>,
    note_type: Option<Spanned<String>>,
    after: Option<Spanned<String>>,
    message: Option<Spanned<String>>,
    severity: Option<Spanned<String>>,
    responsible: Option<Spanned<String>>,
    due_hours: Option<Spanned<i64>>,
    classes: Option<Spanned<Vec<Spanned<String>>>>,
    enabled: Option<Spanned<bool>>,
}

struct Reader<'t> {
    problems: facility_file::Problems<'t>,
}

impl Reader<'_> {
    fn problem(&mut self, span: Range<usize>, field: String, message: impl Into<String>) {
        self.problems.add(span, field, message);
    }

    /// A value of a snake_case enum (`history_and_physical`), or a problem naming the
    /// allowed values.
    fn named<T: DeserializeOwned>(
        &mut self,
        value: &Spanned<String>,
        field: String,
        allowed: &str,
    ) -> Option<T> {
        let parsed = T::deserialize(
            serde::de::value::StrDeserializer::<serde::de::value::Error>::new(value.get_ref()),
        );
        match parsed {
            Ok(parsed) => Some(parsed),
            Err(_) => {
                self.problem(
                    value.span(),
                    field,
                    format!("\"{}\" is not one of {allowed}", value.get_ref()),
                );
                None
            }
        }
    }
}

fn check_of(name: &str, note_type: Option<NoteType>) -> Option<Check> {
    Some(match name {
        "note-unsigned" => Check::NoteUnsigned,
        "note-missing" => Check::NoteMissing(note_type?),
        "operative-report-missing" => Check::OperativeReportMissing,
        "diagnosis-missing" => Check::DiagnosisMissing,
        "principal-missing" => Check::PrincipalMissing,
        "poa-missing" => Check::PoaMissing,
        "demographics-incomplete" => Check::DemographicsIncomplete,
        "coverage-missing" => Check::CoverageMissing,
        "coding-edits" => Check::CodingEdits,
        _ => return None,
    })
}

const NOTE_TYPES: &str = "history_and_physical, progress, consultation, operative_report, discharge_summary, emergency_department, telehealth, radiology_report, other";
const MAX_DUE_HOURS: i64 = 24 * 366;

impl RuleSet {
    /// The rules Chartroom ships.
    pub fn defaults() -> Result<Self, RulesError> {
        Self::read(DEFAULT_RULES, "default rules", None)
    }

    /// The defaults changed by a facility file's text (`file` names it in messages).
    pub fn with_facility_file(text: &str, file: &str) -> Result<Self, RulesError> {
        let defaults = Self::defaults()?;
        Self::read(text, file, Some(&defaults))
    }

    /// The rules that run.
    pub fn enabled(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(|r| r.enabled)
    }

    /// The rule with `id`.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    fn read(text: &str, file: &str, base: Option<&RuleSet>) -> Result<Self, RulesError> {
        let (parsed, problems) = facility_file::Problems::parse::<RulesFile>(text, file)?;
        let mut reader = Reader { problems };
        let mut rules: BTreeMap<String, Rule> = base
            .map(|b| b.rules.iter().map(|r| (r.id.clone(), r.clone())).collect())
            .unwrap_or_default();
        for (id, spec) in &parsed.rules {
            let span = spec.span();
            let spec = spec.get_ref();
            let prefix = format!("rules.{id}");
            if id.is_empty()
                || id.len() > 60
                || !id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                reader.problem(
                    span.clone(),
                    prefix.clone(),
                    "a rule id is 1 to 60 lower-case letters, digits and hyphens",
                );
                continue;
            }
            let existing = rules.get(id).cloned();
            if let Some(rule) = merge(&mut reader, &prefix, span, spec, existing, id) {
                rules.insert(id.clone(), rule);
            }
        }
        reader.problems.finish(Self {
            rules: rules.into_values().collect(),
        })
    }
}

/// A rule from its spec over the rule it changes (`existing`), or a new one.
fn merge(
    reader: &mut Reader<'_>,
    prefix: &str,
    span: Range<usize>,
    spec: &RuleSpec,
    existing: Option<Rule>,
    id: &str,
) -> Option<Rule> {
    let field = |name: &str| format!("{prefix}.{name}");
    let n_before = reader.problems.count();
    let note_type = spec
        .note_type
        .as_ref()
        .and_then(|v| reader.named::<NoteType>(v, field("note_type"), NOTE_TYPES));
    let check = match (&spec.check, &existing) {
        (Some(name), _) => match check_of(name.get_ref(), note_type) {
            Some(check) => Some(check),
            None if name.get_ref() == "note-missing" => {
                reader.problem(
                    name.span(),
                    field("note_type"),
                    format!("a note-missing rule names its note_type ({NOTE_TYPES})"),
                );
                None
            }
            None => {
                reader.problem(
                    name.span(),
                    field("check"),
                    format!(
                        "\"{}\" is not a check; use one of {}",
                        name.get_ref(),
                        Check::NAMES.join(", ")
                    ),
                );
                None
            }
        },
        (None, Some(rule)) => match (rule.check, note_type) {
            (Check::NoteMissing(_), Some(changed)) => Some(Check::NoteMissing(changed)),
            (check, _) => Some(check),
        },
        (None, None) => {
            reader.problem(
                span.clone(),
                field("check"),
                format!(
                    "{id} is not a default rule, so it needs a check ({})",
                    Check::NAMES.join(", ")
                ),
            );
            None
        }
    };
    let after = match &spec.after {
        Some(v) => match v.get_ref().as_str() {
            "admission" => Some(Anchor::Admission),
            "discharge" => Some(Anchor::Discharge),
            other => {
                reader.problem(
                    v.span(),
                    field("after"),
                    format!("\"{other}\" is not admission or discharge"),
                );
                None
            }
        },
        None => Some(existing.as_ref().map_or(Anchor::Discharge, |r| r.after)),
    };
    let severity = match &spec.severity {
        Some(v) => reader.named::<Severity>(v, field("severity"), "high, medium, low"),
        None => existing.as_ref().map(|r| r.severity),
    };
    let responsible = match &spec.responsible {
        Some(v) => reader.named::<Responsible>(
            v,
            field("responsible"),
            "attending, him_technician, billing, front_desk",
        ),
        None => existing.as_ref().map(|r| r.responsible),
    };
    let due = match &spec.due_hours {
        Some(v) if (1..=MAX_DUE_HOURS).contains(v.get_ref()) => {
            Some(time::Duration::hours(*v.get_ref()))
        }
        Some(v) => {
            reader.problem(
                v.span(),
                field("due_hours"),
                format!("{} is not 1 to {MAX_DUE_HOURS} hours", v.get_ref()),
            );
            None
        }
        None => existing.as_ref().map(|r| r.due),
    };
    let classes = match &spec.classes {
        Some(list) => {
            let mut classes = Vec::new();
            for class in list.get_ref() {
                if let Some(parsed) = reader.named::<EncounterClass>(
                    class,
                    field("classes"),
                    "inpatient, outpatient, emergency, telehealth",
                ) && !classes.contains(&parsed)
                {
                    classes.push(parsed);
                }
            }
            if list.get_ref().is_empty() {
                reader.problem(
                    list.span(),
                    field("classes"),
                    "name at least one encounter class (or set enabled = false)",
                );
            }
            Some(classes)
        }
        None => existing.as_ref().map(|r| r.classes.clone()),
    };
    let message = match &spec.message {
        Some(v) if !v.get_ref().trim().is_empty() && v.get_ref().len() <= 300 => {
            Some(v.get_ref().trim().to_owned())
        }
        Some(v) => {
            reader.problem(
                v.span(),
                field("message"),
                "a message is 1 to 300 characters",
            );
            None
        }
        None => existing.as_ref().map(|r| r.message.clone()),
    };
    let enabled = spec
        .enabled
        .as_ref()
        .map(|v| *v.get_ref())
        .or(existing.as_ref().map(|r| r.enabled))
        .unwrap_or(true);
    if existing.is_none() {
        for (name, present) in [
            ("message", spec.message.is_some()),
            ("severity", spec.severity.is_some()),
            ("responsible", spec.responsible.is_some()),
            ("due_hours", spec.due_hours.is_some()),
            ("classes", spec.classes.is_some()),
        ] {
            if !present {
                reader.problem(
                    span.clone(),
                    field(name),
                    format!("{id} is not a default rule, so it needs {name}"),
                );
            }
        }
    }
    if reader.problems.count() > n_before {
        return None;
    }
    Some(Rule {
        id: id.to_owned(),
        check: check?,
        after: after?,
        message: message?,
        severity: severity?,
        responsible: responsible?,
        due: due?,
        classes: classes?,
        enabled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_read_and_name_every_check() {
        let rules = RuleSet::defaults().unwrap();
        assert_eq!(rules.rules.len(), 10);
        let summary = rules.get("discharge-summary-missing").unwrap();
        assert_eq!(
            summary.check,
            Check::NoteMissing(NoteType::DischargeSummary)
        );
        assert_eq!(summary.due, time::Duration::days(30));
        assert_eq!(summary.classes, [EncounterClass::Inpatient]);
    }

    #[test]
    fn a_facility_file_changes_and_adds_rules() {
        let text = "\
[rules.discharge-summary-missing]
due_hours = 336

[rules.poa-missing]
enabled = false

[rules.consultation-missing]
check = \"note-missing\"
note_type = \"consultation\"
after = \"admission\"
message = \"No consultation note\"
severity = \"medium\"
responsible = \"attending\"
due_hours = 48
classes = [\"inpatient\"]
";
        let rules = RuleSet::with_facility_file(text, "facility.toml").unwrap();
        assert_eq!(
            rules.get("discharge-summary-missing").unwrap().due,
            time::Duration::days(14)
        );
        assert!(!rules.get("poa-missing").unwrap().enabled);
        let added = rules.get("consultation-missing").unwrap();
        assert_eq!(added.check, Check::NoteMissing(NoteType::Consultation));
        assert_eq!(added.after, Anchor::Admission);
        assert_eq!(rules.enabled().count(), 10);
    }

    #[test]
    fn every_problem_is_named_with_its_line() {
        let text = "\
[rules.discharge-summary-missing]
due_hours = 0
severity = \"urgent\"

[rules.made-up]
check = \"note-missing\"
note_type = \"memo\"
classes = [\"inpatient\", \"ward\"]
";
        let error = RuleSet::with_facility_file(text, "facility.toml").unwrap_err();
        let shown = error.to_string();
        assert!(shown.contains("facility.toml:2: rules.discharge-summary-missing.due_hours: 0 is not 1 to 8784 hours"), "{shown}");
        assert!(shown.contains("facility.toml:3: rules.discharge-summary-missing.severity: \"urgent\" is not one of high, medium, low"), "{shown}");
        assert!(
            shown.contains("facility.toml:7: rules.made-up.note_type: \"memo\" is not one of"),
            "{shown}"
        );
        assert!(
            shown.contains("facility.toml:8: rules.made-up.classes: \"ward\" is not one of"),
            "{shown}"
        );
        assert!(
            shown.contains(
                "rules.made-up.message: made-up is not a default rule, so it needs message"
            ),
            "{shown}"
        );
        let syntax =
            RuleSet::with_facility_file("[rules.x]\ndue_hours = = 3\n", "f.toml").unwrap_err();
        assert_eq!(syntax.problems[0].line, 2, "{syntax}");
        let unknown = RuleSet::with_facility_file("[rules.poa-missing]\ndue_days = 3\n", "f.toml")
            .unwrap_err();
        assert!(
            unknown
                .to_string()
                .starts_with("f.toml:2: file: unknown field `due_days`"),
            "{unknown}"
        );
    }
}

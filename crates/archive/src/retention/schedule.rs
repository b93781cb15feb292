//! Retention schedules as data: the default shipped in `default_retention.toml`, or a
//! facility's file that replaces it. A file is checked whole before it is used: every
//! problem is reported with its line, and a rejected file leaves nothing changed.

use facility_file::Problems;
use serde::Deserialize;
use std::fmt;
use toml::Spanned;

/// The schedule Chartroom ships, in the format a facility file uses.
pub const DEFAULT_SCHEDULE: &str = include_str!("default_retention.toml");

/// The facility's schedule file in the data directory.
pub const SCHEDULE_FILE: &str = "retention.toml";

/// Which charts a rule governs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppliesTo {
    /// Patients with a date of death.
    Deceased,
    /// Members of the named patient group.
    Group(String),
    /// Patients under the age of majority at their last encounter.
    Minor,
    /// Everyone else.
    Adult,
}

impl fmt::Display for AppliesTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Deceased => f.write_str("deceased"),
            Self::Group(name) => write!(f, "group:{name}"),
            Self::Minor => f.write_str("minor"),
            Self::Adult => f.write_str("adult"),
        }
    }
}

/// One rule of a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Its id.
    pub id: String,
    /// Which charts.
    pub applies_to: AppliesTo,
    /// Years after the last encounter before the chart may be archived.
    pub archive_after_years: u32,
    /// Years to keep after the last encounter.
    pub keep_after_last_encounter: Option<u32>,
    /// Years to keep after the age of majority.
    pub keep_after_majority: Option<u32>,
    /// Years to keep after death.
    pub keep_after_death: Option<u32>,
    /// Never destroyed.
    pub keep_forever: bool,
    /// Why (the law or policy it follows).
    pub note: String,
    /// Its line in the file.
    pub line: usize,
}

/// A retention schedule: its rules in order, the first that fits a chart governs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Where it came from ("default schedule" or the file's path).
    pub source: String,
    /// The jurisdiction it is written for.
    pub jurisdiction: String,
    /// The age of majority, in years.
    pub age_of_majority: u32,
    /// The rules.
    pub rules: Vec<Rule>,
}

/// A rejected schedule file: every problem found, each with its line.
pub type ScheduleError = facility_file::FileError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    jurisdiction: Option<Spanned<String>>,
    age_of_majority: Option<Spanned<i64>>,
    #[serde(default)]
    rule: Vec<Spanned<RuleSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: Option<Spanned<String>>,
    applies_to: Option<Spanned<String>>,
    archive_after_years: Option<Spanned<i64>>,
    keep_years_after_last_encounter: Option<Spanned<i64>>,
    keep_years_after_majority: Option<Spanned<i64>>,
    keep_years_after_death: Option<Spanned<i64>>,
    keep_forever: Option<Spanned<bool>>,
    note: Option<Spanned<String>>,
}

/// The longest period a schedule may name: past this it is a typing error.
const MAX_YEARS: i64 = 200;

fn years(problems: &mut Problems<'_>, value: Option<&Spanned<i64>>, field: String) -> Option<u32> {
    let value = value?;
    match u32::try_from(*value.get_ref()) {
        Ok(years) if i64::from(years) <= MAX_YEARS => Some(years),
        _ => {
            problems.add(
                value.span(),
                field,
                format!(
                    "{} is not a number of years from 0 to {MAX_YEARS}",
                    value.get_ref()
                ),
            );
            None
        }
    }
}

impl Schedule {
    /// The schedule Chartroom ships.
    pub fn default_schedule() -> Result<Self, ScheduleError> {
        Self::read(DEFAULT_SCHEDULE, "default schedule")
    }

    /// Reads a schedule file's text (`file` names it in messages).
    pub fn read(text: &str, file: &str) -> Result<Self, ScheduleError> {
        let (spec, mut reader) = Problems::parse::<FileSpec>(text, file)?;
        let jurisdiction = match &spec.jurisdiction {
            Some(j) if !j.get_ref().trim().is_empty() => j.get_ref().trim().to_owned(),
            Some(j) => {
                reader.add(j.span(), "jurisdiction".into(), "is empty");
                String::new()
            }
            None => {
                reader.add(
                    0..0,
                    "jurisdiction".into(),
                    "is missing: name the law the schedule follows",
                );
                String::new()
            }
        };
        let age_of_majority = match &spec.age_of_majority {
            Some(age) => match u32::try_from(*age.get_ref()) {
                Ok(age @ 14..=25) => age,
                _ => {
                    reader.add(
                        age.span(),
                        "age_of_majority".into(),
                        format!("{} is not an age from 14 to 25", age.get_ref()),
                    );
                    18
                }
            },
            None => {
                reader.add(0..0, "age_of_majority".into(), "is missing");
                18
            }
        };
        if spec.rule.is_empty() {
            reader.add(0..0, "rule".into(), "the schedule has no [[rule]]");
        }
        let mut rules: Vec<Rule> = Vec::with_capacity(spec.rule.len());
        let mut seen = std::collections::HashSet::new();
        for (idx, spanned) in spec.rule.iter().enumerate() {
            let span = spanned.span();
            let line = reader.line(span.clone());
            let r = spanned.get_ref();
            let field = |name: &str| format!("rule[{}].{name}", idx + 1);
            let id = match &r.id {
                Some(id) if valid_id(id.get_ref()) => {
                    if !seen.insert(id.get_ref().clone()) {
                        reader.add(
                            id.span(),
                            field("id"),
                            format!("\"{}\" is used by an earlier rule", id.get_ref()),
                        );
                    }
                    id.get_ref().clone()
                }
                Some(id) => {
                    reader.add(
                        id.span(),
                        field("id"),
                        format!(
                            "\"{}\" is not 1-40 letters, digits, '-' or '_'",
                            id.get_ref()
                        ),
                    );
                    String::new()
                }
                None => {
                    reader.add(span.clone(), field("id"), "is missing");
                    String::new()
                }
            };
            let applies_to = match &r.applies_to {
                Some(value) => match value.get_ref().trim() {
                    "deceased" => Some(AppliesTo::Deceased),
                    "minor" => Some(AppliesTo::Minor),
                    "adult" => Some(AppliesTo::Adult),
                    other => match other.strip_prefix("group:").map(str::trim) {
                        Some(name) if !name.is_empty() => Some(AppliesTo::Group(name.to_owned())),
                        _ => {
                            reader.add(
                                value.span(),
                                field("applies_to"),
                                format!(
                                    "\"{other}\" is not one of deceased, minor, adult, group:NAME"
                                ),
                            );
                            None
                        }
                    },
                },
                None => {
                    reader.add(span.clone(), field("applies_to"), "is missing");
                    None
                }
            };
            let archive_after_years = match &r.archive_after_years {
                Some(v) => years(&mut reader, Some(v), field("archive_after_years")).unwrap_or(0),
                None => {
                    reader.add(span.clone(), field("archive_after_years"), "is missing");
                    0
                }
            };
            let keep_after_last_encounter = years(
                &mut reader,
                r.keep_years_after_last_encounter.as_ref(),
                field("keep_years_after_last_encounter"),
            );
            let keep_after_majority = years(
                &mut reader,
                r.keep_years_after_majority.as_ref(),
                field("keep_years_after_majority"),
            );
            let keep_after_death = years(
                &mut reader,
                r.keep_years_after_death.as_ref(),
                field("keep_years_after_death"),
            );
            if let (Some(death), Some(applies)) = (&r.keep_years_after_death, &applies_to)
                && *applies != AppliesTo::Deceased
            {
                reader.add(
                    death.span(),
                    field("keep_years_after_death"),
                    format!("applies only to a rule for deceased patients, not {applies}"),
                );
            }
            let keep_forever = r.keep_forever.as_ref().is_some_and(|k| *k.get_ref());
            let keeps = [
                &r.keep_years_after_last_encounter,
                &r.keep_years_after_majority,
                &r.keep_years_after_death,
            ]
            .iter()
            .any(|k| k.is_some());
            if keep_forever && keeps {
                reader.add(
                    span.clone(),
                    field("keep_forever"),
                    "keep_forever = true leaves no room for keep_years_* periods; remove one",
                );
            }
            if !keep_forever && !keeps {
                reader.add(
                    span.clone(),
                    field("keep_years_after_last_encounter"),
                    "the rule names no keep_years_* period and not keep_forever = true",
                );
            }
            let note = match &r.note {
                Some(note) if !note.get_ref().trim().is_empty() => note.get_ref().trim().to_owned(),
                _ => {
                    reader.add(
                        span.clone(),
                        field("note"),
                        "is missing: say which law or policy the rule follows",
                    );
                    String::new()
                }
            };
            if let Some(applies_to) = applies_to {
                rules.push(Rule {
                    id,
                    applies_to,
                    archive_after_years,
                    keep_after_last_encounter,
                    keep_after_majority,
                    keep_after_death,
                    keep_forever,
                    note,
                    line,
                });
            }
        }
        reader.finish(Self {
            source: file.to_owned(),
            jurisdiction,
            age_of_majority,
            rules,
        })
    }
}

fn valid_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

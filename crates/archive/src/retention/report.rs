//! The retention report: for every chart, the rule that governs it, when it may be
//! archived and when destroyed, why, and the holds that block it.
//!
//! Read in one snapshot with five queries (live patients, each patient's newest
//! encounter, group rosters, holds in force, the archive index), so it stays quick at any
//! size.
//!
//! Archived charts are listed apart: their rule was applied when they were archived, and
//! the destruction date that report gave is kept in the archive index (a schedule changed
//! since does not move it).

use super::schedule::{AppliesTo, Rule, Schedule};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use store::{LegalHold, Tx, Value};
use time::{Date, Month};

/// What a chart's retention comes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChartRetention {
    /// The patient's record id.
    pub patient_id: i64,
    /// The MRN.
    pub mrn: String,
    /// The governing rule.
    pub rule: String,
    /// The last encounter (or, without one, the day the chart was opened).
    pub last_activity: Date,
    /// When it may be archived.
    pub archive_on: Date,
    /// When it may be destroyed (never for a rule that keeps forever).
    pub destroy_on: Option<Date>,
    /// Why, in words: the rule and the periods behind each date.
    pub why: String,
    /// Holds in force that block archival and destruction.
    pub holds: Vec<i64>,
    /// Where it stands on the report's date.
    pub status: Status,
}

/// Where a chart stands on the report's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Past its destruction date.
    EligibleForDestruction,
    /// Past its archival date, not its destruction date.
    EligibleForArchival,
    /// Eligible, but under a legal hold.
    Held,
    /// Neither date has come.
    Retained,
    /// No rule of the schedule fits it: kept.
    NoRule,
}

impl Status {
    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            Self::EligibleForDestruction => "eligible for destruction",
            Self::EligibleForArchival => "eligible for archival",
            Self::Held => "held",
            Self::Retained => "retained",
            Self::NoRule => "no rule applies",
        }
    }
}

/// Where an archived chart stands on the report's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArchivedStatus {
    /// Past the destruction date it was archived with.
    DestructionDue,
    /// Past it, but under a legal hold.
    Held,
    /// Kept in the archive (its destruction date has not come, or never will).
    Archived,
}

impl ArchivedStatus {
    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            Self::DestructionDue => "archived, destruction due",
            Self::Held => "archived, held",
            Self::Archived => "archived",
        }
    }
}

/// An archived chart in the report (by MRN, like the live charts: the report's audit
/// entry names no patient, so it shows no names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchivedRetention {
    /// The patient's record id.
    pub patient_id: i64,
    /// The MRN.
    pub mrn: String,
    /// Where: the archive file, relative to the data directory.
    pub file: String,
    /// When it was archived.
    #[serde(with = "time::serde::rfc3339")]
    pub archived_at: time::OffsetDateTime,
    /// Who archived it.
    pub archived_by: String,
    /// When it may be destroyed (never: `None`), as the report that archived it said.
    pub destroy_on: Option<Date>,
    /// Holds in force that block its destruction.
    pub holds: Vec<i64>,
    /// Where it stands on the report's date.
    pub status: ArchivedStatus,
}

/// The report over every chart.
#[derive(Debug, Clone, Serialize)]
pub struct RetentionReport {
    /// The day it is computed for.
    pub as_of: Date,
    /// The schedule's source and jurisdiction.
    pub schedule: String,
    /// Every live chart, soonest date first.
    pub charts: Vec<ChartRetention>,
    /// Every archived chart (not restored or destroyed), destruction due first, then by
    /// destruction date.
    pub archived: Vec<ArchivedRetention>,
    /// Charts per status, live and archived.
    pub counts: BTreeMap<String, usize>,
}

/// `date` plus `years`, 28 February for 29 February in a common year.
pub fn add_years(date: Date, years: u32) -> Date {
    let year = date
        .year()
        .saturating_add(i32::try_from(years).unwrap_or(i32::MAX));
    Date::from_calendar_date(year, date.month(), date.day())
        .or_else(|_| Date::from_calendar_date(year, Month::February, 28))
        .unwrap_or(Date::MAX)
}

struct Facts {
    id: i64,
    mrn: String,
    birth: Option<Date>,
    death: Option<Date>,
    last_activity: Date,
}

fn members(value: &Value) -> Vec<i64> {
    let parsed = match value {
        Value::Json(json) => serde_json::from_value::<Vec<i64>>(json.clone()).ok(),
        Value::Text(text) => serde_json::from_str::<Vec<i64>>(text).ok(),
        _ => None,
    };
    parsed.unwrap_or_default()
}

/// Each patient's group names.
type Groups = HashMap<i64, Vec<String>>;

fn read_facts(tx: &mut Tx<'_>) -> store::Result<(Vec<Facts>, Groups)> {
    let mut last: HashMap<i64, Date> = HashMap::new();
    for row in tx.query(
        "SELECT patient_id, MAX(admit_at), MAX(discharge_at) FROM encounters WHERE deleted_at IS NULL GROUP BY patient_id",
        &[],
    )? {
        let latest = [row.get(1).as_instant(), row.get(2).as_instant()]
            .into_iter()
            .flatten()
            .map(|at| at.date())
            .max();
        if let Some(date) = latest {
            last.insert(row.int(0), date);
        }
    }
    let patients = tx
        .query(
            "SELECT id, mrn, birth_date, deceased_date, created_at FROM patients WHERE deleted_at IS NULL ORDER BY id",
            &[],
        )?
        .iter()
        .map(|row| {
            let id = row.int(0);
            let opened = row.get(4).as_instant().map_or(Date::MIN, |at| at.date());
            Facts {
                id,
                mrn: row.text(1).unwrap_or_default().to_owned(),
                birth: row.get(2).as_date(),
                death: row.get(3).as_date(),
                last_activity: last.get(&id).copied().unwrap_or(opened),
            }
        })
        .collect();
    let mut groups: Groups = HashMap::new();
    for row in tx.query(
        "SELECT name, members FROM patient_groups WHERE deleted_at IS NULL",
        &[],
    )? {
        let name = row.text(0).unwrap_or_default().to_owned();
        for member in members(row.get(1)) {
            groups.entry(member).or_default().push(name.clone());
        }
    }
    Ok((patients, groups))
}

fn fits(rule: &Rule, chart: &Facts, groups: Option<&Vec<String>>, majority: u32) -> bool {
    match &rule.applies_to {
        AppliesTo::Deceased => chart.death.is_some(),
        AppliesTo::Group(name) => {
            groups.is_some_and(|g| g.iter().any(|n| n.eq_ignore_ascii_case(name)))
        }
        AppliesTo::Minor => chart
            .birth
            .is_some_and(|birth| add_years(birth, majority) > chart.last_activity),
        AppliesTo::Adult => true,
    }
}

fn assess(
    schedule: &Schedule,
    chart: &Facts,
    groups: Option<&Vec<String>>,
    holds: &[&LegalHold],
    as_of: Date,
) -> ChartRetention {
    let Some(rule) = schedule
        .rules
        .iter()
        .find(|rule| fits(rule, chart, groups, schedule.age_of_majority))
    else {
        return ChartRetention {
            patient_id: chart.id,
            mrn: chart.mrn.clone(),
            rule: String::new(),
            last_activity: chart.last_activity,
            archive_on: Date::MAX,
            destroy_on: None,
            why: "no rule of the schedule fits this chart, so it is kept".into(),
            holds: holds.iter().map(|h| h.id).collect(),
            status: Status::NoRule,
        };
    };
    let archive_on = add_years(chart.last_activity, rule.archive_after_years);
    let mut why = vec![format!(
        "rule {} ({}): archival {} years after the last activity {} = {archive_on}",
        rule.id, rule.applies_to, rule.archive_after_years, chart.last_activity
    )];
    let mut periods: Vec<(Date, String)> = Vec::new();
    if let Some(years) = rule.keep_after_last_encounter {
        let on = add_years(chart.last_activity, years);
        periods.push((on, format!("{years} years after the last activity = {on}")));
    }
    if let (Some(years), Some(birth)) = (rule.keep_after_majority, chart.birth) {
        let majority = add_years(birth, schedule.age_of_majority);
        let on = add_years(majority, years);
        periods.push((
            on,
            format!("{years} years after the age of majority ({majority}) = {on}"),
        ));
    }
    if let (Some(years), Some(death)) = (rule.keep_after_death, chart.death) {
        let on = add_years(death, years);
        periods.push((on, format!("{years} years after death ({death}) = {on}")));
    }
    let destroy_on = if rule.keep_forever {
        why.push("kept forever".into());
        None
    } else {
        let latest = periods.iter().map(|p| p.0).max();
        if latest.is_some() {
            let parts: Vec<&str> = periods.iter().map(|p| p.1.as_str()).collect();
            why.push(format!(
                "destruction on the latest of: {}",
                parts.join("; ")
            ));
        }
        latest
    };
    let hold_ids: Vec<i64> = holds.iter().map(|h| h.id).collect();
    let status = if destroy_on.is_some_and(|on| on <= as_of) {
        Status::EligibleForDestruction
    } else if archive_on <= as_of {
        Status::EligibleForArchival
    } else {
        Status::Retained
    };
    let status = if status != Status::Retained && !hold_ids.is_empty() {
        let list: Vec<String> = holds
            .iter()
            .map(|h| {
                format!(
                    "hold {}{}",
                    h.id,
                    h.matter
                        .as_deref()
                        .map(|m| format!(" ({m})"))
                        .unwrap_or_default()
                )
            })
            .collect();
        why.push(format!("{} blocked by {}", status.label(), list.join(", ")));
        Status::Held
    } else {
        status
    };
    ChartRetention {
        patient_id: chart.id,
        mrn: chart.mrn.clone(),
        rule: rule.id.clone(),
        last_activity: chart.last_activity,
        archive_on,
        destroy_on,
        why: why.join("; "),
        holds: hold_ids,
        status,
    }
}

/// Computes the report for `as_of` in the caller's transaction.
pub fn report(tx: &mut Tx<'_>, schedule: &Schedule, as_of: Date) -> store::Result<RetentionReport> {
    let (charts, groups) = read_facts(tx)?;
    let holds = tx.legal_holds(false)?;
    // A hold on a chart merged into another keeps naming the retired chart, whose records
    // now live on the surviving one: the hold covers the survivor too.
    let mut merged_into: HashMap<i64, Vec<i64>> = HashMap::new();
    for row in tx.query(
        "SELECT surviving_id, retired_id FROM mpi_merges WHERE status = 'merged'",
        &[],
    )? {
        merged_into.entry(row.int(0)).or_default().push(row.int(1));
    }
    let mut out: Vec<ChartRetention> = charts
        .iter()
        .map(|chart| {
            let retired = merged_into.get(&chart.id).map_or(&[][..], Vec::as_slice);
            let covering: Vec<&LegalHold> = holds
                .iter()
                .filter(|h| h.covers(chart.id) || retired.iter().any(|&r| h.covers(r)))
                .collect();
            assess(schedule, chart, groups.get(&chart.id), &covering, as_of)
        })
        .collect();
    out.sort_by_key(|c| {
        (
            c.status,
            c.destroy_on.unwrap_or(Date::MAX).min(c.archive_on),
            c.patient_id,
        )
    });
    let mut archived: Vec<ArchivedRetention> = tx
        .archived_charts(None)?
        .into_iter()
        .map(|entry| {
            let covering: Vec<i64> = holds
                .iter()
                .filter(|h| h.covers(entry.patient_id))
                .map(|h| h.id)
                .collect();
            let status = match entry.destroy_on {
                Some(on) if on <= as_of && covering.is_empty() => ArchivedStatus::DestructionDue,
                Some(on) if on <= as_of => ArchivedStatus::Held,
                _ => ArchivedStatus::Archived,
            };
            ArchivedRetention {
                patient_id: entry.patient_id,
                mrn: entry.mrn,
                file: format!("{}/{}", crate::ARCHIVE_DIR, entry.file),
                archived_at: entry.archived_at,
                archived_by: entry.archived_by,
                destroy_on: entry.destroy_on,
                holds: covering,
                status,
            }
        })
        .collect();
    archived.sort_by_key(|a| (a.status, a.destroy_on.unwrap_or(Date::MAX), a.patient_id));
    let mut counts = BTreeMap::new();
    for chart in &out {
        *counts.entry(chart.status.label().to_owned()).or_insert(0) += 1;
    }
    for chart in &archived {
        *counts.entry(chart.status.label().to_owned()).or_insert(0) += 1;
    }
    Ok(RetentionReport {
        as_of,
        schedule: format!("{} ({})", schedule.source, schedule.jurisdiction),
        charts: out,
        archived,
        counts,
    })
}

//! `chartroom retention report|schedule`: which charts may be archived or destroyed,
//! when and why, under the schedule in force (the facility's `retention.toml` in the
//! data directory, or the default shipped with Chartroom).

use crate::cli::audited::CliAuditor;
use crate::cli::demo::parse_date;
use anyhow::{Context, Result};
use archive::retention::{self, SCHEDULE_FILE, Schedule, Status};
use privacy::{Action, DataCategory};
use std::path::{Path, PathBuf};
use store::Store;
use time::Date;

/// Retention schedules and the report.
#[derive(Debug, clap::Subcommand)]
pub enum RetentionCmd {
    /// Which charts become eligible for archival or destruction, when and why.
    Report {
        /// The day to report for (default today).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<Date>,
        /// A schedule file to use instead of the one in force.
        #[arg(long, value_name = "FILE")]
        schedule: Option<PathBuf>,
        /// List charts retained for longer than this many days too (default: those
        /// eligible now, held, or eligible within 90 days).
        #[arg(long, value_name = "DAYS", default_value_t = 90)]
        within: u32,
        /// List every chart.
        #[arg(long)]
        all: bool,
    },
    /// Show the schedule in force, check a file, or print the default to start one.
    Schedule {
        /// Check this file (every problem with its line); exit 1 when it is rejected.
        #[arg(long, value_name = "FILE")]
        check: Option<PathBuf>,
        /// Print the default schedule file (documented) to copy and edit.
        #[arg(long)]
        print_default: bool,
    },
}

/// The schedule in force: `explicit`, else the data directory's file, else the default.
pub fn schedule_in_force(data_dir: &Path, explicit: Option<&Path>) -> Result<Schedule> {
    let path = explicit.map_or_else(|| data_dir.join(SCHEDULE_FILE), Path::to_path_buf);
    if explicit.is_none() && !path.exists() {
        return Ok(Schedule::default_schedule()?);
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the retention schedule {}", path.display()))?;
    Ok(Schedule::read(&text, &path.display().to_string())?)
}

fn print_schedule(schedule: &Schedule) {
    crate::say!(
        "Retention schedule: {} ({}); age of majority {}.",
        schedule.source,
        schedule.jurisdiction,
        schedule.age_of_majority
    );
    let keep = |r: &retention::Rule| {
        if r.keep_forever {
            return "forever".to_owned();
        }
        let mut parts = Vec::new();
        if let Some(y) = r.keep_after_last_encounter {
            parts.push(format!("{y}y after last encounter"));
        }
        if let Some(y) = r.keep_after_majority {
            parts.push(format!("{y}y after majority"));
        }
        if let Some(y) = r.keep_after_death {
            parts.push(format!("{y}y after death"));
        }
        parts.join(", latest of ")
    };
    let rows: Vec<Vec<String>> = schedule
        .rules
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                r.applies_to.to_string(),
                format!("{}y", r.archive_after_years),
                keep(r),
                r.note.clone(),
            ]
        })
        .collect();
    crate::output::table(
        &["Rule", "Applies to", "Archive after", "Keep", "Note"],
        &rows,
    );
}

/// Runs a retention command.
pub fn run(
    store: &Store,
    auditor: &CliAuditor,
    data_dir: &Path,
    cmd: RetentionCmd,
    json: bool,
) -> Result<()> {
    match cmd {
        RetentionCmd::Schedule {
            check,
            print_default,
        } => {
            if print_default {
                print!("{}", retention::DEFAULT_SCHEDULE);
                return Ok(());
            }
            let schedule = schedule_in_force(data_dir, check.as_deref())?;
            if check.is_some() {
                crate::say!("The schedule is valid: {} rules.", schedule.rules.len());
            }
            print_schedule(&schedule);
            Ok(())
        }
        RetentionCmd::Report {
            as_of,
            schedule,
            within,
            all,
        } => {
            let schedule = schedule_in_force(data_dir, schedule.as_deref())?;
            let as_of = as_of.unwrap_or_else(|| store.clock().now().date());
            let event = auditor
                .event(store, Action::Read)
                .categories(&[DataCategory::Demographics, DataCategory::Encounters])
                .reason(&format!("retention report as of {as_of}"));
            auditor
                .trail()
                .record(store, &event)
                .context("writing the audit trail (nothing was read)")?;
            let report = store.read_beside_writers(|tx| retention::report(tx, &schedule, as_of))?;
            if json {
                return crate::output::json(&report);
            }
            crate::say!("Retention report as of {as_of} under {}.", report.schedule);
            for (status, n) in &report.counts {
                crate::say!("  {status}: {n}");
            }
            let horizon = as_of + time::Duration::days(i64::from(within));
            let rows: Vec<Vec<String>> = report
                .charts
                .iter()
                .filter(|c| {
                    all || c.status != Status::Retained
                        || c.archive_on <= horizon
                        || c.destroy_on.is_some_and(|d| d <= horizon)
                })
                .filter(|c| all || c.status != Status::NoRule)
                .map(|c| {
                    vec![
                        c.patient_id.to_string(),
                        c.mrn.clone(),
                        c.rule.clone(),
                        c.last_activity.to_string(),
                        c.archive_on.to_string(),
                        c.destroy_on
                            .map_or_else(|| "never".into(), |d| d.to_string()),
                        c.status.label().to_owned(),
                        c.why.clone(),
                    ]
                })
                .collect();
            if rows.is_empty() {
                crate::say!("No chart is eligible, held, or eligible within {within} days.");
            } else {
                crate::output::table(
                    &[
                        "Patient",
                        "MRN",
                        "Rule",
                        "Last activity",
                        "Archive on",
                        "Destroy on",
                        "Status",
                        "Why",
                    ],
                    &rows,
                );
            }
            Ok(())
        }
    }
}

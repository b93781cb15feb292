//! `chartroom retention report|schedule`: which charts may be archived or destroyed,
//! when and why, under the schedule in force (the facility's `retention.toml` in the
//! data directory, or the default shipped with Chartroom).

use crate::cli::audited::CliAuditor;
use crate::cli::demo::parse_date;
use anyhow::{Context, Result};
use archive::events::ChartStep;
use archive::retention::{self, SCHEDULE_FILE, Schedule, Status};
use privacy::{Action, DataCategory};
use std::path::{Path, PathBuf};
use store::ArchivedChart;
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
    /// Move charts eligible for archival (or destruction) and under no hold out of the live
    /// tables into checksummed archive files in the data directory's archive/ folder, one
    /// transaction per chart (a run that was interrupted is finished by running it again).
    Archive {
        /// The day eligibility is judged on (default today).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<Date>,
        /// Only this patient (record id or MRN).
        #[arg(long, value_name = "PATIENT")]
        patient: Option<String>,
        /// A schedule file to use instead of the one in force.
        #[arg(long, value_name = "FILE")]
        schedule: Option<PathBuf>,
    },
    /// Put an archived chart back into the live store (by MRN or record id).
    Restore {
        /// The archived chart's MRN or patient record id.
        patient: String,
    },
    /// List archived charts (--search MRN or name), or read one (--show MRN).
    Archived {
        /// An MRN, or a family name's beginning (`family, given` narrows by given name).
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// Read this archived chart (MRN or record id); audited as a read.
        #[arg(long, value_name = "PATIENT", conflicts_with = "search")]
        show: Option<String>,
    },
    /// Destroy charts past their retention and under no hold: `--request --patient P ...
    /// --reason R` records the request; a second person carries it out with `--approve ID`,
    /// which writes the certificate of destruction (kept forever); `--list` shows requests
    /// and certificates.
    Destroy {
        /// Request the destruction of the charts named by --patient.
        #[arg(long, requires = "reason", conflicts_with_all = ["approve", "list"])]
        request: bool,
        /// A patient to destroy (MRN or record id, live or archived); repeat for several.
        #[arg(long = "patient", value_name = "PATIENT")]
        patients: Vec<String>,
        /// How the records are destroyed.
        #[arg(
            long,
            default_value = archive::destruction::DEFAULT_METHOD
        )]
        method: String,
        /// Why (the retention rule, the disposition authority).
        #[arg(long)]
        reason: Option<String>,
        /// Approve and carry out this request (someone other than its requester).
        #[arg(long, value_name = "ID", conflicts_with = "list")]
        approve: Option<i64>,
        /// List requests and certificates.
        #[arg(long)]
        list: bool,
        /// The day eligibility is judged on (default today).
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        as_of: Option<Date>,
        /// A schedule file to use instead of the one in force.
        #[arg(long, value_name = "FILE")]
        schedule: Option<PathBuf>,
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

fn archivist<'a>(
    store: &'a Store,
    auditor: &'a CliAuditor,
    data_dir: &'a Path,
) -> archive::Archivist<'a> {
    archive::Archivist {
        trail: auditor.trail(),
        store,
        data_dir,
        by: auditor.user(),
    }
}

/// The audit entry of an archival, restore or read of one whole chart.
fn chart_event(
    auditor: &CliAuditor,
    store: &Store,
    step: ChartStep,
    entry: &ArchivedChart,
) -> privacy::AuditEvent {
    archive::events::chart_entry(auditor.event(store, Action::Read), step, entry)
}

/// What `retention destroy` was asked.
struct Destroy {
    request: bool,
    patients: Vec<String>,
    method: String,
    reason: Option<String>,
    approve: Option<i64>,
    list: bool,
}

fn destroy(
    store: &Store,
    auditor: &CliAuditor,
    data_dir: &Path,
    (schedule, as_of): (&Schedule, Date),
    asked: Destroy,
    json: bool,
) -> Result<()> {
    let event = |request: &store::DestructionRequest, what: &str| {
        archive::events::destruction_entry(auditor.event(store, Action::Delete), request, what)
    };
    let who = archivist(store, auditor, data_dir);
    if asked.list {
        let requests = store.read(|tx| tx.destruction_requests())?;
        if json {
            return crate::output::json(&requests);
        }
        for r in &requests {
            crate::say!(
                "Request {}: patients {:?}, requested by {} on {}, {}; {}{}",
                r.id,
                r.patient_ids,
                r.requested_by,
                r.requested_at.date(),
                r.status,
                r.reason,
                r.approved_by
                    .as_deref()
                    .map(|by| format!("; approved by {by}"))
                    .unwrap_or_default()
            );
            if let Some(certificate) = &r.certificate {
                crate::say!("{}", serde_json::to_string_pretty(certificate)?);
            }
        }
        if requests.is_empty() {
            crate::say!("No destruction requests.");
        }
        return Ok(());
    }
    if let Some(id) = asked.approve {
        let done = archive::approve_destruction(who, schedule, as_of, id, &|r| {
            event(r, "records destroyed")
        })
        .with_context(|| format!("approving destruction request {id} (nothing was destroyed)"))?;
        if json {
            return crate::output::json(&done);
        }
        crate::say!(
            "Destroyed the charts of request {} (approved by {}). Certificate of destruction:",
            done.id,
            auditor.user()
        );
        crate::say!(
            "{}",
            serde_json::to_string_pretty(&done.certificate.unwrap_or_default())?
        );
        return Ok(());
    }
    if !asked.request {
        anyhow::bail!("say --request (with --patient and --reason), --approve ID or --list");
    }
    let ids = asked
        .patients
        .iter()
        .map(|p| archived_id(store, p).or_else(|_| crate::cli::patient::patient_id(store, p)))
        .collect::<Result<Vec<_>>>()?;
    let request = archive::request_destruction(
        who,
        schedule,
        as_of,
        &ids,
        &asked.method,
        asked.reason.as_deref().unwrap_or_default(),
        &|r| event(r, "destruction requested"),
    )
    .context("requesting destruction (nothing was requested)")?;
    if json {
        return crate::output::json(&request);
    }
    crate::say!(
        "Destruction request {} recorded for patients {:?}; someone other than {} approves it with `chartroom retention destroy --approve {}`.",
        request.id,
        request.patient_ids,
        request.requested_by,
        request.id
    );
    Ok(())
}

/// The archived chart a command names by MRN or record id.
fn archived_id(store: &Store, patient: &str) -> Result<i64> {
    let text = patient.trim();
    match store.read(|tx| archive::archived_patient(tx, text))? {
        Some(id) => Ok(id),
        None => anyhow::bail!(
            "no archived chart has MRN or id \"{text}\" (`retention archived --search` lists them)"
        ),
    }
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
        RetentionCmd::Destroy {
            request,
            patients,
            method,
            reason,
            approve,
            list,
            as_of,
            schedule,
        } => {
            let schedule = schedule_in_force(data_dir, schedule.as_deref())?;
            let as_of = as_of.unwrap_or_else(|| store.clock().now().date());
            destroy(
                store,
                auditor,
                data_dir,
                (&schedule, as_of),
                Destroy {
                    request,
                    patients,
                    method,
                    reason,
                    approve,
                    list,
                },
                json,
            )
        }
        RetentionCmd::Archive {
            as_of,
            patient,
            schedule,
        } => {
            let schedule = schedule_in_force(data_dir, schedule.as_deref())?;
            let as_of = as_of.unwrap_or_else(|| store.clock().now().date());
            let only = patient
                .as_deref()
                .map(|p| crate::cli::patient::patient_id(store, p))
                .transpose()?;
            let event =
                |entry: &ArchivedChart| chart_event(auditor, store, ChartStep::Archived, entry);
            let done = archive::archive_eligible(
                archivist(store, auditor, data_dir),
                &schedule,
                as_of,
                only,
                &event,
            )?;
            if json {
                return crate::output::json(&done);
            }
            for entry in &done.archived {
                crate::say!(
                    "Archived {} ({}, {}): {} rows, {} bytes, {}/{}.",
                    entry.mrn,
                    entry.family_name,
                    entry.given_name,
                    entry.row_count,
                    entry.bytes,
                    archive::ARCHIVE_DIR,
                    entry.file
                );
            }
            for (id, mrn, why) in &done.skipped {
                crate::say!("Left {mrn} (patient {id}) live: {why}");
            }
            crate::say!(
                "{} charts archived as of {as_of}, {} left live.",
                done.archived.len(),
                done.skipped.len()
            );
            Ok(())
        }
        RetentionCmd::Restore { patient } => {
            let id = archived_id(store, &patient)?;
            let event =
                |entry: &ArchivedChart| chart_event(auditor, store, ChartStep::Restored, entry);
            let entry = archive::restore_chart(archivist(store, auditor, data_dir), id, &event)
                .with_context(|| format!("restoring {patient} (nothing was restored)"))?;
            if json {
                return crate::output::json(&entry);
            }
            crate::say!(
                "Restored {} ({}, {}) into the live store: {} rows.",
                entry.mrn,
                entry.family_name,
                entry.given_name,
                entry.row_count
            );
            Ok(())
        }
        RetentionCmd::Archived { search, show } => {
            if let Some(patient) = show {
                let id = archived_id(store, &patient)?;
                let event =
                    |entry: &ArchivedChart| chart_event(auditor, store, ChartStep::Read, entry);
                let read = archive::read_archived_audited(
                    archivist(store, auditor, data_dir),
                    id,
                    &event,
                )?;
                if json {
                    return crate::output::json(&read.chart);
                }
                crate::say!(
                    "Archived chart (archived {} by {}; file {}/{}, SHA-256 checked):",
                    read.entry.archived_at.date(),
                    read.entry.archived_by,
                    archive::ARCHIVE_DIR,
                    read.entry.file
                );
                crate::cli::stats::print_chart(&read.chart);
                return Ok(());
            }
            let found = store.read(|tx| tx.archived_charts(search.as_deref()))?;
            let shown: Vec<i64> = found.iter().map(|e| e.patient_id).collect();
            auditor.shown(
                store,
                &shown,
                &[DataCategory::Demographics],
                "archived chart search",
            )?;
            if json {
                return crate::output::json(&found);
            }
            if found.is_empty() {
                crate::say!(
                    "No archived charts{}.",
                    if search.is_some() { " match" } else { "" }
                );
                return Ok(());
            }
            let rows: Vec<Vec<String>> = found
                .iter()
                .map(|e| {
                    vec![
                        e.patient_id.to_string(),
                        e.mrn.clone(),
                        format!("{}, {}", e.family_name, e.given_name),
                        e.birth_date.map(|d| d.to_string()).unwrap_or_default(),
                        e.archived_at.date().to_string(),
                        e.archived_by.clone(),
                        e.row_count.to_string(),
                        e.file.clone(),
                    ]
                })
                .collect();
            crate::output::table(
                &[
                    "Patient", "MRN", "Name", "Born", "Archived", "By", "Rows", "File",
                ],
                &rows,
            );
            Ok(())
        }
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
            if !report.archived.is_empty() {
                crate::say!("Archived charts:");
                let rows: Vec<Vec<String>> = report
                    .archived
                    .iter()
                    .map(|a| {
                        vec![
                            a.patient_id.to_string(),
                            a.mrn.clone(),
                            a.file.clone(),
                            format!("{} by {}", a.archived_at.date(), a.archived_by),
                            a.destroy_on
                                .map_or_else(|| "never".into(), |d| d.to_string()),
                            a.status.label().to_owned(),
                        ]
                    })
                    .collect();
                crate::output::table(
                    &[
                        "Patient",
                        "MRN",
                        "Where",
                        "Archived",
                        "Destroy on",
                        "Status",
                    ],
                    &rows,
                );
            }
            Ok(())
        }
    }
}

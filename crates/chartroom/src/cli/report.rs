//! `chartroom report case list|show|mark|send|triggers`: the reportable-condition case queue
//! (`report registry|coverage|syndromic` are `registry_report.rs`)
//! from a terminal, on the cores the JSON API and the /cases page use
//! (`surveillance::cases`; `send` is `cases::send_report`, as on the page and the API).
//!
//! Permissions are checked as on the web: each command acts for a Chartroom user (`--as`,
//! else the user named like the login), who must be enabled and hold `report-cases`; a
//! refusal is a denied audit entry and its message names the roles holding it. Listing steps
//! case finding first (so what was just written is there). Every look is audited before it is
//! printed (one entry naming every patient listed); a status change is written with its
//! audit entry; `send` builds the eICR and/or the ORU^R01, writes the files, audits the
//! export, enters the disclosure in the patient's accounting and marks the case reported,
//! all in one transaction: a file that cannot be written reports nothing.

use crate::cli::audited::CliAuditor;
use crate::cli::surveillance::{Acting, acting_for};
use crate::output;
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use privacy::{Action, Permission};
use records::CaseStatus;
use serde_json::{Value as Json, json};
use std::path::{Path, PathBuf};
use store::{Actor, Store};
use surveillance::cases::{self, CASE_CATEGORIES, TriggerSet, case_json};

/// The facility's reportable-condition triggers file in the data directory.
pub const TRIGGERS_FILE: &str = "reportable.toml";

/// Reports to public health.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The Chartroom user this is done as (default: the user named like your login); their
    /// roles decide what may be done, as when they sign in.
    #[arg(long = "as", value_name = "USER", global = true)]
    user: Option<String>,
    #[command(subcommand)]
    cmd: ReportCmd,
}

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Reportable-condition cases: the queue, a case, its status, its initial case report.
    #[command(subcommand)]
    Case(CaseCmd),
    /// The immunization registry: send VXU^V04 updates, query a patient's history, the log.
    #[command(subcommand)]
    Registry(super::registry_report::RegistryCmd),
    /// Immunization coverage: the childhood series (4:3:1:3:3:1:4) by 24 months, or
    /// seasonal influenza by age band; counts 1-10 withheld from users without
    /// patient-level reads; needs read-aggregates.
    Coverage(super::registry_report::CoverageArgs),
    /// The day's syndromic surveillance batch (HL7 v2.5.1 ADT A01/A03/A04/A08 per the PHIN
    /// guide, FHS/BHS batch) written to FILE; audited and entered in each patient's
    /// accounting of disclosures (a limited data set).
    Syndromic(super::registry_report::SyndromicArgs),
}

#[derive(Debug, Subcommand)]
pub enum CaseCmd {
    /// The case queue (case finding steps first), newest found first.
    List {
        /// Only these statuses (comma-separated: new, reviewed, reported, not-reportable).
        #[arg(long)]
        status: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// One case: its patient, visit, trigger and status.
    Show {
        /// The case's number.
        case: i64,
    },
    /// Mark a case new, reviewed or not-reportable (with --note saying why).
    Mark {
        /// The case's number.
        case: i64,
        /// new, reviewed or not-reportable (a case is reported by `send`).
        status: String,
        /// What was found or decided.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Send the initial case report: the eICR (FHIR document Bundle) and/or, for a case a
    /// laboratory result found, the ORU^R01; each to a file or `-` for standard output. The
    /// disclosure is entered in the patient's accounting and the case marked reported.
    Send {
        /// The case's number.
        case: i64,
        /// Write the eICR JSON here (`-`: standard output). The default when --oru is not
        /// given.
        #[arg(long, value_name = "FILE")]
        eicr: Option<PathBuf>,
        /// Write the ORU^R01 here (`-`: standard output).
        #[arg(long, value_name = "FILE")]
        oru: Option<PathBuf>,
        /// The public-health agency, as the accounting names the recipient.
        #[arg(long, default_value = "State public health department")]
        to: String,
        /// The FHIR base URL the eICR's entries are named under.
        #[arg(long, default_value = "http://localhost:8080/fhir")]
        fhir_base: String,
        /// The facility's name (the eICR's custodian when the visit names none).
        #[arg(long, env = "CHARTROOM_FACILITY_NAME", default_value = "Chartroom")]
        facility_name: String,
    },
    /// The triggers in force (the defaults changed by <data dir>/reportable.toml), or with
    /// --file a triggers file checked: a bad file is refused with each problem's line.
    Triggers {
        /// A triggers file to check (nothing is changed).
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

/// The triggers in force: the defaults, changed by `<data dir>/reportable.toml` when it
/// exists; a malformed file is refused naming its lines.
pub fn triggers_in_force(data_dir: &Path) -> Result<TriggerSet> {
    let path = data_dir.join(TRIGGERS_FILE);
    triggers_from(data_dir, path.is_file().then_some(path.as_path()))
}

fn triggers_from(data_dir: &Path, file: Option<&Path>) -> Result<TriggerSet> {
    crate::cli::surveillance::facility_set(
        data_dir,
        file,
        "triggers",
        TriggerSet::with_facility_file,
        TriggerSet::defaults,
    )
}

fn statuses(text: Option<&str>) -> Result<Vec<CaseStatus>> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            CaseStatus::parse(s).ok_or_else(|| {
                anyhow::anyhow!(
                    "--status: \"{}\" is not new, reviewed, reported or not-reportable",
                    s.trim()
                )
            })
        })
        .collect()
}

fn who(
    store: &Store,
    auditor: &CliAuditor,
    user: Option<&str>,
    action: Action,
    what: &str,
) -> Result<Acting> {
    acting_for(
        store,
        auditor,
        user,
        (Permission::ReportCases, action, what),
        ("case reports", CASE_CATEGORIES),
    )
}

pub fn run(
    store: &Store,
    auditor: &CliAuditor,
    data_dir: &Path,
    args: ReportArgs,
    json: bool,
) -> Result<()> {
    let user = args.user.as_deref();
    let cmd = match args.cmd {
        ReportCmd::Case(cmd) => cmd,
        ReportCmd::Registry(cmd) => {
            return super::registry_report::run_registry(store, auditor, cmd, json);
        }
        ReportCmd::Coverage(coverage) => {
            return super::registry_report::run_coverage(store, auditor, coverage, user, json);
        }
        ReportCmd::Syndromic(syndromic) => {
            return super::registry_report::run_syndromic(store, auditor, syndromic, json);
        }
    };
    match cmd {
        CaseCmd::Triggers { file } => triggers(data_dir, file.as_deref(), json),
        CaseCmd::List { status, limit } => {
            let statuses = statuses(status.as_deref())?;
            if !(1..=10_000).contains(&limit) {
                bail!("--limit: {limit} is not from 1 to 10000");
            }
            let acting = who(store, auditor, user, Action::Read, "reading the case queue")?;
            let triggers = triggers_in_force(data_dir)?;
            cases::step(store, &triggers).context("finding cases")?;
            let event = acting.event(auditor, store, Action::Read);
            let (found, patients): (Vec<_>, Vec<_>) = auditor
                .trail()
                .write(store, |audited| {
                    cases::list_audited(audited, &event, &statuses, limit)
                })
                .map(|listed| listed.into_iter().unzip())
                .context("reading the case queue (nothing was shown)")?;
            if json {
                let rows: Vec<Json> = found
                    .iter()
                    .zip(&patients)
                    .map(|(c, p)| case_json(c, p))
                    .collect();
                return output::json(&json!({ "cases": rows }));
            }
            if found.is_empty() {
                crate::say!("No cases.");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = found
                .iter()
                .zip(&patients)
                .map(|(c, p)| {
                    let r = &c.record;
                    vec![
                        c.meta.id.to_string(),
                        r.status.as_str().to_owned()
                            + if r.withdrawn_at.is_some() {
                                " (withdrawn)"
                            } else {
                                ""
                            },
                        r.condition_name.clone(),
                        format!("{} {}", r.trigger_system, r.trigger_code),
                        format!("{} {}, {}", p.mrn.as_str(), p.family_name, p.given_name),
                        r.encounter_id.map(|e| e.0.to_string()).unwrap_or_default(),
                        r.found_at.date().to_string(),
                    ]
                })
                .collect();
            output::table(
                &[
                    "case",
                    "status",
                    "condition",
                    "trigger",
                    "patient",
                    "encounter",
                    "found",
                ],
                &rows,
            );
            Ok(())
        }
        CaseCmd::Show { case } => {
            let acting = who(store, auditor, user, Action::Read, "reading a case")?;
            let event = acting.event(auditor, store, Action::Read);
            let (found, patient) = auditor
                .trail()
                .write(store, |audited| cases::show_audited(audited, &event, case))
                .with_context(|| format!("reading case {case} (nothing was shown)"))?;
            let shown = case_json(&found, &patient);
            if json {
                return output::json(&shown);
            }
            if let Some(fields) = shown.as_object() {
                for (key, value) in fields {
                    let text = match value {
                        Json::String(s) => s.clone(),
                        Json::Null => "-".into(),
                        other => other.to_string(),
                    };
                    crate::say!("{key:<18} {text}");
                }
            }
            Ok(())
        }
        CaseCmd::Mark { case, status, note } => {
            let Some(status) = CaseStatus::parse(&status) else {
                bail!("\"{status}\" is not new, reviewed or not-reportable");
            };
            let acting = who(store, auditor, user, Action::Update, "working a case")?;
            let actor = Actor::new(format!("user:{}", acting.username));
            let event = acting.event(auditor, store, Action::Update);
            let marked = auditor
                .trail()
                .write(store, |audited| {
                    Ok(cases::mark(
                        audited,
                        &actor,
                        case,
                        status,
                        &note,
                        event.clone(),
                    )?)
                })
                .with_context(|| format!("marking case {case} (nothing was changed)"))?;
            if json {
                return output::json(&json!({
                    "id": marked.meta.id,
                    "version": marked.meta.version,
                    "status": marked.record.status.as_str(),
                    "note": marked.record.note,
                }));
            }
            crate::say!(
                "Case {case} ({}) marked {}.",
                marked.record.condition_name,
                marked.record.status.as_str()
            );
            Ok(())
        }
        CaseCmd::Send {
            case,
            eicr,
            oru,
            to,
            fhir_base,
            facility_name,
        } => {
            if to.trim().is_empty() {
                bail!("--to: name the public-health agency");
            }
            let eicr = match (&eicr, &oru) {
                (None, None) => Some(PathBuf::from("-")),
                _ => eicr,
            };
            let acting = who(
                store,
                auditor,
                user,
                Action::Export,
                "sending a case report",
            )?;
            let actor = Actor::new(format!("user:{}", acting.username));
            let event = acting.event(auditor, store, Action::Update);
            let outgoing = cases::Outgoing {
                recipient: &to,
                eicr: eicr.is_some(),
                oru: oru.is_some(),
                fhir_base: &fhir_base,
                facility_name: &facility_name,
            };
            let sent = auditor
                .trail()
                .write(store, |audited| {
                    let sent = cases::send_report(audited, &actor, case, &outgoing, event.clone())?;
                    // Files are written inside the transaction: one that cannot be written
                    // reports nothing.
                    for (path, text) in [(&eicr, &sent.eicr), (&oru, &sent.oru)] {
                        if let (Some(path), Some(text)) = (path, text)
                            && path.as_os_str() != "-"
                        {
                            std::fs::write(path, text).map_err(|e| {
                                store::Error::Conflict(format!("writing {}: {e}", path.display()))
                            })?;
                        }
                    }
                    Ok(sent)
                })
                .with_context(|| format!("sending case {case} (nothing was reported)"))?;
            for (path, text) in [(&eicr, &sent.eicr), (&oru, &sent.oru)] {
                if let (Some(path), Some(text)) = (path, text)
                    && path.as_os_str() == "-"
                {
                    crate::say!("{}", text.replace('\r', "\n").trim_end());
                }
            }
            eprintln!(
                "Case {case} reported to {}: {}; entered in the patient's accounting of disclosures.",
                to.trim(),
                sent.description
            );
            Ok(())
        }
    }
}

/// Lists the triggers in force, or those a file would put in force.
fn triggers(data_dir: &Path, file: Option<&Path>, json: bool) -> Result<()> {
    let set = triggers_from(data_dir, file)?;
    if json {
        let conditions: Vec<Json> = set
            .conditions
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "name": c.name,
                    "icd10cm": c.icd10cm.iter().map(|p| p.text()).collect::<Vec<_>>(),
                    "loinc": c.loinc,
                    "snomed": c.snomed,
                    "enabled": c.enabled,
                })
            })
            .collect();
        return output::json(
            &json!({ "jurisdiction": set.jurisdiction, "conditions": conditions }),
        );
    }
    crate::say!("Jurisdiction: {}", set.jurisdiction);
    let rows: Vec<Vec<String>> = set
        .conditions
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                c.name.clone(),
                c.icd10cm
                    .iter()
                    .map(|p| p.text().to_owned())
                    .collect::<Vec<_>>()
                    .join(" "),
                c.loinc.join(" "),
                c.snomed.join(" "),
                if c.enabled { "yes" } else { "no" }.into(),
            ]
        })
        .collect();
    output::table(
        &["id", "condition", "icd10cm", "loinc", "snomed", "enabled"],
        &rows,
    );
    Ok(())
}

//! `chartroom audit verify|anchor|list`: check the tamper-evident chain (against an anchor
//! file too), anchor its head outside the host, and report entries by patient, user, date
//! and action, on screen or as CSV.

use super::audited::CliAuditor;
use crate::output;
use anyhow::{Context, Result, bail};
use privacy::Action;
use records::PatientId;
use std::path::PathBuf;
use store::{AuditFilter, AuditTrail, Store};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime, Time};

#[derive(Debug, clap::Subcommand)]
pub enum AuditCmd {
    /// Check the whole audit chain and the head kept outside the database; name the first
    /// entry altered, deleted, reordered or inserted (exit status 1).
    Verify {
        /// Also require every head anchored in this file (`audit anchor`, `serve
        /// --audit-anchor`) to be in the log with the same MAC, so a cut of the newest
        /// entries is caught even when the head file was put back too.
        #[arg(long, value_name = "PATH")]
        anchor: Option<PathBuf>,
    },
    /// Append the sealed head (entry number, MAC, seal, time) to an append-only file,
    /// ideally on another mount or host that the database's writer cannot rewrite.
    Anchor {
        /// The anchor file (created mode 0600 if missing; only ever appended to).
        #[arg(long = "to", value_name = "PATH")]
        to: PathBuf,
    },
    /// List audit entries, oldest first.
    List(ListArgs),
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only this patient (record id).
    #[arg(long, value_name = "ID")]
    patient: Option<i64>,
    /// Only this user.
    #[arg(long, value_name = "USER")]
    user: Option<String>,
    /// From this date (YYYY-MM-DD, UTC) or instant (RFC 3339).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// Up to and including this date (YYYY-MM-DD, UTC), or before this instant (RFC 3339).
    #[arg(long, value_name = "DATE")]
    until: Option<String>,
    /// Only this action: read, create, update, delete, sign, export, print, login,
    /// password-accepted, logout, login-failed, permission-change, break-glass, verify.
    #[arg(long, value_name = "ACTION")]
    action: Option<String>,
    /// Only this channel: web, api, fhir, cli, job, hl7.
    #[arg(long, value_name = "CHANNEL")]
    channel: Option<String>,
    /// Only this outcome: success, denied, failure.
    #[arg(long, value_name = "OUTCOME")]
    outcome: Option<String>,
    /// At most the newest N entries.
    #[arg(long, value_name = "N")]
    limit: Option<i64>,
    /// Write every field of the entries to this CSV file instead of printing them.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
}

/// Reads `--since`/`--until`: a date means its midnight UTC (`until` the next midnight,
/// so the day is included).
fn parse_bound(flag: &str, text: &str, end_of_day: bool) -> Result<OffsetDateTime> {
    if let Some(date) = store::Value::Text(text.trim().to_owned()).as_date() {
        let start = date.with_time(Time::MIDNIGHT).assume_utc();
        return Ok(if end_of_day {
            start + Duration::days(1)
        } else {
            start
        });
    }
    OffsetDateTime::parse(text.trim(), &Rfc3339).with_context(|| {
        format!("{flag} \"{text}\" is not a date (YYYY-MM-DD) or an RFC 3339 instant")
    })
}

fn anchor(
    store: &Store,
    data_dir: &std::path::Path,
    to: &std::path::Path,
    json: bool,
) -> Result<()> {
    let trail = AuditTrail::open_or_create(data_dir)
        .with_context(|| format!("opening the audit trail in {}", data_dir.display()))?;
    let Some(anchor) = trail.anchor(store, to, None)? else {
        bail!("nothing was anchored");
    };
    if json {
        return output::json(&serde_json::json!({
            "anchored": anchor.head.seq,
            "mac": anchor.head.mac.to_hex(),
            "file": to.display().to_string(),
        }));
    }
    crate::say!(
        "Anchored audit entry {} (MAC {}) in {}.",
        anchor.head.seq,
        anchor.head.mac,
        to.display()
    );
    Ok(())
}

fn verify(
    store: &Store,
    data_dir: &std::path::Path,
    anchor: Option<&std::path::Path>,
    json: bool,
) -> Result<()> {
    let count = store.audit_count()?;
    if let Some(path) = anchor
        && !path.is_file()
    {
        bail!("--anchor {}: no such file", path.display());
    }
    let trail = match AuditTrail::open(data_dir) {
        Ok(trail) => match anchor {
            Some(path) => trail.with_anchor(path),
            None => trail,
        },
        Err(_) if count == 0 && anchor.is_none() => {
            crate::say!("OK: the audit log is empty.");
            return Ok(());
        }
        Err(error) => {
            return Err(error).context(format!(
                "the audit log has {count} entries but its key cannot be read"
            ));
        }
    };
    // The check itself is audited, a failure too (it is evidence).
    let by = privacy::AuditEvent::new(
        store.clock().now(),
        &super::audited::os_user(),
        Action::Verify,
        privacy::Channel::Cli,
    );
    match trail.verify_and_record(store, by)? {
        Ok(verified) => {
            if json {
                return output::json(&serde_json::json!({
                    "ok": true,
                    "entries": verified.entries,
                    "head": verified.head.seq,
                    "beyond_recorded_head": verified.beyond_head,
                    "anchored_heads": verified.anchored,
                }));
            }
            crate::say!(
                "OK: {} audit entries, chain intact, newest entry {} matches the head in {}.",
                verified.entries,
                verified.head.seq,
                trail.head_path().display()
            );
            if let Some(path) = anchor {
                crate::say!(
                    "The log holds every head anchored in {} ({} of them).",
                    path.display(),
                    verified.anchored
                );
            }
            if verified.beyond_head > 0 {
                crate::say!(
                    "({} newer entries were written after the recorded head, by a process that stopped before recording it; their MACs are intact.)",
                    verified.beyond_head
                );
            }
            Ok(())
        }
        Err(tamper) => bail!("audit log check FAILED: {tamper}"),
    }
}

/// The writes of an entry listed one by one; the rest are counted.
const WRITES_SHOWN: usize = 10;

fn list(store: &Store, auditor: &CliAuditor, args: ListArgs, json: bool) -> Result<()> {
    let action = args
        .action
        .as_deref()
        .map(|a| {
            Action::parse(a).with_context(|| format!("--action \"{a}\" is not an audited action"))
        })
        .transpose()?;
    let channel = args
        .channel
        .as_deref()
        .map(|c| {
            privacy::Channel::parse(c)
                .with_context(|| format!("--channel \"{c}\" is not a channel"))
        })
        .transpose()?;
    let outcome = args
        .outcome
        .as_deref()
        .map(|o| {
            privacy::Outcome::parse(o)
                .with_context(|| format!("--outcome \"{o}\" is not success, denied or failure"))
        })
        .transpose()?;
    let filter = AuditFilter {
        patient_id: args.patient.map(PatientId),
        user: args.user,
        since: args
            .since
            .as_deref()
            .map(|t| parse_bound("--since", t, false))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|t| parse_bound("--until", t, true))
            .transpose()?,
        action,
        channel,
        outcome,
        limit: args.limit,
    };
    let entries = store.audit_entries(&filter)?;
    // Who watched the watchers: the look (or the export) is itself an entry, recorded
    // after the read so the listing does not show it, and before anything is shown.
    let (action, what) = match &args.csv {
        Some(path) => (
            Action::Export,
            format!("audit report CSV to {}", path.display()),
        ),
        None => (Action::Read, "audit report viewed".to_owned()),
    };
    let mut event = auditor.event(store, action).reason(&format!(
        "{what} ({}; {} entries)",
        filter.describe(),
        entries.len()
    ));
    event.record_kind = Some("audit_log".into());
    auditor
        .trail()
        .record(store, &event)
        .context("writing the audit trail (nothing was shown)")?;
    if let Some(path) = args.csv {
        let mut writer = csv::Writer::from_path(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        writer.write_record(privacy::AUDIT_COLUMNS)?;
        for entry in &entries {
            writer.write_record(privacy::audit_row(entry))?;
        }
        writer.flush()?;
        drop(writer);
        super::manifest::record_beside(&path)?;
        crate::say!(
            "Wrote {} audit entries to {}.",
            entries.len(),
            path.display()
        );
        return Ok(());
    }
    if json {
        let rows: Vec<serde_json::Map<String, serde_json::Value>> = entries
            .iter()
            .map(|e| {
                privacy::AUDIT_COLUMNS
                    .iter()
                    .zip(privacy::audit_row(e))
                    .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v)))
                    .collect()
            })
            .collect();
        return output::json(&rows);
    }
    if entries.is_empty() {
        crate::say!("No audit entries match.");
        return Ok(());
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|entry| {
            let row = privacy::audit_row(entry);
            let patient = entry
                .event
                .all_patients()
                .iter()
                .map(|p| p.0.to_string())
                .collect::<Vec<_>>()
                .join(" ");
            let record = match (&entry.event.record_kind, entry.event.record_id) {
                (Some(kind), Some(id)) => format!("{kind} {id}"),
                _ => String::new(),
            };
            let [
                seq,
                at,
                user,
                roles,
                action,
                outcome,
                channel,
                _,
                _,
                _,
                _,
                categories,
                _,
                _,
                reason,
                ..,
            ] = row;
            // A bulk entry (an import batch, a demo batch) stands for thousands of writes:
            // the table shows how many of each and the first few; the CSV has them all.
            let writes = entry
                .event
                .writes
                .as_deref()
                .and_then(|w| store::WritesSummary::of(w, WRITES_SHOWN))
                .map(|summary| summary.to_string())
                .unwrap_or_default();
            vec![
                seq, at, user, roles, action, outcome, channel, patient, record, categories,
                reason, writes,
            ]
        })
        .collect();
    output::table(
        &[
            "seq",
            "at (UTC)",
            "user",
            "roles",
            "action",
            "outcome",
            "channel",
            "patient",
            "record",
            "categories",
            "reason",
            "writes",
        ],
        &rows,
    );
    Ok(())
}

pub fn run(
    store: &Store,
    auditor: &CliAuditor,
    data_dir: &std::path::Path,
    cmd: AuditCmd,
    json: bool,
) -> Result<()> {
    match cmd {
        AuditCmd::Verify { anchor } => verify(store, data_dir, anchor.as_deref(), json),
        AuditCmd::Anchor { to } => anchor(store, data_dir, &to, json),
        AuditCmd::List(args) => list(store, auditor, args, json),
    }
}

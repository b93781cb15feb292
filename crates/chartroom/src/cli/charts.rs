//! `chartroom charts add|checkout|checkin|transfer|where|overdue|relabel|label|request|
//! requests|fill|cancel`: paper chart volumes, found by the barcode on their label (a USB scanner
//! types it as a line), and the request queue; every look and change goes through
//! `archive::paper::RecordsDesk`, in one transaction with its audit entry.

use crate::cli::audited::CliAuditor;
use crate::cli::demo::parse_date;
use crate::cli::patient::patient_id;
use anyhow::{Context, Result};
use archive::paper::{RecordsDesk, VolumeView, place};
use privacy::Action;
use std::path::PathBuf;
use store::{RequestFilter, Store};
use time::Date;

/// Paper chart tracking.
#[derive(Debug, clap::Subcommand)]
pub enum ChartsCmd {
    /// Register a patient's next paper chart volume at its home location; prints its barcode.
    Add {
        /// The patient (record id or MRN).
        patient: String,
        /// Where the volume lives (file room shelf).
        #[arg(long)]
        home: String,
    },
    /// Check a volume out to a person or department.
    Checkout {
        /// The barcode on the volume's label.
        barcode: String,
        /// Who takes it.
        #[arg(long)]
        to: String,
        /// Where it goes (default: the holder).
        #[arg(long)]
        location: Option<String>,
        /// Due back on (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        due: Date,
        /// Why (the request it answers).
        #[arg(long)]
        note: Option<String>,
    },
    /// Hand a checked-out volume on to another holder.
    Transfer {
        /// The barcode.
        barcode: String,
        /// Who takes it now.
        #[arg(long)]
        to: String,
        /// Where it goes (default: the holder).
        #[arg(long)]
        location: Option<String>,
        /// Due back on (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        due: Date,
        /// Why.
        #[arg(long)]
        note: Option<String>,
    },
    /// Check a volume back in (at its home location unless --location says otherwise).
    Checkin {
        /// The barcode.
        barcode: String,
        /// Where it is put.
        #[arg(long)]
        location: Option<String>,
    },
    /// Where a volume is (by barcode) or a patient's volumes are (by record id or MRN),
    /// with every movement.
    Where {
        /// A barcode, or a patient's record id or MRN.
        what: String,
    },
    /// Volumes checked out past their due date.
    Overdue {
        /// The day to judge by (default today).
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
    },
    /// Volumes whose label no longer says their barcode, since a patient-index merge moved
    /// them to the surviving chart (or an unmerge moved them back); printing the new label
    /// (`charts label BARCODE`) takes a volume off the list.
    Relabel,
    /// Write a volume's printable label: a Code 128 barcode (or a QR code) with the
    /// patient's name, MRN, volume and home location (PNG or SVG, by the file's extension).
    Label {
        /// The barcode.
        barcode: String,
        /// The file to write (`.png` or `.svg`).
        #[arg(long)]
        out: PathBuf,
        /// A QR code instead of Code 128 (for cameras and 2D scanners).
        #[arg(long)]
        qr: bool,
    },
    /// Ask for a volume by a day (a clinic's appointment tomorrow, say).
    Request {
        /// The barcode, or a patient's record id or MRN (their newest volume).
        what: String,
        /// Who asks (and takes the chart).
        #[arg(long = "for")]
        requester: String,
        /// Where the chart goes (default: the requester).
        #[arg(long)]
        deliver_to: Option<String>,
        /// Needed by (YYYY-MM-DD).
        #[arg(long, value_parser = parse_date)]
        needed_by: Date,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// The request queue (open requests), or with --pull DAY the pull list for that day in
    /// shelf order (home location), or with --all every request.
    Requests {
        /// The pull list for this day (YYYY-MM-DD): open requests needed by then.
        #[arg(long, value_parser = parse_date, conflicts_with = "all")]
        pull: Option<Date>,
        /// Every request, filled and cancelled too, newest first.
        #[arg(long)]
        all: bool,
    },
    /// Fill a request: check its volume out to the requester.
    Fill {
        /// The request number.
        id: i64,
        /// Due back on (default: seven days after it is needed).
        #[arg(long, value_parser = parse_date)]
        due: Option<Date>,
    },
    /// Cancel an open request.
    Cancel {
        /// The request number.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

fn desk<'a>(
    store: &'a Store,
    auditor: &'a CliAuditor,
    event: &'a dyn Fn(Action) -> privacy::AuditEvent,
) -> RecordsDesk<'a> {
    RecordsDesk {
        trail: auditor.trail(),
        store,
        by: auditor.user(),
        event,
    }
}

/// Runs a charts command.
pub fn run(store: &Store, auditor: &CliAuditor, cmd: ChartsCmd, json: bool) -> Result<()> {
    let event = |action| auditor.event(store, action);
    let desk = desk(store, auditor, &event);
    let volume = match cmd {
        ChartsCmd::Add { patient, home } => {
            let id = patient_id(store, &patient)?;
            desk.register(id, &home)
                .context("registering the volume (nothing changed)")?
        }
        ChartsCmd::Checkout {
            barcode,
            to,
            location,
            due,
            note,
        } => desk
            .check_out(
                &barcode,
                &to,
                location.as_deref().unwrap_or(&to),
                due,
                note.as_deref(),
            )
            .with_context(|| format!("checking out {barcode} (nothing changed)"))?,
        ChartsCmd::Transfer {
            barcode,
            to,
            location,
            due,
            note,
        } => desk
            .transfer(
                &barcode,
                &to,
                location.as_deref().unwrap_or(&to),
                due,
                note.as_deref(),
            )
            .with_context(|| format!("transferring {barcode} (nothing changed)"))?,
        ChartsCmd::Checkin { barcode, location } => desk
            .check_in(&barcode, location.as_deref())
            .with_context(|| format!("checking in {barcode} (nothing changed)"))?,
        ChartsCmd::Where { what } => return where_is(store, &desk, &what, json),
        ChartsCmd::Relabel => {
            let waiting = desk.to_relabel().context("listing labels to print")?;
            if json {
                return crate::output::json(&waiting);
            }
            if waiting.is_empty() {
                crate::say!("No paper chart label is waiting to be printed after a merge.");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = waiting
                .iter()
                .map(|r| {
                    vec![
                        r.label.clone(),
                        r.view.volume.barcode.clone(),
                        r.view.name.clone(),
                        place(&r.view.volume),
                        r.merge_id.to_string(),
                    ]
                })
                .collect();
            crate::output::table(
                &["Label on it", "New barcode", "Patient", "Where", "Merge"],
                &rows,
            );
            return Ok(());
        }
        ChartsCmd::Overdue { as_of } => {
            let as_of = as_of.unwrap_or_else(|| store.clock().now().date());
            let overdue = desk.overdue(as_of).context("listing overdue charts")?;
            if json {
                return crate::output::json(&overdue);
            }
            if overdue.is_empty() {
                crate::say!("No paper chart is overdue on {as_of}.");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = overdue
                .iter()
                .map(|v| {
                    vec![
                        v.volume.barcode.clone(),
                        v.name.clone(),
                        v.volume.holder.clone().unwrap_or_default(),
                        v.volume.current_location.clone(),
                        v.volume.due_back.map(|d| d.to_string()).unwrap_or_default(),
                        v.volume
                            .due_back
                            .map(|d| (as_of - d).whole_days().to_string())
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            crate::output::table(
                &[
                    "Barcode",
                    "Patient",
                    "Holder",
                    "Location",
                    "Due back",
                    "Days late",
                ],
                &rows,
            );
            return Ok(());
        }
        ChartsCmd::Label { barcode, out, qr } => {
            let format =
                archive::paper::LabelFormat::from_path(&out).map_err(|e| anyhow::anyhow!("{e}"))?;
            let symbol = if qr {
                archive::paper::LabelSymbol::Qr
            } else {
                archive::paper::LabelSymbol::Code128
            };
            let (volume, bytes) = desk
                .label_with(&barcode, format, symbol)
                .with_context(|| format!("making the label of {barcode}"))?;
            std::fs::write(&out, &bytes)
                .with_context(|| format!("writing the label to {}", out.display()))?;
            crate::say!(
                "Label of {} (volume {}) written to {} ({} bytes).",
                volume.barcode,
                volume.volume,
                out.display(),
                bytes.len()
            );
            return Ok(());
        }
        ChartsCmd::Request {
            what,
            requester,
            deliver_to,
            needed_by,
            reason,
        } => {
            let barcode = barcode_of(store, &what)?;
            let request = desk
                .request(
                    &barcode,
                    &requester,
                    deliver_to.as_deref().unwrap_or(&requester),
                    needed_by,
                    &reason,
                )
                .with_context(|| format!("requesting {barcode} (nothing changed)"))?;
            if json {
                return crate::output::json(&request);
            }
            crate::say!(
                "Request {}: {barcode} for {} at {} by {} ({}).",
                request.id,
                request.requester,
                request.deliver_to,
                request.needed_by,
                request.reason
            );
            return Ok(());
        }
        ChartsCmd::Requests { pull, all } => {
            let filter = if all {
                RequestFilter::All
            } else {
                RequestFilter::Open
            };
            let lines = desk
                .requests(filter, pull)
                .context("listing chart requests")?;
            if json {
                return crate::output::json(&lines);
            }
            if lines.is_empty() {
                crate::say!("No chart request is open.");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = lines
                .iter()
                .map(|l| {
                    vec![
                        l.request.id.to_string(),
                        l.request.status.clone(),
                        l.request.needed_by.to_string(),
                        l.volume.home_location.clone(),
                        l.volume.barcode.clone(),
                        l.name.clone(),
                        format!("{} at {}", l.request.requester, l.request.deliver_to),
                        place(&l.volume),
                    ]
                })
                .collect();
            crate::output::table(
                &[
                    "Request",
                    "Status",
                    "Needed by",
                    "Home",
                    "Barcode",
                    "Patient",
                    "For",
                    "Now",
                ],
                &rows,
            );
            return Ok(());
        }
        ChartsCmd::Fill { id, due } => {
            let due = match due {
                Some(due) => due,
                None => {
                    let request = store
                        .read(|tx| tx.chart_request(id))?
                        .with_context(|| format!("there is no chart request {id}"))?;
                    request.needed_by + time::Duration::days(7)
                }
            };
            let (request, volume) = desk
                .fill(id, due)
                .with_context(|| format!("filling chart request {id} (nothing changed)"))?;
            if json {
                return crate::output::json(&(request, volume));
            }
            crate::say!(
                "Request {} filled: {} {}.",
                request.id,
                volume.barcode,
                place(&volume)
            );
            return Ok(());
        }
        ChartsCmd::Cancel { id, reason } => {
            let request = desk
                .cancel(id, &reason)
                .with_context(|| format!("cancelling chart request {id} (nothing changed)"))?;
            if json {
                return crate::output::json(&request);
            }
            crate::say!("Request {} cancelled: {reason}.", request.id);
            return Ok(());
        }
    };
    if json {
        return crate::output::json(&volume);
    }
    crate::say!(
        "{} (volume {}): {}.",
        volume.barcode,
        volume.volume,
        place(&volume)
    );
    Ok(())
}

/// A barcode as typed, or a patient's newest volume.
fn barcode_of(store: &Store, what: &str) -> Result<String> {
    if let Some(volume) = store.read(|tx| tx.chart_volume(what))? {
        return Ok(volume.barcode);
    }
    let id = patient_id(store, what)
        .with_context(|| format!("\"{what}\" is neither a chart barcode nor a patient"))?;
    store
        .read(|tx| tx.chart_volumes_of(id))?
        .pop()
        .map(|v| v.barcode)
        .with_context(|| {
            format!("{what} has no paper chart volume; register one with `charts add`")
        })
}

fn where_is(store: &Store, desk: &RecordsDesk<'_>, what: &str, json: bool) -> Result<()> {
    let shown: Vec<VolumeView> = match desk.find(what).context("finding the chart")? {
        Some(found) => vec![found],
        None => {
            let id = patient_id(store, what)
                .with_context(|| format!("\"{what}\" is neither a chart barcode nor a patient"))?;
            desk.volumes_of(id).context("finding the charts")?
        }
    };
    if json {
        return crate::output::json(&shown);
    }
    if shown.is_empty() {
        crate::say!("No paper chart volume is registered for {what}.");
    }
    for found in &shown {
        let volume = &found.volume;
        crate::say!(
            "{} (volume {}) of {} {}: {}; home {}.",
            volume.barcode,
            volume.volume,
            found.mrn,
            found.name,
            place(volume),
            volume.home_location
        );
        for m in &found.movements {
            crate::say!(
                "  {} {} by {}: {} -> {}{}{}",
                m.at,
                m.kind,
                m.by,
                m.from_location.as_deref().unwrap_or("-"),
                m.to_location,
                m.holder
                    .as_deref()
                    .map(|h| format!(" (to {h})"))
                    .unwrap_or_default(),
                m.due_back.map(|d| format!(", due {d}")).unwrap_or_default(),
            );
        }
        for r in &found.requests {
            crate::say!(
                "  request {} {} for {} at {} by {}: {}",
                r.id,
                r.status,
                r.requester,
                r.deliver_to,
                r.needed_by,
                r.reason
            );
        }
    }
    Ok(())
}

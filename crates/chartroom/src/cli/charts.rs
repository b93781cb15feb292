//! `chartroom charts add|checkout|checkin|transfer|where|overdue`: paper chart volumes,
//! found by the barcode on their label (a USB scanner types it as a line), every movement
//! audited with the volume's old and new place.

use crate::cli::audited::CliAuditor;
use crate::cli::demo::parse_date;
use crate::cli::patient::patient_id;
use anyhow::{Context, Result};
use privacy::{Action, DataCategory};
use records::PatientId;
use store::{ChartVolume, Store};
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
}

fn values(volume: &ChartVolume) -> Option<String> {
    serde_json::to_string(volume).ok()
}

fn place(volume: &ChartVolume) -> String {
    match &volume.holder {
        Some(holder) => format!(
            "checked out to {holder} at {}{}",
            volume.current_location,
            volume
                .due_back
                .map(|d| format!(", due back {d}"))
                .unwrap_or_default()
        ),
        None => format!("at {}", volume.current_location),
    }
}

/// Writes one movement with its audit entry in one transaction.
fn audited_move(
    store: &Store,
    auditor: &CliAuditor,
    barcode: &str,
    what: &str,
    step: impl FnOnce(&mut store::Tx<'_>) -> store::Result<ChartVolume>,
) -> Result<ChartVolume> {
    auditor
        .trail()
        .write(store, |audited| {
            let before = audited.records().chart_volume(barcode)?;
            let after = step(&mut audited.records())?;
            let event = auditor
                .event(
                    store,
                    if before.is_some() {
                        Action::Update
                    } else {
                        Action::Create
                    },
                )
                .record("chart_volume", after.id)
                .patient(PatientId(after.patient_id))
                .categories(&[DataCategory::Demographics])
                .reason(&format!(
                    "paper chart {} {what}: {}",
                    after.barcode,
                    place(&after)
                ))
                .changes(before.as_ref().and_then(values), values(&after));
            audited.append(&event)?;
            Ok(after)
        })
        .with_context(|| format!("recording the {what} of {barcode} (nothing changed)"))
}

/// Runs a charts command.
pub fn run(store: &Store, auditor: &CliAuditor, cmd: ChartsCmd, json: bool) -> Result<()> {
    let user = auditor.user().to_owned();
    let volume = match cmd {
        ChartsCmd::Add { patient, home } => {
            let id = patient_id(store, &patient)?;
            audited_move(store, auditor, "", "registered", |tx| {
                tx.add_chart_volume(id, &home, &user)
            })?
        }
        ChartsCmd::Checkout {
            barcode,
            to,
            location,
            due,
            note,
        } => audited_move(store, auditor, &barcode, "checked out", |tx| {
            tx.check_out_chart(
                &barcode,
                &to,
                location.as_deref().unwrap_or(&to),
                due,
                &user,
                note.as_deref(),
            )
        })?,
        ChartsCmd::Transfer {
            barcode,
            to,
            location,
            due,
            note,
        } => audited_move(store, auditor, &barcode, "transferred", |tx| {
            tx.transfer_chart(
                &barcode,
                &to,
                location.as_deref().unwrap_or(&to),
                due,
                &user,
                note.as_deref(),
            )
        })?,
        ChartsCmd::Checkin { barcode, location } => {
            audited_move(store, auditor, &barcode, "checked in", |tx| {
                tx.check_in_chart(&barcode, location.as_deref(), &user)
            })?
        }
        ChartsCmd::Where { what } => return where_is(store, auditor, &what, json),
        ChartsCmd::Overdue { as_of } => {
            let as_of = as_of.unwrap_or_else(|| store.clock().now().date());
            let overdue = store.read(|tx| tx.overdue_charts(as_of))?;
            let patients: Vec<PatientId> =
                overdue.iter().map(|v| PatientId(v.patient_id)).collect();
            auditor
                .trail()
                .record(
                    store,
                    &auditor
                        .event(store, Action::Read)
                        .patients(&patients)
                        .categories(&[DataCategory::Demographics])
                        .reason(&format!("overdue paper charts as of {as_of}")),
                )
                .context("writing the audit trail (nothing was shown)")?;
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
                        v.barcode.clone(),
                        v.holder.clone().unwrap_or_default(),
                        v.current_location.clone(),
                        v.due_back.map(|d| d.to_string()).unwrap_or_default(),
                        v.due_back
                            .map(|d| (as_of - d).whole_days().to_string())
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            crate::output::table(
                &["Barcode", "Holder", "Location", "Due back", "Days late"],
                &rows,
            );
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

fn where_is(store: &Store, auditor: &CliAuditor, what: &str, json: bool) -> Result<()> {
    let volumes = match store.read(|tx| tx.chart_volume(what))? {
        Some(volume) => vec![volume],
        None => {
            let id = patient_id(store, what)
                .with_context(|| format!("\"{what}\" is neither a chart barcode nor a patient"))?;
            store.read(|tx| tx.chart_volumes_of(id))?
        }
    };
    let mut shown = Vec::new();
    for volume in volumes {
        let moves = store.read(|tx| tx.chart_movements(volume.id))?;
        shown.push((volume, moves));
    }
    let patients: Vec<PatientId> = shown.iter().map(|(v, _)| PatientId(v.patient_id)).collect();
    auditor
        .trail()
        .record(
            store,
            &auditor
                .event(store, Action::Read)
                .patients(&patients)
                .categories(&[DataCategory::Demographics])
                .reason(&format!("where is paper chart {what}")),
        )
        .context("writing the audit trail (nothing was shown)")?;
    if json {
        return crate::output::json(&shown);
    }
    if shown.is_empty() {
        crate::say!("No paper chart volume is registered for {what}.");
    }
    for (volume, moves) in &shown {
        crate::say!(
            "{} (volume {}): {}; home {}.",
            volume.barcode,
            volume.volume,
            place(volume),
            volume.home_location
        );
        for m in moves {
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
    }
    Ok(())
}

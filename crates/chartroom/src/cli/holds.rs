//! `chartroom hold place|release|list`: legal holds, each change audited with its values.
//!
//! Invariants:
//! - A hold and its audit entry commit together.
//! - Releasing keeps the hold: `hold list --all` shows every hold ever placed.

use crate::cli::audited::CliAuditor;
use crate::cli::patient::patient_id;
use anyhow::{Context, Result};
use archive::paper::RecordsDesk;
use store::{LegalHold, Store};

/// Legal holds.
#[derive(Debug, clap::Subcommand)]
pub enum HoldCmd {
    /// Place a hold on patients' records (or, with --all and --matter, on every record).
    Place {
        /// A patient the hold covers (record id or MRN); repeat for several.
        #[arg(long = "patient", value_name = "PATIENT")]
        patients: Vec<String>,
        /// Cover every record in the store (a matter hold; needs --matter).
        #[arg(long)]
        all: bool,
        /// The matter: case, investigation or request the hold is for.
        #[arg(long)]
        matter: Option<String>,
        /// Why the records must be kept.
        #[arg(long)]
        reason: String,
    },
    /// Release a hold in force (it stays in the history).
    Release {
        /// The hold's number.
        id: i64,
        /// Why it is released.
        #[arg(long)]
        reason: String,
    },
    /// List holds in force (--all: every hold ever placed, released ones with their release).
    List {
        /// Include released holds.
        #[arg(long)]
        all: bool,
    },
}

fn describe_cover(hold: &LegalHold) -> String {
    if hold.covers_all {
        "every record".into()
    } else {
        let ids: Vec<String> = hold.patients.iter().map(i64::to_string).collect();
        format!("patients {}", ids.join(", "))
    }
}

/// Runs a hold command.
pub fn run(store: &Store, auditor: &CliAuditor, cmd: HoldCmd, json: bool) -> Result<()> {
    let event = |action| auditor.event(store, action);
    let desk = RecordsDesk {
        trail: auditor.trail(),
        store,
        by: auditor.user(),
        event: &event,
    };
    match cmd {
        HoldCmd::Place {
            patients,
            all,
            matter,
            reason,
        } => {
            let ids = patients
                .iter()
                .map(|p| patient_id(store, p))
                .collect::<Result<Vec<_>>>()?;
            let hold = desk
                .place_hold(matter.as_deref(), all, &ids, &reason)
                .context("placing the legal hold (nothing was placed)")?;
            if json {
                return crate::output::json(&hold);
            }
            crate::say!(
                "Legal hold {} placed on {}{}: {}.",
                hold.id,
                describe_cover(&hold),
                hold.matter
                    .as_deref()
                    .map(|m| format!(" for {m}"))
                    .unwrap_or_default(),
                hold.reason
            );
            Ok(())
        }
        HoldCmd::Release { id, reason } => {
            let hold = desk
                .release_hold(id, &reason)
                .with_context(|| format!("releasing legal hold {id} (nothing changed)"))?;
            if json {
                return crate::output::json(&hold);
            }
            crate::say!(
                "Legal hold {} on {} released: {}.",
                hold.id,
                describe_cover(&hold),
                reason.trim()
            );
            Ok(())
        }
        HoldCmd::List { all } => {
            let holds = store.read(|tx| tx.legal_holds(all))?;
            if json {
                return crate::output::json(&holds);
            }
            if holds.is_empty() {
                crate::say!("No legal holds{}.", if all { "" } else { " in force" });
                return Ok(());
            }
            let rows: Vec<Vec<String>> = holds
                .iter()
                .map(|h| {
                    vec![
                        h.id.to_string(),
                        h.matter.clone().unwrap_or_default(),
                        describe_cover(h),
                        h.placed_by.clone(),
                        h.placed_at.date().to_string(),
                        h.reason.clone(),
                        h.release.as_ref().map_or_else(
                            || "in force".into(),
                            |r| format!("released {} by {}: {}", r.at.date(), r.by, r.reason),
                        ),
                    ]
                })
                .collect();
            crate::output::table(
                &[
                    "Hold",
                    "Matter",
                    "Covers",
                    "Placed by",
                    "On",
                    "Reason",
                    "Status",
                ],
                &rows,
            );
            Ok(())
        }
    }
}

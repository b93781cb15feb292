//! `chartroom query`: population questions in Chartroom's query language, answered by the
//! in-memory engine derived from the store.

use crate::cli::audited::CliAuditor;
use crate::output;
use anyhow::{Context, Result};
use privacy::{Action, DataCategory};
use reports::saved::SavedQuery;
use std::path::PathBuf;
use std::time::Instant;
use store::{Actor, Store};

/// Query text examples, shown in `chartroom query --help`.
const EXAMPLES: &str = "\
Examples:
  count patients where immunization(cvx in flu, status = completed, date > 2025-01-01, date <= 2026-01-01)
  count patients as of 2026-01-01 group by age_band(0-17,18-49,50-64,65+) measure patients, patients where immunization(cvx in flu, status = completed, date > 2025-01-01)
  count immunizations where cvx in flu and status = completed and date > 2025-01-01 group by zip3, week(date)
  count patients where diagnosis(code = E11*, date >= 2024-01-01) and not immunization(cvx in flu)
  count patients where sex = F and age >= 65 as of 2026-01-01 group by zip3
  list patients where not immunization(cvx in flu, date > 2025-09-01) columns mrn, name, birth_date, last_visit, provider order by last_visit desc limit 50";

#[derive(Debug, clap::Subcommand)]
#[command(after_help = EXAMPLES)]
pub enum QueryCmd {
    /// Run a query (its text, or the name of a saved query) and print its table or write CSV.
    #[command(after_help = EXAMPLES)]
    Run {
        /// The query text, or a saved query's name.
        text: String,
        /// Write the result as CSV to this file ("-" for standard output).
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
    /// Check a query's syntax and print its normal form.
    Check {
        /// The query text.
        text: String,
    },
    /// Save a query under a name (saving an existing name makes a new version).
    Save {
        /// Name: letters, digits, '-', '_' and '.'.
        name: String,
        /// The query text.
        text: String,
        /// What it answers, in words.
        #[arg(long)]
        description: Option<String>,
        /// Owner.
        #[arg(long, default_value = "cli")]
        owner: String,
    },
    /// List saved queries.
    List,
    /// Delete a saved query (kept in history).
    Delete {
        /// Name.
        name: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

fn cell_text(cell: &query::Cell) -> String {
    match cell {
        query::Cell::Text(text) => text.to_string(),
        query::Cell::Int(n) => n.to_string(),
        query::Cell::Number(x) => format!("{x:.2}"),
        query::Cell::Suppressed => "<11".into(),
    }
}

/// What a population query can draw on: the categories the engine holds. Every run is
/// audited with them, before anything is shown.
const ENGINE_CATEGORIES: &[DataCategory] = &[
    DataCategory::Demographics,
    DataCategory::Encounters,
    DataCategory::Diagnoses,
    DataCategory::Procedures,
    DataCategory::Immunizations,
    DataCategory::Results,
    DataCategory::Billing,
];

/// Audits a run; a patient list's entry names every patient listed (a disclosure of its
/// columns, with insurance for the payer, to whoever ran it).
fn audit_run(
    store: &Store,
    auditor: &CliAuditor,
    action: Action,
    query: &query::ast::Query,
    listed: Option<&[i64]>,
) -> Result<()> {
    let mut event = auditor
        .event(store, action)
        .categories(ENGINE_CATEGORIES)
        .reason(&format!("population query: {query}"));
    if let Some(listed) = listed {
        let patients: Vec<records::PatientId> =
            listed.iter().map(|&id| records::PatientId(id)).collect();
        let mut categories = ENGINE_CATEGORIES.to_vec();
        categories.push(DataCategory::Insurance);
        event = event
            .categories(&categories)
            .patients(&patients)
            .reason(&format!(
                "patient list ({} patients): {query}",
                patients.len()
            ));
    }
    auditor
        .trail()
        .record(store, &event)
        .context("writing the audit trail (nothing was shown)")?;
    Ok(())
}

pub fn run(store: &Store, auditor: &CliAuditor, cmd: QueryCmd, json: bool) -> Result<()> {
    match cmd {
        QueryCmd::Check { text } => {
            let parsed = query::parse(&text)?;
            crate::say!("{parsed}");
            Ok(())
        }
        QueryCmd::Save {
            name,
            text,
            description,
            owner,
        } => {
            let saved = SavedQuery {
                name,
                owner,
                description,
                query_text: text,
            };
            let audited = auditor.auditing_setting_writes(store, "saved query");
            let stored = reports::saved::save(store, &Actor::new("cli"), saved)?;
            drop(audited);
            crate::say!(
                "Saved \"{}\" (version {}):\n  {}",
                stored.record.name,
                stored.meta.version,
                stored.record.query_text
            );
            Ok(())
        }
        QueryCmd::List => {
            let saved = reports::saved::list(store)?;
            if json {
                return output::json(&saved);
            }
            let rows: Vec<Vec<String>> = saved
                .iter()
                .map(|s| {
                    vec![
                        s.record.name.clone(),
                        s.record.owner.clone(),
                        s.meta.version.to_string(),
                        s.record.description.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            output::table(&["name", "owner", "version", "description"], &rows);
            Ok(())
        }
        QueryCmd::Delete { name, reason } => {
            let audited = auditor.auditing_setting_writes(store, "saved query");
            reports::saved::delete(store, &Actor::new("cli"), &name, &reason)?;
            drop(audited);
            crate::say!("Deleted saved query \"{name}\".");
            Ok(())
        }
        QueryCmd::Run { text, csv } => {
            let text = match reports::saved::find(store, text.trim())? {
                Some(saved) => saved.record.query_text,
                None => text,
            };
            let parsed = query::parse(&text)?;
            let started = Instant::now();
            let (engine, _) =
                reports::load(store).context("building the population engine from the store")?;
            let loaded = started.elapsed();
            let started = Instant::now();
            let (table, listed) = if parsed.list.is_some() {
                let list = reports::list::run(store, &engine, &parsed, None)?;
                (list.table, Some(list.patient_ids))
            } else {
                (engine.run(&parsed)?, None)
            };
            let answered = started.elapsed();
            let action = if csv.as_ref().is_some_and(|p| p.as_os_str() != "-") {
                Action::Export
            } else {
                Action::Read
            };
            audit_run(store, auditor, action, &parsed, listed.as_deref())?;
            if let Some(path) = csv {
                if path.as_os_str() == "-" {
                    crate::say!("{}", table.to_csv().trim_end());
                } else {
                    std::fs::write(&path, table.to_csv())
                        .with_context(|| format!("writing {}", path.display()))?;
                    super::manifest::record_beside(&path)?;
                    crate::say!("Wrote {} rows to {}", table.rows.len(), path.display());
                }
                return Ok(());
            }
            if json {
                let rows: Vec<Vec<String>> = table
                    .rows
                    .iter()
                    .map(|row| row.iter().map(cell_text).collect())
                    .collect();
                return output::json(
                    &serde_json::json!({ "query": parsed.to_string(), "columns": table.columns, "rows": rows, "load_ms": loaded.as_secs_f64() * 1e3, "query_ms": answered.as_secs_f64() * 1e3 }),
                );
            }
            let header: Vec<&str> = table.columns.iter().map(String::as_str).collect();
            let rows: Vec<Vec<String>> = table
                .rows
                .iter()
                .map(|row| row.iter().map(cell_text).collect())
                .collect();
            output::table(&header, &rows);
            crate::say!(
                "\n{} patients loaded in {:.0} ms; answered in {:.2} ms.",
                output::count(engine.n_patients()),
                loaded.as_secs_f64() * 1e3,
                answered.as_secs_f64() * 1e3
            );
            Ok(())
        }
    }
}

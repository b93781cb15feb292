//! `chartroom import`: Synthea CSV files (or, with `--fhir`, FHIR transaction bundles) into
//! the store, with a progress bar per file and a report of every rejected row or resource.

use super::audited::CliAuditor;
use crate::output;
use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use interop::batch::{ImportOptions, Progress};
use interop::{FileReport, ImportReport};
use std::path::PathBuf;
use store::{Actor, Store};

/// Options for `chartroom import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// A Synthea CSV export directory (patients.csv, encounters.csv, ...) or a population
    /// extract (patients.csv with patient_id, immunizations.csv, ar_items.csv); plain or .gz.
    #[arg(required_unless_present = "fhir")]
    pub path: Option<PathBuf>,
    /// A directory of FHIR R4 transaction bundles (one .json or .json.gz bundle per file,
    /// as Synthea writes them); each bundle is stored whole or not at all.
    #[arg(long, value_name = "DIR", conflicts_with = "path")]
    pub fhir: Option<PathBuf>,
    /// All or nothing: store nothing if any row is rejected.
    #[arg(long)]
    pub atomic: bool,
    /// Rows per transaction.
    #[arg(long, default_value_t = 5000, value_name = "ROWS")]
    pub batch: usize,
    /// Rejected rows to print (all are in --json output).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub show_rejections: usize,
}

struct Bars {
    bar: Option<ProgressBar>,
}

impl Progress for Bars {
    fn file_started(&mut self, file: &str, bytes: u64) {
        let bar = ProgressBar::new(bytes);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:28} [{bar:30}] {bytes}/{total_bytes}  {bytes_per_sec}  eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(file.to_owned());
        self.bar = Some(bar);
    }

    fn advanced(&mut self, bytes_read: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(bytes_read);
        }
    }

    fn file_finished(&mut self, report: &FileReport) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        if !indicatif::ProgressDrawTarget::stderr().is_hidden() {
            eprintln!(
                "{:28} {} stored, {} skipped, {} rejected",
                report.file, report.accepted, report.skipped, report.rejected
            );
        }
    }
}

fn print_report(report: &ImportReport, show: usize) {
    let rows: Vec<Vec<String>> = report
        .files
        .iter()
        .map(|f| {
            vec![
                f.file.clone(),
                output::count(f.accepted),
                output::count(f.skipped),
                output::count(f.rejected),
            ]
        })
        .collect();
    output::table(&["file", "stored", "skipped", "rejected"], &rows);
    crate::say!();
    crate::say!(
        "{} rows stored, {} skipped, {} rejected in {:.1} s ({} rows/s).",
        output::count(report.accepted()),
        output::count(report.skipped()),
        output::count(report.rejected()),
        report.seconds,
        output::count(report.rows_per_second() as u64)
    );
    let reasons: Vec<(&str, &str, u64)> = report
        .files
        .iter()
        .flat_map(|f| {
            f.skip_reasons
                .iter()
                .map(|(reason, n)| (f.file.as_str(), reason.as_str(), *n))
        })
        .collect();
    if !reasons.is_empty() {
        crate::say!("\nSkipped on purpose (file: rows: reason):");
        for (file, reason, n) in reasons {
            crate::say!("  {file}: {}: {reason}", output::count(n));
        }
    }
    if report.possible_duplicates > 0 {
        crate::say!(
            "\n{} possible duplicates of patients on file queued for review (chartroom mpi queue, /mpi).",
            output::count(report.possible_duplicates)
        );
    }
    if !report.rejections.is_empty() {
        crate::say!("\nRejected rows (file:line: column: reason):");
        for rejection in report.rejections.iter().take(show) {
            crate::say!("  {rejection}");
        }
        let more = report.rejected().saturating_sub(show as u64);
        if more > 0 {
            crate::say!("  ... and {more} more (use --json for all)");
        }
    }
}

/// The highest patient id on file (0 when none), so what an import adds can be told apart.
fn newest_patient(store: &Store) -> Result<i64> {
    let rows = store.read(|tx| tx.query("SELECT COALESCE(MAX(id), 0) FROM patients", &[]))?;
    Ok(rows.first().map_or(0, |row| row.int(0)))
}

/// Charts checked against the patient index in one transaction.
const CHECK_BATCH: usize = 500;

/// Matches every patient the import added (ids from `first_new`) against the patient index
/// with the kept model, after the import committed (so the import's own speed is
/// unchanged), and queues each probable duplicate for review in `/mpi`, each pair audited
/// as this command's. Nothing without a kept model. Returns how many pairs were queued.
fn flag_imported(store: &Store, auditor: &CliAuditor, first_new: i64, source: &str) -> Result<u64> {
    let Some(trained) = store.read(mpi::model_in_force)? else {
        return Ok(0);
    };
    let ids: Vec<i64> = store
        .read(|tx| {
            tx.query(
                "SELECT id FROM patients WHERE id >= ? AND deleted_at IS NULL ORDER BY id",
                &[store::Value::Int(first_new)],
            )
        })?
        .iter()
        .map(|row| row.int(0))
        .collect();
    let by = auditor.event(store, privacy::Action::Create);
    let why = format!("import from {source}");
    let mut queued = 0;
    for chunk in ids.chunks(CHECK_BATCH) {
        queued += auditor.trail().write(store, |audited| {
            let mut n = 0;
            for id in chunk {
                n += mpi::flag_with(audited, *id, &trained, &by, &why)?.len() as u64;
            }
            Ok(n)
        })?;
    }
    Ok(queued)
}

pub fn run(store: &Store, auditor: &CliAuditor, args: &ImportArgs, json: bool) -> Result<()> {
    let source = match (&args.fhir, &args.path) {
        (Some(dir), _) => format!("FHIR bundles in {}", dir.display()),
        (None, Some(path)) => path.display().to_string(),
        (None, None) => anyhow::bail!("say what to import: a directory, or --fhir DIR"),
    };
    let checked = args.fhir.as_deref().or(args.path.as_deref());
    if let Some(path) = checked
        && let Err(refused) = super::manifest::checked_before_import(path)
    {
        auditor.bulk_write_refused(store, &format!("import from {source} refused: {refused}"))?;
        return Err(refused);
    }
    auditor.bulk_write(store, &format!("import from {source} started"))?;
    let audit_outcome = |report: &interop::ImportReport| {
        auditor.bulk_write(
            store,
            &format!(
                "import from {source}: {} stored, {} skipped, {} rejected",
                report.accepted(),
                report.skipped(),
                report.rejected()
            ),
        )
    };
    let first_new = newest_patient(store)? + 1;
    let audited_writes = auditor.auditing_writes(store, &format!("import from {source}"));
    let options = ImportOptions {
        atomic: args.atomic,
        batch_rows: args.batch,
        actor: Actor::new("import"),
    };
    let started = std::time::Instant::now();
    if let Some(dir) = &args.fhir {
        let fhir_options = fhir::ImportOptions {
            actor: Actor::new("import:fhir"),
        };
        let mut report = fhir::import_dir(store, dir, &fhir_options, &mut Bars { bar: None })?;
        report.seconds = started.elapsed().as_secs_f64();
        audit_outcome(&report)?;
        drop(audited_writes);
        report.possible_duplicates = flag_imported(store, auditor, first_new, &source)?;
        if json {
            return output::json(&report);
        }
        print_report(&report, args.show_rejections);
        return Ok(());
    }
    let Some(path) = &args.path else {
        anyhow::bail!("say what to import: a directory, or --fhir DIR");
    };
    let outcome = interop::import(store, path, &options, &mut Bars { bar: None });
    let seconds = started.elapsed().as_secs_f64();
    match outcome {
        Ok(mut report) => {
            report.seconds = seconds;
            audit_outcome(&report)?;
            drop(audited_writes);
            report.possible_duplicates = flag_imported(store, auditor, first_new, &source)?;
            if json {
                return output::json(&report);
            }
            print_report(&report, args.show_rejections);
            Ok(())
        }
        Err(interop::Error::AtomicAborted {
            n_rejected,
            first,
            mut report,
        }) => {
            report.seconds = seconds;
            if json {
                output::json(&report)?;
            } else {
                print_report(&report, args.show_rejections);
            }
            anyhow::bail!(
                "{n_rejected} rows were rejected, so nothing was stored (--atomic); first: {first}"
            )
        }
        Err(error) => Err(error.into()),
    }
}

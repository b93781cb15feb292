//! The command line: one subcommand per job a records department does from a terminal.

mod anchoring;
mod audit;
mod audited;
mod backup;
mod charts;
mod claims;
mod codes;
mod demo;
mod dictation;
mod documents;
mod export;
mod hl7;
mod holds;
mod import;
mod manifest;
mod mllp;
mod mpi;
mod mpi_work;
mod patient;
mod query;
mod registry_report;
mod report;
mod research;
mod retention;
mod review;
mod review_tasks;
mod roi;
mod serve;
mod stats;
mod surveillance;
mod user;

use crate::config::StorageArgs;
use anyhow::Result;
use clap::{Parser, Subcommand};

/// Chartroom keeps a facility's patient records: charts, coding, review, claims, audit.
///
/// Records live in an embedded database in the data directory (./chartroom-data unless
/// --data-dir or CHARTROOM_DATA_DIR say otherwise), or in PostgreSQL when --database or
/// CHARTROOM_DATABASE_URL give a postgres:// URL.
#[derive(Debug, Parser)]
#[command(
    name = "chartroom",
    version,
    about,
    long_about,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    storage: StorageArgs,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the data directory and database (and optionally a demo population).
    Init {
        /// Also generate this many synthetic demo patients.
        #[arg(long, value_name = "N")]
        demo: Option<u32>,
        /// Seed for the demo population.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Generate a deterministic synthetic population (never real patients).
    Demo(demo::DemoArgs),
    /// Import records from files (the Synthea CSV export, plain or .gz).
    Import(import::ImportArgs),
    /// Export records to files (CSV, or FHIR R4 NDJSON).
    Export(export::ExportArgs),
    /// Find patients and read charts.
    #[command(subcommand)]
    Patient(patient::PatientCmd),
    /// Counts of records, unsigned notes, patients without insurance, balances.
    Stats,
    /// Population questions: counts, groups and balances over every chart.
    #[command(subcommand)]
    Query(query::QueryCmd),
    /// Code sets: search, show, validate by date of service, import releases.
    #[command(subcommand)]
    Codes(codes::CodesCmd),
    /// Chart review: deficiencies the rules find, the work queue, assign, resolve, waive.
    #[command(subcommand)]
    Review(review::ReviewCmd),
    /// Release of information: take in, validate, release, deny or extend requests; the queue.
    #[command(subcommand)]
    Roi(roi::RoiCmd),
    /// Dictation to a signed note: upload, queues, drafts, editing, signing, turnaround.
    #[command(subcommand)]
    Dictation(dictation::DictationCmd),
    /// Scanned documents: upload to a chart or the indexing queue, list, index, move, export.
    #[command(subcommand)]
    Documents(documents::DocumentsCmd),
    /// A patient's accounting of disclosures for the last six years (45 CFR 164.528).
    Disclosures {
        /// The patient (record id or MRN).
        patient: String,
    },
    /// Consents and agreed restrictions: add, list, revoke.
    #[command(subcommand)]
    Consent(roi::ConsentCmd),
    /// The master patient index: full match, and its planted-duplicate evaluation.
    #[command(subcommand)]
    Mpi(mpi::MpiCmd),
    /// Public-health surveillance: syndromes, daily counts, detection, the alert queue.
    Surveillance(surveillance::SurveillanceArgs),
    /// Reports to public health: reportable-condition cases and their initial case reports,
    /// the immunization registry, immunization coverage, the syndromic surveillance batch.
    Report(report::ReportArgs),
    /// User accounts and roles (the first administrator: `user add NAME --admin`).
    #[command(subcommand)]
    User(user::UserCmd),
    /// The tamper-evident audit trail: verify the chain, list and export entries.
    #[command(subcommand)]
    Audit(audit::AuditCmd),
    /// Paper chart volumes: register, check out, check in, transfer, where, overdue.
    #[command(subcommand)]
    Charts(charts::ChartsCmd),
    /// Legal holds: place, release, list (a hold blocks archival and destruction).
    #[command(subcommand)]
    Hold(holds::HoldCmd),
    /// Retention: the schedule in force and which charts may be archived or destroyed.
    #[command(subcommand)]
    Retention(retention::RetentionCmd),
    /// Back up the whole store (online, consistent), compressed and sealed under a key you keep.
    Backup(backup::BackupArgs),
    /// Restore a backup into a new data directory (--data-dir), checking it before it is
    /// put in place: integrity, foreign keys, every table's rows, the audit chain.
    Restore(backup::RestoreArgs),
    /// Serve the JSON API (127.0.0.1:8080 by default).
    Serve(Box<serve::ServeArgs>),
    /// Listen for HL7 v2 messages over MLLP (127.0.0.1:2575 by default).
    Mllp(mllp::MllpArgs),
    /// Claims: build one, write the 837P of finished encounters, post an 835.
    #[command(subcommand)]
    Claims(claims::ClaimsCmd),
    /// HL7 v2 messages: `hl7 vxu PATIENT` prints an immunization update for registries.
    #[command(subcommand)]
    Hl7(hl7::Hl7Cmd),
    /// Check the files in DIR against the SHA-256 manifest beside them (manifest.sha256,
    /// written with every export; `sha256sum -c` reads it too); exit 1 naming each file
    /// that is missing or differs.
    VerifyManifest {
        /// The directory holding the files and their manifest.
        dir: std::path::PathBuf,
    },
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result<()> {
    let Cli {
        storage,
        json,
        command,
    } = cli;
    match command {
        Command::Init { demo, seed } => {
            let store = storage.open()?;
            crate::say!(
                "Records store ready at {} (schema version {}).",
                store.location().label(),
                store.schema_version()?
            );
            if store.security(|s| s.users())?.is_empty() {
                crate::say!(
                    "No users yet: create the first administrator with `chartroom user add NAME --admin`."
                );
            }
            if let Some(patients) = demo {
                demo::run(
                    &store,
                    &audited::CliAuditor::open(&storage)?,
                    &demo::DemoArgs {
                        patients,
                        seed,
                        as_of: None,
                        outbreaks: false,
                        duplicates: 0.0,
                        truth: None,
                    },
                    json,
                )?;
            }
            Ok(())
        }
        Command::Demo(mut args) => {
            // The truth beside the store it describes, never in whatever directory the
            // command happened to run from.
            args.truth
                .get_or_insert_with(|| storage.data_dir.join("demo-duplicates.csv"));
            demo::run(
                &storage.open()?,
                &audited::CliAuditor::open(&storage)?,
                &args,
                json,
            )
        }
        Command::Import(args) => import::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            &args,
            json,
        ),
        Command::Export(args) => export::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            &args,
            json,
        ),
        Command::Patient(cmd) => patient::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            cmd,
            json,
        ),
        Command::User(cmd) => user::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            cmd,
            json,
        ),
        Command::Audit(cmd) => audit::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            &storage.data_dir,
            cmd,
            json,
        ),
        Command::Charts(cmd) => charts::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            cmd,
            json,
        ),
        Command::Hold(cmd) => holds::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            cmd,
            json,
        ),
        Command::Retention(cmd) => retention::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            &storage.data_dir,
            cmd,
            json,
        ),
        Command::Backup(args) => backup::backup(&storage, &args, json),
        Command::Restore(args) => backup::restore(&storage, &args, json),
        Command::Serve(args) => serve::run(&storage, &args),
        Command::Mllp(args) => mllp::run(&storage, &args),
        Command::Claims(cmd) => claims::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            &storage.data_dir,
            cmd,
        ),
        Command::Hl7(cmd) => hl7::run(&storage.open()?, &audited::CliAuditor::open(&storage)?, cmd),
        Command::Stats => stats::run(&storage.open()?, json),
        // A delivery is checked before (and without) any store.
        Command::VerifyManifest { dir } => manifest::verify(&dir, json),
        // The evaluation touches no store, so it runs where none exists yet.
        Command::Mpi(cmd @ mpi::MpiCmd::Evaluate { .. }) => mpi::run_evaluate(cmd),
        Command::Mpi(cmd) => mpi::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            cmd,
            json,
        ),
        Command::Query(cmd) => query::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            cmd,
            json,
        ),
        Command::Codes(cmd) => codes::run(cmd, json, &storage),
        Command::Roi(cmd) => roi::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            &storage.data_dir,
            cmd,
            json,
        ),
        Command::Disclosures { patient } => roi::run_accounting(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            &patient,
            json,
        ),
        Command::Consent(cmd) => roi::run_consent(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            cmd,
            json,
        ),
        Command::Report(args) => report::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            &storage.data_dir,
            args,
            json,
        ),
        Command::Surveillance(args) => surveillance::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            &storage.data_dir,
            args,
            json,
        ),
        Command::Documents(cmd) => documents::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            &storage.data_dir,
            cmd,
            json,
        ),
        Command::Dictation(cmd) => dictation::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            &storage.data_dir,
            cmd,
            json,
        ),
        Command::Review(cmd) => review::run(
            &storage.open()?,
            &audited::CliAuditor::open(&storage)?,
            &storage.data_dir,
            cmd,
            json,
        ),
    }
}

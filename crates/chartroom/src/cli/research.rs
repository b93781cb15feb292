//! `chartroom roi extract` and `chartroom roi dua`: research extracts from a terminal.
//! An extract is de-identified by Safe Harbor or is a limited data set under a recorded
//! data use agreement, checked for k-anonymity over the chosen quasi-identifiers, and
//! written as a directory: the data (`extract.csv` or `extract.ndjson`), `report.json`
//! (what was removed and generalised, the classes under k, the data's SHA-256) and the
//! manifest of both. The files are written inside the audited transaction: one that cannot
//! be written leaves no audit entry and no half directory behind.

use crate::cli::audited::CliAuditor;
use crate::output;
use anyhow::{Context, Result};
use disclosures::{ExtractOptions, Format, Method, Table};
use privacy::Action;
use records::DataUseAgreement;
use std::path::{Path, PathBuf};
use store::Store;
use time::Date;

fn format(text: &str) -> Result<Format, String> {
    Format::parse(text).ok_or_else(|| format!("\"{text}\" is not csv or ndjson"))
}

fn table(text: &str) -> Result<Table, String> {
    Table::parse(text).ok_or_else(|| {
        format!("\"{text}\" is not one of procedures, results, medications, immunizations")
    })
}

/// `chartroom roi extract`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("method").required(true).args(["safe_harbor", "limited"])))]
pub struct ExtractArgs {
    /// De-identify by HIPAA Safe Harbor (164.514(b)(2)): identifiers removed, dates to the
    /// year, ages over 89 as 90+, ZIP to three digits (000 where 20,000 or fewer live).
    #[arg(long)]
    safe_harbor: bool,
    /// With --safe-harbor: shift each patient's dates by one random offset (1 to 365 days
    /// either way, drawn for this extract and kept by no one) instead of cutting them to
    /// the year.
    #[arg(long, requires = "safe_harbor")]
    shift_dates: bool,
    /// A limited data set (164.514(e)): direct identifiers removed, dates, town and ZIP
    /// kept; needs --dua.
    #[arg(long, requires = "dua")]
    limited: bool,
    /// The data use agreement a limited data set goes under (`chartroom roi dua add`).
    #[arg(long, value_name = "ID")]
    dua: Option<i64>,
    /// The smallest class allowed over the quasi-identifiers (1: no check).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    k: u32,
    /// The quasi-identifiers, comma-separated columns (default age_band,sex,zip3 for Safe
    /// Harbor, age_band,sex,zip for a limited data set).
    #[arg(long, value_delimiter = ',')]
    quasi: Vec<String>,
    /// Drop the records of classes under k instead of refusing the extract.
    #[arg(long)]
    suppress: bool,
    /// csv or ndjson.
    #[arg(long, default_value = "csv", value_parser = format)]
    format: Format,
    /// The chart's other tables to add, comma-separated (procedures, results, medications,
    /// immunizations): a file each, keyed by research id, coded columns only.
    #[arg(long, value_delimiter = ',', value_parser = table)]
    tables: Vec<Table>,
    /// The directory to write (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// `chartroom roi dua ...`.
#[derive(Debug, clap::Subcommand)]
pub enum DuaCmd {
    /// Record a data use agreement (164.514(e)(4)).
    Add {
        /// Who receives the data.
        #[arg(long)]
        recipient: String,
        /// Their organisation.
        #[arg(long)]
        organization: Option<String>,
        /// What the data may be used for.
        #[arg(long)]
        purpose: String,
        /// The day it was signed (default today).
        #[arg(long, value_parser = super::roi::date)]
        signed: Option<Date>,
        /// Its last day.
        #[arg(long, value_parser = super::roi::date)]
        expires: Date,
        /// A note (study number, IRB).
        #[arg(long)]
        note: Option<String>,
    },
    /// The agreements on file, newest first.
    List,
}

const REPORT_FILE: &str = "report.json";

fn write_files(out: &Path, extract: &disclosures::Extract) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let data = out.join(extract.report.file);
    std::fs::write(&data, &extract.data)
        .map_err(|e| format!("cannot write {}: {e}", data.display()))?;
    let report = serde_json::to_vec_pretty(&extract.report).map_err(|e| e.to_string())?;
    let path = out.join(REPORT_FILE);
    std::fs::write(&path, report).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    for (name, bytes) in &extract.table_files {
        let path = out.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let mut names = vec![extract.report.file, REPORT_FILE];
    names.extend(extract.table_files.iter().map(|(name, _)| name.as_str()));
    manifest::record(out, &names).map_err(|e| e.to_string())?;
    Ok(())
}

fn remove_files(out: &Path) {
    for name in [
        Format::Csv.file_name(),
        Format::Ndjson.file_name(),
        REPORT_FILE,
    ] {
        let _ = std::fs::remove_file(out.join(name));
    }
    for table in Table::ALL {
        for format in [Format::Csv, Format::Ndjson] {
            let _ = std::fs::remove_file(out.join(table.file_name(format)));
        }
    }
}

/// Runs `chartroom roi extract`.
pub fn run_extract(
    store: &Store,
    auditor: &CliAuditor,
    args: ExtractArgs,
    json: bool,
) -> Result<()> {
    let who = auditor.event(store, Action::Read);
    let mut seed = [0u8; 8];
    getrandom::fill(&mut seed)
        .map_err(|e| anyhow::anyhow!("no randomness for the row order: {e}"))?;
    let options = ExtractOptions {
        method: if args.limited {
            Method::Limited
        } else if args.shift_dates {
            Method::ShiftedDates
        } else {
            Method::SafeHarbor
        },
        dua: args.dua,
        k: args.k as usize,
        quasi: args.quasi,
        suppress: args.suppress,
        format: args.format,
        seed: u64::from_le_bytes(seed),
        tables: args.tables,
    };
    let out = args.out;
    let existed = out.join(options.format.file_name()).exists();
    if existed {
        anyhow::bail!(
            "{} holds an extract already; choose an empty --out directory",
            out.display()
        );
    }
    let written = auditor.trail().write(store, |a| {
        let extract = disclosures::research_extract(a, &who, &options)?;
        write_files(&out, &extract).map_err(store::Error::Conflict)?;
        Ok(extract)
    });
    let extract = match written {
        Ok(extract) => extract,
        Err(error) => {
            remove_files(&out);
            return Err(error.into());
        }
    };
    let report = &extract.report;
    if json {
        return output::json(report);
    }
    crate::say!(
        "{} extract of {} records in {} ({}, sha256 {}).",
        report.method.name(),
        report.records,
        out.display(),
        report.file,
        report.sha256
    );
    if let Some(dua) = &report.dua {
        crate::say!(
            "Under {} to {} for {}, in force until {}.",
            dua.number,
            dua.recipient,
            dua.purpose,
            dua.expires_on
        );
    }
    crate::say!(
        "k = {} over {}: smallest class {}, {} classes; {} records in {} classes under k suppressed.",
        report.k,
        report.quasi_identifiers.join(","),
        report.smallest_class,
        report.classes,
        report.suppressed_records,
        report.n_classes_under_k
    );
    if report.withheld_diagnoses > 0 {
        crate::say!(
            "{} diagnoses of 42 CFR Part 2 programs left out.",
            report.withheld_diagnoses
        );
    }
    for t in &report.tables {
        crate::say!(
            "{}: {} rows (sha256 {}){}{}{}.",
            t.file,
            t.records,
            t.sha256,
            if t.suppressed > 0 {
                format!("; {} of suppressed patients left out", t.suppressed)
            } else {
                String::new()
            },
            if t.withheld_part2 > 0 {
                format!("; {} of 42 CFR Part 2 programs left out", t.withheld_part2)
            } else {
                String::new()
            },
            if t.free_text_dropped > 0 {
                format!("; {} free-text results left out", t.free_text_dropped)
            } else {
                String::new()
            },
        );
    }
    crate::say!("Report: {}", out.join(REPORT_FILE).display());
    Ok(())
}

/// Runs `chartroom roi dua ...`.
pub fn run_dua(store: &Store, auditor: &CliAuditor, cmd: DuaCmd, json: bool) -> Result<()> {
    let who = auditor.event(store, Action::Read);
    match cmd {
        DuaCmd::Add {
            recipient,
            organization,
            purpose,
            signed,
            expires,
            note,
        } => {
            let dua = DataUseAgreement {
                recipient,
                organization,
                purpose,
                signed_on: signed.unwrap_or(who.at.date()),
                expires_on: expires,
                note,
                recorded_by: who.user.clone(),
            };
            let stored = auditor
                .trail()
                .write(store, |a| Ok(disclosures::add_dua(a, &who, dua)?))
                .context("recording the data use agreement")?;
            if json {
                return output::json(&stored);
            }
            crate::say!(
                "{} recorded: {} until {}. Next: chartroom roi extract --limited --dua {} --out DIR",
                DataUseAgreement::number(stored.meta.id),
                stored.record.recipient,
                stored.record.expires_on,
                stored.meta.id
            );
            Ok(())
        }
        DuaCmd::List => {
            let all = store.read(|tx| Ok(disclosures::duas(tx)?))?;
            if json {
                return output::json(&all);
            }
            let today = who.at.date();
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|d| {
                    let r = &d.record;
                    vec![
                        DataUseAgreement::number(d.meta.id),
                        match &r.organization {
                            Some(org) => format!("{} ({org})", r.recipient),
                            None => r.recipient.clone(),
                        },
                        r.purpose.clone(),
                        format!("{} to {}", r.signed_on, r.expires_on),
                        if r.in_force(today) {
                            "in force"
                        } else {
                            "not in force"
                        }
                        .to_owned(),
                    ]
                })
                .collect();
            output::table(
                &["agreement", "recipient", "purpose", "dates", "status"],
                &rows,
            );
            Ok(())
        }
    }
}

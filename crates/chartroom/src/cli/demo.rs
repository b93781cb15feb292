//! `chartroom demo`: a synthetic population for trying Chartroom out, tests and benchmarks.

use super::audited::CliAuditor;
use crate::output;
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use store::Store;
use time::Date;

/// Options for `chartroom demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// How many patients to generate.
    #[arg(long, default_value_t = 1000)]
    pub patients: u32,
    /// Seed: the same seed gives the same population.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The "today" of the population (YYYY-MM-DD); history runs three years back from it.
    /// Defaults to today.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
    /// Also plant outbreaks for surveillance to find: a gastrointestinal cluster in the
    /// ZIP3 with the most patients on the five days ending three days before --as-of, and
    /// an influenza wave everywhere peaking five weeks before it.
    #[arg(long)]
    pub outbreaks: bool,
}

pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    store::Value::Text(text.to_owned())
        .as_date()
        .ok_or_else(|| format!("\"{text}\" is not a date (YYYY-MM-DD)"))
}

pub fn run(store: &Store, auditor: &CliAuditor, args: &DemoArgs, json: bool) -> Result<()> {
    auditor.bulk_write(
        store,
        &format!(
            "demo population of {} synthetic patients (seed {}) started",
            args.patients, args.seed
        ),
    )?;
    let as_of = args.as_of.unwrap_or_else(|| store.clock().now().date());
    let bar = ProgressBar::new(u64::from(args.patients));
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:12} [{bar:40}] {pos}/{len} patients  {per_sec}  eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar.set_message("generating");
    let started = std::time::Instant::now();
    let options = demo::DemoOptions {
        patients: args.patients,
        seed: args.seed,
        as_of,
        batch_size: 500,
    };
    // Each committed batch is an entry naming its patients and sealing what it created
    // (each record's SHA-256), as an import's are: a demo population is written into a
    // real store.
    let audited =
        auditor.auditing_generated_writes(store, &format!("demo population (seed {})", args.seed));
    let report = demo::generate(store, &options, &mut |done| {
        bar.set_position(u64::from(done))
    })
    .context("generating the demo population")?;
    // The planted outbreaks' visits are sealed the same way.
    let planted = if args.outbreaks {
        demo::outbreaks::plant(store, as_of, args.seed).context("planting the outbreaks")?
    } else {
        None
    };
    drop(audited);
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let counts = [
        ("patients", report.patients),
        ("encounters", report.encounters),
        ("diagnoses", report.diagnoses),
        ("procedures", report.procedures),
        ("immunizations", report.immunizations),
        ("observations", report.observations),
        ("notes", report.notes),
        ("unsigned notes", report.unsigned_notes),
        ("charges", report.charges),
        ("postings", report.postings),
    ];
    auditor.bulk_write(
        store,
        &format!(
            "demo population stored: {} patients, {} encounters, {} notes (seed {}){}",
            report.patients,
            report.encounters,
            report.notes,
            args.seed,
            planted.as_ref().map_or_else(String::new, |p| format!(
                ", outbreaks planted: {} encounters",
                p.encounters
            ))
        ),
    )?;
    if json {
        let generated: serde_json::Map<String, serde_json::Value> = counts
            .iter()
            .map(|(name, n)| ((*name).to_owned(), serde_json::json!(n)))
            .collect();
        return output::json(&serde_json::json!({
            "seconds": seconds,
            "seed": args.seed,
            "as_of": as_of.to_string(),
            "generated": generated,
            "outbreaks": planted.as_ref().map(|p| serde_json::json!({
                "gi_zip3": p.gi_zip3,
                "gi_days": p.gi_days.iter().map(|(d, n)| serde_json::json!({"day": d.to_string(), "visits": n})).collect::<Vec<_>>(),
                "flu_peak": p.flu_peak.to_string(),
                "flu_visits": p.flu_days.iter().map(|(_, n)| u64::from(*n)).sum::<u64>(),
                "encounters": p.encounters,
            })),
        }));
    }
    crate::say!(
        "Generated {} synthetic patients (seed {}, as of {as_of}) in {seconds:.1} s: {:.0} patients/s.",
        output::count(report.patients),
        args.seed,
        report.patients as f64 / seconds.max(1e-9)
    );
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|(name, n)| vec![(*name).to_owned(), output::count(*n)])
        .collect();
    output::table(&["generated", "count"], &rows);
    if let Some(p) = &planted {
        let (first, last) = (
            p.gi_days.first().map(|d| d.0),
            p.gi_days.last().map(|d| d.0),
        );
        crate::say!(
            "Outbreaks planted ({} encounters): gastrointestinal cluster in ZIP3 {} from {} to {} ({} visits); influenza wave everywhere peaking {} ({} visits).",
            p.encounters,
            p.gi_zip3,
            first.map_or_else(String::new, |d| d.to_string()),
            last.map_or_else(String::new, |d| d.to_string()),
            p.gi_days.iter().map(|d| d.1).sum::<u32>(),
            p.flu_peak,
            p.flu_days.iter().map(|d| d.1).sum::<u32>()
        );
    }
    Ok(())
}

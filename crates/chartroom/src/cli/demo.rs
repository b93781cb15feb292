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
    /// Share of the new patients registered a second time the way it happens at the desk
    /// (typos, nicknames, given and family swapped, transposed dates, a married name, a
    /// move); a full match then fills the duplicate queue and keeps the model.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    pub duplicates: f64,
    /// Where the truth of the planted duplicates is written (CSV: which chart duplicates
    /// which, and how it differs); `demo-duplicates.csv` in the data directory when absent.
    #[arg(long, value_name = "FILE")]
    pub truth: Option<std::path::PathBuf>,
}

pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    store::Value::Text(text.to_owned())
        .as_date()
        .ok_or_else(|| format!("\"{text}\" is not a date (YYYY-MM-DD)"))
}

pub fn run(store: &Store, auditor: &CliAuditor, args: &DemoArgs, json: bool) -> Result<()> {
    if !(0.0..=0.5).contains(&args.duplicates) {
        anyhow::bail!(
            "--duplicates: {} is not a share between 0 and 0.5",
            args.duplicates
        );
    }
    let first_new = store.read(|tx| {
        Ok(tx
            .query(
                "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM patients",
                &[],
            )?
            .first()
            .map_or(0, |row| row.int(0)))
    })?;
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
    let duplicated = if args.duplicates > 0.0 {
        Some(plant_duplicates(store, auditor, args, first_new)?)
    } else {
        None
    };
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
            "duplicates": duplicated,
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
    if let Some(planted) = duplicated {
        crate::say!(
            "\nPlanted {} duplicate registrations (truth in {}); a full match of {} patients queued {} pairs ({} to link, {} to review); {} of the planted pairs are in the queue.",
            output::count(planted.planted),
            planted.truth,
            output::count(planted.matched),
            output::count(planted.queued),
            output::count(planted.to_link),
            output::count(planted.to_review),
            output::count(planted.found)
        );
    }
    Ok(())
}

/// What `--duplicates` planted and what the match made of it.
#[derive(Debug, serde::Serialize)]
struct Duplicated {
    planted: u64,
    truth: String,
    matched: u64,
    queued: u64,
    to_link: u64,
    to_review: u64,
    /// Planted pairs the queue holds.
    found: u64,
}

/// Registers a share of the patients generated (ids above `first_new`) a second time, the
/// way duplicates happen, writes the truth, then matches everyone and keeps the pairs and
/// the model, so the duplicate queue has work in it.
fn plant_duplicates(
    store: &Store,
    auditor: &CliAuditor,
    args: &DemoArgs,
    first_new: i64,
) -> Result<Duplicated> {
    let originals: Vec<store::Stored<records::Patient>> = store
        .read(mpi::patients_on_file)?
        .into_iter()
        .filter(|p| p.meta.id > first_new)
        .collect();
    let records: Vec<records::Patient> = originals.iter().map(|p| p.record.clone()).collect();
    let duplicates = mpi::planted::duplicates_of(&records, args.duplicates, args.seed ^ 0x22);
    let actor = store::Actor::new(demo::ACTOR);
    // Sealed like the population they duplicate: one entry naming the charts and each
    // record's SHA-256.
    let audited = auditor.auditing_generated_writes(
        store,
        &format!("demo duplicate registrations (seed {})", args.seed),
    );
    let written: Vec<(i64, String, i64, String, String)> = store.write(|tx| {
        let mut written = Vec::with_capacity(duplicates.len());
        for (idx, patient, changes) in &duplicates {
            let Some(original) = originals.get(*idx) else {
                continue;
            };
            let mut patient = patient.clone();
            patient.mrn = tx.assign_mrn()?;
            let stored = tx.create(&actor, &patient)?;
            let changes: Vec<&str> = changes.iter().map(|c| c.label()).collect();
            written.push((
                stored.meta.id,
                stored.record.mrn.to_string(),
                original.meta.id,
                original.record.mrn.to_string(),
                changes.join("; "),
            ));
        }
        Ok(written)
    })?;
    drop(audited);
    auditor.bulk_write(
        store,
        &format!(
            "demo: {} duplicate registrations planted (seed {})",
            written.len(),
            args.seed
        ),
    )?;
    let truth = args
        .truth
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from("demo-duplicates.csv"));
    let mut out = csv::Writer::from_path(&truth)
        .with_context(|| format!("writing the truth to {}", truth.display()))?;
    out.write_record([
        "duplicate_id",
        "duplicate_mrn",
        "original_id",
        "original_mrn",
        "changes",
    ])?;
    for (id, mrn, original_id, original_mrn, changes) in &written {
        out.write_record([
            id.to_string().as_str(),
            mrn,
            original_id.to_string().as_str(),
            original_mrn,
            changes,
        ])?;
    }
    out.flush()?;
    // A demo population is small: no more random pairs for u than it has pairs, about.
    let mut settings = mpi::Settings::embedded()?;
    let n = (originals.len() + written.len()) as u64;
    settings.training.random_pairs = settings.training.random_pairs.min((n * n).max(100_000));
    let matched = super::mpi::full_match(store, auditor, &settings, true)?;
    let queued: std::collections::HashSet<(i64, i64)> = matched
        .run
        .pairs
        .iter()
        .filter_map(|(candidate, _)| {
            let a = matched.patients.get(candidate.a as usize)?.meta.id;
            let b = matched.patients.get(candidate.b as usize)?.meta.id;
            Some((a.min(b), a.max(b)))
        })
        .collect();
    let found = written
        .iter()
        .filter(|(id, _, original, _, _)| queued.contains(&(*id.min(original), *id.max(original))))
        .count();
    Ok(Duplicated {
        planted: written.len() as u64,
        truth: truth.display().to_string(),
        matched: matched.patients.len() as u64,
        queued: queued.len() as u64,
        to_link: matched.run.count(mpi::Class::AutoLink) as u64,
        to_review: matched.run.count(mpi::Class::Review) as u64,
        found: found as u64,
    })
}

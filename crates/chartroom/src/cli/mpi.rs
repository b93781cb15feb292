//! `chartroom mpi`: the master patient index from a terminal: a full match of the patients
//! on file (the pairs to link and to review, and the weights the data gave), and the
//! planted-duplicate evaluation that measures it.

use crate::cli::audited::CliAuditor;
use crate::output;
use anyhow::{Context, Result};
use clap::Subcommand;
use mpi::{Class, MatchRun, Nicknames, Settings};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;
use store::Store;

#[derive(Debug, Subcommand)]
pub enum MpiCmd {
    /// Match every patient on file against the others: pairs to link automatically and
    /// pairs to review, most probable first (nothing is merged).
    Match {
        /// Settings file (TOML); the shipped settings when absent.
        #[arg(long, value_name = "FILE")]
        settings: Option<PathBuf>,
        /// Most pairs listed.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Also print the estimated m and u of every level, as TOML.
        #[arg(long)]
        model: bool,
        /// Keep the pairs in the duplicate queue (new pairs open, open ones rescored,
        /// decided ones left as decided) and the estimated model, which registration then
        /// scores new patients with.
        #[arg(long)]
        save: bool,
    },
    /// The duplicate queue: pairs waiting for a decision, most probable first, with both
    /// charts' encounter counts.
    Queue {
        /// Which pairs: waiting (open and needing information), open, needs-info,
        /// duplicate, not-duplicate, merged.
        #[arg(long, default_value = "waiting")]
        status: String,
        /// Most pairs listed.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// One pair side by side: every field, each comparison's weight, the decisions so far.
    Show {
        /// The pair's number (from `mpi queue`).
        pair: i64,
    },
    /// Decide a pair: duplicate (same person), not-duplicate (never proposed again) or
    /// needs-info.
    Decide {
        /// The pair's number.
        pair: i64,
        /// duplicate, not-duplicate or needs-info.
        decision: String,
        /// Why (kept with the decision and in the audit trail).
        #[arg(long)]
        reason: String,
    },
    /// Merge a chart into another: every record of the retired chart moves to the
    /// surviving one, and the retired MRN still finds it.
    Merge {
        /// The chart that stays (record id or MRN).
        surviving: String,
        /// The chart retired into it (record id or MRN).
        retired: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Undo a merge: every record it moved goes back and the retired chart is restored.
    Unmerge {
        /// The merge's number (printed by `mpi merge`, listed by `mpi stats`).
        merge: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// The index's figures: queue size and age, estimated duplicate rate, decisions,
    /// merges per month and the latest merges.
    Stats,
    /// Plant duplicates and twins in a synthetic population (never real patients), match
    /// it, and report precision and recall against the truth; the store is not touched.
    Evaluate {
        /// Records in the synthetic population.
        #[arg(long, default_value_t = 100_000)]
        patients: usize,
        /// Share of records that are planted duplicates.
        #[arg(long, default_value_t = 0.05)]
        duplicates: f64,
        /// Seed of the population.
        #[arg(long, default_value_t = 22)]
        seed: u64,
        /// Settings file (TOML); the shipped settings when absent.
        #[arg(long, value_name = "FILE")]
        settings: Option<PathBuf>,
        /// Also print the estimated m and u of every level, as TOML.
        #[arg(long)]
        model: bool,
    },
}

fn settings(path: Option<&PathBuf>) -> Result<Settings> {
    Ok(match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Settings::parse(&path.display().to_string(), &text)?
        }
        None => Settings::embedded()?,
    })
}

#[derive(Serialize)]
struct PairOut {
    class: Class,
    probability: f64,
    weight: f64,
    a: PatientOut,
    b: PatientOut,
    contributions: Vec<mpi::Contribution>,
}

#[derive(Serialize)]
struct PatientOut {
    id: i64,
    mrn: String,
    name: String,
    birth_date: String,
}

pub fn run(store: &Store, auditor: &CliAuditor, cmd: MpiCmd, json: bool) -> Result<()> {
    match cmd {
        MpiCmd::Match {
            settings: path,
            limit,
            model,
            save,
        } => {
            let settings = settings(path.as_ref())?;
            let Matched {
                patients,
                run,
                elapsed,
                saved,
            } = full_match(store, auditor, &settings, save)?;
            let out: Vec<PairOut> = run
                .pairs
                .iter()
                .take(limit)
                .filter_map(|(candidate, scored)| {
                    let person = |idx: u32| {
                        patients.get(idx as usize).map(|p| PatientOut {
                            id: p.meta.id,
                            mrn: p.record.mrn.to_string(),
                            name: p.record.display_name(),
                            birth_date: p.record.birth_date.to_string(),
                        })
                    };
                    Some(PairOut {
                        class: scored.class,
                        probability: scored.probability,
                        weight: scored.weight,
                        a: person(candidate.a)?,
                        b: person(candidate.b)?,
                        contributions: run.model.explain(candidate.vector),
                    })
                })
                .collect();
            let shown: Vec<i64> = out.iter().flat_map(|pair| [pair.a.id, pair.b.id]).collect();
            auditor.shown(
                store,
                &shown,
                &[privacy::DataCategory::Demographics],
                "patient index: candidate pairs listed",
            )?;
            if json {
                return output::json(&out);
            }
            summary(&run, patients.len(), elapsed);
            if let Some((saved, model)) = saved {
                crate::say!(
                    "Duplicate queue: {} pairs added, {} rescored, {} already decided.\nModel {model} kept: registration scores new patients with it.\n",
                    saved.added,
                    saved.rescored,
                    saved.already_decided
                );
            }
            let rows: Vec<Vec<String>> = out
                .iter()
                .map(|pair| {
                    vec![
                        class_label(pair.class).to_owned(),
                        format!("{:.4}", pair.probability),
                        format!("{} {} ({})", pair.a.mrn, pair.a.name, pair.a.birth_date),
                        format!("{} {} ({})", pair.b.mrn, pair.b.name, pair.b.birth_date),
                    ]
                })
                .collect();
            output::table(&["class", "probability", "patient", "may be"], &rows);
            if model {
                crate::say!("\n{}", run.model.to_toml());
            }
            Ok(())
        }
        MpiCmd::Evaluate { .. } => run_evaluate(cmd),
        other => crate::cli::mpi_work::run(store, auditor, other, json),
    }
}

/// A full match of the patients on file.
pub struct Matched {
    /// The patients matched, in the run's order.
    pub patients: Vec<store::Stored<records::Patient>>,
    /// What the match found.
    pub run: MatchRun,
    /// How long matching took.
    pub elapsed: std::time::Duration,
    /// When kept: what the queue took, and the kept model's number.
    pub saved: Option<(store::SavedPairs, i64)>,
}

/// Matches every patient on file (audited as a read of every patient's demographics) and,
/// when `save`, keeps the pairs in the duplicate queue and the model for registration.
pub fn full_match(
    store: &Store,
    auditor: &CliAuditor,
    settings: &Settings,
    save: bool,
) -> Result<Matched> {
    auditor.matching(store, "patient index: full match of every patient on file")?;
    let started = Instant::now();
    let patients = store.read_beside_writers(mpi::patients_on_file)?;
    let run = mpi::match_all(&mpi::persons_of(&patients, Nicknames::shared()), settings);
    let elapsed = started.elapsed();
    let saved = if save {
        let by = format!("mpi:{}", auditor.user());
        // The queue's rows and the model are the index's work, not records: the entry, in
        // the same transaction, says what the save changed.
        Some(auditor.trail().write(store, |audited| {
            let saved = mpi::save_run(&mut audited.records(), &run, &patients)?;
            let model =
                mpi::save_model(&mut audited.records(), &run, settings, patients.len(), &by)?;
            let event = auditor
                .event(store, privacy::Action::Update)
                .categories(&[privacy::DataCategory::Demographics])
                .reason(&format!(
                    "patient index: duplicate queue saved: {} pairs added, {} rescored, {} already decided; model {model} kept",
                    saved.added, saved.rescored, saved.already_decided
                ));
            audited.append(&event)?;
            Ok((saved, model))
        })?)
    } else {
        None
    };
    Ok(Matched {
        patients,
        run,
        elapsed,
        saved,
    })
}

/// The planted-duplicate evaluation: synthetic records only, no store.
pub fn run_evaluate(cmd: MpiCmd) -> Result<()> {
    let MpiCmd::Evaluate {
        patients,
        duplicates,
        seed,
        settings: path,
        model,
    } = cmd
    else {
        anyhow::bail!("not an evaluation");
    };
    if !(0.0..0.9).contains(&duplicates) {
        anyhow::bail!("--duplicates: {duplicates} is not a share between 0 and 0.9");
    }
    let settings = settings(path.as_ref())?;
    let population = mpi::planted::planted(patients, duplicates, seed);
    let started = Instant::now();
    let run = mpi::match_all(&population.persons(&Nicknames::embedded()?), &settings);
    let elapsed = started.elapsed();
    summary(&run, patients, elapsed);
    crate::say!("{}", mpi::evaluate(&run, &population));
    if model {
        crate::say!("{}", run.model.to_toml());
    }
    Ok(())
}

fn class_label(class: Class) -> &'static str {
    match class {
        Class::AutoLink => "link",
        Class::Review => "review",
        Class::NonMatch => "non-match",
    }
}

fn summary(run: &MatchRun, n_patients: usize, elapsed: std::time::Duration) {
    crate::say!(
        "{} patients matched in {:.1?}: {} pairs compared, {} to link, {} to review ({} blocks over the size limit skipped).\n",
        output::count(n_patients as u64),
        elapsed,
        output::count(run.n_compared),
        output::count(run.count(Class::AutoLink) as u64),
        output::count(run.count(Class::Review) as u64),
        run.n_blocks_skipped
    );
}

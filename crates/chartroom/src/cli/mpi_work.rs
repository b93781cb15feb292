//! `chartroom mpi queue|show|decide|merge|unmerge|stats`: the duplicate work a health
//! information technician does from a terminal. Each listing is audited as a read of the
//! patients shown; each decision, merge and unmerge is written with its audit entry in one
//! transaction.

use crate::cli::audited::CliAuditor;
use crate::cli::mpi::MpiCmd;
use crate::output;
use anyhow::{Context, Result, bail};
use mpi::PairView;
use privacy::{Action, DataCategory};
use store::{Actor, PairDecision, Store};

/// The statuses a `--status` word stands for.
fn statuses(word: &str) -> Result<Vec<&'static str>> {
    Ok(match word.trim().replace('_', "-").as_str() {
        "waiting" => vec!["open", "needs_info"],
        "open" => vec!["open"],
        "needs-info" => vec!["needs_info"],
        "duplicate" => vec!["duplicate"],
        "not-duplicate" => vec!["not_duplicate"],
        "merged" => vec!["merged"],
        other => bail!(
            "--status: \"{other}\" is not one of waiting, open, needs-info, duplicate, not-duplicate, merged"
        ),
    })
}

fn chart(view: &PairView, a: bool) -> String {
    let (patient, encounters) = if a {
        (&view.a, view.encounters.0)
    } else {
        (&view.b, view.encounters.1)
    };
    format!(
        "{} {} ({}), {} encounters",
        patient.record.mrn,
        patient.record.display_name(),
        patient.record.birth_date,
        encounters
    )
}

fn actor(auditor: &CliAuditor) -> Actor {
    Actor::new(format!("mpi:{}", auditor.user()))
}

pub fn run(store: &Store, auditor: &CliAuditor, cmd: MpiCmd, json: bool) -> Result<()> {
    match cmd {
        MpiCmd::Queue { status, limit } => {
            let statuses = statuses(&status)?;
            let views = store.read(|tx| mpi::queue(tx, &statuses, limit))?;
            let shown: Vec<i64> = views.iter().flat_map(PairView::patient_ids).collect();
            auditor.shown(
                store,
                &shown,
                &[DataCategory::Demographics, DataCategory::Encounters],
                "patient index: duplicate queue listed",
            )?;
            if json {
                return output::json(&views);
            }
            let rows: Vec<Vec<String>> = views
                .iter()
                .map(|view| {
                    vec![
                        view.pair.id.to_string(),
                        view.pair.class.replace('_', " "),
                        format!("{:.4}", view.pair.probability),
                        view.pair.status.replace('_', " "),
                        chart(view, true),
                        chart(view, false),
                    ]
                })
                .collect();
            output::table(
                &[
                    "pair",
                    "class",
                    "probability",
                    "status",
                    "patient",
                    "may be",
                ],
                &rows,
            );
            Ok(())
        }
        MpiCmd::Show { pair } => {
            let view = store.read(|tx| {
                let pair = tx.candidate_pair(pair)?;
                mpi::pair_view(tx, pair)
            })?;
            auditor.shown(
                store,
                &view.patient_ids(),
                &[DataCategory::Demographics, DataCategory::Encounters],
                "patient index: pair compared side by side",
            )?;
            if json {
                return output::json(&view);
            }
            crate::say!(
                "Pair {}: {} at probability {:.4} (weight {:.2}), {}.\n",
                view.pair.id,
                view.pair.class.replace('_', " "),
                view.pair.probability,
                view.pair.weight,
                view.pair.status.replace('_', " ")
            );
            let mut rows: Vec<Vec<String>> = view
                .fields
                .iter()
                .map(|field| {
                    vec![
                        field.label.to_owned(),
                        field.a.clone(),
                        field.b.clone(),
                        if field.same { "" } else { "differs" }.to_owned(),
                    ]
                })
                .collect();
            rows.push(vec![
                "Encounters".into(),
                view.encounters.0.to_string(),
                view.encounters.1.to_string(),
                String::new(),
            ]);
            output::table(&["field", "patient", "may be", ""], &rows);
            let weights: Vec<Vec<String>> = view
                .pair
                .contributions
                .as_array()
                .map(|list| {
                    list.iter()
                        .map(|c| {
                            vec![
                                c["field"].as_str().unwrap_or_default().to_owned(),
                                c["level"].as_str().unwrap_or_default().to_owned(),
                                format!("{:+.2}", c["weight"].as_f64().unwrap_or_default()),
                            ]
                        })
                        .collect()
                })
                .unwrap_or_default();
            crate::say!("");
            output::table(&["comparison", "level", "weight"], &weights);
            for decision in &view.decisions {
                crate::say!(
                    "{} by {} on {}: {}",
                    decision.decision.replace('_', " "),
                    decision.decided_by,
                    decision.decided_at.date(),
                    decision.reason
                );
            }
            Ok(())
        }
        MpiCmd::Decide {
            pair,
            decision,
            reason,
        } => {
            let Some(decision) = PairDecision::parse(&decision) else {
                bail!("decision \"{decision}\" is not one of duplicate, not-duplicate, needs-info");
            };
            let event = auditor.event(store, Action::Update);
            let record = auditor
                .trail()
                .write(store, |audited| {
                    audited.decide_pair(pair, decision, &reason, event)
                })
                .with_context(|| format!("deciding pair {pair}"))?;
            if json {
                return output::json(&record);
            }
            crate::say!(
                "Pair {pair} decided {} (decision {}).",
                record.decision.replace('_', " "),
                record.id
            );
            Ok(())
        }
        MpiCmd::Merge {
            surviving,
            retired,
            reason,
        } => {
            let event = auditor.event(store, Action::Update);
            let actor = actor(auditor);
            let merge = auditor
                .trail()
                .write(store, |audited| {
                    let (keep, retire) = {
                        let mut tx = audited.records();
                        (
                            mpi::patient_by_reference(&mut tx, &surviving)?,
                            mpi::patient_by_reference(&mut tx, &retired)?,
                        )
                    };
                    audited.merge_patients(keep.meta.id, retire.meta.id, &reason, &actor, event)
                })
                .context("merging (nothing was changed)")?;
            if json {
                return output::json(&merge);
            }
            let moved: Vec<String> = merge
                .moved
                .iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect();
            crate::say!(
                "Merge {}: patient {} retired into patient {}; moved {}.",
                merge.id,
                merge.retired_id,
                merge.surviving_id,
                if moved.is_empty() {
                    "nothing".to_owned()
                } else {
                    moved.join(", ")
                }
            );
            Ok(())
        }
        MpiCmd::Unmerge { merge, reason } => {
            let event = auditor.event(store, Action::Update);
            let actor = actor(auditor);
            let undone = auditor
                .trail()
                .write(store, |audited| {
                    audited.unmerge_patients(merge, &reason, &actor, event)
                })
                .with_context(|| format!("undoing merge {merge} (nothing was changed)"))?;
            if json {
                return output::json(&undone);
            }
            crate::say!(
                "Merge {} undone: patient {} restored with every record the merge moved.",
                undone.id,
                undone.retired_id
            );
            Ok(())
        }
        MpiCmd::Stats => {
            let figures = store.patient_index_figures()?;
            let stats = mpi::stats(&figures, store.clock().now());
            let recent = store.read(|tx| tx.merges(10))?;
            auditor.matching(store, "patient index: figures read")?;
            if json {
                return output::json(&serde_json::json!({ "stats": stats, "merges": recent }));
            }
            crate::say!(
                "{} patients; {} pairs waiting ({} would link automatically, {} need information){}.",
                output::count(stats.n_patients as u64),
                stats.queue_size,
                stats.queue_auto_link,
                stats.needs_info,
                stats
                    .oldest_days
                    .map(|days| format!(", the oldest {days} days old"))
                    .unwrap_or_default()
            );
            crate::say!(
                "Estimated duplicates: {:.1} ({:.2}% of patients). Merges standing: {}, undone: {}.",
                stats.estimated_duplicates,
                stats.estimated_duplicate_rate * 100.0,
                stats.merges_standing,
                stats.merges_undone
            );
            let decisions: Vec<String> = stats
                .decisions
                .iter()
                .map(|(kind, n)| format!("{n} {}", kind.replace('_', " ")))
                .collect();
            crate::say!(
                "Decisions: {}.\n",
                if decisions.is_empty() {
                    "none".to_owned()
                } else {
                    decisions.join(", ")
                }
            );
            let months: Vec<Vec<String>> = stats
                .merges_by_month
                .iter()
                .map(|(month, n)| vec![month.clone(), n.to_string()])
                .collect();
            output::table(&["month", "merges"], &months);
            if !recent.is_empty() {
                crate::say!("");
                let rows: Vec<Vec<String>> = recent
                    .iter()
                    .map(|m| {
                        vec![
                            m.id.to_string(),
                            m.merged_at.date().to_string(),
                            m.surviving_id.to_string(),
                            m.retired_id.to_string(),
                            m.status.clone(),
                            m.reason.clone(),
                        ]
                    })
                    .collect();
                output::table(
                    &["merge", "on", "surviving", "retired", "status", "reason"],
                    &rows,
                );
            }
            Ok(())
        }
        MpiCmd::Match { .. } | MpiCmd::Evaluate { .. } => bail!("not a queue command"),
    }
}

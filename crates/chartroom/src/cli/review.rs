//! `chartroom review`: chart review from a terminal: run the rules over every chart, list
//! the work queue, assign, resolve and waive deficiencies, and show the rules in force.

use crate::cli::audited::CliAuditor;
use crate::output;
use anyhow::{Context, Result, bail};
use privacy::Action as AuditAction;
use records::{Deficiency, DeficiencyStatus};
use review::{Action, QueueQuery, RuleSet};
use std::path::{Path, PathBuf};
use store::{Actor, Store, Stored};

/// The facility's rules file, read from the data directory when present.
pub const RULES_FILE: &str = "review-rules.toml";

#[derive(Debug, clap::Subcommand)]
pub enum ReviewCmd {
    /// Review every chart: open deficiencies for what the rules find, resolve those whose
    /// cause is gone, reopen those that came back. Running it again changes nothing.
    Run {
        /// A facility rules file (default: review-rules.toml in the data directory, if any).
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
    },
    /// The work queue: open deficiencies, most urgent first.
    List {
        /// Only these statuses (open, assigned, queried, answered, resolved, waived).
        #[arg(long, value_name = "STATUS")]
        status: Vec<String>,
        /// Only this rule.
        #[arg(long, value_name = "RULE")]
        rule: Option<String>,
        /// Only those assigned to this user.
        #[arg(long, value_name = "USER")]
        assignee: Option<String>,
        /// Only this physician's (provider id).
        #[arg(long, value_name = "ID")]
        provider: Option<i64>,
        /// Only this patient's (patient id).
        #[arg(long, value_name = "ID")]
        patient: Option<i64>,
        /// Only those past their due time.
        #[arg(long)]
        delinquent: bool,
        /// Only those about an encounter of this hospital service (its start, ignoring
        /// case: surg finds surgery).
        #[arg(long, value_name = "SERVICE")]
        service: Option<String>,
        /// Only those about an encounter of this class (inpatient, outpatient, emergency,
        /// telehealth).
        #[arg(long, value_name = "CLASS")]
        class: Option<String>,
        /// Only those at least this many days old (since their clock started).
        #[arg(long, value_name = "DAYS")]
        min_age: Option<u32>,
        /// Only those at most this many days old.
        #[arg(long, value_name = "DAYS")]
        max_age: Option<u32>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// One deficiency: what, whose, who acts, by when, and every step of its history.
    Show {
        /// Deficiency id.
        id: i64,
    },
    /// Assign deficiencies to a user to chase.
    Assign {
        /// Deficiency ids.
        #[arg(required = true)]
        ids: Vec<i64>,
        /// The user.
        #[arg(long, value_name = "USER")]
        to: String,
    },
    /// Mark a deficiency resolved by hand (review reopens it if the chart still shows it).
    Resolve {
        /// Deficiency id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Set a deficiency aside, with the reason; review leaves it waived.
    Waive {
        /// Deficiency id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Ask the physician a query about a deficiency: the indicators quoted from the chart,
    /// a question that does not lead, and the answers offered (Other and Clinically
    /// undetermined are always added).
    Ask {
        /// Deficiency id.
        deficiency: i64,
        /// The question.
        #[arg(long)]
        question: String,
        /// A clinical indicator quoted from the chart (repeat for several).
        #[arg(long = "indicator", required = true, value_name = "TEXT")]
        indicators: Vec<String>,
        /// An answer to offer (repeat for several).
        #[arg(long = "option", required = true, value_name = "TEXT")]
        options: Vec<String>,
        /// The physician to ask (provider id), when not the deficiency's own.
        #[arg(long, value_name = "ID")]
        to: Option<i64>,
    },
    /// Answer a physician query with one of the answers it offers (once).
    Answer {
        /// Query id.
        query: i64,
        /// The answer chosen, as offered.
        #[arg(long)]
        choice: String,
        /// What the physician adds in words.
        #[arg(long)]
        comment: Option<String>,
    },
    /// Physician queries waiting for an answer (one physician's with --provider).
    Queries {
        /// Provider id.
        #[arg(long, value_name = "ID")]
        provider: Option<i64>,
    },
    /// Delinquency figures: open deficiencies by age and physician, delinquent records,
    /// the delinquency rate against average monthly discharges, the suspension list.
    Metrics {
        /// Physicians with a deficiency more than this many days past due are listed for
        /// suspension.
        #[arg(long, default_value_t = 21, value_name = "DAYS")]
        suspend_after: i64,
    },
    /// Data-collection follow-up: tasks to obtain missing data from the patient or another
    /// provider, each contact attempt logged, escalated when overdue.
    Task {
        #[command(subcommand)]
        cmd: crate::cli::review_tasks::TaskCmd,
    },
    /// Withdraw an open physician query, with the reason.
    Withdraw {
        /// Query id.
        query: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// The rules in force (the defaults, changed by the facility's file), checked.
    Rules {
        /// A facility rules file (default: review-rules.toml in the data directory, if any).
        #[arg(long, value_name = "FILE")]
        rules: Option<PathBuf>,
    },
}

/// The rules in force: the defaults, changed by `file` or the data directory's rules file.
pub fn rules_in_force(file: Option<&Path>, data_dir: &Path) -> Result<RuleSet> {
    let default_file = data_dir.join(RULES_FILE);
    let path = match file {
        Some(path) => Some(path.to_owned()),
        None => default_file.is_file().then_some(default_file),
    };
    match path {
        None => Ok(RuleSet::defaults()?),
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading the rules file {}", path.display()))?;
            Ok(RuleSet::with_facility_file(
                &text,
                &path.display().to_string(),
            )?)
        }
    }
}

fn row(item: &review::QueueItem, now: time::OffsetDateTime) -> Vec<String> {
    let d = &item.deficiency;
    let r = &d.record;
    vec![
        d.meta.id.to_string(),
        format!("{} ({})", item.patient_name, item.mrn),
        r.rule_id.clone(),
        r.status.as_str().to_owned(),
        r.severity.as_str().to_owned(),
        r.responsible.as_str().to_owned(),
        r.assignee.clone().unwrap_or_default(),
        format!(
            "{}{}",
            r.due_at.date(),
            if r.is_delinquent(now) { " (late)" } else { "" }
        ),
        r.message.clone(),
    ]
}

pub fn run(
    store: &Store,
    auditor: &CliAuditor,
    data_dir: &Path,
    cmd: ReviewCmd,
    json: bool,
) -> Result<()> {
    let actor = Actor::new(format!("review:{}", auditor.user()));
    match cmd {
        ReviewCmd::Run { rules } => {
            let rules = rules_in_force(rules.as_deref(), data_dir)?;
            let codes = codes::CodeSets::open(data_dir).context("loading the code sets")?;
            let poa = review::PoaExempt::embedded().map_err(anyhow::Error::msg)?;
            let cx = review::Context {
                codes: Some(&codes),
                poa_exempt: &poa,
            };
            auditor.reviewing(store, "chart review started")?;
            let started = std::time::Instant::now();
            // Each batch of charts whose deficiencies changed is an entry sealing what it
            // opened, reopened or resolved.
            let audited = auditor.auditing_writes(store, "chart review");
            let counts = review::review_all(store, &actor, &rules, &cx, &mut |_| {})?;
            drop(audited);
            let escalated = crate::cli::review_tasks::escalate(store, auditor, &actor)?;
            auditor.reviewing(
                store,
                &format!(
                    "chart review: {} charts, {} opened, {} reopened, {} resolved, {} still open",
                    counts.charts,
                    counts.opened,
                    counts.reopened,
                    counts.resolved,
                    counts.still_open
                ),
            )?;
            if json {
                return output::json(&counts);
            }
            crate::say!(
                "Reviewed {} charts in {:.1} s: {} deficiencies opened, {} reopened, {} resolved, {} still open.",
                output::count(counts.charts),
                started.elapsed().as_secs_f64(),
                output::count(counts.opened),
                output::count(counts.reopened),
                output::count(counts.resolved),
                output::count(counts.still_open)
            );
            if escalated > 0 {
                crate::say!("{escalated} follow-up task(s) past due escalated.");
            }
            Ok(())
        }
        ReviewCmd::List {
            status,
            rule,
            assignee,
            provider,
            patient,
            delinquent,
            service,
            class,
            min_age,
            max_age,
            limit,
        } => {
            let encounter_class = match class.as_deref() {
                None => None,
                Some(name) => match records::EncounterClass::parse(name) {
                    Some(c) => Some(c),
                    None => bail!(
                        "--class {name}: not one of inpatient, outpatient, emergency, telehealth"
                    ),
                },
            };
            if let (Some(min), Some(max)) = (min_age, max_age)
                && min > max
            {
                bail!("--max-age {max}: less than --min-age {min}");
            }
            let mut statuses = Vec::new();
            for name in &status {
                match DeficiencyStatus::parse(name) {
                    Some(s) => statuses.push(s),
                    None => bail!(
                        "--status {name}: not one of open, assigned, queried, answered, resolved, waived"
                    ),
                }
            }
            let now = store.clock().now();
            let query = QueueQuery {
                statuses,
                rule_id: rule,
                assignee,
                provider_id: provider,
                patient_id: patient,
                overdue_at: delinquent.then_some(now),
                service,
                encounter_class,
                limit,
                ..QueueQuery::default()
            }
            .aged(now, min_age.map(i64::from), max_age.map(i64::from));
            let who = auditor.event(store, AuditAction::Read);
            let found = auditor.trail().write(store, |audited| {
                review::queue_audited(audited, &who, &query)
            })?;
            if json {
                return output::json(&found);
            }
            if found.is_empty() {
                crate::say!("No deficiencies match.");
                return Ok(());
            }
            let rows: Vec<Vec<String>> = found.iter().map(|d| row(d, now)).collect();
            output::table(
                &[
                    "id", "patient", "rule", "status", "severity", "who", "assignee", "due", "what",
                ],
                &rows,
            );
            Ok(())
        }
        ReviewCmd::Show { id } => {
            let (deficiency, history) = store.read(|tx| {
                let deficiency: Stored<Deficiency> = tx.get(id)?;
                let history = tx.history("deficiency", id)?;
                Ok((deficiency, history))
            })?;
            auditor.shown(
                store,
                &[deficiency.record.patient_id.0],
                review::QUEUE_CATEGORIES,
                &format!("deficiency {id}"),
            )?;
            if json {
                return output::json(&serde_json::json!({
                    "deficiency": deficiency,
                    "history": history,
                }));
            }
            let r = &deficiency.record;
            let now = store.clock().now();
            let when = |at: time::OffsetDateTime| {
                at.format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute] UTC"
                ))
                .unwrap_or_default()
            };
            crate::say!("Deficiency {id}: {}", r.message);
            crate::say!(
                "  rule        {} ({}, {})",
                r.rule_id,
                r.severity.as_str(),
                r.responsible.as_str()
            );
            crate::say!(
                "  patient     {}{}",
                r.patient_id,
                r.encounter_id
                    .map(|e| format!(", encounter {e}"))
                    .unwrap_or_default()
            );
            crate::say!(
                "  status      {}{}",
                r.status.as_str(),
                r.assignee
                    .as_deref()
                    .map(|a| format!(", assigned to {a}"))
                    .unwrap_or_default()
            );
            crate::say!("  since       {}", when(r.since));
            crate::say!(
                "  due         {}{}",
                when(r.due_at),
                if r.is_delinquent(now) {
                    " (past due)"
                } else {
                    ""
                }
            );
            if let Some(reason) = &r.closed_reason {
                crate::say!(
                    "  closed      {} because {reason}",
                    r.closed_at.map(when).unwrap_or_default()
                );
            }
            crate::say!(
                "  opened      {} by {}",
                when(deficiency.meta.created_at),
                deficiency.meta.created_by
            );
            for step in &history {
                let changed: Vec<String> = step
                    .changes
                    .iter()
                    .map(|c| format!("{}: {} -> {}", c.field, c.old, c.new))
                    .collect();
                crate::say!(
                    "  version {}   {} by {}: {}",
                    step.version,
                    when(step.changed_at),
                    step.changed_by,
                    changed.join("; ")
                );
            }
            Ok(())
        }
        ReviewCmd::Assign { ids, to } => {
            let to = to.trim().to_owned();
            if to.is_empty() {
                bail!("--to names the user to assign to");
            }
            if store.security(|s| s.user(&to))?.is_none() {
                bail!("--to {to}: no such user");
            }
            let changed = change(store, auditor, &actor, &ids, &Action::Assign(to))?;
            report(&changed, json)
        }
        ReviewCmd::Resolve { id, reason } => {
            let changed = change(store, auditor, &actor, &[id], &Action::Resolve(reason))?;
            report(&changed, json)
        }
        ReviewCmd::Waive { id, reason } => {
            let changed = change(store, auditor, &actor, &[id], &Action::Waive(reason))?;
            report(&changed, json)
        }
        ReviewCmd::Ask {
            deficiency,
            question,
            indicators,
            options,
            to,
        } => {
            let new = review::NewQuery {
                deficiency_id: deficiency,
                provider_id: to,
                asked_by: auditor.user().to_owned(),
                question,
                indicators,
                options,
            };
            let asked = query_change(store, auditor, AuditAction::Create, |tx| {
                Ok(review::ask(tx, &actor, &new)?)
            })?;
            if json {
                return output::json(&asked);
            }
            crate::say!(
                "Query {} asked of provider {} about deficiency {deficiency}; answers offered: {}.",
                asked.meta.id,
                asked.record.provider_id,
                asked.record.options.join(" | ")
            );
            Ok(())
        }
        ReviewCmd::Answer {
            query,
            choice,
            comment,
        } => {
            let by = auditor.user().to_owned();
            let answered = query_change(store, auditor, AuditAction::Update, |tx| {
                review::answer(tx, &actor, query, &choice, comment.as_deref(), &by)
            })?;
            if json {
                return output::json(&answered);
            }
            crate::say!(
                "Query {query} answered: {}.",
                answered.record.answer.as_deref().unwrap_or_default()
            );
            Ok(())
        }
        ReviewCmd::Queries { provider } => {
            let waiting = store.read(|tx| review::open_queries(tx, provider))?;
            let mut patients: Vec<i64> = waiting.iter().map(|q| q.record.patient_id.0).collect();
            patients.sort_unstable();
            patients.dedup();
            auditor.shown(
                store,
                &patients,
                review::QUEUE_CATEGORIES,
                "physician queries",
            )?;
            if json {
                return output::json(&waiting);
            }
            let rows: Vec<Vec<String>> = waiting
                .iter()
                .map(|q| {
                    vec![
                        q.meta.id.to_string(),
                        q.record.patient_id.to_string(),
                        q.record.provider_id.to_string(),
                        q.record.asked_at.date().to_string(),
                        q.record.question.clone(),
                        q.record.options.join(" | "),
                    ]
                })
                .collect();
            output::table(
                &[
                    "query", "patient", "provider", "asked", "question", "answers",
                ],
                &rows,
            );
            Ok(())
        }
        ReviewCmd::Metrics { suspend_after } => {
            if !(0..=3650).contains(&suspend_after) {
                bail!("--suspend-after must be 0 to 3650 days, not {suspend_after}");
            }
            let now = store.clock().now();
            let m = store.read(|tx| review::metrics(tx, now, suspend_after))?;
            let who = auditor
                .event(store, AuditAction::Read)
                .categories(review::QUEUE_CATEGORIES)
                .reason("review metrics (counts by physician, no patient named)");
            auditor.trail().record(store, &who)?;
            if json {
                return output::json(&m);
            }
            crate::say!(
                "{} open deficiencies, {} past due, on {} delinquent records.",
                output::count(m.open),
                output::count(m.delinquent),
                output::count(m.delinquent_records)
            );
            match m.delinquency_rate {
                Some(rate) => crate::say!(
                    "Delinquency rate {rate:.0}% of {:.1} average monthly discharges (surveyors look for under 50%).",
                    m.average_monthly_discharges
                ),
                None => crate::say!(
                    "No inpatient discharges in the last twelve months: no delinquency rate."
                ),
            }
            crate::say!(
                "Physician queries: {} asked, {} answered{}.",
                output::count(m.queries_asked),
                output::count(m.queries_answered),
                m.median_answer_hours
                    .map(|h| format!(", median {h:.1} h to answer"))
                    .unwrap_or_default()
            );
            crate::say!();
            let ages: Vec<Vec<String>> = m
                .by_age
                .iter()
                .map(|(band, n)| vec![band.clone(), output::count(*n)])
                .collect();
            output::table(&["open for", "deficiencies"], &ages);
            crate::say!();
            let lines = |list: &[review::ProviderLine]| -> Vec<Vec<String>> {
                list.iter()
                    .map(|p| {
                        vec![
                            p.provider_id.to_string(),
                            output::count(p.open),
                            output::count(p.delinquent),
                            p.most_days_overdue.to_string(),
                        ]
                    })
                    .collect()
            };
            output::table(
                &["provider", "open", "past due", "most days late"],
                &lines(&m.by_provider),
            );
            crate::say!(
                "\nSuspension list (a deficiency more than {} days past due):",
                m.suspend_after_days
            );
            if m.suspension.is_empty() {
                crate::say!("  nobody");
            } else {
                output::table(
                    &["provider", "open", "past due", "most days late"],
                    &lines(&m.suspension),
                );
            }
            Ok(())
        }
        ReviewCmd::Task { cmd } => crate::cli::review_tasks::run(store, auditor, cmd, json),
        ReviewCmd::Withdraw { query, reason } => {
            let withdrawn = query_change(store, auditor, AuditAction::Update, |tx| {
                review::withdraw(tx, &actor, query, &reason)
            })?;
            if json {
                return output::json(&withdrawn);
            }
            crate::say!("Query {query} withdrawn.");
            Ok(())
        }
        ReviewCmd::Rules { rules } => {
            let rules = rules_in_force(rules.as_deref(), data_dir)?;
            if json {
                let listed: Vec<serde_json::Value> = rules
                    .rules
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id, "check": format!("{:?}", r.check), "enabled": r.enabled,
                            "severity": r.severity.as_str(), "responsible": r.responsible.as_str(),
                            "due_hours": r.due.whole_hours(), "message": r.message,
                            "classes": r.classes.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                return output::json(&listed);
            }
            let rows: Vec<Vec<String>> = rules
                .rules
                .iter()
                .map(|r| {
                    vec![
                        r.id.clone(),
                        if r.enabled { "yes" } else { "no" }.to_owned(),
                        r.severity.as_str().to_owned(),
                        r.responsible.as_str().to_owned(),
                        format!("{} h", r.due.whole_hours()),
                        r.classes
                            .iter()
                            .map(|c| c.as_str())
                            .collect::<Vec<_>>()
                            .join(","),
                        r.message.clone(),
                    ]
                })
                .collect();
            output::table(
                &["rule", "on", "severity", "who", "due", "classes", "message"],
                &rows,
            );
            Ok(())
        }
    }
}

/// Applies `action` to each deficiency with its audit entry, all in one transaction: one
/// bad id and nothing changes.
fn change(
    store: &Store,
    auditor: &CliAuditor,
    actor: &Actor,
    ids: &[i64],
    action: &Action,
) -> Result<Vec<Stored<Deficiency>>> {
    let who = auditor.event(store, AuditAction::Update);
    Ok(auditor.trail().write(store, |audited| {
        review::act_audited(audited, actor, &who, ids, action)
    })?)
}

/// Writes a query change and its audit entry in one transaction.
fn query_change(
    store: &Store,
    auditor: &CliAuditor,
    action: AuditAction,
    change: impl FnOnce(&mut store::Tx<'_>) -> store::Result<Stored<records::PhysicianQuery>>,
) -> Result<Stored<records::PhysicianQuery>> {
    let who = auditor.event(store, action);
    Ok(auditor.trail().write(store, |audited| {
        review::query_audited(audited, &who, change)
    })?)
}

fn report(changed: &[Stored<Deficiency>], json: bool) -> Result<()> {
    if json {
        return output::json(&changed);
    }
    for d in changed {
        crate::say!(
            "Deficiency {} ({}) is now {}{}.",
            d.meta.id,
            d.record.rule_id,
            d.record.status.as_str(),
            d.record
                .assignee
                .as_deref()
                .map(|a| format!(", assigned to {a}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

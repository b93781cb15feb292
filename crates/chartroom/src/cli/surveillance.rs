//! `chartroom surveillance counts|detect|alerts|work|syndromes`: the public-health work from
//! a terminal, on the cores the JSON API and the /surveillance page use.
//!
//! Permissions are checked as on the web: each command acts for a Chartroom user (`--as`,
//! else the user named like the login), who must be enabled and hold `read-aggregates`
//! (counts, detection, the queue) or `work-surveillance-alerts` (working an alert); a refusal
//! is a denied audit entry naming what was needed, and the message names the roles that
//! hold it. Counts from 1 to 10 are withheld from users without patient-level reads, as the
//! pages do. Every read is audited as an aggregate read of encounters and diagnoses before
//! anything is printed; working an alert writes it with its audit entry (old and new
//! values) in one transaction. `syndromes` lists the definitions in force, or checks a file
//! and refuses a bad one naming each problem's line; it reads no patient data.

use crate::cli::audited::CliAuditor;
use crate::output;
use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use privacy::{Action, AuditEvent, Channel, DataCategory, Outcome, Permission, Role, RoleSet};
use records::AlertStatus;
use serde_json::{Value as Json, json};
use std::path::{Path, PathBuf};
use store::{Actor, Store};
use surveillance::SyndromeSet;
use surveillance::alerts::{self, ALL_PLACES, DetectOptions, QueueFilter};
use surveillance::detect::Method;
use time::{Date, Duration};

/// Public-health surveillance.
#[derive(Debug, Args)]
pub struct SurveillanceArgs {
    /// The Chartroom user this is done as (default: the user named like your login); their
    /// roles decide what may be done, as when they sign in.
    #[arg(long = "as", value_name = "USER", global = true)]
    user: Option<String>,
    #[command(subcommand)]
    cmd: SurveillanceCmd,
}

#[derive(Debug, Subcommand)]
pub enum SurveillanceCmd {
    /// A syndrome's daily visits in a place, with a method's expected counts, thresholds and
    /// levels (the epi curve).
    Counts {
        /// The syndrome id (ili, cli, gi...); the first in force when absent.
        syndrome: Option<String>,
        /// A ZIP3, unk, or all.
        #[arg(long, default_value = ALL_PLACES)]
        place: String,
        /// First day (YYYY-MM-DD); 90 days before --to when absent.
        #[arg(long)]
        from: Option<String>,
        /// Last day; today when absent.
        #[arg(long)]
        to: Option<String>,
        /// c1, c2, c3, ewma, cusum, regression, switch (daily), or nbinom, serfling,
        /// farrington (MMWR weeks, each week's figures on its Saturday).
        #[arg(long, default_value = "c2")]
        method: String,
    },
    /// Bring the counts up to date and run detection, keeping one alert per syndrome, place,
    /// day and method.
    Detect {
        /// First day that may alert; 13 days before --to when absent.
        #[arg(long)]
        from: Option<String>,
        /// Last day; today when absent.
        #[arg(long)]
        to: Option<String>,
        /// A method (repeat for several; default c2 and ewma): c1, c2, c3, ewma, cusum,
        /// regression, switch, nbinom, serfling, farrington.
        #[arg(long = "method")]
        methods: Vec<String>,
        /// Only this syndrome (repeat for several).
        #[arg(long = "syndrome")]
        syndromes: Vec<String>,
    },
    /// The alert queue: open first, red first, newest day first.
    Alerts {
        /// open, investigated, dismissed, escalated or all.
        #[arg(long, default_value = "open")]
        status: String,
        /// One syndrome.
        #[arg(long)]
        syndrome: Option<String>,
        /// One place.
        #[arg(long)]
        place: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 200)]
        limit: i64,
    },
    /// Work an alert: mark it investigated, dismissed or escalated, with a note.
    Work {
        /// The alert id.
        alert: i64,
        /// investigated, dismissed or escalated.
        status: String,
        /// What was found or done.
        #[arg(long)]
        note: String,
    },
    /// The syndromes in force (the defaults changed by <data dir>/syndromes.toml), or with
    /// --file a syndromes file checked against the code sets: a bad file is refused with
    /// each problem's line.
    Syndromes {
        /// A syndromes file to check (nothing is changed).
        #[arg(long)]
        file: Option<PathBuf>,
    },
}

/// The facility's syndromes file in the data directory.
pub const SYNDROMES_FILE: &str = "syndromes.toml";

/// The syndromes in force: the defaults, changed by `<data dir>/syndromes.toml` when it
/// exists; a malformed file is refused naming its lines.
pub fn syndromes_in_force(data_dir: &Path) -> Result<SyndromeSet> {
    let path = data_dir.join(SYNDROMES_FILE);
    syndromes_from(data_dir, path.is_file().then_some(path.as_path()))
}

fn syndromes_from(data_dir: &Path, file: Option<&Path>) -> Result<SyndromeSet> {
    facility_set(
        data_dir,
        file,
        "syndromes",
        SyndromeSet::with_facility_file,
        SyndromeSet::defaults,
    )
}

/// A facility file's definitions (`what`: syndromes, triggers) over the defaults, checked
/// against the data directory's code sets, or the defaults when there is no file.
pub(crate) fn facility_set<T>(
    data_dir: &Path,
    file: Option<&Path>,
    what: &str,
    with_file: fn(&str, &str, &codes::CodeSets) -> Result<T, surveillance::SyndromesError>,
    defaults: fn(&codes::CodeSets) -> Result<T, surveillance::SyndromesError>,
) -> Result<T> {
    let codes = codes::CodeSets::open(data_dir).context("loading the code sets")?;
    match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the {what} file {}", path.display()))?;
            Ok(with_file(&text, &path.display().to_string(), &codes)?)
        }
        None => Ok(defaults(&codes)?),
    }
}

/// Who the command acts for, with their roles.
pub(crate) struct Acting {
    pub(crate) username: String,
    pub(crate) roles: RoleSet,
}

impl Acting {
    pub(crate) fn event(&self, auditor: &CliAuditor, store: &Store, action: Action) -> AuditEvent {
        AuditEvent::new(store.clock().now(), &self.username, action, Channel::Cli)
            .roles(&self.roles)
            .source(auditor.user())
    }

    /// Counts 1 to 10 are withheld from users without patient-level reads.
    pub(super) fn aggregate_only(&self) -> bool {
        !self.roles.allows(Permission::ReadDemographics)
    }

    fn shown(&self, count: i64) -> Option<i64> {
        (!(self.aggregate_only() && alerts::suppressed(count, query::PUBLIC_HEALTH_MIN_CELL)))
            .then_some(count)
    }
}

/// The user the command acts for, refused (and the refusal audited) unless they hold
/// `permission`.
pub(super) fn acting(
    store: &Store,
    auditor: &CliAuditor,
    user: Option<&str>,
    permission: Permission,
    action: Action,
    what: &str,
) -> Result<Acting> {
    acting_for(
        store,
        auditor,
        user,
        (permission, action, what),
        (
            "surveillance",
            &[DataCategory::Encounters, DataCategory::Diagnoses],
        ),
    )
}

/// [`acting`] for a `domain`'s work on `categories` of the chart (the denied entry names
/// both).
pub(crate) fn acting_for(
    store: &Store,
    auditor: &CliAuditor,
    user: Option<&str>,
    (permission, action, what): (Permission, Action, &str),
    (domain, categories): (&str, &[DataCategory]),
) -> Result<Acting> {
    let login = auditor.user().trim_start_matches("os:");
    let name = user.unwrap_or(login);
    let Some(account) = store.security(|s| s.user(name))? else {
        bail!(
            "no Chartroom user is named \"{name}\": public-health work is done as a user (--as USER), whose roles are checked as when they sign in"
        );
    };
    let acting = Acting {
        username: account.username.clone(),
        roles: account.roles.clone(),
    };
    let refusal = if account.disabled {
        Some(format!("user \"{}\" is disabled", account.username))
    } else if !account.roles.allows(permission) {
        let holders: Vec<&str> = Role::ALL
            .iter()
            .filter(|r| r.permissions().contains(permission))
            .map(|r| r.as_str())
            .collect();
        Some(format!(
            "{what} needs the {permission} permission; {} holds {} (roles holding it: {})",
            account.username,
            if account.roles.is_empty() {
                "no roles".to_owned()
            } else {
                account.roles.to_list()
            },
            holders.join(", ")
        ))
    } else {
        None
    };
    if let Some(why) = refusal {
        let event = acting
            .event(auditor, store, action)
            .outcome(Outcome::Denied)
            .categories(categories)
            .reason(&format!("{domain}: {why}"));
        auditor
            .trail()
            .record(store, &event)
            .context("writing the audit trail")?;
        bail!("refused: {why}");
    }
    Ok(acting)
}

/// An aggregate read, audited before anything is shown.
fn audit_read(store: &Store, auditor: &CliAuditor, who: &Acting, reason: &str) -> Result<()> {
    let event = who
        .event(auditor, store, Action::Read)
        .categories(&[DataCategory::Encounters, DataCategory::Diagnoses])
        .reason(reason);
    auditor
        .trail()
        .record(store, &event)
        .map(|_| ())
        .context("writing the audit trail (nothing was shown)")
}

pub(super) fn date(flag: &str, text: &str) -> Result<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format)
        .map_err(|_| anyhow!("--{flag}: \"{text}\" is not a date (YYYY-MM-DD)"))
}

/// `--from` and `--to`, `default_days` ending at `--to` (today) when `--from` is absent.
fn range(
    from: Option<&str>,
    to: Option<&str>,
    today: Date,
    default_days: i64,
) -> Result<(Date, Date)> {
    let to = to.map(|t| date("to", t)).transpose()?.unwrap_or(today);
    let from = from
        .map(|f| date("from", f))
        .transpose()?
        .unwrap_or(to - Duration::days(default_days - 1));
    if from > to {
        bail!("--from {from} is after --to {to}");
    }
    if (to - from).whole_days() >= 3 * 366 {
        bail!("a range is at most {} days", 3 * 366);
    }
    Ok((from, to))
}

fn method(name: &str) -> Result<Method> {
    Method::parse(name)
        .ok_or_else(|| anyhow!("--method: \"{name}\" is not one of {}", Method::NAMES))
}

fn known_syndrome(set: &SyndromeSet, id: &str) -> Result<()> {
    if set.get(id).is_none() {
        let known: Vec<&str> = set.enabled().map(|s| s.id.as_str()).collect();
        bail!(
            "\"{id}\" is not a syndrome (in force: {})",
            known.join(", ")
        );
    }
    Ok(())
}

fn number(x: Option<f64>, decimals: usize) -> String {
    x.filter(|v| v.is_finite())
        .map_or_else(String::new, |v| format!("{v:.decimals$}"))
}

fn count_text(n: Option<i64>) -> String {
    n.map_or_else(|| "<11".to_owned(), |n| n.to_string())
}

pub fn run(
    store: &Store,
    auditor: &CliAuditor,
    data_dir: &Path,
    args: SurveillanceArgs,
    json: bool,
) -> Result<()> {
    let user = args.user.as_deref();
    match args.cmd {
        SurveillanceCmd::Syndromes { file } => syndromes(data_dir, file.as_deref(), json),
        SurveillanceCmd::Counts {
            syndrome,
            place,
            from,
            to,
            method: method_name,
        } => {
            let set = syndromes_in_force(data_dir)?;
            let syndrome = match syndrome {
                Some(id) => {
                    known_syndrome(&set, &id)?;
                    id
                }
                None => set
                    .enabled()
                    .next()
                    .map(|s| s.id.clone())
                    .ok_or_else(|| anyhow!("no syndrome is enabled"))?,
            };
            let place = place.trim().to_owned();
            if place != ALL_PLACES
                && place != "unk"
                && !(place.len() == 3 && place.bytes().all(|b| b.is_ascii_digit()))
            {
                bail!("--place: \"{place}\" is not a ZIP3, unk or all");
            }
            let method = method(&method_name)?;
            let today = store.clock().now().date();
            let (from, to) = range(from.as_deref(), to.as_deref(), today, 90)?;
            let who = acting(
                store,
                auditor,
                user,
                Permission::ReadAggregates,
                Action::Read,
                "reading surveillance counts",
            )?;
            surveillance::counts::step(store, &set)?;
            let curve =
                store.read(|tx| alerts::epi_curve(tx, &syndrome, &place, from, to, method))?;
            audit_read(
                store,
                auditor,
                &who,
                &format!("surveillance counts: {syndrome} in {place}, {from} to {to}"),
            )?;
            let days: Vec<Json> = curve
                .days
                .iter()
                .zip(&curve.points)
                .map(|(day, point)| alerts::day_json(day, point.as_ref(), |n| who.shown(n)))
                .collect();
            let too_short = curve.too_short.as_ref().map(ToString::to_string);
            if json {
                return output::json(&json!({
                    "syndrome": syndrome,
                    "place": place,
                    "method": method.as_str(),
                    "from": from.to_string(),
                    "to": to.to_string(),
                    "small_cells_suppressed": who.aggregate_only(),
                    "too_short": too_short,
                    "days": days,
                }));
            }
            crate::say!(
                "{syndrome} in {place}, {from} to {to}, {}{}",
                method.as_str(),
                if who.aggregate_only() {
                    " (counts under 11 shown as <11)"
                } else {
                    ""
                }
            );
            if let Some(short) = &too_short {
                crate::say!("Not tested: {short}");
            }
            let rows: Vec<Vec<String>> = curve
                .days
                .iter()
                .zip(&curve.points)
                .map(|(day, point)| {
                    vec![
                        day.day.to_string(),
                        count_text(who.shown(day.visits)),
                        count_text(who.shown(day.all_visits)),
                        number(point.map(|p| p.expected), 1),
                        number(point.and_then(|p| p.threshold), 1),
                        number(point.and_then(|p| p.statistic), 2),
                        number(point.and_then(|p| p.p_value), 4),
                        point.map_or("", |p| p.level.as_str()).to_owned(),
                    ]
                })
                .collect();
            output::table(
                &[
                    "day",
                    "visits",
                    "all visits",
                    "expected",
                    "threshold",
                    "statistic",
                    "p",
                    "level",
                ],
                &rows,
            );
            Ok(())
        }
        SurveillanceCmd::Detect {
            from,
            to,
            methods,
            syndromes,
        } => {
            let set = syndromes_in_force(data_dir)?;
            for id in &syndromes {
                known_syndrome(&set, id)?;
            }
            let mut chosen = methods
                .iter()
                .map(|m| method(m))
                .collect::<Result<Vec<_>>>()?;
            if chosen.is_empty() {
                chosen = alerts::DEFAULT_METHODS.to_vec();
            }
            let today = store.clock().now().date();
            let (from, to) = range(from.as_deref(), to.as_deref(), today, 14)?;
            let who = acting(
                store,
                auditor,
                user,
                Permission::ReadAggregates,
                Action::Read,
                "running surveillance detection",
            )?;
            let stepped = surveillance::counts::step(store, &set)?;
            let options = DetectOptions {
                methods: chosen,
                from,
                to,
                syndromes,
                by_place: true,
                min_observed: 1,
            };
            let actor = Actor::new(format!("user:{}", who.username));
            // The alerts opened or updated are sealed into an entry of their own, as the
            // API's are.
            let wrote = who
                .event(auditor, store, Action::Update)
                .categories(&[DataCategory::Encounters, DataCategory::Diagnoses])
                .reason("surveillance alerts");
            let summary = auditor.trail().write(store, |audited| {
                let summary = alerts::detect(&mut audited.records(), &actor, &set, &options)?;
                audited.append_pending_writes(&wrote)?;
                Ok(summary)
            })?;
            audit_read(
                store,
                auditor,
                &who,
                &format!("surveillance detection {from} to {to}"),
            )?;
            if json {
                return output::json(&json!({
                    "from": from.to_string(),
                    "to": to.to_string(),
                    "encounters_counted": stepped.encounters,
                    "series": summary.series,
                    "opened": summary.opened,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                    "too_short": summary.too_short,
                }));
            }
            crate::say!(
                "Detection {from} to {to}: {} series, {} alerts opened, {} updated, {} unchanged ({} encounters newly counted).",
                summary.series,
                summary.opened,
                summary.updated,
                summary.unchanged,
                stepped.encounters
            );
            for short in &summary.too_short {
                crate::say!("Not tested: {short}");
            }
            Ok(())
        }
        SurveillanceCmd::Alerts {
            status,
            syndrome,
            place,
            limit,
        } => {
            let status = match status.trim() {
                "all" => None,
                name => Some(AlertStatus::parse(name).ok_or_else(|| {
                    anyhow!(
                        "--status: \"{name}\" is not open, investigated, dismissed, escalated or all"
                    )
                })?),
            };
            let who = acting(
                store,
                auditor,
                user,
                Permission::ReadAggregates,
                Action::Read,
                "reading the surveillance alert queue",
            )?;
            let filter = QueueFilter {
                status,
                syndrome,
                place,
                limit,
            };
            let found = store.read(|tx| alerts::queue(tx, &filter))?;
            audit_read(store, auditor, &who, "surveillance alert queue")?;
            let listed: Vec<Json> = found
                .iter()
                .map(|a| alerts::alert_json(a, who.shown(a.record.observed)))
                .collect();
            if json {
                return output::json(&json!({
                    "small_cells_suppressed": who.aggregate_only(),
                    "alerts": listed,
                }));
            }
            let rows: Vec<Vec<String>> = found
                .iter()
                .map(|a| {
                    let r = &a.record;
                    vec![
                        a.meta.id.to_string(),
                        r.day.to_string(),
                        r.syndrome.clone(),
                        r.place.clone(),
                        r.method.clone(),
                        r.level.as_str().to_owned(),
                        count_text(who.shown(r.observed)),
                        format!("{:.1}", r.expected),
                        r.status.as_str().to_owned(),
                        r.note.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            output::table(
                &[
                    "alert", "day", "syndrome", "place", "method", "level", "visits", "expected",
                    "status", "note",
                ],
                &rows,
            );
            Ok(())
        }
        SurveillanceCmd::Work {
            alert,
            status,
            note,
        } => {
            let Some(status) = AlertStatus::parse(&status).filter(|s| *s != AlertStatus::Open)
            else {
                bail!("\"{status}\" is not investigated, dismissed or escalated");
            };
            if note.trim().is_empty() {
                bail!("--note: say what was found or done");
            }
            let who = acting(
                store,
                auditor,
                user,
                Permission::WorkSurveillanceAlerts,
                Action::Update,
                "working a surveillance alert",
            )?;
            let actor = Actor::new(format!("user:{}", who.username));
            let event = who.event(auditor, store, Action::Update);
            let worked = auditor
                .trail()
                .write(store, |audited| {
                    alerts::work_audited(audited, &actor, alert, status, &note, event)
                })
                .with_context(|| format!("working alert {alert} (nothing was changed)"))?;
            if json {
                return output::json(&json!({
                    "id": worked.meta.id,
                    "version": worked.meta.version,
                    "status": worked.record.status.as_str(),
                    "note": worked.record.note,
                    "worked_by": worked.record.worked_by,
                }));
            }
            crate::say!(
                "Alert {alert} ({} in {} on {}, {}) marked {}.",
                worked.record.syndrome,
                worked.record.place,
                worked.record.day,
                worked.record.method,
                worked.record.status.as_str()
            );
            Ok(())
        }
    }
}

/// Lists the syndromes in force, or those a file would put in force.
fn syndromes(data_dir: &Path, file: Option<&Path>, json: bool) -> Result<()> {
    let set = match file {
        Some(path) => syndromes_from(data_dir, Some(path))?,
        None => syndromes_in_force(data_dir)?,
    };
    let listed: Vec<Json> = set
        .syndromes
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "name": s.name,
                "enabled": s.enabled,
                "codes": s.codes.iter().map(|c| c.text()).collect::<Vec<_>>(),
                "together": s.together.iter().map(|g| g.iter().map(|c| c.text()).collect::<Vec<_>>()).collect::<Vec<_>>(),
                "keywords": s.keywords.iter().map(|k| k.join(" ")).collect::<Vec<_>>(),
            })
        })
        .collect();
    if json {
        return output::json(&json!({ "syndromes": listed }));
    }
    if let Some(path) = file {
        crate::say!("{}: accepted.", path.display());
    }
    let rows: Vec<Vec<String>> = set
        .syndromes
        .iter()
        .map(|s| {
            vec![
                s.id.clone(),
                s.name.clone(),
                if s.enabled { "yes" } else { "no" }.to_owned(),
                (s.codes.len() + s.together.len()).to_string(),
                s.keywords.len().to_string(),
            ]
        })
        .collect();
    output::table(&["id", "name", "enabled", "code rules", "keywords"], &rows);
    Ok(())
}

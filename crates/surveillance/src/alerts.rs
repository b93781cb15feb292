//! Alerts from the counts, and the public-health work queue.
//!
//! `detect` runs the chosen methods over every enabled syndrome, for all places together
//! and for each ZIP3 with visits, and keeps one `records::SurveillanceAlert` per syndrome,
//! place, day and method (a unique key): a day that alerts again updates its figures and
//! keeps where it stands in the queue, so running detection twice never opens an alert
//! twice. A series too short for a method is reported with what it needs, never alerted.
//! `work` moves an alert to investigated, dismissed or escalated with a note; each step is
//! a version in the alert's history.
//!
//! Aggregate only: nothing here reads or returns a patient; `suppressed` says which counts a
//! role limited to aggregates must not see.

use crate::counts::{self, DayCount, SeriesQuery};
use crate::detect::{self, Job, Level, Method, Point, TooShort};
use crate::syndromes::SyndromeSet;
use privacy::{Action, AuditEvent, DataCategory};
use records::{AlertLevel, AlertStatus, SurveillanceAlert};
use store::{Actor, Audited, Stored, Tx, Value};
use time::{Date, Duration, OffsetDateTime};

/// The place that stands for every place together.
pub const ALL_PLACES: &str = "all";

/// Days read before the first day tested by the daily methods, so each has its baseline
/// (CUSUM's 28 training days, EWMA's 29-day baseline and guard band); the weekly methods
/// read more (`Method::history_days`).
pub const HISTORY_DAYS: i64 = 42;

/// The job running `method` over the part of `series` it reads: from `history_days` before
/// `from` (or the series' first day), so a method's answer does not depend on what the
/// others read; with the index in `series` of the job's first day.
fn job_from<'a>(
    method: Method,
    series: &[DayCount],
    values: &'a [f64],
    from: Date,
) -> (usize, Job<'a>) {
    let start = from - Duration::days(method.history_days());
    let offset = series.partition_point(|d| d.day < start);
    let tested_from = series[offset..].partition_point(|d| d.day < from);
    let first = series.get(offset).map_or(from, |d| d.day);
    let job = Job {
        method,
        counts: values.get(offset..).unwrap_or_default(),
        first,
        from: tested_from,
    };
    (offset, job)
}

/// Runs `method` over the part of `series` it reads (`job_from`).
fn run_from(
    method: Method,
    series: &[DayCount],
    values: &[f64],
    from: Date,
) -> (usize, Result<Vec<Option<Point>>, TooShort>) {
    let (offset, job) = job_from(method, series, values, from);
    (offset, method.run(job.counts, job.first, job.from))
}

/// The methods detection runs unless told otherwise: EARS C2 (EARS's most used, with its
/// guard band) and EWMA (ESSENCE's choice for small daily counts).
pub const DEFAULT_METHODS: [Method; 2] = [Method::C2, Method::Ewma];

/// What went wrong with an alert action.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The store failed or refused.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// The action is not allowed.
    #[error("{0}")]
    Refused(String),
}

/// What to detect over.
#[derive(Debug, Clone)]
pub struct DetectOptions {
    /// The methods.
    pub methods: Vec<Method>,
    /// First day that may alert.
    pub from: Date,
    /// Last day that may alert.
    pub to: Date,
    /// Only these syndromes (all enabled ones when empty).
    pub syndromes: Vec<String>,
    /// Each ZIP3 as well as every place together.
    pub by_place: bool,
    /// A day alerts only with at least this many visits.
    pub min_observed: i64,
}

/// What a detection run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetectSummary {
    /// Series (syndrome x place) looked at.
    pub series: usize,
    /// Methods that could not test a series, with why (`gi 021: c2: the series has...`).
    pub too_short: Vec<String>,
    /// Alerts opened.
    pub opened: usize,
    /// Alerts whose figures changed.
    pub updated: usize,
    /// Alerts found again unchanged.
    pub unchanged: usize,
}

/// The first day with any visit counted: days before it are not history (no data is not
/// zero visits), so series start there at the earliest.
fn first_counted_day(tx: &mut Tx<'_>) -> store::Result<Option<Date>> {
    let rows = tx.query(
        "SELECT MIN(day) FROM syndromic_counts WHERE syndrome = ?",
        &[Value::from(crate::ALL_VISITS)],
    )?;
    Ok(rows.first().and_then(|row| row.get(0).as_date()))
}

fn series_of(
    tx: &mut Tx<'_>,
    syndrome: &str,
    place: &str,
    from: Date,
    to: Date,
) -> store::Result<Vec<DayCount>> {
    let from = match first_counted_day(tx)? {
        Some(first) if first > from => first.min(to),
        _ => from,
    };
    counts::series(
        tx,
        &SeriesQuery {
            syndrome: syndrome.to_owned(),
            zip3: (place != ALL_PLACES).then(|| place.to_owned()),
            age_band: None,
            from: Some(from),
            to: Some(to),
        },
    )
}

/// Runs detection and keeps the alerts, in the caller's transaction.
pub fn detect(
    tx: &mut Tx<'_>,
    actor: &Actor,
    set: &SyndromeSet,
    options: &DetectOptions,
) -> store::Result<DetectSummary> {
    let mut summary = DetectSummary::default();
    let history = options
        .methods
        .iter()
        .map(|m| m.history_days())
        .max()
        .unwrap_or(HISTORY_DAYS);
    let start = options.from - Duration::days(history);
    for syndrome in set.enabled() {
        if !options.syndromes.is_empty() && !options.syndromes.contains(&syndrome.id) {
            continue;
        }
        let mut places = vec![ALL_PLACES.to_owned()];
        if options.by_place {
            places.extend(
                counts::places(tx, &syndrome.id, start, options.to)?
                    .into_iter()
                    .map(|(zip3, _)| zip3),
            );
        }
        // Every place's series is read first, so the methods can run on all cores at once
        // (the transaction stays on this thread); the alerts are then kept in order.
        let mut all_series = Vec::with_capacity(places.len());
        for place in places {
            let series = series_of(tx, &syndrome.id, &place, start, options.to)?;
            let values: Vec<f64> = series.iter().map(|d| d.visits as f64).collect();
            all_series.push((place, series, values));
        }
        summary.series += all_series.len();
        let mut jobs = Vec::with_capacity(all_series.len() * options.methods.len());
        let mut offsets = Vec::with_capacity(jobs.capacity());
        for (_, series, values) in &all_series {
            for method in &options.methods {
                let (offset, job) = job_from(*method, series, values, options.from);
                offsets.push(offset);
                jobs.push(job);
            }
        }
        // Only the days that alert leave the workers.
        let alerting = |answer: detect::Answer| {
            answer.map(|points| {
                points
                    .into_iter()
                    .enumerate()
                    .filter_map(|(idx, point)| {
                        point.filter(|p| p.level != Level::None).map(|p| (idx, p))
                    })
                    .collect::<Vec<_>>()
            })
        };
        let mut answers = detect::run_all(&jobs, alerting).into_iter().zip(offsets);
        for (place, series, _) in &all_series {
            for method in &options.methods {
                let Some((points, offset)) = answers.next() else {
                    break;
                };
                let points = match points {
                    Ok(points) => points,
                    Err(short) => {
                        summary
                            .too_short
                            .push(format!("{} {place}: {short}", syndrome.id));
                        continue;
                    }
                };
                for (idx, point) in points {
                    let Some(day) = series.get(offset + idx) else {
                        continue;
                    };
                    if day.day < options.from || day.visits < options.min_observed {
                        continue;
                    }
                    keep(
                        tx,
                        actor,
                        &syndrome.id,
                        place,
                        day.day,
                        *method,
                        &point,
                        &mut summary,
                    )?;
                }
            }
        }
    }
    Ok(summary)
}

fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// Opens the alert, or updates the figures of the one already kept for the same key.
#[allow(clippy::too_many_arguments)]
fn keep(
    tx: &mut Tx<'_>,
    actor: &Actor,
    syndrome: &str,
    place: &str,
    day: Date,
    method: Method,
    point: &Point,
    summary: &mut DetectSummary,
) -> store::Result<()> {
    let level = if point.level == Level::Red {
        AlertLevel::Red
    } else {
        AlertLevel::Yellow
    };
    let existing = tx
        .select::<SurveillanceAlert>(
            "syndrome = ? AND place = ? AND day = ? AND method = ?",
            &[
                Value::from(syndrome),
                Value::from(place),
                Value::Date(day),
                Value::from(method.as_str()),
            ],
            "id",
            1,
        )?
        .into_iter()
        .next();
    let figures = SurveillanceAlert {
        syndrome: syndrome.to_owned(),
        place: place.to_owned(),
        day,
        method: method.as_str().to_owned(),
        observed: point.observed as i64,
        expected: if point.expected.is_finite() {
            point.expected
        } else {
            0.0
        },
        statistic: finite(point.statistic),
        threshold: finite(point.threshold),
        p_value: finite(point.p_value),
        level,
        status: AlertStatus::Open,
        note: None,
        worked_by: None,
        worked_at: None,
    };
    match existing {
        None => {
            tx.create(actor, &figures)?;
            summary.opened += 1;
        }
        Some(stored) => {
            let changed = SurveillanceAlert {
                status: stored.record.status,
                note: stored.record.note.clone(),
                worked_by: stored.record.worked_by.clone(),
                worked_at: stored.record.worked_at,
                ..figures
            };
            if changed == stored.record {
                summary.unchanged += 1;
            } else {
                tx.update(actor, stored.meta.id, stored.meta.version, &changed)?;
                summary.updated += 1;
            }
        }
    }
    Ok(())
}

/// Which alerts to list.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// One status (every status when `None`).
    pub status: Option<AlertStatus>,
    /// One syndrome.
    pub syndrome: Option<String>,
    /// One place.
    pub place: Option<String>,
    /// At most this many (200 when 0).
    pub limit: i64,
}

/// The work queue: open alerts first, red before yellow, newest day first.
pub fn queue(
    tx: &mut Tx<'_>,
    filter: &QueueFilter,
) -> store::Result<Vec<Stored<SurveillanceAlert>>> {
    let mut clauses = vec!["1 = 1".to_owned()];
    let mut params = Vec::new();
    if let Some(status) = filter.status {
        clauses.push("status = ?".into());
        params.push(Value::from(status.as_str()));
    }
    if let Some(syndrome) = &filter.syndrome {
        clauses.push("syndrome = ?".into());
        params.push(Value::from(syndrome.as_str()));
    }
    if let Some(place) = &filter.place {
        clauses.push("place = ?".into());
        params.push(Value::from(place.as_str()));
    }
    tx.select(
        &clauses.join(" AND "),
        &params,
        "CASE status WHEN 'open' THEN 0 ELSE 1 END, CASE level WHEN 'red' THEN 0 ELSE 1 END, day DESC, id",
        if filter.limit > 0 { filter.limit } else { 200 },
    )
}

/// Marks an alert investigated, dismissed or escalated with a note, as `actor` at `at`.
pub fn work(
    tx: &mut Tx<'_>,
    actor: &Actor,
    id: i64,
    status: AlertStatus,
    note: &str,
    at: OffsetDateTime,
) -> Result<Stored<SurveillanceAlert>, Error> {
    if status == AlertStatus::Open {
        return Err(Error::Refused(
            "an alert is worked to investigated, dismissed or escalated".into(),
        ));
    }
    let stored = tx.get::<SurveillanceAlert>(id)?;
    let worked = SurveillanceAlert {
        status,
        note: Some(note.trim().to_owned()).filter(|n| !n.is_empty()),
        worked_by: Some(actor.name().to_owned()),
        worked_at: Some(at),
        ..stored.record
    };
    Ok(tx.update(actor, id, stored.meta.version, &worked)?)
}

/// [`work`] with its audit entry in the same transaction: `who` (the user, roles and
/// channel) updated the alert, with its old and new values, as a read of encounters and
/// diagnoses in aggregate (an alert names no patient). A refusal writes nothing.
pub fn work_audited(
    audited: &mut Audited<'_>,
    actor: &Actor,
    id: i64,
    status: AlertStatus,
    note: &str,
    who: AuditEvent,
) -> store::Result<Stored<SurveillanceAlert>> {
    let at = audited.now();
    let (before, after) = {
        let mut tx = audited.records();
        let before = tx.get::<SurveillanceAlert>(id)?;
        let after = work(&mut tx, actor, id, status, note, at).map_err(|e| match e {
            Error::Store(e) => e,
            Error::Refused(why) => store::Error::Conflict(why),
        })?;
        (before, after)
    };
    let mut event = who;
    event.action = Action::Update;
    let event = event
        .record("surveillance_alert", id)
        .categories(&[DataCategory::Encounters, DataCategory::Diagnoses])
        .reason(&format!(
            "surveillance alert {id} ({} {} {} {}) marked {}",
            after.record.syndrome,
            after.record.place,
            after.record.day,
            after.record.method,
            status.as_str()
        ))
        .changes(
            serde_json::to_string(&before.record).ok(),
            serde_json::to_string(&after.record).ok(),
        );
    audited.append(&event)?;
    Ok(after)
}

/// An alert as the JSON API and `chartroom surveillance alerts --json` give it, with the
/// count as the reader may see it (`None` withheld).
pub fn alert_json(alert: &Stored<SurveillanceAlert>, observed: Option<i64>) -> serde_json::Value {
    let r = &alert.record;
    serde_json::json!({
        "id": alert.meta.id,
        "version": alert.meta.version,
        "syndrome": r.syndrome,
        "place": r.place,
        "day": r.day.to_string(),
        "method": r.method,
        "observed": observed,
        "expected": r.expected,
        "statistic": r.statistic,
        "threshold": r.threshold,
        "p_value": r.p_value,
        "level": r.level.as_str(),
        "status": r.status.as_str(),
        "note": r.note,
        "worked_by": r.worked_by,
        "worked_at": r.worked_at.map(|at| at.to_string()),
    })
}

/// One day of an epi curve as the JSON API and `chartroom surveillance counts --json` give
/// it, with the counts as the reader may see them.
pub fn day_json(
    day: &DayCount,
    point: Option<&Point>,
    shown: impl Fn(i64) -> Option<i64>,
) -> serde_json::Value {
    serde_json::json!({
        "day": day.day.to_string(),
        "visits": shown(day.visits),
        "all_visits": shown(day.all_visits),
        "expected": point.map(|p| p.expected),
        "threshold": point.and_then(|p| p.threshold),
        "statistic": point.and_then(|p| p.statistic),
        "p_value": point.and_then(|p| p.p_value),
        "level": point.map(|p| p.level.as_str()),
    })
}

/// Whether a role limited to aggregates must not see `count` (1 to `min_cell` - 1: a cell
/// that small can identify a person; none is still shown as none).
pub fn suppressed(count: i64, min_cell: i64) -> bool {
    count > 0 && count < min_cell
}

/// A syndrome's epi curve in one place: the daily counts, what a method says of each day,
/// and the alerts kept for those days.
#[derive(Debug, Clone)]
pub struct EpiCurve {
    /// Every day from the first to the last asked.
    pub days: Vec<DayCount>,
    /// The method's answer per day (`None` where untested).
    pub points: Vec<Option<Point>>,
    /// Why the method could not test the series, if it could not.
    pub too_short: Option<TooShort>,
    /// The alerts of the syndrome and place in the range.
    pub alerts: Vec<Stored<SurveillanceAlert>>,
}

/// The epi curve of `syndrome` in `place` (`all` for every place) between two days, with
/// `method`'s expected counts and bounds (its baseline read from before `from`).
pub fn epi_curve(
    tx: &mut Tx<'_>,
    syndrome: &str,
    place: &str,
    from: Date,
    to: Date,
    method: Method,
) -> store::Result<EpiCurve> {
    let start = from - Duration::days(method.history_days());
    let series = series_of(tx, syndrome, place, start, to)?;
    let values: Vec<f64> = series.iter().map(|d| d.visits as f64).collect();
    let (offset, points) = run_from(method, &series, &values, from);
    let (points, too_short) = match points {
        Ok(points) => (points, None),
        Err(short) => (vec![None; values.len() - offset], Some(short)),
    };
    let (days, points): (Vec<DayCount>, Vec<Option<Point>>) = series
        .into_iter()
        .skip(offset)
        .zip(points)
        .filter(|(d, _)| d.day >= from)
        .unzip();
    let alerts = tx.select::<SurveillanceAlert>(
        "syndrome = ? AND place = ? AND day >= ? AND day <= ?",
        &[
            Value::from(syndrome),
            Value::from(place),
            Value::Date(from),
            Value::Date(to),
        ],
        "day, method",
        1000,
    )?;
    Ok(EpiCurve {
        days,
        points,
        too_short,
        alerts,
    })
}

/// One place's alerts in a range: the map-like table of places by alert level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceAlerts {
    /// The ZIP3 (or `all`).
    pub place: String,
    /// Red alerts.
    pub red: i64,
    /// Yellow alerts.
    pub yellow: i64,
    /// Alerts still open.
    pub open: i64,
    /// The syndromes alerting, comma-separated.
    pub syndromes: String,
}

/// Places with alerts between two days, the most red first.
pub fn places_by_level(tx: &mut Tx<'_>, from: Date, to: Date) -> store::Result<Vec<PlaceAlerts>> {
    let rows = tx.query(
        "SELECT place, syndrome, level, status, CAST(COUNT(*) AS BIGINT) FROM surveillance_alerts \
         WHERE deleted_at IS NULL AND day >= ? AND day <= ? GROUP BY place, syndrome, level, status",
        &[Value::Date(from), Value::Date(to)],
    )?;
    let mut by_place: std::collections::BTreeMap<String, (PlaceAlerts, Vec<String>)> =
        std::collections::BTreeMap::new();
    for row in rows {
        let place = row.text(0).unwrap_or_default().to_owned();
        let entry = by_place.entry(place.clone()).or_insert_with(|| {
            (
                PlaceAlerts {
                    place,
                    red: 0,
                    yellow: 0,
                    open: 0,
                    syndromes: String::new(),
                },
                Vec::new(),
            )
        });
        let n = row.int(4);
        if row.text(2) == Some("red") {
            entry.0.red += n;
        } else {
            entry.0.yellow += n;
        }
        if row.text(3) == Some("open") {
            entry.0.open += n;
        }
        let syndrome = row.text(1).unwrap_or_default().to_owned();
        if !entry.1.contains(&syndrome) {
            entry.1.push(syndrome);
        }
    }
    let mut out: Vec<PlaceAlerts> = by_place
        .into_values()
        .map(|(mut place, mut syndromes)| {
            syndromes.sort();
            place.syndromes = syndromes.join(", ");
            place
        })
        .collect();
    out.sort_by(|a, b| {
        b.red
            .cmp(&a.red)
            .then(b.yellow.cmp(&a.yellow))
            .then(a.place.cmp(&b.place))
    });
    Ok(out)
}

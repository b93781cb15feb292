//! Delinquency metrics as accreditation surveys and medical staff offices ask for them:
//! open deficiencies by age and by physician, delinquent records (any deficiency past its
//! due time), the delinquency rate against average monthly discharges (the survey
//! threshold is 50%), and the suspension list of physicians with deficiencies past a set
//! number of days overdue.

use records::{DeficiencyStatus, Encounter, EncounterClass};
use serde::Serialize;
use std::collections::BTreeMap;
use store::{Filter, Op, Tx, Value};
use time::{Duration, OffsetDateTime};

/// Age bands of open deficiencies, in days since their clock started.
const AGE_BANDS: &[(i64, &str)] = &[
    (7, "0-7 days"),
    (14, "8-14 days"),
    (30, "15-30 days"),
    (60, "31-60 days"),
    (i64::MAX, "over 60 days"),
];

/// One physician's open work.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderLine {
    /// Provider id.
    pub provider_id: i64,
    /// Open deficiencies.
    pub open: u64,
    /// Of those, past due.
    pub delinquent: u64,
    /// Days the most overdue one is past due (0 when none is).
    pub most_days_overdue: i64,
}

/// The department's review figures at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// When they were taken.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Open deficiencies.
    pub open: u64,
    /// Open deficiencies past due.
    pub delinquent: u64,
    /// Open deficiencies by age band.
    pub by_age: Vec<(String, u64)>,
    /// Open deficiencies by responsible physician.
    pub by_provider: Vec<ProviderLine>,
    /// Records (encounters, or the patient for chart-wide ones) with a deficiency past due.
    pub delinquent_records: u64,
    /// Inpatient discharges in the twelve months before `at`, per month.
    pub average_monthly_discharges: f64,
    /// Delinquent records as a percentage of average monthly discharges (`None` without
    /// discharges).
    pub delinquency_rate: Option<f64>,
    /// Physicians with a deficiency more than `suspend_after_days` past due, most
    /// overdue first.
    pub suspension: Vec<ProviderLine>,
    /// The suspension threshold used.
    pub suspend_after_days: i64,
    /// Physician queries asked (not withdrawn).
    pub queries_asked: u64,
    /// Of those, answered.
    pub queries_answered: u64,
    /// Median hours from asking to answer, over the answered ones.
    pub median_answer_hours: Option<f64>,
}

/// Inpatient discharges in the twelve months before `at`, per month: the denominator of
/// the delinquency rate, today's and each month-end's of the trend alike.
pub(crate) fn average_monthly_discharges(
    tx: &mut Tx<'_>,
    at: OffsetDateTime,
) -> store::Result<f64> {
    let discharges = tx.count::<Encounter>(&[
        Filter::Compare(
            "class",
            Op::Eq,
            Value::from(EncounterClass::Inpatient.as_str()),
        ),
        Filter::Compare(
            "discharge_at",
            Op::Ge,
            Value::Timestamp(at - Duration::days(365)),
        ),
        Filter::Compare("discharge_at", Op::Lt, Value::Timestamp(at)),
    ])?;
    Ok(discharges as f64 / 12.0)
}

/// The figures at `now`; physicians with a deficiency more than `suspend_after_days` past
/// due are on the suspension list.
pub fn metrics(
    tx: &mut Tx<'_>,
    now: OffsetDateTime,
    suspend_after_days: i64,
) -> store::Result<Metrics> {
    let open_statuses: Vec<&str> = DeficiencyStatus::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(DeficiencyStatus::as_str)
        .collect();
    // The database counts: one grouped pass over the open deficiencies, with the age bands
    // and lateness as comparisons against instants computed here (both engines compare
    // instants in order), so no row comes back per deficiency.
    let marks = vec!["?"; open_statuses.len()].join(", ");
    let open_filter = format!("deleted_at IS NULL AND status IN ({marks})");
    let status_params: Vec<Value> = open_statuses.iter().map(|s| Value::from(*s)).collect();
    // A deficiency is `age` whole days old when since > now - (age + 1) days.
    let band_edges: Vec<Value> = AGE_BANDS
        .iter()
        .filter(|(upto, _)| *upto != i64::MAX)
        .map(|(upto, _)| Value::Timestamp(now - Duration::days(upto + 1)))
        .collect();
    let band_sums = band_edges
        .iter()
        .map(|_| "CAST(SUM(CASE WHEN since > ? THEN 1 ELSE 0 END) AS BIGINT)")
        .collect::<Vec<_>>()
        .join(", ");
    let mut params = band_edges.clone();
    params.push(Value::Timestamp(now));
    params.push(Value::Timestamp(now));
    params.extend(status_params.iter().cloned());
    let rows = tx.query(
        &format!(
            "SELECT provider_id, CAST(COUNT(*) AS BIGINT), {band_sums}, \
             CAST(SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END) AS BIGINT), \
             MIN(CASE WHEN due_at < ? THEN due_at END) \
             FROM deficiencies WHERE {open_filter} GROUP BY provider_id"
        ),
        &params,
    )?;
    let n_edges = band_edges.len();
    let mut by_age = vec![0_u64; AGE_BANDS.len()];
    let mut providers: BTreeMap<i64, ProviderLine> = BTreeMap::new();
    let mut delinquent = 0;
    let mut open = 0;
    for row in &rows {
        let count = row.get(1).as_int().unwrap_or(0).max(0) as u64;
        open += count;
        // Bands are cumulative in SQL ("younger than the edge"): difference them.
        let mut younger_before = 0_u64;
        for (band, n) in by_age.iter_mut().enumerate().take(n_edges) {
            let younger = row.get(2 + band).as_int().unwrap_or(0).max(0) as u64;
            *n += younger - younger_before.min(younger);
            younger_before = younger;
        }
        if let Some(last) = by_age.last_mut() {
            *last += count - younger_before.min(count);
        }
        let late = row.get(2 + n_edges).as_int().unwrap_or(0).max(0) as u64;
        delinquent += late;
        if let Some(provider) = row.get(0).as_int() {
            let most_days_overdue = row
                .get(3 + n_edges)
                .as_instant()
                .map_or(0, |due| (now - due).whole_days());
            providers.insert(
                provider,
                ProviderLine {
                    provider_id: provider,
                    open: count,
                    delinquent: late,
                    most_days_overdue,
                },
            );
        }
    }
    let mut late_params = vec![Value::Timestamp(now)];
    late_params.extend(status_params);
    let delinquent_records = tx
        .query(
            &format!(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT DISTINCT patient_id, encounter_id \
                 FROM deficiencies WHERE due_at < ? AND {open_filter}) late"
            ),
            &late_params,
        )?
        .first()
        .and_then(|r| r.get(0).as_int())
        .unwrap_or(0)
        .max(0) as u64;
    let asked = tx.query(
        "SELECT asked_at, answered_at FROM physician_queries WHERE deleted_at IS NULL AND status <> 'withdrawn'",
        &[],
    )?;
    let mut turnaround: Vec<f64> = asked
        .iter()
        .filter_map(|row| {
            let (asked, answered) = (row.get(0).as_instant()?, row.get(1).as_instant()?);
            Some((answered - asked).as_seconds_f64() / 3600.0)
        })
        .collect();
    turnaround.sort_by(f64::total_cmp);
    let median_answer_hours = match turnaround.len() {
        0 => None,
        n if n % 2 == 1 => turnaround.get(n / 2).copied(),
        n => Some(
            (turnaround.get(n / 2 - 1).copied().unwrap_or(0.0)
                + turnaround.get(n / 2).copied().unwrap_or(0.0))
                / 2.0,
        ),
    };
    let average_monthly_discharges = average_monthly_discharges(tx, now)?;
    let mut by_provider: Vec<ProviderLine> = providers.into_values().collect();
    by_provider.sort_by(|a, b| b.delinquent.cmp(&a.delinquent).then(b.open.cmp(&a.open)));
    let mut suspension: Vec<ProviderLine> = by_provider
        .iter()
        .filter(|p| p.most_days_overdue > suspend_after_days)
        .cloned()
        .collect();
    suspension.sort_by_key(|p| std::cmp::Reverse(p.most_days_overdue));
    Ok(Metrics {
        at: now,
        open,
        delinquent,
        by_age: AGE_BANDS
            .iter()
            .zip(by_age)
            .map(|((_, label), n)| ((*label).to_owned(), n))
            .collect(),
        by_provider,
        delinquent_records,
        average_monthly_discharges,
        delinquency_rate: (average_monthly_discharges > 0.0)
            .then(|| 100.0 * delinquent_records as f64 / average_monthly_discharges),
        suspension,
        suspend_after_days,
        queries_asked: asked.len() as u64,
        queries_answered: turnaround.len() as u64,
        median_answer_hours,
    })
}

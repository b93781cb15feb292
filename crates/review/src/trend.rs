//! The monthly trend of the delinquency rate, rebuilt from the deficiencies' own dates: a
//! record was delinquent at a month's end when one of its deficiencies had fallen due
//! before then and was not yet resolved or waived. Surveys read the rate month by month
//! (The Joint Commission's medical-record delinquency standard: under 50% of average
//! monthly discharges), so one figure for today is not enough.
//!
//! Invariant: the trend is reconstructed from `due_at` and `closed_at` as they stand now;
//! a deficiency reopened after being resolved counts as open since it fell due (its
//! `closed_at` is cleared), which can only overstate a past month, never hide one.

use crate::metrics::average_monthly_discharges;
use serde::Serialize;
use std::collections::HashSet;
use store::{Tx, Value};
use time::{Date, Month, OffsetDateTime, Time};

/// A record (patient, encounter) with one deficiency's due and closing times.
type Late = ((i64, Option<i64>), OffsetDateTime, Option<OffsetDateTime>);

/// The rate at the end of one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthPoint {
    /// The month, `2026-02`.
    pub month: String,
    /// The instant the month ended (the first of the next month, midnight UTC), or the
    /// reading time for the month still running.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Records with a deficiency past due at `at`.
    pub delinquent_records: u64,
    /// Inpatient discharges in the twelve months before `at`, per month.
    pub average_monthly_discharges: f64,
    /// Delinquent records as a percentage of the average monthly discharges.
    pub delinquency_rate: Option<f64>,
}

/// The first instant of the month `back` months before `date`'s.
fn month_start(date: Date, back: u32) -> OffsetDateTime {
    let index = date.year() * 12 + i32::from(u8::from(date.month())) - 1 - back as i32;
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) as u8 + 1);
    let month = Month::try_from(month).unwrap_or(Month::January);
    Date::from_calendar_date(year, month, 1)
        .unwrap_or(date)
        .with_time(Time::MIDNIGHT)
        .assume_utc()
}

/// The last `months` months up to `now` (the running one last, read at `now`), oldest
/// first.
pub fn delinquency_trend(
    tx: &mut Tx<'_>,
    now: OffsetDateTime,
    months: u32,
) -> store::Result<Vec<MonthPoint>> {
    let months = months.clamp(1, 60);
    let today = now.to_offset(time::UtcOffset::UTC).date();
    // Each point: the month it reports and the instant it is read at.
    let points: Vec<(OffsetDateTime, OffsetDateTime)> = (0..months)
        .rev()
        .map(|back| {
            let start = month_start(today, back);
            let end = if back == 0 {
                now
            } else {
                month_start(today, back - 1)
            };
            (start, end)
        })
        .collect();
    let first = points.first().map_or(now, |(_, end)| *end);
    // Only deficiencies due before the last reading and still open at the first can count.
    let rows = tx.query(
        "SELECT patient_id, encounter_id, due_at, closed_at FROM deficiencies \
         WHERE deleted_at IS NULL AND due_at < ? AND (closed_at IS NULL OR closed_at > ?)",
        &[Value::Timestamp(now), Value::Timestamp(first)],
    )?;
    let late: Vec<Late> = rows
        .iter()
        .filter_map(|row| {
            let record = (row.get(0).as_int()?, row.get(1).as_int());
            Some((record, row.get(2).as_instant()?, row.get(3).as_instant()))
        })
        .collect();
    let mut trend = Vec::with_capacity(points.len());
    for (start, at) in points {
        let records: HashSet<(i64, Option<i64>)> = late
            .iter()
            .filter(|(_, due, closed)| *due < at && closed.is_none_or(|c| c > at))
            .map(|(record, _, _)| *record)
            .collect();
        let average = average_monthly_discharges(tx, at)?;
        let delinquent_records = records.len() as u64;
        trend.push(MonthPoint {
            month: format!("{}-{:02}", start.year(), u8::from(start.month())),
            at,
            delinquent_records,
            average_monthly_discharges: average,
            delinquency_rate: (average > 0.0).then(|| 100.0 * delinquent_records as f64 / average),
        });
    }
    Ok(trend)
}

//! Which doses of a childhood series count: ACIP's minimum ages and minimum intervals
//! between doses (`acip_minimums.toml`, from CDC's General Best Practice Guidelines,
//! Table 3-1), with the 4-day grace period.
//!
//! Invariants:
//! - Pure: a child's birth date and dose days in, the doses that count and those that do
//!   not out; no clock, no store.
//! - A dose too early (for the child's age, after the dose before it, or after the first
//!   counted dose where the table says so) does not count and is counted as invalid; the
//!   next dose is measured from it all the same (a repeat dose is spaced after the invalid
//!   one). Doses past those the series needs are neither.

use super::late_start::{self, CDC_CATCH_UP, LateStart};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, Duration, Month};

/// The table as shipped.
pub const ACIP_MINIMUMS: &str = include_str!("acip_minimums.toml");

/// A span of time as the table writes it (`6w`, `12m`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Days.
    Days(i64),
    /// Weeks of 7 days.
    Weeks(i64),
    /// Calendar months.
    Months(i32),
    /// Calendar years.
    Years(i32),
}

impl Span {
    /// Reads `6w`, `4m`, `0d`, `1y`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let unit = text.chars().last()?;
        let number = text.get(..text.len() - unit.len_utf8())?;
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) || number.len() > 4 {
            return None;
        }
        let n: i32 = number.parse().ok()?;
        match unit {
            'd' => Some(Self::Days(i64::from(n))),
            'w' => Some(Self::Weeks(i64::from(n))),
            'm' => Some(Self::Months(n)),
            'y' => Some(Self::Years(n)),
            _ => None,
        }
    }

    /// The day this span after `day` (a month's missing day is its last).
    pub fn after(self, day: Date) -> Date {
        match self {
            Self::Days(n) => day.saturating_add(Duration::days(n)),
            Self::Weeks(n) => day.saturating_add(Duration::weeks(n)),
            Self::Months(n) => months_after(day, n),
            Self::Years(n) => months_after(day, n.saturating_mul(12)),
        }
    }
}

fn months_after(day: Date, months: i32) -> Date {
    let index = day.year() * 12 + i32::from(u8::from(day.month())) - 1 + months;
    let year = index.div_euclid(12);
    let month = u8::try_from(index.rem_euclid(12) + 1)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .unwrap_or(Month::January);
    let last = month.length(year);
    Date::from_calendar_date(year, month, day.day().min(last)).unwrap_or(day)
}

/// One series' minimums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesMinimums {
    /// The youngest age for each dose, first dose first.
    pub min_age: Vec<Span>,
    /// The least time from each dose to the next.
    pub min_interval: Vec<Span>,
    /// Dose number (1-based) to the least time since the first counted dose.
    pub from_first: BTreeMap<usize, Span>,
    /// The oldest age the routine schedule gives each dose at (empty: not written); a
    /// child older without it is behind (overdue).
    pub due_by: Vec<Span>,
}

/// The minimums of every series, with the grace period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minimums {
    /// Days before a minimum age or interval a dose still counts.
    pub grace_days: i64,
    /// By series name (`CHILDHOOD_SERIES`' names).
    pub series: BTreeMap<String, SeriesMinimums>,
    /// The catch-up schedule's rules for series started late (`late_start`), by series
    /// name; read only by the catch-up list, never by the coverage measures.
    pub late_start: LateStart,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMinimums {
    grace_days: i64,
    series: BTreeMap<String, RawSeries>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeries {
    min_age: Vec<String>,
    min_interval: Vec<String>,
    #[serde(default)]
    from_first: BTreeMap<String, String>,
    #[serde(default)]
    due_by: Vec<String>,
}

/// A table that cannot be read, with what and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("minimum ages and intervals: {0}")]
pub struct MinimumsError(String);

impl MinimumsError {
    pub(super) fn new(problem: String) -> Self {
        Self(problem)
    }
}

impl Minimums {
    /// The shipped table (ACIP's), with CDC's catch-up rules for Hib and PCV.
    pub fn acip() -> Result<Self, MinimumsError> {
        Self::parse(ACIP_MINIMUMS)?.with_late_start(CDC_CATCH_UP)
    }

    /// This table with the late-start rules written in `text` (as `acip_catch_up.toml`).
    pub fn with_late_start(mut self, text: &str) -> Result<Self, MinimumsError> {
        self.late_start = late_start::parse(text, &self.series)?;
        Ok(self)
    }

    /// Reads a table written as `acip_minimums.toml` is (no late-start rules).
    pub fn parse(text: &str) -> Result<Self, MinimumsError> {
        let raw: RawMinimums =
            toml::from_str(text).map_err(|e| MinimumsError(e.to_string().trim().to_owned()))?;
        if !(0..=30).contains(&raw.grace_days) {
            return Err(MinimumsError(format!(
                "grace_days: {} is not from 0 to 30",
                raw.grace_days
            )));
        }
        let span = |series: &str, field: &str, text: &str| {
            Span::parse(text).ok_or_else(|| {
                MinimumsError(format!(
                    "series.{series}.{field}: \"{text}\" is not a span such as 6w, 4m, 0d or 1y"
                ))
            })
        };
        let mut series = BTreeMap::new();
        for (name, raw_series) in raw.series {
            let min_age = raw_series
                .min_age
                .iter()
                .map(|t| span(&name, "min_age", t))
                .collect::<Result<Vec<_>, _>>()?;
            let min_interval = raw_series
                .min_interval
                .iter()
                .map(|t| span(&name, "min_interval", t))
                .collect::<Result<Vec<_>, _>>()?;
            if min_age.is_empty() || min_interval.len() + 1 != min_age.len() {
                return Err(MinimumsError(format!(
                    "series.{name}: {} minimum ages need {} intervals between them, found {}",
                    min_age.len(),
                    min_age.len().saturating_sub(1),
                    min_interval.len()
                )));
            }
            let due_by = raw_series
                .due_by
                .iter()
                .map(|t| span(&name, "due_by", t))
                .collect::<Result<Vec<_>, _>>()?;
            if !due_by.is_empty() && due_by.len() != min_age.len() {
                return Err(MinimumsError(format!(
                    "series.{name}.due_by: {} ages written, one per dose needs {}",
                    due_by.len(),
                    min_age.len()
                )));
            }
            let mut from_first = BTreeMap::new();
            for (dose, text) in &raw_series.from_first {
                let number = dose
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (2..=min_age.len()).contains(n))
                    .ok_or_else(|| {
                        MinimumsError(format!(
                            "series.{name}.from_first: \"{dose}\" is not a dose from 2 to {}",
                            min_age.len()
                        ))
                    })?;
                from_first.insert(number, span(&name, "from_first", text)?);
            }
            series.insert(
                name,
                SeriesMinimums {
                    min_age,
                    min_interval,
                    from_first,
                    due_by,
                },
            );
        }
        Ok(Self {
            grace_days: raw.grace_days,
            series,
            late_start: LateStart::new(),
        })
    }
}

/// The doses of one series that count and those that do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Evaluated {
    /// Doses that count, at most as many as the table has minimum ages.
    pub valid: usize,
    /// Doses given too early (age or interval).
    pub invalid: usize,
}

/// Where a child stands in one series: what `evaluate` says, and the days the next dose
/// is spaced from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// The doses that count and those that do not.
    pub evaluated: Evaluated,
    /// The day of the first dose that counts.
    pub first_valid: Option<Date>,
    /// The day of the last dose read, counted or not (the next is spaced after it).
    pub last_given: Option<Date>,
}

impl SeriesMinimums {
    /// Evaluates `days` (distinct, ascending) of one series given to a child born `birth`,
    /// allowing `grace_days`.
    pub fn evaluate(&self, birth: Date, days: &[Date], grace_days: i64) -> Evaluated {
        self.evaluate_with(birth, days, grace_days, &BTreeSet::new())
    }

    /// `evaluate`, with the days in `live_too_soon` (live doses given fewer than 28 days
    /// after another live vaccine, `live::too_soon`) counted as invalid whatever the table
    /// says.
    pub fn evaluate_with(
        &self,
        birth: Date,
        days: &[Date],
        grace_days: i64,
        live_too_soon: &BTreeSet<Date>,
    ) -> Evaluated {
        self.progress(birth, days, grace_days, live_too_soon)
            .evaluated
    }

    /// `evaluate_with`, and the days the next dose is spaced from.
    pub fn progress(
        &self,
        birth: Date,
        days: &[Date],
        grace_days: i64,
        live_too_soon: &BTreeSet<Date>,
    ) -> Progress {
        let grace = Duration::days(grace_days);
        let counts = |earliest: Date, day: Date| day >= earliest.saturating_sub(grace);
        let mut evaluated = Evaluated::default();
        let mut previous: Option<Date> = None;
        let mut first_counted: Option<Date> = None;
        for &day in days {
            let Some(min_age) = self.min_age.get(evaluated.valid) else {
                break;
            };
            // The interval before this dose is the one before the dose it would be; a
            // first dose after an invalid one is spaced as a second dose is after a first.
            let interval = self
                .min_interval
                .get(evaluated.valid.saturating_sub(1))
                .copied();
            let old_enough = counts(min_age.after(birth), day);
            let spaced = match (previous, interval) {
                (Some(previous), Some(interval)) => counts(interval.after(previous), day),
                _ => true,
            };
            let after_first = match (self.from_first.get(&(evaluated.valid + 1)), first_counted) {
                (Some(span), Some(first)) => counts(span.after(first), day),
                _ => true,
            };
            if old_enough && spaced && after_first && !live_too_soon.contains(&day) {
                evaluated.valid += 1;
                first_counted.get_or_insert(day);
            } else {
                evaluated.invalid += 1;
            }
            previous = Some(day);
        }
        Progress {
            evaluated,
            first_valid: first_counted,
            last_given: previous,
        }
    }
}

#[cfg(test)]
mod tests;

//! The catch-up list for one child behind schedule: for each series of the childhood
//! measure not yet complete, the next dose, the earliest day it may be given and whether
//! it is overdue (ACIP's catch-up schedule: a child behind is given the next dose as soon
//! as the minimum ages and intervals allow, never restarting a series).
//!
//! Invariants:
//! - Pure: a child, the day and the table in; the doses due out.
//! - Only the doses given up to the day are read, and only those that count (`validity`,
//!   with the 28-day live rule of `live`) move the series on; the next dose is spaced from
//!   the last dose given, counted or not, as `validity` measures it.
//! - The earliest day uses the minimums without the 4-day grace period: the Guidelines
//!   allow the grace when judging a dose already given, never when scheduling one.
//! - Not modelled: the catch-up schedule's shorter Hib and PCV series for a child who
//!   starts late (the measure counts 3 and 4 doses whatever the age).

use super::validity::Minimums;
use super::{CHILDHOOD_SERIES, Person, bare, live};
use serde::Serialize;
use time::Date;

/// One dose a child needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DoseDue {
    /// The series (`DTaP`).
    pub series: &'static str,
    /// The dose's number in the series, from 1.
    pub dose: usize,
    /// Of how many the measure counts.
    pub of: usize,
    /// The earliest day it may be given (YYYY-MM-DD in JSON).
    #[serde(serialize_with = "iso_date")]
    pub earliest: Date,
    /// It may be given on the day asked about (`earliest` is that day or before).
    pub due: bool,
    /// The child is older than the routine schedule's age for it.
    pub overdue: bool,
}

fn iso_date<S: serde::Serializer>(day: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(day)
}

/// The next dose of each series `person` has not completed by `as_of`, by
/// `CHILDHOOD_SERIES`' order. A series the table lacks is left out (no minimums to space
/// it by).
pub fn catch_up(person: &Person, as_of: Date, minimums: &Minimums) -> Vec<DoseDue> {
    let given: Vec<(String, Date)> = person
        .doses
        .iter()
        .filter(|(_, day)| *day <= as_of)
        .cloned()
        .collect();
    let live_too_soon = live::too_soon(&given);
    let next_live = live::next_live_day(&given);
    let birth = person.birth_date;
    let mut due = Vec::new();
    for series in &CHILDHOOD_SERIES {
        let Some(rules) = minimums.series.get(series.name) else {
            continue;
        };
        let mut days: Vec<Date> = given
            .iter()
            .filter(|(cvx, _)| series.cvx.contains(&bare(cvx)))
            .map(|(_, day)| *day)
            .collect();
        days.sort_unstable();
        days.dedup();
        let progress = rules.progress(
            birth,
            &days,
            minimums.grace_days,
            series.live_too_soon(&live_too_soon),
        );
        let valid = progress.evaluated.valid;
        if valid >= series.doses {
            continue;
        }
        let Some(min_age) = rules.min_age.get(valid) else {
            continue;
        };
        let mut earliest = min_age.after(birth);
        // As `validity` spaces a dose: a first dose after an invalid one as a second.
        if let (Some(last), Some(interval)) = (
            progress.last_given,
            rules.min_interval.get(valid.saturating_sub(1)),
        ) {
            earliest = earliest.max(interval.after(last));
        }
        if let (Some(first), Some(span)) =
            (progress.first_valid, rules.from_first.get(&(valid + 1)))
        {
            earliest = earliest.max(span.after(first));
        }
        if series.is_live()
            && let Some(next_live) = next_live
        {
            earliest = earliest.max(next_live);
        }
        let overdue = rules
            .due_by
            .get(valid)
            .is_some_and(|age| as_of > age.after(birth));
        due.push(DoseDue {
            series: series.name,
            dose: valid + 1,
            of: series.doses,
            earliest,
            due: earliest <= as_of,
            overdue,
        });
    }
    due
}

#[cfg(test)]
mod tests;

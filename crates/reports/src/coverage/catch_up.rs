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
//! - A series started late or left part way follows CDC's catch-up schedule where
//!   `late_start` has rules for it (Hib, PCV): fewer doses in all (`of`), none at all past
//!   the age the schedule stops at, or a longer wait; each dose given is judged by the rule
//!   holding on its day.

use super::late_start::Schedule;
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
    /// Of how many the series needs: the measure's count, fewer when the catch-up schedule
    /// says so for a child who started late (the most it may still need: a later dose may
    /// end the series sooner).
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
        let schedule = Schedule {
            minimums: rules,
            rules: minimums
                .late_start
                .get(series.name)
                .map_or(&[], Vec::as_slice),
            doses: series.doses,
            birth,
        };
        let standing = schedule.walk(
            &days,
            minimums.grace_days,
            series.live_too_soon(&live_too_soon),
        );
        let Some(need) = schedule.need(&standing, as_of) else {
            continue;
        };
        let valid = standing.counted.len();
        let mut earliest = need.earliest_by_rule;
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
            of: need.of,
            earliest,
            due: earliest <= as_of,
            overdue,
        });
    }
    due
}

#[cfg(test)]
mod tests;

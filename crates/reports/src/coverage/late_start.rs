//! The catch-up schedule for a series started late or left part way (CDC's Table 2 for Hib
//! and PCV, `acip_catch_up.toml`): by the child's age at the first and last counted doses
//! and on the day, fewer doses in all, no further dose, or a longer wait than the routine
//! minimums.
//!
//! Invariants:
//! - Pure: a child's birth and dose days, the day, the rules in; no clock, no store.
//! - A rule only ever narrows the routine series: its interval and minimum age are added to
//!   the routine ones (the later day wins) and its dose count never exceeds the measure's.
//! - A dose already given is judged by the rule holding on the day it was given, so a
//!   second Hib dose four weeks after a first at 13 months does not count (8 weeks were
//!   needed) and the repeat is spaced after it, as `validity` spaces any invalid dose.

use super::validity::{MinimumsError, SeriesMinimums, Span};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, Duration};

/// The rules as shipped.
pub const CDC_CATCH_UP: &str = include_str!("acip_catch_up.toml");

/// Ages a condition holds between (at least `from`, younger than `before`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AgeRange {
    /// At least this old.
    pub from: Option<Span>,
    /// Younger than this.
    pub before: Option<Span>,
}

impl AgeRange {
    fn holds(&self, birth: Date, day: Option<Date>) -> bool {
        if self.from.is_none() && self.before.is_none() {
            return true;
        }
        // A condition on a dose the child has not had does not hold.
        let Some(day) = day else { return false };
        self.from.is_none_or(|from| day >= from.after(birth))
            && self.before.is_none_or(|before| day < before.after(birth))
    }
}

/// What a rule decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No further doses are needed.
    Done,
    /// The next dose, with what the rule adds to the routine minimums.
    Next {
        /// Least time after the dose before it.
        interval: Option<Span>,
        /// Youngest age for it.
        min_age: Option<Span>,
        /// Doses the series then needs in all.
        of: Option<usize>,
    },
}

/// One row of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LateRule {
    /// Doses counted so far (`None`: any number).
    pub after: Option<usize>,
    /// Age at the first counted dose.
    pub first: AgeRange,
    /// Age at the last counted dose.
    pub last: AgeRange,
    /// Age on the day.
    pub now: AgeRange,
    /// What it decides.
    pub outcome: Outcome,
}

impl LateRule {
    fn matches(&self, birth: Date, counted: &[Date], on: Date) -> bool {
        self.after.is_none_or(|after| after == counted.len())
            && self.first.holds(birth, counted.first().copied())
            && self.last.holds(birth, counted.last().copied())
            && self.now.holds(birth, Some(on))
    }
}

/// A series' rules by name (`CHILDHOOD_SERIES`' names).
pub type LateStart = BTreeMap<String, Vec<LateRule>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    series: BTreeMap<String, Vec<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    after: Option<usize>,
    first_from: Option<String>,
    first_before: Option<String>,
    last_from: Option<String>,
    last_before: Option<String>,
    now_from: Option<String>,
    now_before: Option<String>,
    #[serde(default)]
    done: bool,
    interval: Option<String>,
    min_age: Option<String>,
    of: Option<usize>,
}

/// Reads rules written as `acip_catch_up.toml` is, for the series of `routine` (each rule
/// named by series and number, from 1, when it cannot be read).
pub fn parse(
    text: &str,
    routine: &BTreeMap<String, SeriesMinimums>,
) -> Result<LateStart, MinimumsError> {
    let raw: RawSchedule = toml::from_str(text)
        .map_err(|e| MinimumsError::new(format!("catch-up rules: {}", e.to_string().trim())))?;
    let mut schedule = LateStart::new();
    for (name, raw_rules) in raw.series {
        let Some(minimums) = routine.get(&name) else {
            return Err(MinimumsError::new(format!(
                "catch-up rules: series.{name}: not a series of the minimums table"
            )));
        };
        let doses = minimums.min_age.len();
        let mut rules = Vec::with_capacity(raw_rules.len());
        for (idx, raw) in raw_rules.into_iter().enumerate() {
            let at = |field: &str, problem: String| {
                MinimumsError::new(format!(
                    "catch-up rules: series.{name} rule {}: {field}: {problem}",
                    idx + 1
                ))
            };
            let span = |field: &str, text: &Option<String>| {
                text.as_deref()
                    .map(|t| {
                        Span::parse(t).ok_or_else(|| {
                            at(
                                field,
                                format!("\"{t}\" is not a span such as 8w, 12m, 0d or 5y"),
                            )
                        })
                    })
                    .transpose()
            };
            let range = |from: (&str, &Option<String>), before: (&str, &Option<String>)| {
                Ok::<_, MinimumsError>(AgeRange {
                    from: span(from.0, from.1)?,
                    before: span(before.0, before.1)?,
                })
            };
            if let Some(after) = raw.after
                && after >= doses
            {
                return Err(at(
                    "after",
                    format!("{after} doses: the series has {doses}, so none follows"),
                ));
            }
            let outcome = if raw.done {
                if raw.interval.is_some() || raw.min_age.is_some() || raw.of.is_some() {
                    return Err(at(
                        "done",
                        "a rule that ends the series gives no interval, min_age or of".into(),
                    ));
                }
                Outcome::Done
            } else {
                if let Some(of) = raw.of
                    && (of == 0 || of > doses || raw.after.is_some_and(|after| of <= after))
                {
                    return Err(at(
                        "of",
                        format!("{of} is not from the next dose's number to {doses}"),
                    ));
                }
                Outcome::Next {
                    interval: span("interval", &raw.interval)?,
                    min_age: span("min_age", &raw.min_age)?,
                    of: raw.of,
                }
            };
            rules.push(LateRule {
                after: raw.after,
                first: range(
                    ("first_from", &raw.first_from),
                    ("first_before", &raw.first_before),
                )?,
                last: range(
                    ("last_from", &raw.last_from),
                    ("last_before", &raw.last_before),
                )?,
                now: range(("now_from", &raw.now_from), ("now_before", &raw.now_before))?,
                outcome,
            });
        }
        schedule.insert(name, rules);
    }
    Ok(schedule)
}

/// The next dose a series needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// The earliest day by age and by the time since the dose before (and the first).
    pub earliest_by_rule: Date,
    /// Doses the series needs in all.
    pub of: usize,
}

/// One series for one child: the routine minimums, the late-start rules (empty for a
/// series without them) and the measure's dose count.
#[derive(Debug, Clone, Copy)]
pub struct Schedule<'a> {
    /// Routine minimums.
    pub minimums: &'a SeriesMinimums,
    /// Late-start rules, first match wins.
    pub rules: &'a [LateRule],
    /// The doses the measure counts.
    pub doses: usize,
    /// The child's birth date.
    pub birth: Date,
}

/// Where a child stands in one series.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Standing {
    /// Days of the doses that counted, in order.
    pub counted: Vec<Date>,
    /// Doses given too early.
    pub invalid: usize,
    /// The last dose read, counted or not (the next is spaced after it).
    pub last_given: Option<Date>,
}

impl Schedule<'_> {
    /// What the series needs on `on`, after the doses `standing` holds (`None`: nothing).
    /// No grace period: the caller allows it when judging a dose given.
    pub fn need(&self, standing: &Standing, on: Date) -> Option<Need> {
        let counted = &standing.counted;
        let after = counted.len();
        let rule = self
            .rules
            .iter()
            .find(|rule| rule.matches(self.birth, counted, on));
        let (interval, min_age, of) = match rule.map(|rule| rule.outcome) {
            Some(Outcome::Done) => return None,
            Some(Outcome::Next {
                interval,
                min_age,
                of,
            }) => (interval, min_age, of),
            None => (None, None, None),
        };
        let of = of
            .unwrap_or(self.doses)
            .min(self.doses)
            .min(self.minimums.min_age.len());
        if after >= of {
            return None;
        }
        let mut earliest = self.minimums.min_age.get(after)?.after(self.birth);
        if let Some(min_age) = min_age {
            earliest = earliest.max(min_age.after(self.birth));
        }
        if let Some(last) = standing.last_given {
            // A first dose after an invalid one is spaced as a second after a first.
            let routine = self.minimums.min_interval.get(after.saturating_sub(1));
            for span in routine.into_iter().chain(interval.as_ref()) {
                earliest = earliest.max(span.after(last));
            }
        }
        if let (Some(first), Some(span)) =
            (counted.first(), self.minimums.from_first.get(&(after + 1)))
        {
            earliest = earliest.max(span.after(*first));
        }
        Some(Need {
            earliest_by_rule: earliest,
            of,
        })
    }

    /// Judges `days` (distinct, ascending) dose by dose, each by what the series needed on
    /// its day, allowing `grace_days`; live doses in `live_too_soon` never count. Doses
    /// after the series needed nothing more are neither counted nor invalid.
    pub fn walk(&self, days: &[Date], grace_days: i64, live_too_soon: &BTreeSet<Date>) -> Standing {
        let grace = Duration::days(grace_days);
        let mut standing = Standing::default();
        for &day in days {
            let Some(need) = self.need(&standing, day) else {
                break;
            };
            if day >= need.earliest_by_rule.saturating_sub(grace) && !live_too_soon.contains(&day) {
                standing.counted.push(day);
            } else {
                standing.invalid += 1;
            }
            standing.last_given = Some(day);
        }
        standing
    }
}

#[cfg(test)]
mod tests;

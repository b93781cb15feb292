//! The 28-day rule between live vaccines (CDC General Best Practice Guidelines for
//! Immunization, "Timing and Spacing of Immunobiologics": two live injected vaccines, or
//! one and live attenuated influenza vaccine, not given on the same day are given at least
//! 4 weeks apart; a live dose given sooner does not count and is repeated at least 4 weeks
//! after it).
//!
//! Invariants:
//! - Pure: a child's doses in, the live doses given too soon out.
//! - The 4-day grace period does not apply: the Guidelines exclude the interval between
//!   live vaccines from it, since the first vaccine's interferon response can blunt the
//!   second's.
//! - Doses given the same day never invalidate each other; an invalid live dose still starts
//!   the 28 days for the next (the repeat is spaced after it, as the Guidelines say).
//! - Live oral vaccines (rotavirus, oral typhoid, cholera, OPV) are not in the rule: the
//!   Guidelines let them be given at any time before or after another live vaccine.

use std::collections::BTreeSet;
use time::{Date, Duration};

/// Days between two live vaccines not given on the same day.
pub const LIVE_SPACING_DAYS: i64 = 28;

/// CVX codes (without leading zeros) of the live injected vaccines and LAIV in CDC's CVX
/// table: measles, mumps and rubella alone and combined (3 MMR, 4 M/R, 5 measles, 6
/// rubella, 7 mumps, 38 rubella/mumps, 94 MMRV), varicella (21), zoster live (121), LAIV
/// (111, 125, 149, 333), yellow fever (37, 183, 184), BCG (19), vaccinia (75, 105), dengue
/// (56), hepatitis A live (169), Ebola Zaire live (204), chikungunya live (317).
pub const LIVE_CVX: &[&str] = &[
    "3", "4", "5", "6", "7", "19", "21", "37", "38", "56", "75", "94", "105", "111", "121", "125",
    "149", "169", "183", "184", "204", "317", "333",
];

/// Whether `cvx` (leading zeros allowed) is a live vaccine the 28-day rule covers.
pub fn is_live(cvx: &str) -> bool {
    LIVE_CVX.contains(&super::bare(cvx))
}

/// The days of the live doses among `doses` given fewer than 28 days after a live dose
/// given on an earlier day: those doses do not count, whatever series they belong to.
pub fn too_soon(doses: &[(String, Date)]) -> BTreeSet<Date> {
    let live_days: BTreeSet<Date> = doses
        .iter()
        .filter(|(cvx, _)| is_live(cvx))
        .map(|(_, day)| *day)
        .collect();
    let mut invalid = BTreeSet::new();
    let mut previous: Option<Date> = None;
    for day in live_days {
        if previous.is_some_and(|before| day < before.saturating_add(spacing())) {
            invalid.insert(day);
        }
        previous = Some(day);
    }
    invalid
}

/// The earliest day a live dose may follow the live doses among `doses` (none: any day).
pub fn next_live_day(doses: &[(String, Date)]) -> Option<Date> {
    doses
        .iter()
        .filter(|(cvx, _)| is_live(cvx))
        .map(|(_, day)| day.saturating_add(spacing()))
        .max()
}

fn spacing() -> Duration {
    Duration::days(LIVE_SPACING_DAYS)
}

#[cfg(test)]
mod tests;

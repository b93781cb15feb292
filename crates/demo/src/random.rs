//! Small, panic-free sampling helpers over one `StdRng`, so generators read as the
//! distributions they draw from rather than as arithmetic.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::{Date, Duration, OffsetDateTime, Time};

/// The generator for one patient: seeded from the run's seed and the patient's sequence
/// number, so a patient's chart does not depend on batch size or on who came before.
pub(crate) fn patient_rng(seed: u64, sequence: u64) -> StdRng {
    StdRng::seed_from_u64(splitmix(seed ^ splitmix(sequence.wrapping_add(0x5eed))))
}

/// SplitMix64 finaliser: spreads nearby inputs (seed 1, 2, 3...) over the whole space.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// True with probability `p` (clamped to 0..=1).
pub(crate) fn chance(rng: &mut StdRng, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// A uniform integer in `0..n`; 0 when `n` is 0.
pub(crate) fn below(rng: &mut StdRng, n: u64) -> u64 {
    if n == 0 { 0 } else { rng.random_range(0..n) }
}

/// A uniform integer in `low..=high` (or `low` when the range is empty).
pub(crate) fn between(rng: &mut StdRng, low: i64, high: i64) -> i64 {
    if high <= low {
        low
    } else {
        rng.random_range(low..=high)
    }
}

/// One element, uniformly.
pub(crate) fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> Option<&'a T> {
    let n = u64::try_from(items.len()).unwrap_or(0);
    items.get(usize::try_from(below(rng, n)).unwrap_or(0))
}

/// One element, with probability proportional to `weight(item)`; `None` when every
/// weight is zero.
pub(crate) fn weighted<'a, T>(
    rng: &mut StdRng,
    items: &'a [T],
    weight: impl Fn(&T) -> f64,
) -> Option<&'a T> {
    let total: f64 = items.iter().map(|item| weight(item).max(0.0)).sum();
    if total <= 0.0 {
        return None;
    }
    let mut target = rng.random::<f64>() * total;
    for item in items {
        let w = weight(item).max(0.0);
        if target < w && w > 0.0 {
            return Some(item);
        }
        target -= w;
    }
    items.iter().rev().find(|item| weight(item) > 0.0)
}

/// A normal draw (Box-Muller): vitals and lab values scatter around a person's baseline.
pub(crate) fn normal(rng: &mut StdRng, mean: f64, sd: f64) -> f64 {
    let u1 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2 = rng.random::<f64>();
    mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A Poisson count (Knuth's method; rates here are small, a few events per patient).
pub(crate) fn poisson(rng: &mut StdRng, lambda: f64) -> u32 {
    if lambda <= 0.0 {
        return 0;
    }
    let limit = (-lambda.min(60.0)).exp();
    let mut product = rng.random::<f64>();
    let mut count = 0;
    while product > limit && count < 500 {
        product *= rng.random::<f64>();
        count += 1;
    }
    count
}

/// A day in `start..end` (or `start` when the span is empty).
pub(crate) fn day_between(rng: &mut StdRng, start: Date, end: Date) -> Date {
    let span = (end - start).whole_days();
    start + Duration::days(between(rng, 0, span - 1))
}

/// An instant on `day` between the two hours (UTC; the demo does not model time zones).
pub(crate) fn at_hours(
    rng: &mut StdRng,
    day: Date,
    from_hour: i64,
    to_hour: i64,
) -> OffsetDateTime {
    let minutes = between(rng, from_hour * 60, to_hour * 60 - 1);
    let time = Time::from_hms(
        u8::try_from(minutes / 60).unwrap_or(12),
        u8::try_from(minutes % 60).unwrap_or(0),
        0,
    )
    .unwrap_or(Time::MIDNIGHT);
    day.with_time(time).assume_utc()
}

/// Rounds to one decimal place, as vitals are charted.
pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Money with a little scatter around a list price, in whole cents.
pub(crate) fn price(rng: &mut StdRng, cents: i64) -> i64 {
    let factor = 0.9 + 0.2 * rng.random::<f64>();
    // Round to whole dollars: chargemasters carry round prices.
    ((cents as f64 * factor) / 100.0).round() as i64 * 100
}

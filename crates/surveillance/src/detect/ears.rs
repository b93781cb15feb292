//! EARS C1, C2 and C3 as published (Hutwagner, Thompson, Seeman, Treadwell, "The
//! bioterrorism preparedness and response Early Aberration Reporting System (EARS)",
//! J Urban Health 2003; formulas as restated by Fricker, Hegler and Dunfee, Stat Med 2008):
//!
//! - C1(t) = (Y(t) - mean of Y(t-7..t-1)) / sd of the same, alert when above 3;
//! - C2(t) the same over Y(t-9..t-3), a 2-day guard band between baseline and day;
//! - C3(t) = sum over i = t-2..t of max(0, C2(i) - 1), alert when above 2.
//!
//! The standard deviation is the sample one (n - 1), with R `surveillance::earsC`'s
//! `minSigma` floor (0 unless set). C1 and C2 give R's `upperbound` (mean + threshold x sd)
//! and alert exactly when R does (the count is above it). Where the baseline does not vary
//! (sd 0, no floor) the statistic is undefined: the day alerts when its count is above the
//! baseline's, as R's bound says. C3 differs from R on purpose: R's `earsC` compares the two
//! days before with the threshold and leaves the day itself out, so a count never changes
//! its own C3 alarm; here C3 is the published sum over three days including the day.

use super::{Level, Method, Moments, Point, TooShort, long_enough};

/// EARS parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarsParams {
    /// Baseline days (7).
    pub baseline: usize,
    /// The statistic's threshold (3 for C1 and C2, 2 for C3).
    pub threshold: f64,
    /// The standard deviation's floor (R's `minSigma`, 0).
    pub min_sigma: f64,
}

impl Default for EarsParams {
    fn default() -> Self {
        Self {
            baseline: 7,
            threshold: 3.0,
            min_sigma: 0.0,
        }
    }
}

impl EarsParams {
    /// C3's published defaults.
    pub fn c3() -> Self {
        Self {
            threshold: 2.0,
            ..Self::default()
        }
    }
}

/// Mean and floored sd of the `baseline` days ending `lag` days before `t`.
fn baseline(
    moments: &Moments<'_>,
    t: usize,
    lag: usize,
    params: &EarsParams,
) -> Option<(f64, f64)> {
    let end = t.checked_sub(lag)?;
    let start = end.checked_sub(params.baseline)?;
    let (mean, sd) = moments.mean_sd(start, end)?;
    Some((mean, sd.max(params.min_sigma)))
}

/// C1 or C2: the baseline `lag` days back (1 for C1, 3 for C2).
fn shewhart(
    method: Method,
    counts: &[f64],
    params: &EarsParams,
    lag: usize,
) -> Result<Vec<Option<Point>>, TooShort> {
    long_enough(method, counts, params.baseline + lag)?;
    let moments = Moments::new(counts);
    Ok(counts
        .iter()
        .enumerate()
        .map(|(t, &observed)| {
            let (mean, sigma) = baseline(&moments, t, lag - 1, params)?;
            let threshold = mean + params.threshold * sigma;
            Some(Point::against(
                observed,
                mean,
                (sigma > 0.0).then(|| (observed - mean) / sigma),
                threshold,
            ))
        })
        .collect())
}

/// EARS C1.
pub fn c1(counts: &[f64], params: &EarsParams) -> Result<Vec<Option<Point>>, TooShort> {
    shewhart(Method::C1, counts, params, 1)
}

/// EARS C2.
pub fn c2(counts: &[f64], params: &EarsParams) -> Result<Vec<Option<Point>>, TooShort> {
    shewhart(Method::C2, counts, params, 3)
}

/// C2's excess over one standard deviation on a day with count `observed` and C2 baseline
/// `(mean, sigma)`: `max(0, C2 - 1)`, infinite when the baseline does not vary and the count
/// is above it.
fn excess(observed: f64, (mean, sigma): (f64, f64)) -> f64 {
    if sigma > 0.0 {
        ((observed - mean) / sigma - 1.0).max(0.0)
    } else if observed > mean {
        f64::INFINITY
    } else {
        0.0
    }
}

/// EARS C3: each day's C2 baseline and excess are worked out once, and each day sums its
/// own with the two days' before.
pub fn c3(counts: &[f64], params: &EarsParams) -> Result<Vec<Option<Point>>, TooShort> {
    long_enough(Method::C3, counts, params.baseline + 5)?;
    let moments = Moments::new(counts);
    let baselines: Vec<Option<(f64, f64)>> = (0..counts.len())
        .map(|t| baseline(&moments, t, 2, params))
        .collect();
    let excesses: Vec<Option<f64>> = counts
        .iter()
        .zip(&baselines)
        .map(|(&observed, b)| b.map(|b| excess(observed, b)))
        .collect();
    Ok(counts
        .iter()
        .enumerate()
        .map(|(t, &observed)| {
            let before =
                (*excesses.get(t.checked_sub(2)?)?)? + (*excesses.get(t.checked_sub(1)?)?)?;
            let today = (*excesses.get(t)?)?;
            let (mean, sigma) = (*baselines.get(t)?)?;
            let sum = before + today;
            // The count above which the day alerts: today's excess must pass what the two
            // days before left of the threshold.
            let threshold = (sigma > 0.0 && before.is_finite() && before <= params.threshold)
                .then_some(mean + sigma * (1.0 + params.threshold - before));
            Some(Point {
                observed,
                expected: mean,
                statistic: sum.is_finite().then_some(sum),
                threshold,
                p_value: None,
                level: if sum > params.threshold {
                    Level::Red
                } else {
                    Level::None
                },
            })
        })
        .collect())
}

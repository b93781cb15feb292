//! EWMA as NSSP-ESSENCE runs it and CDC's pynssp 0.1.0 (`alert_ewma`, `ewma_loop`) computes
//! it, step for step, so the oracle test agrees to 1e-6:
//!
//! - two smoothed series, `w1` (0.4, gradual events) and `w2` (0.9, sudden events), start at
//!   the first count;
//! - the first day tested is day 13 (a minimum baseline of 11 days and the guard band `g` of
//!   2); its baseline is every day from the first to `g` + 1 days before; the baseline then
//!   grows a day at a time to `B` + 1 days (29 with `B` = 28, as pynssp's index arithmetic
//!   gives) and slides;
//! - expected is the baseline's mean; each series' sigma is the baseline's sample sd times
//!   the EWMA correction for that length and guard band, plus pynssp's constant, floored at
//!   its minimum; the Student t quantiles (df = baseline length - 1) are rounded to 5
//!   decimals as pynssp does;
//! - a smoothed value more than the alert quantile from expected is pulled back to it, so
//!   an outbreak does not inflate the days after;
//! - the day's p-value is the smaller of the two series' upper-tail t p-values (the second
//!   on ties) with its statistic; red below 0.01, yellow below 0.05.
//!
//! Deliberate difference: pynssp refuses a series shorter than `(B + g + 1) / 2` rows (its
//! size check counts the data frame's cells); here any series long enough to test one day
//! (14 days) is tested.

use super::student::{Student, quantile};
use super::{Method, Moments, Point, TooShort, long_enough};

/// EWMA parameters (pynssp's defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EwmaParams {
    /// Baseline length `B` (28).
    pub baseline: usize,
    /// Guard band `g` (2).
    pub guard: usize,
    /// Smoothing for gradual events (0.4).
    pub w1: f64,
    /// Smoothing for sudden events (0.9).
    pub w2: f64,
}

impl Default for EwmaParams {
    fn default() -> Self {
        Self {
            baseline: 28,
            guard: 2,
            w1: 0.4,
            w2: 0.9,
        }
    }
}

const MIN_BASELINE: usize = 11;

/// pynssp's `np.round(x, 5)`: half to even on the fifth decimal.
pub(super) fn round5(x: f64) -> f64 {
    (x * 1e5).round_ties_even() / 1e5
}

/// What one smoothed series' sigma needs besides the baseline's sd, for a baseline of `n`
/// days: the EWMA correction, pynssp's constant and its floor.
#[derive(Debug, Clone, Copy)]
struct SigmaTerms {
    correction: f64,
    constant: f64,
    floor: f64,
}

impl SigmaTerms {
    fn new(w: f64, n: f64, g: usize, warning: f64) -> Self {
        Self {
            correction: (w / (2.0 - w) + 1.0 / n
                - 2.0 * (1.0 - w).powi(g as i32 + 1) * ((1.0 - (1.0 - w).powf(n)) / n))
                .sqrt(),
            constant: (0.1289 - (0.2414 - 0.1826 * (1.0 - w).powi(4)) * (10.0_f64 * 0.05).ln())
                * (w / warning),
            floor: (w / warning) * (1.0 + 0.5 * (1.0 - w).powi(2)),
        }
    }

    /// The sigma for a baseline with sample sd `sd`.
    fn sigma(&self, sd: f64) -> f64 {
        self.floor.max(sd * self.correction + self.constant)
    }
}

/// What a baseline of one length needs, worked out once per length: the t distribution, its
/// rounded alert quantile and both series' sigma terms.
struct PerLength {
    df: usize,
    t_dist: Student,
    alert: f64,
    sigma1: SigmaTerms,
    sigma2: SigmaTerms,
}

/// The smaller of the two series' upper-tail p-values with its statistic, the second on
/// ties, as pynssp picks. The cdf rises, so the smaller p-value is the larger statistic's and
/// one cdf is enough; both are worked out where rounding could tie or swap them (statistics
/// within 1e-4 of each other, or far in a tail).
pub(super) fn smaller_p(t_dist: &Student, stat1: f64, stat2: f64) -> (f64, f64) {
    let first_larger = stat1 > stat2;
    let (high, low) = if first_larger {
        (stat1, stat2)
    } else {
        (stat2, stat1)
    };
    let p_high = 1.0 - t_dist.cdf(high);
    if high - low >= 1e-4 && p_high > 1e-9 && p_high < 1.0 - 1e-9 {
        return (p_high, high);
    }
    let (p1, p2) = if first_larger {
        (p_high, 1.0 - t_dist.cdf(stat2))
    } else {
        (1.0 - t_dist.cdf(stat1), p_high)
    };
    if p1 < p2 { (p1, stat1) } else { (p2, stat2) }
}

/// EWMA over a daily series.
pub fn ewma(counts: &[f64], params: &EwmaParams) -> Result<Vec<Option<Point>>, TooShort> {
    ewma_on(counts, params, |_| true)
}

/// EWMA over a daily series, each day's point (its t distribution's p-value, most of a
/// day's cost) worked out only on the days `wanted` names: the smoothing runs over every
/// day, since each smoothed value carries the ones before it.
pub(super) fn ewma_on(
    counts: &[f64],
    params: &EwmaParams,
    wanted: impl Fn(usize) -> bool,
) -> Result<Vec<Option<Point>>, TooShort> {
    let g = params.guard;
    let first = MIN_BASELINE + g;
    long_enough(Method::Ewma, counts, first + 1)?;
    let (w1, w2) = (params.w1, params.w2);
    let n_days = counts.len();
    let mut out = vec![None; n_days];
    let Some(&y0) = counts.first() else {
        return Ok(out);
    };
    let moments = Moments::new(counts);
    // The smoothed values of the day before (only the last is ever read).
    let (mut z1, mut z2) = (y0, y0);
    for &y in counts.iter().take(first).skip(1) {
        z1 = w1 * y + (1.0 - w1) * z1;
        z2 = w2 * y + (1.0 - w2) * z2;
    }
    // The baseline's first and last day; it starts at days 0..=9 and is moved before use.
    let (mut start, mut end) = (0_usize, MIN_BASELINE - 2);
    let mut cached: Option<PerLength> = None;
    for i in first..n_days {
        if end < params.baseline {
            end += 1;
        } else {
            start += 1;
            end += 1;
        }
        let Some((expected, sd)) = moments.mean_sd(start, end + 1) else {
            break;
        };
        let n = end + 1 - start;
        let df = n - 1;
        if cached.as_ref().is_none_or(|c| c.df != df) {
            let (Some(t_dist), Some(alert), Some(warning)) = (
                Student::new(df),
                quantile(df, 1.0 - 0.01),
                quantile(df, 1.0 - 0.025),
            ) else {
                continue;
            };
            let (alert, warning) = (round5(alert), round5(warning));
            cached = Some(PerLength {
                df,
                t_dist,
                alert,
                sigma1: SigmaTerms::new(w1, n as f64, g, warning),
                sigma2: SigmaTerms::new(w2, n as f64, g, warning),
            });
        }
        let Some(per) = &cached else { continue };
        let sigma1 = per.sigma1.sigma(sd);
        let sigma2 = per.sigma2.sigma(sd);
        let y = counts[i];
        z1 = w1 * y + (1.0 - w1) * z1;
        z2 = w2 * y + (1.0 - w2) * z2;
        let stat1 = (z1 - expected) / sigma1;
        let stat2 = (z2 - expected) / sigma2;
        if stat1.abs() > per.alert {
            z1 = expected + stat1.signum() * per.alert * sigma1;
        }
        if stat2.abs() > per.alert {
            z2 = expected + stat2.signum() * per.alert * sigma2;
        }
        if wanted(i) {
            let (p_value, statistic) = smaller_p(&per.t_dist, stat1, stat2);
            out[i] = Some(Point::tested(y, expected, statistic, p_value));
        }
    }
    Ok(out)
}

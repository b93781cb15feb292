//! NSSP-ESSENCE's adaptive multiple regression and the regression/EWMA switch as CDC's
//! pynssp 0.1.0 (`alert_regression`, `adaptive_regression`, `alert_switch`) computes them,
//! step for step:
//!
//! - the first day tested is day 13 (a minimum baseline of 11 days and the guard band `g`
//!   of 2); its baseline is every day from the first to `g` + 1 days before; the baseline
//!   grows a day at a time to `B` (28) days and slides;
//! - a least-squares line over the baseline with a trend (days 1..n) and six day-of-week
//!   indicators (Monday to Saturday, Sunday the reference); the day's forecast is the line
//!   `g` + 1 days after the baseline's last day, on the day's own weekday, never below 0;
//! - sigma is the regression's standard error times `sqrt((n + 7)(n - 4) / (n (n - 7)))`,
//!   at least `1.01 / t(0.95)` (t quantile rounded to 5 decimals on `n - 7` degrees of
//!   freedom: pynssp reads its quantile table one place along), and the statistic
//!   `(observed - expected) / sigma` is referred to a Student t on `n - 8` degrees of
//!   freedom; red below 0.01, yellow below 0.05.
//!
//! The switch takes each day's regression where its adjusted R squared is at least 0.60
//! (a baseline the model explains), and EWMA's answer for the day otherwise.
//!
//! Deliberate difference: pynssp refuses a series shorter than `(B + g + 1) / 2` rows (its
//! size check counts the data frame's cells); here any series long enough to test one day
//! (14 days) is tested, as with EWMA.

use super::ewma::{EwmaParams, ewma, round5, student};
use super::linear::least_squares;
use super::{Method, Point, TooShort, long_enough};
use statrs::distribution::{ContinuousCDF, StudentsT};
use time::{Date, Duration};

/// Adaptive regression parameters (pynssp's defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegressionParams {
    /// Baseline length `B` (28).
    pub baseline: usize,
    /// Guard band `g` (2).
    pub guard: usize,
}

impl Default for RegressionParams {
    fn default() -> Self {
        Self {
            baseline: 28,
            guard: 2,
        }
    }
}

const MIN_BASELINE: usize = 11;
/// Columns of the design: intercept, trend, Monday to Saturday.
const COLUMNS: usize = 8;
/// The adjusted R squared from which the switch keeps the regression.
const SWITCH_R2: f64 = 0.60;

/// One day's regression: the point and the fit's adjusted R squared (0 where undefined).
type Fitted = Option<(Point, f64)>;

/// The t distributions of one baseline length, worked out once.
struct PerLength {
    t_dist: StudentsT,
    min_sigma: f64,
    inflation: f64,
}

fn per_length(n: usize) -> Option<PerLength> {
    let t_dist = student(n - COLUMNS)?;
    let warning = round5(student(n - COLUMNS + 1)?.inverse_cdf(0.95));
    let nf = n as f64;
    Some(PerLength {
        t_dist,
        min_sigma: 1.01 / warning,
        inflation: ((nf + 7.0) * (nf - 4.0) / (nf * (nf - 7.0))).sqrt(),
    })
}

/// Monday 1 .. Sunday 7.
fn weekday(first: Date, day: usize) -> usize {
    let date = first + Duration::days(day as i64);
    usize::from(date.weekday().number_from_monday())
}

fn fits(counts: &[f64], first: Date, params: &RegressionParams) -> Result<Vec<Fitted>, TooShort> {
    let g = params.guard;
    let first_tested = MIN_BASELINE + g;
    long_enough(Method::Regression, counts, first_tested + 1)?;
    let mut out = vec![None; counts.len()];
    let mut cached: Option<(usize, PerLength)> = None;
    for (i, &observed) in counts.iter().enumerate().skip(first_tested) {
        let n = (i - g).min(params.baseline.max(MIN_BASELINE));
        let start = i - g - n;
        if cached.as_ref().is_none_or(|(len, _)| *len != n) {
            cached = per_length(n).map(|per| (n, per));
        }
        let Some((_, per)) = &cached else { continue };
        let rows: Vec<Vec<f64>> = (0..n)
            .map(|k| {
                let dow = weekday(first, start + k);
                let mut row = vec![0.0; COLUMNS];
                row[0] = 1.0;
                row[1] = (k + 1) as f64;
                if dow < 7 {
                    row[dow + 1] = 1.0;
                }
                row
            })
            .collect();
        let ys = &counts[start..start + n];
        let Some(fit) = least_squares(&rows, ys, None) else {
            continue;
        };
        let df = (n - COLUMNS) as f64;
        let mse = fit.ssr / df;
        let mean = ys.iter().sum::<f64>() / n as f64;
        let tss = ys.iter().map(|y| (y - mean) * (y - mean)).sum::<f64>();
        let r2 = 1.0 - fit.ssr / tss;
        let r2_adj = 1.0 - (n as f64 - 1.0) / df * (1.0 - r2);
        let sigma = (mse.sqrt() * per.inflation).max(per.min_sigma);
        let dow = weekday(first, i);
        let trend = (n + g + 1) as f64;
        let mut forecast = fit.beta[0] + trend * fit.beta[1];
        if dow < 7 {
            forecast += fit.beta[dow + 1];
        }
        let expected = forecast.max(0.0);
        let statistic = (observed - expected) / sigma;
        let p_value = 1.0 - per.t_dist.cdf(statistic);
        out[i] = Some((
            Point::tested(observed, expected, statistic, p_value),
            if r2_adj.is_nan() { 0.0 } else { r2_adj },
        ));
    }
    Ok(out)
}

/// Adaptive multiple regression over a daily series whose first day is `first`.
pub fn regression(
    counts: &[f64],
    first: Date,
    params: &RegressionParams,
) -> Result<Vec<Option<Point>>, TooShort> {
    Ok(fits(counts, first, params)?
        .into_iter()
        .map(|f| f.map(|(point, _)| point))
        .collect())
}

/// The regression/EWMA switch over a daily series whose first day is `first`.
pub fn switch(
    counts: &[f64],
    first: Date,
    params: &RegressionParams,
    ewma_params: &EwmaParams,
) -> Result<Vec<Option<Point>>, TooShort> {
    let short = |e: TooShort| TooShort {
        method: Method::Switch,
        ..e
    };
    let regressions = fits(counts, first, params).map_err(short)?;
    let smoothed = ewma(counts, ewma_params).map_err(short)?;
    Ok(regressions
        .into_iter()
        .zip(smoothed)
        .map(|(fit, ewma)| match fit {
            Some((point, r2_adj)) if r2_adj >= SWITCH_R2 => Some(point),
            _ => ewma,
        })
        .collect())
}

//! The original Serfling model for weekly series as CDC's pynssp 0.1.0 (`alert_serfling`,
//! `serfling_model`) computes it: a least-squares fit of the weekly counts on a trend (the
//! week's number from 1) and one annual sine and cosine (period 52.18 weeks), over the
//! baseline's weeks outside the epidemic period (weeks whose date falls in October to May
//! are left out, so only June to September are fitted); every week, baseline and after, gets
//! the fit's estimate and the upper bound of its two-sided 90% prediction interval (the
//! one-sided 95% bound: estimate + t(0.95, df) * sqrt(var(estimate) + s^2)); a week above
//! the bound alerts (red). The baseline must be two years (104 weeks) or more.

use super::linear::least_squares;
use super::{Method, Point, TooShort};
use statrs::distribution::{ContinuousCDF, StudentsT};
use time::{Date, Duration, Month};

/// Weeks of baseline the weekly methods need: two years, as pynssp checks.
pub const MIN_BASELINE_WEEKS: usize = 104;

/// pynssp's year in weeks for the seasonal terms.
const YEAR_WEEKS: f64 = 52.18;

/// The design row of week `obs` (numbered from 1): intercept, trend, cosine, sine.
pub(super) fn seasonal_row(obs: usize) -> Vec<f64> {
    let angle = 2.0 * std::f64::consts::PI * obs as f64 / YEAR_WEEKS;
    vec![1.0, obs as f64, angle.cos(), angle.sin()]
}

/// `Err` unless the baseline has two years of weeks.
pub(super) fn enough_baseline(method: Method, baseline_weeks: usize) -> Result<(), TooShort> {
    if baseline_weeks < MIN_BASELINE_WEEKS {
        Err(TooShort {
            method,
            needed: MIN_BASELINE_WEEKS,
            days: baseline_weeks,
            unit: "weeks of baseline",
        })
    } else {
        Ok(())
    }
}

/// October to May: Serfling's epidemic period, left out of the fit.
fn epidemic(date: Date) -> bool {
    !matches!(
        date.month(),
        Month::June | Month::July | Month::August | Month::September
    )
}

/// Serfling over weekly counts whose first week is dated `first_week` (the weeks' dates are
/// seven days apart), fitted to the first `baseline_weeks`; one point per week.
pub fn serfling(
    weekly: &[f64],
    first_week: Date,
    baseline_weeks: usize,
) -> Result<Vec<Option<Point>>, TooShort> {
    let baseline_weeks = baseline_weeks.min(weekly.len());
    enough_baseline(Method::Serfling, baseline_weeks)?;
    let (rows, ys): (Vec<Vec<f64>>, Vec<f64>) = (0..baseline_weeks)
        .filter(|&w| !epidemic(first_week + Duration::weeks(w as i64)))
        .map(|w| (seasonal_row(w + 1), weekly[w]))
        .unzip();
    let mut out = vec![None; weekly.len()];
    let Some(fit) = least_squares(&rows, &ys, None) else {
        return Ok(out);
    };
    let df = ys.len() - fit.beta.len();
    let Ok(t_dist) = StudentsT::new(0.0, 1.0, df as f64) else {
        return Ok(out);
    };
    let scale = fit.ssr / df as f64;
    let q = t_dist.inverse_cdf(0.95);
    for (w, (&observed, slot)) in weekly.iter().zip(out.iter_mut()).enumerate() {
        let row = seasonal_row(w + 1);
        let expected = fit.predict(&row);
        let threshold = expected + q * (fit.leverage(&row) * scale + scale).sqrt();
        *slot = Some(Point::against(observed, expected, None, threshold));
    }
    Ok(out)
}

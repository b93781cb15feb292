//! Negative binomial regression for weekly counts as CDC's pynssp 0.1.0 (`alert_nbinom`,
//! `nb_model`, with its default time term) computes it:
//!
//! - the dispersion `alpha` is the maximum-likelihood estimate of a negative binomial (NB2)
//!   regression of the baseline weeks' counts on an intercept, a trend (week number from 1)
//!   and one annual cosine and sine (period 52.18 weeks);
//! - with that `alpha`, the same model is fitted as a GLM (log link) by iteratively
//!   reweighted least squares exactly as statsmodels does it (start at `(y + mean) / 2`,
//!   stop when the deviance moves by at most 1e-8), and each week gets its estimate and the
//!   upper end of the 95% interval of its mean (`exp(eta + 1.96 se(eta))`);
//! - the threshold is the 95th percentile of a negative binomial with size `1 / alpha` and
//!   that upper mean; a week above it alerts (red). The baseline must be 104 weeks or more.
//!
//! Deliberate difference: statsmodels finds `alpha` with BFGS in `log alpha`, stopped after
//! 35 iterations from a Poisson start, so its value is the optimum only to BFGS's gradient
//! tolerance; here the likelihood's own score equation in `alpha` is solved to machine
//! precision (the coefficients refitted by IRLS at each trial value, which leaves the score
//! in `alpha` as the profile likelihood's derivative). Where the data show no
//! overdispersion the likelihood rises without end as `alpha` falls to 0; statsmodels stops
//! wherever BFGS stopped, here `alpha` is taken as `MIN_ALPHA`.

use super::linear::{Fit, least_squares};
use super::serfling::{enough_baseline, seasonal_row};
use super::{Method, Point, TooShort};
use statrs::function::beta::beta_reg;
use statrs::function::gamma::digamma;

/// The smallest dispersion taken (a negative binomial this close to the Poisson).
pub const MIN_ALPHA: f64 = 1e-8;

/// The normal quantile for a two-sided 95% interval, as scipy gives `norm.ppf(0.975)`.
const Z975: f64 = 1.959_963_984_540_054;

/// A GLM fit: its coefficients and `(X' W X)^-1` at the last weights.
fn irls(rows: &[Vec<f64>], ys: &[f64], alpha: f64, tol: f64) -> Option<Fit> {
    let n = ys.len() as f64;
    let mean = ys.iter().sum::<f64>() / n;
    let mut mu: Vec<f64> = ys.iter().map(|y| (y + mean) / 2.0).collect();
    let mut eta: Vec<f64> = mu.iter().map(|m| m.max(f64::EPSILON).ln()).collect();
    let mut dev = deviance(ys, &mu, alpha);
    let mut fit = None;
    for _ in 0..100 {
        let weights: Vec<f64> = mu.iter().map(|m| m / (1.0 + alpha * m)).collect();
        let z: Vec<f64> = ys
            .iter()
            .zip(&mu)
            .zip(&eta)
            .map(|((y, m), e)| e + (y - m) / m.max(f64::EPSILON))
            .collect();
        let next = least_squares(rows, &z, Some(&weights))?;
        eta = rows.iter().map(|r| next.predict(r)).collect();
        mu = eta.iter().map(|e| e.exp()).collect();
        let new_dev = deviance(ys, &mu, alpha);
        fit = Some(next);
        let done = (new_dev - dev).abs() <= tol;
        dev = new_dev;
        if done {
            break;
        }
    }
    fit
}

/// statsmodels' negative binomial deviance.
fn deviance(ys: &[f64], mu: &[f64], alpha: f64) -> f64 {
    ys.iter()
        .zip(mu)
        .map(|(&y, &m)| {
            let ratio = (y / m).max(f64::EPSILON);
            let (ya, ma) = (y + 1.0 / alpha, m + 1.0 / alpha);
            2.0 * (y * ratio.ln() - ya * (ya / ma).ln())
        })
        .sum()
}

/// The NB2 log-likelihood's derivative in the size `r = 1 / alpha` at the means `mu`.
fn score_in_size(ys: &[f64], mu: &[f64], r: f64) -> f64 {
    ys.iter()
        .zip(mu)
        .map(|(&y, &m)| digamma(y + r) - digamma(r) + (r / (r + m)).ln() + (m - y) / (r + m))
        .sum()
}

/// The profile score at `alpha`: the coefficients fitted at `alpha`, then the score in size.
fn profile_score(rows: &[Vec<f64>], ys: &[f64], alpha: f64) -> Option<f64> {
    let fit = irls(rows, ys, alpha, 1e-13)?;
    let mu: Vec<f64> = rows.iter().map(|r| fit.predict(r).exp()).collect();
    Some(score_in_size(ys, &mu, 1.0 / alpha))
}

/// The maximum-likelihood dispersion: the root of the profile score in `log alpha`, found
/// by bisection (the score in size is positive below the size's optimum and negative
/// above, so in `alpha` it is negative below the optimum's alpha and positive above).
fn dispersion(rows: &[Vec<f64>], ys: &[f64]) -> Option<f64> {
    let (mut lo, mut hi) = (MIN_ALPHA.ln(), 10.0_f64.ln());
    // Size score > 0 at alpha means a larger size (smaller alpha) is better.
    let better_smaller = |a: f64| profile_score(rows, ys, a).map(|s| s > 0.0);
    if better_smaller(MIN_ALPHA)? {
        return Some(MIN_ALPHA);
    }
    if !better_smaller(hi.exp())? {
        return Some(hi.exp());
    }
    while hi - lo > 1e-13 {
        let mid = 0.5 * (lo + hi);
        if better_smaller(mid.exp())? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some((0.5 * (lo + hi)).exp())
}

/// scipy's `nbinom.ppf(q, size, p)`: the smallest count whose cdf reaches `q`.
fn nbinom_ppf(q: f64, size: f64, p: f64) -> f64 {
    let cdf = |k: f64| beta_reg(size, k + 1.0, p);
    let mean = size * (1.0 - p) / p;
    let mut k = mean.floor().max(0.0);
    while cdf(k) < q {
        k += 1.0;
    }
    while k > 0.0 && cdf(k - 1.0) >= q {
        k -= 1.0;
    }
    k
}

/// Negative binomial regression over weekly counts, fitted to the first `baseline_weeks`;
/// one point per week.
pub fn nbinom(weekly: &[f64], baseline_weeks: usize) -> Result<Vec<Option<Point>>, TooShort> {
    let baseline_weeks = baseline_weeks.min(weekly.len());
    enough_baseline(Method::Nbinom, baseline_weeks)?;
    let rows: Vec<Vec<f64>> = (1..=baseline_weeks).map(seasonal_row).collect();
    let ys = &weekly[..baseline_weeks];
    let mut out = vec![None; weekly.len()];
    let Some(alpha) = dispersion(&rows, ys) else {
        return Ok(out);
    };
    let Some(fit) = irls(&rows, ys, alpha, 1e-8) else {
        return Ok(out);
    };
    let size = 1.0 / alpha;
    for (w, (&observed, slot)) in weekly.iter().zip(out.iter_mut()).enumerate() {
        let row = seasonal_row(w + 1);
        let eta = fit.predict(&row);
        let upper = (eta + Z975 * fit.leverage(&row).sqrt()).exp();
        let threshold = nbinom_ppf(0.95, size, size / (size + upper));
        *slot = Some(Point::against(observed, eta.exp(), None, threshold));
    }
    Ok(out)
}

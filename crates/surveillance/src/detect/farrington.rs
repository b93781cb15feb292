//! The improved Farrington method for weekly counts as R surveillance 1.20.3's
//! `farringtonFlexible` computes it with its default control (Noufaily et al. 2013's
//! flexible framework, Farrington et al. 1996's reweighting and threshold), step for step:
//!
//! - each week `k` from `52 b + w + 1` (week 264 with `b` = 5 years and `w` = 3) is compared
//!   with the `b` earlier years' windows `k - 52 i - w ..= k - 52 i + w` (R steps back 52
//!   weeks a year in a series without dates; 35 weeks);
//! - a quasi-Poisson GLM (log link) with a time trend is fitted to them by R's `glm.fit`
//!   iterations (start `y + 0.1`, stop when the deviance changes by under 1e-8 of itself plus
//!   0.1, 25 at most; without the trend when it does not converge, untested when neither
//!   does); the dispersion `phi` is at least 1; weeks whose Anscombe residual exceeds 2.58
//!   are down-weighted by its inverse square and the model fitted again;
//! - the trend stays only if it is significant (t test, p < 0.05) and does not extrapolate
//!   above the largest baseline count; otherwise everything is fitted again without it;
//! - the threshold is the upper end of the 2/3-power transformed prediction interval
//!   (`alpha` 0.05 one-sided, the `delta` method): `(mu0^(2/3) + z sqrt(4/9 mu0^(1/3)
//!   (phi + se^2 / mu0)))^(3/2)`; the statistic is `(y - mu0) / (threshold - mu0)`, the
//!   p-value the upper tail of `y^(2/3)` on that normal; a week alerts (red) when the
//!   statistic exceeds 1, the count is not 0 and the last 4 weeks had 5 cases or more
//!   (`limit54`); with fewer, the week has no threshold and does not alert.
//!
//! R's quirk kept: after reweighting, `fitGLM.flexible` stores the weights in the model in
//! place of its working weights, so the trend's t test and the prediction's standard error
//! use a dispersion of the working residuals weighted by the reweighting weights alone
//! (`phi` itself is computed before that); the same is done here so the thresholds agree.
//!
//! Deliberate difference: R gives no expected count for a week under `limit54`; here the
//! model's expected count is kept (the threshold is left out as R leaves it).

use super::linear::{Fit, least_squares};
use super::{Level, Method, Point, TooShort};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// `farringtonFlexible`'s default control.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FarringtonParams {
    /// Years back `b` (5).
    pub years: usize,
    /// Window half-width `w` (3).
    pub window: usize,
    /// One-sided `alpha` (0.05).
    pub alpha: f64,
    /// Anscombe residuals above this are down-weighted (2.58).
    pub weights_threshold: f64,
    /// The trend's significance level (0.05).
    pub p_trend: f64,
    /// `limit54`: at least this many cases (5) in the last weeks (4) to alert.
    pub limit_cases: f64,
    /// See `limit_cases`.
    pub limit_weeks: usize,
}

impl Default for FarringtonParams {
    fn default() -> Self {
        Self {
            years: 5,
            window: 3,
            alpha: 0.05,
            weights_threshold: 2.58,
            p_trend: 0.05,
            limit_cases: 5.0,
            limit_weeks: 4,
        }
    }
}

/// Weeks in R's year for a series without dates (`freq` 52).
const YEAR: usize = 52;

/// A quasi-Poisson fit as R's `glm.fit` leaves it.
struct Glm {
    /// The coefficients and `(X' W X)^-1` at the last iteration's working weights.
    fit: Fit,
    mu: Vec<f64>,
    /// The last iteration's working weights.
    weights: Vec<f64>,
    /// `summary.glm`'s dispersion: Pearson's chi-square over the residual df.
    dispersion: f64,
    converged: bool,
}

/// R's Poisson deviance with prior weights.
fn deviance(y: &[f64], mu: &[f64], prior: &[f64]) -> f64 {
    y.iter()
        .zip(mu)
        .zip(prior)
        .map(|((&y, &m), &w)| {
            let term = if y > 0.0 {
                y * (y / m).ln() - (y - m)
            } else {
                m
            };
            2.0 * w * term
        })
        .sum()
}

/// R's `glm.fit` for the quasi-Poisson family with a log link.
fn glm(rows: &[Vec<f64>], y: &[f64], prior: &[f64]) -> Option<Glm> {
    let mut mu: Vec<f64> = y.iter().map(|v| v + 0.1).collect();
    let mut eta: Vec<f64> = mu.iter().map(|m| m.ln()).collect();
    let mut dev_old = deviance(y, &mu, prior);
    let mut converged = false;
    let mut last = None;
    for _ in 0..25 {
        let z: Vec<f64> = y
            .iter()
            .zip(&mu)
            .zip(&eta)
            .map(|((y, m), e)| e + (y - m) / m)
            .collect();
        let weights: Vec<f64> = prior.iter().zip(&mu).map(|(w, m)| w * m).collect();
        let fit = least_squares(rows, &z, Some(&weights))?;
        eta = rows.iter().map(|r| fit.predict(r)).collect();
        mu = eta.iter().map(|e| e.exp()).collect();
        let dev = deviance(y, &mu, prior);
        last = Some((fit, weights));
        if (dev - dev_old).abs() / (dev.abs() + 0.1) < 1e-8 {
            converged = true;
            break;
        }
        dev_old = dev;
    }
    let (fit, weights) = last?;
    let df = (y.len() - fit.beta.len()) as f64;
    let pearson: f64 = y
        .iter()
        .zip(&mu)
        .zip(&weights)
        .map(|((y, m), w)| w * ((y - m) / m).powi(2))
        .sum();
    Some(Glm {
        fit,
        mu,
        weights,
        dispersion: pearson / df,
        converged,
    })
}

/// A reweighted model as `algo.farrington.fitGLM.flexible` returns it.
struct Flexible {
    model: Glm,
    /// `max(dispersion, 1)` of the reweighted fit.
    phi: f64,
    /// Whether the model has the time trend.
    trend: bool,
    /// The dispersion `summary.glm` reports afterwards: the function stores the reweighting
    /// weights in place of the fit's working weights, so R's later summaries and
    /// predictions weigh the working residuals by them alone; kept, to agree with R.
    reported_dispersion: f64,
}

/// `algo.farrington.fitGLM.flexible`: the fit, the Anscombe reweighting and the refit;
/// `None` when no model converges.
fn fit_flexible(
    wtime: &[f64],
    y: &[f64],
    trend: bool,
    params: &FarringtonParams,
) -> Option<Flexible> {
    let design = |trend: bool| -> Vec<Vec<f64>> {
        wtime
            .iter()
            .map(|&t| if trend { vec![1.0, t] } else { vec![1.0] })
            .collect()
    };
    let ones = vec![1.0; y.len()];
    let mut trend = trend;
    let mut rows = design(trend);
    let mut model = glm(&rows, y, &ones)?;
    if !model.converged {
        if trend {
            trend = false;
            rows = design(false);
            model = glm(&rows, y, &ones)?;
        }
        if !model.converged {
            return None;
        }
    }
    let phi = model.dispersion.max(1.0);
    let residuals: Vec<f64> = y
        .iter()
        .zip(&model.mu)
        .zip(rows.iter().zip(&model.weights))
        .map(|((&y, &m), (row, &w))| {
            let hat = w * model.fit.leverage(row);
            1.5 * (y.powf(2.0 / 3.0) * m.powf(-1.0 / 6.0) - m.sqrt()) / (phi * (1.0 - hat)).sqrt()
        })
        .collect();
    let over = |s: f64| s > params.weights_threshold;
    let n = residuals.len() as f64;
    let gamma = n / residuals
        .iter()
        .map(|&s| if over(s) { s.powi(-2) } else { 1.0 })
        .sum::<f64>();
    let omega: Vec<f64> = residuals
        .iter()
        .map(|&s| if over(s) { gamma * s.powi(-2) } else { gamma })
        .collect();
    let model = glm(&rows, y, &omega)?;
    let phi = model.dispersion.max(1.0);
    let df = (y.len() - model.fit.beta.len()) as f64;
    let reported_dispersion = y
        .iter()
        .zip(&model.mu)
        .zip(&omega)
        .map(|((y, m), w)| w * ((y - m) / m).powi(2))
        .sum::<f64>()
        / df;
    Some(Flexible {
        model,
        phi,
        trend,
        reported_dispersion,
    })
}

/// Farrington flexible over weekly counts; one point per week from week `52 b + w + 1`.
pub fn farrington(
    weekly: &[f64],
    params: &FarringtonParams,
) -> Result<Vec<Option<Point>>, TooShort> {
    let (b, w) = (params.years, params.window);
    let first = YEAR * b + w;
    if weekly.len() <= first {
        return Err(TooShort {
            method: Method::Farrington,
            needed: first + 1,
            days: weekly.len(),
            unit: "weeks",
        });
    }
    let z = Normal::standard().inverse_cdf(1.0 - params.alpha);
    let mut out = vec![None; weekly.len()];
    for (k, slot) in out.iter_mut().enumerate().skip(first) {
        // 1-based week numbers, as R's `wtime` for a series without dates.
        let mut wtime = Vec::with_capacity(b * (2 * w + 1));
        for i in (1..=b).rev() {
            let centre = k - YEAR * i;
            wtime.extend((centre - w..=centre + w).map(|t| (t + 1) as f64));
        }
        let y: Vec<f64> = wtime.iter().map(|&t| weekly[t as usize - 1]).collect();
        let now = (k + 1) as f64;
        let Some(mut fitted) = fit_flexible(&wtime, &y, true, params) else {
            continue;
        };
        if fitted.trend {
            let fit = &fitted.model.fit;
            let mu0 = fit.predict(&[1.0, now]).exp();
            let se = (fitted.reported_dispersion * fit.unscaled_cov[3]).sqrt();
            let df = (y.len() - 2) as f64;
            let significant = StudentsT::new(0.0, 1.0, df)
                .map(|t| 2.0 * t.cdf(-(fit.beta[1] / se).abs()) < params.p_trend)
                .unwrap_or(false);
            let extrapolates = mu0 > y.iter().copied().fold(f64::MIN, f64::max);
            if !significant || extrapolates {
                let Some(refit) = fit_flexible(&wtime, &y, false, params) else {
                    continue;
                };
                fitted = refit;
            }
        }
        let Flexible {
            model,
            phi,
            trend,
            reported_dispersion,
        } = fitted;
        let row = if trend { vec![1.0, now] } else { vec![1.0] };
        let mu0 = model.fit.predict(&row).exp();
        let se = mu0 * (model.fit.leverage(&row) * reported_dispersion).sqrt();
        let tau = phi + se * se / mu0;
        let sd = (4.0 / 9.0 * mu0.powf(1.0 / 3.0) * tau).sqrt();
        let upper = (mu0.powf(2.0 / 3.0) + z * sd).powf(1.5);
        let observed = weekly[k];
        let p_value = Normal::new(mu0.powf(2.0 / 3.0), sd)
            .map(|n| n.sf(observed.powf(2.0 / 3.0)))
            .ok();
        let statistic = (observed - mu0) / (upper - mu0);
        let recent: f64 = weekly[k + 1 - params.limit_weeks.min(k + 1)..=k]
            .iter()
            .sum();
        let enough = recent >= params.limit_cases;
        *slot = Some(Point {
            observed,
            expected: mu0,
            statistic: Some(statistic),
            threshold: enough.then_some(upper),
            p_value,
            level: if enough && statistic > 1.0 && observed != 0.0 {
                Level::Red
            } else {
                Level::None
            },
        });
    }
    Ok(out)
}

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
//! precision (the coefficients refitted at each trial value, which leaves the score in
//! `alpha` as the profile likelihood's derivative; see `dispersion`). Where the data show no
//! overdispersion the likelihood rises without end as `alpha` falls to 0; statsmodels stops
//! wherever BFGS stopped, here `alpha` is taken as `MIN_ALPHA`, and the fit there (the
//! first one made) is the final fit.

mod dispersion;

use super::linear::{Fit, least_squares};
use super::serfling::{enough_baseline, seasonal_row};
use super::{Method, Point, TooShort};
pub use dispersion::MIN_ALPHA;
use dispersion::{Row, dispersion};
use statrs::function::beta::beta_reg;
use statrs::function::gamma::ln_gamma;
use std::borrow::Cow;
use std::sync::OnceLock;

/// The normal quantile for a two-sided 95% interval, as scipy gives `norm.ppf(0.975)`.
const Z975: f64 = 1.959_963_984_540_054;

/// The GLM fit by iteratively reweighted least squares as statsmodels runs it: from
/// `(y + mean) / 2`, Fisher scoring, stopped when the deviance moves by at most `tol` (or
/// after 100 iterations); the coefficients with `(X' W X)^-1` at the last weights.
fn irls(rows: &[Vec<f64>], ys: &[f64], alpha: f64, tol: f64) -> Option<Fit> {
    let n = ys.len() as f64;
    let mean = ys.iter().sum::<f64>() / n;
    let mut mu: Vec<f64> = ys.iter().map(|y| (y + mean) / 2.0).collect();
    let mut eta: Vec<f64> = mu.iter().map(|m| m.max(f64::EPSILON).ln()).collect();
    let mut dev = deviance(ys, &mu, alpha);
    let mut fit: Option<Fit> = None;
    let mut weights = Vec::with_capacity(ys.len());
    let mut z = Vec::with_capacity(ys.len());
    for _ in 0..100 {
        weights.clear();
        weights.extend(mu.iter().map(|m| m / (1.0 + alpha * m)));
        z.clear();
        z.extend(
            ys.iter()
                .zip(&mu)
                .zip(&eta)
                .map(|((y, m), e)| e + (y - m) / m.max(f64::EPSILON)),
        );
        let next = least_squares(rows, &z, Some(&weights))?;
        for ((e, m), r) in eta.iter_mut().zip(mu.iter_mut()).zip(rows) {
            *e = next.predict(r);
            *m = e.exp();
        }
        fit = Some(next);
        let new_dev = deviance(ys, &mu, alpha);
        let moved = (new_dev - dev).abs();
        dev = new_dev;
        if moved <= tol {
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

/// Weeks whose design rows are kept for every series (30 years).
const TABLED_WEEKS: usize = 1_565;

/// The design rows of weeks 1 to `weeks`, as vectors for least squares and as arrays for
/// the dispersion: they depend only on the week's number, so every series shares one table
/// (a sine and cosine a week had been a twentieth of the model's time).
fn seasonal_rows(weeks: usize) -> (Cow<'static, [Vec<f64>]>, Cow<'static, [Row]>) {
    fn rows(weeks: usize) -> (Vec<Vec<f64>>, Vec<Row>) {
        let vectors: Vec<Vec<f64>> = (1..=weeks).map(seasonal_row).collect();
        let arrays = vectors
            .iter()
            .map(|row| std::array::from_fn(|i| row[i]))
            .collect();
        (vectors, arrays)
    }
    static TABLE: OnceLock<(Vec<Vec<f64>>, Vec<Row>)> = OnceLock::new();
    if weeks > TABLED_WEEKS {
        let (vectors, arrays) = rows(weeks);
        return (Cow::Owned(vectors), Cow::Owned(arrays));
    }
    let (vectors, arrays) = TABLE.get_or_init(|| rows(TABLED_WEEKS));
    (
        Cow::Borrowed(&vectors[..weeks]),
        Cow::Borrowed(&arrays[..weeks]),
    )
}

/// scipy's `nbinom.ppf(q, size, p)`: the smallest count whose cdf reaches `q`. The cdf
/// is the regularized incomplete beta function; walking up from the mean one count at a
/// time would take one per count, so the walk adds the probabilities instead (each from
/// the one before), from the cdf at the mean (`summed_to`, or the incomplete beta and log
/// gamma functions where that sum would be long). Where the sums land within 1e-6 of `q`
/// on either side of the count found (the probabilities from log gamma functions are good
/// to about 1e-7 when the size is near 1e8), that count is checked with the incomplete beta
/// at it and the count below, falling back to the walk where that check fails.
fn nbinom_ppf(q: f64, size: f64, p: f64) -> f64 {
    let cdf = |k: f64| beta_reg(size, k + 1.0, p);
    let mean = size * (1.0 - p) / p;
    let start = mean.floor().max(0.0);
    let (mut total, mut pmf) = summed_to(start, size, p).unwrap_or_else(|| {
        // P(k) = C(k + size - 1, k) p^size (1 - p)^k.
        let pmf = (ln_gamma(start + size) - ln_gamma(size) - ln_gamma(start + 1.0)
            + size * p.ln()
            + start * (1.0 - p).ln())
        .exp();
        (cdf(start), pmf)
    });
    if total < q {
        let mut k = start;
        let mut below = total;
        while total < q && k - start < 1e6 {
            pmf *= (k + size) / (k + 1.0) * (1.0 - p);
            k += 1.0;
            below = total;
            total += pmf;
        }
        const MARGIN: f64 = 1e-6;
        if total >= q + MARGIN && below < q - MARGIN {
            return k;
        }
        if cdf(k) >= q && cdf(k - 1.0) < q {
            return k;
        }
    }
    walk_ppf(q, &cdf, start)
}

/// `P(X <= start)` and `P(X = start)` summed from `P(0) = p^size`, each probability from
/// the one before: a weekly mean's hundred or so multiplications cost less than the one
/// incomplete beta (a continued fraction and three log gamma functions) they replace, a
/// week of every series. Each step adds a rounding of about 1e-16, far inside the 1e-6
/// margin `nbinom_ppf` checks against. `None` where the sum would be long (a mean above
/// 1,000) or `P(0)` too small to start from (it underflows for means in the hundreds).
fn summed_to(start: f64, size: f64, p: f64) -> Option<(f64, f64)> {
    if start > 1000.0 {
        return None;
    }
    let mut pmf = (size * p.ln()).exp();
    // NaN fails this too.
    if pmf.partial_cmp(&1e-250) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let mut total = pmf;
    let mut k = 0.0;
    while k < start {
        pmf *= (k + size) / (k + 1.0) * (1.0 - p);
        k += 1.0;
        total += pmf;
    }
    Some((total, pmf))
}

/// The smallest count from 0 whose cdf reaches `q`, searched from `start`: steps doubling
/// away from it until the cdf crosses `q`, then bisection. The cdf rises with the count,
/// so this is what walking one count at a time finds, in a few dozen evaluations instead of
/// one per count: a request asking for a far-off week (an API fuzzer's) made the expected
/// count so large that the one-at-a-time walk ran for minutes on a server thread.
fn walk_ppf(q: f64, cdf: &dyn Fn(f64) -> f64, start: f64) -> f64 {
    /// Beyond this no count is meaningful; the search stops there.
    const LIMIT: f64 = 1e15;
    if !start.is_finite() || start > LIMIT {
        return start;
    }
    // Invariant: cdf(lo) < q (lo = -1 standing for "below zero"), cdf(hi) >= q.
    let (mut lo, mut hi);
    let mut step = 1.0;
    if cdf(start) >= q {
        hi = start;
        lo = start - step;
        while lo >= 0.0 && cdf(lo) >= q {
            hi = lo;
            step *= 2.0;
            lo = start - step;
        }
        lo = lo.max(-1.0);
    } else {
        lo = start;
        hi = start + step;
        loop {
            let at = cdf(hi);
            // A NaN cdf ends the search as a reached one would.
            if at >= q || at.is_nan() {
                break;
            }
            if hi > LIMIT {
                return hi;
            }
            lo = hi;
            step *= 2.0;
            hi = start + step;
        }
    }
    while hi - lo > 1.0 {
        let mid = ((lo + hi) / 2.0).floor();
        if cdf(mid) >= q {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// Negative binomial regression over weekly counts, fitted to the first `baseline_weeks`;
/// one point per week.
pub fn nbinom(weekly: &[f64], baseline_weeks: usize) -> Result<Vec<Option<Point>>, TooShort> {
    let baseline_weeks = baseline_weeks.min(weekly.len());
    enough_baseline(Method::Nbinom, baseline_weeks)?;
    // The fits use the baseline's rows, the estimates all of them.
    let (rows, arrays) = seasonal_rows(weekly.len());
    let baseline = &rows[..baseline_weeks];
    let ys = &weekly[..baseline_weeks];
    let mut out = vec![None; weekly.len()];
    // statsmodels' fit at the smallest dispersion: where the data show no overdispersion
    // it is the final fit, and otherwise the dispersion's search starts from it.
    let Some(poisson) = irls(baseline, ys, MIN_ALPHA, 1e-8) else {
        return Ok(out);
    };
    let start: Row = std::array::from_fn(|i| poisson.beta[i]);
    let Some(alpha) = dispersion(&arrays[..baseline_weeks], ys, start) else {
        return Ok(out);
    };
    let fit = if alpha == MIN_ALPHA {
        poisson
    } else {
        match irls(baseline, ys, alpha, 1e-8) {
            Some(fit) => fit,
            None => return Ok(out),
        }
    };
    let size = 1.0 / alpha;
    for ((&observed, slot), row) in weekly.iter().zip(out.iter_mut()).zip(rows.iter()) {
        let eta = fit.predict(row);
        let upper = (eta + Z975 * fit.leverage(row).sqrt()).exp();
        let threshold = nbinom_ppf(0.95, size, size / (size + upper));
        *slot = Some(Point::against(observed, eta.exp(), None, threshold));
    }
    Ok(out)
}

/// The statsmodels fit at `MIN_ALPHA`'s coefficients (the dispersion's tests start there).
#[cfg(test)]
fn poisson_start(rows: &[Row], ys: &[f64]) -> Option<Row> {
    let rows: Vec<Vec<f64>> = rows.iter().map(|r| r.to_vec()).collect();
    let fit = irls(&rows, ys, MIN_ALPHA, 1e-8)?;
    Some(std::array::from_fn(|i| fit.beta[i]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_finds_the_one_count_at_a_time_percentile_and_ends_for_huge_means() {
        let one_at_a_time = |q: f64, cdf: &dyn Fn(f64) -> f64, start: f64| {
            let mut k = start;
            while cdf(k) < q {
                k += 1.0;
            }
            while k > 0.0 && cdf(k - 1.0) >= q {
                k -= 1.0;
            }
            k
        };
        for size in [2000.0, 5.0, 0.7] {
            for mean in [0.0, 0.3, 4.0, 37.5, 160.0] {
                let p = size / (size + mean);
                let cdf = |k: f64| beta_reg(size, k + 1.0, p);
                for start in [0.0, mean.floor(), (3.0 * mean).floor() + 5.0] {
                    for q in [0.05, 0.5, 0.95] {
                        assert_eq!(
                            walk_ppf(q, &cdf, start),
                            one_at_a_time(q, &cdf, start),
                            "size {size} mean {mean} start {start} q {q}"
                        );
                    }
                }
            }
        }
        // A mean of 1e12 (a far-off week's extrapolation): answered at once, near the mean
        // (the incomplete beta itself is only roughly right out there).
        let (size, mean) = (1e8, 1e12);
        let threshold = nbinom_ppf(0.95, size, size / (size + mean));
        assert!((threshold - mean).abs() < 0.01 * mean, "{threshold}");
    }

    #[test]
    fn the_summed_walk_finds_the_walks_percentile() {
        for size in [1e8, 2000.0, 51.3, 5.0, 0.7] {
            for mean in [0.0, 0.3, 4.0, 37.5, 160.0, 2500.0] {
                let p = size / (size + mean);
                let cdf = |k: f64| beta_reg(size, k + 1.0, p);
                assert_eq!(
                    nbinom_ppf(0.95, size, p),
                    walk_ppf(0.95, &cdf, (size * (1.0 - p) / p).floor().max(0.0)),
                    "{size} {mean}"
                );
            }
        }
    }
}

//! The negative binomial's dispersion by maximum likelihood: the root in `alpha` of the
//! profile score (the NB2 log-likelihood's derivative in the size `r = 1 / alpha` with the
//! coefficients refitted at that `alpha`), between `MIN_ALPHA` and 10.
//!
//! Each trial value refits the coefficients by Newton's method on the likelihood itself
//! (observed information, so two or three steps from the last trial's coefficients moved
//! along their derivative in `alpha`), and gives the score with its derivative in `alpha`
//! (the implicit function theorem: the coefficients' own derivative enters through
//! `(X' W X)^-1`), so the root is found by Newton's method in `alpha`, kept inside the
//! bracket in `log alpha` by bisection: four to six trials where bisection and regula falsi
//! took seventeen to twenty-five.
//!
//! For whole counts `digamma(y + r) - digamma(r)` is the sum of `1 / (r + k)` for `k < y`:
//! near `MIN_ALPHA` (a size of 1e8) the score is a sum of terms of 1e-6 that cancel to 1e-15
//! each, and the difference of two digammas near 18.4 is only good to 4e-15, so the sign
//! there (is there overdispersion at all?) was rounding noise for series without it, which
//! then ran the whole search to land on a root of that noise just above `MIN_ALPHA`. Summed,
//! and with `ln(1 + mu / r)` for `ln((r + mu) / r)`, the score keeps its sign there.

use statrs::function::gamma::digamma;

/// The smallest dispersion taken (a negative binomial this close to the Poisson).
pub const MIN_ALPHA: f64 = 1e-8;

/// The largest dispersion taken.
const MAX_ALPHA: f64 = 10.0;

/// Columns of the design (intercept, trend, cosine, sine).
const COLUMNS: usize = 4;

/// A row of the design.
pub(super) type Row = [f64; COLUMNS];

/// Counts up to this are summed term by term; larger or fractional ones use digamma.
const LONGEST_SUM: f64 = 20_000.0;

/// A Newton step on the coefficients this small (relative to each, or absolute below 1)
/// ends the refit: convergence is quadratic there, so what is left is far below the
/// 1e-13 the root is found to.
const SETTLED: f64 = 1e-8;

/// The baseline's counts, each distinct count once and, per week, the index of its count
/// among them (weekly counts repeat: about a third of a baseline's weeks have a count of
/// their own).
struct Counts<'a> {
    ys: &'a [f64],
    distinct: Vec<f64>,
    index: Vec<usize>,
    /// Every count whole, non-negative and at most `LONGEST_SUM`.
    whole: bool,
}

impl<'a> Counts<'a> {
    fn new(ys: &'a [f64]) -> Counts<'a> {
        let mut distinct: Vec<f64> = ys.to_vec();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let index = ys
            .iter()
            .map(|y| distinct.partition_point(|d| d < y))
            .collect();
        let whole = distinct
            .iter()
            .all(|d| d.fract() == 0.0 && (0.0..=LONGEST_SUM).contains(d));
        Counts {
            ys,
            distinct,
            index,
            whole,
        }
    }

    /// Per distinct count `y`: `digamma(y + r) - digamma(r)` and `trigamma(y + r) -
    /// trigamma(r)`.
    fn gaps(&self, r: f64, out: &mut Vec<(f64, f64)>) {
        out.clear();
        if self.whole {
            let (mut k, mut first, mut second) = (0.0, 0.0, 0.0);
            for &y in &self.distinct {
                while k < y {
                    let inverse = 1.0 / (r + k);
                    first += inverse;
                    second += inverse * inverse;
                    k += 1.0;
                }
                out.push((first, -second));
            }
        } else {
            let (digamma_r, trigamma_r) = (digamma(r), trigamma(r));
            out.extend(
                self.distinct
                    .iter()
                    .map(|y| (digamma(y + r) - digamma_r, trigamma(y + r) - trigamma_r)),
            );
        }
    }
}

/// The trigamma function for `x > 0`: the recurrence up to 10, then its asymptotic series
/// (only the Newton steps use it, for fractional counts).
fn trigamma(mut x: f64) -> f64 {
    let mut total = 0.0;
    while x < 10.0 {
        total += 1.0 / (x * x);
        x += 1.0;
    }
    let inverse = 1.0 / x;
    let square = inverse * inverse;
    total
        + inverse
            * (1.0
                + inverse
                    * (0.5
                        + inverse
                            * (1.0 / 6.0
                                - square * (1.0 / 30.0 - square * (1.0 / 42.0 - square / 30.0)))))
}

/// One trial value of `alpha`: the profile score in size there, where Newton's method in
/// `alpha` goes next, and the fitted coefficients with their derivative in `alpha`.
struct Trial {
    score: f64,
    newton: f64,
    beta: Row,
    slope: Row,
}

/// What every trial reuses: the design, the counts and the buffers.
struct Profile<'a> {
    rows: &'a [Row],
    counts: Counts<'a>,
    gaps: Vec<(f64, f64)>,
    mu: Vec<f64>,
}

fn dot(a: &Row, b: &Row) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Solves `a x = b` for a symmetric positive definite `a` (lower triangle given) by
/// Cholesky; `None` when it is not positive definite.
fn solve(a: &[[f64; COLUMNS]; COLUMNS], b: &Row) -> Option<Row> {
    let mut l = [[0.0; COLUMNS]; COLUMNS];
    for i in 0..COLUMNS {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - s;
                if d <= 0.0 || d.is_nan() {
                    return None;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    let mut x = *b;
    for i in 0..COLUMNS {
        x[i] = (x[i] - (0..i).map(|k| l[i][k] * x[k]).sum::<f64>()) / l[i][i];
    }
    for i in (0..COLUMNS).rev() {
        x[i] = (x[i] - ((i + 1)..COLUMNS).map(|k| l[k][i] * x[k]).sum::<f64>()) / l[i][i];
    }
    Some(x)
}

impl Profile<'_> {
    /// The observed information `X' W X` (lower triangle) and the gradient at `beta`,
    /// leaving the means in `self.mu`.
    fn information(&mut self, alpha: f64, beta: &Row) -> ([[f64; COLUMNS]; COLUMNS], Row) {
        let mut a = [[0.0; COLUMNS]; COLUMNS];
        let mut gradient = [0.0; COLUMNS];
        self.mu.clear();
        for (row, &y) in self.rows.iter().zip(self.counts.ys) {
            let mu = dot(row, beta).exp();
            self.mu.push(mu);
            let d = 1.0 + alpha * mu;
            let w = mu * (1.0 + alpha * y) / (d * d);
            let g = (y - mu) / d;
            for i in 0..COLUMNS {
                gradient[i] += g * row[i];
                for j in 0..=i {
                    a[i][j] += w * row[i] * row[j];
                }
            }
        }
        (a, gradient)
    }

    /// The coefficients at `alpha` by Newton's method from `beta`, and the information at
    /// the step before the last (for the derivatives), the means in `self.mu` at the
    /// coefficients returned.
    fn refit(&mut self, alpha: f64, mut beta: Row) -> Option<(Row, [[f64; COLUMNS]; COLUMNS])> {
        for _ in 0..100 {
            let (a, gradient) = self.information(alpha, &beta);
            let mut step = solve(&a, &gradient)?;
            // Far from the optimum a full step can overshoot until the means overflow:
            // no week's mean moves by more than a factor e^3 in one step.
            let largest = self
                .rows
                .iter()
                .map(|row| dot(row, &step).abs())
                .fold(0.0, f64::max);
            if largest > 3.0 {
                step = step.map(|s| s * 3.0 / largest);
            }
            for (b, s) in beta.iter_mut().zip(&step) {
                *b += s;
            }
            if !beta.iter().all(|b| b.is_finite()) {
                return None;
            }
            if step
                .iter()
                .zip(&beta)
                .all(|(s, b)| s.abs() <= SETTLED * b.abs().max(1.0))
            {
                self.mu.clear();
                self.mu
                    .extend(self.rows.iter().map(|row| dot(row, &beta).exp()));
                return Some((beta, a));
            }
        }
        None
    }

    /// The trial at `alpha`, the coefficients refitted from `start`.
    fn trial(&mut self, alpha: f64, start: Row) -> Option<Trial> {
        let (beta, a) = self.refit(alpha, start)?;
        let r = 1.0 / alpha;
        self.counts.gaps(r, &mut self.gaps);
        // The score in size, its own derivative in size, and the coefficients' gradient's
        // derivative in size.
        let (mut score, mut curvature) = (0.0, 0.0);
        let mut cross = [0.0; COLUMNS];
        for (((&y, &i), &mu), row) in self
            .counts
            .ys
            .iter()
            .zip(&self.counts.index)
            .zip(&self.mu)
            .zip(self.rows)
        {
            let (first, second) = self.gaps.get(i).copied().unwrap_or((f64::NAN, f64::NAN));
            let rm = r + mu;
            score += first - (mu / r).ln_1p() + (mu - y) / rm;
            curvature += second + mu / (r * rm) - (mu - y) / (rm * rm);
            let c = (y - mu) * mu / (rm * rm);
            for (x, v) in cross.iter_mut().zip(row) {
                *x += c * v;
            }
        }
        // d beta / d r = (X' W X)^-1 cross; the profile score's derivative in size.
        let in_size = solve(&a, &cross)?;
        let derivative = curvature + dot(&cross, &in_size);
        // Newton on d loglik / d alpha = -r^2 score, whose derivative in alpha is
        // r^2 (2 r score + r^2 derivative).
        let newton = alpha + score / (2.0 * r * score + r * r * derivative);
        let slope = in_size.map(|v| -r * r * v);
        Some(Trial {
            score,
            newton,
            beta,
            slope,
        })
    }
}

/// The maximum-likelihood dispersion of the counts `ys` on the design `rows`, the
/// coefficients starting from `beta` (the Poisson-like fit at `MIN_ALPHA`): `MIN_ALPHA` when
/// the score there says a larger size is better (no overdispersion), 10 when it still says
/// a smaller one is at 10, else the root between, to 1e-13 in `log alpha`.
///
/// The bracket in `log alpha` starts as `MIN_ALPHA` (score <= 0) and 10, whose score is
/// only computed when a step would go there (a root found inside makes it positive: the
/// score changes sign once). A Newton step that leaves the bracket is replaced by
/// bisection, and so is every step after twelve Newton steps.
pub(super) fn dispersion(rows: &[Row], ys: &[f64], beta: Row) -> Option<f64> {
    let mut profile = Profile {
        rows,
        counts: Counts::new(ys),
        gaps: Vec::new(),
        mu: Vec::with_capacity(ys.len()),
    };
    let mut at = profile.trial(MIN_ALPHA, beta)?;
    if at.score > 0.0 {
        return Some(MIN_ALPHA);
    }
    let top = MAX_ALPHA.ln();
    let (mut lo, mut hi) = (MIN_ALPHA.ln(), top);
    let mut hi_known = false;
    let mut alpha = MIN_ALPHA;
    // Newton steps left before bisection alone: Newton converges in a handful where it
    // converges at all.
    let mut newton_left = 12;
    for _ in 0..200 {
        let newton = at.newton.ln();
        if (newton - alpha.ln()).abs() <= 1e-12 && newton >= lo && newton <= hi {
            return Some(newton.exp());
        }
        if hi_known && hi - lo <= 1e-13 {
            break;
        }
        let mut next = 0.5 * (lo + hi);
        if newton_left > 0 && newton > lo && newton < hi {
            newton_left -= 1;
            next = newton;
        }
        if !hi_known && next >= top {
            next = top;
        }
        let next_alpha = next.exp();
        // The coefficients carried along their derivative in alpha, unless that is far.
        let mut start = at.beta;
        if (next - alpha.ln()).abs() < 2.0 {
            for ((s, b), d) in start.iter_mut().zip(&at.beta).zip(&at.slope) {
                *s = b + d * (next_alpha - alpha);
            }
        }
        let trial = match profile.trial(next_alpha, start) {
            Some(trial) => trial,
            None => profile.trial(next_alpha, at.beta)?,
        };
        if trial.score > 0.0 {
            hi = next;
            hi_known = true;
        } else if next == top {
            return Some(top.exp());
        } else {
            lo = next;
        }
        alpha = next_alpha;
        at = trial;
    }
    Some((0.5 * (lo + hi)).exp())
}

#[cfg(test)]
mod tests {
    use super::super::{poisson_start, seasonal_rows};
    use super::*;

    fn series(seed: u64, spread: u64, level: f64) -> Vec<f64> {
        let mut state = seed;
        (0..130)
            .map(|w| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (level + 0.25 * level * (f64::from(w) / 8.3).sin() + (state % spread) as f64)
                    .round()
            })
            .collect()
    }

    /// Bisection all the way on the same profile score, each trial refitted from the
    /// Poisson-like coefficients.
    fn bisected(rows: &[Row], ys: &[f64], beta: Row) -> f64 {
        let mut profile = Profile {
            rows,
            counts: Counts::new(ys),
            gaps: Vec::new(),
            mu: Vec::new(),
        };
        let (mut lo, mut hi) = (MIN_ALPHA.ln(), MAX_ALPHA.ln());
        while hi - lo > 1e-13 {
            let mid = 0.5 * (lo + hi);
            if profile.trial(mid.exp(), beta).unwrap().score > 0.0 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        (0.5 * (lo + hi)).exp()
    }

    /// The root finder lands where bisection all the way does.
    #[test]
    fn the_dispersion_is_bisections() {
        for (seed, spread, level) in [(7, 40, 80.0), (8, 80, 80.0), (9, 160, 80.0), (3, 16, 2.0)] {
            let ys = series(seed, spread, level);
            let rows = seasonal_rows(ys.len()).1;
            let beta = poisson_start(&rows, &ys).unwrap();
            let ours = dispersion(&rows, &ys, beta).unwrap();
            let theirs = bisected(&rows, &ys, beta);
            assert!(ours > 1e-4, "{ours}");
            assert!((ours / theirs - 1.0).abs() < 1e-9, "{ours} {theirs}");
        }
    }

    /// Counts too large to sum term by term, and fractional ones, take digamma's way to the
    /// same root.
    #[test]
    fn large_and_fractional_counts_find_bisections_root() {
        for ys in [
            series(11, 20_000, 60_000.0),
            series(12, 80, 80.0).iter().map(|y| y + 0.5).collect(),
        ] {
            let rows = seasonal_rows(ys.len()).1;
            let beta = poisson_start(&rows, &ys).unwrap();
            assert!(!Counts::new(&ys).whole);
            let ours = dispersion(&rows, &ys, beta).unwrap();
            let theirs = bisected(&rows, &ys, beta);
            assert!(ours > 1e-4, "{ours}");
            assert!((ours / theirs - 1.0).abs() < 1e-9, "{ours} {theirs}");
        }
    }

    /// Counts with less spread than a Poisson's: the score at `MIN_ALPHA` says so.
    #[test]
    fn underdispersed_counts_take_the_smallest_dispersion() {
        for seed in 1..40 {
            // Uniform noise of sd 2 around 80: variance 4 against a mean of 80.
            let ys: Vec<f64> = series(seed, 7, 80.0);
            let rows = seasonal_rows(ys.len()).1;
            let beta = poisson_start(&rows, &ys).unwrap();
            assert_eq!(dispersion(&rows, &ys, beta), Some(MIN_ALPHA), "seed {seed}");
        }
    }

    #[test]
    fn the_sums_are_the_digamma_and_trigamma_differences() {
        let ys = [0.0, 1.0, 3.0, 17.0, 250.0];
        let counts = Counts::new(&ys);
        assert!(counts.whole);
        let mut gaps = Vec::new();
        for r in [0.1, 2.5, 40.0, 1e4] {
            counts.gaps(r, &mut gaps);
            for (&y, &(first, second)) in counts.distinct.iter().zip(&gaps) {
                let want = digamma(y + r) - digamma(r);
                assert!(
                    (first - want).abs() <= 1e-12 * want.abs().max(1.0),
                    "{y} {r}"
                );
                let want = trigamma(y + r) - trigamma(r);
                assert!(
                    (second - want).abs() <= 1e-9 * want.abs().max(1e-12),
                    "{y} {r}"
                );
            }
        }
    }
}

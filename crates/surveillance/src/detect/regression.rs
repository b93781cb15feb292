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

use super::ewma::{EwmaParams, ewma_on, round5};
use super::linear::least_squares;
use super::student::{Student, quantile};
use super::{Method, Point, TooShort, long_enough};
use std::sync::OnceLock;
use time::Date;

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
/// How far below `SWITCH_R2` a fit's adjusted R squared still counts as reaching it:
/// whole counts can reach it exactly (a 28-day baseline whose residual and total sums of
/// squares are 400/7 and 1350/7), and then rounding in the last bit would decide.
const SWITCH_TIE: f64 = 1e-12;

/// One day's regression: the point and the fit's adjusted R squared (0 where undefined).
type Fitted = Option<(Point, f64)>;

/// The t distributions of one baseline length, worked out once.
struct PerLength {
    t_dist: Student,
    min_sigma: f64,
    inflation: f64,
}

fn per_length(n: usize) -> Option<PerLength> {
    let t_dist = Student::new(n - COLUMNS)?;
    let warning = round5(quantile(n - COLUMNS + 1, 0.95)?);
    let nf = n as f64;
    Some(PerLength {
        t_dist,
        min_sigma: 1.01 / warning,
        inflation: ((nf + 7.0) * (nf - 4.0) / (nf * (nf - 7.0))).sqrt(),
    })
}

/// Monday 1 .. Sunday 7 of day `day` of a series whose first day is Monday 1 .. Sunday 7
/// `first_weekday`.
fn weekday(first_weekday: usize, day: usize) -> usize {
    (first_weekday - 1 + day) % 7 + 1
}

/// The design row of a baseline's `k`-th day (from 0) falling on `dow` (Monday 1 .. Sunday 7).
fn design_row(k: usize, dow: usize) -> [f64; COLUMNS] {
    let mut row = [0.0; COLUMNS];
    row[0] = 1.0;
    row[1] = (k + 1) as f64;
    if dow < 7 {
        row[dow + 1] = 1.0;
    }
    row
}

/// What a baseline of `n` days starting on one weekday needs, worked out once by the same
/// QR as the day-by-day fit: the regression depends on the counts only through `X'y`, so
/// the forecast is `f'X'y` with `f = (X'X)^-1 x` (x the tested day's row) and the residual
/// sum of squares is `y'y - |C'X'y|^2` with `C C' = (X'X)^-1`.
#[derive(Debug, Clone)]
struct Design {
    /// `X'1`: the baseline's days, the trend's sum and the days of each weekday.
    ones: [f64; COLUMNS],
    /// `C'` (upper triangular), row-major.
    factor: [[f64; COLUMNS]; COLUMNS],
    /// `(X'X)^-1 x` for the tested day `g + 1` days after the baseline.
    forecast: [f64; COLUMNS],
}

impl Design {
    fn new(n: usize, start_weekday: usize, g: usize) -> Option<Self> {
        let rows: Vec<Vec<f64>> = (0..n)
            .map(|k| design_row(k, weekday(start_weekday, k)).to_vec())
            .collect();
        // Any right-hand side gives (X'X)^-1; the counts never enter it.
        let fit = least_squares(&rows, &vec![0.0; n], None)?;
        let m = |i: usize, j: usize| fit.unscaled_cov[i * COLUMNS + j];
        let mut ones = [0.0; COLUMNS];
        for row in &rows {
            for (o, v) in ones.iter_mut().zip(row) {
                *o += v;
            }
        }
        // Cholesky: (X'X)^-1 = L L', L lower triangular; C' = L'.
        let mut l = [[0.0; COLUMNS]; COLUMNS];
        for i in 0..COLUMNS {
            for j in 0..=i {
                let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
                if i == j {
                    let d = m(i, i) - s;
                    if d <= 0.0 {
                        return None;
                    }
                    l[i][i] = d.sqrt();
                } else {
                    l[i][j] = (m(i, j) - s) / l[j][j];
                }
            }
        }
        let mut factor = [[0.0; COLUMNS]; COLUMNS];
        for (i, row) in l.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                factor[j][i] = *v;
            }
        }
        let x = design_row(n + g, weekday(start_weekday, n + g));
        let mut forecast = [0.0; COLUMNS];
        for (i, f) in forecast.iter_mut().enumerate() {
            *f = (0..COLUMNS).map(|j| m(i, j) * x[j]).sum();
        }
        Some(Self {
            ones,
            factor,
            forecast,
        })
    }
}

/// Every baseline length's designs for one guard band, by length and starting weekday.
struct Designs {
    /// `(n - MIN_BASELINE) * 7 + weekday - 1`.
    table: Vec<Option<Design>>,
}

impl Designs {
    fn new(guard: usize, longest: usize) -> Self {
        let table = (MIN_BASELINE..=longest)
            .flat_map(|n| (1..=7).map(move |dow| Design::new(n, dow, guard)))
            .collect();
        Self { table }
    }

    fn get(&self, n: usize, start_weekday: usize) -> Option<&Design> {
        self.table
            .get((n.checked_sub(MIN_BASELINE)?) * 7 + start_weekday - 1)?
            .as_ref()
    }
}

/// The designs of the default parameters, built once and shared by every series.
fn default_designs() -> &'static Designs {
    static DESIGNS: OnceLock<Designs> = OnceLock::new();
    DESIGNS.get_or_init(|| {
        let params = RegressionParams::default();
        Designs::new(params.guard, params.baseline.max(MIN_BASELINE))
    })
}

/// Sums over a sliding baseline of whole counts, kept exact as the window moves: the
/// counts, the counts times their day's index, each weekday's counts (Monday to Saturday)
/// and the squares. In `i64` (software `i128` conversions took a third of the time): exact
/// for counts below 2^20, baselines up to 4,096 days and series shorter than 2^24 days
/// (`exact_in_sums`), which every real series is; others are fitted by QR.
#[derive(Default)]
struct Sums {
    sums: [i64; COLUMNS + 1],
    /// The window is days `start..end`.
    start: usize,
    end: usize,
}

/// Whether the sums over baselines of up to `longest` days are exact in `i64`.
fn exact_in_sums(counts: &[f64], longest: usize) -> bool {
    const LIMIT: f64 = 1_048_576.0;
    longest <= 4096
        && counts.len() < 1 << 24
        && counts.iter().all(|c| c.fract() == 0.0 && c.abs() < LIMIT)
}

impl Sums {
    fn add(&mut self, counts: &[f64], first_weekday: usize, day: usize, sign: i64) {
        let c = sign * counts[day] as i64;
        self.sums[0] += c;
        self.sums[1] += c * day as i64;
        let dow = weekday(first_weekday, day);
        if dow < 7 {
            self.sums[dow + 1] += c;
        }
        self.sums[COLUMNS] += sign * c * c;
    }

    /// Moves the window to days `start..end` (never backwards).
    fn slide(&mut self, counts: &[f64], first_weekday: usize, start: usize, end: usize) {
        while self.end < end {
            self.add(counts, first_weekday, self.end, 1);
            self.end += 1;
        }
        while self.start < start {
            self.add(counts, first_weekday, self.start, -1);
            self.start += 1;
        }
    }

    /// The fit over the window: (forecast, residual sum of squares, total sum of squares).
    /// The counts are shifted by the window's rounded mean first, so the cancellation in
    /// the residual sum of squares is relative to their spread rather than their size (the
    /// intercept absorbs the shift); `X'(y - shift)` and `|y - shift|^2` are exact.
    fn fit(&self, design: &Design) -> (f64, f64, f64) {
        let [sum, weighted, .., squares] = self.sums;
        let n = (self.end - self.start) as i64;
        // The mean rounded (half up), in integers.
        let shift = (2 * sum + n).div_euclid(2 * n);
        let mut xty = [0.0; COLUMNS];
        xty[0] = (sum - shift * n) as f64;
        // The trend is 1 on the first day: sum (day - start + 1) y.
        let trend = weighted - (self.start as i64 - 1) * sum;
        xty[1] = (trend - shift * n * (n + 1) / 2) as f64;
        for ((x, &s), &o) in xty.iter_mut().zip(&self.sums).zip(&design.ones).skip(2) {
            *x = (s - shift * o as i64) as f64;
        }
        let shifted_squares = (squares - 2 * shift * sum + shift * shift * n) as f64;
        let mut explained = 0.0;
        // `C'` is upper triangular: row i starts at column i (the zeros before it add
        // nothing, so the sums are the same to the bit).
        for (i, row) in design.factor.iter().enumerate() {
            let z: f64 = row[i..].iter().zip(&xty[i..]).map(|(c, v)| c * v).sum();
            explained += z * z;
        }
        let ssr = (shifted_squares - explained).max(0.0);
        let forecast = shift as f64
            + design
                .forecast
                .iter()
                .zip(&xty)
                .map(|(f, v)| f * v)
                .sum::<f64>();
        // In i64 where it fits: converting an i128 to f64 is a software call.
        let n_tss = n
            .checked_mul(squares)
            .zip(sum.checked_mul(sum))
            .and_then(|(a, b)| a.checked_sub(b))
            .map_or_else(
                || (i128::from(n) * i128::from(squares) - i128::from(sum) * i128::from(sum)) as f64,
                |v| v as f64,
            );
        let tss = n_tss / n as f64;
        (forecast, ssr, tss)
    }
}

/// One day's fit by QR over the baseline's rows (series with fractional counts).
fn fit_by_qr(
    counts: &[f64],
    start: usize,
    n: usize,
    first_weekday: usize,
    g: usize,
) -> Option<(f64, f64, f64)> {
    let rows: Vec<Vec<f64>> = (0..n)
        .map(|k| design_row(k, weekday(first_weekday, start + k)).to_vec())
        .collect();
    let ys = &counts[start..start + n];
    let fit = least_squares(&rows, ys, None)?;
    let mean = ys.iter().sum::<f64>() / n as f64;
    let tss = ys.iter().map(|y| (y - mean) * (y - mean)).sum::<f64>();
    let x = design_row(n + g, weekday(first_weekday, start + n + g));
    Some((fit.predict(&x), fit.ssr, tss))
}

/// The regression's days whose fit's adjusted R squared `keep` accepts (each day's t
/// distribution's p-value is worked out only for those).
fn fits(
    counts: &[f64],
    first: Date,
    params: &RegressionParams,
    keep: impl Fn(f64) -> bool,
) -> Result<Vec<Fitted>, TooShort> {
    let g = params.guard;
    let first_tested = MIN_BASELINE + g;
    long_enough(Method::Regression, counts, first_tested + 1)?;
    let mut out = vec![None; counts.len()];
    let first_weekday = usize::from(first.weekday().number_from_monday());
    let longest = params.baseline.max(MIN_BASELINE);
    let own;
    let designs = if !exact_in_sums(counts, longest) {
        None
    } else if *params == RegressionParams::default() {
        Some(default_designs())
    } else {
        own = Designs::new(g, longest);
        Some(&own)
    };
    let mut sums = Sums::default();
    let mut cached: Option<(usize, PerLength)> = None;
    for (i, &observed) in counts.iter().enumerate().skip(first_tested) {
        let n = (i - g).min(longest);
        let start = i - g - n;
        if cached.as_ref().is_none_or(|(len, _)| *len != n) {
            cached = per_length(n).map(|per| (n, per));
        }
        let Some((_, per)) = &cached else { continue };
        let fitted = match designs {
            Some(designs) => {
                sums.slide(counts, first_weekday, start, start + n);
                designs
                    .get(n, weekday(first_weekday, start))
                    .map(|design| sums.fit(design))
            }
            None => fit_by_qr(counts, start, n, first_weekday, g),
        };
        let Some((forecast, ssr, tss)) = fitted else {
            continue;
        };
        let df = (n - COLUMNS) as f64;
        let mse = ssr / df;
        let r2 = 1.0 - ssr / tss;
        let r2_adj = 1.0 - (n as f64 - 1.0) / df * (1.0 - r2);
        let r2_adj = if r2_adj.is_nan() { 0.0 } else { r2_adj };
        if !keep(r2_adj) {
            continue;
        }
        let sigma = (mse.sqrt() * per.inflation).max(per.min_sigma);
        let expected = forecast.max(0.0);
        let statistic = (observed - expected) / sigma;
        let p_value = 1.0 - per.t_dist.cdf(statistic);
        out[i] = Some((
            Point::tested(observed, expected, statistic, p_value),
            r2_adj,
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
    Ok(fits(counts, first, params, |_| true)?
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
    // Each day is the regression's or EWMA's: neither works out a p-value for the other's.
    let regressions = fits(counts, first, params, |r2_adj| {
        r2_adj >= SWITCH_R2 - SWITCH_TIE
    })
    .map_err(short)?;
    let smoothed = ewma_on(counts, ewma_params, |day| regressions[day].is_none()).map_err(short)?;
    Ok(regressions
        .into_iter()
        .zip(smoothed)
        .map(|(fit, ewma)| fit.map(|(point, _)| point).or(ewma))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The running sums give the day-by-day QR's forecast and sums of squares.
    #[test]
    fn sums_agree_with_the_qr_fit() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = |m: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % m
        };
        let mut worst = 0.0_f64;
        for series in 0..60 {
            let scale = [3, 30, 3000][series % 3];
            let counts: Vec<f64> = (0..200).map(|_| next(scale) as f64).collect();
            let first_weekday = series % 7 + 1;
            let mut sums = Sums::default();
            for i in MIN_BASELINE + 2..counts.len() {
                let n = (i - 2).min(28);
                let start = i - 2 - n;
                sums.slide(&counts, first_weekday, start, start + n);
                let design = default_designs()
                    .get(n, weekday(first_weekday, start))
                    .unwrap();
                let (f1, ssr1, tss1) = sums.fit(design);
                let (f2, ssr2, tss2) = fit_by_qr(&counts, start, n, first_weekday, 2).unwrap();
                let size = scale as f64;
                worst = worst
                    .max((f1 - f2).abs() / size)
                    .max((ssr1 - ssr2).abs() / (size * size))
                    .max((tss1 - tss2).abs() / (size * size));
            }
        }
        assert!(worst < 1e-11, "{worst:e}");
    }
}

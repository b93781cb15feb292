//! Outbreak detection on a daily series: each method gives, for every day it can test, the
//! observed count, the expected count, the statistic, the threshold it is compared with
//! and the alert level; a day without enough history before it is not tested (`None`), and a
//! series too short for any test is an error that says how long it must be, never an alert.
//!
//! - `ears`: EARS C1, C2 and C3 (Hutwagner et al. 2003; Fricker et al. 2008), with R
//!   `surveillance::earsC`'s baselines and bounds.
//! - `ewma`: NSSP-ESSENCE's EWMA as CDC's pynssp (`alert_ewma`) computes it.
//! - `cusum`: CUSUM for daily counts as R `surveillance::algo.cusum` computes it (standard
//!   transformation).
//! - `regression`: adaptive multiple regression and the regression/EWMA switch as pynssp
//!   (`alert_regression`, `alert_switch`); they need each day's weekday.
//! - `serfling`, `nbinom`: pynssp's weekly models (`alert_serfling`, `alert_nbinom`), fitted
//!   to two years or more of MMWR weeks (Sunday to Saturday) summed from the daily counts
//!   (`weekly`); a week's answer is given on its Saturday, the day it is complete.
//! - `linear`: the small least squares the regressions share.
//!
//! Every method is pure over a slice of counts, so the benchmark and the oracle test call
//! exactly what the alerts use. Baselines are read through `Moments`: for whole counts (what
//! visits are) each window's mean and sd come from exact running sums in O(1), not from
//! scanning the window again; other series are scanned window by window as before.

mod cusum;
mod ears;
mod ewma;
mod farrington;
mod linear;
mod nbinom;
mod regression;
mod serfling;
mod student;
mod weekly;

pub use cusum::{CusumParams, cusum};
pub use ears::{EarsParams, c1, c2, c3};
pub use ewma::{EwmaParams, ewma};
pub use farrington::{FarringtonParams, farrington};
pub use nbinom::{MIN_ALPHA, nbinom};
pub use regression::{RegressionParams, regression, switch};
pub use serfling::{MIN_BASELINE_WEEKS, serfling};
pub use weekly::{Weeks, weeks};

use rayon::prelude::*;
use serde::Serialize;
use std::fmt;
use time::Date;

/// An alert's level, as ESSENCE colours it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Tested, nothing unusual (ESSENCE's blue).
    None,
    /// A warning (p below 0.05 for EWMA).
    Yellow,
    /// An alert.
    Red,
}

impl Level {
    /// The level's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Yellow => "yellow",
            Level::Red => "red",
        }
    }
}

/// A detection method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// EARS C1: the last 7 days.
    C1,
    /// EARS C2: 7 days after a 2-day guard band.
    C2,
    /// EARS C3: C2's excesses over the last three days.
    C3,
    /// EWMA (NSSP-ESSENCE, pynssp).
    Ewma,
    /// CUSUM (R surveillance, standard transformation).
    Cusum,
    /// Adaptive multiple regression (NSSP-ESSENCE, pynssp).
    Regression,
    /// The regression/EWMA switch (NSSP-ESSENCE, pynssp).
    Switch,
    /// Negative binomial regression on MMWR weeks (pynssp).
    Nbinom,
    /// The original Serfling model on MMWR weeks (pynssp).
    Serfling,
    /// Farrington flexible on MMWR weeks (R surveillance).
    Farrington,
}

impl Method {
    /// Every method, in this order.
    pub const ALL: [Method; 10] = [
        Method::C1,
        Method::C2,
        Method::C3,
        Method::Ewma,
        Method::Cusum,
        Method::Regression,
        Method::Switch,
        Method::Nbinom,
        Method::Serfling,
        Method::Farrington,
    ];

    /// Every method's name, for messages and documents (`c1, c2, ...`).
    pub const NAMES: &'static str =
        "c1, c2, c3, ewma, cusum, regression, switch, nbinom, serfling, farrington";

    /// The method's name (`c2`, `ewma`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::C1 => "c1",
            Method::C2 => "c2",
            Method::C3 => "c3",
            Method::Ewma => "ewma",
            Method::Cusum => "cusum",
            Method::Regression => "regression",
            Method::Switch => "switch",
            Method::Nbinom => "nbinom",
            Method::Serfling => "serfling",
            Method::Farrington => "farrington",
        }
    }

    /// The method named `name`.
    pub fn parse(name: &str) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// True for the methods on weekly counts (Serfling, negative binomial, Farrington).
    pub fn weekly(self) -> bool {
        matches!(self, Method::Nbinom | Method::Serfling | Method::Farrington)
    }

    /// Days of history the method wants before the first day tested: the daily methods'
    /// longest baseline and guard band; the weekly models' five years (Serfling's usual
    /// baseline; two years is the least they take); Farrington's five years of 52 weeks
    /// and its window, from the first Sunday.
    pub fn history_days(self) -> i64 {
        match self {
            Method::Nbinom | Method::Serfling => 5 * 364 + 6,
            Method::Farrington => (52 * 5 + 3 + 1) * 7 + 6,
            _ => 42,
        }
    }

    /// Runs the method with its published defaults over daily counts whose first day is
    /// `first`. Days before `from` (an index into `counts`) are history: the weekly methods
    /// fit their model to the complete weeks that end before it; the daily methods' baselines
    /// slide, so they ignore it.
    pub fn run(
        self,
        counts: &[f64],
        first: Date,
        from: usize,
    ) -> Result<Vec<Option<Point>>, TooShort> {
        match self {
            Method::C1 => c1(counts, &EarsParams::default()),
            Method::C2 => c2(counts, &EarsParams::default()),
            Method::C3 => c3(counts, &EarsParams::c3()),
            Method::Ewma => ewma(counts, &EwmaParams::default()),
            Method::Cusum => cusum(counts, &CusumParams::default()),
            Method::Regression => regression(counts, first, &RegressionParams::default()),
            Method::Switch => switch(
                counts,
                first,
                &RegressionParams::default(),
                &EwmaParams::default(),
            ),
            Method::Nbinom | Method::Serfling => {
                let weeks = weeks(counts, first);
                let baseline = weeks.complete_before(from);
                let points = if self == Method::Nbinom {
                    nbinom(&weeks.counts, baseline)
                } else {
                    serfling(&weeks.counts, weeks.first_week, baseline)
                }
                .map_err(|short| weeks.too_short(short, from))?;
                Ok(weeks.on_days(points, counts.len()))
            }
            Method::Farrington => {
                let weeks = weeks(counts, first);
                let points =
                    farrington(&weeks.counts, &FarringtonParams::default()).map_err(|short| {
                        TooShort {
                            needed: weeks.first_index + short.needed * 7,
                            days: counts.len(),
                            unit: "days",
                            ..short
                        }
                    })?;
                Ok(weeks.on_days(points, counts.len()))
            }
        }
    }
}

/// One method over one series (its counts, first day and first index tested, as
/// `Method::run` takes them), for `run_all`.
#[derive(Debug, Clone, Copy)]
pub struct Job<'a> {
    /// The method.
    pub method: Method,
    /// The daily counts.
    pub counts: &'a [f64],
    /// The day of `counts[0]`.
    pub first: Date,
    /// The first index tested.
    pub from: usize,
}

/// A method's answer over one series.
pub type Answer = Result<Vec<Option<Point>>, TooShort>;

/// Runs every job and gives what `keep` makes of each answer, in the jobs' order, the jobs
/// spread over the machine's cores by rayon's work stealing: every method is pure over its
/// series, so the series are independent, and their costs differ a hundredfold
/// (Farrington's few weeks beside the negative binomial's profile fits), which fixed
/// shares would balance badly. `keep` runs on the worker that ran the job, so an answer's
/// day-by-day points (some 60 kB a series) can be cut down to what the caller needs there
/// rather than all held at once (350 MB for the benchmark's 5,000 series).
pub fn run_all<R: Send>(jobs: &[Job<'_>], keep: impl Fn(Answer) -> R + Sync) -> Vec<R> {
    jobs.par_iter()
        .map(|job| keep(job.method.run(job.counts, job.first, job.from)))
        .collect()
}

/// What a method says of one day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    /// The count observed.
    pub observed: f64,
    /// The count expected from the baseline.
    pub expected: f64,
    /// The method's statistic; `None` where it is undefined (a baseline without variation).
    pub statistic: Option<f64>,
    /// The count above which the day alerts, where the method defines one.
    pub threshold: Option<f64>,
    /// The p-value, where the method defines one (EWMA).
    pub p_value: Option<f64>,
    /// The alert level.
    pub level: Level,
}

impl Point {
    /// A day compared with a threshold in counts: red above it.
    pub(crate) fn against(
        observed: f64,
        expected: f64,
        statistic: Option<f64>,
        threshold: f64,
    ) -> Self {
        Self {
            observed,
            expected,
            statistic,
            threshold: Some(threshold),
            p_value: None,
            level: if observed > threshold {
                Level::Red
            } else {
                Level::None
            },
        }
    }

    /// A day tested by a p-value (EWMA, regression): red below 0.01, yellow below 0.05.
    pub(crate) fn tested(observed: f64, expected: f64, statistic: f64, p_value: f64) -> Self {
        Self {
            observed,
            expected,
            statistic: Some(statistic),
            threshold: None,
            p_value: Some(p_value),
            level: if p_value < 0.01 {
                Level::Red
            } else if p_value < 0.05 {
                Level::Yellow
            } else {
                Level::None
            },
        }
    }
}

/// A series too short for a method: no day could be tested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct TooShort {
    /// The method.
    pub method: Method,
    /// Days the series must have.
    pub needed: usize,
    /// Days (or what `unit` says) it has.
    pub days: usize,
    /// What is counted: `days`, or `days of history` for the weekly methods.
    pub unit: &'static str,
}

impl fmt::Display for TooShort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the series has {} {}, and the method needs at least {} to test one",
            self.method.as_str(),
            self.days,
            self.unit,
            self.needed
        )
    }
}

/// `Err` unless the series has `needed` days.
fn long_enough(method: Method, counts: &[f64], needed: usize) -> Result<(), TooShort> {
    if counts.len() < needed {
        Err(TooShort {
            method,
            needed,
            days: counts.len(),
            unit: "days",
        })
    } else {
        Ok(())
    }
}

/// Windows' means and sample sds over one series: running sums of the counts and their
/// squares, kept as whole numbers so every window's figures are exact up to the last
/// division (the two-pass figures differ in the last bits only), when every count is a whole
/// number below 2^20 and the series is shorter than 2^22 days, so the sums fit an `i64`
/// (`i128`'s conversions to `f64` are done in software and had cost a third of EWMA's time);
/// otherwise each window is scanned.
pub(crate) struct Moments<'a> {
    counts: &'a [f64],
    /// Running (sum, sum of squares) before each day; `None` when the counts are not whole.
    prefix: Option<Vec<(i64, i64)>>,
}

impl<'a> Moments<'a> {
    pub(crate) fn new(counts: &'a [f64]) -> Self {
        const LIMIT: f64 = 1_048_576.0;
        let whole =
            counts.len() < 1 << 22 && counts.iter().all(|c| c.fract() == 0.0 && c.abs() < LIMIT);
        let prefix = whole.then(|| {
            let mut sums = Vec::with_capacity(counts.len() + 1);
            let (mut sum, mut squares) = (0_i64, 0_i64);
            sums.push((sum, squares));
            for &c in counts {
                let c = c as i64;
                sum += c;
                squares += c * c;
                sums.push((sum, squares));
            }
            sums
        });
        Self { counts, prefix }
    }

    /// Mean and sample sd of days `start..end`, `None` outside the series.
    pub(crate) fn mean_sd(&self, start: usize, end: usize) -> Option<(f64, f64)> {
        let window = self.counts.get(start..end)?;
        let Some(prefix) = &self.prefix else {
            return Some(mean_sd(window));
        };
        let (s0, q0) = *prefix.get(start)?;
        let (s1, q1) = *prefix.get(end)?;
        let n = (end - start) as i64;
        let (sum, squares) = (s1 - s0, q1 - q0);
        let mean = sum as f64 / n as f64;
        // n Q - S^2 = n (n - 1) var, exact in whole numbers: in i64 while n Q stays below
        // 2^11 * 2^11 * 2^40.
        let spread = if n <= 2048 {
            (n * squares - sum * sum) as f64
        } else {
            (i128::from(n) * i128::from(squares) - i128::from(sum) * i128::from(sum)) as f64
        };
        let var = spread / (n * (n - 1)) as f64;
        Some((mean, var.sqrt()))
    }
}

/// Mean and sample standard deviation (n - 1), as R's `sd` and numpy's `std(ddof=1)`.
fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let ss = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>();
    (mean, (ss / (n - 1.0)).sqrt())
}

#[cfg(test)]
mod tests;

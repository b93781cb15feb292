//! CUSUM for daily counts as R `surveillance::algo.cusum` computes it with its defaults
//! (Rossi, Lampugnani, Marchi 1999; standard transformation): the expected count `m` is the
//! mean of the training days before the first day monitored; each monitored day adds its
//! standardised count `(x - m) / sqrt(m)` less `k` to the sum, which never falls below 0;
//! the day alerts when the sum reaches `h`. The threshold is R's `upperbound`, the smallest
//! whole count that would alert, `ceiling(sqrt(m) (h + k - S(t-1)) + m)`, never below 0.
//! A training period without visits (m = 0) cannot standardise a count: every day is left
//! untested rather than alerting (R gives NaN there).

use super::{Level, Method, Point, TooShort, long_enough};

/// CUSUM parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CusumParams {
    /// The reference value `k` (R's default 1.04).
    pub k: f64,
    /// The decision boundary `h` (R's default 2.26).
    pub h: f64,
    /// Training days before the first day monitored (28).
    pub training: usize,
}

impl Default for CusumParams {
    fn default() -> Self {
        Self {
            k: 1.04,
            h: 2.26,
            training: 28,
        }
    }
}

/// CUSUM over the days after the training period.
pub fn cusum(counts: &[f64], params: &CusumParams) -> Result<Vec<Option<Point>>, TooShort> {
    long_enough(Method::Cusum, counts, params.training.max(1) + 1)?;
    let mut out = vec![None; counts.len()];
    let training = counts.get(..params.training).unwrap_or_default();
    let m = training.iter().sum::<f64>() / training.len() as f64;
    if m.is_nan() || m <= 0.0 {
        return Ok(out);
    }
    let root = m.sqrt();
    let mut sum = 0.0_f64;
    for (t, slot) in out.iter_mut().enumerate().skip(params.training) {
        let Some(&observed) = counts.get(t) else {
            break;
        };
        let before = sum;
        sum = (sum + (observed - m) / root - params.k).max(0.0);
        *slot = Some(Point {
            observed,
            expected: m,
            statistic: Some(sum),
            threshold: Some((root * (params.h + params.k - before) + m).ceil().max(0.0)),
            p_value: None,
            level: if sum >= params.h {
                Level::Red
            } else {
                Level::None
            },
        });
    }
    Ok(out)
}

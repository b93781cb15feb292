//! Small weighted least squares for the regression methods (a few columns, at most a few
//! hundred rows): Householder QR, which keeps the accuracy the oracle asks (1e-6) where the
//! normal equations would square the design's condition number (Serfling's week numbers run
//! to the hundreds beside sines below 1). Written here rather than taking `nalgebra` for
//! four to eight columns.

/// A least-squares fit.
#[derive(Debug, Clone)]
pub(super) struct Fit {
    /// The coefficients, one per column.
    pub beta: Vec<f64>,
    /// The (weighted) residual sum of squares.
    pub ssr: f64,
    /// `(X' W X)^-1`, row-major, for prediction variances.
    pub unscaled_cov: Vec<f64>,
}

impl Fit {
    /// `x' beta` for one row.
    pub fn predict(&self, row: &[f64]) -> f64 {
        row.iter().zip(&self.beta).map(|(a, b)| a * b).sum()
    }

    /// `x' (X' W X)^-1 x` for one row.
    pub fn leverage(&self, row: &[f64]) -> f64 {
        let p = self.beta.len();
        let mut total = 0.0;
        for (i, xi) in row.iter().enumerate() {
            for (j, xj) in row.iter().enumerate() {
                total += xi * self.unscaled_cov[i * p + j] * xj;
            }
        }
        total
    }
}

/// Least squares of `y` on the rows of `x` (each row `p` long) with weights `w` (all 1 when
/// `None`). `None` when the design is rank deficient: the methods then leave the day
/// untested rather than pick one of many solutions.
pub(super) fn least_squares(x: &[Vec<f64>], y: &[f64], w: Option<&[f64]>) -> Option<Fit> {
    let n = x.len();
    let p = x.first()?.len();
    if n < p || y.len() != n {
        return None;
    }
    // Column-major copy of sqrt(w) X and sqrt(w) y in one buffer, reduced in place: column
    // j is a[j * n..][..n]. One allocation, not one per column and step (the negative
    // binomial's dispersion runs this some seventy times a series).
    let root = |i: usize| w.map_or(1.0, |w| w[i].sqrt());
    let mut a = vec![0.0; (p + 1) * n];
    for (i, row) in x.iter().enumerate() {
        let scale = root(i);
        for (j, v) in row.iter().enumerate().take(p) {
            a[j * n + i] = v * scale;
        }
        a[p * n + i] = y[i] * scale;
    }
    let scale = a[..p * n]
        .chunks_exact(n)
        .map(|col| col.iter().map(|v| v * v).sum::<f64>().sqrt())
        .fold(0.0_f64, f64::max);
    let mut v = vec![0.0; n];
    for k in 0..p {
        let column = &a[k * n + k..(k + 1) * n];
        let norm = column.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm <= scale * 1e-12 {
            return None;
        }
        let alpha = if column[0] > 0.0 { -norm } else { norm };
        // v = column k below the diagonal minus alpha e_k; H = I - 2 v v' / v'v.
        let v = &mut v[..n - k];
        v.copy_from_slice(column);
        v[0] -= alpha;
        let vv = v.iter().map(|t| t * t).sum::<f64>();
        if vv == 0.0 {
            continue;
        }
        // Columns k.. of X, then y (column p).
        for col in a.chunks_exact_mut(n).skip(k) {
            let dot = v.iter().zip(&col[k..]).map(|(s, t)| s * t).sum::<f64>();
            let f = 2.0 * dot / vv;
            for (c, s) in col[k..].iter_mut().zip(v.iter()) {
                *c -= f * s;
            }
        }
    }
    let b = &a[p * n..];
    // R is a[j][i] for i <= j; back-substitute R beta = Q'y.
    let r = |i: usize, j: usize| a[j * n + i];
    let mut beta = vec![0.0; p];
    for i in (0..p).rev() {
        let s: f64 = ((i + 1)..p).map(|j| r(i, j) * beta[j]).sum();
        beta[i] = (b[i] - s) / r(i, i);
    }
    let ssr = b[p..].iter().map(|v| v * v).sum::<f64>();
    // R^-1 (upper triangular), then (X'WX)^-1 = R^-1 R^-T.
    let mut inv = vec![0.0; p * p];
    for j in 0..p {
        inv[j * p + j] = 1.0 / r(j, j);
        for i in (0..j).rev() {
            let s: f64 = ((i + 1)..=j).map(|k| r(i, k) * inv[k * p + j]).sum();
            inv[i * p + j] = -s / r(i, i);
        }
    }
    let mut unscaled_cov = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..p {
            unscaled_cov[i * p + j] = (i.max(j)..p).map(|k| inv[i * p + k] * inv[j * p + k]).sum();
        }
    }
    Some(Fit {
        beta,
        ssr,
        unscaled_cov,
    })
}

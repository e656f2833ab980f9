//! Principal component analysis of latent vectors, for drawing the h-graph in 2D or 3D: any of the
//! leading principal axes can be chosen as the screen's x, y (and z).

use crate::error::{ModelError, Result};

/// Largest number of principal axes kept by [`pca`] callers by default.
pub const DEFAULT_AXES: usize = 6;

/// Jacobi sweeps before giving up on exact convergence (64×64 converges in under 10).
const MAX_SWEEPS: usize = 60;

/// The leading principal axes of a point set.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub dim: usize,
    /// Mean of the points, `dim` floats.
    pub mean: Vec<f32>,
    /// Unit principal axes, row-major `axes.len() / dim` rows of `dim`, by descending variance.
    /// The sign of each axis is fixed so that its largest-magnitude component is positive.
    pub axes: Vec<f32>,
    /// Variance of the points along each axis (the eigenvalues of the covariance), descending.
    pub variance: Vec<f32>,
}

impl Projection {
    /// Number of principal axes kept.
    pub fn num_axes(&self) -> usize {
        self.variance.len()
    }

    /// Coordinates of `points` (`n * dim` floats) on every kept axis: `n * num_axes()` floats.
    pub fn project(&self, points: &[f32]) -> Vec<f32> {
        let k = self.num_axes();
        let mut out = Vec::with_capacity(points.len() / self.dim.max(1) * k);
        for p in points.chunks_exact(self.dim.max(1)) {
            for a in self.axes.chunks_exact(self.dim.max(1)) {
                let s: f32 = p
                    .iter()
                    .zip(&self.mean)
                    .zip(a)
                    .map(|((x, m), w)| (x - m) * w)
                    .sum();
                out.push(s);
            }
        }
        out
    }
}

/// PCA of `points` (`n * dim` floats, row-major), keeping the `k` axes of largest variance
/// (`k` is capped at `dim`). The covariance is accumulated in f64 and diagonalised with the cyclic
/// Jacobi method, so the result is deterministic.
pub fn pca(points: &[f32], dim: usize, k: usize) -> Result<Projection> {
    if dim == 0 || !points.len().is_multiple_of(dim) {
        return Err(ModelError::Invalid(format!(
            "pca: {} floats are not a whole number of vectors of dimension {dim}",
            points.len()
        )));
    }
    let n = points.len() / dim;
    if n == 0 {
        return Err(ModelError::Invalid("pca: no points".into()));
    }
    let mut mean = vec![0f64; dim];
    for p in points.chunks_exact(dim) {
        for (m, &x) in mean.iter_mut().zip(p) {
            *m += f64::from(x);
        }
    }
    for m in &mut mean {
        *m /= n as f64;
    }
    let mut cov = vec![0f64; dim * dim];
    let mut centred = vec![0f64; dim];
    for p in points.chunks_exact(dim) {
        for ((c, &x), m) in centred.iter_mut().zip(p).zip(&mean) {
            *c = f64::from(x) - m;
        }
        for i in 0..dim {
            let ci = centred[i];
            let row = &mut cov[i * dim..i * dim + dim];
            for j in i..dim {
                row[j] += ci * centred[j];
            }
        }
    }
    for i in 0..dim {
        for j in i..dim {
            let v = cov[i * dim + j] / n as f64;
            cov[i * dim + j] = v;
            cov[j * dim + i] = v;
        }
    }
    let (values, vectors) = jacobi_eigen(cov, dim);
    let mut order: Vec<usize> = (0..dim).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let k = k.min(dim);
    let mut axes = Vec::with_capacity(k * dim);
    let mut variance = Vec::with_capacity(k);
    for &c in order.iter().take(k) {
        let col: Vec<f64> = (0..dim).map(|r| vectors[r * dim + c]).collect();
        let big = col
            .iter()
            .copied()
            .fold(0f64, |b, x| if x.abs() > b.abs() { x } else { b });
        let sign = if big < 0.0 { -1.0 } else { 1.0 };
        axes.extend(col.iter().map(|x| (x * sign) as f32));
        variance.push(values[c].max(0.0) as f32);
    }
    Ok(Projection {
        dim,
        mean: mean.iter().map(|&m| m as f32).collect(),
        axes,
        variance,
    })
}

/// Eigenvalues and eigenvectors (columns of the row-major `dim × dim` result) of a symmetric matrix.
fn jacobi_eigen(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0f64; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _ in 0..MAX_SWEEPS {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum();
        let scale: f64 = (0..n).map(|i| a[i * n + i] * a[i * n + i]).sum::<f64>();
        if off <= 1e-24 * scale.max(1e-300) || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let akp = a[k * n + p];
                    let akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let apk = a[p * n + k];
                    let aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn axes_of_a_stretched_cloud() {
        // Points on a line along (3, 4)/5 with small spread along (-4, 3)/5, centred at (1, 2).
        let mut pts = Vec::new();
        for i in -5..=5 {
            for j in [-1.0f32, 1.0] {
                let (a, b) = (i as f32, 0.1 * j);
                pts.push(1.0 + a * 0.6 - b * 0.8);
                pts.push(2.0 + a * 0.8 + b * 0.6);
            }
        }
        let p = pca(&pts, 2, 2).unwrap();
        assert!((p.mean[0] - 1.0).abs() < 1e-5 && (p.mean[1] - 2.0).abs() < 1e-5);
        assert!((p.axes[0] - 0.6).abs() < 1e-5, "{:?}", p.axes);
        assert!((p.axes[1] - 0.8).abs() < 1e-5, "{:?}", p.axes);
        // Second axis ⟂ first, sign: largest component positive → (-0.8, 0.6) flips to (0.8, -0.6).
        assert!((p.axes[2] - 0.8).abs() < 1e-5 && (p.axes[3] + 0.6).abs() < 1e-5);
        // Variance along the line: mean of i² over -5..=5 = 10; across: 0.01.
        assert!((p.variance[0] - 10.0).abs() < 1e-4, "{:?}", p.variance);
        assert!((p.variance[1] - 0.01).abs() < 1e-6);
        let xy = p.project(&[1.0 + 0.6, 2.0 + 0.8]);
        assert!((xy[0] - 1.0).abs() < 1e-5 && xy[1].abs() < 1e-5);
    }

    #[test]
    fn diagonal_covariance_orders_axes() {
        // Spread 3 along z, 2 along x, 1 along y.
        let pts = [
            2.0, 0.0, 0.0, -2.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0,
            -3.0,
        ];
        let p = pca(&pts, 3, 5).unwrap();
        assert_eq!(p.num_axes(), 3);
        assert_eq!(&p.axes[0..3], &[0.0, 0.0, 1.0]);
        assert_eq!(&p.axes[3..6], &[1.0, 0.0, 0.0]);
        assert_eq!(&p.axes[6..9], &[0.0, 1.0, 0.0]);
        for (got, want) in p.variance.iter().zip([3.0, 4.0 / 3.0, 1.0 / 3.0]) {
            assert!((got - want).abs() < 1e-6, "{:?}", p.variance);
        }
        assert!(pca(&pts[..4], 3, 2).is_err());
        assert!(pca(&[], 3, 2).is_err());
    }

    /// (Moved from the worklog's h-graph picture, which now draws the view data's first two axes.)
    #[test]
    fn pca_finds_the_spread_direction() {
        // Points along (1, 1, 0) with a small spread along (0, 0, 1).
        let pts: Vec<f32> = (0..10)
            .flat_map(|i| {
                let t = i as f32 - 4.5;
                [t, t, 0.1 * (i % 2) as f32]
            })
            .collect();
        let p = pca(&pts, 3, 2).unwrap();
        let k = p.num_axes();
        let xy: Vec<(f64, f64)> = p
            .project(&pts)
            .chunks_exact(k)
            .map(|c| (f64::from(c[0]), f64::from(c[1])))
            .collect();
        let spread = |f: fn(&(f64, f64)) -> f64| {
            let v: Vec<f64> = xy.iter().map(f).collect();
            v.iter().copied().fold(f64::MIN, f64::max) - v.iter().copied().fold(f64::MAX, f64::min)
        };
        assert!((spread(|p| p.0) - 9.0 * 2f64.sqrt()).abs() < 1e-2);
        assert!(spread(|p| p.1) < 0.2);
    }
}

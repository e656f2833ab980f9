//! The researchers' graph diagnostics (their `compute_graph_diagnostics_stats` in
//! `jepa_world_model/plots/plot_graph_diagnostics.py`, shown on their viewer's graph page), on h:
//!
//! Sample [`SAMPLE_CHUNKS`] distinct windows (without replacement) of [`CHUNK_LEN`] consecutive frames of one episode; normalise
//! each h to unit length; the soft transition matrix `P[i][j] = softmax_j(−‖z_i − z_j‖² / TEMP)`
//! with `j = i` masked out; `P2 = P·P`. With `K = min(K_NEIGHBORS, n)`:
//!
//! - **hit1_at_k**: the share of frames (that have a next frame in their window) whose next frame
//!   ranks within the K most likely of `P[i]` (rank = 1 + the entries strictly above it);
//! - **hit2_at_k**: the same for the frame two steps on, under `P2`;
//! - **median_neff1**: the median over rows of `exp(entropy(P[i]))` (entries clamped to 1e-8),
//!   the effective number of neighbours;
//! - **mutual_rate**: the mean over i of |kNN(i) ∩ {j : i ∈ kNN(j)}| / K, kNN = the K largest of `P[i]`;
//! - **max_in_degree**: the most kNN lists one frame is in; **top1pct_mean_in_degree**: the mean
//!   in-degree of the top 1 % (at least one) of frames.
//!
//! In float32 with the same formula for squared distances as theirs. Theirs scores queries by the predictor's next latent when `use_predictor_scores` is set; we
//! score by h itself (their `use_predictor_scores = false`), so no predictor is needed.

use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use worldbench_storage::Dataset;

use super::stats::median;
use crate::nn::gemm::{matmul, MatRef};

/// Windows sampled (their `sample_chunks`).
pub const SAMPLE_CHUNKS: usize = 32;
/// Frames per window (their `chunk_len`).
pub const CHUNK_LEN: usize = 12;
/// K (their `k_neighbors`).
pub const K_NEIGHBORS: usize = 10;
/// Softmax temperature (their `temp`).
pub const TEMP: f64 = 0.1;
const EPS: f64 = 1e-8;

/// The diagnostics of the module doc.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GraphDiagnostics {
    pub hit1_at_k: f64,
    pub hit2_at_k: f64,
    pub median_neff1: f64,
    pub mutual_rate: f64,
    pub max_in_degree: f64,
    pub top1pct_mean_in_degree: f64,
    /// The K used.
    pub k: usize,
    /// Frames sampled.
    pub sample_size: usize,
}

/// Row-major `n × n` matrix of f32 (as theirs, in torch's float32).
struct Square {
    n: usize,
    v: Vec<f32>,
}

impl Square {
    fn row(&self, i: usize) -> &[f32] {
        &self.v[i * self.n..(i + 1) * self.n]
    }
    /// `self · other` (one gemm).
    fn product(&self, other: &Square) -> Option<Square> {
        let n = self.n;
        let mut v = vec![0.0; n * n];
        let (a, b) = (
            MatRef::row_major(&self.v, n, n),
            MatRef::row_major(&other.v, n, n),
        );
        matmul(&mut v, a, b, false).ok()?;
        Some(Square { n, v })
    }
}

/// `P` of the module doc for unit rows `z` (`n × dim`): as theirs, `‖a − b‖² = |a|² + |b|² − 2 a·b`
/// (one gemm for the dot products), clamped at 0.
fn transition_matrix(z: &[f32], dim: usize) -> Option<Square> {
    let n = z.len() / dim;
    let mut dots = vec![0.0f32; n * n];
    let zm = MatRef::row_major(z, n, dim);
    matmul(&mut dots, zm, zm.t(), false).ok()?;
    let sq: Vec<f32> = (0..n).map(|i| dots[i * n + i]).collect();
    let temp = TEMP as f32;
    dots.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
        for (j, r) in row.iter_mut().enumerate() {
            *r = if j == i {
                f32::NEG_INFINITY
            } else {
                -(sq[i] + sq[j] - 2.0 * *r).max(0.0) / temp
            };
        }
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        if !max.is_finite() {
            row.fill(1.0 / n as f32);
            return;
        }
        let mut sum = 0.0f32;
        for r in row.iter_mut() {
            *r = (*r - max).exp();
            sum += *r;
        }
        for r in row.iter_mut() {
            *r /= sum;
        }
    });
    Some(Square { n, v: dots })
}

fn hit_rate(p: &Square, targets: &[Option<usize>], k: usize) -> f64 {
    let ranks: Vec<usize> = targets
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let t = (*t)?;
            let row = p.row(i);
            Some(row.iter().filter(|&&x| x > row[t]).count() + 1)
        })
        .collect();
    if ranks.is_empty() {
        return f64::NAN;
    }
    ranks.iter().filter(|&&r| r <= k).count() as f64 / ranks.len() as f64
}

/// Indices of the `k` largest entries of `row` (ties to the lower index).
fn top_k(row: &[f32], k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..row.len()).collect();
    let order = |a: &usize, b: &usize| row[*b].total_cmp(&row[*a]).then(a.cmp(b));
    if k < idx.len() {
        idx.select_nth_unstable_by(k, order);
        idx.truncate(k);
    }
    idx.sort_by(order);
    idx
}

/// The diagnostics of `points` (one row of `dim` floats each, made of consecutive windows; `window`
/// holds each point's window id): the next frame of point `i` is `i + 1` in the same window.
/// `None` for fewer than 3 points.
pub fn graph_diagnostics(points: &[f32], dim: usize, window: &[u32]) -> Option<GraphDiagnostics> {
    let n = window.len();
    if n < 3 || dim == 0 || points.len() != n * dim {
        return None;
    }
    let mut z = points.to_vec();
    for row in z.chunks_mut(dim) {
        let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        for x in row.iter_mut() {
            *x /= norm;
        }
    }
    let next = |step: usize| -> Vec<Option<usize>> {
        (0..n)
            .map(|i| (i + step < n && window[i + step] == window[i]).then_some(i + step))
            .collect()
    };
    let p = transition_matrix(&z, dim)?;
    let p2 = p.product(&p)?;
    let k = K_NEIGHBORS.min(n).max(1);
    let neff: Vec<f64> = (0..n)
        .map(|i| {
            let h: f64 = p
                .row(i)
                .iter()
                .map(|&x| {
                    let x = f64::from(x).max(EPS);
                    -x * x.ln()
                })
                .sum();
            h.exp()
        })
        .collect();
    let knn: Vec<Vec<usize>> = (0..n).map(|i| top_k(p.row(i), k)).collect();
    let mut is_nb = vec![false; n * n];
    let mut in_degree = vec![0usize; n];
    for (i, nb) in knn.iter().enumerate() {
        for &j in nb {
            is_nb[i * n + j] = true;
            in_degree[j] += 1;
        }
    }
    let mutual_rate = knn
        .iter()
        .enumerate()
        .map(|(i, nb)| nb.iter().filter(|&&j| is_nb[j * n + i]).count() as f64 / k as f64)
        .sum::<f64>()
        / n as f64;
    let mut sorted = in_degree.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let top = ((0.01 * n as f64).ceil() as usize).max(1);
    Some(GraphDiagnostics {
        hit1_at_k: hit_rate(&p, &next(1), k),
        hit2_at_k: hit_rate(&p2, &next(2), k),
        median_neff1: median(&neff),
        mutual_rate,
        max_in_degree: sorted[0] as f64,
        top1pct_mean_in_degree: sorted[..top].iter().sum::<usize>() as f64 / top as f64,
        k,
        sample_size: n,
    })
}

/// Frame indices of [`SAMPLE_CHUNKS`] distinct windows (fewer when the data has fewer) of
/// [`CHUNK_LEN`] consecutive frames of one episode each, drawn from `seed` without replacement,
/// with each frame's window id; empty when no episode is that long.
pub fn sample_windows(data: &Dataset, seed: u64) -> (Vec<usize>, Vec<u32>) {
    let starts: Vec<usize> = data
        .episodes()
        .into_iter()
        .filter(|e| e.len() >= CHUNK_LEN)
        .flat_map(|e| e.start..=e.end - CHUNK_LEN)
        .collect();
    let (mut frames, mut ids) = (Vec::new(), Vec::new());
    if starts.is_empty() {
        return (frames, ids);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6772_6170_6864);
    let count = SAMPLE_CHUNKS.min(starts.len());
    for (w, k) in sample(&mut rng, starts.len(), count)
        .into_iter()
        .enumerate()
    {
        let s = starts[k];
        frames.extend(s..s + CHUNK_LEN);
        ids.extend([w as u32; CHUNK_LEN]);
    }
    (frames, ids)
}

/// The diagnostics of h (one row per frame of `data`) on windows sampled from `seed`.
pub fn dataset_graph_diagnostics(
    h: &[f32],
    dim: usize,
    data: &Dataset,
    seed: u64,
) -> Option<GraphDiagnostics> {
    let (frames, ids) = sample_windows(data, seed);
    let points: Vec<f32> = frames
        .iter()
        .flat_map(|&f| h[f * dim..(f + 1) * dim].iter().copied())
        .collect();
    graph_diagnostics(&points, dim, &ids)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;

    /// Points on the unit circle at the given angles (degrees).
    fn circle(deg: &[f64]) -> Vec<f32> {
        deg.iter()
            .flat_map(|d| {
                let r = d.to_radians();
                [r.cos() as f32, r.sin() as f32]
            })
            .collect()
    }

    #[test]
    fn a_ring_walked_in_order_hits_and_is_mutual() {
        // 36 points 10° apart walked in order, one window: each point's next frame is one of its
        // two nearest points, and the one two on is among the nearest four.
        let deg: Vec<f64> = (0..36).map(|i| f64::from(i) * 10.0).collect();
        let d = graph_diagnostics(&circle(&deg), 2, &[0; 36]).unwrap();
        assert_eq!(d.k, 10);
        assert_eq!(d.sample_size, 36);
        assert_eq!(d.hit1_at_k, 1.0);
        assert_eq!(d.hit2_at_k, 1.0);
        // A ring is symmetric: every kNN list is the 10 nearest (5 each side), all mutual, in-degree 10.
        assert_eq!(d.mutual_rate, 1.0);
        assert_eq!(d.max_in_degree, 10.0);
        assert_eq!(d.top1pct_mean_in_degree, 10.0);
        // Neighbours 10° away hold most of the mass: Neff between 2 and the 10 of K.
        assert!(
            d.median_neff1 > 2.0 && d.median_neff1 < 10.0,
            "{}",
            d.median_neff1
        );
    }

    #[test]
    fn frames_that_jump_across_the_ring_miss() {
        // Walk the ring in the order 0°, 180°, 10°, 190°, …: each next frame sits opposite, the
        // farthest point there is, so it ranks last: hit1 = 0. Two on is 10° away: hit2 = 1.
        let mut deg = Vec::new();
        for i in 0..18 {
            deg.extend([f64::from(i) * 10.0, f64::from(i) * 10.0 + 180.0]);
        }
        let d = graph_diagnostics(&circle(&deg), 2, &[0; 36]).unwrap();
        assert_eq!(d.hit1_at_k, 0.0);
        assert!(d.hit2_at_k > 0.9, "{}", d.hit2_at_k);
        // Windows cut the walk: with every frame its own window there is no next frame at all.
        let ids: Vec<u32> = (0..36).collect();
        let d = graph_diagnostics(&circle(&deg), 2, &ids).unwrap();
        assert!(d.hit1_at_k.is_nan() && d.hit2_at_k.is_nan());
    }

    #[test]
    fn a_hub_has_the_in_degree_and_points_have_neff_of_their_spread() {
        // Four points: three at 0° and one hub-less outlier. K = min(10, 4) = 4 = every point, so
        // each row's kNN holds every point, including itself at probability 0.
        let pts = circle(&[0.0, 0.0, 0.0, 90.0]);
        let d = graph_diagnostics(&pts, 2, &[0, 0, 0, 0]).unwrap();
        assert_eq!(d.k, 4);
        assert_eq!(d.max_in_degree, 4.0);
        assert_eq!(d.mutual_rate, 1.0);
        // Point 0's two twins share its mass equally: Neff = 2 (plus the clamped zeros).
        let p = transition_matrix(&pts, 2).unwrap();
        assert!((p.row(0)[1] - 0.5).abs() < 1e-6);
        assert!((d.median_neff1 - 2.0).abs() < 1e-3, "{}", d.median_neff1);
        assert!(graph_diagnostics(&pts[..4], 2, &[0, 0]).is_none());
    }

    #[test]
    fn windows_lie_in_one_episode() {
        let d =
            super::super::testutil::pixel_dataset(vec![0; 40], [vec![0; 15], vec![1; 25]].concat());
        let (frames, ids) = sample_windows(&d, 3);
        // Episodes of 15 and 25 frames hold 4 + 14 windows: all of them, each once.
        assert_eq!(frames.len(), 18 * CHUNK_LEN);
        let mut firsts: Vec<usize> = frames.chunks(CHUNK_LEN).map(|c| c[0]).collect();
        firsts.sort_unstable();
        firsts.dedup();
        assert_eq!(firsts.len(), 18);
        for (w, chunk) in frames.chunks(CHUNK_LEN).enumerate() {
            assert!(ids[w * CHUNK_LEN..(w + 1) * CHUNK_LEN]
                .iter()
                .all(|&i| i == w as u32));
            assert_eq!(d.episode[chunk[0]], d.episode[chunk[CHUNK_LEN - 1]]);
            assert_eq!(chunk[CHUNK_LEN - 1], chunk[0] + CHUNK_LEN - 1);
        }
        assert_eq!(sample_windows(&d, 3), (frames, ids));
        let long = super::super::testutil::pixel_dataset(vec![0; 200], vec![0; 200]);
        assert_eq!(sample_windows(&long, 3).0.len(), SAMPLE_CHUNKS * CHUNK_LEN);
        let short = super::super::testutil::pixel_dataset(vec![0; 11], vec![0; 11]);
        assert!(sample_windows(&short, 3).0.is_empty());
    }
}

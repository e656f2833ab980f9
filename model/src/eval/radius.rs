//! The merge radius of the h-graph, from the data (DESIGN.md, metric contract).

use rayon::prelude::*;
use worldbench_storage::Dataset;

use super::stats::median;

/// Lower clamp of the merge radius (cosine distance).
pub const MERGE_RADIUS_MIN: f32 = 0.02;
/// Upper clamp of the merge radius (cosine distance).
pub const MERGE_RADIUS_MAX: f32 = 0.08;

/// Cosine distance `1 − cos(a, b)`; a zero vector is at distance 1 from everything.
pub fn cosine_distance(a: &[f32], b: &[f32]) -> f32 {
    let (mut ab, mut aa, mut bb) = (0f64, 0f64, 0f64);
    for (&x, &y) in a.iter().zip(b) {
        ab += f64::from(x) * f64::from(y);
        aa += f64::from(x) * f64::from(x);
        bb += f64::from(y) * f64::from(y);
    }
    if aa == 0.0 || bb == 0.0 {
        return 1.0;
    }
    (1.0 - ab / (aa.sqrt() * bb.sqrt())) as f32
}

/// `clamp(3 × median(1 − cos(h_t, h_t+1)), 0.02, 0.08)` over the transitions `t → t+1` inside one
/// episode whose action `a_t` is not noop (action id 0). With no such transition: 0.02.
/// `h` holds `data.len() * dim` floats.
pub fn merge_radius(h: &[f32], dim: usize, data: &Dataset) -> f32 {
    let n = data.len().min(h.len() / dim.max(1));
    let dists: Vec<f64> = (0..n.saturating_sub(1))
        .into_par_iter()
        .filter(|&t| data.actions[t] != 0 && data.episode[t] == data.episode[t + 1])
        .map(|t| {
            f64::from(cosine_distance(
                &h[t * dim..(t + 1) * dim],
                &h[(t + 1) * dim..(t + 2) * dim],
            ))
        })
        .collect();
    if dists.is_empty() {
        return MERGE_RADIUS_MIN;
    }
    ((3.0 * median(&dists)) as f32).clamp(MERGE_RADIUS_MIN, MERGE_RADIUS_MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::eval::testutil::pixel_dataset;

    /// 2-d unit vectors at the given angles (radians).
    fn at_angles(angles: &[f64]) -> Vec<f32> {
        angles
            .iter()
            .flat_map(|a| [a.cos() as f32, a.sin() as f32])
            .collect()
    }

    #[test]
    fn cosine_distance_known() {
        assert!((cosine_distance(&[1.0, 0.0], &[0.0, 2.0]) - 1.0).abs() < 1e-6);
        assert!(cosine_distance(&[1.0, 1.0], &[2.0, 2.0]).abs() < 1e-6);
        assert!((cosine_distance(&[1.0, 0.0], &[-1.0, 0.0]) - 2.0).abs() < 1e-6);
        assert_eq!(cosine_distance(&[0.0, 0.0], &[1.0, 0.0]), 1.0);
    }

    #[test]
    fn median_times_three_in_range() {
        // Steps of distance d = 1 − cos(θ): choose θ so that d = 0.01 → 3d = 0.03 (inside the clamp).
        let th = (1.0f64 - 0.01).acos();
        let h = at_angles(&[0.0, th, 2.0 * th, 3.0 * th]);
        let data = pixel_dataset(vec![1, 2, 3, 0], vec![0, 0, 0, 0]);
        assert!((merge_radius(&h, 2, &data) - 0.03).abs() < 1e-5);
    }

    #[test]
    fn ignores_noop_and_episode_boundaries_and_clamps() {
        // Transition 0→1 is a big move (noop: ignored); 1→2 crosses an episode (ignored).
        let h = at_angles(&[0.0, 1.5, 3.0, 3.0 + 0.001]);
        let data = pixel_dataset(vec![0, 1, 4, 0], vec![0, 0, 1, 1]);
        assert_eq!(merge_radius(&h, 2, &data), MERGE_RADIUS_MIN);
        // All moves are large: clamped at the top.
        let h = at_angles(&[0.0, 1.0, 2.0]);
        let data = pixel_dataset(vec![1, 1, 0], vec![0, 0, 0]);
        assert_eq!(merge_radius(&h, 2, &data), MERGE_RADIUS_MAX);
        // No move transitions at all.
        let data = pixel_dataset(vec![0, 0, 0], vec![0, 0, 0]);
        assert_eq!(merge_radius(&h, 2, &data), MERGE_RADIUS_MIN);
    }
}

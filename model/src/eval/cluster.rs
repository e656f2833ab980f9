//! Greedy radius clustering of latent vectors by cosine distance: the nodes of the h-graph.

use std::collections::HashMap;

use rayon::prelude::*;

/// Centres at or above this count are scanned in parallel.
const PARALLEL_SCAN_MIN_CENTERS: usize = 4096;

/// The result of clustering `n` vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// Node of each input vector, `n` entries in `0..num_nodes`.
    pub node_of: Vec<u32>,
    /// Unit-norm centres, `num_nodes * dim` floats (a zero input vector gives a zero centre).
    pub centers: Vec<f32>,
    pub num_nodes: usize,
}

/// `v / |v|` (a zero vector stays zero).
pub fn normalized(v: &[f32]) -> Vec<f32> {
    let norm = v
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt();
    if norm == 0.0 {
        return vec![0.0; v.len()];
    }
    v.iter().map(|&x| (f64::from(x) / norm) as f32).collect()
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The centre with the largest cosine similarity to the unit vector `u`, as `(index, similarity)`;
/// ties go to the lowest index. `None` when there are no centres.
pub fn nearest_center(centers: &[f32], dim: usize, u: &[f32]) -> Option<(u32, f32)> {
    let better = |a: (u32, f32), b: (u32, f32)| match b.1.total_cmp(&a.1) {
        std::cmp::Ordering::Greater => b,
        std::cmp::Ordering::Equal if b.0 < a.0 => b,
        _ => a,
    };
    let count = centers.len() / dim.max(1);
    if count >= PARALLEL_SCAN_MIN_CENTERS {
        centers
            .par_chunks(dim)
            .enumerate()
            .map(|(i, c)| (i as u32, dot(c, u)))
            .reduce_with(better)
    } else {
        centers
            .chunks(dim)
            .enumerate()
            .map(|(i, c)| (i as u32, dot(c, u)))
            .reduce(better)
    }
}

/// Greedy radius clustering of `n = h.len() / dim` vectors by cosine distance, in input order: each
/// vector joins the nearest existing centre when its cosine distance to it is at most `radius`, else
/// opens a new node whose centre is that vector, normalised. Centres never move.
///
/// Identical vectors (bit for bit) are clustered once, at their first appearance, so identical
/// frames always share a node. A zero vector is at distance 1 from every centre.
pub fn cluster_greedy(h: &[f32], dim: usize, radius: f32) -> Clustering {
    let n = h.len().checked_div(dim).unwrap_or(0);
    let mut distinct_of: HashMap<Vec<u32>, u32> = HashMap::new();
    let mut first: Vec<usize> = Vec::new();
    let mut slot = Vec::with_capacity(n);
    for i in 0..n {
        let key: Vec<u32> = h[i * dim..(i + 1) * dim]
            .iter()
            .map(|x| x.to_bits())
            .collect();
        let next = first.len() as u32;
        let d = *distinct_of.entry(key).or_insert(next);
        if d == next {
            first.push(i);
        }
        slot.push(d);
    }
    let units: Vec<Vec<f32>> = first
        .par_iter()
        .map(|&i| normalized(&h[i * dim..(i + 1) * dim]))
        .collect();
    let mut centers: Vec<f32> = Vec::new();
    let mut node_of_distinct = Vec::with_capacity(units.len());
    let min_similarity = 1.0 - radius;
    for u in &units {
        let node = match nearest_center(&centers, dim, u) {
            Some((c, sim)) if sim >= min_similarity => c,
            _ => {
                centers.extend_from_slice(u);
                (centers.len() / dim - 1) as u32
            }
        };
        node_of_distinct.push(node);
    }
    let num_nodes = centers.len().checked_div(dim).unwrap_or(0);
    Clustering {
        node_of: slot.iter().map(|&d| node_of_distinct[d as usize]).collect(),
        centers,
        num_nodes,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;

    #[test]
    fn joins_nearest_within_radius() {
        // a, a', b, a (again), c near b, zero.
        let h = [
            1.0, 0.0, //
            0.999, 0.02, // cos dist ≈ 2e-4 to a
            0.0, 1.0, //
            1.0, 0.0, //
            0.05, 1.0, // ≈ 1.25e-3 to b
            0.0, 0.0, //
            0.0, 0.0,
        ];
        let c = cluster_greedy(&h, 2, 0.02);
        assert_eq!(c.node_of, [0, 0, 1, 0, 1, 2, 2]);
        assert_eq!(c.num_nodes, 3);
        assert_eq!(&c.centers[..4], &[1.0, 0.0, 0.0, 1.0]);
        assert_eq!(&c.centers[4..], &[0.0, 0.0]);
    }

    #[test]
    fn nearest_not_first() {
        // Centres at 0° and 20°; a vector at 12° is within radius of both and joins the nearer (20°).
        let deg = |d: f64| [d.to_radians().cos() as f32, d.to_radians().sin() as f32];
        let h: Vec<f32> = [0.0, 20.0, 12.0, 7.0].into_iter().flat_map(deg).collect();
        // 1 − cos 20° ≈ 0.0603 > 0.05 opens a second node; 1 − cos 12° ≈ 0.0219, 1 − cos 8° ≈ 0.0097.
        let c = cluster_greedy(&h, 2, 0.05);
        assert_eq!(c.node_of, [0, 1, 1, 0]);
    }

    #[test]
    fn scale_invariant_and_tiny_radius() {
        let h = [1.0, 1.0, 3.0, 3.0, 1.0, 1.01];
        assert_eq!(cluster_greedy(&h, 2, 1e-6).node_of, [0, 0, 1]);
        assert_eq!(cluster_greedy(&h, 2, 0.01).node_of, [0, 0, 0]);
        assert_eq!(cluster_greedy(&[], 2, 0.01).num_nodes, 0);
    }

    #[test]
    fn nearest_center_ties_lowest() {
        let centers = [1.0, 0.0, 1.0, 0.0, 0.0, 1.0];
        assert_eq!(nearest_center(&centers, 2, &[1.0, 0.0]), Some((0, 1.0)));
        assert_eq!(nearest_center(&centers, 2, &[0.0, 1.0]), Some((2, 1.0)));
        assert_eq!(nearest_center(&[], 2, &[0.0, 1.0]), None);
    }
}

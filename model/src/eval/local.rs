//! Local planning sanity: do short stretches of real trajectories stay connected in the h-graph?

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use worldbench_storage::Dataset;

use super::graph::Digraph;

/// Pairs sampled for `h_local_success` in the evaluation.
pub const LOCAL_PAIRS: usize = 200;
/// Smallest and largest gap `k` of a sampled pair `(t0, t0 + k)`.
pub const LOCAL_K_MIN: usize = 3;
pub const LOCAL_K_MAX: usize = 10;

/// `h_local_success`: samples `pairs` frame pairs `(t0, t0 + k)` of one episode, `k` uniform in
/// `3..=10` and `t0` uniform over the data (a draw whose `t0 + k` leaves the episode is drawn again;
/// at most `100 × pairs` draws), seeded with `seed`. Returns the fraction whose start node reaches
/// the end node along graph edges; a node reaches itself. With no valid pair (no episode longer
/// than 3 transitions) the result is 0.
pub fn h_local_success(
    graph: &Digraph,
    node_of_frame: &[u32],
    data: &Dataset,
    pairs: usize,
    seed: u64,
) -> f64 {
    let n = data.len().min(node_of_frame.len());
    if n == 0 || pairs == 0 {
        return 0.0;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut tried, mut hits) = (0usize, 0usize);
    for _ in 0..pairs.saturating_mul(100) {
        if tried == pairs {
            break;
        }
        let k = rng.random_range(LOCAL_K_MIN..=LOCAL_K_MAX);
        let t0 = rng.random_range(0..n);
        let t1 = t0 + k;
        if t1 >= n || data.episode[t0] != data.episode[t1] {
            continue;
        }
        tried += 1;
        if graph.reaches(node_of_frame[t0], node_of_frame[t1]) {
            hits += 1;
        }
    }
    if tried == 0 {
        0.0
    } else {
        hits as f64 / tried as f64
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::eval::testutil::pixel_dataset;

    /// One-pixel frames, every action 1, in the given episodes.
    fn data(episode: Vec<u32>) -> Dataset {
        pixel_dataset(vec![1; episode.len()], episode)
    }

    #[test]
    fn chain_forward_always_succeeds_backward_never() {
        let n = 40u32;
        let d = data(vec![0; n as usize]);
        let nodes: Vec<u32> = (0..n).collect();
        let forward = Digraph::from_edges(n as usize, (0..n - 1).map(|i| (i, i + 1)));
        assert_eq!(h_local_success(&forward, &nodes, &d, 200, 1), 1.0);
        let backward = Digraph::from_edges(n as usize, (0..n - 1).map(|i| (i + 1, i)));
        assert_eq!(h_local_success(&backward, &nodes, &d, 200, 1), 0.0);
    }

    #[test]
    fn half_connected_is_about_half() {
        // Frames alternate between two stretches: nodes of frames 0..50 connect forward, 50..100 not.
        let n = 100u32;
        let d = data((0..n).map(|i| i / 50).collect());
        let nodes: Vec<u32> = (0..n).collect();
        let g = Digraph::from_edges(n as usize, (0..49).map(|i| (i, i + 1)));
        let s = h_local_success(&g, &nodes, &d, 200, 3);
        assert!((0.3..0.7).contains(&s), "{s}");
        assert_eq!(s, h_local_success(&g, &nodes, &d, 200, 3), "seeded");
    }

    #[test]
    fn short_episodes_give_zero() {
        let d = data(vec![0, 0, 0, 1, 1, 1]);
        let g = Digraph::from_edges(6, []);
        assert_eq!(h_local_success(&g, &[0, 1, 2, 3, 4, 5], &d, 10, 0), 0.0);
    }
}

//! A synthetic h-graph benchmark: `worldbench bench hgraph --nodes N`.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::graph::{reachability, Digraph};

/// Out-edges per node of the benchmark graph.
pub const BENCH_OUT_DEGREE: usize = 4;
/// Horizontal bands of the synthetic graph: edges cross band boundaries only downward.
const BANDS: usize = 5;
/// Fraction of edges that are long one-way jumps to a later band.
const LONG_EDGE_FRACTION: f64 = 0.01;

/// A graph shaped like a real h-graph: nodes on a `side × side` grid (columns wrap, like a ring),
/// each with `out_degree` edges to random nodes at most 2 rows/columns away. The rows form 5 bands
/// and an edge may cross a band boundary only downward, so each band is (mostly) one strongly
/// connected component feeding the next; 1 % of edges jump one-way to a random node of a later band.
/// Nodes left without in-edges become singleton components. Deterministic for a seed.
pub fn synthetic_graph(num_nodes: usize, out_degree: usize, seed: u64) -> Digraph {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let side = (num_nodes as f64).sqrt().ceil().max(1.0) as usize;
    let rows = num_nodes.div_ceil(side).max(1);
    let band = |r: usize| r * BANDS / rows;
    let mut edges = Vec::with_capacity(num_nodes * out_degree);
    for u in 0..num_nodes {
        let (r, c) = (u / side, u % side);
        for _ in 0..out_degree {
            // A few tries to find a valid target; a node may end with fewer edges.
            for _ in 0..8 {
                let v = if rng.random_bool(LONG_EDGE_FRACTION) {
                    rng.random_range(0..num_nodes)
                } else {
                    let dr = rng.random_range(-2i64..=2);
                    let dc = rng.random_range(-2i64..=2);
                    let nr = r as i64 + dr;
                    if nr < 0 {
                        continue;
                    }
                    let nc = (c as i64 + dc).rem_euclid(side as i64) as usize;
                    nr as usize * side + nc
                };
                if v >= num_nodes || v == u {
                    continue;
                }
                let (vb, ub) = (band(v / side), band(r));
                let long = (v / side).abs_diff(r) > 2;
                if vb < ub || (long && vb == ub) {
                    continue;
                }
                edges.push((u as u32, v as u32));
                break;
            }
        }
    }
    Digraph::from_edges(num_nodes, edges)
}

/// Timings and results of one benchmark run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BenchHgraphReport {
    pub nodes: usize,
    /// Distinct edges between distinct nodes.
    pub edges: usize,
    pub scc_count: usize,
    pub largest_scc: usize,
    /// Generating the edges and building the compressed graph.
    pub build_secs: f64,
    /// Components, condensation and exact reachability of every node.
    pub reach_secs: f64,
    pub reach_median: f64,
    pub reach_p10: f64,
    pub reach_p90: f64,
}

/// Builds [`synthetic_graph`]`(num_nodes, 4, seed 0)` and computes exact reachability, timed.
pub fn bench_hgraph(num_nodes: usize) -> BenchHgraphReport {
    let t0 = Instant::now();
    let g = synthetic_graph(num_nodes, BENCH_OUT_DEGREE, 0);
    let build_secs = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let r = reachability(&g);
    let reach_secs = t1.elapsed().as_secs_f64();
    BenchHgraphReport {
        nodes: num_nodes,
        edges: g.num_edges(),
        scc_count: r.scc_count,
        largest_scc: r.largest_scc,
        build_secs,
        reach_secs,
        reach_median: r.median,
        reach_p10: r.p10,
        reach_p90: r.p90,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::eval::testutil::reached_by_bfs;

    #[test]
    fn synthetic_graph_has_banded_sccs() {
        let g = synthetic_graph(2500, 4, 1);
        assert_eq!(g, synthetic_graph(2500, 4, 1));
        let r = reachability(&g);
        assert!(r.scc_count >= 5, "{}", r.scc_count);
        // The bands are large components (5 bands of 500 nodes).
        assert!(
            r.largest_scc > 300 && r.largest_scc <= 600,
            "{}",
            r.largest_scc
        );
        // Top band reaches (almost) everything, bottom band only itself.
        assert!(r.p90 > 0.75, "{}", r.p90);
        assert!(r.p10 < 0.25, "{}", r.p10);
        // Spot-check exactness against breadth-first search.
        for u in (0..2500).step_by(97) {
            let reached = reached_by_bfs(&g, u);
            assert!((r.per_node[u as usize] - reached as f64 / 2499.0).abs() < 1e-12);
        }
    }

    #[test]
    fn bench_small() {
        let rep = bench_hgraph(400);
        assert_eq!(rep.nodes, 400);
        assert!(rep.edges > 1000);
        assert!(rep.scc_count >= 5);
    }

    /// `cargo test --release -p worldbench-model --lib bench_hgraph_100k -- --ignored --nocapture`
    #[test]
    #[ignore = "release-only timing run"]
    fn bench_hgraph_100k() {
        let rep = bench_hgraph(100_000);
        println!("{rep:#?}");
        let t = Instant::now();
        let n = 100_000u32;
        let chain = Digraph::from_edges(n as usize, (0..n - 1).map(|i| (i, i + 1)));
        let r = reachability(&chain);
        println!(
            "chain of {n}: {:.3} s, median {}",
            t.elapsed().as_secs_f64(),
            r.median
        );
        assert!((r.median - 0.5).abs() < 1e-9);
    }
}

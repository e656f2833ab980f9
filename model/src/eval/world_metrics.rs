//! Metrics of the h-graph against the world, where the data carries true tiles:
//!
//! - **node purity**: the share of nodes whose frames all sit on one tile;
//! - **tiles per node**: the mean over nodes of the distinct tiles of their frames (1 = no merging);
//! - **nodes per tile**: the mean over visited tiles of the distinct nodes of their frames (1 = no
//!   splitting);
//! - **path agreement**: over sampled ordered pairs of nodes with different tiles (a node's tile is
//!   the most common tile of its frames), the share whose h-graph distance (fewest edges) equals the
//!   true shortest path in the world between their tiles (pairs either side cannot connect count
//!   as disagreeing).

use std::collections::{BTreeMap, BTreeSet};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use worldbench_storage::Dataset;

use super::graph::Digraph;
use super::hgraph::HGraph;
use crate::world::{Tile, World};

/// Node pairs [`world_metrics`] samples for path agreement.
pub const AGREEMENT_PAIRS: usize = 500;

/// The four metrics of the module doc.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WorldMetrics {
    pub node_purity: f64,
    pub tiles_per_node: f64,
    pub nodes_per_tile: f64,
    pub path_agreement: f64,
}

/// The metrics of `graph` (built from `data`) against `world`; `None` when the data has no tiles.
/// `seed` drives the pair sampling.
pub fn world_metrics(
    graph: &HGraph,
    digraph: &Digraph,
    data: &Dataset,
    world: &World,
    max_pairs: usize,
    seed: u64,
) -> Option<WorldMetrics> {
    let tiles = data.tiles.as_ref()?;
    if graph.num_nodes == 0 || tiles.len() != graph.node_of_frame.len() {
        return None;
    }
    // node → tile → frames
    let mut per_node: Vec<BTreeMap<Tile, usize>> = vec![BTreeMap::new(); graph.num_nodes];
    let mut per_tile: BTreeMap<Tile, BTreeSet<u32>> = BTreeMap::new();
    for (&node, &t) in graph.node_of_frame.iter().zip(tiles) {
        let t = Tile::from_array(t);
        *per_node[node as usize].entry(t).or_default() += 1;
        per_tile.entry(t).or_default().insert(node);
    }
    let used: Vec<usize> = (0..graph.num_nodes)
        .filter(|&n| !per_node[n].is_empty())
        .collect();
    let n = used.len().max(1) as f64;
    let node_purity = used.iter().filter(|&&u| per_node[u].len() == 1).count() as f64 / n;
    let tiles_per_node = used.iter().map(|&u| per_node[u].len()).sum::<usize>() as f64 / n;
    let nodes_per_tile =
        per_tile.values().map(BTreeSet::len).sum::<usize>() as f64 / per_tile.len().max(1) as f64;
    let tile_of = |u: usize| {
        per_node[u]
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(t, _)| *t)
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut agree, mut total) = (0usize, 0usize);
    let mut distances: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    for _ in 0..max_pairs.saturating_mul(4) {
        if total >= max_pairs || used.len() < 2 {
            break;
        }
        let u = used[rng.random_range(0..used.len())];
        let v = used[rng.random_range(0..used.len())];
        let (Some(tu), Some(tv)) = (tile_of(u), tile_of(v)) else {
            continue;
        };
        if tu == tv {
            continue;
        }
        total += 1;
        let d = distances
            .entry(u)
            .or_insert_with(|| digraph.distances_from(u as u32))[v];
        let truth = world.shortest_path_len(tu, tv);
        if d != u32::MAX && truth == Some(d as usize) {
            agree += 1;
        }
    }
    Some(WorldMetrics {
        node_purity,
        tiles_per_node,
        nodes_per_tile,
        path_agreement: if total == 0 {
            0.0
        } else {
            agree as f64 / total as f64
        },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::eval::hgraph::Edge;
    use crate::eval::testutil::pixel_dataset;

    /// A hand-built graph over frames with the given tiles and nodes, edges between consecutive frames.
    fn graph(nodes: &[u32], num_nodes: usize) -> HGraph {
        let edges = nodes
            .windows(2)
            .filter(|w| w[0] != w[1])
            .map(|w| Edge {
                from: w[0],
                to: w[1],
                action: 4,
                count: 1,
            })
            .collect();
        HGraph {
            num_nodes,
            node_of_frame: nodes.to_vec(),
            centers: vec![1.0; num_nodes],
            dim: 1,
            edges,
            merge_radius: 0.05,
        }
    }

    fn data(tiles: &[Tile]) -> Dataset {
        let mut d = pixel_dataset(vec![4; tiles.len()], vec![0; tiles.len()]);
        d.tiles = Some(tiles.iter().map(|t| t.to_array()).collect());
        d
    }

    // Bottom row, left to right: (12,1), (12,2), (12,4), (12,5).
    fn row() -> Vec<Tile> {
        [1, 2, 4, 5].iter().map(|&c| Tile::new(12, c)).collect()
    }

    #[test]
    fn one_node_per_tile_is_perfect() {
        let g = graph(&[0, 1, 2, 3], 4);
        let m = world_metrics(&g, &g.digraph(), &data(&row()), &World::default(), 200, 0).unwrap();
        assert_eq!(m.node_purity, 1.0);
        assert_eq!(m.tiles_per_node, 1.0);
        assert_eq!(m.nodes_per_tile, 1.0);
        // Edges only go right: pairs leftward cannot connect in the graph. Rightward pairs agree.
        assert!((m.path_agreement - 0.5).abs() < 0.1, "{}", m.path_agreement);
    }

    #[test]
    fn merged_and_split_nodes() {
        // Frames: tiles a a b c d d; nodes 0 1 1 2 2 3 → node 1 holds a and b, node 2 holds c and d,
        // tile a lies in nodes 0 and 1, tile d in 2 and 3.
        let t = row();
        let tiles = [t[0], t[0], t[1], t[2], t[3], t[3]];
        let g = graph(&[0, 1, 1, 2, 2, 3], 4);
        let m = world_metrics(&g, &g.digraph(), &data(&tiles), &World::default(), 200, 0).unwrap();
        assert_eq!(m.node_purity, 0.5);
        assert_eq!(m.tiles_per_node, 6.0 / 4.0);
        assert_eq!(m.nodes_per_tile, 6.0 / 4.0);
        // No tiles, no metrics.
        let mut d = data(&tiles);
        d.tiles = None;
        assert!(world_metrics(&g, &g.digraph(), &d, &World::default(), 10, 0).is_none());
    }
}

//! The h-graph: nodes from greedy radius clustering of the latent vectors, edges from observed
//! transitions (DESIGN.md, metric contract).

use std::collections::HashMap;

use worldbench_storage::Dataset;

use super::cluster::{cluster_greedy, nearest_center, normalized};
use super::graph::Digraph;
use super::radius::merge_radius;
use crate::error::{ModelError, Result};

/// A directed edge of the h-graph: the transitions `node(h_t) → node(h_t+1)` taken with `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Edge {
    pub from: u32,
    pub to: u32,
    /// Action id (index into the dataset's action names).
    pub action: u8,
    /// How many transitions of the data gave this edge.
    pub count: u32,
}

/// The graph that planning runs on.
#[derive(Debug, Clone, PartialEq)]
pub struct HGraph {
    pub num_nodes: usize,
    /// Node of each frame of the data it was built from.
    pub node_of_frame: Vec<u32>,
    /// Unit-norm node centres, `num_nodes * dim` floats.
    pub centers: Vec<f32>,
    pub dim: usize,
    /// One entry per distinct `(from, to, action)`, sorted by `(from, to, action)`. Self-loops
    /// (a transition that stays in its node) are kept: they count in `num_edges_h`, though they do
    /// not change reachability or paths.
    pub edges: Vec<Edge>,
    /// Cosine-distance radius of the clustering.
    pub merge_radius: f32,
}

impl HGraph {
    /// Builds the graph from `h` (`data.len() * dim` floats, `h[i]` = encoding of frame `i`):
    /// radius from [`merge_radius`], nodes from [`cluster_greedy`], and one edge count per observed
    /// transition `t → t+1` inside one episode (noop transitions included).
    pub fn build(h: &[f32], dim: usize, data: &Dataset) -> Result<Self> {
        if dim == 0 || h.len() != data.len() * dim {
            return Err(ModelError::Invalid(format!(
                "h-graph: {} floats do not hold {} vectors of dimension {dim}",
                h.len(),
                data.len()
            )));
        }
        if data.episode.len() != data.len() {
            return Err(ModelError::Invalid(format!(
                "dataset {}: {} episode ids for {} actions",
                data.name,
                data.episode.len(),
                data.len()
            )));
        }
        let radius = merge_radius(h, dim, data);
        let clusters = cluster_greedy(h, dim, radius);
        let node = &clusters.node_of;
        let mut counts: HashMap<(u32, u32, u8), u32> = HashMap::new();
        for t in 0..data.len().saturating_sub(1) {
            if data.episode[t] == data.episode[t + 1] {
                *counts
                    .entry((node[t], node[t + 1], data.actions[t]))
                    .or_default() += 1;
            }
        }
        let mut edges: Vec<Edge> = counts
            .into_iter()
            .map(|((from, to, action), count)| Edge {
                from,
                to,
                action,
                count,
            })
            .collect();
        edges.sort_unstable_by_key(|e| (e.from, e.to, e.action));
        Ok(Self {
            num_nodes: clusters.num_nodes,
            node_of_frame: clusters.node_of,
            centers: clusters.centers,
            dim,
            edges,
            merge_radius: radius,
        })
    }

    /// `num_edges_h`: distinct `(from, to, action)` edges, self-loops included.
    pub fn num_edges(&self) -> usize {
        self.edges.len()
    }

    /// The unlabelled graph of distinct `from → to` pairs, self-loops dropped.
    pub fn digraph(&self) -> Digraph {
        Digraph::from_edges(self.num_nodes, self.edges.iter().map(|e| (e.from, e.to)))
    }

    /// The node whose centre has the largest cosine similarity to `h` (ties: lowest id); `None`
    /// for an empty graph.
    pub fn nearest_node(&self, h: &[f32]) -> Option<u32> {
        nearest_center(&self.centers, self.dim, &normalized(h)).map(|(n, _)| n)
    }

    /// The action to take along `from → to`: the most observed one (ties: lowest action id).
    pub fn best_action(&self, from: u32, to: u32) -> Option<u8> {
        let lo = self.edges.partition_point(|e| (e.from, e.to) < (from, to));
        self.edges[lo..]
            .iter()
            .take_while(|e| (e.from, e.to) == (from, to))
            .fold(None, |best: Option<Edge>, e| match best {
                Some(b) if b.count >= e.count => Some(b),
                _ => Some(*e),
            })
            .map(|e| e.action)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::eval::testutil::pixel_dataset;

    #[test]
    fn edges_counted_per_action_within_episodes() {
        // Vectors: A B A A B | B A  (one-hot, so every node is its own).
        let a = [1.0, 0.0];
        let b = [0.0, 1.0];
        let h: Vec<f32> = [a, b, a, a, b, b, a].concat();
        let d = pixel_dataset(vec![4, 3, 0, 4, 2, 3, 0], vec![0, 0, 0, 0, 0, 1, 1]);
        let g = HGraph::build(&h, 2, &d).unwrap();
        assert_eq!(g.num_nodes, 2);
        assert_eq!(g.node_of_frame, [0, 1, 0, 0, 1, 1, 0]);
        assert_eq!(
            g.edges,
            [
                Edge {
                    from: 0,
                    to: 0,
                    action: 0,
                    count: 1
                },
                Edge {
                    from: 0,
                    to: 1,
                    action: 4,
                    count: 2
                },
                Edge {
                    from: 1,
                    to: 0,
                    action: 3,
                    count: 2
                },
            ]
        );
        // 4 → B at index 4 ends episode 0: its action 2 leads nowhere.
        assert_eq!(g.num_edges(), 3);
        assert_eq!(g.digraph().num_edges(), 2);
        assert_eq!(g.best_action(0, 1), Some(4));
        assert_eq!(g.best_action(1, 1), None);
        assert_eq!(g.nearest_node(&[0.2, 0.9]), Some(1));
        assert_eq!(g.merge_radius, 0.08);
    }

    #[test]
    fn best_action_is_most_observed() {
        let a = [1.0, 0.0];
        let b = [0.0, 1.0];
        let h: Vec<f32> = [a, b, a, b, a, b].concat();
        let d = pixel_dataset(vec![1, 3, 2, 3, 2, 0], vec![0; 6]);
        let g = HGraph::build(&h, 2, &d).unwrap();
        assert_eq!(g.best_action(0, 1), Some(2));
        assert_eq!(g.best_action(1, 0), Some(3));
    }

    #[test]
    fn rejects_wrong_sizes() {
        let d = pixel_dataset(vec![1, 0], vec![0, 0]);
        assert!(HGraph::build(&[1.0, 0.0, 1.0], 2, &d).is_err());
    }
}

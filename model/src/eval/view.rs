//! What the h-graph view shows for one checkpoint, computed in one place: the graph exactly as
//! evaluation builds it (encode every frame, greedy radius clustering, an edge per observed
//! transition), reachability, strongly connected components, per-node statistics and a PCA of the
//! node centres. The app's H-graph panel and the worklog's h-graph picture both call
//! [`hgraph_view_data`], so they show the same nodes on the same axes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use worldbench_storage::hgraph_cache::{HGraphCache, NEVER_VISITED};
use worldbench_storage::Dataset;

use super::graph::strongly_connected_components;
use super::projection::{pca, DEFAULT_AXES};
use super::{encode_dataset, reachability, Edge, HGraph};
use crate::encoder::FrameEncoder;
use crate::error::{ModelError, Result};

/// The view data of one checkpoint's h-graph (nodes, edges, per-node statistics, PCA axes and
/// coordinates, SCC ids), in the form it is cached beside the checkpoint.
pub type HGraphViewData = HGraphCache;

/// Stops the computation between stages when `cancel` is set; reports each stage with a fraction
/// done.
pub struct Control<'a> {
    pub cancel: &'a AtomicBool,
    pub progress: &'a dyn Fn(&str, f32),
}

impl Control<'_> {
    /// Reports `what` at `fraction`, or fails with [`ModelError::Cancelled`] when cancelled.
    pub fn stage(&self, what: &str, fraction: f32) -> Result<()> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(ModelError::Cancelled);
        }
        (self.progress)(what, fraction);
        Ok(())
    }
}

/// Encodes `data` with `encoder` and builds everything the h-graph view shows. `dataset_hash` and
/// `checkpoint` are recorded in the result (the cache checks them).
pub fn hgraph_view_data(
    encoder: &dyn FrameEncoder,
    data: &Dataset,
    dataset_hash: &str,
    checkpoint: &str,
    control: &Control<'_>,
) -> Result<HGraphViewData> {
    if data.is_empty() {
        return Err(ModelError::Invalid(format!(
            "dataset {} has no frames",
            data.name
        )));
    }
    control.stage(&format!("encoding {} frames", data.len()), 0.05)?;
    let h = encode_dataset(encoder, data)?;
    control.stage("clustering h into nodes", 0.55)?;
    let graph = HGraph::build(&h, encoder.dim(), data)?;
    drop(h);
    control.stage("reachability and components", 0.7)?;
    let digraph = graph.digraph();
    let reach = reachability(&digraph);
    let sccs = strongly_connected_components(&digraph);
    control.stage("per-node statistics", 0.8)?;
    let n = graph.num_nodes;
    let mut out_degree = vec![0u32; n];
    let mut in_degree = vec![0u32; n];
    for u in 0..n as u32 {
        let succ = digraph.successors(u);
        out_degree[u as usize] = succ.len() as u32;
        for &v in succ {
            in_degree[v as usize] += 1;
        }
    }
    let mut frame_count = vec![0u32; n];
    let mut first_step = vec![NEVER_VISITED; n];
    for (i, &node) in graph.node_of_frame.iter().enumerate() {
        frame_count[node as usize] += 1;
        let f = &mut first_step[node as usize];
        *f = (*f).min(i as u32);
    }
    let (tiles_covered, node_tile) = tile_stats(&graph.node_of_frame, data.tiles.as_deref(), n);
    control.stage("principal axes of the node centres", 0.9)?;
    let proj = pca(&graph.centers, graph.dim, DEFAULT_AXES)?;
    let node_coords = proj.project(&graph.centers);
    Ok(HGraphCache {
        dim: graph.dim,
        merge_radius: graph.merge_radius,
        node_of_frame: graph.node_of_frame,
        edge_from: graph.edges.iter().map(|e| e.from).collect(),
        edge_to: graph.edges.iter().map(|e| e.to).collect(),
        edge_action: graph.edges.iter().map(|e| e.action).collect(),
        edge_count: graph.edges.iter().map(|e| e.count).collect(),
        centers: graph.centers,
        pca_mean: proj.mean,
        pca_axes: proj.axes,
        pca_variance: proj.variance,
        node_coords,
        frame_count,
        in_degree,
        out_degree,
        tiles_covered,
        scc: sccs.comp_of,
        first_step,
        reach: reach.per_node.iter().map(|&r| r as f32).collect(),
        node_tile,
        dataset_hash: dataset_hash.to_string(),
        checkpoint: checkpoint.to_string(),
    })
}

/// Distinct tiles per node and each node's most frequent tile (lowest tile on ties).
fn tile_stats(node_of_frame: &[u32], tiles: Option<&[[i16; 2]]>, n: usize) -> (Vec<u32>, Vec<i16>) {
    let mut covered = vec![0u32; n];
    let mut node_tile = vec![-1i16; n * 2];
    let Some(tiles) = tiles else {
        return (covered, node_tile);
    };
    let mut counts: HashMap<(u32, [i16; 2]), u32> = HashMap::new();
    for (&node, &tile) in node_of_frame.iter().zip(tiles) {
        *counts.entry((node, tile)).or_default() += 1;
    }
    let mut best: Vec<Option<([i16; 2], u32)>> = vec![None; n];
    for (&(node, tile), &c) in &counts {
        covered[node as usize] += 1;
        let b = &mut best[node as usize];
        let better = match b {
            None => true,
            Some((bt, bc)) => c > *bc || (c == *bc && tile < *bt),
        };
        if better {
            *b = Some((tile, c));
        }
    }
    for (i, b) in best.iter().enumerate() {
        if let Some((t, _)) = b {
            node_tile[2 * i] = t[0];
            node_tile[2 * i + 1] = t[1];
        }
    }
    (covered, node_tile)
}

/// The model's h-graph rebuilt from view data (for planning).
pub fn hgraph_of(view: &HGraphViewData) -> HGraph {
    HGraph {
        num_nodes: view.num_nodes(),
        node_of_frame: view.node_of_frame.clone(),
        centers: view.centers.clone(),
        dim: view.dim,
        edges: view
            .edges()
            .map(|(from, to, action, count)| Edge {
                from,
                to,
                action,
                count,
            })
            .collect(),
        merge_radius: view.merge_radius,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_frequent_tile_and_coverage() {
        let nodes = [0, 0, 1, 0, 1];
        let tiles = [[1, 1], [2, 2], [3, 3], [2, 2], [3, 3]];
        let (covered, best) = tile_stats(&nodes, Some(&tiles), 3);
        assert_eq!(covered, [2, 1, 0]);
        assert_eq!(best, [2, 2, 3, 3, -1, -1]);
        let (covered, best) = tile_stats(&nodes, None, 2);
        assert_eq!((covered, best), (vec![0, 0], vec![-1; 4]));
    }

    #[test]
    fn cancelled_before_any_work() {
        let cancel = AtomicBool::new(true);
        let control = Control {
            cancel: &cancel,
            progress: &|_, _| {},
        };
        assert!(matches!(
            control.stage("x", 0.0),
            Err(ModelError::Cancelled)
        ));
    }
}

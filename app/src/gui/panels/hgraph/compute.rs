//! Computing what the h-graph view shows for one checkpoint, exactly as evaluation builds the graph
//! (encode every frame, greedy radius clustering, edges per observed transition), plus per-node
//! statistics and a PCA of the node centres; and turning that cache into the widget's plain data.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Result};
use worldbench_model::encoder::FrameEncoder;
use worldbench_model::eval::graph::strongly_connected_components;
use worldbench_model::eval::projection::{pca, DEFAULT_AXES};
use worldbench_model::eval::{encode_dataset, reachability, Edge, HGraph};
use worldbench_storage::hgraph_cache::{HGraphCache, NEVER_VISITED};
use worldbench_storage::Dataset;
use worldbench_widgets::hgraph::{GraphData, GraphEdge};

/// Stops the computation between stages when set; reports each stage with a fraction done.
pub struct Control<'a> {
    pub cancel: &'a AtomicBool,
    pub progress: &'a dyn Fn(&str, f32),
}

impl Control<'_> {
    fn stage(&self, what: &str, fraction: f32) -> Result<()> {
        if self.cancel.load(Ordering::Relaxed) {
            bail!("cancelled");
        }
        (self.progress)(what, fraction);
        Ok(())
    }
}

/// Encodes `data` with `encoder` and builds everything the view caches. `dataset_hash` and
/// `checkpoint` are recorded in the cache.
pub fn compute_cache(
    encoder: &dyn FrameEncoder,
    data: &Dataset,
    dataset_hash: &str,
    checkpoint: &str,
    control: &Control<'_>,
) -> Result<HGraphCache> {
    if data.is_empty() {
        bail!("dataset {} has no frames", data.name);
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

/// The model's h-graph rebuilt from a cache (for planning).
pub fn hgraph_of(cache: &HGraphCache) -> HGraph {
    HGraph {
        num_nodes: cache.num_nodes(),
        node_of_frame: cache.node_of_frame.clone(),
        centers: cache.centers.clone(),
        dim: cache.dim,
        edges: cache
            .edges()
            .map(|(from, to, action, count)| Edge {
                from,
                to,
                action,
                count,
            })
            .collect(),
        merge_radius: cache.merge_radius,
    }
}

/// The widget's data: node positions on principal axes `axes` (x, y, z; an axis beyond those kept
/// gives 0).
pub fn graph_data(cache: &HGraphCache, axes: [usize; 3], map_size: [usize; 2]) -> GraphData {
    let k = cache.num_axes();
    let n = cache.num_nodes();
    let coord = |i: usize, a: usize| {
        if a < k {
            cache.node_coords[i * k + a]
        } else {
            0.0
        }
    };
    GraphData {
        positions: (0..n)
            .map(|i| [coord(i, axes[0]), coord(i, axes[1]), coord(i, axes[2])])
            .collect(),
        frame_count: cache.frame_count.clone(),
        in_degree: cache.in_degree.clone(),
        out_degree: cache.out_degree.clone(),
        tiles_covered: cache.tiles_covered.clone(),
        scc: cache.scc.clone(),
        first_step: cache.first_step.clone(),
        reach: cache.reach.clone(),
        node_tile: cache
            .node_tile
            .chunks_exact(2)
            .map(|t| [t[0], t[1]])
            .collect(),
        map_size,
        edges: cache
            .edges()
            .map(|(from, to, action, count)| GraphEdge {
                from,
                to,
                action,
                count,
            })
            .collect(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
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
    fn graph_data_takes_three_chosen_axes() {
        // Two nodes on three principal axes.
        let cache = HGraphCache {
            pca_variance: vec![3.0, 2.0, 1.0],
            node_coords: vec![1.0, 2.0, 3.0, -1.0, -2.0, -3.0],
            frame_count: vec![1, 1],
            in_degree: vec![0, 1],
            out_degree: vec![1, 0],
            tiles_covered: vec![1, 1],
            scc: vec![0, 1],
            first_step: vec![0, 1],
            reach: vec![1.0, 0.0],
            node_tile: vec![0, 0, 0, 1],
            edge_from: vec![0],
            edge_to: vec![1],
            edge_action: vec![4],
            edge_count: vec![1],
            ..HGraphCache::default()
        };
        let g = graph_data(&cache, [0, 1, 2], [14, 16]);
        assert_eq!(g.positions, vec![[1.0, 2.0, 3.0], [-1.0, -2.0, -3.0]]);
        // Any order; an axis beyond those kept gives 0.
        let g = graph_data(&cache, [2, 0, 5], [14, 16]);
        assert_eq!(g.positions, vec![[3.0, 1.0, 0.0], [-3.0, -1.0, 0.0]]);
        assert!(g.validate().is_ok());
    }
}

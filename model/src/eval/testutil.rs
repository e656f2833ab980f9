//! Small in-memory datasets for the evaluation tests.

use worldbench_storage::dataset::DatasetSource;
use worldbench_storage::Dataset;

use super::graph::Digraph;

/// A dataset of black 1×1 frames, one per action, in the given episodes (no tiles, map or generator).
pub fn pixel_dataset(actions: Vec<u8>, episode: Vec<u32>) -> Dataset {
    Dataset {
        name: "t".into(),
        source: DatasetSource::Memory,
        height: 1,
        width: 1,
        frames: vec![0; actions.len() * 3],
        actions,
        episode,
        tiles: None,
        action_names: vec![],
        map: None,
        generator: None,
        layouts: None,
    }
}

/// Nodes other than `u` that breadth-first search reaches from `u` (the exact reachability count).
pub fn reached_by_bfs(g: &Digraph, u: u32) -> usize {
    g.distances_from(u)
        .iter()
        .filter(|&&d| d != u32::MAX)
        .count()
        - 1
}

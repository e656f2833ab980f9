//! The h-graph of a run's last checkpoint as a PNG: what the app's H-graph panel shows in 2D — the
//! same view data (`run_context::open_checkpoint_graph`: the checkpoint's cache, else
//! `model::eval::hgraph_view_data`), the same first two principal axes, and the same tile colours
//! (`widgets::hgraph::tile_rgb` on the dataset's map size); edges in grey.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::{Context, Result};
use image::Rgb;
use worldbench_model::checkpoint;
use worldbench_model::eval::Control;
use worldbench_storage::worklog::RunData;
use worldbench_widgets::hgraph::{tile_rgb, GraphData};

use super::canvas::{Canvas, BLACK};
use crate::run_context::{graph_data, map_size, open_checkpoint_graph};

const SIZE: u32 = 560;
const MARGIN: f64 = 40.0;
const EDGE: Rgb<u8> = Rgb([200, 200, 200]);

/// What the picture draws: every node of the view data at its coordinates on the first two
/// principal axes, in its tile colour, and the edges between distinct nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct HGraphPicture {
    pub positions: Vec<(f64, f64)>,
    pub colours: Vec<[u8; 3]>,
    pub edges: Vec<(usize, usize)>,
    /// All edges of the graph, self-loops included (the title counts them).
    pub num_edges: usize,
}

/// The picture of the widget's data `data` (its x and y positions, its tile colours).
pub fn hgraph_picture(data: &GraphData) -> HGraphPicture {
    HGraphPicture {
        positions: data
            .positions
            .iter()
            .map(|p| (f64::from(p[0]), f64::from(p[1])))
            .collect(),
        colours: data
            .node_tile
            .iter()
            .map(|&t| tile_rgb(t, data.map_size))
            .collect(),
        edges: data
            .edges
            .iter()
            .map(|e| (e.from as usize, e.to as usize))
            .filter(|(a, b)| a != b)
            .collect(),
        num_edges: data.edges.len(),
    }
}

/// The run's last checkpoint: `last.safetensors`, else the highest step file.
fn last_checkpoint(run: &RunData) -> Result<PathBuf> {
    let last = run.paths.last_checkpoint();
    if worldbench_storage::files::present(&last) {
        return Ok(last);
    }
    run.planning
        .iter()
        .rev()
        .map(|r| run.paths.checkpoint(r.step))
        .find(|p| p.is_file())
        .with_context(|| format!("{}: no checkpoint", run.paths.checkpoints_dir().display()))
}

pub fn hgraph_plot(path: &Path, run: &RunData) -> Result<()> {
    let ckpt_path = last_checkpoint(run)?;
    let step = checkpoint::load(&ckpt_path)?.step;
    let cancel = AtomicBool::new(false);
    let control = Control {
        cancel: &cancel,
        progress: &|_, _| {},
    };
    let opened = open_checkpoint_graph(ckpt_path, false, &control)?;
    let data = graph_data(
        &opened.cache,
        [0, 1, 2],
        map_size(opened.data.map.as_deref()),
    );
    let picture = hgraph_picture(&data);
    draw(path, &picture, step)
}

fn draw(path: &Path, picture: &HGraphPicture, step: u64) -> Result<()> {
    let xy = &picture.positions;
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in xy {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    // A single point (or a degenerate axis) sits in the middle.
    if x1 - x0 < 1e-12 {
        (x0, x1) = (x0 - 0.5, x0 + 0.5);
    }
    if y1 - y0 < 1e-12 {
        (y0, y1) = (y0 - 0.5, y0 + 0.5);
    }
    let inner = f64::from(SIZE) - 2.0 * MARGIN;
    let px = |x: f64| MARGIN + (x - x0) / (x1 - x0) * inner;
    let py = |y: f64| MARGIN + inner - (y - y0) / (y1 - y0) * inner;
    let mut c = Canvas::new(SIZE, SIZE);
    for &(a, b) in &picture.edges {
        if a < xy.len() && b < xy.len() {
            c.line(px(xy[a].0), py(xy[a].1), px(xy[b].0), py(xy[b].1), EDGE, 1);
        }
    }
    for (&(x, y), &rgb) in xy.iter().zip(&picture.colours) {
        c.dot(px(x), py(y), 7, Rgb(rgb));
    }
    c.text(
        10.0,
        8.0,
        &format!(
            "h-graph at step {step}: {} node{}, {} edge{}",
            xy.len(),
            if xy.len() == 1 { "" } else { "s" },
            picture.num_edges,
            if picture.num_edges == 1 { "" } else { "s" }
        ),
        16.0,
        BLACK,
    );
    c.text(
        10.0,
        f64::from(SIZE) - 24.0,
        "PCA of node centres (PC1 across, PC2 up); colour = tile (row, column)",
        13.0,
        BLACK,
    );
    c.save_png(path)
}

#[cfg(test)]
mod tests {
    use worldbench_storage::hgraph_cache::HGraphCache;
    use worldbench_widgets::hgraph::tile_color;

    use super::*;

    #[test]
    fn the_picture_shows_the_view_data() {
        // Three nodes on three principal axes, one self-loop, tiles on a 5 × 7 map.
        let view = HGraphCache {
            pca_variance: vec![3.0, 2.0, 1.0],
            node_coords: vec![1.0, 2.0, 3.0, -1.0, -2.0, -3.0, 0.5, 0.0, 9.0],
            frame_count: vec![1, 1, 2],
            in_degree: vec![0, 1, 1],
            out_degree: vec![1, 1, 1],
            tiles_covered: vec![1, 1, 1],
            scc: vec![0, 1, 2],
            first_step: vec![0, 1, 2],
            reach: vec![1.0, 0.5, 0.0],
            node_tile: vec![0, 0, 4, 6, -1, -1],
            edge_from: vec![0, 1, 2],
            edge_to: vec![1, 2, 2],
            edge_action: vec![4, 1, 0],
            edge_count: vec![1, 1, 3],
            ..HGraphCache::default()
        };
        let size = map_size(Some(".......\n.......\n.......\n.......\n.......\n"));
        assert_eq!(size, [5, 7]);
        let data = graph_data(&view, [0, 1, 2], size);
        let pic = hgraph_picture(&data);
        // The same nodes at the view's coordinates on axes 0 and 1.
        assert_eq!(pic.positions.len(), view.num_nodes());
        assert_eq!(pic.positions, vec![(1.0, 2.0), (-1.0, -2.0), (0.5, 0.0)]);
        // The widget's tile colours, on the dataset's map size.
        for (i, rgb) in pic.colours.iter().enumerate() {
            let w = tile_color(data.node_tile[i], size);
            assert_eq!(*rgb, [w.r(), w.g(), w.b()]);
        }
        assert_eq!(pic.colours[1], [255, 230, 40]);
        assert_eq!(pic.edges, vec![(0, 1), (1, 2)]);
        assert_eq!(pic.num_edges, 3);
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("h.png");
        draw(&file, &pic, 7).expect("drawn");
        assert!(file.is_file());
    }
}

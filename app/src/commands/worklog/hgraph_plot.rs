//! The h-graph of a run's last checkpoint: node centres projected to 2D by PCA, coloured by the tile
//! of their frames, edges in grey.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use image::Rgb;
use worldbench_model::checkpoint;
use worldbench_model::config::CandleDevice;
use worldbench_model::eval::projection::pca;
use worldbench_model::eval::{encode_dataset, HGraph};
use worldbench_model::train::JepaEncoder;
use worldbench_storage::dataset::open_dataset;
use worldbench_storage::worklog::RunData;

use super::canvas::{Canvas, BLACK};

const SIZE: u32 = 560;
const MARGIN: f64 = 40.0;
const EDGE: Rgb<u8> = Rgb([200, 200, 200]);

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
    let ckpt = checkpoint::load(&ckpt_path)?;
    let encoder = JepaEncoder::from_checkpoint(&ckpt_path, &ckpt.config.candle_device()?)?;
    let data = open_dataset(Path::new(&run.manifest.dataset_path))?;
    if data.is_empty() {
        bail!("the dataset has no frames");
    }
    let h = encode_dataset(&encoder, &data)?;
    let dim = h.len() / data.len();
    let graph = HGraph::build(&h, dim, &data)?;
    let xy = pca_2d(&graph.centers, graph.dim, graph.num_nodes);
    // The tile of the first frame of each node.
    let mut colour = vec![Rgb([90, 90, 90]); graph.num_nodes];
    let mut seen = vec![false; graph.num_nodes];
    if let Some(tiles) = &data.tiles {
        for (frame, &node) in graph.node_of_frame.iter().enumerate() {
            let n = node as usize;
            if n < seen.len() && !seen[n] {
                seen[n] = true;
                colour[n] = tile_colour(tiles[frame]);
            }
        }
    }
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in &xy {
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
    let span = |a: f64, b: f64| b - a;
    let inner = f64::from(SIZE) - 2.0 * MARGIN;
    let px = |x: f64| MARGIN + (x - x0) / span(x0, x1) * inner;
    let py = |y: f64| MARGIN + inner - (y - y0) / span(y0, y1) * inner;
    let mut c = Canvas::new(SIZE, SIZE);
    for e in &graph.edges {
        let (a, b) = (e.from as usize, e.to as usize);
        if a != b && a < xy.len() && b < xy.len() {
            c.line(px(xy[a].0), py(xy[a].1), px(xy[b].0), py(xy[b].1), EDGE, 1);
        }
    }
    for (i, &(x, y)) in xy.iter().enumerate() {
        c.dot(px(x), py(y), 7, colour[i]);
    }
    c.text(
        10,
        10,
        &format!(
            "H-GRAPH STEP {}: {} NODES, {} EDGES",
            ckpt.step,
            graph.num_nodes,
            graph.edges.len()
        ),
        2,
        BLACK,
    );
    c.text(
        10,
        i64::from(SIZE) - 20,
        "PCA OF NODE CENTRES, COLOUR = TILE (ROW, COL)",
        2,
        BLACK,
    );
    c.save_png(path)
}

/// Rows shade green, columns shade red, on a blue base.
fn tile_colour(tile: [i16; 2]) -> Rgb<u8> {
    let r = (f64::from(tile[1].clamp(0, 15)) / 15.0 * 215.0) as u8 + 30;
    let g = (f64::from(tile[0].clamp(0, 13)) / 13.0 * 215.0) as u8 + 30;
    Rgb([r, g, 140])
}

/// The coordinates of the first `n` points of dimension `dim` (row-major) on their first two
/// principal axes (the second is 0 when `dim` is 1); empty when there are no points.
pub fn pca_2d(points: &[f32], dim: usize, n: usize) -> Vec<(f64, f64)> {
    let Some(points) = points.get(..n * dim) else {
        return Vec::new();
    };
    let Ok(projection) = pca(points, dim, 2) else {
        return Vec::new();
    };
    projection
        .project(points)
        .chunks_exact(projection.num_axes().max(1))
        .map(|c| (f64::from(c[0]), c.get(1).copied().map_or(0.0, f64::from)))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn pca_finds_the_spread_direction() {
        // Points along (1, 1, 0) with a small spread along (0, 0, 1).
        let pts: Vec<f32> = (0..10)
            .flat_map(|i| {
                let t = i as f32 - 4.5;
                [t, t, 0.1 * (i % 2) as f32]
            })
            .collect();
        let xy = super::pca_2d(&pts, 3, 10);
        let spread = |f: fn(&(f64, f64)) -> f64| {
            let v: Vec<f64> = xy.iter().map(f).collect();
            v.iter().copied().fold(f64::MIN, f64::max) - v.iter().copied().fold(f64::MAX, f64::min)
        };
        assert!((spread(|p| p.0) - 9.0 * 2f64.sqrt()).abs() < 1e-2);
        assert!(spread(|p| p.1) < 0.2);
    }
}

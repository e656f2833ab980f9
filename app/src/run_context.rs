//! Opening a run in one place: its manifest, its dataset and the world of the dataset's map; the
//! run folder and encoder of a checkpoint; and, for the h-graph, a checkpoint's view data (from the
//! cache beside it when fresh, else computed by `model::eval::hgraph_view_data` and cached). The
//! CLI's eval/plan/bench, the H-graph panel's job and the worklog's h-graph picture all call these.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, bail, Context, Result};
use worldbench_model::checkpoint;
use worldbench_model::config::CandleDevice;
use worldbench_model::eval::{hgraph_view_data, Control, HGraphViewData};
use worldbench_model::train::JepaEncoder;
use worldbench_model::world::{World, WorldMap, MAP_COLS, MAP_ROWS};
use worldbench_storage::checkpoints::checkpoints_on_dataset;
use worldbench_storage::dataset::open_dataset;
use worldbench_storage::files::present;
use worldbench_storage::hgraph_cache::{cache_path, is_fresh, read_cache, write_cache};
use worldbench_storage::run::RunManifest;
use worldbench_storage::{Dataset, RunPaths};
use worldbench_widgets::hgraph::{GraphData, GraphEdge};
use worldbench_widgets::parse_walls;

/// A run with its manifest, dataset and world, ready for evaluation, planning or the h-graph.
pub struct OpenRun {
    pub paths: RunPaths,
    pub manifest: RunManifest,
    pub data: Dataset,
    pub world: World,
}

/// Opens the run folder `dir`: run.json, the dataset it names and the world of the dataset's map.
pub fn open_run(dir: &Path) -> Result<OpenRun> {
    let paths = RunPaths::new(dir);
    if !present(&paths.manifest()) {
        bail!(
            "{}: not a run folder (no run.json); runs live in <workspace>/runs/",
            dir.display()
        );
    }
    let manifest = RunManifest::read(&paths.manifest())?;
    let data = open_dataset(Path::new(&manifest.dataset_path))
        .with_context(|| format!("the dataset of run {} cannot be opened", dir.display()))?;
    let map = match &data.map {
        Some(text) => Some(WorldMap::parse(text).with_context(|| {
            Path::new(&manifest.dataset_path)
                .join("map.txt")
                .display()
                .to_string()
        })?),
        None => None,
    };
    Ok(OpenRun {
        paths,
        manifest,
        data,
        world: World::new(map),
    })
}

/// The run folder of a checkpoint (`<run>/checkpoints/step_….safetensors`).
pub fn run_dir_of(checkpoint: &Path) -> Result<PathBuf> {
    checkpoint
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            anyhow!(
                "{}: not inside a run's checkpoints/ folder",
                checkpoint.display()
            )
        })
}

/// The frame encoder of a checkpoint, on the device its config asks for.
pub fn encoder_of(checkpoint: &Path) -> Result<JepaEncoder> {
    let ckpt = checkpoint::load(checkpoint)?;
    Ok(JepaEncoder::from_checkpoint(
        checkpoint,
        &ckpt.config.candle_device()?,
    )?)
}

/// Rows and columns of a dataset's map text (`data.map`; the world's map size when there is none).
pub fn map_size(map: Option<&str>) -> [usize; 2] {
    map.and_then(parse_walls)
        .map_or([MAP_ROWS, MAP_COLS], |g| [g.rows, g.cols])
}

/// A checkpoint's h-graph view data with the run data it came from.
pub struct Opened {
    pub checkpoint: PathBuf,
    pub cache: HGraphViewData,
    pub data: Arc<Dataset>,
    pub world: Arc<World>,
    /// Whether the cache was read (true) or computed now (false).
    pub from_cache: bool,
    /// A problem that did not stop the view (e.g. the cache could not be written).
    pub warning: Option<String>,
    /// The run's title (run.json).
    pub run_title: String,
    /// The other checkpoints of every run of the workspace on the same dataset (this run's first
    /// when it is the oldest; runs by start time): what the panel can compare with.
    pub comparable: Vec<PathBuf>,
}

/// Opens `checkpoint`'s h-graph view data: the cache beside it when it is fresh and matches the
/// run's dataset, else computed (encoding every frame) and written there. `recompute` ignores the
/// cache. Blocks: the app calls it off the UI thread.
pub fn open_checkpoint_graph(
    checkpoint: PathBuf,
    recompute: bool,
    control: &Control<'_>,
) -> Result<Opened> {
    (control.progress)("opening the run's dataset", 0.0);
    let run_dir = run_dir_of(&checkpoint)?;
    let run = open_run(&run_dir)?;
    let (manifest, data, world) = (run.manifest, run.data, run.world);
    let comparable: Vec<PathBuf> = run_dir
        .parent()
        .map(|runs| checkpoints_on_dataset(runs, &manifest.dataset_hash))
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p != &checkpoint)
        .collect();
    let run_title = manifest.title.clone();
    let cache_file = cache_path(&checkpoint);
    let mut warning = None;
    if !recompute && is_fresh(&cache_file, &checkpoint) {
        (control.progress)("reading the cache", 0.5);
        match read_cache(&cache_file) {
            Ok(c)
                if c.dataset_hash == manifest.dataset_hash
                    && c.node_of_frame.len() == data.len() =>
            {
                return Ok(Opened {
                    checkpoint,
                    cache: c,
                    data: Arc::new(data),
                    world: Arc::new(world),
                    from_cache: true,
                    warning: None,
                    run_title,
                    comparable,
                });
            }
            Ok(_) => {
                warning = Some(format!(
                    "{}: made for another dataset; rebuilt",
                    cache_file.display()
                ));
            }
            Err(e) => warning = Some(format!("{e}; rebuilt")),
        }
    }
    (control.progress)("loading the checkpoint", 0.02);
    let encoder = encoder_of(&checkpoint)?;
    let cache = hgraph_view_data(
        &encoder,
        &data,
        &manifest.dataset_hash,
        &checkpoint.display().to_string(),
        control,
    )?;
    (control.progress)("writing the cache", 0.97);
    if let Err(e) = write_cache(&cache_file, &cache) {
        warning = Some(format!("the h-graph could not be cached: {e}"));
    }
    Ok(Opened {
        checkpoint,
        cache,
        data: Arc::new(data),
        world: Arc::new(world),
        from_cache: false,
        warning,
        run_title,
        comparable,
    })
}

/// The widget's data: node positions on principal axes `axes` (x, y, z; an axis beyond those kept
/// gives 0). The worklog's h-graph picture draws the same data on axes 0 and 1.
pub fn graph_data(cache: &HGraphViewData, axes: [usize; 3], map_size: [usize; 2]) -> GraphData {
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
    fn graph_data_takes_three_chosen_axes() {
        // Two nodes on three principal axes.
        let cache = HGraphViewData {
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
            ..HGraphViewData::default()
        };
        let g = graph_data(&cache, [0, 1, 2], [14, 16]);
        assert_eq!(g.positions, vec![[1.0, 2.0, 3.0], [-1.0, -2.0, -3.0]]);
        // Any order; an axis beyond those kept gives 0.
        let g = graph_data(&cache, [2, 0, 5], [14, 16]);
        assert_eq!(g.positions, vec![[3.0, 1.0, 0.0], [-3.0, -1.0, 0.0]]);
        assert!(g.validate().is_ok());
    }

    #[test]
    fn map_size_comes_from_the_dataset_map() {
        assert_eq!(map_size(None), [MAP_ROWS, MAP_COLS]);
        assert_eq!(map_size(Some("....\n.#..\n....\n")), [3, 4]);
    }
}

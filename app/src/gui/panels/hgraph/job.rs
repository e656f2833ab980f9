//! Background work of the h-graph panel: opening a checkpoint's graph (from the cache beside it when
//! fresh, else computed and cached) and planning in the playground. Each runs on its own thread,
//! reports stages through a channel the UI polls, and can be cancelled.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use worldbench_model::checkpoint;
use worldbench_model::config::CandleDevice;
use worldbench_model::eval::{PlanOutcome, Planner};
use worldbench_model::train::JepaEncoder;
use worldbench_model::world::{Tile, World, WorldMap};
use worldbench_storage::dataset::open_dataset;
use worldbench_storage::hgraph_cache::{
    cache_path, is_fresh, read_cache, write_cache, HGraphCache,
};
use worldbench_storage::{Dataset, RunManifest, RunPaths};

use super::compute::{compute_cache, hgraph_of, Control};

/// A checkpoint's graph with the data it came from.
pub struct Opened {
    pub checkpoint: PathBuf,
    pub cache: HGraphCache,
    pub data: Arc<Dataset>,
    pub world: Arc<World>,
    /// Whether the cache was read (true) or computed now (false).
    pub from_cache: bool,
    /// A problem that did not stop the view (e.g. the cache could not be written).
    pub warning: Option<String>,
}

enum Msg<T> {
    Stage(String, f32),
    Done(Result<T, String>),
}

/// One background task producing a `T`.
pub struct Task<T> {
    pub stage: String,
    pub fraction: f32,
    cancel: Arc<AtomicBool>,
    rx: Receiver<Msg<T>>,
}

impl<T: Send + 'static> Task<T> {
    fn spawn(
        name: &str,
        ctx: Option<egui::Context>,
        work: impl FnOnce(&Control<'_>) -> Result<T> + Send + 'static,
    ) -> Self {
        let (tx, rx) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancel);
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let send = |m: Msg<T>| {
                    // The receiver is gone when the panel moved on: nobody needs the result.
                    let _ = tx.send(m);
                    if let Some(c) = &ctx {
                        c.request_repaint();
                    }
                };
                let progress = |what: &str, f: f32| send(Msg::Stage(what.to_string(), f));
                let control = Control {
                    cancel: &flag,
                    progress: &progress,
                };
                let result = work(&control).map_err(|e| format!("{e:#}"));
                send(Msg::Done(result));
            });
        let stage = match spawned {
            Ok(_) => "starting…".to_string(),
            Err(e) => format!("could not start a thread: {e}"),
        };
        Self {
            stage,
            fraction: 0.0,
            cancel,
            rx,
        }
    }

    /// Asks the task to stop at its next stage.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// The result once the task has ended, without blocking.
    pub fn poll(&mut self) -> Option<Result<T, String>> {
        loop {
            match self.rx.try_recv() {
                Ok(Msg::Stage(s, f)) => {
                    self.stage = s;
                    self.fraction = f;
                }
                Ok(Msg::Done(r)) => return Some(r),
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => {
                    return Some(Err(format!(
                        "the task stopped unexpectedly ({})",
                        self.stage
                    )))
                }
            }
        }
    }

    /// Blocks until the task ends (tests).
    pub fn wait(&mut self) -> Result<T, String> {
        loop {
            match self.rx.recv() {
                Ok(Msg::Stage(s, f)) => {
                    self.stage = s;
                    self.fraction = f;
                }
                Ok(Msg::Done(r)) => return r,
                Err(_) => return Err(format!("the task stopped unexpectedly ({})", self.stage)),
            }
        }
    }
}

/// The run folder of a checkpoint (`<run>/checkpoints/step_….safetensors`).
fn run_dir_of(checkpoint: &Path) -> Result<PathBuf> {
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

fn open_run_data(run_dir: &Path) -> Result<(RunManifest, Dataset, World)> {
    let paths = RunPaths::new(run_dir);
    let manifest = RunManifest::read(&paths.manifest())?;
    let data = open_dataset(Path::new(&manifest.dataset_path))
        .with_context(|| format!("the dataset of run {} cannot be opened", run_dir.display()))?;
    let map = match &data.map {
        Some(text) => Some(WorldMap::parse(text).with_context(|| {
            Path::new(&manifest.dataset_path)
                .join("map.txt")
                .display()
                .to_string()
        })?),
        None => None,
    };
    Ok((manifest, data, World::new(map)))
}

fn encoder_of(checkpoint: &Path) -> Result<JepaEncoder> {
    let ckpt = checkpoint::load(checkpoint)?;
    Ok(JepaEncoder::from_checkpoint(
        checkpoint,
        &ckpt.config.candle_device()?,
    )?)
}

/// Opens `checkpoint`'s graph: the cache beside it when it is fresh and matches the run's dataset,
/// else computed (encoding every frame) and written there. `recompute` ignores the cache.
pub fn open(checkpoint: PathBuf, recompute: bool, ctx: Option<egui::Context>) -> Task<Opened> {
    Task::spawn("hgraph-open", ctx, move |control| {
        (control.progress)("opening the run's dataset", 0.0);
        let run_dir = run_dir_of(&checkpoint)?;
        let (manifest, data, world) = open_run_data(&run_dir)?;
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
        let cache = compute_cache(
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
        })
    })
}

/// Plans from `start` to `goal` with the model's [`Planner`] over the cached graph.
pub fn plan(
    checkpoint: PathBuf,
    cache: &HGraphCache,
    world: Arc<World>,
    start: Tile,
    goal: Tile,
    ctx: Option<egui::Context>,
) -> Task<PlanOutcome> {
    let graph = hgraph_of(cache);
    Task::spawn("hgraph-plan", ctx, move |control| {
        (control.progress)("loading the checkpoint", 0.1);
        let encoder = encoder_of(&checkpoint)?;
        (control.progress)("encoding every tile of the world", 0.4);
        let planner = Planner::new(&world, &encoder, &graph)?;
        (control.progress)("planning", 0.8);
        Ok(planner.run(start, goal)?)
    })
}

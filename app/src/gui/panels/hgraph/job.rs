//! Background work of the h-graph panel: opening a checkpoint's graph (`run_context`: from the cache
//! beside it when fresh, else computed by `model::eval::hgraph_view_data` and cached) and planning in
//! the playground. Each is a [`Task`]: it reports its stages, the UI polls it, and it can be
//! cancelled.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use worldbench_model::eval::{hgraph_of, Control, PlanOutcome, Planner};
use worldbench_model::world::{Tile, World};
use worldbench_storage::hgraph_cache::HGraphCache;

pub use crate::gui::task::Task;
pub use crate::run_context::Opened;
use crate::run_context::{encoder_of, open_checkpoint_graph};

/// Runs `work` as the app's [`Task`], handing it the model's cancel-and-progress [`Control`].
fn spawn<T: Send + 'static>(
    name: &str,
    ctx: Option<egui::Context>,
    work: impl FnOnce(&Control<'_>) -> Result<T> + Send + 'static,
) -> Task<T> {
    Task::spawn(name, ctx, move |task| {
        let (cancel, progress) = task.parts();
        work(&Control { cancel, progress }).map_err(|e| format!("{e:#}"))
    })
}

/// Opens `checkpoint`'s graph on a background thread ([`open_checkpoint_graph`]: the cache beside
/// it when fresh, else computed and cached). `recompute` ignores the cache.
pub fn open(checkpoint: PathBuf, recompute: bool, ctx: Option<egui::Context>) -> Task<Opened> {
    spawn("hgraph-open", ctx, move |control| {
        open_checkpoint_graph(checkpoint, recompute, control)
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
    spawn("hgraph-plan", ctx, move |control| {
        (control.progress)("loading the checkpoint", 0.1);
        let encoder = encoder_of(&checkpoint)?;
        (control.progress)("encoding every tile of the world", 0.4);
        let planner = Planner::new(&world, &encoder, &graph)?;
        (control.progress)("planning", 0.8);
        Ok(planner.run(start, goal)?)
    })
}

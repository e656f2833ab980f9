//! Background work of the h-graph panel: opening a checkpoint's graph (`run_context`: from the cache
//! beside it when fresh, else computed by `model::eval::hgraph_view_data` and cached), finding out
//! which planners the playground can build on it, and planning in the playground. Each is a
//! [`Task`]: it reports its stages, the UI polls it, and it can be cancelled.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use worldbench_model::eval::{encode_dataset, hgraph_of, Control, HGraph, PlanOutcome, Planner};
use worldbench_model::planners::{
    build_planner, buildable, dataset_worlds, Controlled, LatticeConfig, MpcConfig, PlannerInputs,
    PlannerKind,
};
use worldbench_model::world::Tile;
use worldbench_storage::Dataset;

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

/// Which planners can be built on a checkpoint and its data: those that can, in
/// [`PlannerKind::ALL`]'s order, and each other one with the reason it cannot.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannerCheck {
    pub ok: Vec<PlannerKind>,
    pub refused: Vec<(PlannerKind, String)>,
}

/// What [`check_planners`] found, with the dataset's h it encoded on the way, which [`plan`] reuses
/// for the lattice so that the dataset is encoded once per checkpoint opened.
pub struct Checked {
    pub check: PlannerCheck,
    pub dataset_h: Arc<Vec<f32>>,
}

/// The inputs every planner is built from, with the default settings.
fn inputs<'a>(
    model: &'a Controlled<'a>,
    graph: &'a HGraph,
    h: &'a [f32],
    data: &'a Dataset,
) -> PlannerInputs<'a> {
    PlannerInputs {
        model,
        graph,
        h,
        data,
        lattice: LatticeConfig::default(),
        mpc: MpcConfig::default(),
    }
}

/// Finds out which planners can be built on `opened`'s checkpoint, as [`plan`] builds them
/// (`model::planners::buildable`; the lattice's deltas need the dataset's h, so it encodes the
/// dataset, and hands that h back for [`plan`]).
pub fn check_planners(opened: &Opened, ctx: Option<egui::Context>) -> Task<Checked> {
    let graph = hgraph_of(&opened.cache);
    let checkpoint = opened.checkpoint.clone();
    let data = Arc::clone(&opened.data);
    spawn("hgraph-planners", ctx, move |control| {
        control.stage("loading the checkpoint", 0.05)?;
        let encoder = encoder_of(&checkpoint)?;
        let model = Controlled::new(&encoder, control);
        control.stage("encoding the dataset (the lattice's action deltas)", 0.2)?;
        let h = encode_dataset(&model, &data)?;
        control.stage("building each planner", 0.9)?;
        let (ok, failed) = buildable(&PlannerKind::ALL, &inputs(&model, &graph, &h, &data));
        let refused = failed
            .into_iter()
            .filter_map(|f| Some((f.planner.parse().ok()?, f.error)))
            .collect();
        Ok(Checked {
            check: PlannerCheck { ok, refused },
            dataset_h: Arc::new(h),
        })
    })
}

/// What the playground shows of one plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayResult {
    pub planner: PlannerKind,
    pub outcome: PlanOutcome,
    /// The final latent distance to the goal frame's h (the planners behind the trait report it).
    pub final_distance: Option<f32>,
}

/// Plans from `start` to `goal` with the planner of `kind` in the world of `layout` (an index into
/// a mixed dataset's `layouts.maps`, [`dataset_worlds`]; else the run's world): the model's h-graph
/// [`Planner`] over the cached graph, or `lattice` / `mpc` built from the checkpoint (the lattice's
/// deltas from the dataset's h: `dataset_h` when [`check_planners`] has encoded it, else encoded
/// now). Every model call checks the task's cancel flag, so a slow `mpc` stops soon.
pub fn plan(
    kind: PlannerKind,
    opened: &Opened,
    dataset_h: Option<Arc<Vec<f32>>>,
    layout: usize,
    start: Tile,
    goal: Tile,
    ctx: Option<egui::Context>,
) -> Task<PlayResult> {
    let graph = hgraph_of(&opened.cache);
    let checkpoint = opened.checkpoint.clone();
    let world = Arc::clone(&opened.world);
    let data = Arc::clone(&opened.data);
    spawn("hgraph-plan", ctx, move |control| {
        let world = match &data.layouts {
            Some(_) => Arc::new(
                dataset_worlds(&data)?
                    .into_iter()
                    .nth(layout)
                    .ok_or_else(|| anyhow::anyhow!("the dataset has no layout {layout}"))?
                    .0,
            ),
            None => world,
        };
        control.stage("loading the checkpoint", 0.05)?;
        let encoder = encoder_of(&checkpoint)?;
        if kind == PlannerKind::Graph {
            control.stage("encoding every tile of the world", 0.4)?;
            let planner = Planner::new(&world, &encoder, &graph)?;
            control.stage("planning", 0.8)?;
            let outcome = planner.run(start, goal)?;
            return Ok(PlayResult {
                planner: kind,
                outcome,
                final_distance: None,
            });
        }
        let model = Controlled::new(&encoder, control);
        let h = match dataset_h {
            Some(h) => h,
            None if kind == PlannerKind::Lattice => {
                control.stage("encoding the dataset (the lattice's action deltas)", 0.1)?;
                Arc::new(encode_dataset(&model, &data)?)
            }
            None => Arc::default(),
        };
        let mut planner = build_planner(kind, &inputs(&model, &graph, &h, &data))?;
        control.stage(&format!("planning with {kind}"), 0.3)?;
        let o = planner.run(&world, start, goal)?;
        Ok(PlayResult {
            planner: kind,
            outcome: o.to_plan_outcome(),
            final_distance: Some(o.final_distance),
        })
    })
}

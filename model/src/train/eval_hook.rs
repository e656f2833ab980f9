//! The one place where training calls the planning evaluation.

use std::time::Instant;

use worldbench_storage::{Dataset, PlanningRow};

use crate::error::{ModelError, Result};
use crate::planners::{
    buildable, sweep_dataset, write_sweeps, LatticeConfig, MpcConfig, PlannerFailure,
    PlannerInputs, PlannerKind,
};
use crate::train::encoder::JepaEncoder;
use crate::world::{World, WorldMap};

/// Random (start, goal) pairs each planner of `plan_eval_planners` plans at every checkpoint.
pub const EVAL_SWEEP_PAIRS: usize = 40;

/// Evaluates the checkpoint of `step` on `data` (DESIGN.md's metric contract), in the world of
/// the dataset's map (the default world when it has none), and sweeps each of `planners` over
/// [`EVAL_SWEEP_PAIRS`] pairs of the dataset's worlds into its columns. A planner that cannot be
/// built on this checkpoint is left out (its columns empty) and returned with its reason: training
/// goes on.
pub fn evaluate(
    encoder: &JepaEncoder,
    data: &Dataset,
    step: u64,
    seed: u64,
    planners: &[&str],
) -> Result<(PlanningRow, Vec<PlannerFailure>)> {
    let started = Instant::now();
    let map = match data.map.as_deref() {
        Some(text) => Some(WorldMap::parse(text).map_err(|e| {
            ModelError::Invalid(format!(
                "dataset {:?}: its map cannot be used for planning: {e}",
                data.name
            ))
        })?),
        None => None,
    };
    let ev = crate::eval::evaluate(encoder, data, &World::new(map), step, seed)?;
    let mut row = ev.row;
    let mut skipped = Vec::new();
    if !planners.is_empty() {
        let kinds = planners
            .iter()
            .map(|p| p.parse::<PlannerKind>())
            .collect::<Result<Vec<_>>>()?;
        let inputs = PlannerInputs {
            model: encoder,
            graph: &ev.graph,
            h: &ev.h,
            data,
            lattice: LatticeConfig::default(),
            mpc: MpcConfig::default(),
        };
        let (built, failed) = buildable(&kinds, &inputs);
        skipped = failed;
        let sweeps = sweep_dataset(&built, &inputs, EVAL_SWEEP_PAIRS, seed)?;
        write_sweeps(&mut row, &sweeps);
        row.eval_secs = started.elapsed().as_secs_f64();
    }
    Ok((row, skipped))
}

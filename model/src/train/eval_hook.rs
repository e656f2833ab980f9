//! The one place where training calls the planning evaluation.

use worldbench_storage::{Dataset, PlanningRow};

use crate::error::{ModelError, Result};
use crate::train::encoder::JepaEncoder;
use crate::world::{World, WorldMap};

/// Evaluates the checkpoint of `step` on `data` (DESIGN.md's metric contract), in the world of
/// the dataset's map (the default world when it has none).
pub fn evaluate(
    encoder: &JepaEncoder,
    data: &Dataset,
    step: u64,
    seed: u64,
) -> Result<PlanningRow> {
    let map = match data.map.as_deref() {
        Some(text) => Some(WorldMap::parse(text).map_err(|e| {
            ModelError::Invalid(format!(
                "dataset {:?}: its map cannot be used for planning: {e}",
                data.name
            ))
        })?),
        None => None,
    };
    crate::eval::evaluate_checkpoint(encoder, data, &World::new(map), step, seed)
}

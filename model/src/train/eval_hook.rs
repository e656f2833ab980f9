//! The one place where training calls the planning evaluation.

use worldbench_storage::{Dataset, PlanningRow};

use crate::error::{ModelError, Result};
use crate::train::encoder::JepaEncoder;

/// Evaluates the checkpoint of `step` on `data` (DESIGN.md's metric contract).
pub fn evaluate(encoder: &JepaEncoder, data: &Dataset, step: u64, seed: u64) -> Result<PlanningRow> {
    // PLAN_EVAL_HOOK: wire to `crate::eval::evaluate_checkpoint` once it exists.
    let _ = (encoder, data, step, seed);
    Err(ModelError::Invalid("planning evaluation is not available yet (crate::eval::evaluate_checkpoint)".into()))
}

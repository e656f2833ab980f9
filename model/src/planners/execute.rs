//! The closed planning loop shared by the latent planners.

use std::collections::HashMap;

use super::{l2, BUDGET_FACTOR};
use crate::encoder::FrameEncoder;
use crate::error::{ModelError, Result};
use crate::world::{Tile, World};

/// The result of one planning episode, the same for every planner.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Outcome {
    /// The agent ended on the goal tile within the budget.
    pub success: bool,
    /// Actions executed.
    pub steps: usize,
    /// `BUDGET_FACTOR ×` the true shortest path length.
    pub budget: usize,
    /// The true shortest path length (breadth-first search in the world).
    pub shortest_len: usize,
    /// Euclidean distance from the last frame's h to the goal frame's h.
    pub final_distance: f32,
    /// The agent's tiles: the start, then one after each action.
    pub tiles: Vec<Tile>,
}

impl Outcome {
    /// This outcome in the h-graph planner's terms (for the playground): no planned node paths,
    /// and why it stopped read from the steps.
    pub fn to_plan_outcome(&self) -> crate::eval::PlanOutcome {
        use crate::eval::StopReason;
        let stop = if self.success {
            StopReason::ReachedGoal
        } else if self.steps >= self.budget {
            StopReason::BudgetExhausted
        } else {
            StopReason::GaveUp
        };
        crate::eval::PlanOutcome {
            success: self.success,
            steps: self.steps,
            budget: self.budget,
            shortest_len: self.shortest_len,
            goal_node: 0,
            tiles: self.tiles.clone(),
            planned_nodes: Vec::new(),
            stop,
        }
    }
}

/// Encodes the frame of the agent on `tile` (frames depend only on the tile, so each is cached).
fn encode_tile(
    encoder: &dyn FrameEncoder,
    world: &World,
    tile: Tile,
    cache: &mut HashMap<Tile, Vec<f32>>,
) -> Result<Vec<f32>> {
    if let Some(h) = cache.get(&tile) {
        return Ok(h.clone());
    }
    let mut w = world.clone();
    w.set_tile(tile)?;
    let frame = w.render();
    let h = encoder.encode(
        &frame,
        crate::world::FRAME_HEIGHT,
        crate::world::FRAME_WIDTH,
    )?;
    cache.insert(tile, h.clone());
    Ok(h)
}

/// Runs the closed loop from `start` to `goal`: before every step the current frame is encoded and
/// `choose(h, h_goal)` names one action (`None`: the planner gives up). Stops on the goal tile
/// (success), when the budget is spent, or when the planner gives up.
pub fn execute(
    encoder: &dyn FrameEncoder,
    world: &World,
    start: Tile,
    goal: Tile,
    mut choose: impl FnMut(&[f32], &[f32]) -> Result<Option<u8>>,
) -> Result<Outcome> {
    let shortest_len = world.shortest_path_len(start, goal).ok_or_else(|| {
        ModelError::Invalid(format!(
            "goal tile {goal} cannot be reached from {start} in this world"
        ))
    })?;
    let budget = BUDGET_FACTOR * shortest_len;
    let mut cache = HashMap::new();
    let h_goal = encode_tile(encoder, world, goal, &mut cache)?;
    let mut w = world.clone();
    w.set_tile(start)?;
    let mut tiles = vec![start];
    let mut steps = 0;
    let mut h = encode_tile(encoder, world, start, &mut cache)?;
    while w.tile() != goal && steps < budget {
        let Some(action) = choose(&h, &h_goal)? else {
            break;
        };
        w.step(action);
        steps += 1;
        tiles.push(w.tile());
        h = encode_tile(encoder, world, w.tile(), &mut cache)?;
    }
    Ok(Outcome {
        success: w.tile() == goal,
        steps,
        budget,
        shortest_len,
        final_distance: l2(&h, &h_goal),
        tiles,
    })
}

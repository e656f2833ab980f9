//! Planners that choose actions in the world from latent vectors h: `graph` (the h-graph of the data,
//! [`crate::eval::Planner`]), `lattice` (A* on the lattice spanned by per-action median latent
//! deltas) and `mpc` (CEM over action sequences rolled out with the trained predictor).
//!
//! Every planner runs the same closed loop ([`execute`]): encode the current frame, ask the planner
//! for one action, take it in the world, re-encode, re-plan; stop on the goal tile or after
//! [`BUDGET_FACTOR`] × the true shortest path. Each reports success, steps and the final latent
//! distance to the goal frame's h ([`Outcome`]).

mod controlled;
mod execute;
mod graph;
mod lattice;
mod mpc;
mod sweep;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

pub use controlled::Controlled;
pub use execute::{execute, Outcome};
pub use graph::GraphPlanner;
pub use lattice::{action_deltas, LatticeConfig, LatticePlanner};
pub use mpc::{MpcConfig, MpcPlanner};
pub use sweep::{
    build_planner, buildable, dataset_worlds, random_pairs, sweep, sweep_dataset, write_sweeps,
    PlannerFailure, PlannerInputs, PlannerSweep, Tally, LONG_PAIR_MOVES,
};

use crate::encoder::FrameEncoder;
use crate::error::{ModelError, Result};
pub use crate::eval::planning::BUDGET_FACTOR;
use crate::world::{Tile, World};

/// A world model's action-conditioned predictor on latent vectors.
pub trait Predictor: FrameEncoder {
    /// One predictor step for a batch: `h` holds `actions.len()` rows of `dim()` floats; returns the
    /// predicted next h of each row.
    fn predict(&self, h: &[f32], actions: &[u8]) -> Result<Vec<f32>>;
}

/// Chooses actions toward a goal in latent space.
pub trait Planner {
    /// `graph`, `lattice` or `mpc`.
    fn name(&self) -> &'static str;
    /// Plans from `start` to `goal` in `world` and executes the plan with re-planning.
    fn run(&mut self, world: &World, start: Tile, goal: Tile) -> Result<Outcome>;
}

/// The planners by name, for `--planner`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PlannerKind {
    #[default]
    Graph,
    Lattice,
    Mpc,
}

impl PlannerKind {
    pub const ALL: [PlannerKind; 3] = [PlannerKind::Graph, PlannerKind::Lattice, PlannerKind::Mpc];

    pub const fn name(self) -> &'static str {
        match self {
            PlannerKind::Graph => "graph",
            PlannerKind::Lattice => "lattice",
            PlannerKind::Mpc => "mpc",
        }
    }
}

impl fmt::Display for PlannerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PlannerKind {
    type Err = ModelError;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        PlannerKind::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                ModelError::Invalid(format!(
                    "unknown planner \"{s}\": expected graph, lattice or mpc"
                ))
            })
    }
}

/// Euclidean distance between two latent vectors.
pub fn l2(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}

//! Planning in the h-graph and executing the plan in the world, re-planning after every step
//! (DESIGN.md, metric contract: test1, test2), and sweeps over many (start, goal) pairs.

use std::collections::{BTreeSet, HashMap};

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use worldbench_storage::Dataset;

use super::encode::encode_frames;
use super::graph::Digraph;
use super::hgraph::HGraph;
use crate::encoder::FrameEncoder;
use crate::error::{ModelError, Result};
use crate::world::{Tile, World, FRAME_BYTES, FRAME_HEIGHT, FRAME_WIDTH};

/// Budget of a planning episode in multiples of the true shortest path length.
pub const BUDGET_FACTOR: usize = 3;

/// Why a planning episode ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The agent's tile is the goal.
    ReachedGoal,
    /// `budget` actions were executed without reaching the goal.
    BudgetExhausted,
    /// No h-graph path leads from the current node to the goal node.
    NoPath,
    /// The current frame's node is the goal node but the agent is not on the goal tile: the graph
    /// cannot tell them apart, so planning stops (a failure) rather than wander.
    GoalNodeWrongTile,
    /// A planner other than the h-graph's found no action toward the goal.
    GaveUp,
}

impl StopReason {
    /// Why planning stopped, in words (for the playground and `plan`).
    pub fn describe(self) -> &'static str {
        match self {
            Self::ReachedGoal => "reached the goal tile",
            Self::BudgetExhausted => "the step budget ran out",
            Self::NoPath => "no h-graph path leads to the goal's node",
            Self::GoalNodeWrongTile => {
                "at the goal's node but on another tile (the h-graph cannot tell them apart)"
            }
            Self::GaveUp => "the planner found no action toward the goal",
        }
    }
}

/// The result of one planning episode.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlanOutcome {
    /// The agent ended on the goal tile within the budget.
    pub success: bool,
    /// Actions executed.
    pub steps: usize,
    /// `3 ×` the true shortest path length (in moves).
    pub budget: usize,
    /// The true shortest path length in the world (breadth-first search).
    pub shortest_len: usize,
    /// Node of the goal frame.
    pub goal_node: u32,
    /// The agent's tiles: the start, then one after each executed action.
    pub tiles: Vec<Tile>,
    /// The planned node path (current node … goal node) before each executed action.
    pub planned_nodes: Vec<Vec<u32>>,
    pub stop: StopReason,
}

/// Plans over one h-graph in one world. Frames of this world depend only on the agent's tile, so
/// the node of every standable tile is computed once (one encoder batch): "encode the current
/// frame, take the nearest node" is a table lookup.
pub struct Planner<'a> {
    world: &'a World,
    graph: &'a HGraph,
    /// Reversed h-graph edges (self-loops dropped), for distances to a goal.
    reversed: Digraph,
    digraph: Digraph,
    node_of_tile: HashMap<Tile, u32>,
}

impl<'a> Planner<'a> {
    /// Renders the world at every standable tile, encodes those frames, and maps each to its
    /// nearest node (largest cosine similarity to a centre).
    pub fn new(world: &'a World, encoder: &dyn FrameEncoder, graph: &'a HGraph) -> Result<Self> {
        if graph.num_nodes == 0 {
            return Err(ModelError::Invalid(
                "cannot plan: the h-graph has no nodes".into(),
            ));
        }
        if encoder.dim() != graph.dim {
            return Err(ModelError::Invalid(format!(
                "encoder dimension {} differs from the h-graph's {}",
                encoder.dim(),
                graph.dim
            )));
        }
        let tiles = world.lattice_tiles();
        let mut frames = vec![0u8; tiles.len() * FRAME_BYTES];
        let mut w = world.clone();
        for (t, out) in tiles.iter().zip(frames.chunks_mut(FRAME_BYTES)) {
            w.set_tile(*t)?;
            w.render_into(out);
        }
        let h = encode_frames(encoder, &frames, FRAME_HEIGHT, FRAME_WIDTH)?;
        let mut node_of_tile = HashMap::with_capacity(tiles.len());
        for (t, v) in tiles.iter().zip(h.chunks(graph.dim)) {
            let node = graph.nearest_node(v).ok_or_else(|| {
                ModelError::Invalid("cannot plan: the h-graph has no nodes".into())
            })?;
            node_of_tile.insert(*t, node);
        }
        let digraph = graph.digraph();
        Ok(Self {
            world,
            graph,
            reversed: digraph.reversed(),
            digraph,
            node_of_tile,
        })
    }

    /// The node of the frame showing the agent on `tile`, if the agent can stand there.
    pub fn node_of_tile(&self, tile: Tile) -> Option<u32> {
        self.node_of_tile.get(&tile).copied()
    }

    fn node(&self, tile: Tile) -> Result<u32> {
        self.node_of_tile(tile).ok_or_else(|| {
            ModelError::Invalid(format!("tile {tile} is not one the agent can stand on"))
        })
    }

    /// Plans from `start` to `goal` and executes: before every step, a shortest h-graph path from
    /// the current frame's node to the goal frame's node (breadth-first; among equally short next
    /// nodes the lowest id), then the most observed action of its first edge. Stops on the goal
    /// tile (success), after `3 ×` the true shortest path length in actions, when no path exists, or
    /// when the current node is the goal node while the tile is not the goal (see [`StopReason`]).
    pub fn run(&self, start: Tile, goal: Tile) -> Result<PlanOutcome> {
        let mut world = self.world.clone();
        world.set_tile(start)?;
        let goal_node = self.node(goal)?;
        let shortest_len = self.world.shortest_path_len(start, goal).ok_or_else(|| {
            ModelError::Invalid(format!(
                "goal tile {goal} cannot be reached from {start} in this world"
            ))
        })?;
        let budget = BUDGET_FACTOR * shortest_len;
        let dist = self.reversed.distances_from(goal_node);
        let mut tiles = vec![start];
        let mut planned_nodes = Vec::new();
        let mut steps = 0;
        let stop = loop {
            let tile = world.tile();
            if tile == goal {
                break StopReason::ReachedGoal;
            }
            if steps >= budget {
                break StopReason::BudgetExhausted;
            }
            let cur = self.node(tile)?;
            if cur == goal_node {
                break StopReason::GoalNodeWrongTile;
            }
            if dist[cur as usize] == u32::MAX {
                break StopReason::NoPath;
            }
            let path = self.path_along(&dist, cur);
            let action = self.graph.best_action(path[0], path[1]).ok_or_else(|| {
                ModelError::Invalid(format!(
                    "h-graph edge {}→{} has no action",
                    path[0], path[1]
                ))
            })?;
            world.step(action);
            steps += 1;
            tiles.push(world.tile());
            planned_nodes.push(path);
        };
        Ok(PlanOutcome {
            success: stop == StopReason::ReachedGoal,
            steps,
            budget,
            shortest_len,
            goal_node,
            tiles,
            planned_nodes,
            stop,
        })
    }

    /// A shortest path from `from` down the distances-to-goal `dist` (lowest id on ties).
    fn path_along(&self, dist: &[u32], from: u32) -> Vec<u32> {
        let mut path = vec![from];
        let mut u = from;
        while dist[u as usize] > 0 {
            let want = dist[u as usize] - 1;
            let next = self
                .digraph
                .successors(u)
                .iter()
                .copied()
                .find(|&v| dist[v as usize] == want);
            match next {
                Some(v) => {
                    path.push(v);
                    u = v;
                }
                None => break, // cannot happen: dist comes from this graph
            }
        }
        path
    }
}

/// Plans from `start` to `goal` in `world` with the h-graph `graph` (see [`Planner::run`]).
pub fn plan_and_execute(
    world: &World,
    encoder: &dyn FrameEncoder,
    graph: &HGraph,
    start: Tile,
    goal: Tile,
) -> Result<PlanOutcome> {
    Planner::new(world, encoder, graph)?.run(start, goal)
}

/// Planning over many (start, goal) pairs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SweepReport {
    /// Pairs planned.
    pub pairs: usize,
    pub successes: usize,
    /// `successes / pairs` (0 when there are no pairs).
    pub success_fraction: f64,
    /// Mean of `steps / shortest_len` over successful pairs (1 = always shortest; 0 when none).
    pub mean_steps_ratio: f64,
    /// Up to 20 failed pairs, `(start, goal)`.
    pub failures: Vec<(Tile, Tile)>,
}

/// Plans between ordered pairs of distinct tiles that `data` visits (its `tiles` column) and the
/// agent can stand on in `world`, at most `max_pairs` of them (a seeded random subset when there are
/// more), and reports the success fraction.
pub fn plan_sweep(
    encoder: &dyn FrameEncoder,
    data: &Dataset,
    graph: &HGraph,
    world: &World,
    max_pairs: usize,
    seed: u64,
) -> Result<SweepReport> {
    let tiles = data.tiles.as_ref().ok_or_else(|| {
        ModelError::Invalid(format!(
            "dataset {} has no agent tiles: cannot choose planning pairs",
            data.name
        ))
    })?;
    let planner = Planner::new(world, encoder, graph)?;
    let visited: BTreeSet<Tile> = tiles
        .iter()
        .map(|&t| Tile::from_array(t))
        .filter(|&t| planner.node_of_tile(t).is_some())
        .collect();
    let mut pairs: Vec<(Tile, Tile)> = visited
        .iter()
        .flat_map(|&a| {
            visited
                .iter()
                .filter(move |&&b| b != a)
                .map(move |&b| (a, b))
        })
        .filter(|&(a, b)| world.shortest_path_len(a, b).is_some())
        .collect();
    if pairs.len() > max_pairs {
        pairs.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        pairs.truncate(max_pairs);
    }
    let (mut successes, mut ratio_sum) = (0usize, 0f64);
    let mut failures = Vec::new();
    for &(a, b) in &pairs {
        let out = planner.run(a, b)?;
        if out.success {
            successes += 1;
            ratio_sum += out.steps as f64 / out.shortest_len.max(1) as f64;
        } else if failures.len() < 20 {
            failures.push((a, b));
        }
    }
    let frac = |x: f64, n: usize| if n == 0 { 0.0 } else { x / n as f64 };
    Ok(SweepReport {
        pairs: pairs.len(),
        successes,
        success_fraction: frac(successes as f64, pairs.len()),
        mean_steps_ratio: frac(ratio_sum, successes),
        failures,
    })
}
